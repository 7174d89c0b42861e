//! Building the actor tree for a run and waiting for its end.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use actix::{Actor, Addr};
use anyhow::Context as _;
use tokio::sync::{Semaphore, oneshot};

use super::context::RunContext;
use super::flow::IssueEnv;
use super::outcome::RunEnd;
use super::signals;
use crate::actors::{
    CheckpointActor, EnvFactory, MilestoneParts, MilestoneSupervisor, WaveSupervisor,
};
use crate::checkpoint::Store;
use crate::progress::{Lines, ProgressSink};
use crate::schedule::Scheduler;
use crate::supervision::RestartPolicy;
use crate::worker::StopSignal;

/// Starts the actors for `ctx` and returns how the run ended.
pub async fn run_actors(
    ctx: Arc<RunContext>,
    store: Store,
    scheduler: Scheduler,
) -> anyhow::Result<RunEnd> {
    std::fs::create_dir_all(&ctx.log_dir)
        .with_context(|| format!("create the log directory {}", ctx.log_dir.display()))?;
    let checkpoint = CheckpointActor::new(store).start();
    let slots = Arc::new(Semaphore::new(ctx.settings.parallel));
    let (done, ended) = oneshot::channel();
    let progress: Box<dyn ProgressSink> = Box::new(Lines::new(std::io::stdout()));
    let waves: BTreeSet<u32> = ctx.issues.values().map(|i| i.wave).collect();
    let supervisor = MilestoneSupervisor::create(|mctx| {
        let me = actix::AsyncContext::address(mctx);
        let make_env = env_factory(&ctx, &checkpoint, &me, &slots);
        let waves: BTreeMap<u32, Addr<WaveSupervisor>> = waves
            .into_iter()
            .map(|w| {
                let sup = WaveSupervisor::new(
                    w,
                    make_env.clone(),
                    me.clone().recipient(),
                    RestartPolicy::issue_actor(),
                );
                (w, sup.start())
            })
            .collect();
        MilestoneSupervisor::new(MilestoneParts {
            ctx: ctx.clone(),
            checkpoint,
            scheduler,
            waves,
            slots,
            progress,
            done,
        })
    });
    let _signals =
        signals::watch(supervisor.recipient()).context("watch for SIGTERM and SIGINT")?;
    ended
        .await
        .context("the milestone supervisor stopped without reporting the run's end")
}

fn env_factory(
    ctx: &Arc<RunContext>,
    checkpoint: &Addr<CheckpointActor>,
    supervisor: &Addr<MilestoneSupervisor>,
    slots: &Arc<Semaphore>,
) -> EnvFactory {
    let (ctx, checkpoint, supervisor, slots) = (
        ctx.clone(),
        checkpoint.clone(),
        supervisor.clone(),
        slots.clone(),
    );
    Arc::new(move |issue| IssueEnv {
        ctx: ctx.clone(),
        issue,
        checkpoint: checkpoint.clone(),
        progress: supervisor.clone().recipient(),
        notes: supervisor.clone().recipient(),
        activity: supervisor.clone().recipient(),
        slots: slots.clone(),
        stop: StopSignal::new(),
    })
}
