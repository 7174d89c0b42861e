//! The real workspace: git. Origin's branches for an issue, the checkout
//! itself in sequential mode (on an up-to-date base), a worktree per issue
//! otherwise (from fresh `origin/<base>`), and tidying either after a merge.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use super::workspace::{Tidied, Workspace};
use super::{Crash, IssueStore};
use crate::context::RunContext;
use crate::git::{Git, issue_branch_match};
use crate::ids::{BranchName, IssueNumber};

/// Git in the run's checkout and worktrees.
pub struct GitWorkspace {
    pub run: Arc<RunContext>,
}

impl GitWorkspace {
    fn git(&self) -> &Git {
        &self.run.git
    }

    /// Records, then creates, the issue's worktree on `branch` from `start`.
    async fn create_worktree(
        &self,
        issue: IssueNumber,
        branch: &BranchName,
        start: &str,
        store: &dyn IssueStore,
    ) -> Result<PathBuf, Crash> {
        let path = self.run.worktree_for(issue);
        store.record_worktree(path.clone(), branch.clone()).await?;
        self.git().worktree_add(&path, branch, start).await?;
        Ok(path)
    }

    async fn has_worktree(&self, issue: IssueNumber) -> Result<Option<PathBuf>, Crash> {
        let path = self.run.worktree_for(issue);
        let known = self.git().worktree_list().await?;
        Ok(known.iter().any(|w| w.path == path).then_some(path))
    }
}

#[async_trait]
impl Workspace for GitWorkspace {
    async fn issue_branches(&self, issue: IssueNumber) -> Result<Vec<BranchName>, Crash> {
        let kinds = &self.run.settings.branch_kinds;
        Ok(self
            .git()
            .ls_remote_heads("origin")
            .await?
            .into_iter()
            .map(|(branch, _)| branch)
            .filter(|b| issue_branch_match(&b.0, issue, kinds))
            .collect())
    }

    /// One fetch brings the base and every branch.
    async fn with_commits(&self, branches: Vec<BranchName>) -> Result<Option<BranchName>, Crash> {
        if branches.is_empty() {
            return Ok(None);
        }
        let base = &self.run.base.0;
        let mut refspecs = vec![base.as_str()];
        refspecs.extend(branches.iter().map(|b| b.0.as_str()));
        self.git().fetch("origin", &refspecs).await?;
        let base_ref = format!("origin/{base}");
        for branch in branches {
            let ahead = self
                .git()
                .commits_ahead(&base_ref, &format!("origin/{}", branch.0))
                .await?;
            if ahead > 0 {
                return Ok(Some(branch));
            }
        }
        Ok(None)
    }

    async fn issue_dir(
        &self,
        issue: IssueNumber,
        branch: &BranchName,
        store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash> {
        let base = &self.run.base;
        if !self.run.uses_worktrees() {
            // The spec's sequential mode: the worker starts from an up-to-date base.
            if !self.git().uncommitted_changes().await?.is_empty() {
                return Ok(Err(
                    "the checkout has uncommitted changes; commit or stash them, then run again with --resume".into(),
                ));
            }
            self.git().checkout(base).await?;
            self.git().pull_ff_only("origin", base).await?;
            return Ok(Ok(self.run.root.clone()));
        }
        if let Some(path) = self.has_worktree(issue).await? {
            return Ok(Ok(path));
        }
        // A dependent must start from a base that already has its blockers' merges.
        self.git().fetch("origin", &[base.0.as_str()]).await?;
        let start = format!("origin/{}", base.0);
        Ok(Ok(self
            .create_worktree(issue, branch, &start, store)
            .await?))
    }

    async fn pr_dir(
        &self,
        issue: IssueNumber,
        branch: &BranchName,
        store: &dyn IssueStore,
    ) -> Result<Result<PathBuf, String>, Crash> {
        self.git().fetch("origin", &[branch.0.as_str()]).await?;
        let start = format!("origin/{}", branch.0);
        if !self.run.uses_worktrees() {
            let dirty = self.git().uncommitted_changes().await?;
            if !dirty.is_empty() {
                return Ok(Err(format!(
                    "the checkout has uncommitted changes ({}); commit or stash them, then --resume",
                    dirty.join(", ")
                )));
            }
            self.git().switch_reset(branch, &start).await?;
            return Ok(Ok(self.run.root.clone()));
        }
        if let Some(path) = self.has_worktree(issue).await? {
            let here = Git::new(&path);
            if !here.uncommitted_changes().await?.is_empty() {
                return Ok(Err(format!(
                    "worktree {} has uncommitted changes",
                    path.display()
                )));
            }
            here.switch_reset(branch, &start).await?;
            return Ok(Ok(path));
        }
        let path = self.create_worktree(issue, branch, &start, store).await?;
        // An older local branch of that name is checked out as it was; bring it to the PR head.
        Git::new(&path).switch_reset(branch, &start).await?;
        Ok(Ok(path))
    }

    async fn tidy(&self, issue: IssueNumber) -> Result<Tidied, Crash> {
        let run = &self.run;
        if !run.uses_worktrees() {
            if self.git().uncommitted_changes().await?.is_empty() {
                self.git().checkout(&run.base).await?;
                self.git().pull_ff_only("origin", &run.base).await?;
            }
            return Ok(Tidied::default());
        }
        let path = run.worktree_for(issue);
        if !path.exists() {
            return Ok(Tidied::default());
        }
        let left = Git::new(&path).work_left().await?;
        if !left.is_empty() {
            let note = format!(
                "kept worktree {}: it has {}",
                path.display(),
                left.describe()
            );
            return Ok(Tidied {
                removed: None,
                notes: vec![note],
            });
        }
        // Without force, so git refuses if work appeared since the look above.
        if let Err(e) = self.git().worktree_remove(&path).await {
            return Ok(Tidied {
                removed: None,
                notes: vec![format!("kept worktree {}: {e}", path.display())],
            });
        }
        Ok(Tidied {
            removed: Some(path),
            notes: Vec::new(),
        })
    }

    fn shares_checkout(&self) -> bool {
        !self.run.uses_worktrees()
    }
}
