//! The implementing worker: take a worker slot (the budget must allow it),
//! prepare the issue's working directory (the checkout in sequential mode,
//! on an up-to-date base; a worktree from fresh `origin/<base>` otherwise),
//! run the worker, and report how it ended. What it left is looked for next.

use std::path::PathBuf;

use crate::ids::BranchName;
use crate::issue::machine::{Event, Hold, WorkerReport};
use crate::worker::{Vars, WorkerKind, WorkerOutcome};

use super::agent::{self, Launch, WorkerRun};
use super::{Crash, Held, IssueCtx, Performed, Refusal, SlotFor};

/// Runs the implementing worker on `branch`.
pub async fn implement(cx: &IssueCtx, branch: &BranchName) -> Result<Performed, Crash> {
    let slot = match take_slot(cx).await {
        Ok(slot) => slot,
        Err(performed) => return Ok(performed),
    };
    let Some(cwd) = prepare_workdir(cx, branch).await? else {
        let reason = "the checkout has uncommitted changes; commit or stash them, then run again with --resume";
        return Ok(Performed::Event(Event::Blocked {
            reason: reason.into(),
        }));
    };
    let vars = Vars {
        issue: Some(cx.issue),
        branch: Some(branch.clone()),
        prompt: Some(format!("/auto-issue {}", cx.issue.0)),
        repo: Some(cx.run.repo.clone()),
        ..Vars::default()
    };
    let launch = Launch {
        kind: WorkerKind::Implement,
        command: cx.run.settings.worker.command.clone(),
        vars,
        cwd,
        log_name: format!("issue-{}.log", cx.issue.0),
        env: agent::worker_env(cx, &branch.0),
    };
    Ok(match agent::run(cx, launch, slot).await? {
        WorkerRun::Stopped => Performed::Stopped,
        WorkerRun::Finished(outcome) => Performed::Event(Event::WorkerExited(report(&outcome))),
    })
}

/// A worker slot, or what to report instead (stopping, the budget spent).
pub async fn take_slot(cx: &IssueCtx) -> Result<Held, Performed> {
    match cx.coord.slot(SlotFor::Worker).await {
        Ok(slot) => Ok(slot),
        Err(Refusal::Stopping) => Err(Performed::Stopped),
        Err(Refusal::BudgetSpent) => Err(Performed::Event(Event::Held(Hold::BudgetSpent))),
        Err(Refusal::BudgetUnanswered(why)) => {
            Err(Performed::Event(Event::Held(Hold::BudgetUnanswered {
                why,
            })))
        }
    }
}

pub fn report(outcome: &WorkerOutcome) -> WorkerReport {
    WorkerReport {
        exit: outcome.exit.to_string(),
        succeeded: outcome.exit.succeeded(),
        log: outcome.log_path.display().to_string(),
    }
}

/// The worker's working directory, or `None` when the checkout is dirty.
async fn prepare_workdir(cx: &IssueCtx, branch: &BranchName) -> Result<Option<PathBuf>, Crash> {
    let run = &cx.run;
    let base = &run.base;
    if !run.uses_worktrees() {
        // The spec's sequential mode: the worker starts from an up-to-date base.
        if !run.git.uncommitted_changes().await?.is_empty() {
            return Ok(None);
        }
        run.git.checkout(base).await?;
        run.git.pull_ff_only("origin", base).await?;
        return Ok(Some(run.root.clone()));
    }
    let path = run.worktree_for(cx.issue);
    let known = run.git.worktree_list().await?;
    if known.iter().any(|w| w.path == path) {
        cx.note(format!("reusing worktree {}", path.display()));
        return Ok(Some(path));
    }
    // A dependent must start from a base that already has its blockers' merges.
    run.git.fetch("origin", &[base.0.as_str()]).await?;
    let path = create_worktree(cx, branch, &format!("origin/{}", base.0)).await?;
    Ok(Some(path))
}

/// Creates the issue's worktree on `branch` from `start`, recording it
/// first: cleanup removes the worktrees a run recorded, and only those.
pub async fn create_worktree(
    cx: &IssueCtx,
    branch: &BranchName,
    start: &str,
) -> Result<PathBuf, Crash> {
    let path = cx.run.worktree_for(cx.issue);
    cx.store
        .record_worktree(path.clone(), branch.clone())
        .await?;
    cx.run.git.worktree_add(&path, branch, start).await?;
    Ok(path)
}
