//! Messages an `IssueActor` receives.

use actix::Message;

/// Command: stop working on the issue between two actions (a running
/// worker gets SIGTERM, then SIGKILL after the grace period, or at once
/// when `immediate`); its state stays checkpointed for a resume.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct StopIssue {
    pub immediate: bool,
}
