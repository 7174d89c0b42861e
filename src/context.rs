//! `RunContext`: what every actor of one run shares and never changes —
//! settings, the repository, its checkout, the GitHub client, where its
//! files go, the run's id and its issues.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::checkpoint::RunId;
use crate::config::Settings;
use crate::git::Git;
use crate::github::GitHubApi;
use crate::ids::{BranchName, IssueNumber, RepoSlug};
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
    /// What every worker's environment gains and loses.
    pub worker_env: WorkerEnv,
    /// How the base branch takes merges (read as the run starts).
    pub merge_rules: MergeRules,
    /// Set once a worker printed no event stream (said once per run).
    plain_worker_seen: AtomicBool,
    /// Set once the worker CLI refused the event stream's flags: later
    /// workers run with plain output.
    stream_refused: AtomicBool,
}

/// The base branch's merge rules, as far as the token could read them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeRules {
    /// Approved PRs are put in the merge queue instead of merged.
    pub merge_queue: bool,
    /// A PR must be up to date with the base to merge: one behind is
    /// updated just before it merges, never earlier.
    pub up_to_date: bool,
}

/// Where a run's files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFiles {
    pub db: PathBuf,
    pub log_dir: PathBuf,
    pub worktree_dir: PathBuf,
    /// The repository's git common directory.
    pub common_dir: PathBuf,
}

/// What a fresh run and a resumed one bring to their context.
pub struct RunParts {
    pub settings: Settings,
    pub repo: RepoSlug,
    pub root: PathBuf,
    pub gh: Arc<dyn GitHubApi>,
    pub files: RunFiles,
    /// Added to every worker's environment (the demo points workers at its sandbox).
    pub worker_env: Vec<(String, String)>,
}

impl RunContext {
    /// The context of run `run_id` (recorded as `label`) on `base`.
    pub fn new(
        parts: RunParts,
        run_id: RunId,
        label: String,
        base: BranchName,
        issues: BTreeMap<IssueNumber, RunIssue>,
    ) -> Self {
        let settings = parts.settings;
        let worker_env =
            WorkerEnv::from_settings(&settings.worker, |name| std::env::var(name).ok())
                .with(parts.worker_env);
        RunContext {
            db: parts.files.db,
            log_dir: parts.files.log_dir,
            worktree_dir: parts.files.worktree_dir,
            common_dir: parts.files.common_dir,
            git: Git::new(&parts.root).with_network_timeout(settings.git_network_timeout.get()),
            settings,
            repo: parts.repo,
            root: parts.root,
            base,
            gh: parts.gh,
            run_id,
            label,
            issues,
            worker_env,
            merge_rules: MergeRules::default(),
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
