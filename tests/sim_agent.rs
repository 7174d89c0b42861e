//! The simulated worker end to end: a sandbox GitHub on loopback backed by a
//! local bare repository, a clone of it to work in, issues carrying
//! `<!-- sim: ... -->` directives, and `sim_agent::run` doing what each
//! scripts: real commits, real pushes, real PRs on the sandbox; and the
//! product reading the agent's event stream as it reads Claude Code's.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use auto_milestone::github::auth::Token;
use auto_milestone::github::retry::RetryPolicy;
use auto_milestone::github::{GitHubApi, OctoGitHub};
use auto_milestone::ids::{CommitSha, RepoSlug};
use gh_sandbox::{CiScript, IssueNumber, IssueSpec, PullInfo, RepoHandle, Sandbox};
use serde_json::Value;
use sim_agent::{
    Console, EXIT_AFTER_PR, EXIT_CRASH, EXIT_SETUP, Finish, Mode, SimArgs, SimEnv, TraceEvent,
    Transcript, envelope, trace,
};
use support::world::{SLUG, git};
use tempfile::TempDir;

/// A sandbox repository backed by `origin.git`, and a clone of it (`work`)
/// with one commit on `main`: support's world, without the binary.
struct World {
    sandbox: Sandbox,
    repo: RepoHandle,
    dir: TempDir,
}

impl World {
    fn new() -> World {
        let support::world::World {
            sandbox, repo, dir, ..
        } = support::world::World::new();
        World { sandbox, repo, dir }
    }

    fn bare(&self) -> PathBuf {
        self.dir.path().join("origin.git")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Another clone of `origin`, on `main`.
    fn clone(&self, name: &str) -> PathBuf {
        git(self.dir.path(), &["clone", "-q", "origin.git", name]);
        self.dir.path().join(name)
    }

    fn issue(&self, title: &str, body: &str) -> IssueNumber {
        self.repo.add_issue(IssueSpec::new(title).body(body))
    }

    /// What the orchestrator hands a worker started in `cwd`.
    fn env(&self, cwd: &Path) -> SimEnv {
        SimEnv {
            cwd: cwd.to_path_buf(),
            repo: SLUG.parse().unwrap(),
            api_url: self.sandbox.url().to_string(),
            token: sim_agent::github::Token::new("sandbox-token"),
            issue: None,
            branch: None,
            pr: None,
            trace_dir: None,
            console: Console::capture(),
        }
    }

    fn client(&self) -> OctoGitHub {
        let slug: RepoSlug = SLUG.parse().unwrap();
        OctoGitHub::new(
            self.sandbox.url(),
            &Token::new("t"),
            slug,
            RetryPolicy::default(),
        )
        .unwrap()
    }

    /// Branches of the bare repository other than `main`.
    fn pushed_branches(&self) -> Vec<String> {
        git(
            &self.bare(),
            &["for-each-ref", "--format=%(refname:short)", "refs/heads"],
        )
        .lines()
        .filter(|b| *b != "main")
        .map(str::to_string)
        .collect()
    }

    fn head(&self, branch: &str) -> Option<String> {
        self.repo.branch(branch)
    }

    /// A file as committed at the tip of `branch` in `origin`.
    fn file_on(&self, branch: &str, path: &str) -> String {
        git(
            &self.bare(),
            &["show", &format!("refs/heads/{branch}:{path}")],
        )
    }

    fn pulls(&self) -> Vec<(u64, String, String, PullInfo)> {
        self.repo
            .pulls()
            .into_iter()
            .map(|i| {
                let pull = i.pull.clone().unwrap();
                (i.number, i.title, i.body.unwrap_or_default(), pull)
            })
            .collect()
    }
}

fn work(issue: IssueNumber) -> SimArgs {
    SimArgs {
        mode: Mode::Work,
        number: issue.0,
        text: String::new(),
        resume: None,
    }
}

fn fix(mode: Mode, pr: u64, text: &str) -> SimArgs {
    SimArgs {
        mode,
        number: pr,
        text: text.to_string(),
        resume: None,
    }
}

/// The closing result event, as JSON: it must be the last stdout line.
fn last_envelope(t: &Transcript) -> Value {
    let last = t.stdout.last().expect("the worker printed something");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{last:?} is no envelope: {e}"))
}

#[test]
fn the_orchestrator_reads_the_agents_stream_as_claude_codes() {
    let console = Console::capture();
    console.init("s-1");
    console.out("text");
    console.tool("git push origin feat/x", "pushed");
    console.result(&Finish::ok("PR: #4\nURL: http://x/pull/4", 1.5), "s-1");
    let mut activity = auto_milestone::worker::Activity::default();
    let mut saw_tool = false;
    for line in console.transcript().stdout {
        activity.feed(&line);
        saw_tool |= activity
            .tool
            .as_ref()
            .is_some_and(|t| t.input == "git push origin feat/x");
    }
    assert!(saw_tool);
    assert_eq!(activity.session_id.as_deref(), Some("s-1"));
    assert_eq!(activity.cost_usd(), Some(1.5));
    assert_eq!(activity.malformed, 0);
    let result = activity.result.as_ref().unwrap();
    assert!(!result.is_error);
    assert_eq!(result.session_id.as_deref(), Some("s-1"));
    let failed = envelope(&Finish::failed(3, "crashed", 0.1), "s-2");
    let mut activity = auto_milestone::worker::Activity::default();
    activity.feed(&failed);
    assert!(activity.result.as_ref().unwrap().is_error);
}

/// Runs a work-mode worker for `issue` in the clone; returns its PR number.
async fn open_pr(w: &World, issue: IssueNumber) -> u64 {
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    let said = env.console.transcript().said();
    let line = said.iter().find(|l| l.starts_with("PR: #")).unwrap();
    line["PR: #".len()..].parse().unwrap()
}

#[tokio::test]
async fn the_default_outcome_pushes_the_branch_and_opens_the_pr() {
    let w = World::new();
    let issue = w.issue("Add the thing", "Make it.\n\n<!-- sim: cost=0.75 -->");
    let mut env = w.env(&w.work());
    env.branch = Some("feat/issue-1-add-the-thing".into());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);

