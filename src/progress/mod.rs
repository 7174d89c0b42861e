//! Showing a run as it goes: the live tree on a terminal, plain lines elsewhere.

pub mod lines;

use crate::messages::{IssueNoted, IssueProgressed};
use crate::run::outcome::RunEnd;

pub use lines::Lines;

/// Where the milestone supervisor reports what happens.
pub trait ProgressSink {
    /// An issue changed state (already persisted).
    fn transition(&mut self, event: &IssueProgressed, title: &str);
    /// Something worth showing that changes no state.
    fn note(&mut self, event: &IssueNoted);
    /// The run is over (or stopped).
    fn finished(&mut self, end: &RunEnd);
}
