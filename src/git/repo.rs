//! Everyday repository operations: where the repository is, what is
//! uncommitted, which branch is checked out, fetching and pulling, and
//! questions about commits and remote branches.

use std::path::PathBuf;

use super::command::{Git, GitError, args, write_lock};
use crate::ids::{BranchName, CommitSha};

impl Git {
    /// `git --version`'s answer: `git version 2.43.0`.
    pub async fn version(&self) -> Result<String, GitError> {
        Ok(self.run(&args!["--version"]).await?.trim().to_string())
    }

    /// The top-level directory of the checkout.
    pub async fn repo_root(&self) -> Result<PathBuf, GitError> {
        let out = self.run(&args!["rev-parse", "--show-toplevel"]).await?;
        Ok(PathBuf::from(out.trim_end_matches('\n')))
    }

    /// Tracked files that are modified, staged, deleted or renamed. Untracked
    /// files do not count: checkout and pull leave them alone (git refuses by
    /// itself if one would be overwritten), and our own logs and worktrees
    /// may live untracked inside the checkout.
    pub async fn uncommitted_changes(&self) -> Result<Vec<String>, GitError> {
        let out = self
            .run(&args![
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=no"
            ])
            .await?;
        Ok(parse_status_z(&out))
    }

    /// The checked-out branch; `None` when HEAD is detached.
    pub async fn current_branch(&self) -> Result<Option<BranchName>, GitError> {
        let args = args!["symbolic-ref", "--quiet", "--short", "HEAD"];
        let output = self.output(&args, None).await?;
        match output.status.code() {
            Some(0) => Ok(Some(BranchName(
                String::from_utf8_lossy(&output.stdout).trim().into(),
            ))),
            Some(1) => Ok(None),
            _ => Err(self.failed(&args, &output)),
        }
    }

    /// Switches the checkout to `branch` (creating it from `origin/<branch>`
    /// if only the remote-tracking branch exists, as `git switch` does).
    pub async fn checkout(&self, branch: &BranchName) -> Result<(), GitError> {
        let args = args!["switch", &branch.0];
        self.reject_options(&args, &[&branch.0])?;
        let _lock = write_lock().await;
        self.run(&args).await.map(drop)
    }

    /// Points `branch` at `start_point` and checks it out (`git switch -C`),
    /// so a fix worker starts from exactly the PR's pushed head.
    pub async fn switch_reset(
        &self,
        branch: &BranchName,
        start_point: &str,
    ) -> Result<(), GitError> {
        let args = args!["switch", "--no-track", "-C", &branch.0, start_point];
        self.reject_options(&args, &[&branch.0, start_point])?;
        let _lock = write_lock().await;
        self.run(&args).await.map(drop)
    }

    /// Fast-forwards the current branch to `remote`'s `branch`; fails rather
    /// than merge or rebase when they have diverged.
    pub async fn pull_ff_only(&self, remote: &str, branch: &BranchName) -> Result<(), GitError> {
        let args = args!["pull", "--no-rebase", "--ff-only", remote, &branch.0];
        self.reject_options(&args, &[remote, &branch.0])?;
        let _lock = write_lock().await;
        self.run_with(&args, self.network_timeout()).await.map(drop)
    }

    /// `git fetch <remote> <refspecs...>`; no refspecs fetches the remote's defaults.
    pub async fn fetch(&self, remote: &str, refspecs: &[&str]) -> Result<(), GitError> {
        let mut args = args!["fetch", "--no-tags", remote].to_vec();
        args.extend(refspecs.iter().map(std::ffi::OsStr::new));
        self.reject_options(&args, &[remote])?;
        self.reject_options(&args, refspecs)?;
        let _lock = write_lock().await;
        self.run_with(&args, self.network_timeout()).await.map(drop)
    }

    pub async fn remote_url(&self, remote: &str) -> Result<String, GitError> {
        let args = args!["remote", "get-url", remote];
        self.reject_options(&args, &[remote])?;
        Ok(self.run(&args).await?.trim().to_string())
    }

