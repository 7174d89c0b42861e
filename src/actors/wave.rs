//! `WaveSupervisor`: starts the issue actors of one wave when the milestone
//! supervisor says their blockers are merged, and restarts a crashed one
//! under its restart policy (`RestartPolicy::issue_actor`: transient,
//! one_for_one, intensity counted over the whole wave, restarts backing
//! off). Past the intensity it escalates to the milestone supervisor, which
//! decides what follows; a checkpoint crash escalates at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Addr, AsyncContext, Context, Handler, Recipient};

use super::issue::{IssueActor, IssueActorParts};
use crate::ids::IssueNumber;
use crate::issue::effects::Crash;
use crate::messages::{
    ActorExit, IssueActorStopped, IssueEnded, IssueEscalated, IssueOutcome, StartIssue, Stop,
    StopIssue,
};
use crate::supervision::{Decision, ExitReason, RestartPolicy, RestartTracker};

/// Builds what one issue actor needs (a fresh stop signal each time); the
/// recipient is where it reports that it stopped.
pub type ActorFactory = Arc<dyn Fn(IssueNumber, Recipient<IssueActorStopped>) -> IssueActorParts>;

/// What the wave supervisor reports to.
pub struct WaveParent {
    pub ended: Recipient<IssueEnded>,
    pub escalated: Recipient<IssueEscalated>,
}

pub struct WaveSupervisor {
    wave: u32,
    make: ActorFactory,
    parent: WaveParent,
    policy: RestartPolicy,
    children: HashMap<IssueNumber, Addr<IssueActor>>,
    /// One intensity count for the whole wave, as an OTP supervisor keeps.
    tracker: RestartTracker,
    stopping: Option<bool>,
}

impl WaveSupervisor {
    pub fn new(wave: u32, make: ActorFactory, parent: WaveParent, policy: RestartPolicy) -> Self {
        WaveSupervisor {
            wave,
            make,
            parent,
            policy,
            children: HashMap::new(),
            tracker: RestartTracker::new(),
            stopping: None,
        }
    }

    fn spawn_child(&mut self, issue: IssueNumber, ctx: &mut Context<Self>) {
        let parts = (self.make)(issue, ctx.address().recipient());
        let actor = IssueActor::new(parts).start();
        self.children.insert(issue, actor);
    }

    fn escalate(&self, issue: IssueNumber, crash: Crash, reason: String) {
        tracing::error!(wave = self.wave, issue = issue.0, %reason, "issue actor failed too often; escalating");
        self.parent.escalated.do_send(IssueEscalated {
            issue,
            crash,
            reason,
        });
    }

    fn on_crash(&mut self, issue: IssueNumber, crash: Crash, ctx: &mut Context<Self>) {
        if self.stopping.is_some() {
            // A crash while stopping needs no restart: the checkpoint has the state.
            return self.parent.ended.do_send(IssueEnded {
                issue,
                outcome: IssueOutcome::Interrupted,
            });
        }
        if crash.stops_the_run() {
            return self.escalate(issue, crash.clone(), crash.to_string());
        }
        let reason = ExitReason::Failed(crash.to_string());
        match self.tracker.on_exit(&self.policy, &reason, Instant::now()) {
            Decision::Restart { attempt } => {
                let delay = self.policy.backoff(attempt);
                tracing::warn!(wave = self.wave, issue = issue.0, attempt, delay_ms = delay.as_millis() as u64, %crash, "issue actor failed; restarting it from the checkpoint");
                let parts = (self.make)(issue, ctx.address().recipient());
                parts
                    .cx
                    .note(format!("restarting after an error ({attempt}): {crash}"));
                ctx.run_later(delay, move |act, ctx| {
                    if act.stopping.is_none() {
                        act.spawn_child(issue, ctx);
                    } else {
                        act.parent.ended.do_send(IssueEnded {
                            issue,
                            outcome: IssueOutcome::Interrupted,
                        });
                    }
                });
            }
            Decision::Escalate { reason } => self.escalate(issue, crash, reason),
            Decision::Stop => self.parent.ended.do_send(IssueEnded {
                issue,
                outcome: IssueOutcome::Interrupted,
            }),
        }
    }
}

impl Actor for WaveSupervisor {
    type Context = Context<Self>;
}

impl Handler<StartIssue> for WaveSupervisor {
    type Result = ();

    fn handle(&mut self, msg: StartIssue, ctx: &mut Context<Self>) {
        if self.stopping.is_none() && !self.children.contains_key(&msg.issue) {
            self.spawn_child(msg.issue, ctx);
        }
    }
}

impl Handler<Stop> for WaveSupervisor {
    type Result = ();

    fn handle(&mut self, msg: Stop, _ctx: &mut Context<Self>) {
        self.stopping = Some(self.stopping.unwrap_or(false) || msg.immediate);
        for child in self.children.values() {
            child.do_send(StopIssue {
                immediate: msg.immediate,
            });
        }
    }
}

impl Handler<IssueActorStopped> for WaveSupervisor {
    type Result = ();

    fn handle(&mut self, msg: IssueActorStopped, ctx: &mut Context<Self>) {
        let issue = msg.issue;
        self.children.remove(&issue);
        match msg.exit {
            ActorExit::Finished(outcome) => {
                self.parent.ended.do_send(IssueEnded { issue, outcome })
            }
            ActorExit::Crashed(crash) => self.on_crash(issue, crash, ctx),
        }
    }
}
