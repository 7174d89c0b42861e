//! One configuration's world: a bare git repository as `origin`, a clone to
//! run in, the sandbox GitHub backed by that repository with its CI and
//! CodeRabbit simulations timed by the scale, and the DAG's issues in a
//! milestone. Built the way `tests/support/world.rs` builds its worlds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gh_sandbox::{CiScript, CodeRabbitScript, IssueSpec, ItemState, RepoHandle, Sandbox};
use tempfile::TempDir;

use super::dag::Dag;

pub const SLUG: &str = "acme/bench";
pub const MILESTONE: &str = "Bench";
/// Unscaled CI time: queued, then running.
pub const CI_QUEUED: Duration = Duration::from_millis(250);
pub const CI_RUNNING: Duration = Duration::from_millis(750);
/// Unscaled time from a PR's opening (or a review request) to CodeRabbit's review.
pub const REVIEW_DELAY: Duration = Duration::from_secs(1);
/// GitHub's budget of an authenticated user: requests an hour.
pub const GITHUB_HOURLY_BUDGET: u64 = 5000;
/// The sandbox's budget per window during the bench: out of the way, so a
/// run is measured rather than paused until the window resets (an hour of
/// wall time, which no scale shortens); the report says how the run's
/// charged requests compare with GitHub's real budget instead.
const SANDBOX_BUDGET: u64 = 1_000_000;

pub struct World {
    pub dir: TempDir,
    pub sandbox: Sandbox,
    pub repo: RepoHandle,
}

/// Runs git with argv in `dir`, with an identity, and returns its output;
/// panics on failure (a setup mistake).
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {dir:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl World {
    /// A world holding `dag` as milestone issues `#1..=#n`.
    pub fn new(dag: &Dag, scale: f64) -> World {
        let dir = tempfile::Builder::new()
            .prefix("bench-run-")
            .tempdir()
            .expect("temporary directory");
        git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        git(dir.path(), &["clone", "-q", "origin.git", "work"]);
        let work = dir.path().join("work");
        git(&work, &["checkout", "-q", "-b", "main"]);
        std::fs::write(work.join("README.md"), "# bench\n").expect("write README");
        git(&work, &["add", "README.md"]);
        git(&work, &["commit", "-q", "-m", "Initial commit"]);
        git(&work, &["push", "-q", "origin", "main"]);
        let sandbox = Sandbox::start();
        sandbox.set_rate_limit(SANDBOX_BUDGET);
        let repo = sandbox
            .state()
            .add_git_repo(SLUG, "main", dir.path().join("origin.git"));
        repo.set_ci(Some(CiScript {
            queued_for: CI_QUEUED.mul_f64(scale),
            running_for: CI_RUNNING.mul_f64(scale),
            ..CiScript::default()
        }));
        repo.set_coderabbit(Some(CodeRabbitScript {
            delay: REVIEW_DELAY.mul_f64(scale),
            ..CodeRabbitScript::default()
        }));
        let milestone = repo.add_milestone(MILESTONE, ItemState::Open);
        for n in 1..=dag.len() as u64 {
            let spec = IssueSpec::new(format!("Bench issue {n}"))
                .body(dag.body(n, scale))
                .milestone(milestone);
            let number = repo.add_issue(spec);
            assert_eq!(number.0, n, "issues are numbered in order");
        }
        World { dir, sandbox, repo }
    }

    /// The checkout the binary runs in.
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Where the simulated workers write their start and end lines.
    pub fn trace_dir(&self) -> PathBuf {
        self.dir.path().join("trace")
    }

    /// Subjects of the commits on origin's `main`, newest first.
    pub fn main_log(&self) -> Vec<String> {
        let origin = self.dir.path().join("origin.git");
        git(&origin, &["log", "--format=%s", "main"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every head each PR had, to its PR: the first-parent chain of its
    /// final head that is not on `main` (the worker's commit, then each
    /// update-branch merge). Merged branches are deleted, their commits stay.
    pub fn heads(&self, pulls: &[gh_sandbox::Item]) -> BTreeMap<String, u64> {
        let origin = self.dir.path().join("origin.git");
        let mut out = BTreeMap::new();
        for pull in pulls {
            let Some(info) = &pull.pull else { continue };
            let chain = git(
                &origin,
                &["rev-list", "--first-parent", &info.head_sha, "^main"],
            );
            for sha in chain.lines() {
                out.insert(sha.to_string(), pull.number);
            }
        }
        out
    }
}
