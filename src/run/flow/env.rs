//! `IssueEnv`: everything one issue's flow uses, and the small steps every
//! stage repeats — read the row, persist a transition (then tell the
//! supervisor), note something for the human.

use std::sync::Arc;

use actix::{Addr, Recipient};
use tokio::sync::Semaphore;

use crate::actors::CheckpointActor;
use crate::checkpoint::{CheckpointError, IssuePatch, IssueRow, IssueState};
use crate::git::GitError;
use crate::github::GitHubError;
use crate::ids::{IssueNumber, PrNumber};
use crate::messages::checkpoint::{AppendEvent, LoadIssue, StoreCommand, Transition, UpdateIssue};
use crate::messages::{Ask, IssueActivity, IssueNoted, IssueProgressed, Notify, Withdraw};
use crate::run::context::RunContext;
use crate::run::outcome::IssueOutcome;
use crate::worker::{SpawnError, StopSignal};

/// Why an issue's flow could not go on: a fault of the machinery, not a
/// verdict on the issue. The issue actor fails with it and its supervisor
/// decides whether to restart.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint actor did not answer: {0}")]
    Mailbox(#[from] actix::MailboxError),
    #[error(transparent)]
    GitHub(#[from] GitHubError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("{0}")]
    Other(String),
}

/// The handles one issue's flow works with.
#[derive(Clone)]
pub struct IssueEnv {
    pub ctx: Arc<RunContext>,
    pub issue: IssueNumber,
    pub checkpoint: Addr<CheckpointActor>,
    pub progress: Recipient<IssueProgressed>,
    pub notes: Recipient<IssueNoted>,
    pub activity: Recipient<IssueActivity>,
    /// The approval actor: questions for a human, and notifications.
    pub ask: Recipient<Ask>,
    pub withdraw: Recipient<Withdraw>,
    pub notify: Recipient<Notify>,
    /// Worker slots (`--parallel N`); closed on shutdown.
    pub slots: Arc<Semaphore>,
    pub stop: StopSignal,
}

impl IssueEnv {
    /// Sends a store command and waits for the store's answer.
    pub async fn store<M, T>(&self, msg: M) -> Result<T, FlowError>
    where
        M: StoreCommand<Result = Result<T, CheckpointError>>,
        T: Send + 'static,
        CheckpointActor: actix::Handler<M>,
    {
        Ok(self.checkpoint.send(msg).await??)
    }

    pub async fn row(&self) -> Result<IssueRow, FlowError> {
        self.store(LoadIssue {
            run: self.ctx.run_id,
            issue: self.issue,
        })
        .await
    }

    /// Persists a state change, then tells the supervisor about it.
    pub async fn transition(
        &self,
        to: IssueState,
        patch: IssuePatch,
    ) -> Result<IssueRow, FlowError> {
        let (from, row) = self
            .store(Transition {
                run: self.ctx.run_id,
                issue: self.issue,
                to,
                patch,
            })
            .await?;
        self.progress.do_send(IssueProgressed {
            issue: self.issue,
            from,
            to,
            pr: row.pr,
            note: None,
        });
        Ok(row)
    }

    /// Persists columns without a state change.
    pub async fn update(&self, patch: IssuePatch) -> Result<IssueRow, FlowError> {
        self.store(UpdateIssue {
            run: self.ctx.run_id,
            issue: self.issue,
            patch,
        })
        .await
    }

    /// Appends to the event log (an intent recorded before a side effect).
    pub async fn event(&self, kind: &str, detail: String) -> Result<(), FlowError> {
        let msg = AppendEvent {
            run: self.ctx.run_id,
            issue: Some(self.issue),
            kind: kind.into(),
            detail: Some(detail),
        };
        self.store(msg).await.map(|_| ())
    }

    /// Tells the human watching something that changes no state.
    pub fn note(&self, text: impl Into<String>) {
        self.notes.do_send(IssueNoted {
            issue: self.issue,
            text: text.into(),
        });
    }

    /// Creates the issue's worktree on `branch` from `start`, recording it
    /// first: cleanup removes the worktrees a run recorded, and only those.
    pub async fn create_worktree(
        &self,
        branch: &crate::ids::BranchName,
        start: &str,
    ) -> Result<std::path::PathBuf, FlowError> {
        let ctx = &self.ctx;
        let path = ctx.worktree_for(self.issue);
        let record = crate::messages::checkpoint::RecordWorktree {
            run: ctx.run_id,
            issue: self.issue,
            path: path.clone(),
            branch: branch.clone(),
        };
        self.store(record).await?;
        ctx.git.worktree_add(&path, branch, start).await?;
        Ok(path)
    }

    /// Sleeps for `d` unless a stop comes first; `false` when stopped.
    pub async fn pause(&self, d: std::time::Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => true,
            _ = self.stop.reached(crate::worker::StopLevel::Graceful) => false,
        }
    }

    /// Says what the issue is doing now (for the live view).
    pub fn doing(&self, text: impl Into<String>) {
        self.activity.do_send(IssueActivity {
            issue: self.issue,
            text: text.into(),
        });
    }

    pub async fn fail(&self, reason: impl Into<String>) -> Result<IssueOutcome, FlowError> {
        let reason = reason.into();
        self.transition(
            IssueState::Failed,
            IssuePatch::new().last_error(reason.clone()),
        )
        .await?;
        Ok(IssueOutcome::Failed { reason })
    }

    pub async fn skip(&self, reason: impl Into<String>) -> Result<IssueOutcome, FlowError> {
        let reason = reason.into();
        self.transition(
            IssueState::Skipped,
            IssuePatch::new().skip_reason(reason.clone()),
        )
        .await?;
        Ok(IssueOutcome::Skipped { reason })
    }

    pub async fn merged(&self, pr: PrNumber) -> Result<IssueOutcome, FlowError> {
        self.transition(IssueState::Merged, IssuePatch::new().pr(pr))
            .await?;
        Ok(IssueOutcome::Merged { pr })
    }

    pub fn title(&self) -> &str {
        &self.ctx.issue(self.issue).title
    }
}
