//! Everyday local repository operations: where the repository and its git
//! directory are, what is uncommitted, which branch is checked out, and
//! questions about commits.

use std::path::PathBuf;

use super::command::{Git, GitError, args, write_lock};
use crate::ids::{BranchName, CommitSha};

/// What a working tree holds that no commit has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkLeft {
    /// Tracked files modified, staged, deleted or renamed.
    pub changed: Vec<String>,
    /// Files git does not track and does not ignore (a directory of them
    /// shows as `dir/`).
    pub untracked: Vec<String>,
}

impl WorkLeft {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.untracked.is_empty()
    }

    /// "uncommitted changes in a.rs; untracked files notes.txt".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.changed.is_empty() {
            parts.push(format!(
                "uncommitted changes in {}",
                self.changed.join(", ")
            ));
        }
        if !self.untracked.is_empty() {
            parts.push(format!("untracked files {}", self.untracked.join(", ")));
        }
        parts.join("; ")
    }
}

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

    /// The repository's git directory shared by all its worktrees (`.git`
    /// of the main checkout), absolute. Git prints it relative to the
    /// directory it ran in when it can.
    pub async fn common_dir(&self) -> Result<PathBuf, GitError> {
        let args = args!["rev-parse", "--git-common-dir"];
        let out = self.run(&args).await?;
        let dir = self.dir.join(out.trim_end_matches('\n'));
        std::path::absolute(&dir).map_err(|e| self.error(&args, None, e.to_string()))
    }

    /// Tracked files that are modified, staged, deleted or renamed. Untracked
    /// files do not count: checkout and pull leave them alone (git refuses by
    /// itself if one would be overwritten), so they never stop the shared
    /// checkout from moving to another branch.
    pub async fn uncommitted_changes(&self) -> Result<Vec<String>, GitError> {
        let out = self
            .run(&args![
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=no"
            ])
            .await?;
        Ok(parse_status_z(&out).into_iter().map(|(_, p)| p).collect())
    }

    /// Everything in the working tree that removing it would lose: changed
    /// tracked files and untracked ones. Ignored files (build output) are
    /// not work.
    pub async fn work_left(&self) -> Result<WorkLeft, GitError> {
        let out = self
            .run(&args![
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=normal"
            ])
            .await?;
        let mut left = WorkLeft::default();
        for (code, path) in parse_status_z(&out) {
            match code.as_str() {
                "??" => left.untracked.push(path),
                _ => left.changed.push(path),
            }
        }
        Ok(left)
    }

    /// The checked-out branch; `None` when HEAD is detached.
    pub async fn current_branch(&self) -> Result<Option<BranchName>, GitError> {
        let args = args!["symbolic-ref", "--quiet", "--short", "HEAD"];
        let output = self.output(&args).await?;
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

    pub async fn remote_url(&self, remote: &str) -> Result<String, GitError> {
        let args = args!["remote", "get-url", remote];
        self.reject_options(&args, &[remote])?;
        Ok(self.run(&args).await?.trim().to_string())
    }

    /// The commit `rev` names; `None` if it names nothing (or not a commit).
    pub async fn rev_parse(&self, rev: &str) -> Result<Option<CommitSha>, GitError> {
        let commit = format!("{rev}^{{commit}}");
        let args = args!["rev-parse", "--verify", "--quiet", &commit];
        self.reject_options(&args, &[rev])?;
        let output = self.output(&args).await?;
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
        let output = self.output(&args).await?;
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
/// copies `XY new\0old\0`, where the old path is skipped. Returns each
/// entry's code (`XY`) and path.
pub(super) fn parse_status_z(out: &str) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    let mut entries = out.split('\0').filter(|e| !e.is_empty());
    while let Some(entry) = entries.next() {
        let (Some(code), Some(path)) = (entry.get(..2), entry.get(3..)) else {
            continue;
        };
        paths.push((code.to_string(), path.to_string()));
        if code.contains('R') || code.contains('C') {
            entries.next();
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_paths_skip_rename_sources() {
        let out = " M src/a.rs\0R  new name.rs\0old name.rs\0A  added.rs\0?? notes/\0";
        let paths: Vec<String> = parse_status_z(out).into_iter().map(|(_, p)| p).collect();
        assert_eq!(paths, ["src/a.rs", "new name.rs", "added.rs", "notes/"]);
        assert_eq!(parse_status_z(out)[3].0, "??");
        assert!(parse_status_z("").is_empty());
    }

    #[test]
    fn work_left_says_what_it_holds() {
        let left = WorkLeft {
            changed: vec!["a.rs".into(), "b.rs".into()],
            untracked: vec!["notes.txt".into()],
        };
        assert_eq!(
            left.describe(),
            "uncommitted changes in a.rs, b.rs; untracked files notes.txt"
        );
        let only_new = WorkLeft {
            untracked: vec!["scratch/".into()],
            ..WorkLeft::default()
        };
        assert_eq!(only_new.describe(), "untracked files scratch/");
        assert!(!only_new.is_empty());
        assert!(WorkLeft::default().is_empty());
    }
}
