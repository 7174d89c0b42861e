//! GitHub is the truth: a person may merge or close a PR while the run waits
//! on it (for a human's answer, for CI). The wait notices within one poll;
//! the run records what the person did, never acts on a PR that is gone, and
//! carries the consequence to the dependents.

mod support;

use std::time::Duration;

use auto_milestone::checkpoint::IssueState;
use gh_sandbox::{CiScript, PrNumber, Route};
use support::world::{Human, MILESTONE, Prompt, World, text};

const MERGE_ROUTE: &str = "/repos/*/*/pulls/*/merge";

/// A person squash-merges the PR while its question is open: the run records
/// it as merged by them, withdraws the question, never calls merge, and the
/// dependent issue then runs and merges as usual.
#[test]
fn a_pr_merged_by_a_person_during_its_question_counts_as_merged_and_unblocks_dependents() {
    let world = World::new();
    let first = world.issue("Add the lever", "Depends on: none", "");
    let second = world.issue("Add the pulley", &format!("Blocked by #{}", first.0), "");
    let repo = world.repo.clone();
    let first_pr = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = first_pr.clone();
    let human = Human::new(move |p| match p {
        Prompt::Merge { pr, issue } if *issue == first.0 => {
            // Answer nothing: a person merges it on GitHub instead.
            *seen.lock().unwrap() = Some(*pr);
            repo.merge_pull_as(PrNumber(*pr), "octocat");
            None
        }
        Prompt::Merge { pr, .. } => Some(format!("merge #{pr}")),
        Prompt::Plan => Some("approve".into()),
        Prompt::Budget => Some("stop".into()),
    });
    let out = world.start(&[MILESTONE], human).wait();
    let log = text(&out);

    let first_row = world.row(first);
    assert_eq!(first_row.state, IssueState::Merged, "{log}");
    assert!(
        log.contains("was merged on GitHub by @octocat"),
        "the run says who merged it\n{log}"
    );
    let ours = world
        .sandbox
        .requests()
        .matching(&Route::matching("PUT", MERGE_ROUTE));
    let pr = first_pr
        .lock()
        .unwrap()
        .expect("the first PR was asked about");
    assert!(
        ours.iter()
            .all(|r| !r.path.ends_with(&format!("/pulls/{pr}/merge"))),
        "no merge call for a PR a person merged: {ours:?}"
    );
    assert_eq!(world.row(second).state, IssueState::Merged, "{log}");
    assert_eq!(out.status.code(), Some(0), "{log}");
}

/// A person closes the PR while its CI runs: the issue ends at once with
/// who closed it, its dependent is skipped with that reason, no second PR is
/// opened for it, and the run ends without waiting for the CI.
#[test]
fn a_pr_closed_by_a_person_during_ci_ends_the_issue_and_skips_its_dependents() {
    let world = World::new();
    world.repo.set_ci(Some(CiScript {
        running_for: Duration::from_secs(120),
        ..CiScript::default()
    }));
    let first = world.issue("Add the lever", "Depends on: none", "");
    let second = world.issue("Add the pulley", &format!("Blocked by #{}", first.0), "");
    let running = world.start(&[MILESTONE], Human::default_answers());
    world.wait_for(Duration::from_secs(60), "the first PR", |w| {
        !w.pulls_for(first).is_empty()
    });
    let pr = world.pulls_for(first)[0].number;
    // Let the run settle into its CI wait before the person acts.
    std::thread::sleep(Duration::from_millis(500));
    world.repo.close_pull_as(PrNumber(pr), "alice");
    let started = std::time::Instant::now();
    let out = running.wait();
    let log = text(&out);

    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run did not wait out the CI of a closed PR\n{log}"
    );
    let reason = format!("PR #{pr} was closed on GitHub by @alice");
    let first_row = world.row(first);
    assert_eq!(first_row.state, IssueState::Skipped, "{log}");
    assert!(
        first_row
            .skip_reason
            .as_deref()
            .unwrap_or("")
            .contains(&reason),
        "{first_row:?}\n{log}"
    );
    let second_row = world.row(second);
    assert_eq!(second_row.state, IssueState::Skipped, "{log}");
    assert!(
        second_row
            .skip_reason
            .as_deref()
            .unwrap_or("")
            .contains(&reason),
        "the dependent says why: {second_row:?}\n{log}"
    );
    assert_eq!(world.pulls_for(first).len(), 1, "no new PR\n{log}");
    assert!(
        world.worker_events(second, "start").is_empty(),
        "the dependent never ran\n{log}"
    );
    assert_ne!(out.status.code(), Some(0), "{log}");
}
