//! Messages the `MilestoneSupervisor` receives.

use actix::Message;

use crate::checkpoint::IssueState;
use crate::ids::{IssueNumber, PrNumber};
use crate::run::outcome::{IssueOutcome, StopCause};

/// Command: stop the run — no new workers, stop the running ones, persist
/// everything, mark the run interrupted, exit.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Shutdown {
    pub cause: StopCause,
}

/// Fact: an issue moved from one checkpointed state to another.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueProgressed {
    pub issue: IssueNumber,
    pub from: IssueState,
    pub to: IssueState,
    pub pr: Option<PrNumber>,
    /// A short note for the progress line (a reason, a warning).
    pub note: Option<String>,
}

/// Fact: an issue's actor is done with it, for good or until a resume.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueEnded {
    pub issue: IssueNumber,
    pub outcome: IssueOutcome,
}

/// Fact: something happened that the human watching should see (a warning,
/// a worker launched); it changes no state.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueNoted {
    pub issue: IssueNumber,
    pub text: String,
}

/// Fact: what an issue is doing now (waiting for CI, a worker running,
/// asking a human); replaces the previous activity in the live view.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueActivity {
    pub issue: IssueNumber,
    pub text: String,
}
