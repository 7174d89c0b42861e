//! Asking a human: questions, the reply grammar, and the Telegram and
//! terminal channels (plus an automatic approver for the demo and tests).
//!
//! Decisions are pure ([`grammar`], [`routing`]); the [`engine`] performs
//! them against the checkpoint and a channel; `actors::ApprovalActor` is
//! its shell. Build it with [`ApprovalConfig`] and a [`ChannelChoice`]
//! from [`choose_channel`].

pub mod channel;
pub mod engine;
pub mod grammar;
pub mod routing;
pub mod store;
pub mod telegram;
pub mod terminal;
pub mod web;

pub use channel::{ChannelChoice, HOW_TO_RESUME, choose_channel};
pub use engine::ApprovalConfig;
pub use telegram::{TelegramConfig, TelegramError};
pub use terminal::TerminalIo;
