//! The issue machine: every (stage, event) pair is handled or rejected with
//! a reason (the table below says which), and the stories of an issue's life
//! — fresh, interrupted, resumed, and with people acting on GitHub.

use chrono::{DateTime, Utc};

use super::machine::*;
use crate::github::{MergeOutcome, UpdateBranchOutcome};
use crate::ids::{BranchName, CommitSha, PrNumber};
use crate::review::{
    self, AfterCi, Answer, CiOutcome, FixCause, Limits, Question, ReviewState, Step, Triage,
};

fn sha(c: char) -> CommitSha {
    CommitSha(c.to_string().repeat(40))
}

fn branch() -> BranchName {
    BranchName("feat/issue-7-thing".into())
}

fn now() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn step(machine: &IssueMachine, event: Event) -> Result<Transition, Rejected> {
    let limits = Limits::default();
    next(
        machine,
        event,
        &Cx {
            limits: &limits,
            now: now(),
        },
    )
}

fn go(machine: &IssueMachine, event: Event) -> Transition {
    step(machine, event).unwrap_or_else(|e| panic!("{e}"))
}

fn at(stage: Stage) -> IssueMachine {
    IssueMachine {
        stage,
        tally: IssueTally::default(),
    }
}

fn report(succeeded: bool) -> WorkerReport {
    WorkerReport {
        exit: if succeeded {
            "exited with code 0"
        } else {
            "exited with code 3"
        }
        .into(),
        succeeded,
        log: "/logs/issue-7.log".into(),
    }
}

fn question() -> Question {
    Question {
        ci: review::CiReport::Passed,
        review: review::ReviewReport::Reviewed,
        comments: 0,
        addressed: 0,
        nitpicks: 0,
        skipped_style: 0,
        from_others: 0,
        capped: None,
        refusal: None,
        note: None,
    }
}

/// Every review step, as the review stage of PR 40.
fn review_steps() -> Vec<Step> {
    let head = sha('a');
    vec![
        Step::UpdateBase {
            head: head.clone(),
            unknown_polls: 0,
            refusals: 0,
            next: AfterCi::Review,
        },
        Step::UpdatingBranch {
            head: head.clone(),
            refusals: 0,
            next: AfterCi::Review,
        },
        Step::WaitCi {
            head: head.clone(),
            since: now(),
            next: AfterCi::Review,
        },
        Step::RerunCi {
            head: head.clone(),
            runs: vec![7],
            failing: vec!["ci/test".into()],
            next: AfterCi::Review,
        },
        Step::CiFix {
            attempt: 1,
            fix: FixCause::Ci {
                failing: vec!["ci/test".into()],
            },
            next: AfterCi::Review,
        },
        Step::WaitReview {
            head: head.clone(),
            since: now(),
            trigger: false,
        },
        Step::ReviewFix {
            round: 1,
            head: head.clone(),
            comments: "fix it".into(),
            count: 1,
        },
        Step::AskHuman {
            head: head.clone(),
            question: question(),
        },
        Step::ChangesFix {
            head: head.clone(),
            feedback: "rename it".into(),
        },
        Step::Merge { head },
    ]
}

fn in_review(step: Step) -> Stage {
    Stage::Review {
        pr: PrNumber(40),
        branch: branch(),
        review: Box::new(ReviewState {
            step,
            tally: review::Tally::default(),
        }),
    }
}

fn every_stage() -> Vec<(String, Stage)> {
    let mut stages = vec![
        ("pending".to_string(), Stage::Pending),
        ("locate".into(), Stage::Locate { after: None }),
        (
            "locate after a worker".into(),
            Stage::Locate {
                after: Some(report(true)),
            },
        ),
        ("implement".into(), Stage::Implement { branch: branch() }),
        ("open_pr".into(), Stage::OpenPr { branch: branch() }),
        (
            "tidy".into(),
            Stage::Tidy {
                pr: PrNumber(40),
                branch: branch(),
                sha: Some(sha('m')),
                by: None,
            },
        ),
    ];
    for s in review_steps() {
        stages.push((format!("review/{}", s.name()), in_review(s)));
    }
    let ends = [
        (
            "merged",
            End::Merged {
                pr: PrNumber(40),
                by: None,
            },
        ),
        (
            "failed",
            End::Failed {
                reason: "boom".into(),
            },
        ),
        ("skipped/human", skipped(SkipWhy::Human)),
        ("skipped/blocker", skipped(SkipWhy::Blocker)),
        ("skipped/pr_closed", skipped(SkipWhy::PrClosed)),
        ("skipped/issue_closed", skipped(SkipWhy::IssueClosed)),
    ];
    for (name, end) in ends {
        stages.push((format!("done/{name}"), Stage::Done { end }));
    }
    stages
}

