//! Showing a run as it goes: the live tree on a terminal, plain lines elsewhere.

pub mod lines;

use crate::messages::{IssueActivity, IssueNoted, IssueProgressed};
use crate::run::outcome::RunEnd;

pub use lines::Lines;

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
