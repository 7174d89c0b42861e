//! After a merge: each step on its own, none able to undo the merge, each
//! safe to repeat. Delete the remote branch (a branch already gone is
//! fine), remove the worktree unless it holds work nobody committed, and in
//! sequential mode bring the checkout back to the updated base.
//! Field note 4: one combined command reported failure after merging.

use crate::ids::{BranchName, PrNumber};
use crate::issue::machine::Event;

use super::crashpoint::{Boundary, crashpoint};
use super::{Crash, IssueCtx, Performed, SlotFor};

/// Tidies up after PR `pr` on `branch` merged.
pub async fn tidy(cx: &IssueCtx, pr: PrNumber, branch: &BranchName) -> Result<Performed, Crash> {
    cx.doing(format!("tidying up after PR {pr}"));
    crashpoint("delete_branch", Boundary::Intent);
    if let Err(e) = cx.run.gh.delete_branch(branch).await {
        cx.note(format!("could not delete branch {branch}: {e}"));
    }
    crashpoint("delete_branch", Boundary::Done);
    if cx.run.uses_worktrees() {
        remove_worktree(cx).await?;
    } else {
        update_checkout(cx).await?;
    }
    Ok(Performed::Event(Event::Tidied))
}

/// The shared checkout moves only under a slot, never under a running worker.
async fn update_checkout(cx: &IssueCtx) -> Result<(), Crash> {
    let Ok(_slot) = cx.coord.slot(SlotFor::Checkout).await else {
        return Ok(());
    };
    let run = &cx.run;
    if run.git.uncommitted_changes().await?.is_empty() {
        run.git.checkout(&run.base).await?;
        run.git.pull_ff_only("origin", &run.base).await?;
    }
    Ok(())
}

/// Removes the issue's worktree unless it holds work nobody committed
/// (changed or untracked files).
async fn remove_worktree(cx: &IssueCtx) -> Result<(), Crash> {
    let run = &cx.run;
    let path = run.worktree_for(cx.issue);
    if !path.exists() {
        return Ok(());
    }
    let left = crate::git::Git::new(&path).work_left().await?;
    if !left.is_empty() {
        cx.note(format!(
            "kept worktree {}: it has {}",
            path.display(),
            left.describe()
        ));
        return Ok(());
    }
    // Without force, so git refuses if work appeared since the look above.
    if let Err(e) = run.git.worktree_remove(&path).await {
        cx.note(format!("kept worktree {}: {e}", path.display()));
        return Ok(());
    }
    cx.store.worktree_removed(path).await
}
