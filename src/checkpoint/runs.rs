//! Runs: creating one with its planned issues, finding the run to resume,
//! and the run's status, with the rule that a run where nothing merged is
//! never `completed`.

use super::cached::Cached;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use super::codec::{Json, Ts, now_text};
use super::error::{CheckpointError, Result};
use super::events::{NewEvent, insert_event};
use super::model::{IssueState, NewRun, RunId, RunRow, RunStatus, completion_problem, event_kind};
use super::store::Store;
use crate::ids::{IssueNumber, RepoSlug};

const RUN_COLUMNS: &str = "id, repo, target_key, target_label, options, plan, status, \
                           cost_usd_total, budget_usd, started_at, updated_at, finished_at";

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        id: row.get("id")?,
        repo: row.get("repo")?,
        target_key: row.get("target_key")?,
        target_label: row.get("target_label")?,
        options: row.get::<_, Json>("options")?.0,
        plan: row.get::<_, Json>("plan")?.0,
        status: row.get("status")?,
        cost_usd_total: row.get("cost_usd_total")?,
        budget_usd: row.get("budget_usd")?,
        started_at: row.get::<_, Ts>("started_at")?.0,
        updated_at: row.get::<_, Ts>("updated_at")?.0,
        finished_at: row.get::<_, Option<Ts>>("finished_at")?.map(|t| t.0),
    })
}

/// The first run matching `filter` (SQL after WHERE, ending in ORDER BY).
fn query_run(
    conn: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<Option<RunRow>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE {filter} LIMIT 1");
    Ok(conn.row(&sql, params, run_from_row).optional()?)
}

pub(crate) fn load_run_in(conn: &Connection, run: RunId) -> Result<RunRow> {
    query_run(conn, "id = ?1", [run])?.ok_or(CheckpointError::UnknownRun(run))
}

fn unfinished_run(conn: &Connection, repo: &RepoSlug, target_key: &str) -> Result<Option<RunRow>> {
    query_run(
        conn,
        "repo = ?1 AND target_key = ?2 AND status IN ('running', 'interrupted') ORDER BY id DESC",
        params![repo, target_key],
    )
}

