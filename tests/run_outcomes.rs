//! What the run does with each way a worker can end: a PR, a pushed branch
//! without a PR, nothing pushed, a crash, a hang, a PR followed by a failure.
//! Also pre-existing work, and failures propagating to dependents.

mod support;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use gh_sandbox::PullSpec;
use support::world::{World, text};

#[test]
fn each_worker_outcome_ends_as_it_should() {
    let mut world = World::new();
    world.set("AUTO_MILESTONE_WORKER_STALL_TIMEOUT", "1s");
    let nothing = world.issue("Pushes nothing", "", "outcome=no-push");
    let branch_only = world.issue("Pushes but opens no PR", "", "outcome=push-no-pr");
    let crash = world.issue("Crashes", "", "outcome=crash");
    let late_failure = world.issue("Opens a PR then fails", "", "outcome=pr-then-fail");
    let hang = world.issue("Hangs", "", "outcome=hang");
    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);

    assert_eq!(world.row(nothing).state, IssueState::Failed, "{log}");
    assert!(
        world
            .row(nothing)
            .last_error
            .unwrap()
            .contains("worker exited 0 but pushed no branch"),
        "{log}"
    );
    assert!(world.pulls_for(nothing).is_empty());

    let opened = world.pulls_for(branch_only);
    assert_eq!(
        opened.len(),
        1,
        "the orchestrator opens the PR itself\n{log}"
    );
    assert!(
        opened[0]
            .body
            .as_deref()
            .unwrap_or("")
            .contains(&format!("Closes {branch_only}"))
    );
    assert_eq!(world.row(branch_only).state, IssueState::Merged, "{log}");

    assert_eq!(world.row(crash).state, IssueState::Failed);
    assert!(
        world
            .row(crash)
            .last_error
            .unwrap()
            .contains("exited with code 3"),
        "{log}"
    );

    assert_eq!(
        world.row(late_failure).state,
        IssueState::Merged,
        "a PR opened before a failure is reviewed\n{log}"
    );
    assert!(log.contains("left work behind"), "{log}");

    assert_eq!(world.row(hang).state, IssueState::Failed);
    assert!(
        world
            .row(hang)
            .last_error
            .unwrap()
            .contains("stalled: no output or file change for"),
        "{log}"
    );

    assert_eq!(world.latest_run().status, RunStatus::Partial);
    assert_eq!(out.status.code(), Some(3), "partial runs exit 3\n{log}");
}

#[test]
fn a_failure_skips_every_dependent_and_nothing_else() {
    let world = World::new();
    let root = world.issue("Crashes", "", "outcome=crash");
    let child = world.issue("Child", "", "");
    let grandchild = world.issue("Grandchild", "", "");
    let independent = world.issue("Independent", "", "");
    world.add_blocked_by(child, root);
    world.add_blocked_by(grandchild, child);
    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(world.row(root).state, IssueState::Failed, "{log}");
    let child_row = world.row(child);
    assert_eq!(child_row.state, IssueState::Skipped, "{log}");
    assert!(
        child_row
            .skip_reason
            .unwrap()
            .contains(&format!("blocked by {root}, which failed")),
        "{log}"
    );
    let grandchild_row = world.row(grandchild);
    assert_eq!(grandchild_row.state, IssueState::Skipped);
    assert!(
        grandchild_row
            .skip_reason
            .unwrap()
            .contains(&format!("blocked by {child}")),
        "{log}"
    );
    assert_eq!(world.row(independent).state, IssueState::Merged, "{log}");
    assert!(
        world.worker_events(child, "start").is_empty(),
        "a skipped issue never gets a worker"
    );
}

#[test]
fn existing_prs_and_branches_are_used_instead_of_new_workers() {
    let world = World::new();
    let with_pr = world.issue("Has a PR already", "", "");
    let with_branch = world.issue("Has a pushed branch", "", "");
    let branch = format!("feat/issue-{}-earlier", with_pr.0);
    world.push_branch(&branch, &format!("sim/issue-{}.md", with_pr.0));
    world
        .repo
        .add_pull(PullSpec::new("Has a PR already", &branch).body(format!("Closes {with_pr}")));
    world.push_branch(
        &format!("fix/issue-{}", with_branch.0),
        &format!("sim/issue-{}.md", with_branch.0),
    );

    let out = world.run(&[support::world::MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    for issue in [with_pr, with_branch] {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
        assert_eq!(world.pulls_for(issue).len(), 1, "{issue}: one PR\n{log}");
        assert!(
            world.worker_events(issue, "start").is_empty(),
            "{issue}: no worker needed"
        );
    }
    assert!(log.contains("found existing PR"), "{log}");
}
