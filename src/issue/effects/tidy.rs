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
    // The shared checkout moves only under a slot, never under a running worker.
    let _slot = if cx.workspace.shares_checkout() {
        match cx.coord.slot(SlotFor::Checkout).await {
            Ok(slot) => Some(slot),
            Err(_) => return Ok(Performed::Event(Event::Tidied)),
        }
    } else {
        None
    };
    let tidied = cx.workspace.tidy(cx.issue).await?;
    for note in tidied.notes {
        cx.note(note);
    }
    if let Some(path) = tidied.removed {
        cx.store.worktree_removed(path).await?;
    }
    Ok(Performed::Event(Event::Tidied))
}
