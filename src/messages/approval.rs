//! Messages the `ApprovalActor` receives: the one place that talks to a
//! human (Telegram, the terminal, or an automatic approver).

use actix::Message;

use crate::checkpoint::{QuestionKind, RunId};
use crate::ids::IssueNumber;

pub use crate::human::{Answer, AskError, Question};

/// Command: ask a human and answer with their reply. An equal question
/// (same run, kind, issue and head) already open in the checkpoint is
/// re-attached, not sent again; one answered while nobody waited (the
/// program was down) is answered at once.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Answer, AskError>")]
pub struct Ask {
    pub run: RunId,
    pub question: Question,
}

/// Command: a question no longer applies (the PR's head moved, the issue
/// was stopped); edit it to say `why` and resolve its `Ask` as withdrawn.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Withdraw {
    pub run: RunId,
    pub kind: QuestionKind,
    pub issue: Option<IssueNumber>,
    pub why: String,
}

/// Command: tell the human something that needs no answer (a PR failed CI
/// twice, the milestone is complete).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Notify {
    pub text: String,
}

/// Command: report a failure of the engine to `parent` (the milestone
/// supervisor, once the tree is up; the planning gate runs without one).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetParent {
    pub parent: actix::Recipient<super::milestone::ApprovalFailed>,
}
