//! Command lines a resolution tells the reader to type: `"regsvr32 c:\winnt\system32\cdo.dll" (without the
//! quotation marks)`, `type "net stop msexchangemta"`, or an indented line that starts with a known command.
//! A quoted value such as `"1" (without the quotation marks)` is no command.

use std::sync::LazyLock;

use regex::Regex;

/// Commands that are never ordinary words at the start of an indented line.
const COMMANDS: &[&str] = &[
    "regsvr32", "regedit", "regedt32", "isinteg", "eseutil", "edbutil", "mtacheck", "msconfig", "sysedit",
    "dxdiag", "ipconfig", "nbtstat", "netstat", "nslookup", "ping", "tracert", "winnt", "winnt32", "dcpromo",
    "iisreset", "msiexec", "rundll32", "cscript", "wscript", "regini", "cacls", "xcopy", "deltree", "attrib",
    "chkdsk", "scandisk", "sfc", "ntbackup", "rdisk", "winmsd", "drwtsn32", "setver", "dblspace", "drvspace",
    "smartdrv", "nltest", "netdom", "ntdsutil", "dhcpcmd", "scanreg", "mkdir", "rmdir", "chdir", "fdisk",
    "odbcad32", "lodctr", "unlodctr", "mmc", "ntdetect", "dumpchk", "tlist", "kill", "cmd", "secedit",
    "adsutil", "mdutil", "certutil", "ntfrsutl", "repadmin", "dsastat", "ldifde", "csvde",
];

/// Commands that are also English words: taken only with arguments that look like a command's (a path,
/// a switch, a file name, a wildcard).
const WORD_COMMANDS: &[&str] = &[
    "copy", "md", "ren", "rename", "del", "erase", "cd", "rd", "setup", "set", "type", "dir", "start",
    "move", "expand", "extract", "edit", "format", "sys", "mem", "debug", "win", "sc", "at", "echo", "path",
    "label", "share", "mode", "print", "replace", "subst", "convert", "compact", "msd", "find", "more",
    "sort",
];

/// `net` takes one of these.
const NET_VERBS: &[&str] = &[
    "start",
    "stop",
    "use",
    "view",
    "share",
    "user",
    "send",
    "time",
    "config",
    "localgroup",
    "group",
    "accounts",
    "session",
    "file",
    "print",
    "name",
    "statistics",
    "pause",
    "continue",
    "helpmsg",
];

static QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)"([^"]{1,200})"\s*\(without (?:the )?quotation marks\)|\b(?:type|run|enter)\s+"([^"]{1,200})""#)
        .unwrap_or_else(|e| panic!("built-in pattern is invalid: {e}"))
});

/// The first command quoted in `text` (`"…" (without the quotation marks)` or `type "…"`), as written.
pub fn quoted(text: &str) -> Option<String> {
    QUOTED.captures_iter(text).find_map(|caps| {
        let command = caps.get(1).or_else(|| caps.get(2))?.as_str().trim();
        is_command(command).then(|| command.to_string())
    })
}

/// The line as a command, when it reads as one. The tail of a quoted command wrapped onto this line
/// (`… a:" (without the quotation marks)`) loses its quotation marks.
pub fn line(line: &str) -> Option<String> {
    let mut line = line.trim();
    if let Some(at) = line.to_ascii_lowercase().find("(without the quotation marks)") {
        line = line[..at].trim_end().trim_matches('"').trim();
    }
    is_command(line).then(|| line.to_string())
}

/// Whether `text` reads as a command line: a known command, or a program named by path or extension,
/// followed by arguments that look like a command's, not by running text.
pub fn is_command(text: &str) -> bool {
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else { return false };
    let args: Vec<&str> = words.collect();
    let stop_words = args.iter().filter(|a| STOP_WORDS.contains(&a.to_ascii_lowercase().as_str())).count();
    let drive = first.len() == 2 && first.as_bytes()[0].is_ascii_alphabetic() && first.as_bytes()[1] == b':';
    let version = |a: &&str| {
        a.split('.').count() >= 3
            && a.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    if args.len() > 12
        || stop_words >= 2
        || (text.ends_with(':') && !drive)
        || text.contains("....")
        || first.contains(['=', '@'])
        || first.contains("://")
        || args.iter().any(version)
    {
        return false;
    }
    // `secedit/refreshpolicy`: a switch may follow the program without a space.
    let named = if first.contains('\\') { first } else { first.split('/').next().unwrap_or(first) };
    let program = named.rsplit('\\').next().unwrap_or(named).to_ascii_lowercase();
    let (stem, extension) = program.rsplit_once('.').unwrap_or((program.as_str(), ""));
    if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'$'))
    {
        return drive && args.is_empty();
    }
    let executable = matches!(extension, "exe" | "com" | "bat" | "cmd" | "msc" | "cpl");
    if !executable && !extension.is_empty() {
        return false;
    }
    let by_path = first.len() > 2 && first.as_bytes()[0].is_ascii_alphabetic() && first.as_bytes()[1] == b':';
    let has_argument = args.iter().any(|a| looks_like_argument(a));
    if stem == "net" {
        return args.first().is_some_and(|verb| NET_VERBS.contains(&verb.to_ascii_lowercase().as_str()));
    }
    // "Copy the Cdo.dll file…" and "Ping the server" are prose; typed commands are in one case.
    let one_case = named.chars().all(|c| !c.is_uppercase()) || named.chars().all(|c| !c.is_lowercase());
    if COMMANDS.contains(&stem) {
        return args.is_empty() || one_case || has_argument;
    }
    if WORD_COMMANDS.contains(&stem) {
        return one_case && has_argument;
    }
    let switches_only = args.iter().all(|a| a.starts_with(['/', '-']));
    match (by_path, executable) {
        // `c:\exchsrvr\bin\store.exe`, `setup.exe /q`: a program by path, or with arguments.
        (true, true) => args.is_empty() || has_argument,
        (false, true) => has_argument,
        // `c:\exchsrvr\bin\admin /r`, but not `C:\Program Files\Office` (a folder with a space).
        (true, false) => !args.is_empty() && switches_only,
        (false, false) => false,
    }
}

