//! Merging an approved PR: squash-merge at the approved head (GitHub refuses
//! if the head moved), then, once merged, tidy up in separate steps — delete
//! the remote branch, remove the worktree, update the checkout's base.
//! Field note 4: one combined command reported failure after merging.

use crate::checkpoint::IssueState;
use crate::github::{MergeOutcome, PullRequest};
use crate::ids::CommitSha;
use crate::messages::checkpoint::WorktreeRemoved;
use crate::run::outcome::IssueOutcome;

use super::env::{FlowError, IssueEnv};

/// Asks GitHub to squash-merge `pull` at `sha`. Refusals (405 not
/// mergeable, 409 head moved) are answers for the human, never retried here.
pub async fn squash(
    env: &IssueEnv,
    pull: &PullRequest,
    sha: &CommitSha,
) -> Result<MergeOutcome, FlowError> {
    // Two merges racing on one base make GitHub refuse one of them.
    let _one_at_a_time = env.ctx.merge_lock.lock().await;
    env.event("merging", format!("PR {} at {}", pull.number, sha.short()))
        .await?;
    let title = format!("{} (#{})", pull.title, pull.number.0);
    Ok(env.ctx.gh.squash_merge(pull.number, sha, &title).await?)
}

/// Records the merge, then tidies up.
pub async fn finish_merged(
    env: &IssueEnv,
    pull: &PullRequest,
    sha: &CommitSha,
) -> Result<IssueOutcome, FlowError> {
    if !env.ctx.gh.get_pull(pull.number).await?.merged {
        env.note(format!(
            "GitHub answered merged ({}) but PR {} does not read as merged yet",
            sha.short(),
            pull.number
        ));
    }
    if env.row().await?.state != IssueState::Merged {
        env.merged(pull.number).await?;
    }
    tidy_up(env, pull).await?;
    Ok(IssueOutcome::Merged { pr: pull.number })
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

/// Removes the issue's worktree unless it holds work nobody committed
/// (changed or untracked files).
async fn remove_worktree(env: &IssueEnv) -> Result<(), FlowError> {
    let ctx = &env.ctx;
    let path = ctx.worktree_for(env.issue);
    if !path.exists() {
        return Ok(());
    }
    let left = crate::git::Git::new(&path).work_left().await?;
    if !left.is_empty() {
        env.note(format!(
            "kept worktree {}: it has {}",
            path.display(),
            left.describe()
        ));
        return Ok(());
    }
    // Without force, so git refuses if work appeared since the look above.
    if let Err(e) = ctx.git.worktree_remove(&path).await {
        env.note(format!("kept worktree {}: {e}", path.display()));
        return Ok(());
    }
    env.store(WorktreeRemoved {
        run: ctx.run_id,
        path,
    })
    .await?;
    Ok(())
}
