//! CI in the review loop, end to end through the binary with the sandbox's
//! CI script on: a red PR fixed by a CI fix worker, a PR that stays red
//! after two fixes, a PR behind main brought up to date before CI, and a PR
//! in conflict sent to a rebase worker.

mod support;

use auto_milestone::checkpoint::{IssueState, RunStatus};
use gh_sandbox::ItemState;
use gh_sandbox::{CiScript, PullSpec};
use support::world::{MILESTONE, SLUG, World, sim_text_argv, text};

fn with_ci() -> World {
    let world = World::new();
    world.repo.set_ci(Some(CiScript::default()));
    world
}

/// The conclusion of every check run the sandbox CI made on `sha`.
fn conclusions(world: &World, sha: &str) -> Vec<Option<String>> {
    world
        .repo
        .check_runs(sha)
        .into_iter()
        .map(|r| r.conclusion)
        .collect()
}

#[test]
fn a_red_pr_is_fixed_by_a_ci_fix_worker_and_merged_once_green() {
    let world = with_ci();
    let issue = world.issue("Parse the config", "", "fail-ci");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");

    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Merged, "{log}");
    assert_eq!(row.ci_fix_attempts, 1, "{log}");
    let (pr, pull) = world.pull_of(issue);
    let fixes = world.runs_in_mode("fix-ci");
    assert_eq!(fixes.len(), 1, "{fixes:#?}");
    assert_eq!(fixes[0].pr, Some(pr.0));
    let fix_log = world
        .log_file(&format!("ci-fix-{}.log", pr.0))
        .expect("the fix worker's log");
    assert!(
        fix_log.contains(&format!("Fixing CI on PR #{}", pr.0)),
        "{fix_log}"
    );

    // CI failed on the worker's commit and passed on the fix on top of it.
    let fixed = pull.head_sha.clone();
    let red = world.parents(&fixed).pop().expect("the fix has a parent");
    let failure = Some("failure".to_string());
    let success = Some("success".to_string());
    assert_eq!(conclusions(&world, &red), [failure]);
    assert_eq!(conclusions(&world, &fixed), [success]);
    assert!(
        log.contains("CI: passed | CodeRabbit: no review"),
        "the human was asked with CI green\n{log}"
    );
    let merged = world
        .file_at("main", &format!("sim/issue-{}.md", issue.0))
        .unwrap();
    assert!(!merged.contains("CI_FAIL"), "{merged}");
}

#[test]
fn ci_still_red_after_two_fixes_fails_the_issue_tells_the_human_and_skips_dependents() {
    let world = with_ci();
    let red = world.issue("Break the build", "", "fail-ci, fix=none");
    let child = world.issue("Build on the broken part", &format!("Blocked by {red}"), "");
    let other = world.issue("Independent work", "Depends on: none", "");
    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(3), "partial runs exit 3\n{log}");
    assert_eq!(world.latest_run().status, RunStatus::Partial);

    let row = world.row(red);
    assert_eq!(row.state, IssueState::Failed, "{log}");
    assert_eq!(row.ci_fix_attempts, 2);
    let reason = row.last_error.unwrap();
    assert!(
        reason.contains("CI still failing after 2 fix attempt(s)") && reason.contains("ci/test"),
        "{reason}"
    );
    let (pr, _) = world.pull_of(red);
    let fixes: Vec<_> = world
        .runs_in_mode("fix-ci")
        .into_iter()
        .filter(|e| e.pr == Some(pr.0))
        .collect();
    assert_eq!(fixes.len(), 2, "{fixes:#?}");
    assert_eq!(world.repo.issue(pr.0).unwrap().state, ItemState::Open);

    // The human was told, on the terminal (no Telegram here).
    assert!(
        log.contains(&format!(
            "PR #{} for issue #{} failed CI after 2 fix attempts.",
            pr.0, red.0
        )) && log.contains("The issue is marked failed and its dependents are skipped."),
        "{log}"
    );
    let child_row = world.row(child);
    assert_eq!(child_row.state, IssueState::Skipped);
    let why = child_row.skip_reason.unwrap();
    assert!(
        why.contains(&format!("blocked by {red}, which failed: CI still failing")),
        "{why}"
    );
    assert!(world.worker_events(child, "start").is_empty());
    assert_eq!(world.row(other).state, IssueState::Merged, "{log}");
}

