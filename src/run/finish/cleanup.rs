//! Phase 4's cleanup: remove the worktrees this run created (and only those),
//! delete the local branches of merged PRs (squash merges never show in
//! `git branch --merged`, field note 12), and leave the checkout on an
//! up-to-date base. Work nobody committed — changed tracked files and
//! untracked (not ignored) ones — is never touched, only reported.

use std::path::PathBuf;

use actix::Addr;

use crate::actors::CheckpointActor;
use crate::checkpoint::{CheckpointError, IssueState};
use crate::context::RunContext;
use crate::git::{Git, GitError};
use crate::ids::BranchName;
use crate::messages::checkpoint::{LiveWorktrees, LoadIssues, WorktreeRemoved};

/// What the cleanup did and left.
#[derive(Debug, Default)]
pub struct CleanupReport {
    pub removed: Vec<PathBuf>,
    /// Worktrees kept, with why: the work in them, or git's refusal.
    pub kept: Vec<(PathBuf, String)>,
    pub branches_deleted: Vec<BranchName>,
    /// Why the checkout was not brought to the base, if it was not.
    pub checkout_left: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CleanupError {
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint actor did not answer: {0}")]
    Mailbox(#[from] actix::MailboxError),
}

pub async fn cleanup(
    ctx: &RunContext,
    checkpoint: &Addr<CheckpointActor>,
) -> Result<CleanupReport, CleanupError> {
    let mut report = CleanupReport::default();
    let run = ctx.run_id;
    for wt in checkpoint.send(LiveWorktrees { run }).await?? {
        if !wt.path.exists() {
            checkpoint
                .send(WorktreeRemoved {
                    run,
                    path: wt.path.clone(),
                })
                .await??;
            continue;
        }
        let left = Git::new(&wt.path).work_left().await?;
        if !left.is_empty() {
            report.kept.push((wt.path, left.describe()));
            continue;
        }
        // Without force: should a file appear after the look above, git
        // refuses rather than delete it.
        if let Err(e) = ctx.git.worktree_remove(&wt.path).await {
            report
                .kept
                .push((wt.path, format!("git would not remove it: {e}")));
            continue;
        }
        checkpoint
            .send(WorktreeRemoved {
                run,
                path: wt.path.clone(),
            })
            .await??;
        report.removed.push(wt.path);
    }
    ctx.git.worktree_prune().await?;
    report.checkout_left = update_checkout(ctx).await?;
    for row in checkpoint.send(LoadIssues { run }).await?? {
        let (IssueState::Merged, Some(branch)) = (row.state, row.branch) else {
            continue;
        };
        let local = format!("refs/heads/{}", branch.0);
        if ctx.git.rev_parse(&local).await?.is_some()
            && ctx.git.branch_delete(&branch, true).await.is_ok()
        {
            report.branches_deleted.push(branch);
        }
    }
    Ok(report)
}

/// Puts the checkout on an up-to-date base, unless that would touch uncommitted work.
async fn update_checkout(ctx: &RunContext) -> Result<Option<String>, GitError> {
    let changes = ctx.git.uncommitted_changes().await?;
    if !changes.is_empty() {
        return Ok(Some(format!(
            "the checkout has uncommitted changes ({}); left as it is",
            changes.join(", ")
        )));
    }
    ctx.git.checkout(&ctx.base).await?;
    if let Err(e) = ctx.git.pull_ff_only("origin", &ctx.base).await {
        return Ok(Some(format!("could not fast-forward {}: {e}", ctx.base)));
    }
    Ok(None)
}

impl CleanupReport {
    /// Lines for the human, empty when there is nothing to say.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.removed.is_empty() {
            out.push_str(&format!("Removed {} worktree(s).\n", self.removed.len()));
        }
        for (path, why) in &self.kept {
            out.push_str(&format!("Kept worktree {}: {why}\n", path.display()));
        }
        if !self.branches_deleted.is_empty() {
            let names: Vec<&str> = self.branches_deleted.iter().map(|b| b.0.as_str()).collect();
            out.push_str(&format!(
                "Deleted merged local branches: {}\n",
                names.join(", ")
            ));
        }
        if let Some(why) = &self.checkout_left {
            out.push_str(&format!("Checkout: {why}\n"));
        }
        out
    }
}
