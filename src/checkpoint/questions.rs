//! Approval questions asked of a human. A question is stored before it is
//! sent (persist first), carries the token a reply must quote, and is
//! answered or voided exactly once.

use super::cached::Cached;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::codec::{Ts, now_text};
use super::error::{CheckpointError, Result};
use super::events::{NewEvent, insert_event};
use super::model::{NewQuestion, QuestionRow, QuestionStatus, RunId, event_kind};
use super::store::Store;

const QUESTION_COLUMNS: &str = "id, run_id, issue, pr, head_sha, kind, channel, chat_message_id, \
     text, status, answer, answered_by, asked_at, answered_at, reminded_at";

fn question_from_row(row: &Row<'_>) -> rusqlite::Result<QuestionRow> {
    Ok(QuestionRow {
        id: row.get("id")?,
        run_id: row.get("run_id")?,
        issue: row.get("issue")?,
        pr: row.get("pr")?,
        head_sha: row.get("head_sha")?,
        kind: row.get("kind")?,
        channel: row.get("channel")?,
        chat_message_id: row.get("chat_message_id")?,
        text: row.get("text")?,
        status: row.get("status")?,
        answer: row.get("answer")?,
        answered_by: row.get("answered_by")?,
        asked_at: row.get::<_, Ts>("asked_at")?.0,
        answered_at: row.get::<_, Option<Ts>>("answered_at")?.map(|t| t.0),
        reminded_at: row.get::<_, Option<Ts>>("reminded_at")?.map(|t| t.0),
    })
}

fn query_questions(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<QuestionRow>> {
    let sql = format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE {filter}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params, question_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn question_in(conn: &Connection, id: &str) -> Result<QuestionRow> {
    let sql = format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE id = ?1");
    conn.row(&sql, [id], question_from_row)
        .optional()?
        .ok_or_else(|| CheckpointError::UnknownQuestion(id.to_string()))
}

/// The question, if it is still open; `action` names the refused operation.
fn open_question_in(conn: &Connection, id: &str, action: &'static str) -> Result<QuestionRow> {
    let q = question_in(conn, id)?;
    if q.status != QuestionStatus::Open {
        return Err(CheckpointError::QuestionClosed {
            id: id.to_string(),
            action,
            status: q.status,
        });
    }
    Ok(q)
}

fn question_event<'a>(q: &QuestionRow, kind: &'a str, detail: serde_json::Value) -> NewEvent<'a> {
    let mut event = NewEvent::run(q.run_id, kind).detail(detail);
    event.issue = q.issue;
    event
}