    /// Every branch on `remote` with its head commit, asked from the remote itself.
    pub async fn ls_remote_heads(
        &self,
        remote: &str,
    ) -> Result<Vec<(BranchName, CommitSha)>, GitError> {
        let args = args!["ls-remote", "--heads", remote];
        self.reject_options(&args, &[remote])?;
        let out = self.run_with(&args, self.network_timeout()).await?;
        Ok(parse_ls_remote_heads(&out))
    }

    /// The commit `rev` names; `None` if it names nothing (or not a commit).
    pub async fn rev_parse(&self, rev: &str) -> Result<Option<CommitSha>, GitError> {
        let commit = format!("{rev}^{{commit}}");
        let args = args!["rev-parse", "--verify", "--quiet", &commit];
        self.reject_options(&args, &[rev])?;
        let output = self.output(&args, None).await?;
        match output.status.code() {
            Some(0) => Ok(Some(CommitSha(
                String::from_utf8_lossy(&output.stdout).trim().into(),
            ))),
            Some(1) => Ok(None),
            _ => Err(self.failed(&args, &output)),
        }
    }

    /// How many commits `head` has that `base` does not (`rev-list --count base..head`).
    pub async fn commits_ahead(&self, base: &str, head: &str) -> Result<u32, GitError> {
        let range = format!("{base}..{head}");
        let args = args!["rev-list", "--count", &range];
        self.reject_options(&args, &[base, head])?;
        let out = self.run(&args).await?;
        out.trim()
            .parse()
            .map_err(|_| self.error(&args, Some(0), format!("unexpected output {out:?}")))
    }

    /// Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor).
    pub async fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool, GitError> {
        let args = args!["merge-base", "--is-ancestor", ancestor, descendant];
        self.reject_options(&args, &[ancestor, descendant])?;
        let output = self.output(&args, None).await?;
        match output.status.code() {
            Some(0) => Ok(true),
            Some(1) => Ok(false),
            _ => Err(self.failed(&args, &output)),
        }
    }

    /// Deletes a local branch. Squash-merged branches need `force`: git
    /// cannot see that their commits reached the base (field note 12).
    pub async fn branch_delete(&self, name: &BranchName, force: bool) -> Result<(), GitError> {
        let args = args!["branch", if force { "-D" } else { "-d" }, &name.0];
        self.reject_options(&args, &[&name.0])?;
        let _lock = write_lock().await;
        self.run(&args).await.map(drop)
    }
}

/// Paths from `status --porcelain=v1 -z`: `XY path\0`, and for renames and
/// copies `XY new\0old\0`, where the old path is skipped.
fn parse_status_z(out: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut entries = out.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (Some(code), Some(path)) = (entry.get(..2), entry.get(3..)) else {
            continue;
        };
        paths.push(path.to_string());
        if code.contains('R') || code.contains('C') {
            entries.next();
        }
    }
    paths
}

/// `<sha>\trefs/heads/<name>` lines.
fn parse_ls_remote_heads(out: &str) -> Vec<(BranchName, CommitSha)> {
    out.lines()
        .filter_map(|line| {
            let (sha, name) = line.split_once('\t')?;
            let name = name.strip_prefix("refs/heads/")?;
            Some((BranchName(name.into()), CommitSha(sha.into())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_paths_skip_rename_sources() {
        let out = " M src/a.rs\0R  new name.rs\0old name.rs\0A  added.rs\0D  gone.rs\0";
        assert_eq!(
            parse_status_z(out),
            ["src/a.rs", "new name.rs", "added.rs", "gone.rs"]
        );
        assert!(parse_status_z("").is_empty());
    }

    #[test]
    fn ls_remote_lines_become_branches() {
        let out = "aaa\trefs/heads/main\nbbb\trefs/heads/feat/issue-1-x\nccc\trefs/tags/v1\n";
        assert_eq!(
            parse_ls_remote_heads(out),
            [
                (BranchName("main".into()), CommitSha("aaa".into())),
                (BranchName("feat/issue-1-x".into()), CommitSha("bbb".into())),
            ]
        );
    }
}
