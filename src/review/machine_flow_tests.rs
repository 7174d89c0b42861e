//! Tests of the machine's review, human, merge and checkpoint behaviour.

use super::tests::*;

#[test]
fn a_review_with_only_nitpicks_asks_the_human() {
    let tally = Tally {
        ci: Some(CiReport::Passed),
        ..Tally::default()
    };
    let t = go(
        &with(wait_review(sha('a')), tally),
        reviewed(sha('a'), &[], 3, 1),
    );
    let q = question_of(&t);
    assert_eq!(
        (
            q.ci,
            q.review,
            q.comments,
            q.addressed,
            q.nitpicks,
            q.skipped_style
        ),
        (CiReport::Passed, ReviewReport::Reviewed, 4, 0, 3, 1)
    );
    assert_eq!(
        t.actions,
        [Action::AskHuman {
            head: sha('a'),
            question: q.clone()
        }]
    );
}

#[test]
fn real_findings_go_to_a_review_fix_then_ci_then_a_triggered_review() {
    let t = go(
        &fresh(wait_review(sha('a'))),
        reviewed(sha('a'), &["comment:1", "comment:2"], 2, 0),
    );
    let Step::ReviewFix {
        round,
        comments,
        count,
        ..
    } = &t.state.step
    else {
        panic!("{:?}", t.state.step)
    };
    assert_eq!((*round, *count), (1, 2));
    assert!(comments.starts_with("1. [src/a.rs:3] Problem comment:1 (from coderabbitai[bot])"));
    assert_eq!(
        t.actions,
        [Action::LaunchReviewFix {
            round: 1,
            comments: comments.clone()
        }]
    );
    let t = go(
        &t.state,
        Event::FixFinished {
            pushed: Some(sha('b')),
        },
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Review));
    assert_eq!(t.state.tally.addressed, 2);
    let t = go(&t.state, read(sha('b'), "clean"));
    let t = go_at(&t.state, ci(sha('b'), CiOutcome::Passed), at(30), &limits());
    assert_eq!(
        t.state.step,
        Step::WaitReview {
            head: sha('b'),
            since: at(30),
            trigger: true
        }
    );
    assert_eq!(
        t.actions,
        [
            Action::RequestReview {
                head: sha('b'),
                since: at(30)
            },
            Action::WatchReview {
                head: sha('b'),
                since: at(30)
            }
        ]
    );
    // The new review is clean: ask, with the totals of both rounds.
    let t = go(&t.state, reviewed(sha('b'), &[], 1, 0));
    let q = question_of(&t);
    assert_eq!((q.comments, q.addressed, q.nitpicks), (5, 2, 3));
}

#[test]
fn past_the_round_cap_the_human_decides() {
    let tally = Tally {
        review_rounds: 2,
        ci: Some(CiReport::Passed),
        ..Tally::default()
    };
    let t = go(
        &with(wait_review(sha('c')), tally),
        reviewed(sha('c'), &["comment:9"], 0, 0),
    );
    let q = question_of(&t);
    assert_eq!(
        q.capped,
        Some(Capped {
            rounds: 2,
            unaddressed: 1
        })
    );
    let l = Limits {
        max_review_rounds: 0,
        ..limits()
    };
    let t = go_at(
        &fresh(wait_review(sha('c'))),
        reviewed(sha('c'), &["comment:9"], 0, 0),
        at(0),
        &l,
    );
    assert!(matches!(t.state.step, Step::AskHuman { .. }));
}

#[test]
fn findings_already_sent_are_not_sent_again() {
    let tally = Tally {
        sent: vec!["comment:1".into()],
        comments: 1,
        review_rounds: 1,
        ..Tally::default()
    };
    let t = go(
        &with(wait_review(sha('b')), tally.clone()),
        reviewed(sha('b'), &["comment:1"], 0, 0),
    );
    let q = question_of(&t);
    assert_eq!((q.comments, q.capped), (1, None), "not counted twice");
    let t = go(
        &with(wait_review(sha('b')), tally),
        reviewed(sha('b'), &["comment:1", "comment:7"], 0, 0),
    );
    assert!(matches!(
        &t.state.step,
        Step::ReviewFix {
            round: 2,
            count: 1,
            ..
        }
    ));
}

