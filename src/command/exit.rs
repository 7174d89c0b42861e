//! Exit codes, one per way a run can end, so scripts can branch on them.

use std::process::ExitCode;

/// How the process ends. Documented in the README.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for is done (or, for `--dry-run`, the plan is sound).
    Success,
    /// A runtime failure: GitHub, git, the checkpoint, an unusable plan, or a run in which nothing merged.
    Failure,
    /// The command line was wrong.
    Usage,
    /// The run finished, but some issues failed.
    Partial,
    /// The run stopped at a question nobody could be asked; resume it with `--resume`.
    AwaitingHuman,
    /// Stopped by SIGINT (Ctrl-C).
    Interrupted,
    /// Stopped by SIGTERM.
    Terminated,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Partial => 3,
            Exit::AwaitingHuman => 4,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}
