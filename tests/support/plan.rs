//! Planning through the real binary (`--dry-run`) against a sandbox holding
//! `acme/widgets`: the world the `plan_*` tests share, and readers for the
//! plan's JSON.

use std::collections::{BTreeMap, BTreeSet};

use gh_sandbox::{IssueSpec, ItemState, RepoHandle, Route, Sandbox};
use serde_json::Value;

use super::cli::{Cli, Output};

pub const SLUG: &str = "acme/widgets";
pub const USAGE: &str = "Usage: auto-milestone <milestone-name> or <issue-numbers>";
pub const ISSUE_LIST: &str = "/repos/*/*/issues";

/// A sandbox holding `acme/widgets`.
pub struct World {
    pub sandbox: Sandbox,
    pub repo: RepoHandle,
}

impl World {
    pub fn new() -> World {
        let sandbox = Sandbox::start();
        let repo = sandbox.state().add_repo(SLUG, "main");
        World { sandbox, repo }
    }

    pub fn milestone(&self, title: &str) -> u64 {
        self.repo.add_milestone(title, ItemState::Open)
    }

    /// An open issue in milestone `m`; returns its number.
    pub fn issue(&self, m: u64, title: &str, body: &str) -> u64 {
        self.repo
            .add_issue(IssueSpec::new(title).body(body).milestone(m))
            .0
    }

    /// A sealed command line on this sandbox, with `GITHUB_REPOSITORY` set.
    pub fn cli(&self) -> Cli {
        let mut cli = Cli::new(self.sandbox.url());
        cli.env("GITHUB_REPOSITORY", SLUG);
        cli
    }

    pub fn plan(&self, args: &[&str]) -> Output {
        self.cli().run(args)
    }

    /// The statuses the sandbox answered on `method pattern`, in order.
    pub fn statuses(&self, method: &str, pattern: &str) -> Vec<u16> {
        self.sandbox
            .requests()
            .matching(&Route::matching(method, pattern))
            .iter()
            .map(|r| r.status)
            .collect()
    }

    pub fn requests(&self) -> usize {
        self.sandbox.requests().all().len()
    }
}

/// `issue → wave` from a `--json` plan.
pub fn waves(plan: &Value) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for wave in plan["execution_waves"].as_array().expect("execution_waves") {
        for issue in wave["issues"].as_array().expect("issues") {
            out.insert(
                issue["number"].as_u64().unwrap(),
                wave["wave"].as_u64().unwrap(),
            );
        }
    }
    out
}

/// `issue → its open blockers` (sorted) from a `--json` plan's waves.
pub fn wave_blockers(plan: &Value) -> BTreeMap<u64, Vec<u64>> {
    let mut out = BTreeMap::new();
    for wave in plan["execution_waves"].as_array().unwrap() {
        for issue in wave["issues"].as_array().unwrap() {
            let mut blockers = numbers(&issue["blocked_by"]);
            blockers.sort_unstable();
            out.insert(issue["number"].as_u64().unwrap(), blockers);
        }
    }
    out
}

pub fn numbers(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap_or_else(|| panic!("{list} is not a list"))
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

pub fn keys(object: &Value) -> BTreeSet<String> {
    object
        .as_object()
        .unwrap_or_else(|| panic!("{object} is not an object"))
        .keys()
        .cloned()
        .collect()
}

pub fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The spec's own example: #153/#154 free, #155 blocked by #153.
pub fn spec_example(w: &World) {
    let m = w.milestone("OB3 Phase 1");
    w.issue(m, "Add KeyPair type", "Depends on: none");
    w.issue(m, "Implement generator", "Depends on: none");
    w.issue(m, "Add storage service", "Blocked by #1");
}
