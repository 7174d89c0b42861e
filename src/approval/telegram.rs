//! The Telegram channel over teloxide: questions with inline buttons, edits
//! when they are answered or voided, reminders, and our own `getUpdates`
//! loop (not teloxide's Dispatcher) so the offset is ours to checkpoint.
//!
//! The bot token comes from `TELEGRAM_BOT_TOKEN` only and is never logged:
//! teloxide's `Bot` prints it in `Debug`, so nothing here derives `Debug`
//! over a `Bot`, and teloxide strips the URL (which holds the token) from
//! network errors before we see them.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use teloxide::payloads::{AnswerCallbackQuerySetters, GetUpdatesSetters, SendMessageSetters};
use teloxide::prelude::Requester;
use teloxide::types::{
    AllowedUpdate, CallbackQueryId, ChatId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId,
    ReplyParameters, Update, UpdateKind, User,
};
use teloxide::{Bot, RequestError};
use tokio::sync::{mpsc, oneshot};

use crate::approval::grammar::{self, Verdict};
use crate::approval::routing::{Body, Gate, Incoming, Origin};
use crate::checkpoint::QuestionRow;

/// Long polls shorter than teloxide's HTTP timeout (17 s), which does not
/// stretch for `getUpdates`.
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(10);
/// After a question is asked or voided, how long a plain message does not
/// count (the field notes' plain "ok" landing on a question just asked).
pub const PLAIN_QUIET: Duration = Duration::from_secs(30);
/// The first wait after a failed call; doubled up to [`MAX_RETRY`].
pub const DEFAULT_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);
/// Telegram refuses longer messages; edits append a line, so leave room.
const MAX_QUESTION_CHARS: usize = 3800;
/// A saved offset older than this is not used: after a week without
/// updates Telegram may number new updates below it.
const OFFSET_MAX_AGE: chrono::TimeDelta = chrono::TimeDelta::days(6);

/// Why Telegram cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TelegramError {
    #[error("read TELEGRAM_API_URL {url:?}: {reason}")]
    BadApiUrl { url: String, reason: String },
    #[error("reach the Telegram Bot API (getMe): {0}")]
    Unreachable(String),
}

/// A bot that answered `getMe`, and where it asks.
#[derive(Clone)]
pub struct TelegramConfig {
    bot: Bot,
    bot_id: u64,
    /// The chat questions go to; replies elsewhere are ignored.
    pub chat: i64,
    /// User ids allowed to answer; empty means anyone in the chat.
    pub allowed_users: Vec<i64>,
    /// How long one `getUpdates` waits for news.
    pub poll_timeout: Duration,
    /// The first wait after a failed Telegram call.
    pub retry: Duration,
    /// After a question is asked or voided, how long a plain message (no
    /// reply, no PR named) does not count: it may be meant for another one.
    pub plain_quiet: Duration,
}

impl TelegramConfig {
    /// Builds the bot and probes it with `getMe`: a failure here is
    /// "Telegram unreachable at start". `api_url` is a self-hosted Bot API
    /// server (or a test emulator); `None` is Telegram's own.
    pub async fn connect(
        token: &str,
        api_url: Option<&str>,
        chat: i64,
        allowed_users: Vec<i64>,
    ) -> Result<TelegramConfig, TelegramError> {
        let bot = bot(token, api_url)?;
        let me = bot
            .get_me()
            .await
            .map_err(|e| TelegramError::Unreachable(e.to_string()))?;
        Ok(TelegramConfig {
            bot,
            bot_id: me.id.0,
            chat,
            allowed_users,
            poll_timeout: DEFAULT_POLL_TIMEOUT,
            retry: DEFAULT_RETRY,
            plain_quiet: PLAIN_QUIET,
        })
    }

    /// The bot's user id (public; the first part of its token).
    pub fn bot_id(&self) -> u64 {
        self.bot_id
    }

    pub fn gate(&self) -> Gate {
        Gate {
            chat: self.chat,
            allowed_users: self.allowed_users.clone(),
        }
    }

    /// The `channel` column of questions asked here.
    pub fn channel_name(&self) -> String {
        format!("telegram:{}", self.chat)
    }
}

