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
//!
//! The notification hooks (Slack, Discord, a generic webhook; `notify.*`)
//! are fed here too: every `Notify` and `Announce`, and once per question a
//! `question_waiting` notice when it is still open after `telegram.reminder`.
//! They are notify-only: nothing comes back from them.

use std::collections::HashSet;
use std::time::Duration;

use actix::dev::{MessageResponse, OneshotSender};
use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, Recipient,
    ResponseFuture, WrapFuture,
};
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use crate::approval::engine::{self, ApprovalConfig, Command};
use crate::approval::store::Questions;
use crate::checkpoint::{QuestionKind, QuestionRow, RunId};
use crate::ids::IssueNumber;
use crate::messages::ApprovalFailed;
use crate::messages::approval::{Announce, Ask, Notify, SetParent, Withdraw};
use crate::notify::hooks::HookQueue;
use crate::notify::{Hooks, Notice, NoticeKind};

pub struct ApprovalActor {
    commands: UnboundedSender<Command>,
    /// Taken when the actor starts.
    pending: Option<(ApprovalConfig, UnboundedReceiver<Command>)>,
    engine: Option<AbortHandle>,
    parent: Option<Recipient<ApprovalFailed>>,
    /// The hooks, until the actor starts their queue.
    hooks: Option<Hooks>,
    queue: Option<HookQueue>,
    /// What the `question_waiting` notices need: the questions as the
    /// checkpoint has them, how long one waits first, and those told already.
    questions: Questions,
    reminder: Duration,
    waited: HashSet<String>,
    /// Subjects with a `question_waiting` timer running.
    watching: HashSet<Subject>,
}

/// What a question is about: one open question per subject (as the engine keeps them).
type Subject = (RunId, QuestionKind, Option<IssueNumber>);

impl ApprovalActor {
    pub fn new(config: ApprovalConfig) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        ApprovalActor {
            commands,
            questions: config.checkpoint.clone(),
            reminder: config.reminder,
            pending: Some((config, rx)),
            engine: None,
            parent: None,
            hooks: None,
            queue: None,
            waited: HashSet::new(),
            watching: HashSet::new(),
        }
    }

    /// Also posts every notification to `hooks` (none by default).
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = (!hooks.is_empty()).then_some(hooks);
        self
    }

    /// Queues `notice` for the hooks; the receiver answers once it is posted
    /// (at once with no hooks).
    fn to_hooks(&self, notice: Notice) -> Option<oneshot::Receiver<()>> {
        self.queue.as_ref().map(|queue| queue.send(notice))
    }

    /// When the reminder delay has passed, tells the hooks about the
    /// question of this subject if it is still open and they were not told
    /// yet. One timer per subject: an `Ask` re-attached to a question
    /// already watched adds none.
    fn watch(&mut self, ask: &Ask, ctx: &mut Context<Self>) {
        let subject = (ask.run, ask.question.kind, ask.question.issue);
        if self.queue.is_some() && self.watching.insert(subject) {
            ctx.run_later(self.reminder, move |act, ctx| {
                act.check_waiting(subject, ctx)
            });
        }
    }

    fn check_waiting(&mut self, subject: Subject, ctx: &mut Context<Self>) {
        let questions = self.questions.clone();
        let lookup = async move { questions.open(subject.0).await };
        ctx.spawn(lookup.into_actor(self).map(move |open, act, ctx| {
            act.watching.remove(&subject);
            match open {
                Ok(open) => act.tell_waiting(&open, subject, ctx),
                Err(e) => tracing::warn!(error = %e, "could not read the open questions"),
            }
        }));
    }

    /// Tells the hooks about the open question of `subject` once it has
    /// waited the reminder delay; one asked after the timer started (the
    /// engine records it a moment after the `Ask`) is looked at again then.
    fn tell_waiting(&mut self, open: &[QuestionRow], subject: Subject, ctx: &mut Context<Self>) {
        let (run, kind, issue) = subject;
        let Some(q) = open
            .iter()
            .find(|q| q.run_id == run && q.kind == kind && q.issue == issue)
        else {
            return;
        };
        if self.waited.contains(&q.id) {
            return;
        }
        let age = (chrono::Utc::now() - q.asked_at)
            .to_std()
            .unwrap_or_default();
        if age < self.reminder {
            if self.watching.insert(subject) {
                let rest = self.reminder - age;
                ctx.run_later(rest, move |act, ctx| act.check_waiting(subject, ctx));
            }
            return;
        }
        self.waited.insert(q.id.clone());
        let text = waiting_text(q, self.reminder);
        let _ = self.to_hooks(Notice::new(NoticeKind::QuestionWaiting, text));
    }
}

/// "A question has waited 10m without an answer: PR #12 for issue #5.",
/// then the question's first line.
fn waiting_text(q: &QuestionRow, waited: Duration) -> String {
    let subject = match (q.pr, q.issue) {
        (Some(pr), Some(issue)) => format!("PR {pr} for issue {issue}"),
        (Some(pr), None) => format!("PR {pr}"),
        (None, Some(issue)) => format!("issue {issue}"),
        (None, None) => format!("the {} question", q.kind),
    };
    let first = q.text.lines().next().unwrap_or_default();
    format!(
        "A question has waited {} without an answer: {subject}.\n{first}",
        crate::config::Dur(waited)
    )
}

impl Actor for ApprovalActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let Some((config, rx)) = self.pending.take() else {
            return;
        };
        let handle = engine::start(config, rx);
        self.queue = self.hooks.take().map(Hooks::start);
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

    fn handle(&mut self, msg: Ask, ctx: &mut Context<Self>) -> Forward<Ask> {
        self.watch(&msg, ctx);
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
        let _ = self.to_hooks(Notice::new(NoticeKind::Notice, msg.text.clone()));
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

impl Handler<Announce> for ApprovalActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: Announce, _ctx: &mut Context<Self>) -> ResponseFuture<()> {
        let posted = self.to_hooks(msg.notice.clone());
        let (done, shown) = oneshot::channel();
        let command = Command::Notify {
            text: msg.notice.text,
            done: Some(done),
        };
        if self.commands.send(command).is_err() {
            tracing::warn!("the approval engine has stopped; a notification was not shown");
        }
        Box::pin(async move {
            // Either may be gone (no hooks, the engine stopped): nothing to wait for then.
            let _ = shown.await;
            if let Some(posted) = posted {
                let _ = posted.await;
            }
        })
    }
}
