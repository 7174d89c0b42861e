//! Building the actor tree for a run, waiting for its end, and finishing it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix::{Actor, Addr};
use anyhow::Context as _;
use tokio::sync::oneshot;

use super::finish::finish;
use super::signals;
use crate::actors::ports::{CoordinatorPort, HumanPort, StorePort};
use crate::actors::{
    ActorFactory, ApprovalActor, CheckpointActor, IssueActorParts, MilestoneParts,
    MilestoneSupervisor, WaveParent, WaveSupervisor,
};
use crate::command::exit::Exit;
use crate::context::RunContext;
use crate::coord::BudgetGate;
use crate::issue::effects::git_workspace::GitWorkspace;
use crate::issue::effects::{IssueCtx, Launcher, Subprocesses, Workspace};
use crate::messages::{Announce, RunEnd};
use crate::notify::Hooks;
use crate::schedule::Scheduler;
use crate::supervision::RestartPolicy;
use crate::worker::StopSignal;

/// The actors every issue talks to, started before the tree (the planning
/// gate already needs them).
#[derive(Clone)]
pub struct Services {
    pub checkpoint: Addr<CheckpointActor>,
    pub approvals: Addr<ApprovalActor>,
}

/// Runs the actor tree over `ctx`, then finishes the run: cleanup, the
/// summary, and the closing notification.
pub async fn run_to_end(
    mut ctx: RunContext,
    services: Services,
    scheduler: Scheduler,
    budget: BudgetGate,
) -> anyhow::Result<Exit> {
    let (rules, notes) = super::merge_rules::read(&*ctx.gh, &ctx.base).await;
    for note in notes {
        println!("{note}");
    }
    ctx.merge_rules = rules;
    let ctx = Arc::new(ctx);
    let end = run_actors(ctx.clone(), services.clone(), scheduler, budget).await?;
    let (exit, notification) = finish(&ctx, &services.checkpoint, &end).await?;
    if let Some(notice) = notification {
        services.approvals.send(Announce { notice }).await?;
    }
    Ok(exit)
}

/// Where the issue actors' workers run and how: git and subprocesses in a
/// run; a test's own in the in-process tester.
#[derive(Clone)]
pub struct Seams {
    pub workspace: Arc<dyn Workspace>,
    pub launcher: Arc<dyn Launcher>,
}

/// Starts the actors for `ctx` and returns how the run ended.
async fn run_actors(
    ctx: Arc<RunContext>,
    services: Services,
    scheduler: Scheduler,
    budget: BudgetGate,
) -> anyhow::Result<RunEnd> {
    std::fs::create_dir_all(&ctx.log_dir)
        .with_context(|| format!("create the log directory {}", ctx.log_dir.display()))?;
    if ctx.uses_worktrees() {
        exclude_worktrees(&ctx)?;
    }
    let run_log = ctx.log_path(&format!("run-{}.log", ctx.run_id));
    if let Err(e) = crate::progress::logging::log_to_file(&run_log) {
        tracing::warn!(path = %run_log.display(), %e, "no run log file; logging to stderr only");
    }
    let seams = Seams {
        workspace: Arc::new(GitWorkspace { run: ctx.clone() }),
        launcher: Arc::new(Subprocesses),
    };
    let verbosity = crate::progress::logging::verbosity();
    let progress = crate::progress::for_stdout(verbosity, &ctx.db, ctx.run_id);
    let (supervisor, ended) = start_tree(ctx, services, scheduler, budget, seams, progress);
    let _signals =
        signals::watch(supervisor.recipient()).context("watch for SIGTERM and SIGINT")?;
    ended
        .await
        .context("the milestone supervisor stopped without reporting the run's end")
}

/// Starts the actor tree for `ctx` on the current actix system: the
/// milestone supervisor, a wave supervisor per wave, and (as the scheduler
/// lets them) the issue actors over `seams`. The receiver answers how the
/// run ended. No signals, no log file: the caller decides those.
pub fn start_tree(
    ctx: Arc<RunContext>,
    services: Services,
    scheduler: Scheduler,
    budget: BudgetGate,
    seams: Seams,
    progress: Box<dyn crate::progress::ProgressSink>,
) -> (Addr<MilestoneSupervisor>, oneshot::Receiver<RunEnd>) {
    let (done, ended) = oneshot::channel();
    let waves: BTreeSet<u32> = ctx.issues.values().map(|i| i.wave).collect();
    let supervisor = MilestoneSupervisor::create(|mctx| {
        let me = actix::AsyncContext::address(mctx);
        let make = actor_factory(&ctx, &services, &me, &seams);
        let waves: BTreeMap<u32, Addr<WaveSupervisor>> = waves
            .into_iter()
            .map(|w| {
                let parent = WaveParent {
                    ended: me.clone().recipient(),
                    escalated: me.clone().recipient(),
                };
                let sup =
                    WaveSupervisor::new(w, make.clone(), parent, RestartPolicy::issue_actor());
                (w, sup.start())
            })
            .collect();
        MilestoneSupervisor::new(MilestoneParts {
            ctx: ctx.clone(),
            checkpoint: services.checkpoint.clone(),
            approvals: services.approvals.clone(),
            scheduler,
            waves,
            budget,
            progress,
            done,
        })
    });
    (supervisor, ended)
}