/// Words of running text; two of them among the arguments make the line prose.
const STOP_WORDS: &[&str] = &[
    "the", "a", "an", "is", "are", "was", "to", "of", "for", "from", "if", "and", "or", "in", "on", "with",
    "this", "that", "you", "your", "will", "be", "not", "could", "can", "it", "by", "as", "then", "when",
];

/// A path, a switch, a file name or a wildcard.
fn looks_like_argument(arg: &str) -> bool {
    let arg = arg.trim_matches(['"', ',']);
    arg.contains('\\')
        || arg.contains('*')
        || arg.starts_with('/')
        || (arg.starts_with('-') && arg.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic))
        || (arg.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && arg.as_bytes().get(1) == Some(&b':'))
        || arg.rsplit_once('.').is_some_and(|(name, ext)| {
            name.bytes().any(|b| b.is_ascii_alphabetic())
                && (1..=4).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_commands() {
        assert_eq!(
            quoted(r#"type "regsvr32 c:\winnt\system32\cdo.dll" (without the quotation marks) and"#)
                .as_deref(),
            Some(r"regsvr32 c:\winnt\system32\cdo.dll")
        );
        assert_eq!(
            quoted(r#"At a command prompt, type "net stop msexchangemta", and"#).as_deref(),
            Some("net stop msexchangemta")
        );
        assert_eq!(quoted(r#"In the Value box, type "1" (without the quotation marks)."#), None);
        assert_eq!(quoted(r#"type "Microsoft" (without the quotation marks)"#), None);
    }

    #[test]
    fn indented_lines() {
        assert_eq!(line("   net start msexchangeis ").as_deref(), Some("net start msexchangeis"));
        assert_eq!(line("isinteg -pri -fix").as_deref(), Some("isinteg -pri -fix"));
        assert_eq!(
            line("eseutil /p c:\\exchsrvr\\mdbdata\\priv.edb").as_deref(),
            Some("eseutil /p c:\\exchsrvr\\mdbdata\\priv.edb")
        );
        assert_eq!(line("regedt32").as_deref(), Some("regedt32"));
        assert_eq!(line("md c:\\temp").as_deref(), Some("md c:\\temp"));
        assert_eq!(line("ren edb.log edb.old").as_deref(), Some("ren edb.log edb.old"));
        assert_eq!(line("c:\\exchsrvr\\bin\\admin /r").as_deref(), Some("c:\\exchsrvr\\bin\\admin /r"));
        assert_eq!(line("A:").as_deref(), Some("A:"));
        assert_eq!(
            line("secedit/refreshpolicy machine_policy").as_deref(),
            Some("secedit/refreshpolicy machine_policy")
        );
        assert_eq!(
            line("lodctr c:\\x.ini\" (without the quotation marks)").as_deref(),
            Some("lodctr c:\\x.ini")
        );
        assert_eq!(line("c:\\exchsrvr\\bin\\store.exe").as_deref(), Some("c:\\exchsrvr\\bin\\store.exe"));
        assert_eq!(line("setup.exe /q").as_deref(), Some("setup.exe /q"));
        assert_eq!(line("SMARTDRV.EXE /double_buffer").as_deref(), Some("SMARTDRV.EXE /double_buffer"));
    }

    #[test]
    fn words_are_not_commands() {
        assert_eq!(line("Copy the files to the server."), None);
        assert_eq!(line("Copy the Cdo.dll file to the folder."), None);
        assert_eq!(line("COPY A:\\*.* C:\\").as_deref(), Some("COPY A:\\*.* C:\\"));
        assert_eq!(line("Setup cannot continue."), None);
        assert_eq!(line("Start Registry Editor"), None);
        assert_eq!(line("net result"), None);
        assert_eq!(line("HKEY_LOCAL_MACHINE\\System"), None);
        assert_eq!(line(""), None);
        assert_eq!(line("c:\\windows"), None, "a folder");
        assert_eq!(line("DEVICE=C:\\DOS\\EMM386.EXE NOEMS"), None, "a config line");
        assert_eq!(line("EMM386.EXE 91742 12-10-91 5:58p"), None, "a listing");
        assert_eq!(line("M:\\APPS\\MAIL Could not find the mail database"), None);
        assert_eq!(line("dblspace.<XXX> file. For example, if the file is H:\\DBLSPACE.000,"), None);
        assert_eq!(line("someone@example.com"), None);
        assert_eq!(line("regedit from the Start menu"), None);
        assert_eq!(line("Ping the server first"), None);
        assert_eq!(line("Msexcimc.exe 5.0.1461.69"), None, "a version listing");
        assert_eq!(line("Mtacheck.exe 4.0.997.0"), None, "a version listing");
        assert_eq!(line("SHELL=C:\\COMMAND.COM /P"), None);
        assert_eq!(line("ftp://ftp.example.com/pub/winnt"), None);
        assert_eq!(line("Store.exe"), None, "a file name");
        assert_eq!(line("C:\\Program Files\\Office"), None);
        assert_eq!(line("SETUP /E with utilities:.......1300K"), None);
    }
}
