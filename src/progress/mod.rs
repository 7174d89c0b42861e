//! Showing a run as it goes: the live tree on a terminal, plain lines
//! elsewhere (and with `-q`), the console that lets other output pass
//! above the live tree, and the diagnostics (`logging`) that pass above it.

pub mod console;
pub mod lines;
pub mod live;
pub mod logging;
pub mod screen;
pub mod throttle;

use std::io::IsTerminal;
use std::path::Path;

use crate::checkpoint::RunId;
use crate::messages::RunEnd;
use crate::messages::{IssueActivity, IssueNoted, IssueProgressed};

pub use lines::Lines;
pub use live::Live;

/// Where the milestone supervisor reports what happens.
pub trait ProgressSink {
    /// An issue changed state (already persisted).
    fn transition(&mut self, event: &IssueProgressed, title: &str);
    /// Something worth showing that changes no state.
    fn note(&mut self, event: &IssueNoted);
    /// What an issue is doing now; the live view shows the latest one.
    fn activity(&mut self, event: &IssueActivity);
    /// The run is over (or stopped).
    fn finished(&mut self, end: &RunEnd);
}

/// How much progress to show (`-q`, default, `-v`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Failures and the end only.
    Quiet,
    #[default]
    Normal,
    /// Activities too, as lines.
    Verbose,
}

impl Verbosity {
    pub fn from_flags(quiet: u8, verbose: u8) -> Verbosity {
        match (quiet, verbose) {
            (q, _) if q > 0 => Verbosity::Quiet,
            (_, 0) => Verbosity::Normal,
            _ => Verbosity::Verbose,
        }
    }
}

/// The progress sink for stdout: the live tree of run `run` (read from
/// `checkpoint`) when stdout is a terminal, plain lines otherwise or with
/// `-q`, or when the live view cannot start.
pub fn for_stdout(verbosity: Verbosity, checkpoint: &Path, run: RunId) -> Box<dyn ProgressSink> {
    if verbosity != Verbosity::Quiet && wants_live() {
        match Live::on_stdout(verbosity, checkpoint, run) {
            Ok(live) => return Box::new(live),
            Err(e) => tracing::warn!("no live view, plain progress lines instead: {e:#}"),
        }
    }
    Box::new(Lines::with_verbosity(std::io::stdout(), verbosity))
}

/// A terminal that understands cursor movement.
fn wants_live() -> bool {
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    std::io::stdout().is_terminal() && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_choose_the_verbosity() {
        assert_eq!(Verbosity::from_flags(0, 0), Verbosity::Normal);
        assert_eq!(Verbosity::from_flags(1, 0), Verbosity::Quiet);
        assert_eq!(Verbosity::from_flags(0, 1), Verbosity::Verbose);
        assert_eq!(Verbosity::from_flags(0, 3), Verbosity::Verbose);
    }
}
