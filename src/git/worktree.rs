//! Worktrees: one working directory per parallel worker (field note 2).
//! Adding, removing and pruning hold the process-wide write lock, because
//! concurrent `git worktree add` calls race on `.git/worktrees`.

use std::path::{Path, PathBuf};

use super::command::{Git, GitError, args, write_lock};
use crate::ids::{BranchName, CommitSha};

/// One entry of `git worktree list --porcelain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Worktree {
    pub path: PathBuf,
    /// `None` when HEAD is detached (or for a bare repository).
    pub branch: Option<BranchName>,
    /// `None` for a bare repository.
    pub head: Option<CommitSha>,
}

/// Whether `worktree_add` created the branch or found it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WorktreeBranch {
    /// The branch did not exist and was created from the start point.
    Created,
    /// The branch existed locally and was checked out as it is.
    Existing,
}

impl Git {
    /// Adds a worktree at `path` on `branch`: checks out the branch if it
    /// exists locally, otherwise creates it from `start_point` without an
    /// upstream, so a stray `git push` or `git pull` in the worktree cannot
    /// touch the base branch.
    pub async fn worktree_add(
        &self,
        path: &Path,
        branch: &BranchName,
        start_point: &str,
    ) -> Result<WorktreeBranch, GitError> {
        let _lock = write_lock().await;
        let local = format!("refs/heads/{}", branch.0);
        // Checked under the lock, so no other add can create it in between.
        if self.rev_parse(&local).await?.is_some() {
            let args = args!["worktree", "add", path, &branch.0];
            self.reject_options(&args, &[&branch.0])?;
            self.run(&args).await?;
            return Ok(WorktreeBranch::Existing);
        }
        let args = args![
            "worktree",
            "add",
            "--no-track",
            "-b",
            &branch.0,
            path,
            start_point
        ];
        self.reject_options(&args, &[&branch.0, start_point])?;
        self.run(&args).await?;
        Ok(WorktreeBranch::Created)
    }

    /// Removes a worktree with nothing uncommitted in it: git refuses one
    /// with changed or untracked files (ignored ones go with it). Never
    /// forced: whatever work is there stays.
    pub async fn worktree_remove(&self, path: &Path) -> Result<(), GitError> {
        let args = args!["worktree", "remove", path];
        let _lock = write_lock().await;
        self.run(&args).await.map(drop)
    }

    /// Forgets worktrees whose directories are gone.
    pub async fn worktree_prune(&self) -> Result<(), GitError> {
        let _lock = write_lock().await;
        self.run(&args!["worktree", "prune"]).await.map(drop)
    }

    /// Every worktree of the repository, the main one first.
    pub async fn worktree_list(&self) -> Result<Vec<Worktree>, GitError> {
        let out = self.run(&args!["worktree", "list", "--porcelain"]).await?;
        Ok(parse_worktree_list(&out))
    }
}

/// Blocks separated by blank lines: `worktree <path>`, then `HEAD <sha>`,
/// `branch refs/heads/<name>`, `detached`, `bare`, `locked`, `prunable` lines.
fn parse_worktree_list(out: &str) -> Vec<Worktree> {
    let mut list = Vec::new();
    for line in out.lines() {
        if let Some(path) = line.strip_prefix("worktree ") {
            list.push(Worktree {
                path: PathBuf::from(path),
                branch: None,
                head: None,
            });
        } else if let Some(current) = list.last_mut() {
            if let Some(sha) = line.strip_prefix("HEAD ") {
                current.head = Some(CommitSha(sha.into()));
            } else if let Some(name) = line.strip_prefix("branch ") {
                let name = name.strip_prefix("refs/heads/").unwrap_or(name);
                current.branch = Some(BranchName(name.into()));
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn porcelain_blocks_become_worktrees() {
        let out = "worktree /r\nHEAD aaa\nbranch refs/heads/main\n\n\
                   worktree /r/.worktrees/issue 12\nHEAD bbb\ndetached\nlocked reason\n\n\
                   worktree /bare.git\nbare\n";
        assert_eq!(
            parse_worktree_list(out),
            [
                Worktree {
                    path: "/r".into(),
                    branch: Some(BranchName("main".into())),
                    head: Some(CommitSha("aaa".into())),
                },
                Worktree {
                    path: "/r/.worktrees/issue 12".into(),
                    branch: None,
                    head: Some(CommitSha("bbb".into())),
                },
                Worktree {
                    path: "/bare.git".into(),
                    branch: None,
                    head: None
                },
            ]
        );
    }
}
