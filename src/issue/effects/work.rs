//! The implementing worker: take a worker slot (the budget must allow it),
//! have the workspace prepare the issue's working directory, run the
//! worker, and report how it ended. What it left is looked for next.

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
    let cwd = match cx.workspace.issue_dir(cx.issue, branch, &*cx.store).await? {
        Ok(cwd) => cwd,
        Err(reason) => return Ok(Performed::Event(Event::Blocked { reason })),
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