fn skipped(why: SkipWhy) -> End {
    End::Skipped {
        why,
        reason: "because".into(),
    }
}

fn every_event() -> Vec<Event> {
    let head = sha('a');
    let found = [
        Found::Open {
            pr: PrNumber(40),
            branch: branch(),
            head: head.clone(),
            linked: true,
        },
        Found::Branch { branch: branch() },
        Found::Merged {
            pr: PrNumber(40),
            branch: branch(),
            by: Some("ada".into()),
        },
        Found::Closed {
            pr: PrNumber(40),
            by: Some("ada".into()),
        },
        Found::IssueClosed,
        Found::Nothing {
            branch: branch(),
            continues: false,
        },
    ];
    let mut events = vec![
        Event::Entered,
        Event::Resumed {
            reset_counters: false,
        },
        Event::BlockerEnded {
            reason: "blocked by #3".into(),
        },
        Event::WorkerExited(report(true)),
        Event::Held(Hold::BudgetSpent),
        Event::Blocked {
            reason: "dirty checkout".into(),
        },
        Event::PrOpened {
            pr: PrNumber(40),
            head: head.clone(),
        },
        Event::Answered {
            head: head.clone(),
            answer: Answer::Merge,
            by: "ada".into(),
        },
        Event::Unanswerable {
            why: "nobody to ask".into(),
        },
        Event::PrMerged {
            sha: Some(sha('m')),
            by: Some("ada".into()),
        },
        Event::PrClosed {
            by: Some("ada".into()),
        },
        Event::PrRetargeted {
            base: BranchName("develop".into()),
        },
        Event::Tidied,
    ];
    events.extend(found.into_iter().map(Event::Located));
    let review_events = [
        review::Event::BaseRead {
            head: head.clone(),
            mergeable_state: Some("clean".into()),
        },
        review::Event::BranchUpdated(UpdateBranchOutcome::Scheduled),
        review::Event::CiDone {
            head: head.clone(),
            outcome: CiOutcome::Passed,
        },
        review::Event::ReviewDone {
            head: head.clone(),
            found: true,
            notice: None,
            triage: Triage::default(),
        },
        review::Event::FixFinished {
            pushed: Some(sha('b')),
        },
        review::Event::HeadMoved { head: sha('b') },
        review::Event::MergeDone(MergeOutcome::Merged { sha: sha('m') }),
        review::Event::MustUpdate,
        review::Event::LeftQueue,
        review::Event::RerunDone {
            started: true,
            why: None,
        },
    ];
    events.extend(review_events.into_iter().map(Event::Review));
    events
}

/// Which events each stage takes; every other one is rejected.
fn handled(stage: &str) -> &'static [&'static str] {
    const ALWAYS: [&str; 2] = ["entered", "resumed"];
    let own: &[&str] = match stage {
        "pending" => &["entered", "resumed", "blocker_ended"],
        "locate" | "locate after a worker" => &["entered", "resumed", "located"],
        "implement" => &["entered", "resumed", "worker_exited", "held", "blocked"],
        "open_pr" => &["entered", "resumed", "pr_opened", "blocked"],
        "tidy" => &["entered", "resumed", "tidied"],
        "review/update_base" => &["base_read"],
        "review/updating_branch" => &["branch_updated", "head_moved"],
        "review/wait_ci" => &["ci_done", "head_moved"],
        "review/rerun_ci" => &["rerun_done"],
        "review/ci_fix" | "review/review_fix" | "review/changes_fix" => {
            &["fix_finished", "held", "blocked"]
        }
        "review/wait_review" => &["review_done", "head_moved"],
        "review/ask_human" => &["answered", "head_moved", "unanswerable"],
        "review/merge" => &["merge_done", "must_update", "head_moved", "left_queue"],
        _ if stage.starts_with("done/") => &ALWAYS,
        other => panic!("no table row for stage {other}"),
    };
    if stage.starts_with("review/") {
        // Every review step also takes what people do on GitHub.
        let mut all: Vec<&'static str> = own.to_vec();
        all.extend([
            "entered",
            "resumed",
            "pr_merged",
            "pr_closed",
            "pr_retargeted",
        ]);
        return Box::leak(all.into_boxed_slice());
    }
    own
}

