//! The agent session an issue's worker started (so the next worker can
//! continue it after an interruption) and the running worker's live
//! activity (for `status`). The session is state and gets an event; the
//! activity is a display value overwritten several times a second, so it
//! gets none: the event log records what happened, not what was on screen.

use super::cached::Cached;
use rusqlite::params;
use serde_json::json;

use super::codec::now_text;
use super::error::Result;
use super::events::{NewEvent, insert_event};
use super::issues::load_issue_in;
use super::model::{RunId, SessionRef, event_kind};
use super::store::Store;
use crate::ids::IssueNumber;

impl Store {
    /// Records the session a worker of `session.kind` started, or forgets the
    /// issue's session (`None`) once a worker finished its work.
    pub fn set_session(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        session: Option<&SessionRef>,
    ) -> Result<()> {
        self.write(|tx| {
            let current = load_issue_in(tx, run, issue)?;
            if current.session.as_ref() == session {
                return Ok(());
            }
            let detail = match session {
                Some(s) => json!({ "session_id": s.id, "kind": s.kind }),
                None => json!({ "cleared": current.session.map(|s| s.id) }),
            };
            insert_event(
                tx,
                NewEvent::issue(run, issue, event_kind::SESSION).detail(detail),
            )?;
            tx.exec(
                "UPDATE run_issues SET session_id = ?3, session_kind = ?4, updated_at = ?5
                 WHERE run_id = ?1 AND issue = ?2",
                params![
                    run,
                    issue,
                    session.map(|s| s.id.as_str()),
                    session.map(|s| s.kind.as_str()),
                    now_text()
                ],
            )?;
            Ok(())
        })
    }

    /// Replaces the running worker's activity (no event: see the module doc).
    pub fn set_activity(
        &mut self,
        run: RunId,
        issue: IssueNumber,
        activity: &serde_json::Value,
    ) -> Result<()> {
        self.write(|tx| {
            load_issue_in(tx, run, issue)?;
            tx.exec(
                "UPDATE run_issues SET activity = ?3 WHERE run_id = ?1 AND issue = ?2",
                params![run, issue, activity.to_string()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::testutil::{new_run, temp_store};

    #[test]
    fn a_session_is_recorded_with_an_event_and_cleared() {
        let (_dir, mut store) = temp_store();
        let run = store.create_run(&new_run("milestone:M", &[4])).unwrap();
        let issue = IssueNumber(4);
        let session = SessionRef {
            id: "0b5e".into(),
            kind: "implement".into(),
        };
        store.set_session(run, issue, Some(&session)).unwrap();
        assert_eq!(
            store.load_issue(run, issue).unwrap().session,
            Some(session.clone())
        );
        let events = store.events(run).unwrap().len();
        store.set_session(run, issue, Some(&session)).unwrap();
        assert_eq!(
            store.events(run).unwrap().len(),
            events,
            "no change, no event"
        );
        store.set_session(run, issue, None).unwrap();
        assert_eq!(store.load_issue(run, issue).unwrap().session, None);
        let last = store.events(run).unwrap().pop().unwrap();
        assert_eq!(last.kind, event_kind::SESSION);
        assert!(last.detail.unwrap().contains("0b5e"));
    }

    #[test]
    fn activity_is_overwritten_without_events_and_cleared_with_the_worker() {
        let (_dir, mut store) = temp_store();
        let run = store.create_run(&new_run("milestone:M", &[4])).unwrap();
        let issue = IssueNumber(4);
        let events = store.events(run).unwrap().len();
        store
            .set_activity(run, issue, &json!({"turns": 1}))
            .unwrap();
        store
            .set_activity(run, issue, &json!({"turns": 2}))
            .unwrap();
        assert_eq!(store.events(run).unwrap().len(), events);
        assert_eq!(
            store.load_issue(run, issue).unwrap().activity,
            Some(json!({"turns": 2}))
        );
        let worker = crate::checkpoint::WorkerRef {
            pid: 42,
            start_ticks: 7,
        };
        store.record_worker(run, issue, worker, None).unwrap();
        store.clear_worker(run, issue).unwrap();
        assert_eq!(store.load_issue(run, issue).unwrap().activity, None);
    }
}
