//! The SQLite checkpoint: schema migrations, runs, per-issue state, the event
//! log, approval questions, and the worktrees a run created.
//!
//! One [`Store`] opened with [`Store::open`] is the only writer of its file
//! (the `CheckpointActor` owns it); the `status` command and tests read
//! through [`Store::open_read_only`]. Every write is one transaction that
//! also appends its event. Issue states written through `transition` are
//! checked against [`IssueState::can_move_to`]; `save_machine` writes what
//! the issue machine decided (the machine is the judge of its own moves).

mod cached;
mod codec;
mod error;
mod events;
mod issues;
mod kv;
pub mod liveness;
mod machine;
pub mod model;
mod patch;
mod questions;
mod runs;
pub mod schema;
mod sessions;
mod store;
mod worktrees;

pub use error::{CheckpointError, Result};
pub use model::{
    CostTotals, EventRow, IssueRow, IssueState, MachineColumns, NewIssue, NewQuestion, NewRun,
    QuestionKind, QuestionRow, QuestionStatus, RunId, RunRow, RunStatus, SessionRef, Timestamp,
    WorkerRef, WorktreeRow, completion_problem, event_kind,
};
pub use patch::IssuePatch;
pub use store::{BUSY_TIMEOUT, Store};

#[cfg(test)]
pub(crate) mod testutil;
