//! `MilestoneSupervisor`: owns the run. It releases issues to their wave
//! supervisors as their blockers merge, propagates failures and skips to
//! dependents, caps running workers (`--parallel`), handles shutdown, and
//! writes the run's final status.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, ActorFutureExt, Addr, AsyncContext, Context, Handler, WrapFuture};
use tokio::sync::{Semaphore, oneshot};

use super::{CheckpointActor, WaveSupervisor};
use crate::checkpoint::{IssuePatch, IssueState, RunStatus};
use crate::ids::IssueNumber;
use crate::messages::checkpoint::{LoadIssues, SetRunStatus, Transition};
use crate::messages::{
    IssueActivity, IssueEnded, IssueNoted, IssueProgressed, Shutdown, StartIssue, StopWave,
};
use crate::progress::ProgressSink;
use crate::run::context::RunContext;
use crate::run::outcome::{IssueOutcome, RunEnd, StopCause};
use crate::schedule::Scheduler;
use crate::worker::Registry;

/// How long after the shutdown grace a stuck issue actor gets before the run ends without it.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(5);

pub struct MilestoneSupervisor {
    ctx: Arc<RunContext>,
    checkpoint: Addr<CheckpointActor>,
    scheduler: Scheduler,
    waves: BTreeMap<u32, Addr<WaveSupervisor>>,
    slots: Arc<Semaphore>,
    /// Issues whose actor is alive.
    active: BTreeSet<IssueNumber>,
    /// Issues waiting for an answer nobody could be asked.
    parked: BTreeSet<IssueNumber>,
    /// Issues held back because the budget cap is spent and a human said stop.
    held: BTreeSet<IssueNumber>,
    stopping: Option<StopCause>,
    /// Checkpoint writes in flight; the run does not end before they land.
    writes: usize,
    progress: Box<dyn ProgressSink>,
    done: Option<oneshot::Sender<RunEnd>>,
}

/// What the supervisor is built from.
pub struct MilestoneParts {
    pub ctx: Arc<RunContext>,
    pub checkpoint: Addr<CheckpointActor>,
    pub scheduler: Scheduler,
    pub waves: BTreeMap<u32, Addr<WaveSupervisor>>,
    pub slots: Arc<Semaphore>,
    pub progress: Box<dyn ProgressSink>,
    pub done: oneshot::Sender<RunEnd>,
}

impl MilestoneSupervisor {
    pub fn new(parts: MilestoneParts) -> Self {
        MilestoneSupervisor {
            ctx: parts.ctx,
            checkpoint: parts.checkpoint,
            scheduler: parts.scheduler,
            waves: parts.waves,
            slots: parts.slots,
            active: BTreeSet::new(),
            parked: BTreeSet::new(),
            held: BTreeSet::new(),
            stopping: None,
            writes: 0,
            progress: parts.progress,
            done: Some(parts.done),
        }
    }

    /// Starts every issue whose blockers are merged.
    fn dispatch(&mut self, ctx: &mut Context<Self>) {
        if self.stopping.is_some() {
            return self.maybe_finish(ctx);
        }
        for issue in self.scheduler.ready() {
            let Some(wave) = self.scheduler.wave_of(issue) else {
                continue;
            };
            if let Err(e) = self.scheduler.mark_active(issue) {
                tracing::error!(issue = issue.0, %e, "scheduler refused to start an issue");
                continue;
            }
            self.active.insert(issue);
            self.waves[&wave].do_send(StartIssue { issue });
        }
        self.maybe_finish(ctx);
    }

    /// Persists the skips a failure or skip propagated to dependents.
    fn persist_skips(&mut self, skips: Vec<(IssueNumber, String)>, ctx: &mut Context<Self>) {
        for (issue, reason) in skips {
            self.writes += 1;
            let msg = Transition {
                run: self.ctx.run_id,
                issue,
                to: IssueState::Skipped,
                patch: IssuePatch::new().skip_reason(reason.clone()),
            };
            let send = self.checkpoint.send(msg);
            ctx.spawn(send.into_actor(self).map(move |result, act, ctx| {
                act.writes -= 1;
                match result {
                    Ok(Ok((from, row))) => {
                        let event = IssueProgressed {
                            issue,
                            from,
                            to: IssueState::Skipped,
                            pr: row.pr,
                            note: Some(reason),
                        };
                        let title = row.title.clone();
                        act.progress.transition(&event, &title);
                    }
                    Ok(Err(e)) => tracing::error!(issue = issue.0, %e, "could not record a skip"),
                    Err(e) => tracing::error!(issue = issue.0, %e, "checkpoint actor unavailable"),
                }
                act.maybe_finish(ctx);
            }));
        }
    }

