//! Messages a `WaveSupervisor` receives.

use actix::Message;

use crate::ids::IssueNumber;
use crate::issue::effects::Crash;

use super::outcome::IssueOutcome;

/// Command: start driving this issue; its blockers are merged.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct StartIssue {
    pub issue: IssueNumber,
}

/// Command: stop every issue actor of the wave (workers get SIGTERM, then
/// SIGKILL after the grace period, or at once when `immediate`).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Stop {
    pub immediate: bool,
}

/// How an issue actor ended.
#[derive(Debug, Clone)]
pub enum ActorExit {
    /// Its work reached an outcome (which may be a failed issue: that is a
    /// result, not a crash).
    Finished(IssueOutcome),
    /// The actor itself failed; the supervisor decides whether to restart it.
    Crashed(Crash),
}

/// Fact: an issue actor stopped.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueActorStopped {
    pub issue: IssueNumber,
    pub exit: ActorExit,
}
