//! Per-issue rows: checked state transitions, the explicit reopen on resume,
//! patches without a state change, the worker process, and cost.

use super::cached::Cached;
use rusqlite::ToSql;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::json;

use super::codec::{PathCol, Ts, now_text, u64_from_sql, u64_to_sql};
use super::error::{CheckpointError, Result};
use super::events::{NewEvent, insert_event};
use super::model::{CostTotals, IssueRow, IssueState, RunId, SessionRef, WorkerRef, event_kind};
use super::patch::{Assign, IssuePatch};
use super::runs::check_amount;
use super::store::Store;
use crate::ids::IssueNumber;

const ISSUE_COLUMNS: &str = "run_id, issue, title, wave, state, branch, pr, head_sha, worktree, \
     attempts, ci_fix_attempts, review_rounds, review_step, last_error, skip_reason, cost_usd, \
     worker_pid, worker_start_ticks, worker_mark, session_id, session_kind, activity, machine, \
     started_at, finished_at, updated_at";

fn issue_from_row(row: &Row<'_>) -> rusqlite::Result<IssueRow> {
    let pid: Option<u32> = row.get("worker_pid")?;
    let ticks = row.get_ref("worker_start_ticks")?;
    let worker = match pid {
        Some(pid) => Some(WorkerRef {
            pid,
            start_ticks: u64_from_sql(ticks)?,
        }),
        None => None,
    };
    let review_step: Option<super::codec::Json> = row.get("review_step")?;
    let activity: Option<super::codec::Json> = row.get("activity")?;
    let machine: Option<super::codec::Json> = row.get("machine")?;
    let session_id: Option<String> = row.get("session_id")?;
    let session_kind: Option<String> = row.get("session_kind")?;
    Ok(IssueRow {
        run_id: row.get("run_id")?,
        issue: row.get("issue")?,
        title: row.get("title")?,
        wave: row.get("wave")?,
        state: row.get("state")?,
        branch: row.get("branch")?,
        pr: row.get("pr")?,
        head_sha: row.get("head_sha")?,
        worktree: row.get::<_, Option<PathCol>>("worktree")?.map(|p| p.0),
        attempts: row.get("attempts")?,
        ci_fix_attempts: row.get("ci_fix_attempts")?,
        review_rounds: row.get("review_rounds")?,
        review_step: review_step.map(|j| j.0),
        last_error: row.get("last_error")?,
        skip_reason: row.get("skip_reason")?,
        cost_usd: row.get("cost_usd")?,
        worker,
        worker_mark: row.get("worker_mark")?,
        session: session_id.map(|id| SessionRef {
            id,
            kind: session_kind.unwrap_or_default(),
        }),
        activity: activity.map(|j| j.0),
        machine: machine.map(|j| j.0),
        started_at: row.get::<_, Option<Ts>>("started_at")?.map(|t| t.0),
        finished_at: row.get::<_, Option<Ts>>("finished_at")?.map(|t| t.0),
        updated_at: row.get::<_, Ts>("updated_at")?.0,
    })
}

pub(crate) fn load_issue_in(conn: &Connection, run: RunId, issue: IssueNumber) -> Result<IssueRow> {
    let sql = format!("SELECT {ISSUE_COLUMNS} FROM run_issues WHERE run_id = ?1 AND issue = ?2");
    conn.row(&sql, params![run, issue], issue_from_row)
        .optional()?
        .ok_or(CheckpointError::UnknownIssue { run, issue })
}

