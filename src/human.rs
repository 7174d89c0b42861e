//! What a human is asked and what they answer: the vocabulary shared by
//! whoever asks (an issue, the planning gate, the budget) and the approval
//! channels that ask (Telegram, the terminal, the automatic approver).

use crate::checkpoint::QuestionKind;
use crate::ids::{CommitSha, IssueNumber, PrNumber};

/// What a human is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub kind: QuestionKind,
    pub issue: Option<IssueNumber>,
    pub pr: Option<PrNumber>,
    /// The head an approval applies to (merge questions); an answer to an
    /// older head is refused.
    pub head_sha: Option<CommitSha>,
    /// The full text, worded as the spec words it.
    pub text: String,
}

/// A human's answer, parsed from a button or a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `merge`, `lgtm`, `ok`, or the Merge button.
    Merge { by: String },
    /// `changes: <feedback>`.
    Changes { feedback: String, by: String },
    /// `skip`, or the Skip button.
    Skip { by: String },
    /// Planning gate: `approve`, `proceed`, `ok`.
    Approve { by: String },
    /// Planning gate: `abort`.
    Abort { by: String },
    /// Planning gate: any other text, for the planner to plan again with.
    Feedback { text: String, by: String },
    /// Budget question: `raise <usd>` (the new total cap).
    Raise { usd: f64, by: String },
    /// Budget question: `stop`.
    Stop { by: String },
}

/// Why an `Ask` came back without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    /// Nobody can be asked: Telegram is not configured or unreachable, and
    /// the terminal is not available. The question stays open in the
    /// checkpoint; a resume asks it again where someone can answer.
    #[error("nobody can be asked: {0}")]
    Unavailable(String),
    /// The question was withdrawn before it was answered.
    #[error("the question was withdrawn: {0}")]
    Withdrawn(String),
}