/// Lists the worktree directory in the repository's `info/exclude` before
/// the first worktree is made, so the user's `git status` and `git add -A`
/// never see the worktrees. A directory outside the checkout needs nothing.
fn exclude_worktrees(ctx: &RunContext) -> anyhow::Result<()> {
    let Ok(inside) = ctx.worktree_dir.strip_prefix(&ctx.root) else {
        return Ok(());
    };
    let Some(pattern) = crate::git::exclude::dir_pattern(inside) else {
        return Ok(());
    };
    let why = "auto-milestone: per-issue worktrees of parallel runs";
    crate::git::exclude::ensure_excluded(&ctx.common_dir, &pattern, why).with_context(|| {
        format!(
            "add {pattern} to {}; make that file writable, or set worktree_dir outside the checkout",
            ctx.common_dir.join("info").join("exclude").display()
        )
    })?;
    Ok(())
}

/// Builds each issue actor's context and ports: its row through the
/// checkpoint actor, humans and coordination through the milestone supervisor.
fn actor_factory(
    ctx: &Arc<RunContext>,
    services: &Services,
    supervisor: &Addr<MilestoneSupervisor>,
    seams: &Seams,
) -> ActorFactory {
    let (ctx, checkpoint, supervisor, seams) = (
        ctx.clone(),
        services.checkpoint.clone(),
        supervisor.clone(),
        seams.clone(),
    );
    Arc::new(move |issue, parent| {
        let run = ctx.run_id;
        let cx = IssueCtx {
            run: ctx.clone(),
            issue,
            store: Arc::new(StorePort {
                checkpoint: checkpoint.clone(),
                run,
                issue,
            }),
            human: Arc::new(HumanPort {
                ask: supervisor.clone().recipient(),
                withdraw: supervisor.clone().recipient(),
                notify: supervisor.clone().recipient(),
                run,
                issue,
            }),
            coord: Arc::new(CoordinatorPort {
                supervisor: supervisor.clone(),
                issue,
            }),
            workspace: seams.workspace.clone(),
            launcher: seams.launcher.clone(),
            stop: StopSignal::new(),
        };
        IssueActorParts {
            cx,
            checkpoint: checkpoint.clone(),
            progress: supervisor.clone().recipient(),
            parent,
        }
    })
}

/// Starts the checkpoint and approval actors for `run`.
pub async fn start_services(
    store: crate::checkpoint::Store,
    run: crate::checkpoint::RunId,
    settings: &crate::config::Settings,
    approve_all: bool,
) -> Services {
    use crate::approval::{ChannelChoice, choose_channel};
    let channel = if approve_all {
        ChannelChoice::auto()
    } else {
        choose_channel(settings, crate::command::context::env_var).await
    };
    start_services_on(store, run, settings, channel)
}

/// Starts the checkpoint actor (on a thread of its own) and the approval
/// actor asking through `channel`.
pub fn start_services_on(
    store: crate::checkpoint::Store,
    run: crate::checkpoint::RunId,
    settings: &crate::config::Settings,
    channel: crate::approval::ChannelChoice,
) -> Services {
    use crate::approval::ApprovalConfig;
    let checkpoint = CheckpointActor::start_on_own_thread(store);
    tracing::info!(channel = %channel.describe(), "questions for a human go here");
    let config = ApprovalConfig {
        channel,
        run,
        checkpoint: crate::approval::store::Questions::new(checkpoint.clone()),
        reminder: settings.telegram.reminder.get(),
    };
    let notify = &settings.notify;
    let hooks = Hooks::new(
        run.0,
        notify.slack_url.as_deref(),
        notify.discord_url.as_deref(),
        notify.webhook_url.as_deref(),
    );
    let approvals = ApprovalActor::new(config).with_hooks(hooks).start();
    Services {
        checkpoint,
        approvals,
    }
}