    assert_eq!(w.pushed_branches(), ["feat/issue-1-add-the-thing"]);
    let head = w.head("feat/issue-1-add-the-thing").unwrap();
    let local = git(&w.work(), &["rev-parse", "HEAD"]);
    assert_eq!(head, local.trim(), "the pushed head is the worker's commit");
    let pulls = w.pulls();
    assert_eq!(pulls.len(), 1);
    let (number, title, body, pull) = &pulls[0];
    assert_eq!(title, "Add the thing");
    assert!(body.trim_end().ends_with("Closes #1"), "{body}");
    assert_eq!(
        (pull.head_ref.as_str(), pull.head_sha.as_str()),
        ("feat/issue-1-add-the-thing", head.as_str())
    );
    assert_eq!(pull.base_ref, "main");
    let file = w.file_on("feat/issue-1-add-the-thing", "sim/issue-1.md");
    assert!(file.starts_with("# Add the thing\n"), "{file}");
    assert!(file.contains("- cost=0.75"));

    let t = env.console.transcript();
    let said = t.said();
    let n = said.len();
    assert_eq!(said[n - 2], format!("PR: #{number}"));
    assert!(said[n - 1].starts_with("URL: http://127.0.0.1:"), "{t:?}");
    assert!(said[n - 1].ends_with(&format!("/pull/{number}")), "{t:?}");
    assert!(
        t.commands()
            .iter()
            .any(|c| c == "git push -u origin feat/issue-1-add-the-thing"),
        "{t:?}"
    );
    let events = t.events();
    assert_eq!(events[0]["type"], "system");
    assert_eq!(events[0]["subtype"], "init");
    let envelope = last_envelope(&t);
    assert_eq!(envelope["type"], "result");
    assert_eq!(envelope["is_error"], false);
    assert_eq!(envelope["session_id"], events[0]["session_id"]);
    assert!(envelope["session_id"].as_str().unwrap().starts_with("sim-"));
    let mut activity = auto_milestone::worker::Activity::default();
    for line in &t.stdout {
        activity.feed(line);
    }
    assert_eq!(activity.cost_usd(), Some(0.75));
    assert_eq!(activity.malformed, 0);
}

#[tokio::test]
async fn a_resumed_session_runs_its_task_again_under_the_same_id() {
    let w = World::new();
    let issue = w.issue("Again", "");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    let first = last_envelope(&env.console.transcript());
    let id = first["session_id"].as_str().unwrap().to_string();
    let again = w.env(&w.work());
    let resume = SimArgs {
        resume: Some(id.clone()),
        ..fix(Mode::FixCi, 999, "ignored: the session's own task wins")
    };
    assert_eq!(sim_agent::run(resume, &again).await, 0);
    let t = again.console.transcript();
    assert_eq!(t.events()[0]["session_id"], id.as_str());
    assert!(
        t.said()
            .iter()
            .any(|l| l == "A pull request for feat/issue-1-again is already open."),
        "{t:?}"
    );
    assert_eq!(w.pulls().len(), 1);

    let unknown = w.env(&w.work());
    let missing = SimArgs {
        resume: Some("sim-work-1-0-0".into()),
        ..work(issue)
    };
    assert_ne!(sim_agent::run(missing, &unknown).await, 0);
    let t = unknown.console.transcript();
    assert_eq!(t.stdout.len(), 1, "only a result, as the real CLI: {t:?}");
    assert!(
        last_envelope(&t)["result"]
            .as_str()
            .unwrap()
            .contains("No conversation found")
    );
}

