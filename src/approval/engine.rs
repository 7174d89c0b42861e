//! The approval engine: one task that owns the channel, the questions
//! waiting for an answer and who waits for each. The `ApprovalActor` is its
//! shell: it forwards `Ask`, `Withdraw` and `Notify` here as [`Command`]s.
//! One task handles commands, replies and timers one at a time, so the
//! checkpoint and the chat never see two of them interleaved.
//!
//! At start it loads the run's open questions and, on Telegram, handles
//! every update that arrived while the program was down before it takes
//! the first command: an answer given meanwhile is recorded and kept until
//! the question is asked again, then returned at once.

mod replies;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use actix::dev::OneshotSender;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::approval::channel::{AUTO, Channel, ChannelChoice};
use crate::approval::grammar::{self, Verdict};
use crate::approval::routing::Origin;
use crate::approval::store::{Questions, StoreError};
use crate::approval::telegram::{self, PollEvent, SavedOffset, TelegramChannel};
use crate::approval::terminal::{self, Printer, TerminalChannel, TerminalEvent};
use crate::approval::web::WebAnswer;
use crate::checkpoint::{NewQuestion, QuestionKind, QuestionRow, RunId};
use crate::ids::IssueNumber;
use crate::messages::approval::{Answer, Ask, AskError, Withdraw};

/// Where the answer to an `Ask` goes.
pub type AskReply = OneshotSender<Result<Answer, AskError>>;

/// What the approval actor forwards to its engine. The reply senders are
/// the ones actix gave the handler, so a caller that stopped waiting shows
/// as a closed sender and its answer is kept for the next `Ask`.
pub enum Command {
    Ask {
        ask: Ask,
        reply: Option<AskReply>,
    },
    Withdraw {
        withdraw: Withdraw,
        done: Option<OneshotSender<()>>,
    },
    Notify {
        text: String,
        done: Option<OneshotSender<()>>,
    },
}

/// What the approval actor is built from.
pub struct ApprovalConfig {
    pub channel: ChannelChoice,
    /// The run whose questions are loaded at start.
    pub run: RunId,
    /// The checkpoint's question commands.
    pub checkpoint: Questions,
    /// How long a question waits before its one reminder (default 10 min).
    pub reminder: Duration,
}

/// An answer recorded while nobody waited for it.
struct Unclaimed {
    question: QuestionRow,
    answer: Answer,
}

pub struct Engine {
    channel: Channel,
    store: Questions,
    runs: BTreeSet<RunId>,
    reminder: Duration,
    /// The open questions of `runs`, as the checkpoint has them.
    open: Vec<QuestionRow>,
    waiters: HashMap<String, Vec<AskReply>>,
    unclaimed: Vec<Unclaimed>,
    /// When to try again to send questions Telegram refused.
    resend_at: Option<Instant>,
    poller: Option<JoinHandle<()>>,
    /// When a question was last asked or voided: a plain Telegram message
    /// soon after may have been meant for another question.
    last_change: Option<Instant>,
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(poller) = self.poller.take() {
            poller.abort();
        }
    }
}

/// Starts the engine (and its Telegram poller or terminal reader) on the
/// current actix arbiter. Aborting the handle stops them; a terminal reader
/// blocked on stdin ends at its next line.
pub fn start(config: ApprovalConfig, commands: UnboundedReceiver<Command>) -> JoinHandle<()> {
    let store = config.checkpoint;
    let mut lines = None;
    let mut telegram = None;
    let channel = match config.channel {
        ChannelChoice::Telegram(c) => {
            telegram = Some(c.clone());
            Channel::Telegram(TelegramChannel { config: c })
        }
        ChannelChoice::Terminal(io) => {
            let (tx, rx) = mpsc::unbounded_channel();
            terminal::spawn_reader(io.input, tx);
            lines = Some(rx);
            Channel::Terminal(Box::new(
                TerminalChannel::new(io.output).with_read_time(io.read_time),
            ))
        }
        ChannelChoice::Auto(out) => Channel::Auto(Printer::new(out)),
        ChannelChoice::None { why } => Channel::None(why),
    };
    let engine = Engine {
        channel,
        store,
        runs: BTreeSet::from([config.run]),
        reminder: config.reminder,
        open: Vec::new(),
        waiters: HashMap::new(),
        unclaimed: Vec::new(),
        resend_at: None,
        poller: None,
        last_change: None,
    };
    actix::spawn(async move {
        let mut engine = engine;
        let polls = match telegram {
            Some(c) => Some(engine.start_poller(c).await),
            None => None,
        };
        let web = Some(crate::approval::web::open_desk());
        engine.run(commands, polls, lines, web).await;
    })
}

