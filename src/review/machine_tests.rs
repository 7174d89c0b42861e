//! Tests of the machine's base and CI steps, and helpers for the others.

use chrono::TimeDelta;

pub(super) use super::*;
use crate::review::triage::Finding;

pub(super) fn sha(c: char) -> CommitSha {
    CommitSha(c.to_string().repeat(40))
}

pub(super) fn at(s: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-05-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::seconds(s)
}

pub(super) fn limits() -> Limits {
    Limits::default()
}

pub(super) fn with(step: Step, tally: Tally) -> ReviewState {
    ReviewState { step, tally }
}

pub(super) fn fresh(step: Step) -> ReviewState {
    with(step, Tally::default())
}

pub(super) fn go(state: &ReviewState, event: Event) -> Transition {
    go_at(state, event, at(0), &limits())
}

pub(super) fn go_at(
    state: &ReviewState,
    event: Event,
    now: DateTime<Utc>,
    l: &Limits,
) -> Transition {
    match next(state, event, l, now) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    }
}

pub(super) fn base(head: CommitSha, next: AfterCi) -> Step {
    Step::UpdateBase {
        head,
        unknown_polls: 0,
        refusals: 0,
        next,
    }
}

pub(super) fn read(head: CommitSha, state: &str) -> Event {
    Event::BaseRead {
        head,
        mergeable_state: Some(state.into()),
    }
}

pub(super) fn wait_ci(head: CommitSha, next: AfterCi) -> Step {
    Step::WaitCi {
        head,
        since: at(0),
        next,
    }
}

pub(super) fn ci(head: CommitSha, outcome: CiOutcome) -> Event {
    Event::CiDone { head, outcome }
}

pub(super) fn failed(names: &[&str]) -> CiOutcome {
    CiOutcome::Failed {
        failing: names.iter().map(|n| n.to_string()).collect(),
        rerun: Vec::new(),
    }
}

/// Failed GitHub Actions jobs of workflow run 77.
fn failed_in_actions(names: &[&str]) -> CiOutcome {
    CiOutcome::Failed {
        failing: names.iter().map(|n| n.to_string()).collect(),
        rerun: vec![77],
    }
}

pub(super) fn wait_review(head: CommitSha) -> Step {
    Step::WaitReview {
        head,
        since: at(0),
        trigger: false,
    }
}

pub(super) fn finding(key: &str) -> Finding {
    Finding {
        key: key.into(),
        author: "coderabbitai[bot]".into(),
        path: Some("src/a.rs".into()),
        line: Some(3),
        title: format!("Problem {key}"),
        body: "Details.".into(),
    }
}

pub(super) fn reviewed(head: CommitSha, real: &[&str], nitpicks: usize, style: usize) -> Event {
    let real: Vec<Finding> = real.iter().map(|k| finding(k)).collect();
    Event::ReviewDone {
        head,
        found: true,
        notice: None,
        triage: Triage {
            total: real.len() + nitpicks + style,
            real,
            nitpicks,
            skipped_style: style,
            from_others: Vec::new(),
        },
    }
}

pub(super) fn question_of(t: &Transition) -> &Question {
    match &t.state.step {
        Step::AskHuman { question, .. } => question,
        other => panic!("not asking: {other:?}"),
    }
}

pub(super) fn asked(head: CommitSha) -> Step {
    Step::AskHuman {
        head,
        question: Question {
            ci: CiReport::Passed,
            review: ReviewReport::Reviewed,
            comments: 0,
            addressed: 0,
            nitpicks: 0,
            skipped_style: 0,
            from_others: 0,
            capped: None,
            refusal: None,
            note: None,
        },
    }
}

#[test]
fn the_loop_starts_by_reading_the_base() {
    let t = ReviewState::start(sha('a'));
    assert_eq!(t.state.step, base(sha('a'), AfterCi::Review));
    assert_eq!(
        t.actions,
        [Action::ReadBase {
            head: sha('a'),
            delay: Duration::ZERO
        }]
    );
}

#[test]
fn a_base_with_nothing_to_do_goes_to_ci() {
    for state in ["clean", "unstable", "blocked", "has_hooks"] {
        let t = go_at(
            &fresh(base(sha('a'), AfterCi::Review)),
            read(sha('a'), state),
            at(7),
            &limits(),
        );
        assert_eq!(
            t.state.step,
            Step::WaitCi {
                head: sha('a'),
                since: at(7),
                next: AfterCi::Review
            },
            "{state}"
        );
        assert_eq!(
            t.actions,
            [Action::WatchCi {
                head: sha('a'),
                since: at(7)
            }]
        );
    }
}

