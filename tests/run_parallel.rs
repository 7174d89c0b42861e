//! `--parallel N`: workers really run at once, each in its own worktree
//! created from fresh origin/main, and a dependent starts only after its
//! blockers are merged.

mod support;

use auto_milestone::checkpoint::IssueState;
use support::world::{World, text};

#[test]
fn three_workers_run_at_once_in_their_own_worktrees_and_dependents_wait_for_merges() {
    let world = World::new();
    let first = world.issue("First", "", "slow=800ms");
    let second = world.issue("Second", "", "slow=800ms");
    let third = world.issue("Third", "", "slow=800ms");
    let last = world.issue("Needs all three", "", "");
    for blocker in [first, second, third] {
        world.add_blocked_by(last, blocker);
    }
    let out = world.run(&[support::world::MILESTONE, "--parallel", "3"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    let starts: Vec<_> = [first, second, third]
        .iter()
        .map(|&i| world.worker_events(i, "start")[0].clone())
        .collect();
    let ends: Vec<_> = [first, second, third]
        .iter()
        .map(|&i| world.worker_events(i, "end")[0].clone())
        .collect();
    let last_start = starts.iter().map(|e| e.at_ms).max().unwrap();
    let first_end = ends.iter().map(|e| e.at_ms).min().unwrap();
    assert!(
        last_start < first_end,
        "all three started before any ended: {starts:?} {ends:?}"
    );

    let worktrees = world.work().join(".worktrees");
    let mut dirs: Vec<_> = starts.iter().map(|e| e.cwd.clone()).collect();
    dirs.sort();
    dirs.dedup();
    assert_eq!(dirs.len(), 3, "each worker in its own directory: {dirs:?}");
    for (issue, start) in [first, second, third].iter().zip(&starts) {
        assert_eq!(
            start.cwd,
            worktrees.join(format!("issue-{}", issue.0)),
            "{log}"
        );
    }

    // The dependent starts after its blockers merged, from a main that has their work.
    let store = world.store();
    let run = store.latest_run_any().unwrap().unwrap();
    let events = store.events(run.id).unwrap();
    let merged_at: Vec<_> = events
        .iter()
        .filter(|e| {
            e.to_state.as_deref() == Some("merged")
                && [first, second, third].contains(&e.issue.unwrap())
        })
        .map(|e| e.id)
        .collect();
    let dependent_running = events
        .iter()
        .find(|e| e.issue == Some(last) && e.to_state.as_deref() == Some("running"))
        .expect("the dependent ran")
        .id;
    assert_eq!(merged_at.len(), 3);
    assert!(
        merged_at.iter().all(|&m| m < dependent_running),
        "{events:#?}"
    );
    // Its branch was cut from a main that already held every blocker's squash merge.
    let dependent_pr = &world.pulls_for(last)[0];
    let dependent_head = dependent_pr.pull.as_ref().unwrap().head_sha.clone();
    for blocker in [first, second, third] {
        let merge = world.pulls_for(blocker)[0]
            .pull
            .as_ref()
            .unwrap()
            .merge_commit_sha
            .clone()
            .expect("merged");
        let origin = world.dir.path().join("origin.git");
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(&origin)
            .args(["merge-base", "--is-ancestor", &merge, &dependent_head])
            .status()
            .unwrap()
            .success();
        assert!(
            ok,
            "{blocker}'s merge {merge} is not in the dependent's branch {dependent_head}"
        );
    }
    assert_eq!(world.row(last).state, IssueState::Merged);
    // Merged issues' worktrees are gone.
    for issue in [first, second, third, last] {
        assert!(
            !worktrees.join(format!("issue-{}", issue.0)).exists(),
            "worktree of {issue} removed"
        );
    }
}

/// A dependent of a fast issue, with a slow issue in the same first wave.
fn slow_and_fast_waves(
    world: &World,
) -> (
    auto_milestone::ids::IssueNumber,
    auto_milestone::ids::IssueNumber,
) {
    let slow = world.issue("Slow", "Depends on: none", "slow=1500ms");
    let fast = world.issue("Fast", "Depends on: none", "");
    let after_fast = world.issue("After the fast one", "", "");
    world.add_blocked_by(after_fast, fast);
    (slow, after_fast)
}

#[test]
fn by_default_an_issue_waits_only_for_its_own_blockers() {
    let world = World::new();
    let (slow, dependent) = slow_and_fast_waves(&world);
    let out = world.run(&[support::world::MILESTONE, "--parallel", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let slow_end = world.worker_events(slow, "end")[0].at_ms;
    let dependent_start = world.worker_events(dependent, "start")[0].at_ms;
    assert!(
        dependent_start < slow_end,
        "wave 2 started while wave 1's slow issue still ran"
    );
}

#[test]
fn schedule_waves_keeps_the_specs_strict_wave_order() {
    let world = World::new();
    let (slow, dependent) = slow_and_fast_waves(&world);
    let out = world.run(&[
        support::world::MILESTONE,
        "--parallel",
        "2",
        "--schedule",
        "waves",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let slow_end = world.worker_events(slow, "end")[0].at_ms;
    let dependent_start = world.worker_events(dependent, "start")[0].at_ms;
    assert!(
        dependent_start > slow_end,
        "wave 2 waited for all of wave 1"
    );
}