/// A bot for `token` on Telegram's Bot API, or on `api_url` (a self-hosted
/// server or a test emulator). Nothing is sent yet.
pub fn bot(token: &str, api_url: Option<&str>) -> Result<Bot, TelegramError> {
    let bot = Bot::new(token);
    let Some(url) = api_url else {
        return Ok(bot);
    };
    let parsed = parse_url(url).map_err(|reason| TelegramError::BadApiUrl {
        url: url.to_string(),
        reason,
    })?;
    Ok(bot.set_api_url(parsed))
}

/// Parses into teloxide's URL type (reqwest's, which teloxide does not
/// re-export), inferred from where the value goes.
fn parse_url<T: std::str::FromStr>(url: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    url.parse().map_err(|e: T::Err| e.to_string())
}

/// The checkpoint key of a bot's `getUpdates` offset (offsets are per bot).
pub fn offset_key(bot_id: u64) -> String {
    format!("telegram.{bot_id}.offset")
}

/// The stored offset: the next update to read, and when it was saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOffset {
    pub offset: i32,
    pub saved_at: DateTime<Utc>,
}

impl SavedOffset {
    pub fn now(offset: i32) -> SavedOffset {
        SavedOffset {
            offset,
            saved_at: Utc::now(),
        }
    }

    /// The offset to poll from, if the stored value is readable and recent.
    pub fn usable(stored: Option<&str>, now: DateTime<Utc>) -> Option<i32> {
        let saved: SavedOffset = serde_json::from_str(stored?).ok()?;
        (now - saved.saved_at < OFFSET_MAX_AGE).then_some(saved.offset)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the poller hands the engine.
pub enum PollEvent {
    /// A batch of updates; fire `handled` once each is handled and `next_offset` saved.
    Updates {
        items: Vec<Incoming>,
        next_offset: i32,
        handled: oneshot::Sender<()>,
    },
    /// Everything pending at start has been handed over (or Telegram failed).
    CaughtUp,
}

/// Reads updates from `offset` until stopped (the task is aborted with its
/// actor). Pending updates are drained without waiting first, then it long
/// polls. The next batch is fetched (which confirms this one to Telegram)
/// only after the engine has handled this one and saved the offset.
pub async fn poll(
    config: TelegramConfig,
    offset: Option<i32>,
    events: mpsc::UnboundedSender<PollEvent>,
) {
    let mut offset = offset;
    let mut caught_up = false;
    let mut failures = 0u32;
    loop {
        let wait = if caught_up {
            config.poll_timeout
        } else {
            Duration::ZERO
        };
        let mut request = config
            .bot
            .get_updates()
            .timeout(wait.as_secs().try_into().unwrap_or(u32::MAX))
            .allowed_updates([AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
        if let Some(o) = offset {
            request = request.offset(o);
        }
        match request.await {
            Ok(updates) if updates.is_empty() => {
                failures = 0;
                if !caught_up {
                    caught_up = true;
                    if events.send(PollEvent::CaughtUp).is_err() {
                        return;
                    }
                }
            }
            Ok(updates) => {
                failures = 0;
                let next_offset = updates.iter().map(|u| u.id.0).max().unwrap_or(0) as i32 + 1;
                let items = updates
                    .into_iter()
                    .filter_map(incoming_from_update)
                    .collect();
                let (handled, done) = oneshot::channel();
                let batch = PollEvent::Updates {
                    items,
                    next_offset,
                    handled,
                };
                if events.send(batch).is_err() || done.await.is_err() {
                    return;
                }
                offset = Some(next_offset);
            }
            Err(e) => {
                tracing::warn!(error = %e, "telegram getUpdates failed; trying again");
                if !caught_up {
                    caught_up = true;
                    if events.send(PollEvent::CaughtUp).is_err() {
                        return;
                    }
                }
                tokio::time::sleep(backoff(config.retry, failures)).await;
                failures = failures.saturating_add(1);
            }
        }
    }
}

/// `first`, doubled per earlier failure, at most a minute.
pub fn backoff(first: Duration, failures: u32) -> Duration {
    first
        .saturating_mul(1 << failures.min(10))
        .min(MAX_RETRY.max(first))
}

/// An update as a reply to route: a text message or a button press. Other
/// updates (stickers, edits, joins) are not replies.
pub fn incoming_from_update(update: Update) -> Option<Incoming> {
    match update.kind {
        UpdateKind::Message(msg) => {
            let text = msg.text()?.to_string();
            let reply_to = msg.reply_to_message().map(|m| i64::from(m.id.0));
            Some(Incoming {
                origin: origin(
                    msg.chat.id.0,
                    msg.from.as_ref(),
                    Some(i64::from(msg.id.0)),
                    None,
                ),
                body: Body::Text { text, reply_to },
            })
        }
        UpdateKind::CallbackQuery(q) => {
            // A button under an inline message has no chat; chat 0 is never ours.
            let chat = q.message.as_ref().map_or(0, |m| m.chat().id.0);
            let message_id = q.message.as_ref().map(|m| i64::from(m.id().0));
            Some(Incoming {
                origin: origin(chat, Some(&q.from), message_id, Some(q.id.0)),
                body: Body::Button {
                    data: q.data.unwrap_or_default(),
                },
            })
        }
        _ => None,
    }
}

fn origin(
    chat: i64,
    from: Option<&User>,
    message_id: Option<i64>,
    callback_id: Option<String>,
) -> Origin {
    Origin::Telegram {
        chat,
        user: from.map(|u| u.id.0 as i64),
        name: from.map_or_else(|| "someone".to_string(), author),
        message_id,
        callback_id,
    }
}

/// How an answer names its author: `@username`, else first name and id.
fn author(user: &User) -> String {
    match &user.username {
        Some(name) => format!("@{name}"),
        None => format!("{} ({})", user.first_name, user.id.0),
    }
}

/// Cuts `text` to `max` characters, marking the cut.
fn fit(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The Telegram side of asking: every call the engine makes on this channel.
pub struct TelegramChannel {
    pub config: TelegramConfig,
}

impl TelegramChannel {
    fn chat(&self) -> ChatId {
        ChatId(self.config.chat)
    }

    /// Sends the question with its buttons; answers the message id.
    pub async fn present(&self, q: &QuestionRow) -> Result<i64, RequestError> {
        let row: Vec<InlineKeyboardButton> = grammar::buttons(q.kind)
            .iter()
            .map(|&a| InlineKeyboardButton::callback(a.caption(), grammar::callback_data(&q.id, a)))
            .collect();
        let sent = self
            .config
            .bot
            .send_message(self.chat(), fit(&q.text, MAX_QUESTION_CHARS))
            .reply_markup(InlineKeyboardMarkup::new([row]))
            .await?;
        Ok(i64::from(sent.id.0))
    }

    /// Rewrites the question's message with `note` under it and no buttons.
    pub async fn close(&self, q: &QuestionRow, note: &str) {
        let Some(id) = q.chat_message_id else { return };
        let text = format!("{}\n\n{note}", fit(&q.text, MAX_QUESTION_CHARS));
        let edit = self
            .config
            .bot
            .edit_message_text(self.chat(), message_id(id), text);
        if let Err(e) = edit.await {
            tracing::warn!(question = %q.id, error = %e, "could not edit the telegram question");
        }
    }

    /// Sends the one reminder, as a reply to the question.
    pub async fn remind(&self, q: &QuestionRow) -> Result<(), RequestError> {
        let about = q.pr.map(|pr| format!(" about PR {pr}")).unwrap_or_default();
        let text = format!("⏰ Still waiting for your answer{about} (see the question above).");
        self.send(text, q.chat_message_id).await
    }

    pub async fn notify(&self, text: &str) {
        if let Err(e) = self.send(fit(text, MAX_QUESTION_CHARS), None).await {
            tracing::warn!(error = %e, "could not send a telegram notice");
        }
    }

    /// Answers a reply: an alert for a button, a reply message for a text.
    pub async fn respond(&self, to: &Origin, text: &str, alert: bool) {
        let Origin::Telegram {
            message_id,
            callback_id,
            ..
        } = to
        else {
            return;
        };
        let result = match callback_id {
            Some(id) => self
                .config
                .bot
                .answer_callback_query(CallbackQueryId(id.clone()))
                .text(fit(text, 190))
                .show_alert(alert)
                .await
                .map(|_| ()),
            None => self.send(text.to_string(), *message_id).await,
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not answer on telegram");
        }
    }

    async fn send(&self, text: String, reply_to: Option<i64>) -> Result<(), RequestError> {
        let mut request = self.config.bot.send_message(self.chat(), text);
        if let Some(id) = reply_to {
            request = request.reply_parameters(
                ReplyParameters::new(message_id(id)).allow_sending_without_reply(),
            );
        }
        request.await.map(|_| ())
    }
}

fn message_id(id: i64) -> MessageId {
    MessageId(i32::try_from(id).unwrap_or(i32::MAX))
}

/// The note an answered question's message gets.
pub fn answered_note(verdict: &Verdict, by: &str) -> String {
    format!("✅ {} — by {by}", verdict.label())
}

/// The note a voided question's message gets.
pub fn void_note(why: &str) -> String {
    format!("⛔ No longer applies: {why}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn update(value: serde_json::Value) -> Update {
        serde_json::from_str(&value.to_string()).expect("a valid update")
    }

    fn user(id: i64, username: Option<&str>) -> serde_json::Value {
        let mut u = json!({ "id": id, "is_bot": false, "first_name": "Ann" });
        if let Some(name) = username {
            u["username"] = json!(name);
        }
        u
    }

    #[test]
    fn a_text_reply_becomes_an_incoming_text_with_its_reply_target() {
        let u = update(json!({
            "update_id": 10,
            "message": {
                "message_id": 77, "date": 1_700_000_000,
                "chat": { "id": -5, "type": "group", "title": "g" },
                "from": user(7, Some("ann")),
                "text": "merge",
                "reply_to_message": {
                    "message_id": 70, "date": 1_700_000_000,
                    "chat": { "id": -5, "type": "group", "title": "g" },
                    "text": "Merge PR #456?"
                }
            }
        }));
        let incoming = incoming_from_update(u).unwrap();
        assert_eq!(
            incoming,
            Incoming {
                origin: Origin::Telegram {
                    chat: -5,
                    user: Some(7),
                    name: "@ann".into(),
                    message_id: Some(77),
                    callback_id: None,
                },
                body: Body::Text {
                    text: "merge".into(),
                    reply_to: Some(70)
                },
            }
        );
    }

    #[test]
    fn a_button_press_becomes_an_incoming_button() {
        let u = update(json!({
            "update_id": 11,
            "callback_query": {
                "id": "cb1", "chat_instance": "x", "data": "abc:merge",
                "from": user(8, None),
                "message": {
                    "message_id": 70, "date": 1_700_000_000,
                    "chat": { "id": 42, "type": "private", "first_name": "Ann" },
                    "text": "Merge PR #456?"
                }
            }
        }));
        let incoming = incoming_from_update(u).unwrap();
        assert_eq!(
            incoming.origin,
            Origin::Telegram {
                chat: 42,
                user: Some(8),
                name: "Ann (8)".into(),
                message_id: Some(70),
                callback_id: Some("cb1".into()),
            }
        );
        assert_eq!(
            incoming.body,
            Body::Button {
                data: "abc:merge".into()
            }
        );
    }

    #[test]
    fn messages_without_text_are_not_replies() {
        let u = update(json!({
            "update_id": 12,
            "message": {
                "message_id": 78, "date": 1_700_000_000,
                "chat": { "id": 42, "type": "private", "first_name": "Ann" },
                "from": user(7, None),
                "sticker": null
            }
        }));
        assert_eq!(incoming_from_update(u), None);
    }

    #[test]
    fn saved_offsets_expire_after_most_of_a_week() {
        let saved = SavedOffset::now(1234).to_json();
        let now = Utc::now();
        assert_eq!(SavedOffset::usable(Some(&saved), now), Some(1234));
        assert_eq!(
            SavedOffset::usable(Some(&saved), now + chrono::TimeDelta::days(7)),
            None
        );
        assert_eq!(SavedOffset::usable(Some("1234"), now), None);
        assert_eq!(SavedOffset::usable(None, now), None);
        assert_eq!(offset_key(99), "telegram.99.offset");
    }

    #[test]
    fn backoff_doubles_up_to_a_minute() {
        let first = Duration::from_millis(500);
        assert_eq!(backoff(first, 0), first);
        assert_eq!(backoff(first, 2), Duration::from_secs(2));
        assert_eq!(backoff(first, 30), MAX_RETRY);
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        assert_eq!(fit("héllo", 10), "héllo");
        assert_eq!(fit("héllo", 2), "hé…");
        assert!(answered_note(&Verdict::Merge, "@ann").contains("merge — by @ann"));
        assert!(void_note("PR #4 changed").contains("No longer applies: PR #4 changed"));
    }
}
