//! The worktrees this run created. Cleanup removes these and nothing else,
//! so a user's own worktrees, or another run's, are never touched.

use super::cached::Cached;
use std::path::Path;

use rusqlite::{Row, params};
use serde_json::json;

use super::codec::{PathCol, Ts, now_text, path_text};
use super::error::Result;
use super::events::{NewEvent, insert_event};
use super::issues::load_issue_in;
use super::model::{RunId, WorktreeRow, event_kind};
use super::store::Store;
use crate::ids::{BranchName, IssueNumber};

fn worktree_from_row(row: &Row<'_>) -> rusqlite::Result<WorktreeRow> {
    Ok(WorktreeRow {
        id: row.get("id")?,
        run_id: row.get("run_id")?,
        path: row.get::<_, PathCol>("path")?.0,
        branch: row.get("branch")?,
        issue: row.get("issue")?,
        created_at: row.get::<_, Ts>("created_at")?.0,
        removed_at: row.get::<_, Option<Ts>>("removed_at")?.map(|t| t.0),
    })
}

impl Store {
    /// Records a worktree the run just created for `issue` and points the
    /// issue's `worktree` at it. Refused if the run already has a live
    /// worktree at `path`.
    pub fn record_worktree(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        path: &Path,
        branch: &BranchName,
    ) -> Result<WorktreeRow> {
        let text = path_text(path)?;
        self.write(|tx| {
            load_issue_in(tx, run, issue)?;
            let detail = json!({ "path": text, "branch": branch });
            insert_event(tx, NewEvent::issue(run, issue, event_kind::WORKTREE_CREATED).detail(detail))?;
            let now = now_text();
            // Recorded before it is made: a run cut off in between records it
            // again on resume, which finds the same row (one per path).
            tx.exec(
                "INSERT INTO worktrees (run_id, issue, path, branch, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (run_id, path) WHERE removed_at IS NULL DO UPDATE
                 SET issue = excluded.issue, branch = excluded.branch",
                params![run, issue, text, branch, now],
            )?;
            let id: i64 = tx.row(
                "SELECT id FROM worktrees WHERE run_id = ?1 AND path = ?2 AND removed_at IS NULL",
                params![run, text],
                |row| row.get(0),
            )?;
            tx.exec(
                "UPDATE run_issues SET worktree = ?3, updated_at = ?4 WHERE run_id = ?1 AND issue = ?2",
                params![run, issue, text, now],
            )?;
            Ok(tx.row("SELECT * FROM worktrees WHERE id = ?1", [id], worktree_from_row)?)
        })
    }

    /// Marks the run's live worktree at `path` removed and clears it from its
    /// issue. Returns false (and writes nothing) when there is none, so
    /// cleanup can be retried.
    pub fn mark_worktree_removed(&mut self, run: RunId, path: &Path) -> Result<bool> {
        let text = path_text(path)?;
        self.write(|tx| {
            let live = tx.row(
                "SELECT * FROM worktrees WHERE run_id = ?1 AND path = ?2 AND removed_at IS NULL",
                params![run, text],
                worktree_from_row,
            );
            let row = match live {
                Ok(row) => row,
                Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(false),
                Err(e) => return Err(e.into()),
            };
            let detail = json!({ "path": text, "branch": row.branch });
            insert_event(
                tx,
                NewEvent::issue(run, row.issue, event_kind::WORKTREE_REMOVED).detail(detail),
            )?;
            let now = now_text();
            tx.exec(
                "UPDATE worktrees SET removed_at = ?2 WHERE id = ?1",
                params![row.id, now],
            )?;
            tx.exec(
                "UPDATE run_issues SET worktree = NULL, updated_at = ?4
                 WHERE run_id = ?1 AND issue = ?2 AND worktree = ?3",
                params![run, row.issue, text, now],
            )?;
            Ok(true)
        })
    }

    /// Every worktree the run created, removed or not, oldest first.
    pub fn worktrees(&self, run: RunId) -> Result<Vec<WorktreeRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM worktrees WHERE run_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([run], worktree_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The run's worktrees not yet removed: what cleanup has left to do.
    pub fn live_worktrees(&self, run: RunId) -> Result<Vec<WorktreeRow>> {
        Ok(self
            .worktrees(run)?
            .into_iter()
            .filter(|w| w.removed_at.is_none())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::checkpoint::testutil::{new_run, store_with_run};

    fn branch(n: u64) -> BranchName {
        BranchName(format!("feat/issue-{n}"))
    }

    #[test]
    fn a_run_sees_only_its_own_worktrees() {
        let (_dir, mut store, first) = store_with_run(&[1, 2]);
        let second = store.create_run(&new_run("milestone:M2", &[1])).unwrap();
        let a = PathBuf::from("/repo/.worktrees/issue-1");
        let b = PathBuf::from("/repo/.worktrees/issue-2");
        store
            .record_worktree(first, IssueNumber(1), &a, &branch(1))
            .unwrap();
        store
            .record_worktree(first, IssueNumber(2), &b, &branch(2))
            .unwrap();
        store
            .record_worktree(second, IssueNumber(1), &a, &branch(1))
            .unwrap();

        let paths = |rows: Vec<WorktreeRow>| rows.into_iter().map(|w| w.path).collect::<Vec<_>>();
        assert_eq!(
            paths(store.worktrees(first).unwrap()),
            [a.clone(), b.clone()]
        );
        assert_eq!(
            paths(store.worktrees(second).unwrap()),
            std::slice::from_ref(&a)
        );
        assert_eq!(
            store.load_issue(first, IssueNumber(1)).unwrap().worktree,
            Some(a.clone())
        );

        assert!(store.mark_worktree_removed(first, &a).unwrap());
        assert!(
            !store.mark_worktree_removed(first, &a).unwrap(),
            "already removed"
        );
        assert_eq!(paths(store.live_worktrees(first).unwrap()), [b]);
        assert_eq!(
            paths(store.live_worktrees(second).unwrap()),
            std::slice::from_ref(&a)
        );
        assert_eq!(
            store.load_issue(first, IssueNumber(1)).unwrap().worktree,
            None
        );
        assert_eq!(
            store.load_issue(second, IssueNumber(1)).unwrap().worktree,
            Some(a)
        );
    }

    #[test]
    fn a_path_is_live_once_per_run_but_may_be_recreated() {
        let (_dir, mut store, run) = store_with_run(&[1]);
        let path = PathBuf::from("/repo/.worktrees/issue-1");
        let first = store
            .record_worktree(run, IssueNumber(1), &path, &branch(1))
            .unwrap();
        // Recorded again (a resume after a crash between the record and the
        // `git worktree add`): the same live row.
        let again = store
            .record_worktree(run, IssueNumber(1), &path, &branch(1))
            .unwrap();
        assert_eq!(again.id, first.id);
        assert_eq!(store.worktrees(run).unwrap().len(), 1);
        store.mark_worktree_removed(run, &path).unwrap();
        store
            .record_worktree(run, IssueNumber(1), &path, &branch(1))
            .unwrap();
        let rows = store.worktrees(run).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].removed_at.is_some() && rows[1].removed_at.is_none());
    }
}
