//! The spending cap: once the run's workers have cost the cap, no new worker
//! starts and a human is asked to raise it or stop; either way nothing is lost.

mod support;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use support::world::{Human, Prompt, World, text};

fn three_costly_issues(world: &World) -> Vec<auto_milestone::ids::IssueNumber> {
    (1..=3)
        .map(|i| world.issue(&format!("Costly {i}"), "Depends on: none", "cost=1.0"))
        .collect()
}

#[test]
fn a_spent_cap_stops_new_workers_and_a_resume_with_a_higher_cap_finishes() {
    let world = World::new();
    let issues = three_costly_issues(&world);
    let out = world.run(&[support::world::MILESTONE, "--max-budget-usd-total", "1.5"]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(4), "{log}");
    assert!(
        log.contains("BUDGET REACHED") && log.contains("$2.00 spent of the $1.50 cap"),
        "{log}"
    );
    let started = issues
        .iter()
        .filter(|&&i| !world.worker_events(i, "start").is_empty())
        .count();
    assert_eq!(started, 2, "the third worker never started\n{log}");
    let waiting: Vec<_> = issues
        .iter()
        .filter(|&&i| world.row(i).state != IssueState::Merged)
        .collect();
    assert_eq!(waiting.len(), 1, "{log}");
    assert_eq!(world.latest_run().status, RunStatus::Interrupted);
    assert_eq!(world.latest_run().cost_usd_total, 2.0);

    let resumed = world.run(&[
        support::world::MILESTONE,
        "--resume",
        "--max-budget-usd-total",
        "10",
    ]);
    let log = text(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{log}");
    for issue in issues {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
        assert_eq!(world.pulls_for(issue).len(), 1);
    }
    assert_eq!(world.latest_run().cost_usd_total, 3.0);
}

#[test]
fn raising_the_cap_lets_the_run_go_on() {
    let world = World::new();
    let issues = three_costly_issues(&world);
    let human = Human::new(|p| {
        Some(match p {
            Prompt::Merge { pr, .. } => format!("merge #{pr}"),
            Prompt::Plan => "approve".into(),
            Prompt::Budget => "raise 10".into(),
        })
    });
    let out = world
        .start(
            &[support::world::MILESTONE, "--max-budget-usd-total", "1.5"],
            human,
        )
        .wait();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    for issue in issues {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    }
    assert_eq!(world.latest_run().budget_usd, Some(10.0));
}
