//! Exactly-once side effects. A call whose answer is lost (the connection
//! cut after GitHub carried it out) is confirmed by reading before anything
//! is re-sent; and a crash at any boundary between an effect's intent, its
//! act and its confirmation is completed or reconciled by `--resume`, never
//! repeated: one PR per issue, at most one merge call per PR.

mod support;

use std::path::Path;
use std::sync::Mutex;

use auto_milestone::checkpoint::IssueState;
use auto_milestone::ids::IssueNumber;
use gh_sandbox::{CiScript, Fault, Route};
use support::world::{MILESTONE, World, text};

const MERGE: &str = "/repos/*/*/pulls/*/merge";
const PULLS: &str = "/repos/*/*/pulls";

fn calls(world: &World, method: &str, route: &str) -> usize {
    world
        .sandbox
        .requests()
        .matching(&Route::matching(method, route))
        .len()
}

#[test]
fn a_merge_whose_answer_is_lost_is_read_back_and_never_sent_again() {
    let world = World::new();
    let issue = world.issue("Add the lever", "Depends on: none", "");
    world
        .sandbox
        .faults()
        .inject(Route::matching("PUT", MERGE), Fault::LoseAnswer, 1);
    let out = world.run(&[MILESTONE]);
    let log = text(&out);

    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert_eq!(calls(&world, "PUT", MERGE), 1, "one merge call\n{log}");
    assert_eq!(out.status.code(), Some(0), "{log}");
}

#[test]
fn a_pr_whose_creation_answer_is_lost_is_found_and_not_opened_twice() {
    let world = World::new();
    let issue = world.issue("Add the lever", "Depends on: none", "outcome=push-no-pr");
    world
        .sandbox
        .faults()
        .inject(Route::matching("POST", PULLS), Fault::LoseAnswer, 1);
    let out = world.run(&[MILESTONE]);
    let log = text(&out);

    assert_eq!(world.pulls_for(issue).len(), 1, "one PR\n{log}");
    assert_eq!(calls(&world, "POST", PULLS), 1, "one create call\n{log}");
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
}

/// The boundaries a clean run of `world` reaches, in order, each once.
fn boundaries_of_a_clean_run(dir: &Path) -> Vec<String> {
    let (mut world, _) = crash_world();
    let log = dir.join("boundaries");
    world.set("AUTO_MILESTONE_CRASH_LOG", log.to_str().unwrap());
    let out = world.run(&[MILESTONE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut seen = Vec::new();
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        if !seen.iter().any(|s: &String| s == line) {
            seen.push(line.to_string());
        }
    }
    seen
}

/// One issue whose worker pushes without opening the PR (so the run opens
/// it), with CI: every effect the run has on the way to a merge.
fn crash_world() -> (World, IssueNumber) {
    let world = World::new();
    world.repo.set_ci(Some(CiScript::default()));
    let issue = world.issue("Add the lever", "Depends on: none", "outcome=push-no-pr");
    (world, issue)
}

/// Crashes the run at `point`, resumes it, and checks the effects.
fn crash_and_resume(point: &str) -> Result<(), String> {
    let (mut world, issue) = crash_world();
    world.set("AUTO_MILESTONE_CRASH_AT", point);
    let crashed = world.run(&[MILESTONE]);
    if crashed.status.code().is_some() {
        return Err(format!(
            "{point}: the run did not crash\n{}",
            text(&crashed)
        ));
    }
    world.set("AUTO_MILESTONE_CRASH_AT", "none.reached");
    let resumed = world.run(&[MILESTONE, "--resume"]);
    let log = format!("{}\n--- resumed ---\n{}", text(&crashed), text(&resumed));
    let pulls = world.pulls_for(issue).len();
    let merges = calls(&world, "PUT", MERGE);
    let state = world.row(issue).state;
    if pulls != 1 || merges > 1 || state != IssueState::Merged {
        return Err(format!(
            "{point}: {pulls} PRs, {merges} merge calls, issue {state:?}\n{log}"
        ));
    }
    if resumed.status.code() != Some(0) {
        return Err(format!("{point}: the resumed run failed\n{log}"));
    }
    Ok(())
}

#[test]
fn a_crash_at_any_effect_boundary_is_completed_by_resume_without_a_second_pr_or_merge() {
    let dir = tempfile::tempdir().unwrap();
    let points = boundaries_of_a_clean_run(dir.path());
    for expected in [
        "worker.intent",
        "open_pr.intent",
        "open_pr.done",
        "merge.intent",
        "merge.done",
    ] {
        assert!(
            points.iter().any(|p| p == expected),
            "a clean run reaches {expected}: {points:?}"
        );
    }
    // Three at a time: each point is two short runs of the binary.
    let failures = Mutex::new(Vec::new());
    for chunk in points.chunks(3) {
        std::thread::scope(|s| {
            for point in chunk {
                let failures = &failures;
                s.spawn(move || {
                    if let Err(e) = crash_and_resume(point) {
                        failures.lock().unwrap().push(e);
                    }
                });
            }
        });
    }
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