#[test]
fn every_stage_and_event_is_handled_or_rejected_with_a_reason() {
    for (name, stage) in every_stage() {
        let machine = at(stage);
        let mut taken = Vec::new();
        for event in every_event() {
            let event_name = event.name();
            match step(&machine, event) {
                Ok(t) => {
                    taken.push(event_name);
                    let json = t.machine.to_json();
                    assert_eq!(
                        IssueMachine::from_json(json).unwrap(),
                        t.machine,
                        "{name} × {event_name}"
                    );
                }
                Err(rejected) => {
                    assert!(!rejected.reason.is_empty(), "{name} × {event_name}");
                    assert_eq!(rejected.event, event_name);
                }
            }
        }
        let mut expected: Vec<&str> = handled(&name).to_vec();
        expected.sort_unstable();
        expected.dedup();
        taken.sort_unstable();
        taken.dedup();
        assert_eq!(taken, expected, "the events stage {name} takes");
    }
}

#[test]
fn a_final_stage_is_left_only_by_a_resume_and_does_nothing_when_entered() {
    for (name, stage) in every_stage()
        .into_iter()
        .filter(|(n, _)| n.starts_with("done/"))
    {
        let machine = at(stage.clone());
        let t = go(&machine, Event::Entered);
        assert_eq!(t.machine.stage, stage, "{name}");
        assert!(t.actions.is_empty(), "{name}");
        let resumed = go(
            &machine,
            Event::Resumed {
                reset_counters: false,
            },
        );
        let expect_again = matches!(
            name.as_str(),
            "done/failed" | "done/skipped/blocker" | "done/skipped/pr_closed"
        );
        assert_eq!(
            resumed.machine.stage == Stage::Pending,
            expect_again,
            "{name}"
        );
        assert!(
            resumed.actions.is_empty(),
            "{name}: the scheduler starts it"
        );
    }
}

/// Feeds events in order, checking each is taken; returns the last transition.
fn story(events: Vec<Event>) -> (IssueMachine, Vec<Vec<Action>>) {
    let mut machine = IssueMachine::new();
    let mut all = Vec::new();
    for event in events {
        let t = go(&machine, event);
        machine = t.machine;
        all.push(t.actions);
    }
    (machine, all)
}

fn nothing() -> Event {
    Event::Located(Found::Nothing {
        branch: branch(),
        continues: false,
    })
}

fn ci_passed(head: CommitSha) -> Event {
    Event::Review(review::Event::CiDone {
        head,
        outcome: CiOutcome::Passed,
    })
}

#[test]
fn a_fresh_issue_is_implemented_opened_reviewed_merged_and_tidied() {
    let head = sha('a');
    let (machine, actions) = story(vec![
        Event::Entered,
        nothing(),
        Event::WorkerExited(report(true)),
        Event::Located(Found::Branch { branch: branch() }),
        Event::PrOpened {
            pr: PrNumber(40),
            head: head.clone(),
        },
        Event::Review(review::Event::BaseRead {
            head: head.clone(),
            mergeable_state: Some("clean".into()),
        }),
        ci_passed(head.clone()),
        Event::Review(review::Event::ReviewDone {
            head: head.clone(),
            found: true,
            notice: None,
            triage: Triage::default(),
        }),
        Event::Answered {
            head: head.clone(),
            answer: Answer::Merge,
            by: "ada".into(),
        },
        Event::Review(review::Event::MergeDone(MergeOutcome::Merged {
            sha: sha('m'),
        })),
        Event::Tidied,
    ]);
    assert_eq!(actions[0], [Action::Locate]);
    assert_eq!(
        actions[1],
        [Action::RunWorker {
            kind: crate::worker::WorkerKind::Implement,
            branch: branch()
        }]
    );
    assert_eq!(actions[2], [Action::Locate]);
    assert_eq!(actions[3], [Action::OpenPr { branch: branch() }]);
    assert!(matches!(
        actions[9].as_slice(),
        [Action::Tidy {
            pr: PrNumber(40),
            ..
        }]
    ));
    assert_eq!(
        machine.stage,
        Stage::Done {
            end: End::Merged {
                pr: PrNumber(40),
                by: None
            }
        }
    );
    assert_eq!(machine.tally.attempts, 1);
    assert_eq!(machine.state(), crate::checkpoint::IssueState::Merged);
}

