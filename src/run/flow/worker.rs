//! Running one worker subprocess for an issue: wait for a slot, record the
//! process in the checkpoint, wait for it (or for a stop), record its cost.
//! Shared by the implementing worker and every fix worker.

use std::path::PathBuf;

use tokio::sync::OwnedSemaphorePermit;

use crate::messages::checkpoint::{AddCost, ClearWorker, RecordWorker};
use crate::worker::{self, StopLevel, WorkerKind, WorkerOutcome, WorkerSpec};

use super::env::{FlowError, IssueEnv};
use crate::run::budget::Admission;
use crate::run::outcome::IssueOutcome;

/// How a worker run ended, from the flow's point of view.
#[derive(Debug)]
pub enum WorkerRun {
    /// The run is shutting down; the worker was stopped or never started.
    Stopped,
    Finished(WorkerOutcome),
}

/// What to run, where, and where its log goes.
pub struct Launch {
    pub kind: WorkerKind,
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// File name inside the log directory, e.g. `issue-12.log`.
    pub log_name: String,
    pub env: Vec<(String, String)>,
}

/// Waits for a worker slot (`--parallel N` of them); `None` when the run is
/// shutting down. In sequential mode the slot also guards the shared
/// checkout, so everything that moves its HEAD holds one.
pub async fn acquire_slot(env: &IssueEnv) -> Option<OwnedSemaphorePermit> {
    tokio::select! {
        // An error means the semaphore was closed: the run is shutting down.
        permit = env.slots.clone().acquire_owned() => permit.ok(),
        _ = env.stop.reached(StopLevel::Graceful) => None,
    }
}

/// What a new worker may do.
pub enum Admitted {
    /// Go: the slot is held until the worker exits.
    Slot(OwnedSemaphorePermit),
    /// The run is shutting down.
    Stopped,
    /// The budget cap says no; the issue waits where it is.
    Held(IssueOutcome),
}

/// A worker slot, granted only while the budget allows one more worker.
pub async fn admit(env: &IssueEnv) -> Result<Admitted, FlowError> {
    let Some(permit) = acquire_slot(env).await else {
        return Ok(Admitted::Stopped);
    };
    Ok(match env.ctx.budget.admit(env).await? {
        Admission::Go => Admitted::Slot(permit),
        Admission::Stopped => Admitted::Held(IssueOutcome::BudgetSpent),
        Admission::Unanswered(why) => {
            env.note(format!("the budget cap is spent and {why}"));
            Admitted::Held(IssueOutcome::AwaitingHuman {
                question: "raise the budget cap?".into(),
            })
        }
        Admission::Interrupted => Admitted::Stopped,
    })
}

/// Runs the worker while holding `permit`, which is released when it exits.
pub async fn run_in_slot(
    env: &IssueEnv,
    launch: Launch,
    permit: OwnedSemaphorePermit,
) -> Result<WorkerRun, FlowError> {
    let settings = &env.ctx.settings.worker;
    let spec = WorkerSpec {
        kind: launch.kind,
        issue: env.issue,
        argv: launch.argv,
        cwd: launch.cwd,
        env: launch.env,
        log_path: env.ctx.log_path(&launch.log_name),
        wall_timeout: settings.timeout.get(),
        stall_timeout: settings.stall_timeout.get(),
        grace: settings.grace.get(),
    };
    let log = spec.log_path.display().to_string();
    let running = worker::spawn(spec)?;
    let identity = running.identity();
    let (run, issue) = (env.ctx.run_id, env.issue);
    env.store(RecordWorker {
        run,
        issue,
        worker: identity,
    })
    .await?;
    env.note(format!(
        "{} worker started (pid {}, log {log})",
        launch.kind.as_str(),
        identity.pid
    ));
    env.doing(format!(
        "{} worker running (pid {})",
        launch.kind.as_str(),
        identity.pid
    ));
    let outcome = running.wait(env.stop.clone()).await;
    env.doing(format!("{} worker {}", launch.kind.as_str(), outcome.exit));
    env.store(ClearWorker { run, issue }).await?;
    if let Some(usd) = outcome.cost_usd {
        let totals = env.store(AddCost { run, issue, usd }).await?;
        env.ctx.budget.record(totals.run_usd).await;
    }
    // Only now may the next worker start: it must see this one's cost.
    drop(permit);
    Ok(match outcome.exit {
        worker::WorkerExit::Stopped => WorkerRun::Stopped,
        _ => WorkerRun::Finished(outcome),
    })
}

/// The environment every worker gets on top of ours: which issue, branch and
/// repository it works on.
pub fn worker_env(env: &IssueEnv, branch: &str) -> Vec<(String, String)> {
    let mut vars = env.ctx.worker_env.clone();
    vars.extend([
        ("AUTO_MILESTONE_ISSUE".into(), env.issue.0.to_string()),
        ("AUTO_MILESTONE_BRANCH".into(), branch.to_string()),
        ("AUTO_MILESTONE_REPO".into(), env.ctx.repo.to_string()),
        ("AUTO_MILESTONE_RUN".into(), env.ctx.run_id.to_string()),
    ]);
    vars
}
