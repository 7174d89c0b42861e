//! Phase 4: the run removes the worktrees it created and only those, keeps
//! (and reports) any holding work nobody committed — changed tracked files
//! or untracked ones — deletes the local branches of merged PRs, and leaves
//! the checkout on an up-to-date main.

mod support;

use std::time::Duration;

use auto_milestone::checkpoint::IssueState;
use support::world::{Human, World, git, text};

#[test]
fn cleanup_removes_only_this_runs_worktrees_and_keeps_uncommitted_work() {
    let world = World::new();
    let work = world.work();
    let busy = world.issue(
        "Someone edits my worktree",
        "Depends on: none",
        "slow=1500ms",
    );
    let plain = world.issue("Plain", "Depends on: none", "");
    let scratch = world.issue(
        "Someone leaves notes in my worktree",
        "Depends on: none",
        "slow=1500ms",
    );
    git(
        &work,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "someone-else",
            ".worktrees/foreign",
            "main",
        ],
    );

    let running = world.start(
        &[support::world::MILESTONE, "--parallel", "3"],
        Human::default_answers(),
    );
    world.wait_for(Duration::from_secs(20), "the slow worker to start", |w| {
        !w.worker_events(busy, "start").is_empty()
    });
    let busy_dir = world.worker_events(busy, "start")[0].cwd.clone();
    std::fs::write(
        busy_dir.join("README.md"),
        "edited by hand while the worker ran\n",
    )
    .unwrap();
    world.wait_for(
        Duration::from_secs(20),
        "the other slow worker to start",
        |w| !w.worker_events(scratch, "start").is_empty(),
    );
    let scratch_dir = world.worker_events(scratch, "start")[0].cwd.clone();
    std::fs::create_dir(scratch_dir.join("notes")).unwrap();
    std::fs::write(scratch_dir.join("notes/todo.txt"), "never added to git\n").unwrap();
    let out = running.wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(world.row(busy).state, IssueState::Merged, "{log}");
    assert_eq!(world.row(plain).state, IssueState::Merged, "{log}");
    assert_eq!(world.row(scratch).state, IssueState::Merged, "{log}");

    assert!(
        work.join(".worktrees/foreign").exists(),
        "a worktree this run did not create is left alone"
    );
    assert!(
        busy_dir.join("README.md").exists(),
        "uncommitted work is never touched"
    );
    assert!(
        log.contains(&format!(
            "Kept worktree {}: uncommitted changes in README.md",
            busy_dir.display()
        )),
        "and it is reported in the summary\n{log}"
    );
    assert!(
        scratch_dir.join("notes/todo.txt").exists(),
        "untracked files are work too, never removed"
    );
    assert!(
        log.contains(&format!(
            "Kept worktree {}: untracked files notes/",
            scratch_dir.display()
        )),
        "and it is reported with why\n{log}"
    );
    assert!(
        !work.join(format!(".worktrees/issue-{}", plain.0)).exists(),
        "this run's clean worktree is removed"
    );

    let branches = git(&work, &["branch", "--list", "feat/*"]);
    let plain_branch = world.row(plain).branch.unwrap();
    assert!(
        !branches.contains(&plain_branch.0),
        "merged branch deleted locally: {branches}"
    );
    assert_eq!(
        git(&work, &["rev-parse", "--abbrev-ref", "HEAD"]).trim(),
        "main"
    );
    assert_eq!(
        git(&work, &["rev-parse", "HEAD"]),
        git(&world.dir.path().join("origin.git"), &["rev-parse", "main"]),
        "the checkout is on an up-to-date main"
    );
}