#[test]
fn a_pr_behind_its_base_is_not_updated_before_the_question() {
    let t = go_at(
        &fresh(base(sha('a'), AfterCi::Review)),
        read(sha('a'), "behind"),
        at(7),
        &limits(),
    );
    assert_eq!(
        t.actions,
        [Action::WatchCi {
            head: sha('a'),
            since: at(7)
        }],
        "an update now costs a CI run and is stale again at the next merge"
    );
}

#[test]
fn behind_at_merge_it_is_updated_and_merged_once_ci_passes_without_asking_again() {
    let t = go(&fresh(Step::Merge { head: sha('a') }), Event::MustUpdate);
    assert_eq!(
        t.actions,
        [Action::UpdateBranch {
            expected_head: sha('a')
        }]
    );
    let t = go_at(
        &t.state,
        Event::HeadMoved { head: sha('m') },
        at(3),
        &limits(),
    );
    assert_eq!(
        t.state.step,
        Step::WaitCi {
            head: sha('m'),
            since: at(3),
            next: AfterCi::Merge
        }
    );
    let t = go(&t.state, ci(sha('m'), CiOutcome::Passed));
    assert_eq!(t.state.step, Step::Merge { head: sha('m') });
    assert_eq!(t.actions, [Action::Merge { head: sha('m') }]);
}

#[test]
fn after_an_update_for_merge_a_push_or_a_red_ci_goes_back_to_the_human() {
    let waiting = fresh(wait_ci(sha('m'), AfterCi::Merge));
    let t = go(&waiting, Event::HeadMoved { head: sha('p') });
    assert_eq!(
        t.state.step,
        Step::WaitCi {
            head: sha('p'),
            since: at(0),
            next: AfterCi::Ask
        },
        "someone else's push needs a new approval"
    );
    let t = go(&waiting, ci(sha('m'), failed(&["build"])));
    assert!(matches!(
        t.state.step,
        Step::CiFix {
            next: AfterCi::Ask,
            ..
        }
    ));
    // GitHub took the update but did not move the head in time.
    let t = go(
        &fresh(Step::UpdatingBranch {
            head: sha('a'),
            refusals: 0,
            next: AfterCi::Merge,
        }),
        Event::BranchUpdated(UpdateBranchOutcome::Scheduled),
    );
    assert_eq!(t.state.step, wait_ci(sha('a'), AfterCi::Ask));
}

#[test]
fn a_push_between_the_answer_and_the_merge_needs_a_new_answer() {
    let t = go(
        &fresh(Step::Merge { head: sha('a') }),
        Event::HeadMoved { head: sha('b') },
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Ask));
    assert!(t.state.tally.head_moved);
}

#[test]
fn a_refused_update_reads_again_then_counts_as_a_conflict() {
    let refused = || {
        Event::BranchUpdated(UpdateBranchOutcome::Refused {
            message: "merge conflict".into(),
        })
    };
    let t = go(
        &fresh(base(sha('a'), AfterCi::Merge)),
        read(sha('a'), "behind"),
    );
    let t = go(&t.state, refused());
    assert_eq!(
        t.state.step,
        Step::UpdateBase {
            head: sha('a'),
            unknown_polls: 0,
            refusals: 1,
            next: AfterCi::Merge
        }
    );
    assert_eq!(
        t.actions,
        [Action::ReadBase {
            head: sha('a'),
            delay: limits().base_retry
        }]
    );
    let t = go(&t.state, read(sha('a'), "behind"));
    assert!(matches!(
        t.state.step,
        Step::UpdatingBranch { refusals: 1, .. }
    ));
    let t = go(&t.state, refused());
    assert_eq!(t.actions, [Action::LaunchRebaseFix { attempt: 1 }]);
    assert_eq!(t.state.tally.ci_fixes, 1);
}