fn issue_states(conn: &Connection, run: RunId) -> Result<Vec<IssueState>> {
    let mut stmt = conn.prepare("SELECT state FROM run_issues WHERE run_id = ?1")?;
    let states = stmt.query_map([run], |r| r.get(0))?;
    Ok(states.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn check_amount(usd: f64) -> Result<()> {
    if usd.is_finite() && usd >= 0.0 {
        Ok(())
    } else {
        Err(CheckpointError::InvalidAmount(usd))
    }
}

impl Store {
    /// Records a new `running` run with its planned issues, all `pending`.
    /// Refused while another run for the same repo and target is unfinished.
    pub fn create_run(&mut self, new: &NewRun) -> Result<RunId> {
        if let Some(budget) = new.budget_usd {
            check_amount(budget)?;
        }
        self.write(|tx| {
            if let Some(existing) = unfinished_run(tx, &new.repo, &new.target_key)? {
                return Err(CheckpointError::UnfinishedRunExists {
                    repo: new.repo.to_string(),
                    target: new.target_label.clone(),
                    existing: existing.id,
                });
            }
            let now = now_text();
            tx.exec(
                "INSERT INTO runs (repo, target_key, target_label, options, plan, budget_usd,
                                   started_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    new.repo,
                    new.target_key,
                    new.target_label,
                    new.options.to_string(),
                    new.plan.to_string(),
                    new.budget_usd,
                    now
                ],
            )?;
            let run = RunId(tx.last_insert_rowid());
            let mut insert = tx.prepare(
                "INSERT INTO run_issues (run_id, issue, title, wave, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for issue in &new.issues {
                insert.execute(params![run, issue.number, issue.title, issue.wave, now])?;
            }
            let detail = json!({ "target": new.target_key, "issues": new.issues.len() });
            let event = NewEvent::run(run, event_kind::RUN_CREATED).detail(detail);
            insert_event(
                tx,
                NewEvent {
                    to: Some(RunStatus::Running.as_str()),
                    ..event
                },
            )?;
            Ok(run)
        })
    }

    /// The run to resume for this target: `running` (left by a crash) or
    /// `interrupted`.
    pub fn find_unfinished_run(&self, repo: &RepoSlug, target_key: &str) -> Result<Option<RunRow>> {
        unfinished_run(&self.conn, repo, target_key)
    }

    /// The newest run for this target, in any status.
    pub fn latest_run(&self, repo: &RepoSlug, target_key: &str) -> Result<Option<RunRow>> {
        query_run(
            &self.conn,
            "repo = ?1 AND target_key = ?2 ORDER BY id DESC",
            params![repo, target_key],
        )
    }

    /// The newest run of any target (what `status` shows by default).
    pub fn latest_run_any(&self) -> Result<Option<RunRow>> {
        query_run(&self.conn, "1 ORDER BY id DESC", [])
    }

    pub fn load_run(&self, run: RunId) -> Result<RunRow> {
        load_run_in(&self.conn, run)
    }

    /// Sets a run's status. A final status (completed, partial, failed) also
    /// stamps `finished_at`; `running` and `interrupted` clear it, since a
    /// resumed run is not finished. `completed` is refused unless every issue
    /// is final, none failed and at least one merged ([`completion_problem`]).
    pub fn set_run_status(&mut self, run: RunId, status: RunStatus) -> Result<RunRow> {
        self.write(|tx| {
            let current = load_run_in(tx, run)?;
            if status == RunStatus::Completed
                && let Some(reason) = completion_problem(&issue_states(tx, run)?)
            {
                return Err(CheckpointError::NotCompletable { run, reason });
            }
            let event = NewEvent::run(run, event_kind::RUN_STATUS);
            insert_event(tx, event.states(current.status.as_str(), status.as_str()))?;
            let finished = status.is_final().then(now_text);
            tx.exec(
                "UPDATE runs SET status = ?2, finished_at = ?3 WHERE id = ?1",
                params![run, status, finished],
            )?;
            load_run_in(tx, run)
        })
    }

    /// Ends a run with a final status; see [`Store::set_run_status`].
    pub fn finish_run(&mut self, run: RunId, status: RunStatus) -> Result<RunRow> {
        if !status.is_final() {
            return Err(CheckpointError::NotFinalStatus { run, status });
        }
        self.set_run_status(run, status)
    }

    /// Replaces the run's plan after a human's feedback re-planned it: the
    /// same issues, each possibly in another wave. A plan over other issues
    /// is refused (it is a new run, not a re-plan).
    pub fn replace_plan(
        &mut self,
        run: RunId,
        plan: &serde_json::Value,
        waves: &[(IssueNumber, u32)],
    ) -> Result<RunRow> {
        self.write(|tx| {
            let known: i64 = tx.row(
                "SELECT COUNT(*) FROM run_issues WHERE run_id = ?1",
                [run],
                |r| r.get(0),
            )?;
            if known != waves.len() as i64 {
                return Err(CheckpointError::Constraint(format!(
                    "a re-plan must keep the run's {known} issues, it has {}",
                    waves.len()
                )));
            }
            insert_event(
                tx,
                NewEvent::run(run, event_kind::PLAN_REPLACED).detail(json!({ "waves": waves })),
            )?;
            for (issue, wave) in waves {
                let changed = tx.exec(
                    "UPDATE run_issues SET wave = ?3 WHERE run_id = ?1 AND issue = ?2",
                    params![run, issue.0 as i64, wave],
                )?;
                if changed != 1 {
                    return Err(CheckpointError::Constraint(format!(
                        "issue {issue} is not in run {run}"
                    )));
                }
            }
            tx.exec(
                "UPDATE runs SET plan = ?2 WHERE id = ?1",
                params![run, plan.to_string()],
            )?;
            load_run_in(tx, run)
        })
    }

    /// Sets or lifts the run's spending cap (a human may raise it).
    pub fn set_budget(&mut self, run: RunId, budget_usd: Option<f64>) -> Result<RunRow> {
        if let Some(budget) = budget_usd {
            check_amount(budget)?;
        }
        self.write(|tx| {
            let event =
                NewEvent::run(run, event_kind::BUDGET).detail(json!({ "budget_usd": budget_usd }));
            insert_event(tx, event)?;
            tx.exec(
                "UPDATE runs SET budget_usd = ?2 WHERE id = ?1",
                params![run, budget_usd],
            )?;
            load_run_in(tx, run)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::model::IssueState::*;
    use crate::checkpoint::testutil::{drive_to, new_run, store_with_run, temp_store};

    #[test]
    fn a_replan_moves_waves_and_refuses_other_issues() {
        let (_dir, mut store, run) = store_with_run(&[1, 2]);
        let plan = serde_json::json!({"execution_waves": []});
        store
            .replace_plan(run, &plan, &[(IssueNumber(1), 1), (IssueNumber(2), 2)])
            .unwrap();
        let waves: Vec<u32> = store
            .load_issues(run)
            .unwrap()
            .iter()
            .map(|r| r.wave)
            .collect();
        assert_eq!(waves, [1, 2]);
        assert_eq!(store.load_run(run).unwrap().plan, plan);
        assert!(
            store
                .replace_plan(run, &plan, &[(IssueNumber(1), 1)])
                .is_err()
        );
        assert!(
            store
                .replace_plan(run, &plan, &[(IssueNumber(1), 1), (IssueNumber(9), 1)])
                .is_err()
        );
        assert_eq!(
            store.load_issues(run).unwrap()[1].wave,
            2,
            "a refused re-plan writes nothing"
        );
    }

    #[test]
    fn a_new_run_has_its_issues_pending_and_a_created_event() {
        let (_dir, store, run) = store_with_run(&[3, 1, 2]);
        let row = store.load_run(run).unwrap();
        assert_eq!(
            (row.status, row.finished_at, row.budget_usd),
            (RunStatus::Running, None, Some(25.0))
        );
        assert_eq!(row.repo, RepoSlug::new("acme", "widgets"));
        assert_eq!(row.options, json!({ "parallel": 2 }));
        let issues = store.load_issues(run).unwrap();
        let numbers: Vec<u64> = issues.iter().map(|i| i.issue.0).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert!(
            issues
                .iter()
                .all(|i| i.state == Pending && i.attempts == 0 && i.worker.is_none())
        );
        let events = store.events(run).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(
            (events[0].kind.as_str(), events[0].issue),
            (event_kind::RUN_CREATED, None)
        );
    }

    #[test]
    fn one_unfinished_run_per_target() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let mut same = new_run("milestone:M1", &[1]);
        same.repo = RepoSlug::new("ACME", "Widgets");
        let err = store.create_run(&same).unwrap_err();
        assert!(
            matches!(err, CheckpointError::UnfinishedRunExists { existing, .. } if existing == run),
            "{err}"
        );
        let found = store
            .find_unfinished_run(&same.repo, "milestone:M1")
            .unwrap()
            .unwrap();
        assert_eq!(found.id, run);
        let other = store.create_run(&new_run("milestone:M2", &[1])).unwrap();
        assert_eq!(store.latest_run_any().unwrap().unwrap().id, other);

        store.set_run_status(run, RunStatus::Interrupted).unwrap();
        assert_eq!(
            store
                .find_unfinished_run(&same.repo, "milestone:M1")
                .unwrap()
                .unwrap()
                .id,
            run
        );
        store.finish_run(run, RunStatus::Failed).unwrap();
        assert!(
            store
                .find_unfinished_run(&same.repo, "milestone:M1")
                .unwrap()
                .is_none()
        );
        let next = store.create_run(&same).unwrap();
        assert_eq!(
            store
                .latest_run(&same.repo, "milestone:M1")
                .unwrap()
                .unwrap()
                .id,
            next
        );
    }

    #[test]
    fn a_run_where_nothing_merged_is_never_completed() {
        let (_dir, mut store, run) = store_with_run(&[1, 2]);
        drive_to(&mut store, run, IssueNumber(1), Failed);
        drive_to(&mut store, run, IssueNumber(2), Skipped);
        let events = store.events(run).unwrap().len();
        let err = store.finish_run(run, RunStatus::Completed).unwrap_err();
        assert!(
            matches!(err, CheckpointError::NotCompletable { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("an issue failed"), "{err}");
        let err = store.set_run_status(run, RunStatus::Completed).unwrap_err();
        assert!(
            matches!(err, CheckpointError::NotCompletable { .. }),
            "{err}"
        );
        assert_eq!(store.load_run(run).unwrap().status, RunStatus::Running);
        assert_eq!(store.events(run).unwrap().len(), events);

        let states: Vec<_> = store
            .load_issues(run)
            .unwrap()
            .iter()
            .map(|i| i.state)
            .collect();
        let row = store
            .finish_run(run, RunStatus::final_for(&states))
            .unwrap();
        assert_eq!(row.status, RunStatus::Failed);
        assert!(row.finished_at.is_some());
    }

    #[test]
    fn a_run_with_only_skips_is_not_completed_either() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        drive_to(&mut store, run, IssueNumber(1), Skipped);
        let err = store.finish_run(run, RunStatus::Completed).unwrap_err();
        assert!(err.to_string().contains("nothing was merged"), "{err}");
    }

    #[test]
    fn a_fully_merged_run_completes_and_a_resume_unfinishes_it() {
        let (_dir, mut store, run) = store_with_run(&[1, 2]);
        drive_to(&mut store, run, IssueNumber(1), Merged);
        assert!(
            store.finish_run(run, RunStatus::Completed).is_err(),
            "#2 is still pending"
        );
        drive_to(&mut store, run, IssueNumber(2), Merged);
        let row = store.finish_run(run, RunStatus::Completed).unwrap();
        assert_eq!(row.status, RunStatus::Completed);
        assert!(row.finished_at.is_some());
        let row = store.set_run_status(run, RunStatus::Running).unwrap();
        assert_eq!(row.finished_at, None);
        let last = store.events(run).unwrap().pop().unwrap();
        assert_eq!(
            (
                last.kind.as_str(),
                last.from_state.as_deref(),
                last.to_state.as_deref()
            ),
            (event_kind::RUN_STATUS, Some("completed"), Some("running"))
        );
    }

    #[test]
    fn finish_needs_a_final_status() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let err = store.finish_run(run, RunStatus::Interrupted).unwrap_err();
        assert!(
            matches!(err, CheckpointError::NotFinalStatus { .. }),
            "{err}"
        );
        assert!(matches!(
            store.finish_run(RunId(42), RunStatus::Failed),
            Err(CheckpointError::UnknownRun(RunId(42)))
        ));
    }

    #[test]
    fn budgets_are_set_and_checked() {
        let (_dir, mut store) = temp_store();
        let mut bad = new_run("milestone:M1", &[1]);
        bad.budget_usd = Some(-5.0);
        assert!(matches!(
            store.create_run(&bad),
            Err(CheckpointError::InvalidAmount(_))
        ));
        assert!(store.latest_run_any().unwrap().is_none());
        let run = store.create_run(&new_run("milestone:M1", &[1])).unwrap();
        assert_eq!(
            store.set_budget(run, Some(40.0)).unwrap().budget_usd,
            Some(40.0)
        );
        assert_eq!(store.set_budget(run, None).unwrap().budget_usd, None);
    }
}
