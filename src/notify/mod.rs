//! Notify-only hooks beyond the approval channel: Slack, Discord and a generic JSON webhook.
//!
//! A [`Notice`] (what happened, its text, and the run's numbers when it is
//! the closing one) is formatted for each service ([`format`]) and posted by
//! [`Hooks`]. Nothing is ever read back: a hook cannot answer a question, and
//! a hook that fails costs a warning in the log, never the run.

pub mod format;
pub mod hooks;
pub mod notice;

pub use hooks::{Hooks, Service};
pub use notice::{Digest, Notice, NoticeKind};