fn asking(head: &CommitSha) -> IssueMachine {
    at(in_review(Step::AskHuman {
        head: head.clone(),
        question: question(),
    }))
}

#[test]
fn a_pr_merged_by_a_person_while_asked_withdraws_the_question_and_is_theirs() {
    let head = sha('a');
    let t = go(
        &asking(&head),
        Event::PrMerged {
            sha: Some(sha('m')),
            by: Some("grace".into()),
        },
    );
    assert!(matches!(&t.actions[0], Action::WithdrawQuestion { why } if why.contains("by @grace")));
    assert!(matches!(t.actions.last(), Some(Action::Tidy { .. })));
    assert!(
        !t.actions.iter().any(|a| matches!(
            a,
            Action::Review {
                action: review::Action::Merge { .. },
                ..
            }
        )),
        "no merge of ours"
    );
    let done = go(&t.machine, Event::Tidied);
    assert_eq!(
        done.machine.stage,
        Stage::Done {
            end: End::Merged {
                pr: PrNumber(40),
                by: Some("grace".into())
            }
        }
    );
}

#[test]
fn a_pr_closed_by_a_person_ends_the_issue_with_that_reason_at_any_wait() {
    for s in review_steps() {
        let name = s.name();
        let t = go(
            &at(in_review(s)),
            Event::PrClosed {
                by: Some("grace".into()),
            },
        );
        let Stage::Done {
            end: End::Skipped { why, reason },
        } = &t.machine.stage
        else {
            panic!("{name}: {:?}", t.machine.stage)
        };
        assert_eq!(*why, SkipWhy::PrClosed);
        assert_eq!(reason, "PR #40 was closed on GitHub by @grace");
        assert_eq!(
            t.actions
                .iter()
                .any(|a| matches!(a, Action::WithdrawQuestion { .. })),
            name == "ask_human",
            "{name}"
        );
    }
}

#[test]
fn a_closed_pr_found_later_is_never_replaced_by_a_new_one() {
    let t = go(
        &at(Stage::Locate { after: None }),
        Event::Located(Found::Closed {
            pr: PrNumber(40),
            by: None,
        }),
    );
    assert_eq!(
        t.machine.end().and_then(End::reason),
        Some("PR #40 was closed on GitHub by someone")
    );
    assert!(t.actions.is_empty(), "no worker, no new PR");
}

#[test]
fn a_failed_issue_on_resume_looks_at_github_before_anything_else() {
    let failed = at(Stage::Done {
        end: End::Failed {
            reason: "CI still failing".into(),
        },
    });
    let resumed = go(
        &failed,
        Event::Resumed {
            reset_counters: false,
        },
    );
    assert_eq!(resumed.machine.stage, Stage::Pending);
    let entered = go(&resumed.machine, Event::Entered);
    assert_eq!(
        entered.actions,
        [Action::Locate],
        "it looks first, it replays nothing"
    );
}

#[test]
fn fix_caps_carry_into_a_resumed_review_unless_reset() {
    let head = sha('a');
    let mut failed = at(Stage::Done {
        end: End::Failed {
            reason: "CI still failing".into(),
        },
    });
    failed.tally.carried = ReviewCaps {
        ci_fixes: 2,
        review_rounds: 1,
    };
    for (reset, expect) in [(false, 2), (true, 0)] {
        let machine = go(
            &failed,
            Event::Resumed {
                reset_counters: reset,
            },
        )
        .machine;
        let machine = go(&machine, Event::Entered).machine;
        let t = go(
            &machine,
            Event::Located(Found::Open {
                pr: PrNumber(40),
                branch: branch(),
                head: head.clone(),
                linked: true,
            }),
        );
        let Stage::Review { review, .. } = &t.machine.stage else {
            panic!()
        };
        assert_eq!(review.tally.ci_fixes, expect, "reset {reset}");
    }
}

#[test]
fn a_human_skip_is_never_reopened_and_dependents_are_skipped_with_the_reason() {
    let head = sha('a');
    let t = go(
        &asking(&head),
        Event::Answered {
            head,
            answer: Answer::Skip,
            by: "ada".into(),
        },
    );
    assert_eq!(
        t.machine.end().and_then(End::reason),
        Some("skipped by ada")
    );
    let again = go(
        &t.machine,
        Event::Resumed {
            reset_counters: true,
        },
    );
    assert_eq!(again.machine.stage, t.machine.stage);
    let dependent = go(
        &IssueMachine::new(),
        Event::BlockerEnded {
            reason: "blocked by #7: skipped by ada".into(),
        },
    );
    assert_eq!(
        dependent.machine.state(),
        crate::checkpoint::IssueState::Skipped
    );
}

