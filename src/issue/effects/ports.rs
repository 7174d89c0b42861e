//! What an issue's effects need from the rest of the run, as narrow ports:
//! its checkpoint row, a human, and the run's coordinator (worker slots, the
//! budget, merge turns, and the people watching). The issue actor plugs in
//! the actors; a test plugs in its own.

use std::path::PathBuf;

use async_trait::async_trait;

use super::crash::Crash;
use crate::checkpoint::{CostTotals, IssueRow, SessionRef};
use crate::human::{Answer, AskError, Question};
use crate::ids::BranchName;
use crate::worker::ProcessIdentity;

/// The issue's row in the checkpoint, and what effects record there.
#[async_trait]
pub trait IssueStore: Send + Sync {
    async fn row(&self) -> Result<IssueRow, Crash>;
    /// Records an intent (or a confirmation) in the event log, before the
    /// effect it announces.
    async fn event(&self, kind: &str, detail: String) -> Result<(), Crash>;
    /// Whether an intent `kind` with exactly `detail` was recorded for the
    /// issue in this run (a merge of ours that a crash cut short).
    async fn intent_recorded(&self, kind: &str, detail: &str) -> Result<bool, Crash>;
    /// A worker is about to start with `mark` in its environment.
    async fn worker_intent(&self, mark: String) -> Result<(), Crash>;
    /// It started: its leader's pid and start time.
    async fn record_worker(&self, worker: ProcessIdentity) -> Result<(), Crash>;
    async fn clear_worker(&self) -> Result<(), Crash>;
    async fn set_session(&self, session: Option<SessionRef>) -> Result<(), Crash>;
    async fn set_activity(&self, activity: serde_json::Value) -> Result<(), Crash>;
    async fn add_cost(&self, usd: f64) -> Result<CostTotals, Crash>;
    async fn record_worktree(&self, path: PathBuf, branch: BranchName) -> Result<(), Crash>;
    async fn worktree_removed(&self, path: PathBuf) -> Result<(), Crash>;
}

/// Asking a human (Telegram, the terminal, the automatic approver).
#[async_trait]
pub trait Human: Send + Sync {
    async fn ask(&self, question: Question) -> Result<Result<Answer, AskError>, Crash>;
    /// The issue's open merge question no longer applies.
    fn withdraw(&self, why: String);
    fn notify(&self, text: String);
}

/// Why no worker slot was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The run is stopping.
    Stopping,
    /// The budget cap is spent and a human said stop.
    BudgetSpent,
    /// The budget cap is spent and nobody can be asked.
    BudgetUnanswered(String),
}

/// What a slot is for: a worker (which the budget must allow), or moving the
/// shared checkout in sequential mode (which it need not).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SlotFor {
    Worker,
    Checkout,
}

/// A held slot or merge turn; dropping it gives it back.
pub struct Held(pub Box<dyn Send>);

/// The run's coordinator (the milestone supervisor): slots, the budget,
/// one merge at a time, and the people watching.
#[async_trait]
pub trait Coordinator: Send + Sync {
    async fn slot(&self, purpose: SlotFor) -> Result<Held, Refusal>;
    /// The turn to merge; `None` when the run is stopping.
    async fn merge_turn(&self) -> Option<Held>;
    /// A worker's cost was recorded; `run_total` is the run's spend now.
    fn spent(&self, run_total: f64);
    /// Something the human watching should see.
    fn note(&self, text: String);
    /// What the issue is doing now (the live view).
    fn doing(&self, text: String);
}
