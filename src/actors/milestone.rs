//! `MilestoneSupervisor`: owns the run. It releases issues to their wave
//! supervisors as their blockers merge, skips the dependents of an issue
//! that failed or was skipped, and coordinates by message what issues
//! share: worker slots (`--parallel`), the budget cap's decision (a human
//! is asked while everything else goes on), one merge at a time. It
//! forwards questions to the approval actor, decides what an escalated
//! crash means (a checkpoint failure stops the run; anything else fails
//! the issue), stops the tree on shutdown, and writes the run's status.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use actix::{
    Actor, ActorFutureExt, Addr, AsyncContext, Context, Handler, ResponseActFuture, ResponseFuture,
    WrapFuture,
};
use tokio::sync::oneshot;

use super::{ApprovalActor, CheckpointActor, WaveSupervisor};
use crate::checkpoint::{IssueState, QuestionKind, RunStatus};
use crate::context::RunContext;
use crate::coord::budget::question_text;
use crate::coord::{Admission, BudgetGate, Turnstile};
use crate::human::{Answer, AskError, Question};
use crate::ids::IssueNumber;
use crate::issue::effects::{Refusal, SlotFor};
use crate::issue::stored::Change;
use crate::messages::approval::{Announce, SetParent};
use crate::messages::checkpoint::{ChangeIssue, LoadIssues, SetBudget, SetRunStatus};
use crate::messages::{
    ApprovalFailed, Ask, CostRecorded, IssueActivity, IssueEnded, IssueEscalated, IssueNoted,
    IssueOutcome, IssueProgressed, MergeTurn, Notify, ReleaseMergeTurn, ReleaseSlot,
    RequestMergeTurn, RequestSlot, RunEnd, Shutdown, SlotGrant, StartIssue, Stop, StopCause,
    Withdraw,
};
use crate::notify::{Notice, NoticeKind};
use crate::progress::ProgressSink;
use crate::schedule::Scheduler;
use crate::worker::Registry;

/// How long after the shutdown grace a stuck issue actor gets before the run ends without it.
const SHUTDOWN_MARGIN: Duration = Duration::from_secs(5);

type SlotWaiter = oneshot::Sender<Result<SlotGrant, Refusal>>;
/// The order in which queued slot requests are served (lowest first).
type SlotRank = (u8, Reverse<u32>, IssueNumber);
type TurnWaiter = oneshot::Sender<Option<MergeTurn>>;

pub struct MilestoneSupervisor {
    ctx: Arc<RunContext>,
    checkpoint: Addr<CheckpointActor>,
    approvals: Addr<ApprovalActor>,
    scheduler: Scheduler,
    waves: BTreeMap<u32, Addr<WaveSupervisor>>,
    slots: Turnstile<(IssueNumber, SlotFor), SlotWaiter, SlotRank>,
    /// Worker requests held back by the budget cap until a human answers.
    held_by_budget: Vec<(IssueNumber, SlotWaiter)>,
    budget: BudgetGate,
    merges: Turnstile<IssueNumber, TurnWaiter>,
    /// Issues whose actor is alive.
    active: BTreeSet<IssueNumber>,
    /// Issues waiting for an answer nobody could be asked.
    parked: BTreeSet<IssueNumber>,
    /// Issues held back because the budget cap is spent and a human said stop.
    held: BTreeSet<IssueNumber>,
    stopping: Option<(StopCause, bool)>,
    /// Checkpoint writes in flight; the run does not end before they land.
    writes: usize,
    progress: Box<dyn ProgressSink>,
    done: Option<oneshot::Sender<RunEnd>>,
}

/// What the supervisor is built from.
pub struct MilestoneParts {
    pub ctx: Arc<RunContext>,
    pub checkpoint: Addr<CheckpointActor>,
    pub approvals: Addr<ApprovalActor>,
    pub scheduler: Scheduler,
    pub waves: BTreeMap<u32, Addr<WaveSupervisor>>,
    pub budget: BudgetGate,
    pub progress: Box<dyn ProgressSink>,
    pub done: oneshot::Sender<RunEnd>,
}