#[tokio::test]
async fn a_branch_directive_overrides_the_suggested_branch() {
    let w = World::new();
    let issue = w.issue("Crash on start", "<!-- sim: branch=fix/issue-1 -->");
    let mut env = w.env(&w.work());
    env.branch = Some("feat/issue-1-x".into());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    assert_eq!(w.pushed_branches(), ["fix/issue-1"]);
    assert_eq!(w.pulls()[0].3.head_ref, "fix/issue-1");
    let subject = git(&w.bare(), &["log", "-1", "--format=%s", "fix/issue-1"]);
    assert_eq!(subject.trim(), "fix: Crash on start (#1)");
}

#[tokio::test]
async fn without_a_suggested_branch_the_worker_names_one_from_the_title() {
    let w = World::new();
    let issue = w.issue("Add KeyPair type", "");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    assert_eq!(w.pushed_branches(), ["feat/issue-1-add-keypair-type"]);
}

#[tokio::test]
async fn no_push_exits_zero_having_pushed_and_opened_nothing() {
    let w = World::new();
    let issue = w.issue("Quiet", "<!-- sim: outcome=no-push -->");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    assert!(w.pushed_branches().is_empty());
    assert!(w.pulls().is_empty());
    assert_eq!(last_envelope(&env.console.transcript())["is_error"], false);
}

#[tokio::test]
async fn push_no_pr_pushes_the_branch_but_opens_no_pr() {
    let w = World::new();
    let issue = w.issue("Half done", "<!-- sim: outcome=push-no-pr -->");
    let mut env = w.env(&w.work());
    env.branch = Some("feat/issue-1-half".into());
    assert_eq!(sim_agent::run(work(issue), &env).await, 0);
    assert_eq!(w.pushed_branches(), ["feat/issue-1-half"]);
    assert!(w.pulls().is_empty());
    let t = env.console.transcript();
    assert!(!t.said().iter().any(|l| l.starts_with("PR: #")), "{t:?}");
}

#[tokio::test]
async fn a_crash_exits_three_without_pushing() {
    let w = World::new();
    let issue = w.issue("Boom", "<!-- sim: outcome=crash cost=0.4 -->");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, EXIT_CRASH);
    assert!(w.pushed_branches().is_empty());
    assert!(w.pulls().is_empty());
    let t = env.console.transcript();
    assert!(t.stdout.len() >= 2 && !t.stderr.is_empty(), "{t:?}");
    let envelope = last_envelope(&t);
    assert_eq!(envelope["is_error"], true);
    assert_eq!(envelope["total_cost_usd"], 0.4);
}

#[tokio::test]
async fn pr_then_fail_opens_the_pr_and_exits_one() {
    let w = World::new();
    let issue = w.issue("Flaky", "<!-- sim: outcome=pr-then-fail -->");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, EXIT_AFTER_PR);
    let pulls = w.pulls();
    assert_eq!(pulls.len(), 1);
    let t = env.console.transcript();
    assert!(t.said().contains(&format!("PR: #{}", pulls[0].0)), "{t:?}");
    assert_eq!(last_envelope(&t)["is_error"], true);
}

#[tokio::test]
async fn a_hanging_worker_says_one_thing_and_never_finishes() {
    let w = World::new();
    let issue = w.issue("Frozen", "<!-- sim: outcome=hang -->");
    let env = w.env(&w.work());
    let ran = tokio::time::timeout(
        Duration::from_millis(300),
        sim_agent::run(work(issue), &env),
    )
    .await;
    assert!(ran.is_err(), "a hanging worker returned {ran:?}");
    let t = env.console.transcript();
    assert_eq!(t.said(), ["Working on issue #1: Frozen"], "{t:?}");
    assert!(t.result().is_none(), "it never ends: {t:?}");
    assert!(w.pushed_branches().is_empty());
}

