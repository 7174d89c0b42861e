//! The engine's other inputs: replies from Telegram or the terminal (routed,
//! recorded, delivered) and its timers (the one reminder, re-sending a
//! question Telegram refused).

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::{Engine, Unclaimed};
use crate::approval::channel::Channel;
use crate::approval::grammar::{self, Verdict};
use crate::approval::routing::{self, Body, Ignored, Incoming, Origin, Reference, Route};
use crate::approval::store::StoreError;
use crate::approval::telegram::{self, PollEvent, SavedOffset};
use crate::approval::terminal::TerminalEvent;
use crate::approval::web::WebAnswer;
use crate::checkpoint::{CheckpointError, QuestionRow, QuestionStatus};
use crate::messages::approval::Answer;

impl Engine {
    pub(super) async fn poll_event(&mut self, event: PollEvent) {
        let PollEvent::Updates {
            items,
            next_offset,
            handled,
        } = event
        else {
            return;
        };
        for incoming in items {
            self.incoming(incoming).await;
        }
        self.save_offset(next_offset, handled).await;
    }

    /// Saves the offset after the batch is handled, so a restart reads
    /// nothing twice; only then may the poller confirm the batch to Telegram.
    async fn save_offset(&mut self, next_offset: i32, handled: oneshot::Sender<()>) {
        if let Channel::Telegram(t) = &self.channel {
            let key = telegram::offset_key(t.config.bot_id());
            let value = SavedOffset::now(next_offset).to_json();
            if let Err(e) = self.store.kv_set(&key, value).await {
                tracing::error!(error = %e, "could not save the telegram offset");
            }
        }
        let _ = handled.send(());
    }

    pub(super) async fn terminal_event(&mut self, event: TerminalEvent) {
        match event {
            TerminalEvent::Line(line) if line.trim().is_empty() => {}
            TerminalEvent::Line(text) => {
                let body = Body::Text {
                    text,
                    reply_to: None,
                };
                let incoming = Incoming {
                    origin: Origin::Terminal,
                    body,
                };
                self.incoming(incoming).await;
            }
            TerminalEvent::Closed => {
                let Channel::Terminal(t) = &mut self.channel else {
                    return;
                };
                t.close_input();
                let why = self.channel.unavailable().unwrap_or_default();
                tracing::warn!(
                    "the terminal's input closed; open questions stay in the checkpoint"
                );
                let waiting: Vec<String> = self.waiters.keys().cloned().collect();
                for id in waiting {
                    self.fail_waiters(&id, &why);
                }
            }
        }
    }

    async fn incoming(&mut self, incoming: Incoming) {
        self.refresh().await;
        let referenced = match incoming.reference() {
            Some(reference) => self.lookup(reference).await,
            None => None,
        };
        let gate = self.channel.gate();
        let plain = self.channel.plain(self.last_change);
        match routing::route(
            &incoming,
            gate.as_ref(),
            &self.open,
            referenced.as_ref(),
            &plain,
        ) {
            Route::Ignore(why) => log_ignored(&why),
            Route::Respond(text) => self.channel.respond(&incoming.origin, &text).await,
            Route::Answer {
                question,
                verdict,
                by,
            } => {
                self.record_answer(&incoming.origin, &question, verdict, &by)
                    .await;
            }
        }
    }

    /// An answer from the run's page: for the question it names, only while
    /// that question is open and about the head the page showed.
    pub(super) async fn web_answer(&mut self, answer: WebAnswer) {
        self.refresh().await;
        let outcome = self.judge_web(&answer).await;
        let outcome = match outcome {
            Ok((id, verdict)) => self
                .record_answer(&Origin::Web, &id, verdict.clone(), "web")
                .await
                .then(|| format!("Recorded: {}.", verdict.label()))
                .ok_or_else(|| "the answer could not be recorded; see the run's log".to_string()),
            Err(why) => Err(why),
        };
        let _ = answer.reply.send(outcome);
    }

    async fn judge_web(&self, answer: &WebAnswer) -> Result<(String, Verdict), String> {
        let Some(q) = self.lookup(Reference::Token(answer.question.clone())).await else {
            return Err("This question is not known to this run.".into());
        };
        let open = match q.status {
            QuestionStatus::Open => self.open.iter().find(|o| o.id == q.id),
            QuestionStatus::Answered => {
                let by = q.answered_by.as_deref().unwrap_or("someone");
                return Err(format!("This question was already answered (by {by})."));
            }
            QuestionStatus::Void => return Err(routing::void_refusal(&q)),
        };
        let Some(q) = open else {
            return Err("This question belongs to an earlier run and no longer applies.".into());
        };
        if q.head_sha.as_ref().is_some_and(|h| h.0 != answer.head) {
            return Err(format!(
                "The PR changed since the page showed this question: answer the question about {}.",
                q.head_sha.as_ref().map_or("its new head", |h| h.short())
            ));
        }
        grammar::parse_reply(q.kind, &answer.text)
            .map(|reply| (q.id.clone(), reply.verdict))
            .map_err(|unparsed| unparsed.message(q.kind))
    }