async fn recv<T>(rx: &mut Option<UnboundedReceiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn send<T>(reply: Option<OneshotSender<T>>, value: T) {
    if let Some(reply) = reply {
        let _ = reply.send(value);
    }
}

/// Whether `q` asks about the same thing as an `Ask` (one open question per subject).
fn same_subject(
    q: &QuestionRow,
    run: RunId,
    kind: QuestionKind,
    issue: Option<IssueNumber>,
) -> bool {
    q.run_id == run && q.kind == kind && q.issue == issue
}

impl Engine {
    async fn start_poller(
        &mut self,
        config: telegram::TelegramConfig,
    ) -> UnboundedReceiver<PollEvent> {
        let key = telegram::offset_key(config.bot_id());
        let stored = self.store.kv_get(&key).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not read the saved telegram offset");
            None
        });
        let offset = SavedOffset::usable(stored.as_deref(), chrono::Utc::now());
        let (tx, rx) = mpsc::unbounded_channel();
        self.poller = Some(actix::spawn(telegram::poll(config, offset, tx)));
        rx
    }

    async fn run(
        mut self,
        mut commands: UnboundedReceiver<Command>,
        mut polls: Option<UnboundedReceiver<PollEvent>>,
        mut lines: Option<UnboundedReceiver<TerminalEvent>>,
        mut web: Option<UnboundedReceiver<WebAnswer>>,
    ) {
        self.refresh().await;
        self.catch_up(&mut polls).await;
        loop {
            let wake = self.next_wake();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => break,
                },
                event = recv(&mut polls) => match event {
                    Some(event) => self.poll_event(event).await,
                    None => polls = None,
                },
                event = recv(&mut lines) => match event {
                    Some(event) => self.terminal_event(event).await,
                    None => lines = None,
                },
                answer = recv(&mut web) => match answer {
                    Some(answer) => self.web_answer(answer).await,
                    None => web = None,
                },
                () = sleep_until(wake) => self.wake().await,
            }
        }
    }

    /// Handles what Telegram holds from while we were down, before any command.
    async fn catch_up(&mut self, polls: &mut Option<UnboundedReceiver<PollEvent>>) {
        let Some(rx) = polls.as_mut() else { return };
        while let Some(event) = rx.recv().await {
            if matches!(event, PollEvent::CaughtUp) {
                return;
            }
            self.poll_event(event).await;
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Ask { ask, reply } => self.ask(ask, reply).await,
            Command::Withdraw { withdraw, done } => {
                self.withdraw(withdraw).await;
                send(done, ());
            }
            Command::Notify { text, done } => {
                self.channel.notify(&text).await;
                send(done, ());
            }
        }
    }

    async fn ask(&mut self, ask: Ask, reply: Option<AskReply>) {
        self.runs.insert(ask.run);
        if let Some(answer) = self.claim(&ask) {
            send(reply, Ok(answer));
            return;
        }
        let q = match self.question_for(&ask).await {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(error = %e, "could not record a question");
                let why = format!(
                    "the question could not be recorded ({e}); fix that and run again with --resume"
                );
                send(reply, Err(AskError::Unavailable(why)));
                return;
            }
        };
        if let Some(reply) = reply {
            self.waiters.entry(q.id.clone()).or_default().push(reply);
        }
        if matches!(self.channel, Channel::Auto(_)) {
            return self.auto_answer(&q).await;
        }
        if let Some(why) = self.channel.unavailable() {
            tracing::warn!(question = %q.id, "nobody can be asked; the question stays open");
            self.fail_waiters(&q.id, &why);
            return;
        }
        self.present(&q).await;
    }

    /// An answer given while nobody waited, to an equal question.
    fn claim(&mut self, ask: &Ask) -> Option<Answer> {
        let at = self.unclaimed.iter().position(|u| {
            same_subject(&u.question, ask.run, ask.question.kind, ask.question.issue)
                && u.question.head_sha == ask.question.head_sha
        })?;
        Some(self.unclaimed.remove(at).answer)
    }

    /// The open question equal to `ask`, or a new one stored for it. An open
    /// question about an older head is voided first.
    async fn question_for(&mut self, ask: &Ask) -> Result<QuestionRow, StoreError> {
        self.refresh().await;
        let q = &ask.question;
        let existing = self
            .open
            .iter()
            .find(|o| same_subject(o, ask.run, q.kind, q.issue))
            .cloned();
        if let Some(old) = existing {
            if old.head_sha == q.head_sha {
                return Ok(old);
            }
            let why = match (&old.pr, &q.head_sha) {
                (Some(pr), Some(head)) => format!("PR {pr} changed (new head {})", head.short()),
                _ => "a newer question replaced it".to_string(),
            };
            self.void(&old, &why).await?;
        }
        let new = NewQuestion {
            id: grammar::new_token(),
            run_id: ask.run,
            issue: q.issue,
            pr: q.pr,
            head_sha: q.head_sha.clone(),
            kind: q.kind,
            channel: self.channel.name(),
            text: q.text.clone(),
        };
        let row = self.store.insert(new).await?;
        self.last_change = Some(Instant::now());
        tracing::info!(question = %row.id, kind = %row.kind, pr = ?row.pr.map(|p| p.0), "asking");
        self.open.push(row.clone());
        Ok(row)
    }

    async fn present(&mut self, q: &QuestionRow) {
        match &mut self.channel {
            Channel::Telegram(t) if q.chat_message_id.is_none() => match t.present(q).await {
                Ok(message_id) => match self.store.set_message(&q.id, message_id).await {
                    Ok(row) => self.replace_open(row),
                    Err(e) => {
                        tracing::error!(question = %q.id, error = %e, "could not record the question's message")
                    }
                },
                Err(e) => {
                    tracing::warn!(question = %q.id, error = %e, "could not send the question; trying again");
                    self.resend_at = Some(Instant::now() + t.config.retry);
                }
            },
            Channel::Terminal(t) if !t.was_shown(&q.id) => t.present(q),
            _ => {}
        }
    }

    async fn auto_answer(&mut self, q: &QuestionRow) {
        let verdict = match q.kind {
            QuestionKind::Merge => Verdict::Merge,
            QuestionKind::Plan => Verdict::Approve,
            QuestionKind::Budget => Verdict::Stop,
        };
        self.record_answer(&Origin::Terminal, &q.id, verdict, AUTO)
            .await;
        // Recording failed: the waiter must not wait for nobody.
        let why = "the automatic approver could not record its answer; see the log";
        self.fail_waiters(&q.id, why);
    }

    async fn withdraw(&mut self, w: Withdraw) {
        self.refresh().await;
        self.unclaimed
            .retain(|u| !same_subject(&u.question, w.run, w.kind, w.issue));
        let matching: Vec<QuestionRow> = self
            .open
            .iter()
            .filter(|q| same_subject(q, w.run, w.kind, w.issue))
            .cloned()
            .collect();
        for q in matching {
            if let Err(e) = self.void(&q, &w.why).await {
                tracing::error!(question = %q.id, error = %e, "could not void the question");
            }
        }
    }

    /// Voids `q` in the checkpoint, then says so on the channel and to its waiters.
    async fn void(&mut self, q: &QuestionRow, why: &str) -> Result<(), StoreError> {
        let row = self.store.void(&q.id, why).await?;
        self.last_change = Some(Instant::now());
        tracing::info!(question = %q.id, why, "question voided");
        self.replace_open(row);
        self.channel.voided(q, why).await;
        for waiter in self.waiters.remove(&q.id).unwrap_or_default() {
            let _ = waiter.send(Err(AskError::Withdrawn(why.to_string())));
        }
        Ok(())
    }

    fn fail_waiters(&mut self, id: &str, why: &str) {
        for waiter in self.waiters.remove(id).unwrap_or_default() {
            let _ = waiter.send(Err(AskError::Unavailable(why.to_string())));
        }
    }

    /// Reloads the open questions of every run asked about.
    async fn refresh(&mut self) {
        let mut open = Vec::new();
        for &run in &self.runs {
            match self.store.open(run).await {
                Ok(rows) => open.extend(rows),
                Err(e) => {
                    tracing::error!(error = %e, "could not read the open questions");
                    return;
                }
            }
        }
        self.open = open;
    }

    /// Puts a fresh copy of a question in the cache (or drops it once closed).
    fn replace_open(&mut self, row: QuestionRow) {
        let open = row.status == crate::checkpoint::QuestionStatus::Open;
        match self.open.iter().position(|q| q.id == row.id) {
            Some(at) if open => self.open[at] = row,
            Some(at) => {
                self.open.remove(at);
            }
            None if open => self.open.push(row),
            None => {}
        }
    }
}
