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
/// twice). The notification hooks get it as a plain `notice`; see
/// [`Announce`] for a notice of a given kind.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Notify {
    pub text: String,
}

/// Command: like [`Notify`], with what the notification hooks need to tell
/// it apart: its kind and, for the closing notice of a run, the summary's
/// numbers (`Notice::finished`). Answered once the channel has shown it and
/// the hooks have had their one try, so a run that ends next loses nothing.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct Announce {
    pub notice: crate::notify::Notice,
}

/// Command: report a failure of the engine to `parent` (the milestone
/// supervisor, once the tree is up; the planning gate runs without one).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetParent {
    pub parent: actix::Recipient<super::milestone::ApprovalFailed>,
}
