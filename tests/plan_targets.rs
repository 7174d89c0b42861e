//! Planning through the real binary, the command line's side: every error
//! message it gives, the ways to name a target and a repository, and
//! settings from a file and the environment. `auto-milestone ... --dry-run`
//! runs against the sandbox GitHub on loopback in a sealed environment
//! (`support::cli`).

mod support;

use std::collections::BTreeMap;

use gh_sandbox::{IssueSpec, ItemState, PullSpec};
use support::cli::{Cli, Output};
use support::plan::{SLUG, USAGE, World, waves};
// ---------------------------------------------------------------- errors

#[test]
fn no_target_prints_the_usage_line_and_exits_2() {
    let w = World::new();
    for args in [
        &[][..],
        &["--dry-run"],
        &["", " ", "--json"],
        &[",", "--dry-run"],
    ] {
        let out = w.plan(args);
        out.expect_code(2);
        assert_eq!(out.stderr.lines().next(), Some(USAGE), "{out}");
        assert_eq!(out.stdout, "", "{out}");
    }
    assert_eq!(w.requests(), 0, "a usage error must not reach GitHub");
}

#[test]
fn numbers_mixed_with_text_exit_2() {
    let w = World::new();
    for args in [
        &["153", "Badges", "--dry-run"][..],
        &["OB3", "Phase", "1"],
        &["Badges", "--dry-run", "12"],
    ] {
        let out = w.plan(args);
        out.expect_code(2);
        assert_eq!(
            out.stderr.lines().next(),
            Some("Cannot mix issue numbers and milestone name"),
            "{out}"
        );
        // The hint says how to name a milestone that contains numbers.
        out.stderr_has(&["\"OB3 Phase 1\""]);
    }
    assert_eq!(w.requests(), 0);
}

#[test]
fn issue_zero_is_a_usage_error() {
    let w = World::new();
    let out = w.plan(&["12", "0", "--dry-run"]);
    out.expect_code(2);
    assert_eq!(
        out.stderr.trim_end(),
        "\"0\" is not a valid issue number: issue numbers start at 1",
        "{out}"
    );
    assert_eq!(w.requests(), 0);
}

#[test]
fn an_unknown_issue_is_not_found_at_once_without_retries() {
    let w = World::new();
    let m = w.milestone("M");
    w.issue(m, "Exists", "");
    let out = w.plan(&["1", "7", "--dry-run"]);
    out.expect_code(1).stderr_has(&["Issue #7 not found"]);
    assert_eq!(out.stdout, "", "{out}");
    assert_eq!(w.statuses("GET", "/repos/*/*/issues/7"), vec![404]);
}

#[test]
fn a_pull_request_number_is_not_an_issue() {
    let w = World::new();
    let m = w.milestone("M");
    w.issue(m, "Real issue", "");
    let pr = w.repo.add_pull(PullSpec::new("A change", "feat/issue-1-x"));
    let out = w.plan(&["1", &pr.0.to_string(), "--dry-run"]);
    out.expect_code(1)
        .stderr_has(&[&format!("#{} is a pull request, not an issue", pr.0)]);
}

#[test]
fn a_missing_milestone_lists_the_milestones_that_exist() {
    let w = World::new();
    let phase = w.milestone("OB3 Phase 1");
    w.issue(phase, "One", "");
    w.issue(phase, "Two", "");
    w.repo
        .add_issue(IssueSpec::new("Done").milestone(phase).closed());
    let badges = w.milestone("Badges");
    w.issue(badges, "Three", "");
    w.repo.add_milestone("Old", ItemState::Closed);

    let out = w.plan(&["Nope", "--dry-run"]);
    out.expect_code(1).stderr_has(&[
        "milestone \"Nope\" not found; pick one of these (quote the name):",
        "\n  OB3 Phase 1 (2 open issues)",
        "\n  Badges (1 open issue)",
        "\n  Old (0 open issues)",
    ]);
    assert_eq!(out.stdout, "", "{out}");
}

#[test]
fn a_repository_without_milestones_says_to_pass_issue_numbers() {
    let w = World::new();
    let out = w.plan(&["Anything", "--dry-run"]);
    out.expect_code(1)
        .stderr_has(&["this repository has no milestones; pass issue numbers instead"]);
}

