//! `ApprovalActor`: the shell around the approval engine, the one place
//! that talks to a human (Telegram, the terminal, or the automatic
//! approver). Its handlers forward each message to the engine together with
//! the reply sender actix gave them, so the engine answers when the human
//! does, and an `Ask` whose caller stopped waiting is noticed.
//!
//! Restart kind: temporary (`RestartPolicy::approvals` documents why). Its
//! parent, the milestone supervisor, is told if the engine ends while the
//! actor lives, and stops the run: a second engine would read the terminal
//! beside the first or poll Telegram again, which a resume does cleanly
//! (every question and the Telegram offset are in the checkpoint).

use actix::dev::{MessageResponse, OneshotSender};
use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, Recipient,
    WrapFuture,
};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::task::AbortHandle;

use crate::approval::engine::{self, ApprovalConfig, Command};
use crate::messages::ApprovalFailed;
use crate::messages::approval::{Ask, Notify, SetParent, Withdraw};

pub struct ApprovalActor {
    commands: UnboundedSender<Command>,
    /// Taken when the actor starts.
    pending: Option<(ApprovalConfig, UnboundedReceiver<Command>)>,
    engine: Option<AbortHandle>,
    parent: Option<Recipient<ApprovalFailed>>,
}

impl ApprovalActor {
    pub fn new(config: ApprovalConfig) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        ApprovalActor {
            commands,
            pending: Some((config, rx)),
            engine: None,
            parent: None,
        }
    }
}

impl Actor for ApprovalActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let Some((config, rx)) = self.pending.take() else {
            return;
        };
        let handle = engine::start(config, rx);
        self.engine = Some(handle.abort_handle());
        // The engine ends only when the actor does; ending before is a failure.
        ctx.spawn(handle.into_actor(self).map(|ended, act, ctx| {
            let reason = match ended {
                Ok(()) => "the approval engine stopped".to_string(),
                Err(e) => format!("the approval engine failed: {e}"),
            };
            tracing::error!(%reason, "nobody can be asked any more");
            if let Some(parent) = &act.parent {
                parent.do_send(ApprovalFailed { reason });
            }
            act.engine = None;
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some(engine) = self.engine.take() {
            engine.abort();
        }
    }
}

impl Drop for ApprovalActor {
    fn drop(&mut self) {
        if let Some(engine) = self.engine.take() {
            engine.abort();
        }
    }
}

impl Handler<SetParent> for ApprovalActor {
    type Result = ();

    fn handle(&mut self, msg: SetParent, _ctx: &mut Context<Self>) {
        self.parent = Some(msg.parent);
    }
}

/// A handler's answer that the engine gives later: the command is built
/// around actix's reply sender and queued. If the engine is gone the
/// sender is dropped, and the caller sees the mailbox closed.
pub struct Forward<M: Message> {
    commands: UnboundedSender<Command>,
    build: fn(M, Option<OneshotSender<M::Result>>) -> Command,
    msg: M,
}

impl<M: Message> MessageResponse<ApprovalActor, M> for Forward<M> {
    fn handle(self, _ctx: &mut Context<ApprovalActor>, tx: Option<OneshotSender<M::Result>>) {
        if self.commands.send((self.build)(self.msg, tx)).is_err() {
            tracing::warn!("the approval engine has stopped; a message was dropped");
        }
    }
}

impl Handler<Ask> for ApprovalActor {
    type Result = Forward<Ask>;

    fn handle(&mut self, msg: Ask, _ctx: &mut Context<Self>) -> Forward<Ask> {
        Forward {
            commands: self.commands.clone(),
            build: |ask, reply| Command::Ask { ask, reply },
            msg,
        }
    }
}

impl Handler<Withdraw> for ApprovalActor {
    type Result = Forward<Withdraw>;

    fn handle(&mut self, msg: Withdraw, _ctx: &mut Context<Self>) -> Forward<Withdraw> {
        Forward {
            commands: self.commands.clone(),
            build: |withdraw, done| Command::Withdraw { withdraw, done },
            msg,
        }
    }
}

impl Handler<Notify> for ApprovalActor {
    type Result = Forward<Notify>;

    fn handle(&mut self, msg: Notify, _ctx: &mut Context<Self>) -> Forward<Notify> {
        Forward {
            commands: self.commands.clone(),
            build: |notify, done| Command::Notify {
                text: notify.text,
                done,
            },
            msg,
        }
    }
}
