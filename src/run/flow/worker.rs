//! Running one worker subprocess for an issue: wait for a slot, record the
//! process in the checkpoint, follow its event stream (the session, what the
//! agent is doing), wait for it (or for a stop), record its cost. An issue
//! whose last worker of the same kind was interrupted with a known session
//! continues that session instead of starting over. Shared by the
//! implementing worker and every fix worker.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;

use crate::checkpoint::SessionRef;
use crate::messages::checkpoint::{AddCost, ClearWorker, RecordWorker, SetActivity, SetSession};
use crate::worker::{
    self, Activity, ArgvTemplate, StopLevel, Vars, WorkerExit, WorkerKind, WorkerOutcome,
    WorkerSpec, WorkerUpdate, prompt,
};

use super::env::{FlowError, IssueEnv};
use super::plain;
use crate::run::budget::Admission;
use crate::run::outcome::IssueOutcome;

/// How often a running worker's activity is written for `status`.
const ACTIVITY_EVERY: Duration = Duration::from_secs(2);

/// What an interrupted agent is told when its session continues.
pub const CONTINUE_PROMPT: &str = "You were interrupted before you finished. Continue the same task \
     from where you stopped; do not start over. When it is done, commit, push and make sure the \
     pull request exists.";

/// How a worker run ended, from the flow's point of view.
#[derive(Debug)]
pub enum WorkerRun {
    /// The run is shutting down; the worker was stopped or never started.
    Stopped,
    Finished(Box<WorkerOutcome>),
}

/// What to run, where, and where its log goes.
pub struct Launch {
    pub kind: WorkerKind,
    /// The command template (a setting) and the values for its placeholders.
    pub command: Vec<String>,
    pub vars: Vars,
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

/// Runs the worker while holding `permit`, which is released when it exits:
/// continuing the issue's interrupted session of the same kind if there is
/// one (and starting afresh if that fails), else from the start.
pub async fn run_in_slot(
    env: &IssueEnv,
    launch: Launch,
    permit: OwnedSemaphorePermit,
) -> Result<WorkerRun, FlowError> {
    let session = env
        .row()
        .await?
        .session
        .filter(|s| s.kind == launch.kind.as_str());
    let mut outcome = match &session {
        Some(session) => {
            env.note(format!(
                "continuing the interrupted {} session {}",
                launch.kind.as_str(),
                session.id
            ));
            run_once(env, &launch, Some(&session.id)).await?
        }
        None => run_once(env, &launch, None).await?,
    };
    if let Some(session) = &session
        && resume_failed(&outcome)
    {
        env.note(format!(
            "could not continue session {} ({}); starting the {} worker afresh",
            session.id,
            resume_failure(&outcome),
            launch.kind.as_str()
        ));
        set_session(env, None).await?;
        outcome = run_once(env, &launch, None).await?;
    }
    // Only now may the next worker start: it must see this one's cost.
    drop(permit);
    Ok(match outcome.exit {
        WorkerExit::Stopped => WorkerRun::Stopped,
        _ => WorkerRun::Finished(Box::new(outcome)),
    })
}

/// A continued session that never started (the CLI refused the session id:
/// no `init` event, a failure) is no continuation: the work starts over.
fn resume_failed(outcome: &WorkerOutcome) -> bool {
    !outcome.exit.succeeded() && outcome.exit != WorkerExit::Stopped && !outcome.activity.started
}

fn resume_failure(outcome: &WorkerOutcome) -> String {
    outcome
        .activity
        .result
        .as_ref()
        .and_then(|r| r.summary.clone())
        .unwrap_or_else(|| format!("the worker {}", outcome.exit))
}

/// Spawns one worker (continuing `session` if given) and follows it to its
/// end. A CLI that refuses the event stream's flags is run again without
/// them, and so is every later worker of the run (said once).
async fn run_once(
    env: &IssueEnv,
    launch: &Launch,
    session: Option<&str>,
) -> Result<WorkerOutcome, FlowError> {
    let argv = launch_argv(env, launch, session);
    if env.ctx.stream_refused() {
        return run_argv(env, launch, plain::without_stream(argv)).await;
    }
    let streamed = plain::asks_for_stream(&argv);
    let outcome = run_argv(env, launch, argv.clone()).await?;
    if !streamed || !plain::refused_stream(&outcome) {
        return Ok(outcome);
    }
    if env.ctx.refuse_stream() {
        env.note(
            "the worker CLI refused `--output-format stream-json --verbose`: running this and every later \
             worker with plain output (no live activity, cost unknown); set the worker commands to plain \
             output to skip this",
        );
    }
    run_argv(env, launch, plain::without_stream(argv)).await
}

/// The argv of a fresh worker, or of one continuing `session`.
fn launch_argv(env: &IssueEnv, launch: &Launch, session: Option<&str>) -> Vec<String> {
    let (template, vars) = match session {
        Some(id) => (
            &env.ctx.settings.worker.resume_command,
            Vars {
                session: Some(id.to_string()),
                prompt: Some(CONTINUE_PROMPT.to_string()),
                ..launch.vars.clone()
            },
        ),
        None => (&launch.command, launch.vars.clone()),
    };
    ArgvTemplate::new(template.iter().cloned()).expand(&vars)
}

/// Spawns `argv` and follows the worker to its end.
async fn run_argv(
    env: &IssueEnv,
    launch: &Launch,
    argv: Vec<String>,
) -> Result<WorkerOutcome, FlowError> {
    let settings = &env.ctx.settings.worker;
    let log_path = env.ctx.log_path(&launch.log_name);
    let fitted = prompt::fit(argv, &prompt::spill_path(&log_path)).map_err(|e| {
        FlowError::Other(format!(
            "write the worker's prompt file next to {}: {e}",
            log_path.display()
        ))
    })?;
    let spec = WorkerSpec {
        kind: launch.kind,
        issue: env.issue,
        argv: fitted.argv,
        cwd: launch.cwd.clone(),
        env: [env.ctx.worker_env.set.clone(), launch.env.clone()].concat(),
        env_remove: env.ctx.worker_env.remove.clone(),
        stdin: fitted.stdin,
        log_path,
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
        mark: running.mark().to_string(),
    })
    .await?;
    let kind = launch.kind.as_str();
    env.note(format!(
        "{kind} worker started (pid {}, log {log})",
        identity.pid
    ));
    env.doing(format!("{kind} worker running (pid {})", identity.pid));
    let (tx, updates) = unbounded_channel();
    let wait = running.wait(env.stop.clone(), Some(tx));
    let outcome = follow(env, launch.kind, wait, updates).await?;
    env.doing(format!("{kind} worker {}", outcome.exit));
    env.store(ClearWorker { run, issue }).await?;
    record_end(env, launch.kind, &outcome).await?;
    Ok(outcome)
}