#[test]
fn no_token_anywhere_names_every_place_one_is_looked_for() {
    let w = World::new();
    let mut cli = w.cli();
    cli.unset("GITHUB_TOKEN");
    let out = cli.run(&["M", "--dry-run"]);
    out.expect_code(1)
        .stderr_has(&["GITHUB_TOKEN", "GH_TOKEN", "gh auth token"]);
    assert_eq!(w.requests(), 0, "nothing is sent without a token");

    // A gh that is installed but not logged in is no token either.
    cli.install_gh("echo 'not logged in' >&2; exit 1");
    let out = cli.run(&["M", "--dry-run"]);
    out.expect_code(1)
        .stderr_has(&["GITHUB_TOKEN", "GH_TOKEN", "gh auth token"]);
}

#[test]
fn gh_auth_token_is_asked_only_when_no_variable_holds_a_token() {
    let w = World::new();
    let m = w.milestone("M");
    w.issue(m, "Only issue", "Depends on: none");
    let mut cli = w.cli();
    let calls = cli.write("gh-calls", "");
    cli.install_gh(&format!(
        "echo \"$@\" >> '{}'; echo gho_from_gh",
        calls.display()
    ));

    cli.unset("GITHUB_TOKEN")
        .env("GH_TOKEN", "ghp_from_variable");
    cli.run(&["M", "--dry-run"]).expect_code(0);
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "",
        "GH_TOKEN wins"
    );

    cli.unset("GH_TOKEN");
    let out = cli.run(&["M", "--dry-run"]);
    out.expect_code(0)
        .stdout_has(&["Milestone \"M\" — 1 issue in 1 wave"]);
    // Asked for the sandbox's host, as gh knows GitHub Enterprise hosts.
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "auth token --hostname 127.0.0.1\n"
    );
    let log = w.sandbox.requests().all();
    assert!(!log.is_empty() && log.iter().all(|r| r.authorized && r.status == 200));
}

#[test]
fn no_repository_resolvable_says_what_to_pass() {
    let w = World::new();
    let what_to_pass = "pass --repo OWNER/NAME or set GITHUB_REPOSITORY";

    let mut cli = w.cli();
    cli.unset("GITHUB_REPOSITORY");
    cli.run(&["M", "--dry-run"])
        .expect_code(1)
        .stderr_has(&["not inside a git checkout", what_to_pass]);

    cli.git_checkout(None);
    cli.run(&["M", "--dry-run"])
        .expect_code(1)
        .stderr_has(&["cannot tell which repository to use", what_to_pass]);

    cli.git(&["remote", "add", "origin", "/srv/git/widgets.git"]);
    cli.run(&["M", "--dry-run"])
        .expect_code(1)
        .stderr_has(&["origin is /srv/git/widgets.git", what_to_pass]);
    assert_eq!(w.requests(), 0);
}

#[test]
fn a_malformed_repo_flag_is_refused() {
    let w = World::new();
    let out = w.plan(&["M", "--dry-run", "--repo", "widgets"]);
    out.expect_code(1)
        .stderr_has(&["invalid repository \"widgets\": expected OWNER/NAME"]);
    assert_eq!(w.requests(), 0);
}

// ---------------------------------------------------------------- targets

#[test]
fn commas_spaces_and_flags_anywhere_name_the_same_issues() {
    let w = World::new();
    let m = w.milestone("M");
    w.issue(m, "First", "Depends on: none");
    w.issue(m, "Not asked for", "Depends on: none");
    w.issue(m, "Third", "Blocked by #1");
    let expected = "Issues #1, #3 — 2 issues in 2 waves\n\n\
                    Wave 1 (no blockers):\n  #1 - First\n\n\
                    Wave 2 (after Wave 1):\n  #3 - Third → blocked by #1\n";
    for args in [
        &["1,3", "--dry-run"][..],
        &["1", "3", "--dry-run"],
        &["1", "--dry-run", "3"],
        &["#1,", "#3", "--dry-run"],
        &["1, 3", "--dry-run", "--parallel", "2", "--skip-ci"],
        &["1", "--wave", "1", "3", "--dry-run"],
    ] {
        let out = w.plan(args);
        out.expect_code(0);
        // The plan, then the start order (tested in plan_output).
        let plan = out.stdout.split("\nStart order").next().unwrap_or_default();
        assert_eq!(plan.trim_end(), expected.trim_end(), "{out}");
    }
    let out = w.plan(&["1", "--json", "3", "--dry-run"]);
    out.expect_code(0);
    assert_eq!(waves(&out.json()), BTreeMap::from([(1, 1), (3, 2)]));
}

// ------------------------------------------------------------ repository