/// Applies `patch` (and a state change, if any) to one row with one UPDATE.
/// `started_at` is stamped when the issue first gets past `pending`, and
/// `finished_at` follows whether the new state is final.
fn apply(
    conn: &Connection,
    current: &IssueRow,
    to: Option<IssueState>,
    patch: &IssuePatch,
) -> Result<()> {
    let now = now_text();
    let mut sets = vec!["updated_at = ?3".to_string()];
    let mut values = vec![Value::Text(now.clone())];
    if let Some(to) = to {
        values.push(Value::Text(to.as_str().to_string()));
        sets.push(format!("state = ?{}", values.len() + 2));
        let finished = if to.is_final() {
            Value::Text(now.clone())
        } else {
            Value::Null
        };
        values.push(finished);
        sets.push(format!("finished_at = ?{}", values.len() + 2));
        if !matches!(
            to,
            IssueState::Pending | IssueState::Skipped | IssueState::Failed
        ) {
            sets.push("started_at = coalesce(started_at, ?3)".to_string());
        }
    }
    for assign in patch.assignments()? {
        match assign {
            Assign::Set(col, value) => {
                values.push(value);
                sets.push(format!("{col} = ?{}", values.len() + 2));
            }
            Assign::Increment(col) => sets.push(format!("{col} = {col} + 1")),
        }
    }
    // Guarded on the state we checked, although the IMMEDIATE transaction
    // already excludes any other writer: a cheap second line of defence.
    let sql = format!(
        "UPDATE run_issues SET {} WHERE run_id = ?1 AND issue = ?2 AND state = '{}'",
        sets.join(", "),
        current.state.as_str()
    );
    let mut all: Vec<&dyn ToSql> = vec![&current.run_id, &current.issue];
    all.extend(values.iter().map(|v| v as &dyn ToSql));
    let changed = conn.exec(&sql, params_from_iter(all))?;
    debug_assert_eq!(changed, 1, "the row was read in this transaction");
    Ok(())
}

