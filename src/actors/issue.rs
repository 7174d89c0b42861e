//! `IssueActor`: the thin shell around one issue's machine. It enters the
//! machine from the checkpoint (a fresh run, a resume and a restart alike),
//! saves every transition before its actions run, performs the actions one
//! at a time as cancellable futures, and feeds each result back to the
//! machine as an event. A stop request is honoured between any two actions;
//! a running worker is stopped through the stop signal its wait obeys.

use std::collections::VecDeque;
use std::sync::Arc;

use actix::{
    Actor, ActorContext, ActorFutureExt, Addr, AsyncContext, Context, Handler, Recipient,
    WrapFuture,
};
use chrono::Utc;
use tracing::Instrument;

use super::CheckpointActor;
use crate::checkpoint::{IssuePatch, IssueState};
use crate::issue::effects::{self, Crash, IssueCtx, Performed};
use crate::issue::machine::{Action, Cx, End, Event, IssueMachine, ParkWhy, next};
use crate::messages::checkpoint::{LoadIssue, SaveMachine, Transition};
use crate::messages::{ActorExit, IssueActorStopped, IssueOutcome, IssueProgressed, StopIssue};
use crate::review::Limits;

pub struct IssueActor {
    cx: Arc<IssueCtx>,
    checkpoint: Addr<CheckpointActor>,
    progress: Recipient<IssueProgressed>,
    parent: Recipient<IssueActorStopped>,
    limits: Limits,
    machine: Option<IssueMachine>,
    queue: VecDeque<Action>,
    stopping: bool,
    exit: Option<ActorExit>,
}

/// Where the actor's handles come from.
pub struct IssueActorParts {
    pub cx: IssueCtx,
    pub checkpoint: Addr<CheckpointActor>,
    pub progress: Recipient<IssueProgressed>,
    pub parent: Recipient<IssueActorStopped>,
}

impl IssueActor {
    pub fn new(parts: IssueActorParts) -> Self {
        let limits = Limits::from_settings(&parts.cx.run.settings);
        IssueActor {
            cx: Arc::new(parts.cx),
            checkpoint: parts.checkpoint,
            progress: parts.progress,
            parent: parts.parent,
            limits,
            machine: None,
            queue: VecDeque::new(),
            stopping: false,
            exit: None,
        }
    }

    fn span(&self) -> tracing::Span {
        let run = &self.cx.run;
        tracing::info_span!("issue", milestone = %run.label, issue = self.cx.issue.0, wave = run.issue(self.cx.issue).wave)
    }

    /// Ends the actor with `exit`.
    fn end(&mut self, exit: ActorExit, ctx: &mut Context<Self>) {
        self.exit = Some(exit);
        ctx.stop();
    }

    fn crash(&mut self, crash: Crash, ctx: &mut Context<Self>) {
        tracing::error!(issue = self.cx.issue.0, %crash, "issue actor failed");
        self.end(ActorExit::Crashed(crash), ctx);
    }

    /// Feeds `event` to the machine; a pair it rejects fails the issue.
    fn feed(&mut self, event: Event, ctx: &mut Context<Self>) {
        let Some(machine) = self.machine.clone() else {
            return self.crash(
                Crash::Bug("an event before the machine was loaded".into()),
                ctx,
            );
        };
        if let Event::Review(review_event) = &event
            && let Some(text) = effects::describe_review(review_event)
        {
            self.cx.note(text);
        }
        let cx = Cx {
            limits: &self.limits,
            now: Utc::now(),
        };
        match next(&machine, event, &cx) {
            Ok(t) => self.save(t.machine, t.actions.into(), None, ctx),
            Err(rejected) => {
                tracing::error!(
                    issue = self.cx.issue.0,
                    stage = rejected.stage,
                    event = rejected.event,
                    reason = %rejected.reason,
                    "the issue machine rejected an event; the issue fails"
                );
                let failed = machine.failed(format!("unexpected {rejected}"));
                let note = Some(format!("rejected {}", rejected.event));
                self.save(failed, VecDeque::new(), note, ctx);
            }
        }
    }

    /// Saves `machine` (and its row columns), then runs `actions`.
    fn save(
        &mut self,
        machine: IssueMachine,
        actions: VecDeque<Action>,
        note: Option<String>,
        ctx: &mut Context<Self>,
    ) {
        let msg = SaveMachine {
            run: self.cx.run.run_id,
            issue: self.cx.issue,
            machine: machine.to_json(),
            cols: machine.columns(),
            note,
        };
        let send = self.checkpoint.send(msg);
        ctx.spawn(
            send.into_actor(self)
                .map(move |saved, act, ctx| match saved {
                    Ok(Ok((from, row))) => {
                        if from != row.state {
                            act.progress.do_send(IssueProgressed {
                                issue: act.cx.issue,
                                from,
                                to: row.state,
                                pr: row.pr,
                                note: None,
                            });
                        }
                        act.machine = Some(machine);
                        act.queue = actions;
                        act.run_next(ctx);
                    }
                    Ok(Err(e)) => act.crash(Crash::Checkpoint(e.to_string()), ctx),
                    Err(_) => act.crash(
                        Crash::Checkpoint("the checkpoint actor is gone".into()),
                        ctx,
                    ),
                }),
        );
    }

