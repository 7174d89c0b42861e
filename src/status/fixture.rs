//! A run with issues in every state, built as rows with fixed times, for the
//! tree, preview and live-view tests.

use chrono::{TimeZone, Utc};
use serde_json::json;

use crate::checkpoint::{IssueRow, IssueState, RunId, RunRow, RunStatus, Timestamp, WorkerRef};
use crate::ids::{BranchName, IssueNumber, PrNumber, RepoSlug};

/// 2024-05-01 14:00:00 UTC plus `secs`.
pub fn at(secs: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 5, 1, 14, 0, 0).unwrap() + chrono::Duration::seconds(secs)
}

pub fn run(status: RunStatus) -> RunRow {
    RunRow {
        id: RunId(7),
        repo: RepoSlug::new("acme", "widgets"),
        target_key: "milestone:OB3 Phase 1".into(),
        target_label: "Milestone \"OB3 Phase 1\"".into(),
        options: json!({ "parallel": 2 }),
        plan: json!({}),
        status,
        cost_usd_total: 4.2,
        budget_usd: Some(25.0),
        started_at: at(0),
        updated_at: at(600),
        finished_at: status.is_final().then(|| at(2412)),
    }
}

/// A pending issue in `wave`.
pub fn issue(n: u64, title: &str, wave: u32) -> IssueRow {
    IssueRow {
        run_id: RunId(7),
        issue: IssueNumber(n),
        title: title.into(),
        wave,
        state: IssueState::Pending,
        branch: None,
        pr: None,
        head_sha: None,
        worktree: None,
        attempts: 0,
        ci_fix_attempts: 0,
        review_rounds: 0,
        review_step: None,
        machine: None,
        last_error: None,
        skip_reason: None,
        cost_usd: 0.0,
        worker: None,
        worker_mark: None,
        session: None,
        activity: None,
        started_at: None,
        finished_at: None,
        updated_at: at(0),
    }
}

/// Six issues over three waves: merged, failed, reviewing (with a CI fix and
/// a worker), skipped by a failed blocker, running (with a worker), pending.
pub fn issues() -> Vec<IssueRow> {
    let mut merged = issue(153, "Add KeyPair type", 1);
    merged.state = IssueState::Merged;
    merged.branch = Some(BranchName("feat/issue-153-keypair".into()));
    merged.pr = Some(PrNumber(160));
    merged.attempts = 1;
    merged.cost_usd = 1.1;
    merged.started_at = Some(at(10));
    merged.finished_at = Some(at(262));

    let mut failed = issue(
        154,
        "Implement the generator with a very long title indeed",
        1,
    );
    failed.state = IssueState::Failed;
    failed.attempts = 2;
    failed.cost_usd = 0.9;
    failed.last_error = Some("worker exited 0 but pushed no branch\nsecond line".into());
    failed.started_at = Some(at(10));
    failed.finished_at = Some(at(131));

    let mut reviewing = issue(155, "Add storage service", 2);
    reviewing.state = IssueState::Reviewing;
    reviewing.branch = Some(BranchName("feat/issue-155-storage".into()));
    reviewing.pr = Some(PrNumber(162));
    reviewing.attempts = 1;
    reviewing.ci_fix_attempts = 1;
    reviewing.cost_usd = 2.2;
    reviewing.worker = Some(WorkerRef {
        pid: 4242,
        start_ticks: 1,
    });
    reviewing.started_at = Some(at(270));

    let mut running = issue(1002, "Wire the CLI", 2);
    running.state = IssueState::Running;
    running.attempts = 1;
    running.worker = Some(WorkerRef {
        pid: 4250,
        start_ticks: 2,
    });
    running.started_at = Some(at(300));

    let mut skipped = issue(156, "Storage docs", 2);
    skipped.state = IssueState::Skipped;
    skipped.skip_reason = Some("blocked by #154 (failed)".into());
    skipped.finished_at = Some(at(131));

    // The order `Store::load_issues` returns: by wave, then number.
    vec![
        merged,
        failed,
        reviewing,
        skipped,
        running,
        issue(157, "Release notes", 3),
    ]
}
