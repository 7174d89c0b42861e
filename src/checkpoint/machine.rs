//! Saving an issue machine: its JSON and the columns it projects (state,
//! branch, PR, head, counters, reasons) in one transaction with its event,
//! so the row and the machine never disagree. Branch, PR and head keep their
//! last known value when a stage no longer names them (a merged issue
//! still shows its PR and branch). The machine, not the store,
//! decides which moves are allowed (`issue::next`); the store keeps the
//! columns' own constraints (a merged issue has a PR, a failed one a reason).

use super::cached::Cached;
use rusqlite::params;
use serde_json::json;

use super::codec::now_text;
use super::error::Result;
use super::events::{NewEvent, insert_event};
use super::issues::load_issue_in;
use super::model::{IssueRow, IssueState, MachineColumns, RunId, event_kind};
use super::store::Store;
use crate::ids::IssueNumber;

impl Store {
    /// Saves `machine` with the columns it projects; answers the state the
    /// issue left and the new row. `note` goes into the event.
    pub fn save_machine(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        machine: &serde_json::Value,
        cols: &MachineColumns,
        note: Option<&str>,
    ) -> Result<(IssueState, IssueRow)> {
        self.write(|tx| {
            let current = load_issue_in(tx, run, issue)?;
            let detail = json!({ "stage": machine.get("stage"), "note": note });
            // States go on the event only when they change: the log's
            // transitions stay one per change of the `state` column.
            let event = if current.state == cols.state {
                NewEvent::issue(run, issue, event_kind::MACHINE)
            } else {
                NewEvent::issue(run, issue, event_kind::TRANSITION)
                    .states(current.state.as_str(), cols.state.as_str())
            };
            insert_event(tx, event.detail(detail))?;
            let now = now_text();
            let finished = cols.state.is_final().then(|| now.clone());
            let started = !matches!(
                cols.state,
                IssueState::Pending | IssueState::Skipped | IssueState::Failed
            );
            tx.exec(
                "UPDATE run_issues SET machine = ?3, state = ?4, branch = coalesce(?5, branch),
                     pr = coalesce(?6, pr), head_sha = coalesce(?7, head_sha), attempts = ?8, ci_fix_attempts = ?9, review_rounds = ?10,
                     last_error = ?11, skip_reason = ?12, finished_at = ?13,
                     started_at = CASE WHEN ?14 THEN coalesce(started_at, ?15) ELSE started_at END,
                     updated_at = ?15
                 WHERE run_id = ?1 AND issue = ?2",
                params![
                    run,
                    issue,
                    machine.to_string(),
                    cols.state.as_str(),
                    cols.branch.as_ref().map(|b| b.0.as_str()),
                    cols.pr.map(|p| p.0 as i64),
                    cols.head_sha.as_ref().map(|h| h.0.as_str()),
                    cols.attempts,
                    cols.ci_fix_attempts,
                    cols.review_rounds,
                    cols.last_error,
                    cols.skip_reason,
                    finished,
                    started,
                    now,
                ],
            )?;
            Ok((current.state, load_issue_in(tx, run, issue)?))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::testutil::store_with_run;
    use crate::ids::{BranchName, PrNumber};

    fn cols(state: IssueState) -> MachineColumns {
        MachineColumns {
            state,
            branch: Some(BranchName("feat/issue-1-x".into())),
            pr: Some(PrNumber(9)),
            head_sha: None,
            attempts: 1,
            ci_fix_attempts: 2,
            review_rounds: 1,
            last_error: (state == IssueState::Failed).then(|| "boom".into()),
            skip_reason: None,
        }
    }

    #[test]
    fn the_machine_and_its_columns_are_saved_together_with_an_event() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let issue = IssueNumber(1);
        let machine = json!({"stage": {"stage": "review"}, "tally": {}});
        let (from, row) = store
            .save_machine(
                run,
                issue,
                &machine,
                &cols(IssueState::Reviewing),
                Some("entered review"),
            )
            .unwrap();
        assert_eq!(from, IssueState::Pending);
        assert_eq!(row.machine, Some(machine));
        assert_eq!(
            (row.state, row.pr, row.ci_fix_attempts),
            (IssueState::Reviewing, Some(PrNumber(9)), 2)
        );
        assert!(row.started_at.is_some() && row.finished_at.is_none());
        let event = store.events(run).unwrap().pop().unwrap();
        assert_eq!(event.kind, event_kind::TRANSITION);
        assert!(event.detail.unwrap().contains("entered review"));

        let (_, failed) = store
            .save_machine(
                run,
                issue,
                &json!({"stage": {"stage": "done"}}),
                &cols(IssueState::Failed),
                None,
            )
            .unwrap();
        assert_eq!(failed.last_error.as_deref(), Some("boom"));
        assert!(failed.finished_at.is_some());
    }

    #[test]
    fn the_columns_keep_their_own_constraints() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let mut bad = cols(IssueState::Merged);
        bad.pr = None;
        assert!(
            store
                .save_machine(run, IssueNumber(1), &json!({}), &bad, None)
                .is_err()
        );
        assert_eq!(
            store.load_issue(run, IssueNumber(1)).unwrap().state,
            IssueState::Pending
        );
    }
}
