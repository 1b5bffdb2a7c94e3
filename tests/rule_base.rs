//! Invariants of the real rule base in rules/ and kb/: it loads, every rule's examples hold against the
//! whole built-in set, every record is used, and the documented worked example is the real rule file.

use kbx::engine::{Basis, Engine, Query};
use kbx::rule::Knowledge;
use kbx::rule::load::{Sources, load};

fn builtin() -> Knowledge {
    load(&Sources { builtin: true, dirs: vec![] }).unwrap_or_else(|e| {
        let all: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
        panic!("the built-in rules do not load:\n{}", all.join("\n"))
    })
}

#[test]
fn the_builtin_rules_load_and_cover_both_seed_articles() {
    let k = builtin();
    let kbs: Vec<&str> = k.rules.iter().map(|r| r.kb.as_str()).collect();
    assert!(kbs.contains(&"Q293218") && kbs.contains(&"Q121131"), "{kbs:?}");
}

#[test]
fn every_match_example_ranks_its_own_rule_first() {
    let k = builtin();
    let engine = Engine::from_rules(&k.rules);
    let mut failures = Vec::new();
    for rule in &k.rules {
        for text in &rule.examples.matches {
            let found = engine.diagnose(text, &Query::default());
            match found.first().map(|f| &k.rules[f.rule].id) {
                Some(id) if *id == rule.id => {}
                Some(other) => failures.push(format!("{}: {text:?} ranked {other} first", rule.id)),
                None => failures.push(format!("{}: {text:?} matched nothing (missing)", rule.id)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_match_examples_do_not_match_their_rule() {
    let k = builtin();
    let engine = Engine::from_rules(&k.rules);
    let mut noisy = Vec::new();
    for (i, rule) in k.rules.iter().enumerate() {
        for text in &rule.examples.no_match {
            let found = engine.diagnose(text, &Query { top: usize::MAX, min_score: 0.0 });
            // The lexical fallback may still suggest the rule; its symptoms must not match.
            if found.iter().any(|f| f.rule == i && f.basis != Basis::Lexical) {
                noisy.push(format!("{}: matched {text:?} (noisy)", rule.id));
            }
        }
    }
    assert!(noisy.is_empty(), "{}", noisy.join("\n"));
}

#[test]
fn every_rule_has_examples_of_both_kinds() {
    for rule in &builtin().rules {
        assert!(!rule.examples.matches.is_empty(), "{} has no match examples", rule.id);
        assert!(!rule.examples.no_match.is_empty(), "{} has no no_match examples", rule.id);
    }
}

#[test]
fn every_kb_record_belongs_to_a_rule() {
    let k = builtin();
    for id in k.records.keys() {
        assert!(k.rules.iter().any(|r| &r.kb == id), "kb/{id}.md is not used by any rule");
    }
}

#[test]
fn the_worked_example_in_the_docs_is_the_real_rule() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/rule-format.md")).expect("docs/rule-format.md exists");
    let rule = std::fs::read_to_string(root.join("rules/exchange/owa-cdo-not-registered.yaml"))
        .expect("the rule exists");
    let block = doc
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/rule-format.md has a yaml block");
    assert_eq!(block, rule, "update the worked example in docs/rule-format.md to the rule file");
}
