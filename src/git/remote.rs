//! Talking to a remote: `ls-remote`, fetching, and fast-forwarding from it.
//! Each waits on the network within the `Git`'s network timeout and never
//! under the process-wide write lock: a fetch lands in a ref namespace of
//! its own, unlocked, and takes the lock only to move what it fetched into
//! the remote-tracking refs, so a slow or hung remote cannot hold up the
//! worktree adds and branch updates of every other issue.

use std::ffi::OsStr;
use std::sync::atomic::{AtomicU64, Ordering};

use super::command::{Git, GitError, args, write_lock};
use crate::ids::{BranchName, CommitSha};

/// Where fetches land before the lock is taken; one namespace per call.
const SCRATCH: &str = "refs/auto-milestone/fetch";

/// Numbers this process's fetches; with the pid, a scratch namespace no
/// other fetch (ours or another process's) uses.
static FETCHES: AtomicU64 = AtomicU64::new(0);

impl Git {
    /// Every branch on `remote` with its head commit, asked from the remote itself.
    pub async fn ls_remote_heads(
        &self,
        remote: &str,
    ) -> Result<Vec<(BranchName, CommitSha)>, GitError> {
        let args = args!["ls-remote", "--heads", remote];
        self.reject_options(&args, &[remote])?;
        let out = self.run_network(&args).await?;
        Ok(parse_ls_remote_heads(&out))
    }

    /// Fetches `branches` of the remote named `remote` into its
    /// remote-tracking refs (`refs/remotes/<remote>/<branch>`), forced, as
    /// the default fetch refspec does.
    pub async fn fetch(&self, remote: &str, branches: &[&str]) -> Result<(), GitError> {
        if branches.is_empty() {
            return Ok(());
        }
        let scratch = format!(
            "{SCRATCH}/{}-{}",
            std::process::id(),
            FETCHES.fetch_add(1, Ordering::Relaxed)
        );
        let refspecs: Vec<String> = branches
            .iter()
            .map(|b| format!("+refs/heads/{b}:{scratch}/{b}"))
            .collect();
        let mut args = args![
            "fetch",
            "--no-tags",
            // Concurrent fetches would interleave their FETCH_HEAD lines.
            "--no-write-fetch-head",
            // A `gc --auto` after the fetch packs refs: that needs the lock.
            "--no-auto-maintenance",
            // Only our refspecs: no opportunistic remote-tracking update,
            // which would write shared refs without the lock.
            "--refmap=",
            remote,
        ]
        .to_vec();
        args.extend(refspecs.iter().map(OsStr::new));
        self.reject_options(&args, &[remote])?;
        self.reject_options(&args, branches)?;
        if let Some(bad) = branches.iter().find(|b| b.contains([':', '*'])) {
            return Err(self.error(&args, None, format!("refusing branch name {bad:?}")));
        }
        let fetched = self.run_network(&args).await;
        let landed = self.land(remote, &scratch, branches, fetched.is_ok()).await;
        fetched?;
        landed
    }

    /// Under the write lock, in one transaction: moves the fetched `branches`
    /// from `scratch` to their remote-tracking refs (when `fetched`) and
    /// deletes whatever the fetch left in `scratch`.
    async fn land(
        &self,
        remote: &str,
        scratch: &str,
        branches: &[&str],
        fetched: bool,
    ) -> Result<(), GitError> {
        let _lock = write_lock().await;
        let list = args!["for-each-ref", "--format=%(refname)", scratch];
        let left = self.run(&list).await?;
        let mut input = String::new();
        if fetched {
            for branch in branches {
                input.push_str(&format!(
                    "update refs/remotes/{remote}/{branch} {scratch}/{branch}\n"
                ));
            }
        }
        for name in left.lines() {
            input.push_str(&format!("delete {name}\n"));
        }
        if input.is_empty() {
            return Ok(());
        }
        let update = args!["update-ref", "--stdin"];
        let output = self.output_with_input(&update, &input).await?;
        self.stdout_of(&update, output).map(drop)
    }

    /// Fast-forwards the current branch to `remote`'s `branch`; fails rather
    /// than merge or rebase when they have diverged. The fetch waits on the
    /// network unlocked; only the local fast-forward takes the lock.
    pub async fn pull_ff_only(&self, remote: &str, branch: &BranchName) -> Result<(), GitError> {
        self.fetch(remote, &[&branch.0]).await?;
        let tracking = format!("refs/remotes/{remote}/{}", branch.0);
        let args = args!["merge", "--ff-only", "--quiet", &tracking];
        let _lock = write_lock().await;
        self.run(&args).await.map(drop)
    }
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