impl Store {
    /// A run's issues, by wave then number.
    pub fn load_issues(&self, run: RunId) -> Result<Vec<IssueRow>> {
        let sql = format!(
            "SELECT {ISSUE_COLUMNS} FROM run_issues WHERE run_id = ?1 ORDER BY wave, issue"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([run], issue_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn load_issue(&self, run: RunId, issue: IssueNumber) -> Result<IssueRow> {
        load_issue_in(&self.conn, run, issue)
    }

    /// Moves an issue to `to` with `patch`, if [`IssueState::can_move_to`]
    /// allows it; the event and the change commit together or not at all.
    pub fn transition(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        to: IssueState,
        patch: IssuePatch,
    ) -> Result<IssueRow> {
        self.transition_from(run, issue, to, patch)
            .map(|(_, row)| row)
    }

    /// Like [`Store::transition`], and also says which state the issue left,
    /// read in the same transaction (so a caller need not read it first).
    pub fn transition_from(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        to: IssueState,
        patch: IssuePatch,
    ) -> Result<(IssueState, IssueRow)> {
        self.write(|tx| {
            let current = load_issue_in(tx, run, issue)?;
            if !current.state.can_move_to(to) {
                return Err(CheckpointError::ForbiddenTransition {
                    issue,
                    from: current.state,
                    to,
                });
            }
            let mut event = NewEvent::issue(run, issue, event_kind::TRANSITION)
                .states(current.state.as_str(), to.as_str());
            event.detail = patch.summary().map(|s| s.to_string());
            insert_event(tx, event)?;
            apply(tx, &current, Some(to), &patch)?;
            Ok((current.state, load_issue_in(tx, run, issue)?))
        })
    }

    /// Reopens a `failed` issue, one a crash left `running`, or one skipped
    /// because a blocker failed, on resume
    /// ([`IssueState::can_reopen_to`]), recording `why`. The previous error
    /// moves into the event and is cleared from the row.
    pub fn reopen_for_resume(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        to: IssueState,
        why: &str,
        patch: IssuePatch,
    ) -> Result<IssueRow> {
        self.write(|tx| {
            let current = load_issue_in(tx, run, issue)?;
            if !current.state.can_reopen_to(to) {
                return Err(CheckpointError::ForbiddenReopen {
                    issue,
                    from: current.state,
                    to,
                });
            }
            let detail = json!({
                "why": why,
                "previous_error": current.last_error,
                "patch": patch.summary(),
            });
            let event = NewEvent::issue(run, issue, event_kind::REOPENED)
                .states(current.state.as_str(), to.as_str())
                .detail(detail);
            insert_event(tx, event)?;
            apply(
                tx,
                &current,
                Some(to),
                &patch.clear_last_error().clear_skip_reason(),
            )?;
            load_issue_in(tx, run, issue)
        })
    }

    /// Changes an issue without changing its state (a new head SHA, the next
    /// review step, one more CI fix). An empty patch writes nothing.
    pub fn update_issue(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        patch: IssuePatch,
    ) -> Result<IssueRow> {
        let Some(summary) = patch.summary() else {
            return self.load_issue(run, issue);
        };
        self.write(|tx| {
            let current = load_issue_in(tx, run, issue)?;
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::UPDATED).detail(summary),
            )?;
            apply(tx, &current, None, &patch)?;
            load_issue_in(tx, run, issue)
        })
    }

    /// Records that a worker is about to start with `mark` in its
    /// environment, before it is spawned: a crash between the spawn and
    /// [`Store::record_worker`] still leaves its processes findable.
    pub fn record_worker_intent(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        mark: &str,
    ) -> Result<()> {
        self.write(|tx| {
            load_issue_in(tx, run, issue)?;
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::WORKER_INTENT).detail(json!({ "mark": mark })),
            )?;
            tx.exec(
                "UPDATE run_issues SET worker_mark = ?3, updated_at = ?4 WHERE run_id = ?1 AND issue = ?2",
                params![run, issue, mark, now_text()],
            )?;
            Ok(())
        })
    }

    /// Records the worker process just launched for an issue (`mark`, when
    /// given, replaces the one its intent recorded).
    pub fn record_worker(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        worker: WorkerRef,
        mark: Option<&str>,
    ) -> Result<()> {
        self.write(|tx| {
            load_issue_in(tx, run, issue)?;
            let detail = json!({ "pid": worker.pid, "start_ticks": worker.start_ticks });
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::WORKER_STARTED).detail(detail),
            )?;
            tx.exec(
                "UPDATE run_issues SET worker_pid = ?3, worker_start_ticks = ?4,
                     worker_mark = coalesce(?5, worker_mark), updated_at = ?6
                 WHERE run_id = ?1 AND issue = ?2",
                params![
                    run,
                    issue,
                    worker.pid,
                    u64_to_sql(worker.start_ticks)?,
                    mark,
                    now_text()
                ],
            )?;
            Ok(())
        })
    }

    /// Forgets the issue's worker process (it exited or was killed). Writes
    /// nothing when no worker is recorded.
    pub fn clear_worker(&mut self, run: RunId, issue: IssueNumber) -> Result<()> {
        self.write(|tx| {
            let row = load_issue_in(tx, run, issue)?;
            if row.worker.is_none() && row.worker_mark.is_none() {
                return Ok(());
            }
            let detail = json!({
                "pid": row.worker.map(|w| w.pid),
                "start_ticks": row.worker.map(|w| w.start_ticks),
            });
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::WORKER_CLEARED).detail(detail),
            )?;
            tx.exec(
                "UPDATE run_issues SET worker_pid = NULL, worker_start_ticks = NULL, worker_mark = NULL,
                     activity = NULL, updated_at = ?3
                 WHERE run_id = ?1 AND issue = ?2",
                params![run, issue, now_text()],
            )?;
            Ok(())
        })
    }

    /// Adds spend to the issue and to the run's total; returns both totals so
    /// the caller can compare against the budget.
    pub fn add_cost(&mut self, run: RunId, issue: IssueNumber, usd: f64) -> Result<CostTotals> {
        check_amount(usd)?;
        self.write(|tx| {
            load_issue_in(tx, run, issue)?;
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::COST).detail(json!({ "usd": usd })),
            )?;
            let now = now_text();
            tx.exec(
                "UPDATE run_issues SET cost_usd = cost_usd + ?3, updated_at = ?4
                 WHERE run_id = ?1 AND issue = ?2",
                params![run, issue, usd, now],
            )?;
            tx.exec(
                "UPDATE runs SET cost_usd_total = cost_usd_total + ?2 WHERE id = ?1",
                params![run, usd],
            )?;
            let issue_usd = tx.row(
                "SELECT cost_usd FROM run_issues WHERE run_id = ?1 AND issue = ?2",
                params![run, issue],
                |r| r.get(0),
            )?;
            let run_usd = tx.row(
                "SELECT cost_usd_total FROM runs WHERE id = ?1",
                [run],
                |r| r.get(0),
            )?;
            Ok(CostTotals { issue_usd, run_usd })
        })
    }
}

#[cfg(test)]
mod tests;
