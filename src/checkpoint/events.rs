//! The append-only event log. Every write of the store appends its event in
//! the same transaction as the change, so the log and the state never
//! disagree; the schema's triggers refuse updates and deletes.

use super::cached::Cached;
use rusqlite::{Connection, Row, params};

use super::codec::{Ts, now_text};
use super::error::{CheckpointError, Result};
use super::issues::load_issue_in;
use super::model::{EventRow, RunId};
use super::store::Store;
use crate::ids::IssueNumber;

/// An event about to be written; states are the stored names.
pub(crate) struct NewEvent<'a> {
    pub run: RunId,
    pub issue: Option<IssueNumber>,
    pub kind: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub detail: Option<String>,
}

impl<'a> NewEvent<'a> {
    pub fn run(run: RunId, kind: &'a str) -> Self {
        NewEvent {
            run,
            issue: None,
            kind,
            from: None,
            to: None,
            detail: None,
        }
    }

    pub fn issue(run: RunId, issue: IssueNumber, kind: &'a str) -> Self {
        NewEvent {
            issue: Some(issue),
            ..NewEvent::run(run, kind)
        }
    }

    pub fn states(mut self, from: &'a str, to: &'a str) -> Self {
        self.from = Some(from);
        self.to = Some(to);
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail.to_string());
        self
    }
}

/// Appends `event` and stamps the run's `updated_at`, failing with
/// `UnknownRun` when the run does not exist.
pub(crate) fn insert_event(conn: &Connection, event: NewEvent<'_>) -> Result<i64> {
    let now = now_text();
    let touched = conn.exec(
        "UPDATE runs SET updated_at = ?2 WHERE id = ?1",
        params![event.run, now],
    )?;
    if touched == 0 {
        return Err(CheckpointError::UnknownRun(event.run));
    }
    conn.exec(
        "INSERT INTO events (run_id, issue, at, kind, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            event.run,
            event.issue,
            now,
            event.kind,
            event.from,
            event.to,
            event.detail
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

const EVENT_COLUMNS: &str = "id, run_id, issue, at, kind, from_state, to_state, detail";

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: row.get("id")?,
        run_id: row.get("run_id")?,
        issue: row.get("issue")?,
        at: row.get::<_, Ts>("at")?.0,
        kind: row.get("kind")?,
        from_state: row.get("from_state")?,
        to_state: row.get("to_state")?,
        detail: row.get("detail")?,
    })
}

impl Store {
    /// Appends a caller's event (a note, a decision, a side effect taken);
    /// `detail` is free text, JSON by convention. Returns the event's id.
    pub fn append_event(
        &mut self,
        run: RunId,
        issue: Option<IssueNumber>,
        kind: &str,
        detail: Option<&str>,
    ) -> Result<i64> {
        self.write(|tx| {
            if let Some(issue) = issue {
                load_issue_in(tx, run, issue)?;
            }
            let event = NewEvent {
                issue,
                detail: detail.map(str::to_string),
                ..NewEvent::run(run, kind)
            };
            insert_event(tx, event)
        })
    }

    /// A run's whole log, oldest first.
    pub fn events(&self, run: RunId) -> Result<Vec<EventRow>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE run_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([run], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether the issue's log holds an event `kind` with exactly `detail`
    /// (an intent recorded before an effect).
    pub fn has_event(
        &self,
        run: RunId,
        issue: IssueNumber,
        kind: &str,
        detail: &str,
    ) -> Result<bool> {
        let n: i64 = self.conn.row(
            "SELECT count(*) FROM events WHERE run_id = ?1 AND issue = ?2 AND kind = ?3 AND detail = ?4",
            params![run, issue, kind, detail],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// One issue's events in a run, oldest first.
    pub fn issue_events(&self, run: RunId, issue: IssueNumber) -> Result<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE run_id = ?1 AND issue = ?2 ORDER BY id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![run, issue], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::model::event_kind;
    use crate::checkpoint::testutil::store_with_run;

    #[test]
    fn callers_append_events_in_order() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let first = store
            .append_event(run, Some(IssueNumber(1)), "pr_found", Some(r#"{"pr":4}"#))
            .unwrap();
        let second = store
            .append_event(run, None, "note", Some("plain text"))
            .unwrap();
        assert!(second > first);
        let events = store.events(run).unwrap();
        let tail: Vec<_> = events[1..]
            .iter()
            .map(|e| (e.issue, e.kind.as_str(), e.detail.as_deref()))
            .collect();
        assert_eq!(
            tail,
            [
                (Some(IssueNumber(1)), "pr_found", Some(r#"{"pr":4}"#)),
                (None, "note", Some("plain text"))
            ]
        );
        assert!(matches!(
            store.append_event(RunId(9), None, "x", None),
            Err(CheckpointError::UnknownRun(RunId(9)))
        ));
    }

    #[test]
    fn the_log_cannot_be_rewritten() {
        let (_dir, store, run) = store_with_run(&[1]);
        for sql in ["UPDATE events SET kind = 'forged'", "DELETE FROM events"] {
            let err = CheckpointError::from(store.conn.exec(sql, []).unwrap_err());
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(store.events(run).unwrap()[0].kind, event_kind::RUN_CREATED);
    }

    #[test]
    fn issue_events_need_an_issue_of_the_run() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let err = store
            .append_event(run, Some(IssueNumber(2)), "x", None)
            .unwrap_err();
        assert!(matches!(err, CheckpointError::UnknownIssue { .. }), "{err}");
    }
}
