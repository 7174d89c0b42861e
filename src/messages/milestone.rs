//! Messages the `MilestoneSupervisor` receives.

use actix::Message;

use crate::checkpoint::IssueState;
use crate::ids::{IssueNumber, PrNumber};
use crate::issue::effects::{Crash, Refusal, SlotFor};

use super::outcome::{IssueOutcome, StopCause};

/// Command: stop the run — no new workers, stop the running ones, persist
/// everything, mark the run interrupted, exit. A second one (or the
/// shutdown deadline) makes it immediate.
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

/// Fact: a wave supervisor gave up restarting an issue's actor (its restart
/// intensity is spent); the milestone supervisor decides what follows.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct IssueEscalated {
    pub issue: IssueNumber,
    /// The last crash.
    pub crash: Crash,
    /// How often, in what window (`failed 4 times within 10m: ...`).
    pub reason: String,
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

/// A slot given to an issue: dropping it gives it back.
pub struct SlotGrant {
    pub(crate) id: u64,
    pub(crate) release: actix::Recipient<ReleaseSlot>,
}

impl Drop for SlotGrant {
    fn drop(&mut self) {
        self.release.do_send(ReleaseSlot { id: self.id });
    }
}

/// Command: give the issue a slot (`--parallel N` of them) when one is
/// free and, for a worker, the budget allows it; answered then.
#[derive(Message)]
#[rtype(result = "Result<SlotGrant, Refusal>")]
pub struct RequestSlot {
    pub issue: IssueNumber,
    pub purpose: SlotFor,
}

/// Fact: a slot was given back.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct ReleaseSlot {
    pub id: u64,
}

/// The turn to merge: one merge at a time in the run (two merges racing on
/// one base make GitHub refuse one of them). Dropping it passes the turn on.
pub struct MergeTurn {
    pub(crate) id: u64,
    pub(crate) release: actix::Recipient<ReleaseMergeTurn>,
}

impl Drop for MergeTurn {
    fn drop(&mut self) {
        self.release.do_send(ReleaseMergeTurn { id: self.id });
    }
}

/// Command: give the issue the turn to merge when it is free; `None` when
/// the run is stopping.
#[derive(Message)]
#[rtype(result = "Option<MergeTurn>")]
pub struct RequestMergeTurn {
    pub issue: IssueNumber,
}

/// Fact: a merge turn was passed on.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct ReleaseMergeTurn {
    pub id: u64,
}

/// Fact: a worker's cost was recorded; the run has spent `run_total`.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct CostRecorded {
    pub issue: IssueNumber,
    pub run_total: f64,
}

/// Fact: the approval actor's engine ended while the run needed it: nobody
/// can be asked any more.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct ApprovalFailed {
    pub reason: String,
}
