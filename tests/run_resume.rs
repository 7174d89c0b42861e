//! Stopping and resuming: SIGTERM leaves no worker behind and marks the run
//! interrupted; SIGKILL of the orchestrator takes its workers down with it;
//! `--resume` finishes either with exactly one PR per issue.

mod support;

use std::time::Duration;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use support::world::{Human, World, alive, text};

fn three_slow_issues(world: &World) -> Vec<auto_milestone::ids::IssueNumber> {
    vec![
        world.issue("One", "", "slow=2s"),
        world.issue("Two", "", "slow=2s"),
        world.issue("Three", "", "slow=2s"),
    ]
}

fn assert_one_pr_each_and_merged(
    world: &World,
    issues: &[auto_milestone::ids::IssueNumber],
    log: &str,
) {
    for &issue in issues {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{issue}\n{log}");
        assert_eq!(
            world.pulls_for(issue).len(),
            1,
            "{issue}: exactly one PR\n{log}"
        );
    }
}

#[test]
fn sigterm_stops_every_worker_then_resume_finishes_without_duplicates() {
    let world = World::new();
    let issues = three_slow_issues(&world);
    let child = world.start(
        &[support::world::MILESTONE, "--parallel", "2"],
        Human::default_answers(),
    );
    world.wait_for(Duration::from_secs(20), "two workers to start", |w| {
        w.trace().iter().filter(|e| e.event == "start").count() >= 2
    });
    child.signal(libc::SIGTERM);
    let out = child.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(143), "{log}");
    let pids: Vec<u32> = world.trace().iter().map(|e| e.pid).collect();
    assert!(!pids.is_empty());
    for pid in pids {
        assert!(!alive(pid), "worker {pid} outlived the orchestrator\n{log}");
    }
    assert_eq!(world.latest_run().status, RunStatus::Interrupted, "{log}");

    let again = world.run(&[support::world::MILESTONE]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("--resume"),
        "{}",
        text(&again)
    );

    let preview = world.run(&[support::world::MILESTONE, "--dry-run"]);
    let shown = String::from_utf8_lossy(&preview.stdout);
    assert!(
        shown.contains("What --resume would do with run 1"),
        "{}",
        text(&preview)
    );
    assert_eq!(
        world.latest_run().status,
        RunStatus::Interrupted,
        "a dry run changes nothing"
    );

    let resumed = world.run(&[support::world::MILESTONE, "--parallel", "2", "--resume"]);
    let log = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{log}");
    assert_one_pr_each_and_merged(&world, &issues, &log);
    assert_eq!(world.latest_run().status, RunStatus::Completed);
}

#[test]
fn sigkill_of_the_orchestrator_takes_its_workers_down_and_resume_finishes() {
    let world = World::new();
    let issues = three_slow_issues(&world);
    let mut child = world.start(
        &[support::world::MILESTONE, "--parallel", "2"],
        Human::default_answers(),
    );
    world.wait_for(Duration::from_secs(20), "two workers to start", |w| {
        w.trace().iter().filter(|e| e.event == "start").count() >= 2
    });
    child.kill();
    let pids: Vec<u32> = world.trace().iter().map(|e| e.pid).collect();
    world.wait_for(
        Duration::from_secs(5),
        "the orphaned workers to die",
        |_| pids.iter().all(|&p| !alive(p)),
    );
    assert_eq!(
        world.latest_run().status,
        RunStatus::Running,
        "a crash leaves the run as it was"
    );

    let resumed = world.run(&[support::world::MILESTONE, "--parallel", "2", "--resume"]);
    let log = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{log}");
    assert_one_pr_each_and_merged(&world, &issues, &log);
}

#[test]
fn resume_with_nothing_unfinished_says_so() {
    let world = World::new();
    world.issue("Quick", "", "");
    let out = world.run(&[support::world::MILESTONE, "--resume"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no run to resume"),
        "{}",
        text(&out)
    );
    let first = world.run(&[support::world::MILESTONE]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let out = world.run(&[support::world::MILESTONE, "--resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing to resume"),
        "{}",
        text(&out)
    );
}
