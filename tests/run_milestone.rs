//! Running a milestone end to end through the binary: the sandbox GitHub, a
//! local bare repository as origin, and the simulated worker doing what each
//! issue's directives script.

mod support;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use support::world::{World, text};

#[test]
fn a_small_milestone_runs_to_merged_with_one_pr_per_issue() {
    let world = World::new();
    let a = world.issue("Add the widget type", "", "");
    let b = world.issue("Store widgets", &format!("Blocked by {a}"), "");
    let c = world.issue("Document widgets", "Depends on: none", "");
    let out = world.run(&[support::world::MILESTONE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for issue in [a, b, c] {
        assert_eq!(
            world.row(issue).state,
            IssueState::Merged,
            "{issue}\n{}",
            text(&out)
        );
        assert_eq!(world.pulls_for(issue).len(), 1, "{issue}: exactly one PR");
    }
    assert_eq!(world.latest_run().status, RunStatus::Completed);
    let files = world.main_files();
    for issue in [a, b, c] {
        assert!(
            files.contains(&format!("sim/issue-{}.md", issue.0)),
            "{files:?}"
        );
    }
}
