//! Tests of per-issue writes: every allowed and a sample of forbidden
//! transitions, atomicity of state and event, reopen, worker, cost.

use serde_json::json;

use super::*;
use crate::checkpoint::testutil::{drive_to, patch_for, store_with_run};
use crate::ids::{BranchName, CommitSha, PrNumber};
use IssueState::*;

fn event_count(store: &Store, run: RunId) -> usize {
    store.events(run).unwrap().len()
}

#[test]
fn every_allowed_transition_is_written_with_its_event() {
    let pairs: Vec<(IssueState, IssueState)> = IssueState::ALL
        .iter()
        .flat_map(|&from| IssueState::ALL.iter().map(move |&to| (from, to)))
        .filter(|(from, to)| from.can_move_to(*to))
        .collect();
    assert_eq!(
        pairs.len(),
        21,
        "the lifecycle table changed; update this test"
    );
    let numbers: Vec<u64> = (1..=pairs.len() as u64).collect();
    let (_dir, mut store, run) = store_with_run(&numbers);
    for (&(from, to), &n) in pairs.iter().zip(&numbers) {
        let issue = IssueNumber(n);
        drive_to(&mut store, run, issue, from);
        let row = store
            .transition(run, issue, to, patch_for(to, issue))
            .unwrap();
        assert_eq!(row.state, to, "{from} -> {to}");
        assert_eq!(row.finished_at.is_some(), to.is_final(), "{from} -> {to}");
        let last = store.issue_events(run, issue).unwrap().pop().unwrap();
        assert_eq!(last.kind, event_kind::TRANSITION);
        assert_eq!(
            (last.from_state.as_deref(), last.to_state.as_deref()),
            (Some(from.as_str()), Some(to.as_str()))
        );
    }
}

#[test]
fn forbidden_transitions_are_refused_and_write_nothing() {
    let samples = [
        (Merged, Running),
        (Merged, Failed),
        (Failed, Pending),
        (Failed, Running),
        (Skipped, Running),
        (Pending, Reviewing),
        (Pending, AwaitingApproval),
        (Running, Merged),
        (Running, Pending),
        (PrOpen, AwaitingApproval),
        (Reviewing, PrOpen),
        (AwaitingApproval, PrOpen),
    ];
    let numbers: Vec<u64> = (1..=samples.len() as u64).collect();
    let (_dir, mut store, run) = store_with_run(&numbers);
    for (&(from, to), &n) in samples.iter().zip(&numbers) {
        let issue = IssueNumber(n);
        drive_to(&mut store, run, issue, from);
        let before = (
            store.load_issue(run, issue).unwrap(),
            event_count(&store, run),
        );
        let err = store
            .transition(run, issue, to, patch_for(to, issue))
            .unwrap_err();
        assert!(
            matches!(err, CheckpointError::ForbiddenTransition { from: f, to: t, .. } if f == from && t == to),
            "{from} -> {to}: {err}"
        );
        let message = err.to_string();
        assert!(
            message.contains(from.as_str()) && message.contains(to.as_str()),
            "{message}"
        );
        assert_eq!(
            (
                store.load_issue(run, issue).unwrap(),
                event_count(&store, run)
            ),
            before
        );
    }
}

#[test]
fn a_failure_half_way_through_a_transition_leaves_nothing_behind() {
    let (_dir, mut store, run) = store_with_run(&[1]);
    let issue = IssueNumber(1);
    let before = (
        store.load_issue(run, issue).unwrap(),
        store.events(run).unwrap(),
        store.load_run(run).unwrap(),
    );
    // Allowed by the lifecycle, so the event is inserted; then the UPDATE
    // breaks the schema's rule that an open PR has a number.
    let err = store
        .transition(
            run,
            issue,
            PrOpen,
            IssuePatch::new().branch(BranchName("feat/issue-1".into())),
        )
        .unwrap_err();
    match &err {
        CheckpointError::Constraint(message) => {
            assert!(message.contains("pr_state_has_pr_number"), "{message}")
        }
        other => panic!("expected a constraint error, got {other}"),
    }
    let after = (
        store.load_issue(run, issue).unwrap(),
        store.events(run).unwrap(),
        store.load_run(run).unwrap(),
    );
    assert_eq!(after, before);
    // The store is still usable after the rollback.
    store
        .transition(run, issue, PrOpen, IssuePatch::new().pr(PrNumber(9)))
        .unwrap();
}

