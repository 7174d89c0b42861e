//! The effects of the issue machine's actions: each reads or changes GitHub,
//! git, a worker or a human, and ends in at most one event for the machine.
//!
//! The protocol for an effect that changes something outside (open a PR,
//! merge, post a comment, delete a branch, update a branch, start a worker,
//! send a question): record the intent, act, confirm by reading. Before
//! acting, every such effect reads first whether it already happened (a PR
//! for the branch, `merged == true`, the comment already there), so running
//! it again after a crash or a lost answer completes it instead of doing it
//! twice; after an answer that is lost or ambiguous (a timeout, a 5xx) it
//! reads again before anything is re-sent.

mod agent;
pub mod crash;
mod crashpoint;
mod fixes;
pub mod git_workspace;
mod locate;
pub mod log_names;
mod open_pr;
mod plain;
pub mod ports;
mod queue;
mod review;
mod tidy;
mod truth;
mod work;
pub mod workspace;

use std::sync::Arc;
use std::time::Duration;

use crate::context::RunContext;
use crate::ids::IssueNumber;
use crate::worker::{StopLevel, StopSignal};

use super::machine::{Action, Event, IssueMachine};

pub use crash::Crash;
pub use crashpoint::{Boundary, crashpoint};
pub use ports::{Coordinator, Held, Human, IssueStore, Refusal, SlotFor};
pub use review::describe as describe_review;
pub use workspace::{Launcher, Running, Subprocesses, Tidied, Waiting, Workspace};

/// Everything one issue's effects work with.
#[derive(Clone)]
pub struct IssueCtx {
    pub run: Arc<RunContext>,
    pub issue: IssueNumber,
    pub store: Arc<dyn IssueStore>,
    pub human: Arc<dyn Human>,
    pub coord: Arc<dyn Coordinator>,
    /// Where workers run, and origin's branches.
    pub workspace: Arc<dyn Workspace>,
    /// How workers run.
    pub launcher: Arc<dyn Launcher>,
    /// Asked for by the supervisor; every wait listens.
    pub stop: StopSignal,
}

/// What performing an action came to.
#[derive(Debug)]
pub enum Performed {
    /// The machine's next event.
    Event(Event),
    /// Done; the action ends in no event.
    Nothing,
    /// A stop was asked for while it ran: the machine stays where it was.
    Stopped,
}

impl IssueCtx {
    pub fn note(&self, text: impl Into<String>) {
        self.coord.note(text.into());
    }

    pub fn doing(&self, text: impl Into<String>) {
        self.coord.doing(text.into());
    }

    pub fn title(&self) -> &str {
        &self.run.issue(self.issue).title
    }

    /// Sleeps for `d` unless a stop comes first; `false` when stopped.
    pub async fn pause(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.stop.reached(StopLevel::Graceful) => false,
        }
    }

    /// Waits `d` between two reads of GitHub, longer while the rate limit
    /// runs low; false once the run stops.
    pub async fn poll_pause(&self, d: Duration) -> bool {
        self.pause(d.mul_f64(self.run.gh.poll_factor())).await
    }

    pub fn stopping(&self) -> bool {
        self.stop.level() >= StopLevel::Graceful
    }
}

/// Performs one action of `machine`.
pub async fn perform(
    cx: &IssueCtx,
    machine: &IssueMachine,
    action: &Action,
) -> Result<Performed, Crash> {
    match action {
        Action::Locate => locate::locate(cx).await,
        Action::RunWorker { branch, .. } => work::implement(cx, branch).await,
        Action::OpenPr { branch } => open_pr::open(cx, branch).await,
        Action::Review { pr, action } => review::perform(cx, machine, *pr, action).await,
        Action::WithdrawQuestion { why } => {
            cx.human.withdraw(why.clone());
            Ok(Performed::Nothing)
        }
        Action::Tidy { pr, branch } => tidy::tidy(cx, *pr, branch).await,
        Action::Note { text } => {
            cx.note(text.clone());
            Ok(Performed::Nothing)
        }
        Action::Park { .. } => Err(Crash::Bug(
            "a park action reached the effects; the actor ends the issue there".into(),
        )),
    }
}
