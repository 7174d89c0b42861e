//! How an approved PR reaches the base on GitHub's terms: through the merge
//! queue when a ruleset requires it (followed to merged, or back to a fix
//! when the queue kicks it out), and CI that fails once on a flaky GitHub
//! Actions job, which a rerun of the failed jobs settles without an agent.

mod support;

use std::sync::{Arc, Mutex};

use auto_milestone::checkpoint::IssueState;
use gh_sandbox::{CiScript, PrNumber};
use support::world::{Human, MILESTONE, Prompt, World, text};

fn with_ci() -> World {
    let world = World::new();
    world.repo.set_ci(Some(CiScript::default()));
    world
}

/// The sandbox's requests with `method` whose path ends with `suffix`.
fn requests(world: &World, method: &str, suffix: &str) -> Vec<u16> {
    let all = world.sandbox.requests().all().into_iter();
    all.filter(|r| r.method == method && r.path.ends_with(suffix))
        .map(|r| r.status)
        .collect()
}

/// How many simulated workers of `mode` (`fix-ci`, `changes`, ...) started.
fn started(world: &World, mode: &str) -> usize {
    world
        .trace()
        .iter()
        .filter(|e| e.event == "start" && e.mode == mode)
        .count()
}

#[test]
fn approved_prs_go_through_the_merge_queue_and_never_merge_directly() {
    let world = with_ci();
    world.repo.enable_merge_queue("main");
    let one = world.issue("Add the lever", "Depends on: none", "");
    let two = world.issue("Add the pulley", &format!("Blocked by {one}"), "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    for issue in [one, two] {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    }
    assert!(
        log.contains("main merges through GitHub's merge queue"),
        "{log}"
    );
    assert!(
        requests(&world, "PUT", "/merge").is_empty(),
        "no direct merge"
    );
    let graphql = world.sandbox.requests().all().into_iter();
    let enqueued = graphql
        .filter(|r| r.method == "POST" && r.path == "/graphql")
        .count();
    assert!(enqueued >= 2, "{enqueued} GraphQL calls");
    assert!(world.repo.merge_queue("main").is_empty());
}

#[test]
fn a_pr_the_queue_kicks_out_goes_back_to_a_fix_and_is_asked_about_again() {
    let world = with_ci();
    world.repo.enable_merge_queue("main");
    let issue = world.issue("Add the lever", "Depends on: none", "");
    let repo = world.repo.clone();
    let asked = Arc::new(Mutex::new(0));
    let seen = asked.clone();
    let human = Human::new(move |p| {
        let Prompt::Merge { pr, .. } = p else {
            return Some("approve".into());
        };
        let mut n = seen.lock().unwrap();
        *n += 1;
        // The first time its checks fail on top of main; after the fix they pass.
        if *n == 1 {
            repo.fail_in_queue(PrNumber(*pr));
        } else {
            repo.pass_in_queue(PrNumber(*pr));
        }
        Some(format!("merge #{pr}"))
    });
    let out = world.start(&[MILESTONE], human).wait();
    let log = text(&out);
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert!(log.contains("the merge queue removed it"), "{log}");
    assert_eq!(
        *asked.lock().unwrap(),
        2,
        "asked again after the fix\n{log}"
    );
    assert_eq!(started(&world, "changes"), 1, "one rebase fix\n{log}");
}

#[test]
fn a_flaky_actions_job_is_rerun_and_passes_without_an_agent() {
    let world = with_ci();
    // The simulated worker writes the title into its work file: the sandbox
    // CI fails such a commit's first run, and a rerun of the failed jobs passes.
    let issue = world.issue("Speed up the CI_FLAKY suite", "Depends on: none", "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    assert_eq!(world.row(issue).state, IssueState::Merged, "{log}");
    assert_eq!(requests(&world, "POST", "/rerun-failed-jobs"), [201]);
    assert_eq!(started(&world, "fix-ci"), 0, "no agent\n{log}");
    assert!(
        log.contains("passed on a rerun of the failed jobs (flaky)"),
        "{log}"
    );
}

#[test]
fn a_rerun_the_token_may_not_start_falls_back_to_the_fix_worker() {
    let world = with_ci();
    world.repo.set_rerun_allowed(false);
    let issue = world.issue("Speed up the CI_FLAKY suite", "Depends on: none", "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(requests(&world, "POST", "/rerun-failed-jobs"), [403]);
    assert!(log.contains("the token may not rerun workflows"), "{log}");
    // The simulated fix cannot touch a flaky title: the fix workers run
    // (and are counted) and the issue fails as any red CI does.
    assert_eq!(started(&world, "fix-ci"), 2, "{log}");
    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Failed, "{log}");
    assert!(
        row.last_error
            .unwrap_or_default()
            .contains("CI still failing"),
        "{log}"
    );
}
