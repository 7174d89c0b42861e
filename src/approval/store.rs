//! The approval engine's view of the checkpoint: the question and key/value
//! commands it sends to the `CheckpointActor`, awaited before the side
//! effect each one announces (persist, then act).

use actix::{Addr, MailboxError};

use crate::actors::CheckpointActor;
use crate::checkpoint::{CheckpointError, NewQuestion, QuestionRow, RunId};
use crate::messages::checkpoint::{
    AnswerQuestion, GetQuestion, InsertQuestion, KvGet, KvSet, MarkReminded, OpenQuestions,
    QuestionByMessage, SetQuestionMessage, StoreCommand, VoidQuestion,
};

/// Why a checkpoint command failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("reach the checkpoint: {0}")]
    Mailbox(#[from] MailboxError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// The checkpoint commands the approval engine uses.
#[derive(Clone)]
pub struct Questions {
    addr: Addr<CheckpointActor>,
}

impl Questions {
    pub fn new(addr: Addr<CheckpointActor>) -> Self {
        Questions { addr }
    }

    async fn call<M, T>(&self, msg: M) -> Result<T, StoreError>
    where
        M: StoreCommand<Result = Result<T, CheckpointError>>,
        T: Send + 'static,
    {
        Ok(self.addr.send(msg).await??)
    }

    pub async fn insert(&self, question: NewQuestion) -> Result<QuestionRow, StoreError> {
        self.call(InsertQuestion { question }).await
    }

    pub async fn set_message(&self, id: &str, message_id: i64) -> Result<QuestionRow, StoreError> {
        let id = id.to_string();
        self.call(SetQuestionMessage { id, message_id }).await
    }

    pub async fn answer(
        &self,
        id: &str,
        answer: String,
        by: &str,
    ) -> Result<QuestionRow, StoreError> {
        let msg = AnswerQuestion {
            id: id.to_string(),
            answer,
            answered_by: Some(by.to_string()),
        };
        self.call(msg).await
    }

    pub async fn void(&self, id: &str, why: &str) -> Result<QuestionRow, StoreError> {
        let msg = VoidQuestion {
            id: id.to_string(),
            why: why.to_string(),
        };
        self.call(msg).await
    }

    pub async fn mark_reminded(&self, id: &str) -> Result<QuestionRow, StoreError> {
        self.call(MarkReminded { id: id.to_string() }).await
    }

    pub async fn open(&self, run: RunId) -> Result<Vec<QuestionRow>, StoreError> {
        self.call(OpenQuestions { run }).await
    }

    pub async fn get(&self, id: &str) -> Result<Option<QuestionRow>, StoreError> {
        self.call(GetQuestion { id: id.to_string() }).await
    }

    pub async fn by_message(
        &self,
        channel: &str,
        message_id: i64,
    ) -> Result<Option<QuestionRow>, StoreError> {
        let channel = channel.to_string();
        self.call(QuestionByMessage {
            channel,
            message_id,
        })
        .await
    }

    pub async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.call(KvGet { key: key.into() }).await
    }

    pub async fn kv_set(&self, key: &str, value: String) -> Result<(), StoreError> {
        self.call(KvSet {
            key: key.into(),
            value,
        })
        .await
    }
}
