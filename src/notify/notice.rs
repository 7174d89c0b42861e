//! What a hook is told: the kind of event, the human text, and the run's numbers.

use serde::Serialize;

/// What happened, as the generic webhook's `event` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The run is over: its closing notification, with a [`Digest`].
    RunFinished,
    /// An issue failed (a PR failed CI after its fix attempts, ...).
    IssueFailed,
    /// A question has waited longer than `telegram.reminder` for an answer.
    QuestionWaiting,
    /// Anything else the human is told.
    Notice,
}

impl NoticeKind {
    /// The `event` value of the generic webhook.
    pub fn event(self) -> &'static str {
        match self {
            NoticeKind::RunFinished => "run_finished",
            NoticeKind::IssueFailed => "issue_failed",
            NoticeKind::QuestionWaiting => "question_waiting",
            NoticeKind::Notice => "notice",
        }
    }
}

/// The closing summary's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Digest {
    pub merged: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Issues in the run.
    pub total: usize,
    /// Total worker spend.
    pub cost_usd: f64,
}

/// One notification for the hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The text as the approval channel shows it (plain, several lines).
    pub text: String,
    /// The run's numbers; only a `RunFinished` notice has them.
    pub summary: Option<Digest>,
}

impl Notice {
    pub fn new(kind: NoticeKind, text: impl Into<String>) -> Notice {
        Notice {
            kind,
            text: text.into(),
            summary: None,
        }
    }

    /// The closing notification of a run.
    pub fn finished(text: impl Into<String>, digest: Digest) -> Notice {
        Notice {
            kind: NoticeKind::RunFinished,
            text: text.into(),
            summary: Some(digest),
        }
    }
}
