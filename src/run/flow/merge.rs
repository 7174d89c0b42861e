//! Merging an approved PR: squash-merge at the approved head (GitHub refuses
//! if the head moved), confirm it merged, then tidy up in separate steps —
//! delete the remote branch, remove the worktree, update the checkout's base.
//! Field note 4: one combined command reported failure after merging.

use crate::checkpoint::IssueState;
use crate::github::{MergeOutcome, PullRequest};
use crate::ids::CommitSha;
use crate::messages::checkpoint::WorktreeRemoved;
use crate::run::outcome::IssueOutcome;

use super::env::{FlowError, IssueEnv};

/// How a merge request ended.
#[derive(Debug)]
pub enum Merge {
    Done(IssueOutcome),
    /// GitHub refused (405 not mergeable, 409 head moved): for the human, never retried blindly.
    Refused {
        status: u16,
        message: String,
    },
}

/// Squash-merges `pull` if its head is still `sha`.
pub async fn merge(
    env: &IssueEnv,
    pull: &PullRequest,
    sha: &CommitSha,
) -> Result<Merge, FlowError> {
    let gh = &env.ctx.gh;
    let _one_at_a_time = env.ctx.merge_lock.lock().await;
    env.event("merging", format!("PR {} at {}", pull.number, sha.short()))
        .await?;
    let title = format!("{} (#{})", pull.title, pull.number.0);
    match gh.squash_merge(pull.number, sha, &title).await? {
        MergeOutcome::Refused { status, message } => Ok(Merge::Refused { status, message }),
        MergeOutcome::Merged { sha: merge_sha } => {
            let confirmed = gh.get_pull(pull.number).await?.merged;
            if !confirmed {
                env.note(format!(
                    "GitHub answered merged ({}) but PR {} does not read as merged yet",
                    merge_sha.short(),
                    pull.number
                ));
            }
            let row = env.row().await?;
            if row.state != IssueState::Merged {
                env.merged(pull.number).await?;
            }
            tidy_up(env, pull).await?;
            Ok(Merge::Done(IssueOutcome::Merged { pr: pull.number }))
        }
    }
}

/// After a merge: each step on its own, none of them able to undo the merge.
pub async fn tidy_up(env: &IssueEnv, pull: &PullRequest) -> Result<(), FlowError> {
    let ctx = &env.ctx;
    if let Err(e) = ctx.gh.delete_branch(&pull.head_ref).await {
        env.note(format!("could not delete branch {}: {e}", pull.head_ref));
    }
    if ctx.uses_worktrees() {
        return remove_worktree(env).await;
    }
    // The shared checkout moves only under the worker slot, never under a running worker.
    let Some(_slot) = super::worker::acquire_slot(env).await else {
        return Ok(());
    };
    if ctx.git.uncommitted_changes().await?.is_empty() {
        ctx.git.checkout(&ctx.base).await?;
        ctx.git.pull_ff_only("origin", &ctx.base).await?;
    }
    Ok(())
}

/// Removes the issue's worktree unless it holds uncommitted work.
async fn remove_worktree(env: &IssueEnv) -> Result<(), FlowError> {
    let ctx = &env.ctx;
    let path = ctx.worktree_for(env.issue);
    if !path.exists() {
        return Ok(());
    }
    let changes = crate::git::Git::new(&path).uncommitted_changes().await?;
    if !changes.is_empty() {
        env.note(format!(
            "kept worktree {}: it has uncommitted changes ({})",
            path.display(),
            changes.join(", ")
        ));
        return Ok(());
    }
    ctx.git.worktree_remove(&path, true).await?;
    env.store(WorktreeRemoved {
        run: ctx.run_id,
        path,
    })
    .await?;
    Ok(())
}
