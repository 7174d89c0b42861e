//! Scenario tests for the scheduler, with the helpers they share.

mod lifecycle;
mod propagation;
mod readiness;

use super::*;
use crate::ids::IssueNumber;

fn n(x: u64) -> IssueNumber {
    IssueNumber(x)
}

fn nums(xs: &[u64]) -> Vec<IssueNumber> {
    xs.iter().copied().map(IssueNumber).collect()
}

fn issue(number: u64, wave: u32, blockers: &[u64]) -> PlannedIssue {
    PlannedIssue {
        number: n(number),
        wave,
        blockers: nums(blockers),
    }
}

fn scheduler(issues: Vec<PlannedIssue>, mode: ScheduleMode) -> Scheduler {
    Scheduler::new(issues, mode, None).expect("valid plan")
}

/// Starts and merges `x`, returning what the merge made ready.
fn land(s: &mut Scheduler, x: u64) -> Vec<IssueNumber> {
    s.mark_active(n(x)).expect("ready to start");
    s.mark_merged(n(x)).expect("active")
}

fn skipped(s: &Scheduler, x: u64) -> String {
    match s.status(n(x)) {
        Some(IssueStatus::Skipped { reason }) => reason.clone(),
        other => panic!("#{x} should be skipped, is {other:?}"),
    }
}

/// Wave 1: #1, #2. Wave 2: #3 blocked by #1, #4 blocked by #2.
fn two_waves(mode: ScheduleMode) -> Scheduler {
    scheduler(
        vec![
            issue(1, 1, &[]),
            issue(2, 1, &[]),
            issue(3, 2, &[1]),
            issue(4, 2, &[2]),
        ],
        mode,
    )
}

/// #1; #2 and #3 blocked by #1; #4 blocked by #2 and #3; #5 blocked by #3; #6 alone.
fn diamond() -> Scheduler {
    scheduler(
        vec![
            issue(1, 1, &[]),
            issue(2, 2, &[1]),
            issue(3, 2, &[1]),
            issue(4, 3, &[2, 3]),
            issue(5, 3, &[3]),
            issue(6, 1, &[]),
        ],
        ScheduleMode::Blockers,
    )
}