/// A review of `head` with real findings and comments from others.
fn reviewed_with_others(head: CommitSha, real: &[&str], others: &[&str]) -> Event {
    let mut event = reviewed(head, real, 0, 0);
    if let Event::ReviewDone { triage, .. } = &mut event {
        triage.from_others = others.iter().map(|k| k.to_string()).collect();
    }
    event
}

#[test]
fn comments_from_others_are_counted_once_over_rounds_and_restarts() {
    let t = go(
        &fresh(wait_review(sha('a'))),
        reviewed_with_others(sha('a'), &["comment:1"], &["comment:5", "review:6"]),
    );
    match &t.state.step {
        Step::ReviewFix {
            comments, count, ..
        } => {
            assert_eq!(*count, 1);
            assert!(comments.contains("Problem comment:1"), "{comments}");
        }
        other => panic!("not fixing: {other:?}"),
    }
    // A restart reads the count back from the checkpoint.
    let restored = ReviewState::from_json(t.state.to_json()).unwrap();
    assert_eq!(restored.tally.from_others, ["comment:5", "review:6"]);
    let t = go(
        &restored,
        Event::FixFinished {
            pushed: Some(sha('b')),
        },
    );
    let t = go(&t.state, read(sha('b'), "clean"));
    let t = go(&t.state, ci(sha('b'), CiOutcome::Passed));
    // The review body has no commit, so it is seen again on the new head.
    let t = go(
        &t.state,
        reviewed_with_others(sha('b'), &[], &["review:6", "comment:8"]),
    );
    let q = question_of(&t);
    assert_eq!((q.from_others, q.comments, q.addressed), (3, 1, 1));
    let restored = Transition {
        state: ReviewState::from_json(t.state.to_json()).unwrap(),
        actions: Vec::new(),
    };
    assert_eq!(question_of(&restored).from_others, 3);
}

#[test]
fn a_review_fix_that_pushed_nothing_asks_with_a_note() {
    let step = Step::ReviewFix {
        round: 1,
        head: sha('a'),
        comments: "1. x".into(),
        count: 2,
    };
    let t = go(&fresh(step), Event::FixFinished { pushed: None });
    let q = question_of(&t);
    assert_eq!(
        q.note.as_deref(),
        Some("review-fix round 1 pushed nothing; 2 comment(s) not addressed")
    );
    assert_eq!(q.addressed, 0);
    assert_eq!(t.state.tally.note, None, "a note is said once");
}

#[test]
fn no_review_is_reported_with_coderabbits_reason() {
    let event = Event::ReviewDone {
        head: sha('a'),
        found: false,
        notice: Some(Notice::RateLimited),
        triage: Triage::default(),
    };
    let t = go(&fresh(wait_review(sha('a'))), event);
    assert_eq!(
        question_of(&t).review,
        ReviewReport::NoReview {
            notice: Some(Notice::RateLimited)
        }
    );
}

#[test]
fn a_head_that_moves_during_the_review_wait_goes_back_to_the_base() {
    let t = go(
        &fresh(wait_review(sha('a'))),
        Event::HeadMoved { head: sha('b') },
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Review));
    assert!(t.state.tally.head_moved);
}

#[test]
fn the_humans_answers() {
    let t = go(
        &fresh(asked(sha('a'))),
        Event::Answered {
            head: sha('a'),
            answer: Answer::Merge,
        },
    );
    assert_eq!(t.state.step, Step::Merge { head: sha('a') });
    assert_eq!(t.actions, [Action::Merge { head: sha('a') }]);
    let t = go(
        &fresh(asked(sha('a'))),
        Event::Answered {
            head: sha('a'),
            answer: Answer::Changes("rename foo".into()),
        },
    );
    assert_eq!(
        t.actions,
        [Action::LaunchChangesFix {
            feedback: "rename foo".into()
        }]
    );
    let t = go(
        &fresh(asked(sha('a'))),
        Event::Answered {
            head: sha('a'),
            answer: Answer::Skip,
        },
    );
    assert_eq!(
        t.state.step,
        Step::Done {
            outcome: Outcome::Skipped
        }
    );
    assert_eq!(t.actions, [Action::Skip]);
}