/// Waits for the worker while recording what it reports: the session at
/// once (a crash may follow), the activity for the live view and, every
/// `ACTIVITY_EVERY`, for `status`.
async fn follow(
    env: &IssueEnv,
    kind: WorkerKind,
    wait: impl Future<Output = WorkerOutcome>,
    mut updates: UnboundedReceiver<WorkerUpdate>,
) -> Result<WorkerOutcome, FlowError> {
    tokio::pin!(wait);
    let mut last_saved: Option<Instant> = None;
    loop {
        tokio::select! {
            outcome = &mut wait => return Ok(outcome),
            Some(update) = updates.recv() => match update {
                WorkerUpdate::Session(id) => {
                    let session = SessionRef { id, kind: kind.as_str().into() };
                    set_session(env, Some(session)).await?;
                }
                WorkerUpdate::Activity(activity) => {
                    env.doing(format!("{}: {}", kind.as_str(), activity.describe()));
                    if last_saved.is_none_or(|t| t.elapsed() >= ACTIVITY_EVERY) {
                        save_activity(env, &activity).await?;
                        last_saved = Some(Instant::now());
                    }
                }
            },
        }
    }
}

async fn save_activity(env: &IssueEnv, activity: &Activity) -> Result<(), FlowError> {
    let activity = serde_json::to_value(activity).map_err(|e| FlowError::Other(e.to_string()))?;
    env.store(SetActivity {
        run: env.ctx.run_id,
        issue: env.issue,
        activity,
    })
    .await
}

async fn set_session(env: &IssueEnv, session: Option<SessionRef>) -> Result<(), FlowError> {
    env.store(SetSession {
        run: env.ctx.run_id,
        issue: env.issue,
        session,
    })
    .await
}

/// After a worker ends: its cost, and its session — kept for the next worker
/// when this one was cut off, forgotten once it finished its work.
async fn record_end(
    env: &IssueEnv,
    kind: WorkerKind,
    outcome: &WorkerOutcome,
) -> Result<(), FlowError> {
    let (run, issue) = (env.ctx.run_id, env.issue);
    if let Some(usd) = outcome.cost_usd() {
        let totals = env.store(AddCost { run, issue, usd }).await?;
        env.ctx.budget.record(totals.run_usd).await;
    }
    if outcome.activity.result.is_some() {
        set_session(env, None).await?;
    }
    if !outcome.activity.is_stream() && env.ctx.first_plain_worker() {
        env.note(format!(
            "the {} worker printed no Claude stream-json events, so its live activity and cost are \
             unknown (and the budget cap cannot count it); this is said once per run",
            kind.as_str()
        ));
    }
    if let Some(result) = &outcome.activity.result
        && result.is_error
    {
        env.note(format!(
            "the agent reported an error: {}",
            result
                .summary
                .clone()
                .or_else(|| result.subtype.clone())
                .unwrap_or_default()
        ));
    }
    Ok(())
}

/// The environment every worker gets on top of ours: which issue, branch and
/// repository it works on.
pub fn worker_env(env: &IssueEnv, branch: &str) -> Vec<(String, String)> {
    vec![
        ("AUTO_MILESTONE_ISSUE".into(), env.issue.0.to_string()),
        ("AUTO_MILESTONE_BRANCH".into(), branch.to_string()),
        ("AUTO_MILESTONE_REPO".into(), env.ctx.repo.to_string()),
        ("AUTO_MILESTONE_RUN".into(), env.ctx.run_id.to_string()),
    ]
}
