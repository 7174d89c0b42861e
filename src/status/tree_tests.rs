//! The tree's text, exactly, for a fixture run in each status.

use std::collections::BTreeMap;

use super::*;
use crate::checkpoint::RunStatus;
use crate::status::fixture::{at, issues, run};

fn tree(run: &RunRow, activity: &BTreeMap<IssueNumber, String>) -> String {
    let issues = issues();
    render(&TreeInput {
        run,
        issues: &issues,
        activity,
        now: at(725),
    })
}

const RUNNING: &str = r#"Milestone "OB3 Phase 1" · acme/widgets · run 7 · running
Started 2024-05-01 14:00 UTC · 12m05s so far
6 issues: 1 pending, 1 running, 1 reviewing, 1 merged, 1 skipped, 1 failed · cost $4.20 of $25.00 cap

Wave 1 · 1 of 2 merged
  ✓ #153  Add KeyPair type               merged             4m12s  PR #160  $1.10
  ✗ #154  Implement the generator with … failed             2m01s  attempt 2  $0.90
          └ reason: worker exited 0 but pushed no branch

Wave 2 · 0 of 3 merged
  ◆ #155  Add storage service            reviewing          7m35s  PR #162  CI fixes 1  $2.20
          └ waiting for CI: 2 pending
  ⊘ #156  Storage docs                   skipped
          └ reason: blocked by #154 (failed)
  ▶ #1002 Wire the CLI                   running            7m05s

Wave 3 · 0 of 1 merged
  ○ #157  Release notes                  pending

Workers running now: #155 (pid 4242), #1002 (pid 4250)
"#;

#[test]
fn a_running_run_shows_waves_states_times_prs_costs_reasons_and_workers() {
    let mut activity = BTreeMap::new();
    activity.insert(IssueNumber(155), "waiting for CI: 2 pending".to_string());
    assert_eq!(tree(&run(RunStatus::Running), &activity), RUNNING);
}

#[test]
fn a_finished_run_says_when_and_after_how_long() {
    let text = tree(&run(RunStatus::Partial), &BTreeMap::new());
    let header: Vec<&str> = text.lines().take(2).collect();
    assert_eq!(
        header,
        [
            "Milestone \"OB3 Phase 1\" · acme/widgets · run 7 · partial",
            "Started 2024-05-01 14:00 UTC · finished 14:40 UTC after 40m12s",
        ]
    );
    assert!(
        text.ends_with(
            "Workers recorded when the run stopped: #155 (pid 4242), #1002 (pid 4250)\n"
        ),
        "{text}"
    );
}

#[test]
fn an_interrupted_run_says_how_to_resume() {
    let text = tree(&run(RunStatus::Interrupted), &BTreeMap::new());
    assert_eq!(
        text.lines().nth(1),
        Some("Started 2024-05-01 14:00 UTC · stopped 14:10 UTC (resumable)")
    );
}

#[test]
fn without_activity_a_live_issue_shows_its_last_error() {
    let mut issues = issues();
    issues[2].last_error = Some("CI failed on abc1234".into());
    let run = run(RunStatus::Running);
    let text = render(&TreeInput {
        run: &run,
        issues: &issues,
        activity: &BTreeMap::new(),
        now: at(725),
    });
    assert!(
        text.contains("PR #162  CI fixes 1  $2.20\n          └ last error: CI failed on abc1234\n"),
        "{text}"
    );
}

#[test]
fn cost_is_left_out_when_nothing_was_spent_and_there_is_no_cap() {
    let mut run = run(RunStatus::Running);
    run.budget_usd = None;
    run.cost_usd_total = 0.0;
    let text = tree(&run, &BTreeMap::new());
    assert!(text.lines().nth(2).unwrap().ends_with("1 failed"), "{text}");
    run.cost_usd_total = 0.5;
    let text = tree(&run, &BTreeMap::new());
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .ends_with("1 failed · cost $0.50"),
        "{text}"
    );
}

#[test]
fn a_run_with_no_worker_left_says_none_while_it_runs() {
    let mut issues = issues();
    for row in &mut issues {
        row.worker = None;
    }
    let running = run(RunStatus::Running);
    let text = render(&TreeInput {
        run: &running,
        issues: &issues,
        activity: &BTreeMap::new(),
        now: at(725),
    });
    assert!(text.ends_with("Workers running now: none\n"), "{text}");
    let done = run(RunStatus::Completed);
    let text = render(&TreeInput {
        run: &done,
        issues: &issues,
        activity: &BTreeMap::new(),
        now: at(725),
    });
    assert!(!text.contains("Workers"), "{text}");
}

#[test]
fn helpers_read_like_a_clock_and_cut_long_text() {
    assert_eq!(elapsed(5), "5s");
    assert_eq!(elapsed(65), "1m05s");
    assert_eq!(elapsed(3720), "1h02m");
    assert_eq!(clip("abcdef", 4), "abc…");
    assert_eq!(clip("abcd", 4), "abcd");
    assert_eq!(word(IssueState::AwaitingApproval), "awaiting approval");
    let rows = issues();
    assert_eq!(
        issue_seconds(&rows[0], at(9999)),
        Some(252),
        "finished: fixed"
    );
    assert_eq!(
        issue_seconds(&rows[4], at(400)),
        Some(100),
        "running: to now"
    );
    assert_eq!(issue_seconds(&rows[5], at(400)), None, "not started");
}
