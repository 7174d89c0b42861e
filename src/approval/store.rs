//! The approval engine's view of the checkpoint: the question and key/value
//! commands it sends to the checkpoint actor, awaited before the side
//! effect each one announces (persist, then act). It holds one recipient
//! per command, not the actor's address, so approval does not depend on
//! the actors that host it.

use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, MailboxError, Message, Recipient};

use crate::checkpoint::{CheckpointError, NewQuestion, QuestionRow, RunId};
use crate::messages::checkpoint::{
    AnswerQuestion, GetQuestion, InsertQuestion, KvGet, KvSet, MarkReminded, OpenQuestions,
    QuestionByMessage, SetQuestionMessage, VoidQuestion,
};

/// Why a checkpoint command failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("reach the checkpoint: {0}")]
    Mailbox(#[from] MailboxError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// An actor that answers every command the approval engine sends.
pub trait QuestionStore:
    Actor
    + Handler<InsertQuestion>
    + Handler<SetQuestionMessage>
    + Handler<AnswerQuestion>
    + Handler<VoidQuestion>
    + Handler<MarkReminded>
    + Handler<OpenQuestions>
    + Handler<GetQuestion>
    + Handler<QuestionByMessage>
    + Handler<KvGet>
    + Handler<KvSet>
{
}

/// The checkpoint commands the approval engine uses.
#[derive(Clone)]
pub struct Questions {
    insert: Recipient<InsertQuestion>,
    set_message: Recipient<SetQuestionMessage>,
    answer: Recipient<AnswerQuestion>,
    void: Recipient<VoidQuestion>,
    reminded: Recipient<MarkReminded>,
    open: Recipient<OpenQuestions>,
    get: Recipient<GetQuestion>,
    by_message: Recipient<QuestionByMessage>,
    kv_get: Recipient<KvGet>,
    kv_set: Recipient<KvSet>,
}

impl Questions {
    pub fn new<A>(addr: Addr<A>) -> Self
    where
        A: QuestionStore,
        A::Context: ToEnvelope<A, InsertQuestion>
            + ToEnvelope<A, SetQuestionMessage>
            + ToEnvelope<A, AnswerQuestion>
            + ToEnvelope<A, VoidQuestion>
            + ToEnvelope<A, MarkReminded>
            + ToEnvelope<A, OpenQuestions>
            + ToEnvelope<A, GetQuestion>
            + ToEnvelope<A, QuestionByMessage>
            + ToEnvelope<A, KvGet>
            + ToEnvelope<A, KvSet>,
    {
        Questions {
            insert: addr.clone().recipient(),
            set_message: addr.clone().recipient(),
            answer: addr.clone().recipient(),
            void: addr.clone().recipient(),
            reminded: addr.clone().recipient(),
            open: addr.clone().recipient(),
            get: addr.clone().recipient(),
            by_message: addr.clone().recipient(),
            kv_get: addr.clone().recipient(),
            kv_set: addr.recipient(),
        }
    }
}

async fn call<M, T>(to: &Recipient<M>, msg: M) -> Result<T, StoreError>
where
    M: Message<Result = Result<T, CheckpointError>> + Send + 'static,
    T: Send + 'static,
{
    Ok(to.send(msg).await??)
}

impl Questions {
    pub async fn insert(&self, question: NewQuestion) -> Result<QuestionRow, StoreError> {
        call(&self.insert, InsertQuestion { question }).await
    }

    pub async fn set_message(&self, id: &str, message_id: i64) -> Result<QuestionRow, StoreError> {
        let id = id.to_string();
        call(&self.set_message, SetQuestionMessage { id, message_id }).await
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
        call(&self.answer, msg).await
    }

    pub async fn void(&self, id: &str, why: &str) -> Result<QuestionRow, StoreError> {
        let msg = VoidQuestion {
            id: id.to_string(),
            why: why.to_string(),
        };
        call(&self.void, msg).await
    }

    pub async fn mark_reminded(&self, id: &str) -> Result<QuestionRow, StoreError> {
        call(&self.reminded, MarkReminded { id: id.to_string() }).await
    }

    pub async fn open(&self, run: RunId) -> Result<Vec<QuestionRow>, StoreError> {
        call(&self.open, OpenQuestions { run }).await
    }

    pub async fn get(&self, id: &str) -> Result<Option<QuestionRow>, StoreError> {
        call(&self.get, GetQuestion { id: id.to_string() }).await
    }

    pub async fn by_message(
        &self,
        channel: &str,
        message_id: i64,
    ) -> Result<Option<QuestionRow>, StoreError> {
        let channel = channel.to_string();
        call(
            &self.by_message,
            QuestionByMessage {
                channel,
                message_id,
            },
        )
        .await
    }

    pub async fn kv_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        call(&self.kv_get, KvGet { key: key.into() }).await
    }

    pub async fn kv_set(&self, key: &str, value: String) -> Result<(), StoreError> {
        call(
            &self.kv_set,
            KvSet {
                key: key.into(),
                value,
            },
        )
        .await
    }
}