#[test]
fn changes_are_fixed_then_ci_then_the_human_is_asked_again() {
    let step = Step::ChangesFix {
        head: sha('a'),
        feedback: "rename foo".into(),
    };
    let t = go(
        &fresh(step.clone()),
        Event::FixFinished {
            pushed: Some(sha('b')),
        },
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Ask));
    let t = go(&t.state, read(sha('b'), "clean"));
    let t = go(&t.state, ci(sha('b'), CiOutcome::Passed));
    assert!(matches!(&t.state.step, Step::AskHuman { head, .. } if *head == sha('b')));
    let t = go(&fresh(step), Event::FixFinished { pushed: None });
    assert_eq!(
        question_of(&t).note.as_deref(),
        Some("the fix for your feedback pushed nothing")
    );
}

#[test]
fn a_head_that_moves_under_a_question_voids_it_and_goes_back_to_ci() {
    let t = go(&fresh(asked(sha('a'))), Event::HeadMoved { head: sha('b') });
    assert_eq!(
        t.actions,
        [
            Action::VoidQuestion { head: sha('a') },
            Action::ReadBase {
                head: sha('b'),
                delay: Duration::ZERO
            }
        ]
    );
    assert_eq!(t.state.step, base(sha('b'), AfterCi::Ask));
    let t = go(&t.state, read(sha('b'), "clean"));
    assert!(matches!(
        t.state.step,
        Step::WaitCi {
            next: AfterCi::Ask,
            ..
        }
    ));
}

#[test]
fn a_merge_completes_or_its_refusal_goes_to_the_human() {
    let merged = MergeOutcome::Merged { sha: sha('f') };
    let t = go(
        &fresh(Step::Merge { head: sha('a') }),
        Event::MergeDone(merged),
    );
    assert_eq!(t.actions, [Action::FinishMerged { sha: sha('f') }]);
    assert!(t.state.is_done());
    for status in [405, 409] {
        let refused = MergeOutcome::Refused {
            status,
            message: "Head branch was modified".into(),
        };
        let t = go(
            &fresh(Step::Merge { head: sha('a') }),
            Event::MergeDone(refused),
        );
        assert!(
            !t.actions.iter().any(|a| matches!(a, Action::Merge { .. })),
            "never retried blindly"
        );
        // The PR may have fallen behind: the base is read and CI run again,
        // then the human is asked with the refusal in the question.
        assert!(
            matches!(
                t.state.step,
                Step::UpdateBase {
                    next: AfterCi::Ask,
                    ..
                }
            ),
            "{:?}",
            t.state.step
        );
        let base = Event::BaseRead {
            head: sha('a'),
            mergeable_state: Some("clean".into()),
        };
        let t = go(&t.state, base);
        let t = go(&t.state, ci(sha('a'), CiOutcome::Passed));
        let refusal = format!("{status} Head branch was modified");
        assert_eq!(question_of(&t).refusal.as_deref(), Some(refusal.as_str()));
        assert_eq!(t.state.tally.refusal, None);
    }
}

#[test]
fn events_that_do_not_apply_are_rejected() {
    let stale_ci = ci(sha('z'), CiOutcome::Passed);
    let cases: Vec<(Step, Event)> = vec![
        (wait_ci(sha('a'), AfterCi::Review), stale_ci),
        (
            wait_ci(sha('a'), AfterCi::Review),
            Event::HeadMoved { head: sha('a') },
        ),
        (wait_review(sha('a')), reviewed(sha('z'), &[], 0, 0)),
        (
            asked(sha('a')),
            Event::Answered {
                head: sha('z'),
                answer: Answer::Merge,
            },
        ),
        (asked(sha('a')), Event::FixFinished { pushed: None }),
        (
            Step::Merge { head: sha('a') },
            Event::HeadMoved { head: sha('a') },
        ),
        (
            Step::CiFix {
                attempt: 1,
                fix: FixCause::Conflict,
                next: AfterCi::Review,
            },
            ci(sha('a'), CiOutcome::Passed),
        ),
        (
            Step::Done {
                outcome: Outcome::Skipped,
            },
            Event::FixFinished { pushed: None },
        ),
        (
            base(sha('a'), AfterCi::Review),
            Event::BranchUpdated(UpdateBranchOutcome::Scheduled),
        ),
        (base(sha('a'), AfterCi::Review), Event::MustUpdate),
    ];
    for (step, event) in cases {
        let name = step.name();
        let err = next(&fresh(step), event, &limits(), at(0)).unwrap_err();
        assert_eq!(err.step, name);
    }
}