    /// Performs the next action, or ends the actor where the machine waits.
    fn run_next(&mut self, ctx: &mut Context<Self>) {
        if self.stopping {
            return self.end(ActorExit::Finished(IssueOutcome::Interrupted), ctx);
        }
        let Some(machine) = self.machine.clone() else {
            return;
        };
        let Some(action) = self.queue.pop_front() else {
            return match machine.end() {
                Some(end) => self.end(ActorExit::Finished(outcome_of(end)), ctx),
                None => self.crash(
                    Crash::Bug(format!("no action in stage {}", machine.stage.name())),
                    ctx,
                ),
            };
        };
        if let Action::Park { why } = action {
            let outcome = match why {
                ParkWhy::BudgetSpent => IssueOutcome::BudgetSpent,
                ParkWhy::AwaitingHuman { question } => IssueOutcome::AwaitingHuman { question },
            };
            return self.end(ActorExit::Finished(outcome), ctx);
        }
        let cx = self.cx.clone();
        let work =
            async move { effects::perform(&cx, &machine, &action).await }.instrument(self.span());
        ctx.spawn(
            work.into_actor(self)
                .map(|performed, act, ctx| match performed {
                    Ok(Performed::Event(event)) => act.feed(event, ctx),
                    Ok(Performed::Nothing) => act.run_next(ctx),
                    Ok(Performed::Stopped) => {
                        act.end(ActorExit::Finished(IssueOutcome::Interrupted), ctx)
                    }
                    Err(crash) => act.crash(crash, ctx),
                }),
        );
    }
}

/// What the supervisor hears when the issue ended.
pub fn outcome_of(end: &End) -> IssueOutcome {
    match end {
        End::Merged { pr, .. } => IssueOutcome::Merged { pr: *pr },
        End::Skipped { reason, .. } => IssueOutcome::Skipped {
            reason: reason.clone(),
        },
        End::Failed { reason } => IssueOutcome::Failed {
            reason: reason.clone(),
        },
    }
}

impl IssueActor {
    /// Records the issue as failed with `reason`, leaving its saved machine
    /// alone, then ends.
    fn fail_unreadable(&mut self, reason: String, ctx: &mut Context<Self>) {
        let record = self.checkpoint.send(Transition {
            run: self.cx.run.run_id,
            issue: self.cx.issue,
            to: IssueState::Failed,
            patch: IssuePatch::new().last_error(reason.clone()),
        });
        ctx.spawn(record.into_actor(self).map(move |recorded, act, ctx| {
            if !matches!(recorded, Ok(Ok(_))) {
                return act.crash(Crash::Checkpoint(format!("record that {reason}")), ctx);
            }
            act.end(ActorExit::Finished(IssueOutcome::Failed { reason }), ctx);
        }));
    }
}

impl Actor for IssueActor {
    type Context = Context<Self>;

    /// Loads the machine from the checkpoint and enters it.
    fn started(&mut self, ctx: &mut Context<Self>) {
        let load = self.checkpoint.send(LoadIssue {
            run: self.cx.run.run_id,
            issue: self.cx.issue,
        });
        ctx.spawn(load.into_actor(self).map(|loaded, act, ctx| {
            let row = match loaded {
                Ok(Ok(row)) => row,
                Ok(Err(e)) => return act.crash(Crash::Checkpoint(e.to_string()), ctx),
                Err(_) => {
                    return act.crash(
                        Crash::Checkpoint("the checkpoint actor is gone".into()),
                        ctx,
                    );
                }
            };
            match IssueMachine::of_row(&row) {
                Ok(machine) => {
                    act.machine = Some(machine);
                    act.feed(Event::Entered, ctx);
                }
                // Never a silent fresh start: the issue ends saying why.
                // Its state column says failed, its saved machine is kept
                // for a version that can read it (or `--reset-attempts`).
                Err(unreadable) => act.fail_unreadable(unreadable.to_string(), ctx),
            }
        }));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // Stopped without an exit means the actor was torn down mid-flight.
        let exit = self
            .exit
            .take()
            .unwrap_or(ActorExit::Finished(IssueOutcome::Interrupted));
        self.parent.do_send(IssueActorStopped {
            issue: self.cx.issue,
            exit,
        });
    }
}

impl Handler<StopIssue> for IssueActor {
    type Result = ();

    /// Stops between actions; the running action's waits and worker obey
    /// the stop signal and come back `Stopped`.
    fn handle(&mut self, msg: StopIssue, _ctx: &mut Context<Self>) {
        self.stopping = true;
        if msg.immediate {
            self.cx.stop.stop_now();
        } else {
            self.cx.stop.stop();
        }
    }
}
