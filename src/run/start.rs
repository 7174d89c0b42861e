//! Starting a run: refuse to start twice, resume when asked, otherwise plan,
//! record the run, and hand it to the actors.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;

use super::{fresh, resume};
use crate::checkpoint::{CheckpointError, IssueState, RunRow, Store};
use crate::command::exit::Exit;
use crate::config::Settings;
use crate::github::{GitHubApi, GitHubError};
use crate::ids::{BranchName, RepoSlug};
use crate::paths::StatePaths;
use crate::plan::Target;

/// Everything the command line hands to a run.
pub struct RunRequest {
    pub target: Target,
    pub settings: Settings,
    pub repo: RepoSlug,
    /// The checkout the program runs in.
    pub root: PathBuf,
    /// Where the checkpoint and the logs go (`StatePaths::for_checkout`).
    pub paths: StatePaths,
    pub gh: Arc<dyn GitHubApi>,
    pub resume: bool,
    /// `--reset-attempts`: a resume counts workers and fix rounds from zero.
    pub reset_attempts: bool,
    pub only_wave: Option<u32>,
    pub json: bool,
    /// Answer every question with merge / approve (the demo's `--approve-all`).
    pub approve_all: bool,
    /// Added to every worker's environment (the demo points workers at its sandbox).
    pub worker_env: Vec<(String, String)>,
    /// The command as typed, to suggest `--resume` with.
    pub command_line: String,
}

impl RunRequest {
    /// What the run's context is made of (`RunContext::new` takes the rest).
    pub fn parts(self) -> crate::context::RunParts {
        let worktree_dir = crate::paths::under_root(&self.root, &self.settings.worktree_dir);
        crate::context::RunParts {
            files: crate::context::RunFiles {
                db: self.paths.db.path().to_path_buf(),
                log_dir: self.paths.log_dir.clone(),
                worktree_dir,
                common_dir: self.paths.common_dir.clone(),
            },
            settings: self.settings,
            repo: self.repo,
            root: self.root,
            gh: self.gh,
            worker_env: self.worker_env,
        }
    }

    /// The branch PRs target: the configured one, else the repository's default.
    pub async fn base(&self) -> Result<BranchName, GitHubError> {
        match &self.settings.base_branch {
            Some(b) => Ok(BranchName(b.clone())),
            None => self.gh.default_branch().await,
        }
    }
}

/// Runs (or resumes) the target and returns the process's exit.
pub async fn start(req: RunRequest) -> anyhow::Result<Exit> {
    // Refused before anything is written: nothing is lost by fixing it.
    if !req.approve_all
        && let Some(why) = crate::approval::channel::unsafe_telegram(
            &req.settings,
            crate::command::context::env_var,
        )
    {
        bail!(why);
    }
    req.paths.db.announce();
    let db = req.paths.db.path().to_path_buf();
    let store = Store::open(&db).map_err(|e| match e {
        // The store's own errors name the file; SQLite's do not.
        CheckpointError::Sqlite(_) => {
            anyhow::Error::new(e).context(format!("open the checkpoint {}", db.display()))
        }
        e => e.into(),
    })?;
    let key = req.target.key();
    if let Some(run) = store.find_unfinished_run(&req.repo, &key)? {
        if !req.resume {
            print!("{}", describe_unfinished(&store, &run)?);
            println!("Resume it with: {} --resume", req.command_line);
            return Ok(Exit::Failure);
        }
        return resume::resume(req, store, run).await;
    }
    if req.resume {
        return match store.latest_run(&req.repo, &key)? {
            Some(run) => {
                let finished = run
                    .finished_at
                    .map(|t| t.format(" at %Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                println!(
                    "Nothing to resume: the last run for {} finished {}{finished}.",
                    run.target_label, run.status
                );
                Ok(Exit::Success)
            }
            None => bail!(
                "no run to resume for {}; start one without --resume",
                req.target.label()
            ),
        };
    }
    fresh::fresh(req, store).await
}

/// What an unfinished run holds, for the person about to start it again.
pub fn describe_unfinished(store: &Store, run: &RunRow) -> anyhow::Result<String> {
    let issues = store.load_issues(run.id)?;
    let mut out = format!(
        "An unfinished run for {} exists (run {}, started {}, {}):\n",
        run.target_label,
        run.id,
        run.started_at.format("%Y-%m-%d %H:%M UTC"),
        run.status
    );
    for state in IssueState::ALL {
        let here: Vec<String> = issues
            .iter()
            .filter(|r| r.state == *state)
            .map(|r| match r.pr {
                Some(pr) => format!("{} (PR {pr})", r.issue),
                None => r.issue.to_string(),
            })
            .collect();
        if !here.is_empty() {
            out.push_str(&format!("  {state}: {}\n", here.join(", ")));
        }
    }
    Ok(out)
}
