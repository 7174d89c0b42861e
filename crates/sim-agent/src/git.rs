//! Running `git -C <dir> ...` the way a careful agent does: argv only (never
//! a shell), prompt-free, in the C locale, with the variables that would
//! point git at another repository removed.

use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

/// A git command that failed: its argv and what git said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("run `git {}`: {}", .args.join(" "), .detail)]
pub struct GitError {
    pub args: Vec<String>,
    /// The exit status and stderr, or why git did not start.
    pub detail: String,
}

/// Variables set inside git hooks that would redirect `-C <dir>` elsewhere.
const REPO_VARS: [&str; 6] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
];

/// Git in one checkout or worktree.
#[derive(Clone, Debug)]
pub struct Git {
    dir: PathBuf,
}

impl Git {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Git { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs git and returns its exit status and output, whatever the status.
    pub async fn output(&self, args: &[&str]) -> Result<Output, GitError> {
        let mut command = Command::new("git");
        command
            .arg("-C")
            .arg(&self.dir)
            .args(args)
            // Never wait for a password or passphrase on a terminal.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            // Messages we read stay in English.
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        for var in REPO_VARS {
            command.env_remove(var);
        }
        command.output().await.map_err(|e| GitError {
            args: owned(args),
            detail: format!("git did not start: {e}"),
        })
    }

    /// Runs git and returns its stdout, or an error for a non-zero exit.
    pub async fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self.output(args).await?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            let status = out
                .status
                .code()
                .map_or_else(|| "killed".to_string(), |c| format!("exit status {c}"));
            return Err(GitError {
                args: owned(args),
                detail: format!("{status}: {stderr}"),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The repository's git directory, absolute (a worktree's own).
    pub async fn git_dir(&self) -> Result<PathBuf, GitError> {
        let out = self.run(&["rev-parse", "--absolute-git-dir"]).await?;
        Ok(PathBuf::from(out.trim_end_matches('\n')))
    }
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failure_names_the_command_and_gits_words() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        let err = git.run(&["rev-parse", "HEAD"]).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("run `git rev-parse HEAD`: exit status"),
            "{text}"
        );
        assert!(text.contains("not a git repository"), "{text}");
    }

    #[tokio::test]
    async fn the_git_dir_is_the_checkouts_own_and_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(&["init", "-q"]).await.unwrap();
        let found = git.git_dir().await.unwrap();
        assert_eq!(found, dir.path().canonicalize().unwrap().join(".git"));
    }
}