#[test]
fn a_conflict_launches_a_rebase_that_counts_as_a_fix_attempt() {
    let t = go(
        &fresh(base(sha('a'), AfterCi::Review)),
        read(sha('a'), "dirty"),
    );
    assert_eq!(
        t.state.step,
        Step::CiFix {
            attempt: 1,
            fix: FixCause::Conflict,
            next: AfterCi::Review
        }
    );
    assert_eq!(t.actions, [Action::LaunchRebaseFix { attempt: 1 }]);
    // With the attempts used up, a conflict fails the issue and tells the human.
    let used = Tally {
        ci_fixes: 2,
        ..Tally::default()
    };
    let t = go(
        &with(base(sha('a'), AfterCi::Review), used),
        read(sha('a'), "dirty"),
    );
    assert!(matches!(
        &t.state.step,
        Step::Done { outcome: Outcome::Failed { reason } } if reason.contains("conflict with the base branch")
    ));
    assert!(
        matches!(&t.actions[0], Action::NotifyCiFailed { attempts: 2, failing } if failing == &["conflict with the base branch"])
    );
    assert!(matches!(&t.actions[1], Action::Fail { .. }));
}

#[test]
fn an_unknown_base_is_read_again_a_few_times() {
    let l = limits();
    let mut state = fresh(base(sha('a'), AfterCi::Review));
    for poll in 1..l.max_unknown_polls {
        let t = go(&state, read(sha('a'), "unknown"));
        assert!(
            matches!(t.state.step, Step::UpdateBase { unknown_polls, .. } if unknown_polls == poll)
        );
        assert_eq!(
            t.actions,
            [Action::ReadBase {
                head: sha('a'),
                delay: l.base_retry
            }]
        );
        state = t.state;
    }
    let none = Event::BaseRead {
        head: sha('a'),
        mergeable_state: None,
    };
    let t = go(&state, none);
    assert!(
        matches!(t.state.step, Step::WaitCi { .. }),
        "goes on after the cap"
    );
}

#[test]
fn a_base_read_on_a_new_head_starts_over() {
    let step = Step::UpdateBase {
        head: sha('a'),
        unknown_polls: 3,
        refusals: 1,
        next: AfterCi::Ask,
    };
    let t = go(&fresh(step), read(sha('b'), "clean"));
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Ask));
    assert!(t.state.tally.head_moved);
}

#[test]
fn green_ci_or_no_ci_goes_to_the_review() {
    for (outcome, report) in [
        (CiOutcome::Passed, CiReport::Passed),
        (CiOutcome::NoCi, CiReport::NoCi),
    ] {
        let tally = Tally {
            ci_fixes: 1,
            ..Tally::default()
        };
        let t = go_at(
            &with(wait_ci(sha('a'), AfterCi::Review), tally),
            ci(sha('a'), outcome),
            at(9),
            &limits(),
        );
        assert_eq!(
            t.state.step,
            Step::WaitReview {
                head: sha('a'),
                since: at(9),
                trigger: false
            }
        );
        assert_eq!(
            t.actions,
            [Action::WatchReview {
                head: sha('a'),
                since: at(9)
            }]
        );
        assert_eq!(t.state.tally.ci, Some(report));
        assert_eq!(t.state.tally.ci_fixes, 0, "a pass resets the attempts");
    }
}

#[test]
fn failed_actions_jobs_are_rerun_once_and_a_pass_is_reported_as_flaky() {
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), failed_in_actions(&["build"])),
    );
    assert_eq!(
        t.actions,
        [Action::RerunFailedJobs {
            head: sha('a'),
            runs: vec![77]
        }]
    );
    let t = go_at(
        &t.state,
        Event::RerunDone {
            started: true,
            why: None,
        },
        at(9),
        &limits(),
    );
    assert_eq!(
        t.state.step,
        Step::WaitCi {
            head: sha('a'),
            since: at(9),
            next: AfterCi::Review
        }
    );
    let passed = go(&t.state, ci(sha('a'), CiOutcome::Passed));
    assert_eq!(passed.state.tally.ci, Some(CiReport::Flaky));
    assert_eq!(passed.state.tally.ci_fixes, 0, "no agent was spent");
    // Failing again on the same head: now a fix worker, no second rerun.
    let again = go(&t.state, ci(sha('a'), failed_in_actions(&["build"])));
    assert!(matches!(
        &again.actions[..],
        [Action::LaunchCiFix { attempt: 1, .. }]
    ));
}

