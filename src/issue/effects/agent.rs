//! Running one worker subprocess for an issue, holding a slot: record the
//! launch before it happens (its mark, so a crash never leaves its processes
//! unknown), follow its event stream (the session, what the agent is doing),
//! wait for it (or for a stop), record its cost. An issue whose last worker
//! of the same kind was interrupted with a known session continues that
//! session instead of starting over. Shared by the implementing worker and
//! every fix worker.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;

use crate::checkpoint::SessionRef;
use crate::worker::{
    self, Activity, ArgvTemplate, Vars, WorkerExit, WorkerKind, WorkerOutcome, WorkerSpec,
    WorkerUpdate, prompt,
};

use super::crashpoint::{Boundary, crashpoint};
use super::{Crash, Held, IssueCtx, plain};

/// How often a running worker's activity is written for `status`.
const ACTIVITY_EVERY: Duration = Duration::from_secs(2);

/// What an interrupted agent is told when its session continues.
pub const CONTINUE_PROMPT: &str = "You were interrupted before you finished. Continue the same task \
     from where you stopped; do not start over. When it is done, commit, push and make sure the \
     pull request exists.";

/// How a worker run ended.
#[derive(Debug)]
pub enum WorkerRun {
    /// The run is stopping; the worker was stopped.
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

/// Runs the worker while holding `slot`, which is given back when it exits:
/// continuing the issue's interrupted session of the same kind if there is
/// one (and starting afresh if that fails), else from the start.
pub async fn run(cx: &IssueCtx, launch: Launch, slot: Held) -> Result<WorkerRun, Crash> {
    let session = cx
        .store
        .row()
        .await?
        .session
        .filter(|s| s.kind == launch.kind.as_str());
    let mut outcome = match &session {
        Some(session) => {
            cx.note(format!(
                "continuing the interrupted {} session {}",
                launch.kind.as_str(),
                session.id
            ));
            run_once(cx, &launch, Some(&session.id)).await?
        }
        None => run_once(cx, &launch, None).await?,
    };
    if let Some(session) = &session
        && resume_failed(&outcome)
    {
        cx.note(format!(
            "could not continue session {} ({}); starting the {} worker afresh",
            session.id,
            resume_failure(&outcome),
            launch.kind.as_str()
        ));
        cx.store.set_session(None).await?;
        outcome = run_once(cx, &launch, None).await?;
    }
    // Only now may the next worker start: it must see this one's cost.
    drop(slot);
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
    cx: &IssueCtx,
    launch: &Launch,
    session: Option<&str>,
) -> Result<WorkerOutcome, Crash> {
    let argv = launch_argv(cx, launch, session);
    if cx.run.stream_refused() {
        return run_argv(cx, launch, plain::without_stream(argv)).await;
    }
    let streamed = plain::asks_for_stream(&argv);
    let outcome = run_argv(cx, launch, argv.clone()).await?;
    if !streamed || !plain::refused_stream(&outcome) {
        return Ok(outcome);
    }
    if cx.run.refuse_stream() {
        cx.note(
            "the worker CLI refused `--output-format stream-json --verbose`: running this and every later \
             worker with plain output (no live activity, cost unknown); set the worker commands to plain \
             output to skip this",
        );
    }
    run_argv(cx, launch, plain::without_stream(argv)).await
}

/// The argv of a fresh worker, or of one continuing `session`.
fn launch_argv(cx: &IssueCtx, launch: &Launch, session: Option<&str>) -> Vec<String> {
    let (template, vars) = match session {
        Some(id) => (
            &cx.run.settings.worker.resume_command,
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

/// Spawns `argv` and follows the worker to its end. The launch is an
/// effect: its mark is recorded before the spawn, the process after.
async fn run_argv(
    cx: &IssueCtx,
    launch: &Launch,
    argv: Vec<String>,
) -> Result<WorkerOutcome, Crash> {
    let settings = &cx.run.settings.worker;
    let log_path = cx.run.log_path(&launch.log_name);
    let fitted = prompt::fit(argv, &prompt::spill_path(&log_path)).map_err(|e| {
        Crash::Bug(format!(
            "write the worker's prompt file next to {}: {e}",
            log_path.display()
        ))
    })?;
    let mark = worker::new_mark();
    let spec = WorkerSpec {
        kind: launch.kind,
        issue: cx.issue,
        argv: fitted.argv,
        cwd: launch.cwd.clone(),
        env: [cx.run.worker_env.set.clone(), launch.env.clone()].concat(),
        env_remove: cx.run.worker_env.remove.clone(),
        stdin: fitted.stdin,
        mark: mark.clone(),
        log_path,
        wall_timeout: settings.timeout.get(),
        stall_timeout: settings.stall_timeout.get(),
        grace: settings.grace.get(),
    };
    let log = spec.log_path.display().to_string();
    cx.store.worker_intent(mark).await?;
    crashpoint("worker", Boundary::Intent);
    let running = cx.launcher.spawn(spec)?;
    crashpoint("worker", Boundary::Done);
    let identity = running.identity();
    cx.store.record_worker(identity).await?;
    crashpoint("worker", Boundary::Confirmed);
    let kind = launch.kind.as_str();
    cx.note(format!(
        "{kind} worker started (pid {}, log {log})",
        identity.pid
    ));
    cx.doing(format!("{kind} worker running (pid {})", identity.pid));
    let (tx, updates) = unbounded_channel();
    let wait = running.wait(cx.stop.clone(), Some(tx));
    let outcome = follow(cx, launch.kind, wait, updates).await?;
    cx.doing(format!("{kind} worker {}", outcome.exit));
    cx.store.clear_worker().await?;
    record_end(cx, launch.kind, &outcome).await?;
    Ok(outcome)
}

/// Waits for the worker while recording what it reports: the session at
/// once (a crash may follow), the activity for the live view and, every
/// `ACTIVITY_EVERY`, for `status`.
async fn follow(
    cx: &IssueCtx,
    kind: WorkerKind,
    wait: impl Future<Output = WorkerOutcome>,
    mut updates: UnboundedReceiver<WorkerUpdate>,
) -> Result<WorkerOutcome, Crash> {
    tokio::pin!(wait);
    let mut last_saved: Option<Instant> = None;
    loop {
        tokio::select! {
            outcome = &mut wait => return Ok(outcome),
            Some(update) = updates.recv() => match update {
                WorkerUpdate::Session(id) => {
                    let session = SessionRef { id, kind: kind.as_str().into() };
                    cx.store.set_session(Some(session)).await?;
                }
                WorkerUpdate::Activity(activity) => {
                    cx.doing(format!("{}: {}", kind.as_str(), activity.describe()));
                    if last_saved.is_none_or(|t| t.elapsed() >= ACTIVITY_EVERY) {
                        save_activity(cx, &activity).await?;
                        last_saved = Some(Instant::now());
                    }
                }
            },
        }
    }
}

async fn save_activity(cx: &IssueCtx, activity: &Activity) -> Result<(), Crash> {
    let activity = serde_json::to_value(activity).map_err(|e| Crash::Bug(e.to_string()))?;
    cx.store.set_activity(activity).await
}

/// After a worker ends: its cost, and its session — kept for the next worker
/// when this one was cut off, forgotten once it finished its work.
async fn record_end(cx: &IssueCtx, kind: WorkerKind, outcome: &WorkerOutcome) -> Result<(), Crash> {
    // The CLI reports a session's cost so far, earlier interrupted runs of
    // it included; a session is forgotten once it reports, so each cost is
    // recorded once.
    if let Some(usd) = outcome.cost_usd() {
        let totals = cx.store.add_cost(usd).await?;
        cx.coord.spent(totals.run_usd);
    }
    if outcome.activity.result.is_some() {
        cx.store.set_session(None).await?;
    }
    if !outcome.activity.is_stream() && cx.run.first_plain_worker() {
        cx.note(format!(
            "the {} worker printed no Claude stream-json events, so its live activity and cost are \
             unknown (and the budget cap cannot count it); this is said once per run",
            kind.as_str()
        ));
    }
    if let Some(result) = &outcome.activity.result
        && result.is_error
    {
        cx.note(format!(
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
pub fn worker_env(cx: &IssueCtx, branch: &str) -> Vec<(String, String)> {
    vec![
        ("AUTO_MILESTONE_ISSUE".into(), cx.issue.0.to_string()),
        ("AUTO_MILESTONE_BRANCH".into(), branch.to_string()),
        ("AUTO_MILESTONE_REPO".into(), cx.run.repo.to_string()),
        ("AUTO_MILESTONE_RUN".into(), cx.run.run_id.to_string()),
    ]
}
