//! The append-only event log. Every write of the store appends its event in
//! the same transaction as the change, so the log and the state never
//! disagree; the schema's triggers refuse updates and deletes.

use rusqlite::{Connection, Row, params};

use super::codec::{Ts, now_text};
use super::error::{CheckpointError, Result};
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
        NewEvent { run, issue: None, kind, from: None, to: None, detail: None }
    }

    pub fn issue(run: RunId, issue: IssueNumber, kind: &'a str) -> Self {
        NewEvent { issue: Some(issue), ..NewEvent::run(run, kind) }
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
    let touched = conn.execute("UPDATE runs SET updated_at = ?2 WHERE id = ?1", params![event.run, now])?;
    if touched == 0 {
        return Err(CheckpointError::UnknownRun(event.run));
    }
    conn.execute(
        "INSERT INTO events (run_id, issue, at, kind, from_state, to_state, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![event.run, event.issue, now, event.kind, event.from, event.to, event.detail],
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
            let event = NewEvent { issue, detail: detail.map(str::to_string), ..NewEvent::run(run, kind) };
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

    /// One issue's events in a run, oldest first.
    pub fn issue_events(&self, run: RunId, issue: IssueNumber) -> Result<Vec<EventRow>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE run_id = ?1 AND issue = ?2 ORDER BY id");
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![run, issue], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