    fn record_outcome(
        &mut self,
        issue: IssueNumber,
        outcome: IssueOutcome,
        ctx: &mut Context<Self>,
    ) {
        let result = match outcome {
            IssueOutcome::Merged { .. } => self.scheduler.mark_merged(issue).map(|_| Vec::new()),
            IssueOutcome::Failed { reason } => self.scheduler.mark_failed(issue, &reason),
            IssueOutcome::Skipped { reason } => self.scheduler.mark_skipped(issue, &reason),
            IssueOutcome::AwaitingHuman { .. } => {
                self.parked.insert(issue);
                Ok(Vec::new())
            }
            IssueOutcome::BudgetSpent => {
                self.held.insert(issue);
                Ok(Vec::new())
            }
            IssueOutcome::Interrupted => Ok(Vec::new()),
        };
        match result {
            Ok(skips) => self.persist_skips(skips, ctx),
            Err(e) => tracing::error!(issue = issue.0, %e, "scheduler refused an outcome"),
        }
    }

    /// Ends the run once nothing is running, nothing can start and nothing is being written.
    fn maybe_finish(&mut self, ctx: &mut Context<Self>) {
        if !self.active.is_empty() || self.writes > 0 || self.done.is_none() {
            return;
        }
        if self.stopping.is_none() && !self.scheduler.ready().is_empty() {
            return;
        }
        let end = self.end_kind();
        let checkpoint = self.checkpoint.clone();
        let run = self.ctx.run_id;
        let finish = async move {
            let status = match &end {
                RunEnd::Finished(_) => {
                    let rows = checkpoint
                        .send(LoadIssues { run })
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    let states: Vec<IssueState> = rows.iter().map(|r| r.state).collect();
                    RunStatus::final_for(&states)
                }
                _ => RunStatus::Interrupted,
            };
            match checkpoint.send(SetRunStatus { run, status }).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(%e, "could not record the run's status"),
                Err(e) => tracing::error!(%e, "checkpoint actor unavailable for the run's status"),
            }
            match end {
                RunEnd::Finished(_) => RunEnd::Finished(status),
                other => other,
            }
        };
        ctx.spawn(finish.into_actor(self).map(|end, act, _ctx| {
            act.progress.finished(&end);
            if let Some(done) = act.done.take() {
                let _ = done.send(end);
            }
        }));
    }

    fn end_kind(&self) -> RunEnd {
        if let Some(cause) = self.stopping {
            return RunEnd::Stopped(cause);
        }
        if !self.held.is_empty() {
            return RunEnd::BudgetSpent(self.held.iter().copied().collect());
        }
        if !self.parked.is_empty() {
            return RunEnd::AwaitingHuman(self.parked.iter().copied().collect());
        }
        let stuck = self.scheduler.stuck();
        if !stuck.is_empty() {
            return RunEnd::Stuck(stuck);
        }
        RunEnd::Finished(RunStatus::Completed)
    }
}

impl Actor for MilestoneSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.dispatch(ctx);
    }
}

impl Handler<IssueEnded> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: IssueEnded, ctx: &mut Context<Self>) {
        self.active.remove(&msg.issue);
        self.record_outcome(msg.issue, msg.outcome, ctx);
        self.dispatch(ctx);
    }
}

impl Handler<IssueProgressed> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: IssueProgressed, _ctx: &mut Context<Self>) {
        let title = self
            .ctx
            .issues
            .get(&msg.issue)
            .map(|i| i.title.clone())
            .unwrap_or_default();
        self.progress.transition(&msg, &title);
    }
}

impl Handler<IssueNoted> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: IssueNoted, _ctx: &mut Context<Self>) {
        self.progress.note(&msg);
    }
}

impl Handler<IssueActivity> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: IssueActivity, _ctx: &mut Context<Self>) {
        self.progress.activity(&msg);
    }
}

impl Handler<Shutdown> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Shutdown, ctx: &mut Context<Self>) {
        if self.stopping.is_some() {
            return;
        }
        tracing::warn!(cause = ?msg.cause, "stopping: no new workers; running workers get SIGTERM");
        self.stopping = Some(msg.cause);
        self.slots.close();
        for wave in self.waves.values() {
            wave.do_send(StopWave { immediate: false });
        }
        let deadline = self.ctx.settings.shutdown_grace.get() + SHUTDOWN_MARGIN;
        ctx.run_later(deadline, |act, ctx| {
            if !act.active.is_empty() {
                tracing::error!(
                    left = act.active.len(),
                    "issue actors did not stop in time; killing their workers"
                );
                Registry::global().kill_all_now();
                act.active.clear();
            }
            act.maybe_finish(ctx);
        });
        self.maybe_finish(ctx);
    }
}