#[test]
fn a_pr_behind_main_is_updated_only_when_it_is_about_to_merge() {
    let world = with_ci();
    world.repo.set_require_up_to_date(true);
    let first = world.issue("Lay the foundation", "", "");
    let second = world.issue("Build on it", &format!("Blocked by {first}"), "");
    // The second issue's PR was opened from main as it was before the first merged.
    let branch = format!("feat/issue-{}-build-on-it", second.0);
    world.push_branch(&branch, &format!("sim/issue-{}.md", second.0));
    let pr = world
        .repo
        .add_pull(PullSpec::new("Build on it", &branch).body(format!("Closes {second}")));
    let stale = world.repo.branch(&branch).unwrap();

    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    for issue in [first, second] {
        assert_eq!(world.row(issue).state, IssueState::Merged, "{issue}\n{log}");
    }
    let updates: Vec<_> = world
        .sandbox
        .requests()
        .all()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/update-branch"))
        .collect();
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(
        updates[0].path,
        format!("/repos/{SLUG}/pulls/{}/update-branch", pr.0)
    );
    assert_eq!(updates[0].status, 202);

    // The human was asked about the PR as it was (its CI ran there); only
    // then, at the merge, did its head become GitHub's merge of main into
    // it, and it merged once CI passed there, without a second question.
    let head = world.pull_of(second).1.head_sha;
    let parents = world.parents(&head);
    assert_eq!(parents.len(), 2, "{parents:?}");
    assert_eq!(parents[0], stale);
    assert_eq!(conclusions(&world, &stale), [Some("success".to_string())]);
    assert_eq!(conclusions(&world, &head), [Some("success".to_string())]);
    assert_eq!(
        log.matches(&format!("asking for approval of PR #{}:", pr.0))
            .count(),
        1,
        "asked once\n{log}"
    );
    let files = world.main_files();
    for issue in [first, second] {
        assert!(
            files.contains(&format!("sim/issue-{}.md", issue.0)),
            "{files:?}"
        );
    }
}

#[test]
fn a_pr_in_conflict_gets_a_rebase_worker_that_counts_as_a_ci_fix() {
    let mut world = with_ci();
    let issue = world.issue("Reword the readme", "", "");
    let branch = format!("feat/issue-{}-reword", issue.0);
    world.push_branch(&branch, "sim/reword.md");
    world.push_commit(&branch, "README.md", "# widgets, as the branch has it\n");
    world
        .repo
        .add_pull(PullSpec::new("Reword the readme", &branch).body(format!("Closes {issue}")));
    // Main changes the same line meanwhile.
    world.push_commit("main", "README.md", "# widgets, as main has it\n");

    // The sandbox's simulated worker cannot rebase; this one does, keeping
    // the branch's side of the conflict.
    let rebase = "git fetch -q origin main \
        && git -c user.name=fixer -c user.email=fixer@example.invalid rebase -q -X theirs origin/main \
        && git push -q --force origin \"HEAD:$AUTO_MILESTONE_BRANCH\"";
    let argv = sim_text_argv("changes", "{feedback}");
    let calls = world.record_argv("AUTO_MILESTONE_CHANGES_COMMAND", &argv, rebase);

    let out = world.run(&[MILESTONE]);
    let log = text(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let row = world.row(issue);
    assert_eq!(row.state, IssueState::Merged, "{log}");
    assert_eq!(
        row.ci_fix_attempts, 1,
        "a rebase counts as a CI fix attempt"
    );
    let (pr, _) = world.pull_of(issue);

    let calls = calls.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let told = &calls[0][5];
    assert!(
        told.contains("conflicts with main") && told.contains("rebase it onto origin/main"),
        "{told}"
    );
    assert_eq!(calls[0][6], pr.0.to_string());
    assert!(
        world.log_file(&format!("ci-fix-{}.log", pr.0)).is_some(),
        "the rebase worker logs as a CI fix"
    );
    assert_eq!(
        world.file_at("main", "README.md").as_deref(),
        Some("# widgets, as the branch has it\n")
    );
}
