//! `IssueActor`: drives one issue through its flow (worker, PR, review,
//! merge) and owns the one worker subprocess that flow runs at a time. A
//! shell: the decisions are in `run::flow` and `review`.

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Recipient, WrapFuture,
};
use tracing::Instrument;

use crate::messages::{ActorExit, IssueActorStopped, StopIssue};
use crate::run::flow::{self, IssueEnv};

pub struct IssueActor {
    env: IssueEnv,
    parent: Recipient<IssueActorStopped>,
    exit: Option<ActorExit>,
}

impl IssueActor {
    pub fn new(env: IssueEnv, parent: Recipient<IssueActorStopped>) -> Self {
        IssueActor {
            env,
            parent,
            exit: None,
        }
    }
}

impl Actor for IssueActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let env = self.env.clone();
        let span = tracing::info_span!("issue", milestone = %env.ctx.label, issue = env.issue.0, wave = env.ctx.issue(env.issue).wave);
        let work = async move { flow::drive(&env).await }.instrument(span);
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            act.exit = Some(match result {
                Ok(outcome) => ActorExit::Finished(outcome),
                Err(e) => ActorExit::Crashed(e.to_string()),
            });
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        // Stopped without an exit means the actor was torn down mid-flight.
        let exit = self
            .exit
            .take()
            .unwrap_or_else(|| ActorExit::Crashed("stopped before finishing".into()));
        self.parent.do_send(IssueActorStopped {
            issue: self.env.issue,
            exit,
        });
    }
}

impl Handler<StopIssue> for IssueActor {
    type Result = ();

    fn handle(&mut self, msg: StopIssue, _ctx: &mut Context<Self>) {
        if msg.immediate {
            self.env.stop.stop_now();
        } else {
            self.env.stop.stop();
        }
    }
}
