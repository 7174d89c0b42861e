//! The actor tree in process (`support::tester`): the real milestone, wave
//! and issue actors with their checkpoint and approval actors, against the
//! sandbox GitHub, with fake workers. Each test reads like the domain:
//! a human answers, a person merges or closes a PR on GitHub, the run goes on.

mod support;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use auto_milestone::messages::RunEnd;
use auto_milestone::worker::WorkerKind;
use gh_sandbox::Route;
use support::tester::Tester;

fn merge_calls(run: &support::tester::TestRun) -> usize {
    run.sandbox()
        .requests()
        .matching(&Route::matching("PUT", "/repos/*/*/pulls/*/merge"))
        .len()
}

#[test]
fn answered_merges_run_a_chain_to_the_end() {
    let t = Tester::new();
    let lever = t.issue("Add the lever", "Depends on: none");
    let pulley = t.issue("Add the pulley", &format!("Blocked by {lever}"));
    let run = t.start();
    let pr = run.asked(lever);
    assert_eq!(run.row(pulley).unwrap().state, IssueState::Pending);
    run.answer(pr, "merge");
    run.expect_state(lever, IssueState::Merged);
    let next = run.asked(pulley);
    run.answer(next, "merge");
    run.expect_state(pulley, IssueState::Merged);
    assert_eq!(merge_calls(&run), 2);
    assert_eq!(run.workers(lever, WorkerKind::Implement), 1);
    assert_eq!(run.end(), RunEnd::Finished(RunStatus::Completed));
}

#[test]
fn a_pr_merged_on_github_during_its_question_is_merged_by_them_and_unblocks() {
    let t = Tester::new();
    let lever = t.issue("Add the lever", "Depends on: none");
    let pulley = t.issue("Add the pulley", &format!("Blocked by {lever}"));
    let run = t.start();
    let pr = run.asked(lever);
    run.merge_on_github(pr, "octocat");
    run.expect_state(lever, IssueState::Merged);
    assert_eq!(merge_calls(&run), 0, "no merge call of ours");
    // The question is withdrawn, saying why (just after the state is saved).
    run.expect_screen("was merged on GitHub by @octocat");
    let next = run.asked(pulley);
    run.answer(next, "merge");
    run.expect_state(pulley, IssueState::Merged);
    assert_eq!(run.end(), RunEnd::Finished(RunStatus::Completed));
}

#[test]
fn a_pr_closed_on_github_ends_its_issue_and_skips_the_dependents() {
    let t = Tester::new();
    let lever = t.issue("Add the lever", "Depends on: none");
    let pulley = t.issue("Add the pulley", &format!("Blocked by {lever}"));
    let run = t.start();
    let pr = run.asked(lever);
    run.close_pr(pr, "alice");
    let reason = format!("PR #{} was closed on GitHub by @alice", pr.0);
    let row = run.expect_state(lever, IssueState::Skipped);
    assert!(row.skip_reason.unwrap().contains(&reason));
    let row = run.expect_state(pulley, IssueState::Skipped);
    assert!(row.skip_reason.unwrap().contains(&reason));
    assert_eq!(run.workers(pulley, WorkerKind::Implement), 0);
    assert_eq!(run.workers(lever, WorkerKind::Implement), 1, "no second PR");
    assert!(matches!(run.end(), RunEnd::Finished(_)));
}

#[test]
fn a_human_skip_skips_the_dependents_and_the_rest_merges() {
    let t = Tester::new();
    let idea = t.issue("Try an idea", "Depends on: none");
    let child = t.issue("Build on the idea", &format!("Blocked by {idea}"));
    let other = t.issue("Unrelated fix", "Depends on: none");
    let run = t.start();
    let pr = run.asked(idea);
    run.answer(pr, "skip");
    let other_pr = run.asked(other);
    run.answer(other_pr, "merge");
    run.expect_state(idea, IssueState::Skipped);
    let row = run.expect_state(child, IssueState::Skipped);
    assert_eq!(
        row.skip_reason.as_deref(),
        Some(format!("blocked by {idea}, which was skipped: skipped by terminal").as_str())
    );
    run.expect_state(other, IssueState::Merged);
    assert_eq!(run.end(), RunEnd::Finished(RunStatus::Completed));
}

#[test]
fn the_issue_with_the_longest_chain_below_it_gets_the_slot_first() {
    let t = Tester::new().parallel(1);
    let leaf = t.issue("Polish the docs", "Depends on: none");
    let root = t.issue("Add the frame", "Depends on: none");
    let middle = t.issue("Add the wheels", &format!("Blocked by {root}"));
    let top = t.issue("Add the saddle", &format!("Blocked by {middle}"));
    let run = t.start();
    let pr = run.asked(root);
    assert_eq!(
        run.started_order()[0],
        root,
        "#{} heads two levels of dependents; #{} none",
        root.0,
        leaf.0
    );
    run.answer(pr, "merge");
    for issue in [middle, leaf] {
        let pr = run.asked(issue);
        run.answer(pr, "merge");
    }
    let pr = run.asked(top);
    run.answer(pr, "merge");
    run.expect_state(top, IssueState::Merged);
    // The slot is free while #root waits for its review: the leaf used it.
    assert_eq!(run.started_order(), [root, leaf, middle, top]);
    assert_eq!(run.end(), RunEnd::Finished(RunStatus::Completed));
}
