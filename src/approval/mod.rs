//! Asking a human: questions, the reply grammar, and the Telegram and terminal channels.

pub mod grammar;
pub mod routing;
