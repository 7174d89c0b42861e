//! Answers from the run's web page (`--dashboard`): the page's answer
//! endpoint hands them to the approval engine of this process through its
//! desk, and the engine judges them as it judges any other answer — the
//! question must still be open and about the head the page showed — and
//! records them as given "by web".
//!
//! The desk is process-wide because the page starts before the run's
//! engine does (and a restarted engine takes the desk over): one process
//! runs one run, so it has one engine to answer.

use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};

use crate::dashboard::AnswerSink;

/// One answer given on the page, and where its outcome goes.
pub struct WebAnswer {
    pub question: String,
    pub head: String,
    pub text: String,
    /// The confirmation, or the refusal with its reason.
    pub reply: oneshot::Sender<Result<String, String>>,
}

static DESK: Mutex<Option<mpsc::UnboundedSender<WebAnswer>>> = Mutex::new(None);

/// Opens the desk for the engine starting now; answers given before (or
/// after it stops) are refused with a reason.
pub fn open_desk() -> mpsc::UnboundedReceiver<WebAnswer> {
    let (tx, rx) = mpsc::unbounded_channel();
    *DESK.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    rx
}

/// The page's way to the engine.
pub struct WebSink;

#[async_trait]
impl AnswerSink for WebSink {
    async fn answer(
        &self,
        question_id: &str,
        head_sha: &str,
        text: &str,
    ) -> Result<String, String> {
        let (reply, outcome) = oneshot::channel();
        let answer = WebAnswer {
            question: question_id.to_string(),
            head: head_sha.to_string(),
            text: text.to_string(),
            reply,
        };
        let desk = DESK.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let not_asking =
            || "the run is not asking questions now; try again in a moment".to_string();
        desk.ok_or_else(not_asking)?
            .send(answer)
            .map_err(|_| not_asking())?;
        outcome.await.map_err(|_| not_asking())?
    }
}
