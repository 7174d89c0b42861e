//! `RunContext`: what every actor of one run shares and never changes —
//! settings, the repository, its checkout, the GitHub client, the run's id
//! and its issues.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::checkpoint::RunId;
use crate::config::Settings;
use crate::git::Git;
use crate::github::GitHubApi;
use crate::ids::{BranchName, IssueNumber, RepoSlug};
use crate::run::budget::Budget;
use crate::run::paths::under_root;
use crate::run::start::RunRequest;
use crate::worker::WorkerEnv;

/// One issue of the run, as planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunIssue {
    pub number: IssueNumber,
    pub title: String,
    pub wave: u32,
    /// Open blockers inside the run.
    pub blockers: Vec<IssueNumber>,
}

/// Shared, read-only facts about the run.
pub struct RunContext {
    pub settings: Settings,
    pub repo: RepoSlug,
    /// The checkout the program was started in.
    pub root: PathBuf,
    /// The branch PRs target.
    pub base: BranchName,
    pub gh: Arc<dyn GitHubApi>,
    pub git: Git,
    pub run_id: RunId,
    pub label: String,
    /// The checkpoint's path (the live view reads it).
    pub db: PathBuf,
    pub log_dir: PathBuf,
    pub worktree_dir: PathBuf,
    /// The repository's git common directory.
    pub common_dir: PathBuf,
    pub issues: BTreeMap<IssueNumber, RunIssue>,
    /// One merge at a time: two merges racing on the same base make GitHub
    /// refuse one of them ("Base branch was modified").
    pub merge_lock: tokio::sync::Mutex<()>,
    /// What every worker's environment gains and loses.
    pub worker_env: WorkerEnv,
    /// Spend against `--max-budget-usd-total`.
    pub budget: Budget,
    /// Set once a worker printed no event stream (said once per run).
    plain_worker_seen: AtomicBool,
    /// Set once the worker CLI refused the event stream's flags: later
    /// workers run with plain output.
    stream_refused: AtomicBool,
}

impl RunContext {
    /// The context of run `run_id` (recorded as `label`) for the command
    /// line's `req`: a fresh run and a resumed one differ only in these.
    pub fn new(
        req: RunRequest,
        run_id: RunId,
        label: String,
        base: BranchName,
        issues: BTreeMap<IssueNumber, RunIssue>,
        budget: Budget,
    ) -> Self {
        let worker_env =
            WorkerEnv::from_settings(&req.settings.worker, |name| std::env::var(name).ok())
                .with(req.worker_env.clone());
        RunContext {
            db: req.paths.db.path().to_path_buf(),
            log_dir: req.paths.log_dir.clone(),
            worktree_dir: under_root(&req.root, &req.settings.worktree_dir),
            git: Git::new(&req.root).with_network_timeout(req.settings.git_network_timeout.get()),
            common_dir: req.paths.common_dir.clone(),
            settings: req.settings,
            repo: req.repo,
            root: req.root,
            base,
            gh: req.gh,
            run_id,
            label,
            issues,
            merge_lock: tokio::sync::Mutex::new(()),
            worker_env,
            budget,
            plain_worker_seen: AtomicBool::new(false),
            stream_refused: AtomicBool::new(false),
        }
    }

    /// Whether the worker CLI refused the event stream in this run.
    pub fn stream_refused(&self) -> bool {
        self.stream_refused.load(Ordering::Relaxed)
    }

    /// Records that the worker CLI refused the event stream; `true` the
    /// first time (so it is said once).
    pub fn refuse_stream(&self) -> bool {
        !self.stream_refused.swap(true, Ordering::Relaxed)
    }

    /// `true` the first time it is asked in this run, then `false`: for
    /// things said once per run.
    pub fn first_plain_worker(&self) -> bool {
        !self.plain_worker_seen.swap(true, Ordering::Relaxed)
    }

    /// One worker at a time works in the checkout itself (the spec's
    /// sequential mode); more than one get a worktree each.
    pub fn uses_worktrees(&self) -> bool {
        self.settings.parallel > 1
    }

    pub fn issue(&self, n: IssueNumber) -> &RunIssue {
        &self.issues[&n]
    }

    /// Where issue `n`'s worktree goes.
    pub fn worktree_for(&self, n: IssueNumber) -> PathBuf {
        self.worktree_dir.join(format!("issue-{}", n.0))
    }

    pub fn log_path(&self, name: &str) -> PathBuf {
        self.log_dir.join(name)
    }
}
