//! The starting file for a new rule (`kbx rules new`): every section, with comments that say what goes
//! in it. It loads as it is (status draft), so an author can lint and test it from the first minute.

/// A rule template for article `kb`, with id `id`.
pub fn rule(id: &str, kb: &str) -> String {
    format!(
        r#"# A new rule for KB article {kb}. Replace every "Replace …" text, run `kbx rules lint` and
# `kbx rules test`, and set `status: stable` once it is reviewed. docs/authoring.md walks through it.
id: {id}                    # must equal the file name without .yaml
# One line saying what goes wrong, as a person would search for it.
title: 'Replace with what goes wrong, quoting the message'
kb: {kb}                    # a record kb/{kb}.md must exist
products: []                # e.g. [Microsoft Exchange Server]
versions: []                # in quotes: ['5.5']
severity: medium            # info, low, medium, high or critical
status: draft               # draft until reviewed; then stable
tags: []
references:
  - 'kb:{kb}'
keywords: []                # words people search the article by (lexical fallback only)
symptoms:
  # The exact error message, as the article quotes it. <name> stands for a part that varies.
  - text: 'Replace with the exact error message from <servername>'
    weight: 1.0
  # An error code in quotes ('0x80040111', '-1808', 'MAPI_E_LOGON_FAILED'), usually weaker:
  # - code: '0x80040111'
  #   weight: 0.8
  # A regex only where words and wildcards cannot say it; add (?i) for any case:
  # - regex: '(?i)\blogon\.asp\b'
  #   weight: 0.2
causes:
  - Replace with the cause, in your own words.
resolution:
  - text: Replace with the first step, in your own words.
  # A step the executor can carry out has an action from the closed set and a safety level:
  # - text: Register the library again.
  #   action:
  #     regsvr32: '%SystemRoot%\system32\cdo.dll'
  #   safety: safe           # safe, caution or dangerous
examples:
  match:                    # texts that must rank this rule first: wrapped, in a log line, filled in
    - 'Replace with the exact error message from EXCH01'
  no_match:                 # near misses this rule must not match
    - 'Replace with a message of a neighbouring article'
"#
    )
}

/// A kb record template for article `kb`.
pub fn record(kb: &str) -> String {
    format!(
        "---\nid: {kb}\ntitle: 'Replace with the article title'\nproducts: []\nversions: []\nlast_modified: unknown\n\
         source: Microsoft Knowledge Base article {kb}\n---\n\n## Symptoms\n\nReplace with what people see, in your own \
         words; quote messages exactly.\n\n## Cause\n\nReplace with the cause.\n\n## Resolution\n\nReplace with the \
         steps; commands exactly.\n\n## Status\n\nReplace with the article's status.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::load::parse_yaml;
    use crate::rule::raw::RawRule;

    #[test]
    fn the_template_is_a_rule_that_loads() {
        let raw: RawRule = parse_yaml(std::path::Path::new("t.yaml"), &rule("my-rule", "Q123456"), 0)
            .unwrap_or_else(|p| panic!("{p}"));
        assert_eq!((raw.id.as_str(), raw.kb.as_str()), ("my-rule", "Q123456"));
        assert_eq!(raw.examples.matches.len(), 1);
        assert_eq!(raw.resolution.len(), 1);
    }
}
