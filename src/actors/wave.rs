//! `WaveSupervisor`: starts the issue actors of one wave when the milestone
//! supervisor says their blockers are merged, and restarts a failed one
//! under the restart policy (transient, at most 3 times in 10 minutes),
//! escalating past that: the issue is marked failed with the reason.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, ActorFutureExt, Addr, AsyncContext, Context, Handler, Recipient, WrapFuture};

use super::IssueActor;
use crate::ids::IssueNumber;
use crate::messages::{ActorExit, IssueActorStopped, IssueEnded, StartIssue, StopIssue, StopWave};
use crate::run::flow::IssueEnv;
use crate::run::outcome::IssueOutcome;
use crate::supervision::{Decision, ExitReason, RestartPolicy, RestartTracker};

/// Builds the environment for one issue actor (a fresh stop signal each time).
pub type EnvFactory = Arc<dyn Fn(IssueNumber) -> IssueEnv>;

pub struct WaveSupervisor {
    wave: u32,
    make_env: EnvFactory,
    parent: Recipient<IssueEnded>,
    policy: RestartPolicy,
    children: HashMap<IssueNumber, Addr<IssueActor>>,
    trackers: HashMap<IssueNumber, RestartTracker>,
    stopping: bool,
}

impl WaveSupervisor {
    pub fn new(
        wave: u32,
        make_env: EnvFactory,
        parent: Recipient<IssueEnded>,
        policy: RestartPolicy,
    ) -> Self {
        WaveSupervisor {
            wave,
            make_env,
            parent,
            policy,
            children: HashMap::new(),
            trackers: HashMap::new(),
            stopping: false,
        }
    }

    fn spawn_child(&mut self, issue: IssueNumber, ctx: &mut Context<Self>) {
        let env = (self.make_env)(issue);
        let actor = IssueActor::new(env, ctx.address().recipient()).start();
        self.children.insert(issue, actor);
    }

    /// Marks the issue failed in the checkpoint, then reports it.
    fn escalate(&mut self, issue: IssueNumber, reason: String, ctx: &mut Context<Self>) {
        tracing::error!(wave = self.wave, issue = issue.0, %reason, "issue actor failed too often; giving up on the issue");
        let env = (self.make_env)(issue);
        let parent = self.parent.clone();
        let persist = async move { env.fail(format!("gave up: {reason}")).await };
        ctx.spawn(persist.into_actor(self).map(move |result, _act, _ctx| {
            let outcome = match result {
                Ok(outcome) => outcome,
                Err(e) => IssueOutcome::Failed {
                    reason: format!("gave up, and could not record it: {e}"),
                },
            };
            parent.do_send(IssueEnded { issue, outcome });
        }));
    }
}

impl Actor for WaveSupervisor {
    type Context = Context<Self>;
}

impl Handler<StartIssue> for WaveSupervisor {
    type Result = ();

    fn handle(&mut self, msg: StartIssue, ctx: &mut Context<Self>) {
        if !self.stopping && !self.children.contains_key(&msg.issue) {
            self.spawn_child(msg.issue, ctx);
        }
    }
}

impl Handler<StopWave> for WaveSupervisor {
    type Result = ();

    fn handle(&mut self, msg: StopWave, _ctx: &mut Context<Self>) {
        self.stopping = true;
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
        let error = match msg.exit {
            ActorExit::Finished(outcome) => {
                return self.parent.do_send(IssueEnded { issue, outcome });
            }
            ActorExit::Crashed(error) => error,
        };
        if self.stopping {
            // A crash while stopping needs no restart: the checkpoint has the state.
            return self.parent.do_send(IssueEnded {
                issue,
                outcome: IssueOutcome::Interrupted,
            });
        }
        let tracker = self.trackers.entry(issue).or_default();
        match tracker.on_exit(
            &self.policy,
            &ExitReason::Failed(error.clone()),
            Instant::now(),
        ) {
            Decision::Restart { attempt } => {
                tracing::warn!(wave = self.wave, issue = issue.0, attempt, %error, "issue actor failed; restarting it from the checkpoint");
                (self.make_env)(issue)
                    .note(format!("restarting after an error ({attempt}): {error}"));
                self.spawn_child(issue, ctx);
            }
            Decision::Escalate { reason } => self.escalate(issue, reason, ctx),
            Decision::Stop => self.parent.do_send(IssueEnded {
                issue,
                outcome: IssueOutcome::Interrupted,
            }),
        }
    }
}
