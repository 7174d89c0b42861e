//! Resume seeds, refused transitions, invalid plans and counts.

use super::*;

#[test]
fn resume_seeds_make_dependents_of_merged_issues_ready_at_once() {
    let mut s = scheduler(
        vec![
            issue(1, 1, &[]),
            issue(2, 1, &[]),
            issue(3, 1, &[]),
            issue(4, 2, &[1]),
            issue(5, 2, &[2]),
            issue(6, 3, &[3, 4]),
        ],
        ScheduleMode::Blockers,
    );
    let seeded = s
        .restore([
            (n(1), IssueStatus::Merged),
            (n(2), IssueStatus::Active),
            (
                n(3),
                IssueStatus::Failed {
                    reason: "ran out of budget".into(),
                },
            ),
        ])
        .unwrap();
    assert_eq!(
        seeded,
        vec![(
            n(6),
            "blocked by #3, which failed: ran out of budget".to_string()
        )]
    );
    assert_eq!(s.ready(), nums(&[4]));
    assert_eq!(
        s.status(n(5)),
        Some(&IssueStatus::Waiting),
        "#2 is still active"
    );
    assert_eq!(
        s.counts(),
        Counts {
            waiting: 2,
            active: 1,
            merged: 1,
            skipped: 1,
            failed: 1
        }
    );
    // The resumed actor for #2 finishes normally.
    assert_eq!(s.mark_merged(n(2)).unwrap(), nums(&[5]));
}

#[test]
fn resume_accepts_a_seed_for_a_dependent_after_its_failed_blocker() {
    let mut s = scheduler(
        vec![issue(1, 1, &[]), issue(2, 2, &[1])],
        ScheduleMode::Blockers,
    );
    let seeded = s
        .restore([
            (n(1), IssueStatus::Failed { reason: "x".into() }),
            (
                n(2),
                IssueStatus::Skipped {
                    reason: "blocked by #1, which failed: x".into(),
                },
            ),
        ])
        .unwrap();
    assert_eq!(seeded, vec![]);
    assert!(s.is_finished());
}

#[test]
fn resume_refuses_unknown_issues_and_second_seeds() {
    let mut s = two_waves(ScheduleMode::Blockers);
    assert_eq!(
        s.restore([(n(99), IssueStatus::Merged)]),
        Err(TransitionError::UnknownIssue(n(99)))
    );
    s.restore([(n(1), IssueStatus::Merged)]).unwrap();
    assert_eq!(
        s.restore([(n(1), IssueStatus::Active)]),
        Err(TransitionError::AlreadyKnown {
            issue: n(1),
            status: "merged"
        })
    );
    assert_eq!(s.status(n(1)), Some(&IssueStatus::Merged));
}

#[test]
fn a_final_issue_cannot_be_marked_again() {
    let mut s = two_waves(ScheduleMode::Blockers);
    land(&mut s, 1);
    let merged = TransitionError::AlreadyFinal {
        issue: n(1),
        status: "merged",
    };
    assert_eq!(s.mark_merged(n(1)), Err(merged.clone()));
    assert_eq!(s.mark_failed(n(1), "late"), Err(merged.clone()));
    assert_eq!(s.mark_skipped(n(1), "late"), Err(merged.clone()));
    assert_eq!(s.mark_active(n(1)), Err(merged));
    assert_eq!(s.status(n(1)), Some(&IssueStatus::Merged));

    s.mark_skipped(n(2), "human").unwrap();
    assert_eq!(
        s.mark_failed(n(2), "late"),
        Err(TransitionError::AlreadyFinal {
            issue: n(2),
            status: "skipped"
        })
    );
    assert_eq!(
        s.status(n(2)),
        Some(&IssueStatus::Skipped {
            reason: "human".into()
        })
    );
}

#[test]
fn transitions_must_start_where_they_are_allowed() {
    let mut s = two_waves(ScheduleMode::Blockers);
    assert_eq!(s.mark_active(n(3)), Err(TransitionError::NotReady(n(3))));
    assert_eq!(
        s.mark_merged(n(1)),
        Err(TransitionError::NotActive {
            issue: n(1),
            status: "waiting"
        })
    );
    s.mark_active(n(1)).unwrap();
    assert_eq!(
        s.mark_active(n(1)),
        Err(TransitionError::AlreadyActive(n(1)))
    );
    assert_eq!(
        s.mark_failed(n(42), "x"),
        Err(TransitionError::UnknownIssue(n(42)))
    );
    // A waiting issue may be skipped before it starts.
    assert_eq!(s.mark_skipped(n(3), "PR already open").unwrap(), vec![]);
}

#[test]
fn invalid_plans_are_refused_with_the_issue_named() {
    let new = |issues| Scheduler::new(issues, ScheduleMode::Blockers, None).map(|_| ());
    assert_eq!(
        new(vec![issue(1, 1, &[]), issue(1, 2, &[])]),
        Err(PlanError::DuplicateIssue(n(1)))
    );
    assert_eq!(
        new(vec![issue(2, 2, &[1])]),
        Err(PlanError::UnknownBlocker {
            issue: n(2),
            blocker: n(1)
        })
    );
    assert_eq!(
        new(vec![issue(3, 1, &[3])]),
        Err(PlanError::BlocksItself(n(3)))
    );
    let later = new(vec![issue(1, 1, &[2]), issue(2, 2, &[])]).unwrap_err();
    assert_eq!(
        later.to_string(),
        "issue #1 in wave 1 is blocked by #2 in later wave 2; re-plan the milestone"
    );
}

#[test]
fn counts_follow_every_transition() {
    let mut s = diamond();
    assert_eq!(
        s.counts(),
        Counts {
            waiting: 6,
            ..Counts::default()
        }
    );
    s.mark_active(n(6)).unwrap();
    land(&mut s, 1);
    s.mark_active(n(3)).unwrap();
    s.mark_failed(n(3), "x").unwrap();
    let counts = s.counts();
    assert_eq!(
        counts,
        Counts {
            waiting: 1,
            active: 1,
            merged: 1,
            skipped: 2,
            failed: 1
        }
    );
    assert_eq!(counts.total(), 6);
}