/// `acme/widgets` and `o/r`, each with a milestone "M" holding one issue
/// whose title says which repository it is in.
fn two_repositories() -> World {
    let w = World::new();
    let m = w.milestone("M");
    w.issue(m, "Widget work", "Depends on: none");
    let other = w.sandbox.state().add_repo("o/r", "main");
    let m = other.add_milestone("M", ItemState::Open);
    other.add_issue(IssueSpec::new("O/R work").milestone(m));
    w
}

fn planned_repo(out: &Output) -> &'static str {
    out.expect_code(0);
    match (
        out.stdout.contains("Widget work"),
        out.stdout.contains("O/R work"),
    ) {
        (true, false) => SLUG,
        (false, true) => "o/r",
        _ => panic!("cannot tell which repository was planned\n{out}"),
    }
}

#[test]
fn repository_from_flag_variable_and_origin_in_that_order() {
    let w = two_repositories();
    let mut cli = Cli::new(w.sandbox.url());
    let plan = |cli: &Cli, extra: &[&str]| {
        let mut args = vec!["M", "--dry-run"];
        args.extend_from_slice(extra);
        cli.run(&args)
    };

    cli.env("GITHUB_REPOSITORY", "o/r");
    assert_eq!(planned_repo(&plan(&cli, &[])), "o/r");
    assert_eq!(planned_repo(&plan(&cli, &["--repo", SLUG])), SLUG);

    cli.unset("GITHUB_REPOSITORY");
    cli.git_checkout(Some("git@github.com:o/r.git"));
    assert_eq!(planned_repo(&plan(&cli, &[])), "o/r");
    cli.git(&["remote", "set-url", "origin", "https://github.com/o/r"]);
    assert_eq!(planned_repo(&plan(&cli, &[])), "o/r");
    cli.git(&[
        "remote",
        "set-url",
        "origin",
        "https://github.com/acme/widgets.git",
    ]);
    assert_eq!(planned_repo(&plan(&cli, &[])), SLUG);

    // The variable wins over the checkout's origin, the flag over both.
    cli.env("GITHUB_REPOSITORY", "o/r");
    assert_eq!(planned_repo(&plan(&cli, &[])), "o/r");
    assert_eq!(planned_repo(&plan(&cli, &["--repo", SLUG])), SLUG);
}

// ---------------------------------------------------------------- config

#[test]
fn a_config_file_is_read_and_the_environment_and_flags_override_it() {
    let w = two_repositories();
    let mut cli = Cli::new(w.sandbox.url());
    // The API URL and the repository come from the file alone.
    cli.unset("GITHUB_API_URL");
    let config = cli.write(
        "settings.toml",
        &format!("repo = \"{SLUG}\"\napi_url = \"{}\"\n", w.sandbox.url()),
    );
    let config = config.to_str().unwrap();
    assert_eq!(
        planned_repo(&cli.run(&["M", "--dry-run", "--config", config])),
        SLUG
    );

    cli.env("GITHUB_REPOSITORY", "o/r");
    assert_eq!(
        planned_repo(&cli.run(&["--config", config, "M", "--dry-run"])),
        "o/r"
    );
    assert_eq!(
        planned_repo(&cli.run(&["M", "--config", config, "--dry-run", "--repo", SLUG])),
        SLUG
    );

    // GITHUB_API_URL beats the file's api_url (here a closed loopback port).
    let dead = cli.write(
        "dead-api.toml",
        &format!("repo = \"{SLUG}\"\napi_url = \"http://127.0.0.1:9\"\n"),
    );
    cli.unset("GITHUB_REPOSITORY")
        .env("GITHUB_API_URL", w.sandbox.url());
    assert_eq!(
        planned_repo(&cli.run(&["M", "--dry-run", "--config", dead.to_str().unwrap()])),
        SLUG
    );
}

#[test]
fn a_broken_config_file_is_named_in_the_error() {
    let w = World::new();
    let cli = w.cli();
    let bad = cli.write("bad.toml", "repo = \n");
    let out = cli.run(&["M", "--dry-run", "--config", bad.to_str().unwrap()]);
    out.expect_code(1)
        .stderr_has(&[bad.to_str().unwrap(), "is not valid TOML"]);
    let missing = cli.run(&["M", "--dry-run", "--config", "/nonexistent/auto.toml"]);
    missing
        .expect_code(1)
        .stderr_has(&["cannot read config file /nonexistent/auto.toml"]);
    assert_eq!(w.requests(), 0);
}
