//! The Telegram emulator as the binary's Bot API in end-to-end runs: a
//! blocking face over `peers::TelegramEmulator` (which is async), so a test
//! can read the bot's questions and answer them while the binary runs; and
//! reading a bot message (text, id, buttons), which the contract test shares.

#![allow(dead_code)] // each test binary uses a different part

use std::time::{Duration, Instant};

use serde_json::Value;

use super::super::peers::TelegramEmulator;

/// The bot's token; its id (4242) is the part before the colon.
pub const TOKEN: &str = "4242:e2e-review-token";
/// The chat the binary asks in.
pub const CHAT: i64 = 5001;
/// The human who may answer.
pub const ANN: i64 = 77;
/// Someone else in the chat.
pub const STRANGER: i64 = 666;
/// Every wait here ends long before this.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Telegram {
    emulator: TelegramEmulator,
    rt: tokio::runtime::Runtime,
}

impl Telegram {
    pub fn start() -> Telegram {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Telegram {
            emulator: TelegramEmulator::start(),
            rt,
        }
    }

    pub fn url(&self) -> String {
        self.emulator.url()
    }

    /// Every bot call the emulator answered, for failure messages.
    pub fn log(&self) -> String {
        self.emulator.log()
    }

    /// The bot's messages in [`CHAT`] now, oldest first, edits applied.
    pub fn messages(&self) -> Vec<Value> {
        self.messages_in(CHAT)
    }

    pub fn messages_in(&self, chat: i64) -> Vec<Value> {
        self.rt.block_on(self.emulator.bot_messages(TOKEN, chat))
    }

    /// The texts of the bot's messages in [`CHAT`].
    pub fn texts(&self) -> Vec<String> {
        self.messages()
            .iter()
            .map(|m| text(m).to_string())
            .collect()
    }

    /// Polls the chat until `find` picks something out of it.
    pub fn wait_for<T>(&self, what: &str, find: impl Fn(&[Value]) -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(found) = find(&self.messages()) {
                return found;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "timed out waiting for {what}; the bot said {:#?}\nemulator log:\n{}",
                self.texts(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the bot's message whose text contains `needle`.
    pub fn message_with(&self, needle: &str) -> Value {
        self.wait_for(&format!("a bot message with {needle:?}"), |all| {
            all.iter().find(|m| text(m).contains(needle)).cloned()
        })
    }

    /// `from` presses the button captioned `caption` under `message`.
    pub fn press(&self, from: i64, message: &Value, caption: &str) {
        let data = button(message, caption);
        self.rt.block_on(
            self.emulator
                .send_callback(TOKEN, CHAT, from, &data, id(message)),
        );
    }

    /// `from` writes `text` in `chat`, as a reply to `reply_to` if given.
    pub fn write(&self, chat: i64, from: i64, text: &str, reply_to: Option<&Value>) {
        self.rt.block_on(
            self.emulator
                .send_message(TOKEN, chat, from, text, reply_to.map(id)),
        );
    }
}

pub fn text(m: &Value) -> &str {
    m["text"].as_str().unwrap_or("")
}

pub fn id(m: &Value) -> i64 {
    m["message_id"].as_i64().expect("a message id")
}

/// A message's buttons: (caption, callback data).
pub fn buttons(m: &Value) -> Vec<(String, String)> {
    let rows = m["reply_markup"]["inline_keyboard"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    rows.iter()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .map(|b| {
            let caption = b["text"].as_str().unwrap_or_default().to_string();
            let data = b["callback_data"].as_str().unwrap_or_default().to_string();
            (caption, data)
        })
        .collect()
}

/// The callback data of the button captioned `caption`.
pub fn button(m: &Value, caption: &str) -> String {
    buttons(m)
        .into_iter()
        .find(|(c, _)| c == caption)
        .unwrap_or_else(|| panic!("no {caption} button on {m}"))
        .1
}

/// The question token a button carries (`<token>:<action>`).
pub fn token_of(data: &str) -> String {
    data.split(':').next().unwrap().to_string()
}

/// Whether the message asks the merge question about PR `pr`.
pub fn asks_about(m: &Value, pr: u64) -> bool {
    text(m).starts_with(&format!("PR #{pr} for issue #")) && text(m).contains("ready for review.")
}