#[tokio::test]
async fn a_typo_in_the_directives_fails_setup_and_pushes_nothing() {
    let w = World::new();
    let issue = w.issue("Typo", "<!-- sim: outcom=crash -->");
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(issue), &env).await, EXIT_SETUP);
    let t = env.console.transcript();
    assert!(t.stderr.iter().any(|l| l.contains("outcom")), "{t:?}");
    assert_eq!(last_envelope(&t)["is_error"], true);
    assert!(w.pushed_branches().is_empty());
}

#[tokio::test]
async fn a_missing_issue_or_a_pr_number_is_a_failure() {
    let w = World::new();
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(IssueNumber(99)), &env).await, 1);
    let t = env.console.transcript();
    assert!(t.stderr.iter().any(|l| l.contains("#99")), "{t:?}");

    let pr = open_pr(&w, w.issue("Real", "")).await;
    let env = w.env(&w.work());
    assert_eq!(sim_agent::run(work(IssueNumber(pr)), &env).await, 1);
    let t = env.console.transcript();
    assert!(
        t.stderr.iter().any(|l| l.contains("is a pull request")),
        "{t:?}"
    );
    assert_eq!(w.pulls().len(), 1, "no PR for the PR");
}

/// Asks the sandbox CI about `sha` and waits until every check run completed;
/// returns their conclusions.
async fn ci_conclusions(w: &World, sha: &str) -> Vec<String> {
    w.client()
        .check_runs(&CommitSha(sha.to_string()), None)
        .await
        .unwrap();
    let repo = w.repo.clone();
    let done = w
        .sandbox
        .state()
        .wait_until(Duration::from_secs(10), |_| {
            let runs = repo.check_runs(sha);
            !runs.is_empty() && runs.iter().all(|r| r.status == "completed")
        })
        .await;
    assert!(done, "the sandbox CI finished on {sha}");
    repo.check_runs(sha)
        .into_iter()
        .map(|r| r.conclusion.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn fix_ci_removes_the_marker_from_a_fresh_checkout_and_moves_the_head() {
    let w = World::new();
    w.repo.set_ci(Some(CiScript::default()));
    let issue = w.issue("Red build", "<!-- sim: fail-ci -->");
    let pr = open_pr(&w, issue).await;
    let branch = w.pulls()[0].3.head_ref.clone();
    let before = w.head(&branch).unwrap();
    assert!(w.file_on(&branch, "sim/issue-1.md").contains("CI_FAIL"));
    assert_eq!(ci_conclusions(&w, &before).await, ["failure"]);

    // A fresh clone on main, and no AUTO_MILESTONE_ISSUE: the worker finds
    // the branch from the PR and the issue from `Closes #1`.
    let fixer = w.clone("fixer");
    let env = w.env(&fixer);
    assert_eq!(
        sim_agent::run(fix(Mode::FixCi, pr, ""), &env).await,
        0,
        "{:?}",
        env.console.transcript()
    );
    let after = w.head(&branch).unwrap();
    assert_ne!(after, before, "the fix pushed a new head");
    let file = w.file_on(&branch, "sim/issue-1.md");
    assert!(!file.contains("CI_FAIL"), "{file}");
    assert!(
        file.starts_with("# Red build"),
        "the rest of the file stays"
    );
    assert_eq!(ci_conclusions(&w, &after).await, ["success"]);

    let again = w.env(&fixer);
    assert_eq!(sim_agent::run(fix(Mode::FixCi, pr, ""), &again).await, 0);
    assert_eq!(
        w.head(&branch).unwrap(),
        after,
        "nothing to fix, nothing pushed"
    );
    let t = again.console.transcript();
    assert!(
        t.stdout.iter().any(|l| l.contains("Nothing to fix")),
        "{t:?}"
    );
}

#[tokio::test]
async fn fix_none_makes_a_fix_worker_push_nothing() {
    let w = World::new();
    let issue = w.issue("Stubborn", "<!-- sim: fail-ci fix=none -->");
    let pr = open_pr(&w, issue).await;
    let branch = w.pulls()[0].3.head_ref.clone();
    let before = w.head(&branch).unwrap();
    let mut env = w.env(&w.work());
    env.issue = Some(issue.0);
    assert_eq!(sim_agent::run(fix(Mode::FixCi, pr, ""), &env).await, 0);
    assert_eq!(w.head(&branch).unwrap(), before);
    assert!(w.file_on(&branch, "sim/issue-1.md").contains("CI_FAIL"));
    assert_eq!(last_envelope(&env.console.transcript())["is_error"], false);
}

#[tokio::test]
async fn fix_review_removes_bug_lines_and_notes_the_comments() {
    let w = World::new();
    let issue = w.issue("Reviewed", "<!-- sim: review-bug review-nit -->");
    let pr = open_pr(&w, issue).await;
    let branch = w.pulls()[0].3.head_ref.clone();
    let before = w.head(&branch).unwrap();
    assert!(w.file_on(&branch, "sim/issue-1.md").contains("BUG:"));

    let comments = "Potential issue: the index is not checked\n\nsecond paragraph";
    let env = w.env(&w.work());
    assert_eq!(
        sim_agent::run(fix(Mode::FixReview, pr, comments), &env).await,
        0
    );
    assert_ne!(w.head(&branch).unwrap(), before);
    let file = w.file_on(&branch, "sim/issue-1.md");
    assert!(!file.contains("BUG:"), "{file}");
    assert!(file.contains("NIT:"), "nitpicks are left alone: {file}");
    assert!(
        file.lines()
            .any(|l| l == "addressed: Potential issue: the index is not checked"),
        "{file}"
    );
}

#[tokio::test]
async fn changes_store_the_feedback_literally() {
    let w = World::new();
    let issue = w.issue("Needs work", "");
    let pr = open_pr(&w, issue).await;
    let branch = w.pulls()[0].3.head_ref.clone();
    let before = w.head(&branch).unwrap();

    let feedback =
        "Rename it to \"Widget\" and don't touch 'main';\n$(rm -rf /) `id` && echo $HOME > /tmp/x";
    let env = w.env(&w.work());
    assert_eq!(
        sim_agent::run(fix(Mode::Changes, pr, feedback), &env).await,
        0
    );
    assert_ne!(w.head(&branch).unwrap(), before);
    let file = w.file_on(&branch, "sim/issue-1.md");
    assert!(file.contains(feedback), "{file}");
    assert!(w.work().join("README.md").exists(), "nothing was executed");

    let empty = w.env(&w.work());
    let head = w.head(&branch).unwrap();
    assert_eq!(
        sim_agent::run(fix(Mode::Changes, pr, "  "), &empty).await,
        0
    );
    assert_eq!(w.head(&branch).unwrap(), head, "no feedback, no push");
}

#[tokio::test]
async fn parallel_workers_overlap_each_in_its_own_worktree() {
    let w = World::new();
    let traces = w.dir.path().join("trace");
    let mut runs = Vec::new();
    for n in 1..=3u64 {
        let issue = w.issue(&format!("Parallel {n}"), "<!-- sim: slow=200ms -->");
        let tree = w.dir.path().join(format!("tree-{n}"));
        let branch = format!("feat/issue-{n}-parallel-{n}");
        git(
            &w.work(),
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                &branch,
                tree.to_str().unwrap(),
                "main",
            ],
        );
        let mut env = w.env(&tree);
        env.trace_dir = Some(traces.clone());
        env.branch = Some(branch);
        runs.push((issue, env));
    }
    let codes = futures_join(&runs).await;
    assert_eq!(codes, [0, 0, 0]);
    assert_eq!(w.pulls().len(), 3);

    let events = trace::read(&traces).unwrap();
    assert_eq!(events.len(), 6, "{events:?}");
    let of =
        |kind: &str| -> Vec<&TraceEvent> { events.iter().filter(|e| e.event == kind).collect() };
    let (starts, ends) = (of("start"), of("end"));
    let last_start = starts.iter().map(|e| e.at_ms).max().unwrap();
    let first_end = ends.iter().map(|e| e.at_ms).min().unwrap();
    assert!(
        last_start < first_end,
        "every worker started before any ended"
    );
    let mut cwds: Vec<_> = starts.iter().map(|e| e.cwd.clone()).collect();
    cwds.sort();
    cwds.dedup();
    assert_eq!(cwds.len(), 3, "each worker in its own worktree");
    for (issue, env) in &runs {
        let mine: Vec<_> = events.iter().filter(|e| e.issue == Some(issue.0)).collect();
        assert_eq!(mine.len(), 2);
        assert!(mine.iter().all(|e| e.cwd == env.cwd && e.mode == "work"));
        assert_eq!(
            mine.iter().find(|e| e.event == "end").unwrap().exit,
            Some(0)
        );
    }
}

/// Runs the three workers concurrently on this test's runtime.
async fn futures_join(runs: &[(IssueNumber, SimEnv)]) -> [i32; 3] {
    let [a, b, c] = runs else {
        panic!("three runs")
    };
    let (x, y, z) = tokio::join!(
        sim_agent::run(work(a.0), &a.1),
        sim_agent::run(work(b.0), &b.1),
        sim_agent::run(work(c.0), &c.1),
    );
    [x, y, z]
}
