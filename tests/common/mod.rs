//! Helpers shared by the integration tests: the real `kbx` binary in a fixed environment, and small rule
//! sets written to temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `kbx` binary with a fixed, plain environment (no colour, fixed width, no terminal).
pub fn kbx() -> Command {
    let mut cmd = Command::cargo_bin("kbx").expect("the kbx binary is built");
    cmd.env_remove("NO_COLOR").env("COLUMNS", "100").env("TERM", "dumb");
    cmd
}

/// Runs kbx and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("kbx runs");
    (
        out.status.code().expect("kbx exits with a code"),
        String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    )
}

/// A minimal kb record for article `id`.
pub fn kb_record(id: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: Test article {id}\nlast_modified: 2020-01-01\nsource: kbx tests\n---\n\n## Symptoms\n\nA test.\n"
    )
}

/// A folder with `rules/` and `kb/` holding the given files (paths relative to the folder).
pub fn pack(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write fixture");
    }
    dir
}

/// The parsed JSON of a `--format json` run.
pub fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}"))
}

/// The project root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The shared test data folder (`../shared`, or `$KBX_SHARED`), checked to hold `needs` (paths inside it);
/// panics with what to do when it does not, so that a shared-data test fails rather than passes silently.
pub fn shared(needs: &[&str]) -> PathBuf {
    let dir = std::env::var_os("KBX_SHARED").map(PathBuf::from).unwrap_or_else(|| root().join("../shared"));
    for need in needs {
        assert!(
            dir.join(need).exists(),
            "the shared test data is missing: expected {}/{need}. Put the shared folder beside the project \
             (CI has it there) or set KBX_SHARED to its path.",
            dir.display()
        );
    }
    dir
}
