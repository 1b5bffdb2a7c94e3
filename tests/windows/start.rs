//! Starting kbx from a test that also runs under Wine (.ci/wine-tests). There, now and then, starting a
//! process fails before it runs: CreateProcess returns ERROR_INTERNAL_ERROR (1359, "Internal error.").
//! Such a start is tried again a few times, so that a hiccup of Wine is not taken for a fault of kbx;
//! any other failure, and what kbx then does, is the test's to judge.

use std::process::{Command, Output};
use std::time::Duration;

/// Windows' ERROR_INTERNAL_ERROR, as Wine's CreateProcess gives it now and then.
const ERROR_INTERNAL_ERROR: i32 = 1359;

/// How many times a start is tried in all.
const TRIES: u32 = 4;

/// Runs `cmd` to the end and returns its output; panics, naming the error, when it cannot be started.
pub fn output(cmd: &mut Command) -> Output {
    let mut tried = 1;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && tried < TRIES => {
                eprintln!("starting {:?} failed ({e}); trying again", cmd.get_program());
                std::thread::sleep(Duration::from_millis(250 * u64::from(tried)));
                tried += 1;
            }
            result => {
                return result.unwrap_or_else(|e| {
                    panic!("{:?} cannot be started ({e}); tried {tried} times", cmd.get_program())
                });
            }
        }
    }
}