    /// The question a button token or a replied-to message names, any status.
    async fn lookup(&self, reference: Reference) -> Option<QuestionRow> {
        let found = match &reference {
            Reference::Token(token) => match self.open.iter().find(|q| &q.id == token) {
                Some(q) => return Some(q.clone()),
                None => self.store.get(token).await,
            },
            Reference::Message(id) => {
                match self.open.iter().find(|q| q.chat_message_id == Some(*id)) {
                    Some(q) => return Some(q.clone()),
                    None => self.store.by_message(&self.channel.name(), *id).await,
                }
            }
        };
        found.unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not look up a question");
            None
        })
    }

    /// Records the answer (persist first), then confirms it on the channel
    /// and hands it to whoever waits.
    pub(super) async fn record_answer(
        &mut self,
        from: &Origin,
        id: &str,
        verdict: Verdict,
        by: &str,
    ) -> bool {
        match self.store.answer(id, verdict.stored(), by).await {
            Ok(row) => {
                tracing::info!(question = id, pr = ?row.pr.map(|p| p.0), answer = %verdict.label(), by, "answered");
                self.replace_open(row.clone());
                self.channel.answered(from, &row, &verdict, by).await;
                self.deliver(row, verdict.answer(by));
                true
            }
            Err(StoreError::Checkpoint(CheckpointError::QuestionClosed { .. })) => {
                let text = "This question was already answered or no longer applies.";
                self.channel.respond(from, text).await;
                false
            }
            Err(e) => {
                tracing::error!(question = id, error = %e, "could not record an answer");
                let text = "Your answer could not be recorded; please answer again.";
                self.channel.respond(from, text).await;
                false
            }
        }
    }

    /// Hands the answer to every waiter still listening; with none, keeps it
    /// for the next `Ask` of an equal question.
    fn deliver(&mut self, question: QuestionRow, answer: Answer) {
        let mut delivered = false;
        for waiter in self.waiters.remove(&question.id).unwrap_or_default() {
            delivered |= waiter.send(Ok(answer.clone())).is_ok();
        }
        if !delivered {
            tracing::info!(question = %question.id, "answered while nobody waited; kept for the next ask");
            self.unclaimed.push(Unclaimed { question, answer });
        }
    }

    fn waited_for(&self, q: &QuestionRow) -> bool {
        self.waiters
            .get(&q.id)
            .is_some_and(|w| w.iter().any(|s| !s.is_closed()))
    }

    /// When the question's one reminder is due, if it still needs one.
    fn reminder_due(&self, q: &QuestionRow) -> Option<DateTime<Utc>> {
        if q.reminded_at.is_some() || !self.waited_for(q) || !self.channel.shows(q) {
            return None;
        }
        let after = TimeDelta::from_std(self.reminder).unwrap_or(TimeDelta::MAX);
        Some(
            q.asked_at
                .checked_add_signed(after)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    pub(super) fn next_wake(&self) -> Option<Instant> {
        let now = Utc::now();
        let reminders = self.open.iter().filter_map(|q| {
            let left = (self.reminder_due(q)? - now).to_std().unwrap_or_default();
            Some(Instant::now() + left)
        });
        reminders.chain(self.resend_at).min()
    }

    pub(super) async fn wake(&mut self) {
        let now = Instant::now();
        if self.resend_at.is_some_and(|at| at <= now) {
            self.resend_at = None;
            let unsent: Vec<QuestionRow> = self
                .open
                .iter()
                .filter(|q| q.chat_message_id.is_none() && self.waited_for(q))
                .cloned()
                .collect();
            for q in unsent {
                self.present(&q).await;
            }
        }
        let due: Vec<QuestionRow> = self
            .open
            .iter()
            .filter(|q| self.reminder_due(q).is_some_and(|at| at <= Utc::now()))
            .cloned()
            .collect();
        for q in due {
            self.remind(q).await;
        }
    }

    /// Marks the reminder sent (so a restart does not remind again), then sends it.
    async fn remind(&mut self, q: QuestionRow) {
        match self.store.mark_reminded(&q.id).await {
            Ok(row) => {
                self.replace_open(row.clone());
                self.channel.remind(&row).await;
            }
            Err(e) => {
                tracing::error!(question = %q.id, error = %e, "could not record the reminder");
                // Never again in this process, or the timer would spin.
                let mut row = q;
                row.reminded_at = Some(Utc::now());
                self.replace_open(row);
            }
        }
    }
}

/// Logs who was ignored: chat and user ids only, never the text or the button data.
fn log_ignored(why: &Ignored) {
    match why {
        Ignored::OtherChat { chat } => {
            tracing::info!(chat, "ignored a telegram message from another chat")
        }
        Ignored::NotAllowed { user } => {
            tracing::info!(user = ?user, "ignored a telegram answer from a user who is not allowed")
        }
    }
}