#[test]
fn a_worker_that_leaves_nothing_fails_the_issue_with_its_exit_and_log() {
    let machine = at(Stage::Locate {
        after: Some(report(false)),
    });
    let t = go(&machine, nothing());
    assert_eq!(
        t.machine.end().and_then(End::reason),
        Some("worker exited with code 3 and pushed no branch (log: /logs/issue-7.log)")
    );
}

#[test]
fn an_interrupted_worker_is_looked_for_then_continued_as_the_same_attempt() {
    let mut machine = at(Stage::Implement { branch: branch() });
    machine.tally.attempts = 1;
    let t = go(&machine, Event::Entered);
    assert_eq!(t.machine.stage, Stage::Locate { after: None });
    let t = go(
        &t.machine,
        Event::Located(Found::Nothing {
            branch: branch(),
            continues: true,
        }),
    );
    assert_eq!(t.machine.tally.attempts, 1);
    assert!(matches!(t.machine.stage, Stage::Implement { .. }));
}

#[test]
fn a_held_worker_parks_the_issue_where_it_is() {
    let machine = at(Stage::Implement { branch: branch() });
    let t = go(&machine, Event::Held(Hold::BudgetSpent));
    assert_eq!(t.machine.stage, machine.stage);
    assert_eq!(
        t.actions,
        [Action::Park {
            why: ParkWhy::BudgetSpent
        }]
    );
    let t = go(
        &machine,
        Event::Held(Hold::BudgetUnanswered {
            why: "nobody can be asked".into(),
        }),
    );
    assert!(matches!(
        t.actions.last(),
        Some(Action::Park {
            why: ParkWhy::AwaitingHuman { .. }
        })
    ));
}

#[test]
fn an_unanswerable_question_parks_and_is_asked_again_when_entered() {
    let head = sha('a');
    let t = go(
        &asking(&head),
        Event::Unanswerable {
            why: "no terminal".into(),
        },
    );
    assert!(matches!(
        t.actions.last(),
        Some(Action::Park {
            why: ParkWhy::AwaitingHuman { .. }
        })
    ));
    let again = go(&t.machine, Event::Entered);
    assert!(matches!(
        again.actions.as_slice(),
        [Action::Review {
            action: review::Action::AskHuman { .. },
            ..
        }]
    ));
}

#[test]
fn fix_workers_are_counted_over_the_issue_s_life() {
    let head = sha('a');
    let machine = at(in_review(Step::WaitCi {
        head: head.clone(),
        since: now(),
        next: AfterCi::Review,
    }));
    let t = go(
        &machine,
        Event::Review(review::Event::CiDone {
            head,
            outcome: CiOutcome::Failed {
                failing: vec!["ci/test".into()],
                rerun: Vec::new(),
            },
        }),
    );
    assert_eq!(t.machine.tally.ci_fixes, 1);
    let entered = go(&t.machine, Event::Entered);
    assert_eq!(
        entered.machine.tally.ci_fixes, 1,
        "a restart does not count it again"
    );
}

#[test]
fn a_retargeted_pr_fails_the_issue_saying_what_to_do() {
    let t = go(
        &asking(&sha('a')),
        Event::PrRetargeted {
            base: BranchName("develop".into()),
        },
    );
    let reason = t.machine.end().and_then(End::reason).unwrap().to_string();
    assert!(
        reason.contains("now targets develop") && reason.contains("--resume"),
        "{reason}"
    );
}

#[test]
fn states_project_onto_the_row_s_state_column() {
    use crate::checkpoint::IssueState::*;
    let cases = [
        (Stage::Pending, Pending),
        (Stage::Locate { after: None }, Pending),
        (
            Stage::Locate {
                after: Some(report(true)),
            },
            Running,
        ),
        (Stage::Implement { branch: branch() }, Running),
        (in_review(Step::Merge { head: sha('a') }), Reviewing),
        (
            in_review(Step::AskHuman {
                head: sha('a'),
                question: question(),
            }),
            AwaitingApproval,
        ),
    ];
    for (stage, state) in cases {
        assert_eq!(at(stage.clone()).state(), state, "{stage:?}");
    }
}