#[test]
fn a_rerun_that_cannot_start_or_is_turned_off_goes_to_the_fix_worker() {
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), failed_in_actions(&["build"])),
    );
    let t = go(
        &t.state,
        Event::RerunDone {
            started: false,
            why: Some("the token may not rerun workflows".into()),
        },
    );
    assert!(matches!(
        &t.actions[..],
        [Action::LaunchCiFix { attempt: 1, .. }]
    ));
    assert!(t.state.tally.note.unwrap().contains("may not rerun"));
    let off = Limits {
        rerun_flaky: false,
        ..limits()
    };
    let t = go_at(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), failed_in_actions(&["build"])),
        at(0),
        &off,
    );
    assert!(matches!(
        &t.actions[..],
        [Action::LaunchCiFix { attempt: 1, .. }]
    ));
}

#[test]
fn red_ci_gets_two_fix_attempts_then_fails_and_tells_the_human() {
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), failed(&["ci/test"])),
    );
    assert_eq!(
        t.actions,
        [Action::LaunchCiFix {
            attempt: 1,
            failing: vec!["ci/test".into()]
        }]
    );
    assert_eq!(t.state.tally.ci, Some(CiReport::Failed));
    let t = go(
        &t.state,
        Event::FixFinished {
            pushed: Some(sha('b')),
        },
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Review));
    let t = go(&t.state, read(sha('b'), "clean"));
    let t = go(&t.state, ci(sha('b'), failed(&["ci/lint", "ci/test"])));
    assert!(matches!(
        &t.actions[..],
        [Action::LaunchCiFix { attempt: 2, .. }]
    ));
    let t = go(
        &t.state,
        Event::FixFinished {
            pushed: Some(sha('c')),
        },
    );
    let t = go(&t.state, read(sha('c'), "clean"));
    let t = go(&t.state, ci(sha('c'), failed(&["ci/test"])));
    assert_eq!(
        t.state.step,
        Step::Done {
            outcome: Outcome::Failed {
                reason: "CI still failing after 2 fix attempt(s): ci/test".into()
            }
        }
    );
    assert_eq!(
        t.actions,
        [
            Action::NotifyCiFailed {
                attempts: 2,
                failing: vec!["ci/test".into()]
            },
            Action::Fail {
                reason: "CI still failing after 2 fix attempt(s): ci/test".into()
            }
        ]
    );
}

#[test]
fn a_fix_that_pushed_nothing_is_a_failed_attempt() {
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), failed(&["build"])),
    );
    let t = go(&t.state, Event::FixFinished { pushed: None });
    assert_eq!(
        t.state.step,
        Step::CiFix {
            attempt: 2,
            fix: FixCause::Ci {
                failing: vec!["build".into()]
            },
            next: AfterCi::Review
        }
    );
    assert!(matches!(
        &t.actions[..],
        [Action::LaunchCiFix { attempt: 2, .. }]
    ));
    let t = go(&t.state, Event::FixFinished { pushed: None });
    assert!(matches!(
        t.state.step,
        Step::Done {
            outcome: Outcome::Failed { .. }
        }
    ));
    assert!(matches!(
        &t.actions[0],
        Action::NotifyCiFailed { attempts: 2, .. }
    ));
}

#[test]
fn a_ci_timeout_is_a_failure_naming_what_hung() {
    let timed_out = CiOutcome::TimedOut {
        pending: vec!["e2e".into()],
    };
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), timed_out),
    );
    assert_eq!(
        t.actions,
        [Action::LaunchCiFix {
            attempt: 1,
            failing: vec!["e2e (timed out)".into()]
        }]
    );
    let t = go(
        &fresh(wait_ci(sha('a'), AfterCi::Review)),
        ci(sha('a'), CiOutcome::TimedOut { pending: vec![] }),
    );
    assert!(
        matches!(&t.actions[..], [Action::LaunchCiFix { failing, .. }] if failing == &["CI (timed out)"])
    );
}

#[test]
fn skip_ci_reports_skipped_and_never_waits() {
    let l = Limits {
        skip_ci: true,
        ..limits()
    };
    let t = go_at(
        &fresh(base(sha('a'), AfterCi::Review)),
        read(sha('a'), "clean"),
        at(0),
        &l,
    );
    assert_eq!(t.state.step, wait_review(sha('a')));
    assert_eq!(t.state.tally.ci, Some(CiReport::Skipped));
    let t = go_at(
        &fresh(base(sha('a'), AfterCi::Ask)),
        read(sha('a'), "clean"),
        at(0),
        &l,
    );
    assert_eq!(question_of(&t).ci, CiReport::Skipped);
}
