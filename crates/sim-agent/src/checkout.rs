//! The git the simulated worker does in its checkout, always through argv:
//! branch, commit, push. Commits carry a fixed identity given with `-c`, so
//! they work where no git identity is configured (CI, fresh containers).

use std::path::Path;

use crate::git::{Git, GitError};
use crate::setup::SimError;

/// Options for every command: an identity for commits, no signing prompts,
/// no hooks of the host, and no background `gc` that could race another
/// worker in a worktree of the same repository.
const CONFIG: [&str; 10] = [
    "-c",
    "user.name=auto-milestone sim worker",
    "-c",
    "user.email=sim-worker@auto-milestone.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "gc.auto=0",
];

/// The remote the worker pushes to, as `/auto-issue` does.
pub const REMOTE: &str = "origin";

/// The worker's checkout (a clone or a worktree).
pub struct Checkout {
    git: Git,
}

impl Checkout {
    pub fn new(dir: &Path) -> Self {
        Checkout { git: Git::new(dir) }
    }

    pub fn dir(&self) -> &Path {
        self.git.dir()
    }

    async fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let argv: Vec<&str> = CONFIG.iter().chain(args).copied().collect();
        self.git.run(&argv).await
    }

    /// Switches to `branch`: continuing it where `origin` has it (a worker
    /// started again after an earlier one pushed), else from the current HEAD.
    pub async fn start_branch(&self, branch: &str) -> Result<(), SimError> {
        guard(branch)?;
        let wanted = format!("refs/heads/{branch}");
        let heads = self.run(&["ls-remote", "--heads", REMOTE]).await?;
        let on_remote = heads
            .lines()
            .any(|line| line.split_whitespace().nth(1) == Some(wanted.as_str()));
        if on_remote {
            return self.checkout_remote(branch).await;
        }
        self.run(&["checkout", "-B", branch]).await?;
        Ok(())
    }

    /// Fetches `branch` from `origin` and checks it out at that commit (a
    /// pull of the PR branch, whatever this checkout had before).
    pub async fn checkout_remote(&self, branch: &str) -> Result<(), SimError> {
        guard(branch)?;
        let tracking = format!("refs/remotes/{REMOTE}/{branch}");
        let refspec = format!("+refs/heads/{branch}:{tracking}");
        // Only this branch's ref is written: parallel workers in worktrees of
        // one repository fetch different branches and never meet on a ref.
        let fetch = [
            "fetch",
            "--no-tags",
            "--no-write-fetch-head",
            "--no-auto-maintenance",
            REMOTE,
            &refspec,
        ];
        self.run(&fetch).await?;
        self.run(&["checkout", "-B", branch, &tracking]).await?;
        Ok(())
    }

    /// Stages everything under `paths` and commits it. Empty commits are
    /// allowed: a worker started again over identical work still produces a
    /// new head to push.
    pub async fn commit(&self, paths: &[&str], message: &str) -> Result<String, SimError> {
        let mut add = vec!["add", "-A", "--"];
        add.extend_from_slice(paths);
        self.run(&add).await?;
        self.run(&["commit", "--allow-empty", "--no-verify", "-m", message])
            .await?;
        self.head().await
    }

    /// The full SHA of HEAD.
    pub async fn head(&self) -> Result<String, SimError> {
        let out = self
            .git
            .output(&["rev-parse", "--verify", "--quiet", "HEAD"])
            .await?;
        let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || sha.is_empty() {
            return Err(SimError::Missing(
                "find HEAD: the checkout has no commit yet".into(),
            ));
        }
        Ok(sha)
    }

    /// Pushes HEAD to `branch` on `origin`, without force.
    ///
    /// No `-u`: recording the upstream writes the repository's shared
    /// `.git/config`, which parallel workers in worktrees of one repository
    /// race on ("could not lock config file", field note 2), and nothing
    /// reads it.
    pub async fn push(&self, branch: &str) -> Result<(), SimError> {
        guard(branch)?;
        let target = format!("HEAD:refs/heads/{branch}");
        self.run(&["push", "--no-verify", REMOTE, &target]).await?;
        Ok(())
    }

    /// Tracked files under `dir` (relative to the checkout's root).
    pub async fn tracked_files(&self, dir: &str) -> Result<Vec<String>, SimError> {
        let out = self.run(&["ls-files", "-z", "--", dir]).await?;
        Ok(out
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect())
    }
}

/// A branch name git would read as an option is refused before it gets there.
fn guard(branch: &str) -> Result<(), SimError> {
    if branch.is_empty() || branch.starts_with('-') {
        return Err(SimError::Setup(format!(
            "use branch {branch:?}: a branch name must not be empty or start with '-'"
        )));
    }
    Ok(())
}

/// The first seven characters of a SHA, as git prints them.
pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}