#[test]
fn a_failing_event_insert_rolls_back_the_state_change() {
    let (_dir, mut store, run) = store_with_run(&[1]);
    let issue = IssueNumber(1);
    store
        .conn
        .execute_batch(
            "CREATE TEMP TRIGGER fail_transitions BEFORE INSERT ON events
             WHEN NEW.kind = 'transition' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let before = (
        store.load_issue(run, issue).unwrap(),
        store.events(run).unwrap(),
        store.load_run(run).unwrap(),
    );
    let err = store
        .transition(run, issue, Running, IssuePatch::new().count_attempt())
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    let after = (
        store.load_issue(run, issue).unwrap(),
        store.events(run).unwrap(),
        store.load_run(run).unwrap(),
    );
    assert_eq!(after, before);
}

#[test]
fn unknown_issues_are_named() {
    let (_dir, mut store, run) = store_with_run(&[1]);
    let err = store
        .transition(run, IssueNumber(2), Running, IssuePatch::new())
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::UnknownIssue {
                issue: IssueNumber(2),
                ..
            }
        ),
        "{err}"
    );
    let err = store.load_issue(RunId(99), IssueNumber(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "find issue #1 in run 99: it is not part of that run"
    );
}

#[test]
fn patches_and_timestamps_land_on_the_row() {
    let (_dir, mut store, run) = store_with_run(&[5]);
    let issue = IssueNumber(5);
    assert_eq!(store.load_issue(run, issue).unwrap().started_at, None);
    let patch = IssuePatch::new()
        .branch(BranchName("feat/issue-5-x".into()))
        .worktree("/tmp/wt/issue-5")
        .count_attempt();
    let row = store.transition(run, issue, Running, patch).unwrap();
    let started = row.started_at;
    assert!(started.is_some());
    assert_eq!(row.attempts, 1);
    assert_eq!(row.branch, Some(BranchName("feat/issue-5-x".into())));
    assert_eq!(
        row.worktree.as_deref(),
        Some(std::path::Path::new("/tmp/wt/issue-5"))
    );
    let row = store
        .transition(run, issue, Running, IssuePatch::new().count_attempt())
        .unwrap();
    assert_eq!(
        (row.attempts, row.started_at),
        (2, started),
        "a retry keeps the first start"
    );
    let sha = CommitSha("a".repeat(40));
    let row = store
        .transition(
            run,
            issue,
            PrOpen,
            IssuePatch::new().pr(PrNumber(50)).head_sha(sha.clone()),
        )
        .unwrap();
    assert_eq!((row.pr, row.head_sha), (Some(PrNumber(50)), Some(sha)));
}

#[test]
fn updates_change_fields_but_not_the_state() {
    let (_dir, mut store, run) = store_with_run(&[3]);
    let issue = IssueNumber(3);
    drive_to(&mut store, run, issue, Reviewing);
    let step = json!({ "step": "wait_coderabbit", "since": "2025-01-01T00:00:00Z" });
    let row = store
        .update_issue(
            run,
            issue,
            IssuePatch::new()
                .review_step(step.clone())
                .count_ci_fix()
                .count_review_round(),
        )
        .unwrap();
    assert_eq!(
        (
            row.state,
            row.review_step,
            row.ci_fix_attempts,
            row.review_rounds
        ),
        (Reviewing, Some(step), 1, 1)
    );
    let event = store.issue_events(run, issue).unwrap().pop().unwrap();
    assert_eq!(
        (event.kind.as_str(), event.from_state),
        (event_kind::UPDATED, None)
    );
    let events = event_count(&store, run);
    store.update_issue(run, issue, IssuePatch::new()).unwrap();
    assert_eq!(
        event_count(&store, run),
        events,
        "an empty patch writes nothing"
    );
    let row = store
        .update_issue(run, issue, IssuePatch::new().clear_review_step())
        .unwrap();
    assert_eq!(row.review_step, None);
}

