//! Errors of the checkpoint store. An enum, because callers branch on them:
//! a missing checkpoint means "nothing to resume", a forbidden transition is
//! a bug in the caller, a newer schema means "upgrade auto-milestone".

use std::path::PathBuf;

use crate::ids::IssueNumber;

use super::model::{IssueState, QuestionStatus, RunId, RunStatus};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("open checkpoint {}: the run has no checkpoint yet (start a run first)", path.display())]
    NoCheckpoint { path: PathBuf },

    #[error(
        "open checkpoint {}: it was written by a newer auto-milestone (schema version {found}, \
         this build knows up to {known}); upgrade auto-milestone",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error(
        "open checkpoint {}: its schema version {found} is older than this build's {known}; \
         start or resume a run once to upgrade it",
        path.display()
    )]
    OlderSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error(
        "open checkpoint {}: the file is a database but not an auto-milestone checkpoint; \
         move it away or point --db elsewhere",
        path.display()
    )]
    NotACheckpoint { path: PathBuf },

    #[error(
        "open checkpoint {}: the file is not a SQLite database, so not an auto-milestone \
         checkpoint; move it away or point --db elsewhere",
        path.display()
    )]
    NotSqlite { path: PathBuf },

    #[error(
        "open checkpoint {}: it is a directory, not a checkpoint file; move it away or point \
         --db elsewhere",
        path.display()
    )]
    NotAFile { path: PathBuf },

    #[error(
        "open checkpoint {}: {reason}; let this user {} it, or point --db elsewhere",
        path.display(),
        if *.writing { "read and write" } else { "read" }
    )]
    Inaccessible {
        path: PathBuf,
        writing: bool,
        reason: std::io::Error,
    },

    #[error(
        "open checkpoint {}: another auto-milestone process{} is writing it; wait for it to \
         finish or stop it",
        path.display(),
        holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Locked { path: PathBuf, holder: Option<u32> },

    #[error("prepare checkpoint {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("write to the checkpoint: it was opened read-only")]
    ReadOnly,

    #[error("find run {0}: it is not in the checkpoint")]
    UnknownRun(RunId),

    #[error("find issue {issue} in run {run}: it is not part of that run")]
    UnknownIssue { run: RunId, issue: IssueNumber },

    #[error("move issue {issue} from {from} to {to}: not an allowed transition")]
    ForbiddenTransition {
        issue: IssueNumber,
        from: IssueState,
        to: IssueState,
    },

    #[error(
        "reopen issue {issue} from {from} to {to}: a resume reopens only failed or running \
         issues, to pending, pr_open or merged"
    )]
    ForbiddenReopen {
        issue: IssueNumber,
        from: IssueState,
        to: IssueState,
    },

    #[error("finish run {run} as {status}: not a final run status (completed, partial or failed)")]
    NotFinalStatus { run: RunId, status: RunStatus },

    #[error("mark run {run} completed: {reason}; finish it as partial or failed instead")]
    NotCompletable { run: RunId, reason: String },

    #[error(
        "start a run for {repo} {target}: run {existing} for the same target is unfinished; \
         resume it with --resume"
    )]
    UnfinishedRunExists {
        repo: String,
        target: String,
        existing: RunId,
    },

    /// A change the issue machine refuses (or a saved state it cannot read).
    #[error("change an issue: {0}")]
    Refused(String),
    #[error("find question {0:?}: no such question")]
    UnknownQuestion(String),

    #[error("{action} question {id:?}: it is already {status}")]
    QuestionClosed {
        id: String,
        action: &'static str,
        status: QuestionStatus,
    },

    #[error(
        "ask question {id:?}: question {existing:?} about the same thing is still open; void it first"
    )]
    QuestionAlreadyOpen { id: String, existing: String },

    #[error("record a cost of {0} USD: not a finite, non-negative amount")]
    InvalidAmount(f64),

    #[error("store path {}: it is not valid UTF-8", .0.display())]
    NonUtf8Path(PathBuf),

    #[error("write to the checkpoint: {0}")]
    Constraint(String),

    #[error("use the checkpoint database: {0}")]
    Sqlite(rusqlite::Error),
}

/// Constraint violations become [`CheckpointError::Constraint`] with SQLite's
/// message, which names the rule (`CHECK constraint failed: open_pr_has_number`).
impl From<rusqlite::Error> for CheckpointError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, msg)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                CheckpointError::Constraint(msg.clone().unwrap_or_else(|| e.to_string()))
            }
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ReadOnly => {
                CheckpointError::ReadOnly
            }
            _ => CheckpointError::Sqlite(e),
        }
    }
}

pub type Result<T, E = CheckpointError> = std::result::Result<T, E>;
