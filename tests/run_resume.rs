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

#[test]
fn an_interrupted_session_continues_or_else_starts_afresh() {
    let world = World::new();
    let first = world.issue("Continued", "Depends on: none", "slow=2s");
    let second = world.issue("Lost", "Depends on: none", "slow=2s");
    let child = world.start(
        &[support::world::MILESTONE, "--parallel", "2"],
        Human::default_answers(),
    );
    world.wait_for(Duration::from_secs(20), "two workers to start", |w| {
        w.trace().iter().filter(|e| e.event == "start").count() >= 2
    });
    world.wait_for(
        Duration::from_secs(20),
        "both sessions to be recorded",
        |w| [first, second].iter().all(|&i| w.row(i).session.is_some()),
    );
    child.signal(libc::SIGTERM);
    assert_eq!(child.wait().status.code(), Some(143));
    let kept = world.row(first).session.unwrap();
    // The second session's transcript is gone (another HOME, say): the
    // simulated worker, like claude, answers "No conversation found".
    let lost = world.row(second).session.unwrap();
    let worktree = world.row(second).worktree.expect("a worktree");
    let gitdir = support::world::git(&worktree, &["rev-parse", "--absolute-git-dir"]);
    std::fs::remove_dir_all(std::path::Path::new(gitdir.trim()).join("sim-sessions")).unwrap();

    let resumed = world.run(&[support::world::MILESTONE, "--parallel", "2", "--resume"]);
    let log = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{log}");
    assert!(
        log.contains(&format!(
            "continuing the interrupted implement session {}",
            kept.id
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!("could not continue session {} (", lost.id))
            && log.contains("starting the implement worker afresh"),
        "{log}"
    );
    let continued = world.worker_events(first, "start");
    assert_eq!(
        continued.len(),
        2,
        "started, then continued: {continued:#?}"
    );
    assert_one_pr_each_and_merged(&world, &[first, second], &log);
    for issue in [first, second] {
        assert_eq!(
            world.row(issue).attempts,
            1,
            "{issue}: the same attempt\n{log}"
        );
        assert!(
            world.row(issue).session.is_none(),
            "a finished session is forgotten"
        );
    }
}

/// A saved issue state this version cannot read (written by a newer one, or
/// damaged) fails that issue on resume, saying why and what to do; it is
/// never silently restarted with fresh counters. A new run then takes the
/// issue up again from its PR, without a second one.
#[test]
fn an_unreadable_saved_state_fails_the_issue_and_a_new_run_takes_it_up_from_its_pr() {
    let world = World::new();
    let issue = world.issue("Add the lever", "Depends on: none", "");
    let parked = world.run_unattended(&[support::world::MILESTONE]);
    assert_eq!(world.pulls_for(issue).len(), 1, "{}", text(&parked));
    let db = rusqlite::Connection::open(world.db()).unwrap();
    db.execute(
        "UPDATE run_issues SET machine = '{\"stage\":{\"Teleporting\":{}}}' WHERE issue = ?1",
        [issue.0 as i64],
    )
    .unwrap();
    drop(db);

    let out = world.run(&[support::world::MILESTONE, "--resume"]);
    let log = text(&out);
    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Failed, "{log}");
    let error = row.last_error.unwrap_or_default();
    assert!(
        error.contains("saved state") && error.contains("--reset-attempts"),
        "says why and what to do: {error}\n{log}"
    );
    assert_ne!(out.status.code(), Some(0), "{log}");

    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert_eq!(world.pulls_for(issue).len(), 1, "no second PR\n{log}");
    assert_eq!(out.status.code(), Some(0), "{log}");
}