fn every_step() -> Vec<Step> {
    vec![
        base(sha('a'), AfterCi::Review),
        Step::UpdatingBranch {
            head: sha('a'),
            refusals: 1,
            next: AfterCi::Ask,
        },
        wait_ci(sha('a'), AfterCi::Review),
        Step::CiFix {
            attempt: 1,
            fix: FixCause::Ci {
                failing: vec!["t".into()],
            },
            next: AfterCi::Review,
        },
        Step::CiFix {
            attempt: 2,
            fix: FixCause::Conflict,
            next: AfterCi::Ask,
        },
        Step::WaitReview {
            head: sha('a'),
            since: at(5),
            trigger: true,
        },
        Step::ReviewFix {
            round: 1,
            head: sha('a'),
            comments: "1. x".into(),
            count: 1,
        },
        asked(sha('a')),
        Step::ChangesFix {
            head: sha('a'),
            feedback: "f".into(),
        },
        Step::Merge { head: sha('a') },
        Step::Done {
            outcome: Outcome::Merged { sha: sha('m') },
        },
        Step::Done {
            outcome: Outcome::Failed { reason: "r".into() },
        },
    ]
}

#[test]
fn every_state_round_trips_through_the_checkpoint_json() {
    for step in every_step() {
        let tally = Tally {
            sent: vec!["comment:1".into()],
            ci: Some(CiReport::NoCi),
            review: ReviewReport::NoReview {
                notice: Some(Notice::Skipped),
            },
            ..Tally::default()
        };
        let state = with(step, tally);
        let json = state.to_json();
        assert_eq!(json["step"]["step"], state.step.name());
        assert_eq!(ReviewState::from_json(json).unwrap(), state);
    }
    let older: serde_json::Value = serde_json::json!({
        "step": {"step": "merge", "head": "a".repeat(40)},
        "tally": {}
    });
    assert_eq!(
        ReviewState::from_json(older).unwrap().step,
        Step::Merge { head: sha('a') }
    );
}

#[test]
fn resuming_repeats_the_steps_own_actions() {
    let expected: Vec<Vec<Action>> = vec![
        vec![Action::ReadBase {
            head: sha('a'),
            delay: Duration::ZERO,
        }],
        vec![Action::UpdateBranch {
            expected_head: sha('a'),
        }],
        vec![Action::WatchCi {
            head: sha('a'),
            since: at(0),
        }],
        vec![Action::LaunchCiFix {
            attempt: 1,
            failing: vec!["t".into()],
        }],
        vec![Action::LaunchRebaseFix { attempt: 2 }],
        vec![
            Action::RequestReview {
                head: sha('a'),
                since: at(5),
            },
            Action::WatchReview {
                head: sha('a'),
                since: at(5),
            },
        ],
        vec![Action::LaunchReviewFix {
            round: 1,
            comments: "1. x".into(),
        }],
        vec![Action::AskHuman {
            head: sha('a'),
            question: question_of(&Transition {
                state: fresh(asked(sha('a'))),
                actions: vec![],
            })
            .clone(),
        }],
        vec![Action::LaunchChangesFix {
            feedback: "f".into(),
        }],
        vec![Action::Merge { head: sha('a') }],
        vec![Action::FinishMerged { sha: sha('m') }],
        vec![Action::Fail { reason: "r".into() }],
    ];
    for (step, want) in every_step().into_iter().zip(expected) {
        assert_eq!(
            fresh(step.clone()).resume_actions(),
            want,
            "{}",
            step.name()
        );
    }
}

#[test]
fn a_green_pr_walks_straight_to_the_merge() {
    let l = limits();
    let mut t = ReviewState::start(sha('a'));
    let events = [
        read(sha('a'), "clean"),
        ci(sha('a'), CiOutcome::Passed),
        reviewed(sha('a'), &[], 2, 1),
        Event::Answered {
            head: sha('a'),
            answer: Answer::Merge,
        },
        Event::MergeDone(MergeOutcome::Merged { sha: sha('m') }),
    ];
    let mut names = vec![t.state.step.name()];
    for event in events {
        // Every state survives the checkpoint between events.
        let saved = ReviewState::from_json(t.state.to_json()).unwrap();
        t = go_at(&saved, event, at(1), &l);
        names.push(t.state.step.name());
    }
    assert_eq!(
        names,
        [
            "update_base",
            "wait_ci",
            "wait_review",
            "ask_human",
            "merge",
            "done"
        ]
    );
    assert_eq!(t.actions, [Action::FinishMerged { sha: sha('m') }]);
}
