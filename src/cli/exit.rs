//! The exit status, one enum for every subcommand (documented in README.md).

/// What `kbx` exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitStatus {
    /// Something matched, or the command succeeded.
    Success = 0,
    /// The command ran but found nothing: no rule matched, or no rule has the id asked for.
    NoMatch = 1,
    /// An error: a bad rule file, unreadable input, a usage mistake.
    Error = 2,
}

impl ExitStatus {
    /// `kbx scan` found a rule at or above `--fail-on` (the same code as [`ExitStatus::NoMatch`]).
    pub const FOUND: ExitStatus = ExitStatus::NoMatch;
    /// `kbx rules lint` found an error, or `kbx rules test` a failing example (also 1).
    pub const FAILED: ExitStatus = ExitStatus::NoMatch;
    /// `kbx fix --apply` stopped where the person said so (also 1).
    pub const STOPPED: ExitStatus = ExitStatus::NoMatch;
}