#[test]
fn a_resume_reopens_failed_and_crashed_issues_only() {
    let (_dir, mut store, run) = store_with_run(&[1, 2, 3]);
    drive_to(&mut store, run, IssueNumber(1), Failed);
    let row = store
        .reopen_for_resume(
            run,
            IssueNumber(1),
            Pending,
            "resume: no branch",
            IssuePatch::new(),
        )
        .unwrap();
    assert_eq!(
        (row.state, row.last_error, row.finished_at),
        (Pending, None, None)
    );
    let event = store
        .issue_events(run, IssueNumber(1))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(event.kind, event_kind::REOPENED);
    let detail: serde_json::Value = serde_json::from_str(event.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["why"], "resume: no branch");
    assert_eq!(detail["previous_error"], "worker exited 1");

    drive_to(&mut store, run, IssueNumber(2), Running);
    let row = store
        .reopen_for_resume(
            run,
            IssueNumber(2),
            PrOpen,
            "resume: PR found",
            IssuePatch::new().pr(PrNumber(77)),
        )
        .unwrap();
    assert_eq!((row.state, row.pr), (PrOpen, Some(PrNumber(77))));

    drive_to(&mut store, run, IssueNumber(3), Merged);
    let events = event_count(&store, run);
    let err = store
        .reopen_for_resume(run, IssueNumber(3), Pending, "why not", IssuePatch::new())
        .unwrap_err();
    assert!(
        matches!(
            err,
            CheckpointError::ForbiddenReopen {
                from: Merged,
                to: Pending,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(event_count(&store, run), events);
}

#[test]
fn workers_are_recorded_and_cleared() {
    let (_dir, mut store, run) = store_with_run(&[1]);
    let issue = IssueNumber(1);
    let worker = WorkerRef {
        pid: 4242,
        start_ticks: 1 << 40,
    };
    store.record_worker(run, issue, worker, None).unwrap();
    assert_eq!(store.load_issue(run, issue).unwrap().worker, Some(worker));
    store.clear_worker(run, issue).unwrap();
    assert_eq!(store.load_issue(run, issue).unwrap().worker, None);
    let events = event_count(&store, run);
    store.clear_worker(run, issue).unwrap();
    assert_eq!(
        event_count(&store, run),
        events,
        "nothing to clear writes nothing"
    );
    let kinds: Vec<_> = store
        .issue_events(run, issue)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [event_kind::WORKER_STARTED, event_kind::WORKER_CLEARED]
    );
}

#[test]
fn costs_add_up_per_issue_and_per_run() {
    let (_dir, mut store, run) = store_with_run(&[1, 2]);
    store.add_cost(run, IssueNumber(1), 1.25).unwrap();
    store.add_cost(run, IssueNumber(2), 0.5).unwrap();
    let totals = store.add_cost(run, IssueNumber(1), 2.0).unwrap();
    assert_eq!(
        totals,
        CostTotals {
            issue_usd: 3.25,
            run_usd: 3.75
        }
    );
    assert_eq!(store.load_run(run).unwrap().cost_usd_total, 3.75);
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            store.add_cost(run, IssueNumber(1), bad),
            Err(CheckpointError::InvalidAmount(_))
        ));
    }
    assert!(matches!(
        store.add_cost(run, IssueNumber(9), 1.0),
        Err(CheckpointError::UnknownIssue { .. })
    ));
    assert_eq!(store.load_run(run).unwrap().cost_usd_total, 3.75);
}
