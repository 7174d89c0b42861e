//! What a run refuses to do, and how it recovers from its own failures:
//! `--wave` with unmerged blockers, a dirty checkout in sequential mode, and
//! an issue actor that keeps failing (restarted, then escalated).

mod support;

use auto_milestone::checkpoint::IssueState;
use gh_sandbox::{Fault, Route};
use support::world::{World, text};

#[test]
fn wave_two_is_refused_until_wave_one_is_merged() {
    let world = World::new();
    let first = world.issue("Base", "Depends on: none", "");
    let second = world.issue("On top", &format!("Blocked by {first}"), "");
    let out = world.run(&[support::world::MILESTONE, "--wave", "2"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(&first.to_string()) && log.contains("not merged"),
        "names the blocker: {log}"
    );
    assert!(world.worker_events(second, "start").is_empty());

    let wave_one = world.run(&[support::world::MILESTONE, "--wave", "1"]);
    assert_eq!(wave_one.status.code(), Some(0), "{}", text(&wave_one));
    assert_eq!(world.row(first).state, IssueState::Merged);
    assert!(
        world.worker_events(second, "start").is_empty(),
        "--wave 1 runs only wave 1"
    );
}

#[test]
fn a_dirty_checkout_is_refused_in_sequential_mode_and_nothing_is_recorded() {
    let world = World::new();
    world.issue("Anything", "Depends on: none", "");
    std::fs::write(world.work().join("README.md"), "local edits\n").unwrap();
    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("uncommitted changes") && log.contains("README.md"),
        "{log}"
    );
    assert!(world.trace().is_empty(), "no worker ran");
    // With worktrees the checkout is never touched, so the same run may go ahead.
    let parallel = world.run(&[support::world::MILESTONE, "--parallel", "2"]);
    assert_eq!(parallel.status.code(), Some(0), "{}", text(&parallel));
    assert_eq!(
        std::fs::read_to_string(world.work().join("README.md")).unwrap(),
        "local edits\n"
    );
}

#[test]
fn a_failing_issue_actor_is_restarted_from_the_checkpoint() {
    let mut world = World::new();
    world.set("AUTO_MILESTONE_GITHUB_RETRY_DELAY", "10ms");
    let issue = world.issue("Flaky GitHub", "Depends on: none", "");
    // One whole round of attempts to read the PR fails, so the actor fails
    // once; the restart succeeds. (Only the orchestrator reads single PRs.)
    world.sandbox.faults().inject(
        Route::matching("GET", "/repos/*/*/pulls/*"),
        Fault::Status(502),
        4,
    );
    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert!(log.contains("restarting after an error (1)"), "{log}");
    assert_eq!(world.row(issue).state, IssueState::Merged);
    assert_eq!(
        world.pulls_for(issue).len(),
        1,
        "the restarted actor reused the PR\n{log}"
    );
    assert_eq!(
        world.worker_events(issue, "start").len(),
        1,
        "and never ran a second worker"
    );
}

#[test]
fn an_issue_actor_failing_past_the_restart_intensity_escalates_to_failed() {
    let mut world = World::new();
    world.set("AUTO_MILESTONE_GITHUB_RETRY_DELAY", "1ms");
    let issue = world.issue("Broken GitHub", "Depends on: none", "");
    world.sandbox.faults().inject(
        Route::matching("GET", "/repos/*/*/pulls/*"),
        Fault::Status(502),
        1000,
    );
    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Failed, "{log}");
    let error = row.last_error.unwrap();
    assert!(
        error.contains("gave up") && error.contains("4 times"),
        "{error}\n{log}"
    );
    assert_eq!(
        world.worker_events(issue, "start").len(),
        1,
        "restarts never relaunch the worker"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "nothing merged: the run failed\n{log}"
    );
    assert_eq!(
        world.latest_run().status,
        auto_milestone::checkpoint::RunStatus::Failed
    );
}

#[test]
fn a_telegram_group_chat_without_an_allow_list_is_refused_at_start() {
    let mut world = World::new();
    let issue = world.issue("Anything", "Depends on: none", "");
    world.set("TELEGRAM_BOT_TOKEN", "123:not-a-real-token");
    // Telegram gives groups negative chat ids.
    world.set("TELEGRAM_CHAT_ID", "-1001234");
    let out = world.run_unattended(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("group chat") && log.contains("telegram.allowed_users"),
        "says why and what to set: {log}"
    );
    assert!(!log.contains("not-a-real-token"), "never prints the token");
    assert!(
        world.worker_events(issue, "start").is_empty(),
        "no worker ran"
    );
}