impl Store {
    /// Stores a new open question. Refused while a question of the same kind
    /// about the same issue (or the run, for plan and budget) is open.
    pub fn insert_question(&mut self, new: &NewQuestion) -> Result<QuestionRow> {
        self.write(|tx| {
            let same = "run_id = ?1 AND kind = ?2 AND coalesce(issue, 0) = coalesce(?3, 0) AND status = 'open'";
            if let Some(existing) = query_questions(tx, same, params![new.run_id, new.kind, new.issue])?.pop() {
                return Err(CheckpointError::QuestionAlreadyOpen { id: new.id.clone(), existing: existing.id });
            }
            tx.exec(
                "INSERT INTO questions (id, run_id, issue, pr, head_sha, kind, channel, text, asked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    new.id,
                    new.run_id,
                    new.issue,
                    new.pr,
                    new.head_sha,
                    new.kind,
                    new.channel,
                    new.text,
                    now_text()
                ],
            )?;
            let q = question_in(tx, &new.id)?;
            let detail = json!({ "id": q.id, "kind": q.kind, "pr": q.pr, "head_sha": q.head_sha });
            insert_event(tx, question_event(&q, event_kind::QUESTION_ASKED, detail))?;
            Ok(q)
        })
    }

    /// Records the chat message that carries the question, so a reply to that
    /// message can be tied back to it.
    pub fn set_question_message(&mut self, id: &str, chat_message_id: i64) -> Result<QuestionRow> {
        self.write(|tx| {
            let q = open_question_in(tx, id, "send")?;
            let detail = json!({ "id": id, "chat_message_id": chat_message_id });
            insert_event(tx, question_event(&q, event_kind::QUESTION_SENT, detail))?;
            tx.exec(
                "UPDATE questions SET chat_message_id = ?2 WHERE id = ?1",
                params![id, chat_message_id],
            )?;
            question_in(tx, id)
        })
    }

    /// Records the answer to an open question; `answered_by` is who replied,
    /// as the channel names them.
    pub fn answer_question(
        &mut self,
        id: &str,
        answer: &str,
        answered_by: Option<&str>,
    ) -> Result<QuestionRow> {
        self.write(|tx| {
            let q = open_question_in(tx, id, "answer")?;
            let detail = json!({ "id": id, "answer": answer, "answered_by": answered_by });
            insert_event(tx, question_event(&q, event_kind::QUESTION_ANSWERED, detail))?;
            tx.exec(
                "UPDATE questions SET status = 'answered', answer = ?2, answered_by = ?3, answered_at = ?4
                 WHERE id = ?1",
                params![id, answer, answered_by, now_text()],
            )?;
            question_in(tx, id)
        })
    }

    /// Closes an open question without an answer (the head moved, the run
    /// ended), recording why.
    pub fn void_question(&mut self, id: &str, why: &str) -> Result<QuestionRow> {
        self.write(|tx| {
            let q = open_question_in(tx, id, "void")?;
            let detail = json!({ "id": id, "why": why });
            insert_event(tx, question_event(&q, event_kind::QUESTION_VOIDED, detail))?;
            tx.exec("UPDATE questions SET status = 'void' WHERE id = ?1", [id])?;
            question_in(tx, id)
        })
    }

    /// Stamps the time a reminder was sent for an open question.
    pub fn mark_reminded(&mut self, id: &str) -> Result<QuestionRow> {
        self.write(|tx| {
            let q = open_question_in(tx, id, "remind about")?;
            insert_event(
                tx,
                question_event(&q, event_kind::QUESTION_REMINDED, json!({ "id": id })),
            )?;
            tx.exec(
                "UPDATE questions SET reminded_at = ?2 WHERE id = ?1",
                params![id, now_text()],
            )?;
            question_in(tx, id)
        })
    }

    /// A run's open questions, oldest first.
    pub fn open_questions(&self, run: RunId) -> Result<Vec<QuestionRow>> {
        query_questions(
            &self.conn,
            "run_id = ?1 AND status = 'open' ORDER BY asked_at, rowid",
            [run],
        )
    }

    pub fn question(&self, id: &str) -> Result<Option<QuestionRow>> {
        match question_in(&self.conn, id) {
            Ok(q) => Ok(Some(q)),
            Err(CheckpointError::UnknownQuestion(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The newest question carried by this chat message, if any. Message ids
    /// are unique per chat, so name the chat in `channel` (`telegram:<chat>`)
    /// if more than one is used.
    pub fn question_by_message(
        &self,
        channel: &str,
        chat_message_id: i64,
    ) -> Result<Option<QuestionRow>> {
        let filter = "channel = ?1 AND chat_message_id = ?2 ORDER BY rowid DESC LIMIT 1";
        Ok(query_questions(&self.conn, filter, params![channel, chat_message_id])?.pop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::model::QuestionKind;
    use crate::checkpoint::testutil::store_with_run;
    use crate::ids::{CommitSha, IssueNumber, PrNumber};

    fn merge_question(run: RunId, id: &str, issue: u64) -> NewQuestion {
        NewQuestion {
            id: id.to_string(),
            run_id: run,
            issue: Some(IssueNumber(issue)),
            pr: Some(PrNumber(100 + issue)),
            head_sha: Some(CommitSha("b".repeat(40))),
            kind: QuestionKind::Merge,
            channel: "telegram:42".to_string(),
            text: format!("Merge PR #{}?", 100 + issue),
        }
    }

    #[test]
    fn a_question_is_asked_sent_reminded_and_answered_once() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let asked = store
            .insert_question(&merge_question(run, "q1", 1))
            .unwrap();
        assert_eq!(
            (asked.status, asked.chat_message_id, asked.answer.as_deref()),
            (QuestionStatus::Open, None, None)
        );
        store.set_question_message("q1", 555).unwrap();
        assert_eq!(
            store
                .question_by_message("telegram:42", 555)
                .unwrap()
                .unwrap()
                .id,
            "q1"
        );
        assert!(
            store
                .question_by_message("telegram:43", 555)
                .unwrap()
                .is_none()
        );
        assert!(store.mark_reminded("q1").unwrap().reminded_at.is_some());
        assert_eq!(store.open_questions(run).unwrap().len(), 1);

        let answered = store
            .answer_question("q1", "merge", Some("user:7"))
            .unwrap();
        assert_eq!(answered.status, QuestionStatus::Answered);
        assert_eq!(
            (answered.answer.as_deref(), answered.answered_by.as_deref()),
            (Some("merge"), Some("user:7"))
        );
        assert!(answered.answered_at.is_some());
        assert!(store.open_questions(run).unwrap().is_empty());

        let err = store.answer_question("q1", "skip", None).unwrap_err();
        assert!(
            matches!(
                err,
                CheckpointError::QuestionClosed {
                    status: QuestionStatus::Answered,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            store.question("q1").unwrap().unwrap().answer.as_deref(),
            Some("merge")
        );
        let kinds: Vec<_> = store
            .issue_events(run, IssueNumber(1))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                event_kind::QUESTION_ASKED,
                event_kind::QUESTION_SENT,
                event_kind::QUESTION_REMINDED,
                event_kind::QUESTION_ANSWERED
            ]
        );
    }

    #[test]
    fn only_one_open_question_per_subject() {
        let (_dir, mut store, run) = store_with_run(&[1, 2]);
        store
            .insert_question(&merge_question(run, "q1", 1))
            .unwrap();
        let err = store
            .insert_question(&merge_question(run, "q2", 1))
            .unwrap_err();
        assert!(
            matches!(&err, CheckpointError::QuestionAlreadyOpen { existing, .. } if existing == "q1"),
            "{err}"
        );
        store
            .insert_question(&merge_question(run, "q3", 2))
            .unwrap();

        let voided = store.void_question("q1", "head moved").unwrap();
        assert_eq!((voided.status, voided.answer), (QuestionStatus::Void, None));
        assert!(store.void_question("q1", "again").is_err());
        store
            .insert_question(&merge_question(run, "q2", 1))
            .unwrap();
        let open: Vec<_> = store
            .open_questions(run)
            .unwrap()
            .into_iter()
            .map(|q| q.id)
            .collect();
        assert_eq!(open, ["q3", "q2"]);
    }

    #[test]
    fn run_level_questions_have_no_issue_and_merge_questions_need_a_head() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let plan = NewQuestion {
            issue: None,
            pr: None,
            head_sha: None,
            kind: QuestionKind::Plan,
            ..merge_question(run, "p1", 1)
        };
        assert_eq!(store.insert_question(&plan).unwrap().issue, None);
        let err = store
            .insert_question(&NewQuestion {
                id: "p2".into(),
                ..plan.clone()
            })
            .unwrap_err();
        assert!(
            matches!(err, CheckpointError::QuestionAlreadyOpen { .. }),
            "{err}"
        );

        let headless = NewQuestion {
            head_sha: None,
            ..merge_question(run, "m1", 1)
        };
        let err = store.insert_question(&headless).unwrap_err();
        assert!(
            err.to_string().contains("merge_question_names_head"),
            "{err}"
        );
        assert!(store.question("m1").unwrap().is_none());
        assert!(matches!(
            store.answer_question("nope", "x", None),
            Err(CheckpointError::UnknownQuestion(_))
        ));
    }
}