impl MilestoneSupervisor {
    pub fn new(parts: MilestoneParts) -> Self {
        let parallel = parts.ctx.settings.parallel;
        MilestoneSupervisor {
            ctx: parts.ctx,
            checkpoint: parts.checkpoint,
            approvals: parts.approvals,
            scheduler: parts.scheduler,
            waves: parts.waves,
            slots: Turnstile::new(parallel),
            held_by_budget: Vec::new(),
            budget: parts.budget,
            merges: Turnstile::new(1),
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

    /// Applies a machine change to issues no actor holds (skips for a
    /// blocker, a failure after an escalation), then reports it.
    fn change_issues(&mut self, changes: Vec<(IssueNumber, Change)>, ctx: &mut Context<Self>) {
        for (issue, change) in changes {
            self.writes += 1;
            let note = match &change {
                Change::Block { reason } | Change::Fail { reason } => Some(reason.clone()),
                Change::Resume { .. } => None,
            };
            let msg = ChangeIssue {
                run: self.ctx.run_id,
                issue,
                change,
            };
            let send = self.checkpoint.send(msg);
            ctx.spawn(send.into_actor(self).map(move |result, act, ctx| {
                act.writes -= 1;
                match result {
                    Ok(Ok((from, row))) => {
                        let event = IssueProgressed {
                            issue,
                            from,
                            to: row.state,
                            pr: row.pr,
                            note,
                        };
                        let title = row.title.clone();
                        act.progress.transition(&event, &title);
                    }
                    Ok(Err(e)) => tracing::error!(issue = issue.0, %e, "could not record a change"),
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
            Ok(skips) => {
                let changes = skips
                    .into_iter()
                    .map(|(issue, reason)| (issue, Change::Block { reason }))
                    .collect();
                self.change_issues(changes, ctx);
            }
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
        if let Some((cause, _)) = self.stopping {
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

    /// Stops the tree: gracefully first, at once on a second request or
    /// when the grace runs out.
    fn stop(&mut self, cause: StopCause, immediate: bool, ctx: &mut Context<Self>) {
        let first = self.stopping.is_none();
        self.stopping = Some((cause, immediate));
        for waiter in self.slots.drain() {
            let _ = waiter.send(Err(Refusal::Stopping));
        }
        for (_, waiter) in self.held_by_budget.drain(..) {
            let _ = waiter.send(Err(Refusal::Stopping));
        }
        for waiter in self.merges.drain() {
            let _ = waiter.send(None);
        }
        for wave in self.waves.values() {
            wave.do_send(Stop { immediate });
        }
        if first {
            let deadline = self.ctx.settings.shutdown_grace.get();
            ctx.run_later(deadline, move |act, ctx| {
                if !act.active.is_empty() {
                    tracing::warn!(
                        left = act.active.len(),
                        "the shutdown grace ran out; stopping every worker now"
                    );
                    act.stop(cause, true, ctx);
                }
            });
            ctx.run_later(deadline + SHUTDOWN_MARGIN, |act, ctx| {
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
        }
        self.maybe_finish(ctx);
    }

    /// Hands out the slot to `issue` for `purpose`, or queues the request.
    fn grant_slot(
        &mut self,
        issue: IssueNumber,
        purpose: SlotFor,
        waiter: SlotWaiter,
        ctx: &mut Context<Self>,
    ) {
        let rank = self.slot_rank(issue, purpose);
        if let Some(admitted) = self.slots.enter((issue, purpose), rank, waiter) {
            self.hand_out(vec![admitted], ctx);
        }
    }

    /// Who gets a free slot first: moving the shared checkout (quick, and it
    /// holds up the next worker), then the issue with the longest chain of
    /// dependents, then the lower number.
    fn slot_rank(&self, issue: IssueNumber, purpose: SlotFor) -> SlotRank {
        let checkout_first = u8::from(purpose != SlotFor::Checkout);
        let levels = Reverse(self.scheduler.levels_below(issue));
        (checkout_first, levels, issue)
    }

    /// Gives tickets the turnstile let through to their waiters. A worker
    /// that queued for a slot is admitted by the budget again now: the
    /// workers that ran meanwhile may have spent the cap.
    fn hand_out(&mut self, mut admitted: Vec<(u64, SlotWaiter)>, ctx: &mut Context<Self>) {
        while let Some((id, waiter)) = admitted.pop() {
            let who = self.slots.holder(id).copied();
            if let Some((issue, SlotFor::Worker)) = who
                && self.budget.admission() != Admission::Go
            {
                admitted.extend(self.slots.leave(id));
                self.admit_worker(issue, waiter, ctx);
                continue;
            }
            let grant = SlotGrant {
                id,
                release: ctx.address().recipient(),
            };
            if let Err(Ok(grant)) = waiter.send(Ok(grant)) {
                // The issue stopped waiting: the slot goes back at once.
                drop(grant);
            }
        }
    }

    /// Asks a human whether to raise the cap, once for everyone waiting.
    fn ask_budget(&mut self, ctx: &mut Context<Self>) {
        if self.budget.asking {
            return;
        }
        self.budget.asking = true;
        let question = Question {
            kind: QuestionKind::Budget,
            issue: None,
            pr: None,
            head_sha: None,
            text: question_text(
                &self.ctx.label,
                self.budget.spent,
                self.budget.cap.unwrap_or(0.0),
            ),
        };
        let ask = self.approvals.send(Ask {
            run: self.ctx.run_id,
            question,
        });
        ctx.spawn(ask.into_actor(self).map(|answer, act, ctx| {
            act.budget.asking = false;
            act.on_budget_answer(answer, ctx);
        }));
    }

    fn on_budget_answer(
        &mut self,
        answer: Result<Result<Answer, AskError>, actix::MailboxError>,
        ctx: &mut Context<Self>,
    ) {
        match answer {
            Ok(Ok(Answer::Raise { usd, .. })) => match self.budget.raise(usd) {
                Ok(()) => {
                    self.checkpoint.do_send(SetBudget {
                        run: self.ctx.run_id,
                        usd: Some(usd),
                    });
                }
                Err(text) => self.approvals.do_send(Notify { text }),
            },
            Ok(Ok(Answer::Stop { .. })) => self.budget.stopped = true,
            Ok(Ok(other)) => {
                tracing::warn!(?other, "an answer that does not fit the budget question")
            }
            Ok(Err(AskError::Unavailable(why))) => self.budget.unanswerable = Some(why),
            Ok(Err(AskError::Withdrawn(_))) => {}
            Err(e) => {
                self.budget.unanswerable = Some(format!("the approval actor did not answer: {e}"))
            }
        }
        let waiting: Vec<_> = self.held_by_budget.drain(..).collect();
        for (issue, waiter) in waiting {
            self.admit_worker(issue, waiter, ctx);
        }
    }

    /// A worker slot for `issue`, if the budget allows one more worker.
    fn admit_worker(&mut self, issue: IssueNumber, waiter: SlotWaiter, ctx: &mut Context<Self>) {
        match self.budget.admission() {
            Admission::Go => self.grant_slot(issue, SlotFor::Worker, waiter, ctx),
            Admission::Stopped => {
                let _ = waiter.send(Err(Refusal::BudgetSpent));
            }
            Admission::Unanswerable(why) => {
                let _ = waiter.send(Err(Refusal::BudgetUnanswered(why)));
            }
            Admission::Wait => {
                self.held_by_budget.push((issue, waiter));
                self.ask_budget(ctx);
            }
        }
    }
}

impl Actor for MilestoneSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.approvals.do_send(SetParent {
            parent: ctx.address().recipient(),
        });
        self.dispatch(ctx);
    }
}

impl Handler<ApprovalFailed> for MilestoneSupervisor {
    type Result = ();

    /// The approval actor is temporary: its failure stops the run, which a
    /// resume takes up with every question still in the checkpoint.
    fn handle(&mut self, msg: ApprovalFailed, ctx: &mut Context<Self>) {
        tracing::error!(reason = %msg.reason, "the approval actor failed; stopping the run");
        self.stop(StopCause::Fault, false, ctx);
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

impl Handler<IssueEscalated> for MilestoneSupervisor {
    type Result = ();

    /// A checkpoint that failed cannot be trusted to go on: the run stops
    /// (resumable). Any other fault ends the issue, failed, with the reason.
    fn handle(&mut self, msg: IssueEscalated, ctx: &mut Context<Self>) {
        self.active.remove(&msg.issue);
        if msg.crash.stops_the_run() {
            tracing::error!(issue = msg.issue.0, crash = %msg.crash, "the checkpoint failed; stopping the run");
            self.progress.note(&IssueNoted {
                issue: msg.issue,
                text: format!("stopping the run: {}", msg.crash),
            });
            return self.stop(StopCause::Fault, true, ctx);
        }
        let reason = format!("gave up: {}", msg.reason);
        let _ = self.scheduler.mark_failed(msg.issue, &reason).map(|skips| {
            let mut changes = vec![(
                msg.issue,
                Change::Fail {
                    reason: reason.clone(),
                },
            )];
            changes.extend(
                skips
                    .into_iter()
                    .map(|(i, r)| (i, Change::Block { reason: r })),
            );
            self.change_issues(changes, ctx);
        });
        self.dispatch(ctx);
    }
}

impl Handler<RequestSlot> for MilestoneSupervisor {
    type Result = ResponseFuture<Result<SlotGrant, Refusal>>;

    fn handle(&mut self, msg: RequestSlot, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        if self.stopping.is_some() {
            let _ = tx.send(Err(Refusal::Stopping));
        } else if msg.purpose == SlotFor::Worker {
            self.admit_worker(msg.issue, tx, ctx);
        } else {
            self.grant_slot(msg.issue, msg.purpose, tx, ctx);
        }
        Box::pin(async move { rx.await.unwrap_or(Err(Refusal::Stopping)) })
    }
}

impl Handler<ReleaseSlot> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: ReleaseSlot, ctx: &mut Context<Self>) {
        let admitted = self.slots.leave(msg.id);
        self.hand_out(admitted, ctx);
    }
}

impl Handler<RequestMergeTurn> for MilestoneSupervisor {
    type Result = ResponseFuture<Option<MergeTurn>>;

    fn handle(&mut self, msg: RequestMergeTurn, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        if self.stopping.is_some() {
            let _ = tx.send(None);
        } else if let Some((id, tx)) = self.merges.enter(msg.issue, (), tx) {
            let turn = MergeTurn {
                id,
                release: ctx.address().recipient(),
            };
            if let Err(Some(turn)) = tx.send(Some(turn)) {
                drop(turn);
            }
        }
        Box::pin(async move { rx.await.unwrap_or(None) })
    }
}

impl Handler<ReleaseMergeTurn> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: ReleaseMergeTurn, ctx: &mut Context<Self>) {
        for (id, waiter) in self.merges.leave(msg.id) {
            let turn = MergeTurn {
                id,
                release: ctx.address().recipient(),
            };
            if let Err(Some(turn)) = waiter.send(Some(turn)) {
                drop(turn);
            }
        }
    }
}

impl Handler<CostRecorded> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: CostRecorded, _ctx: &mut Context<Self>) {
        self.budget.spent = self.budget.spent.max(msg.run_total);
    }
}

impl Handler<Ask> for MilestoneSupervisor {
    type Result = ResponseActFuture<Self, Result<Answer, AskError>>;

    /// Questions go to the approval actor of the moment.
    fn handle(&mut self, msg: Ask, _ctx: &mut Context<Self>) -> Self::Result {
        let send = self.approvals.send(msg);
        Box::pin(send.into_actor(self).map(|answer, _act, _ctx| {
            answer.unwrap_or_else(|e| {
                Err(AskError::Unavailable(format!(
                    "the approval actor did not answer: {e}"
                )))
            })
        }))
    }
}

impl Handler<Withdraw> for MilestoneSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Withdraw, _ctx: &mut Context<Self>) {
        self.approvals.do_send(msg);
    }
}

impl Handler<Notify> for MilestoneSupervisor {
    type Result = ();

    /// An issue's notices are its failures (CI failed past its fixes): the
    /// notification hooks get them as `issue_failed`.
    fn handle(&mut self, msg: Notify, _ctx: &mut Context<Self>) {
        let notice = Notice::new(NoticeKind::IssueFailed, msg.text);
        self.approvals.do_send(Announce { notice });
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

    /// The first request stops gracefully, a second one at once.
    fn handle(&mut self, msg: Shutdown, ctx: &mut Context<Self>) {
        let immediate = self.stopping.is_some();
        if !immediate {
            tracing::warn!(cause = ?msg.cause, "stopping: no new workers; running workers get SIGTERM");
        }
        self.stop(msg.cause, immediate, ctx);
    }
}
