//! Failures and skips spreading to dependents: chains, diamonds, started issues.

use super::*;

#[test]
fn failure_skips_a_chain_naming_the_direct_blocker_and_the_root() {
    // #1 ← #2 ← #3 ← #4, and #5 independent.
    let mut s = scheduler(
        vec![
            issue(1, 1, &[]),
            issue(2, 2, &[1]),
            issue(3, 3, &[2]),
            issue(4, 4, &[3]),
            issue(5, 1, &[]),
        ],
        ScheduleMode::Blockers,
    );
    s.mark_active(n(1)).unwrap();
    let got = s.mark_failed(n(1), "tests red").unwrap();
    let want = [
        (2, "blocked by #1, which failed: tests red"),
        (
            3,
            "blocked by #2, which was skipped because #1 failed: tests red",
        ),
        (
            4,
            "blocked by #3, which was skipped because #1 failed: tests red",
        ),
    ];
    assert_eq!(got, want.map(|(x, why)| (n(x), why.to_string())));
    for (x, why) in want {
        assert_eq!(skipped(&s, x), why);
    }
    assert_eq!(s.status(n(5)), Some(&IssueStatus::Waiting));
    assert_eq!(s.ready(), nums(&[5]));
}

#[test]
fn failure_at_the_top_of_a_diamond_skips_each_dependent_once() {
    let mut s = diamond();
    s.mark_active(n(1)).unwrap();
    let got = s.mark_failed(n(1), "no PR").unwrap();
    let issues: Vec<_> = got.iter().map(|(x, _)| *x).collect();
    assert_eq!(issues, nums(&[2, 3, 4, 5]));
    assert_eq!(
        skipped(&s, 4),
        "blocked by #2, which was skipped because #1 failed: no PR"
    );
    assert_eq!(
        skipped(&s, 5),
        "blocked by #3, which was skipped because #1 failed: no PR"
    );
    assert_eq!(s.status(n(6)), Some(&IssueStatus::Waiting));
}

#[test]
fn skipping_one_side_of_a_diamond_leaves_the_other_side_running() {
    let mut s = diamond();
    land(&mut s, 1);
    let got = s.mark_skipped(n(2), "reviewer said skip").unwrap();
    assert_eq!(
        got,
        vec![(
            n(4),
            "blocked by #2, which was skipped: reviewer said skip".into()
        )]
    );
    assert_eq!(land(&mut s, 3), nums(&[5]));
    assert!(matches!(s.status(n(4)), Some(IssueStatus::Skipped { .. })));
    assert_eq!(s.ready(), nums(&[5, 6]), "no chain below either: by number");
}

#[test]
fn propagation_does_not_touch_started_issues() {
    // Only a resumed checkpoint can hold an active dependent of a failed issue.
    let mut s = scheduler(
        vec![issue(1, 1, &[]), issue(2, 2, &[1]), issue(3, 3, &[2])],
        ScheduleMode::Blockers,
    );
    s.restore([(n(2), IssueStatus::Active)]).unwrap();
    s.mark_active(n(1)).unwrap();
    assert_eq!(s.mark_failed(n(1), "x").unwrap(), vec![]);
    assert_eq!(s.status(n(2)), Some(&IssueStatus::Active));
    assert_eq!(s.status(n(3)), Some(&IssueStatus::Waiting));
}
