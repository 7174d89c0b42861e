//! The answer endpoint: `POST /api/answer` hands a human's answer to a
//! question to the run's approval engine through [`AnswerSink`], or refuses
//! when the page is read-only (`serve` beside or after a run).

use std::sync::Arc;

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::server::Shared;

/// Where the page's answers go: the running process's approval engine.
/// `Ok` carries what to show the human; `Err` why the answer was refused
/// (a stale head, a question already answered).
#[async_trait]
pub trait AnswerSink: Send + Sync {
    async fn answer(&self, question_id: &str, head_sha: &str, text: &str)
    -> Result<String, String>;
}

/// What the page posts.
#[derive(Debug, Deserialize)]
pub struct AnswerBody {
    pub question: String,
    /// The head the human saw; an answer applies to it only.
    #[serde(default)]
    pub head: String,
    /// `merge`, `skip` or `changes: <feedback>`.
    pub answer: String,
}

/// Why a page with no sink refuses: answering belongs to the process that asked.
pub const READ_ONLY: &str = "read-only: answer in the running process's page, Telegram or terminal";

pub async fn post(State(shared): State<Arc<Shared>>, Json(body): Json<AnswerBody>) -> Response {
    let Some(sink) = &shared.answers else {
        return (StatusCode::CONFLICT, READ_ONLY).into_response();
    };
    if body.question.trim().is_empty() || body.answer.trim().is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            "an answer needs a question and a text",
        )
            .into_response();
    }
    match sink
        .answer(&body.question, &body.head, body.answer.trim())
        .await
    {
        Ok(message) => (StatusCode::OK, message).into_response(),
        Err(why) => (StatusCode::CONFLICT, why).into_response(),
    }
}
