//! The implementing worker: have the workspace prepare the issue's working
//! directory, take a worker slot (the budget must allow it), run the worker,
//! and report how it ended. What it left is looked for next, after the slot
//! is given back: a slot is for an agent.

use std::future::Future;
use std::path::PathBuf;

use crate::ids::BranchName;
use crate::issue::machine::{Event, Hold, WorkerReport};
use crate::worker::{Vars, WorkerKind, WorkerOutcome};

use super::agent::{self, Launch, WorkerRun};
use super::{Crash, Held, IssueCtx, Performed, Refusal, SlotFor};

/// Runs the implementing worker on `branch`.
pub async fn implement(cx: &IssueCtx, branch: &BranchName) -> Result<Performed, Crash> {
    let prepare = || cx.workspace.issue_dir(cx.issue, branch, &*cx.store);
    let (slot, cwd) = match slot_and_dir(cx, prepare).await? {
        Ok(both) => both,
        Err(performed) => return Ok(performed),
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
        log_name: super::log_names::work(cx.issue),
        env: agent::worker_env(cx, &branch.0),
    };
    Ok(match agent::run(cx, launch, slot).await? {
        WorkerRun::Stopped => Performed::Stopped,
        WorkerRun::Finished(outcome) => Performed::Event(Event::WorkerExited(report(&outcome))),
    })
}

/// A worker slot and the worker's directory, or what to report instead.
/// The directory (worktree, fetch) is prepared before the slot is taken, so
/// no slot waits on git; except the shared checkout (`--parallel 1`), which
/// moves only under a slot, never under a running worker.
pub async fn slot_and_dir<F, Fut>(
    cx: &IssueCtx,
    prepare: F,
) -> Result<Result<(Held, PathBuf), Performed>, Crash>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Result<PathBuf, String>, Crash>>,
{
    let blocked = |reason| Performed::Event(Event::Blocked { reason });
    if cx.workspace.shares_checkout() {
        let slot = match take_slot(cx).await {
            Ok(slot) => slot,
            Err(performed) => return Ok(Err(performed)),
        };
        return Ok(prepare().await?.map(|dir| (slot, dir)).map_err(blocked));
    }
    let dir = match prepare().await? {
        Ok(dir) => dir,
        Err(reason) => return Ok(Err(blocked(reason))),
    };
    Ok(take_slot(cx).await.map(|slot| (slot, dir)))
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
