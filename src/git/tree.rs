//! What a working tree looks like now, cheaply: HEAD and the paths that
//! differ from it (untracked ones included), for the stall watchdog to tell
//! whether an agent is changing files.

use super::command::{Git, GitError, args};
use super::repo::parse_status_z;

/// HEAD and every changed or untracked path of a working tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeState {
    /// `None` on an unborn branch.
    pub head: Option<String>,
    pub changed: Vec<String>,
}

impl Git {
    /// Reads the tree's state without taking any lock a concurrent git
    /// command in the same tree could trip over (`GIT_OPTIONAL_LOCKS=0`).
    pub async fn tree_state(&self) -> Result<TreeState, GitError> {
        let head = self.rev_parse("HEAD").await?.map(|sha| sha.0);
        let out = self
            .run(&args![
                "status",
                "--porcelain=v1",
                "-z",
                "--untracked-files=all"
            ])
            .await?;
        Ok(TreeState {
            head,
            changed: parse_status_z(&out)
                .into_iter()
                .map(|(_, path)| path)
                .collect(),
        })
    }
}

impl Git {
    /// This checkout's (or worktree's) own git directory, absolute.
    pub async fn git_dir(&self) -> Result<std::path::PathBuf, GitError> {
        let out = self.run(&args!["rev-parse", "--absolute-git-dir"]).await?;
        Ok(std::path::PathBuf::from(out.trim_end_matches('\n')))
    }
}
