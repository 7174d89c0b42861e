//! Branches and commits of a sandbox repository, from its bare git repository
//! when it has one and from memory otherwise, so routes need not care which.
//! Git runs on the blocking pool; the state lock is never held across it.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::types::ItemState;
use crate::types::RepoSlug;

use super::api::ApiError;
use super::git::{GitDir, GitError, MergeTree};
use super::handle::fake_sha;
use super::shapes::pulls::PullView;
use super::state::SandboxState;

impl From<GitError> for ApiError {
    fn from(err: GitError) -> Self {
        tracing::warn!(error = %err, "sandbox git command failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
    }
}

/// Runs git work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, GitError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(ApiError::from),
        Err(_) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server Error",
        )),
    }
}

/// The repository's git backing; 404 when the repository does not exist.
pub fn git_dir(state: &SandboxState, slug: &RepoSlug) -> Result<Option<GitDir>, ApiError> {
    state
        .read(|w| w.repo(slug).map(|r| r.git_dir.clone().map(GitDir::new)))
        .ok_or_else(ApiError::not_found)
}

/// Every branch head.
pub async fn heads(
    state: &SandboxState,
    slug: &RepoSlug,
) -> Result<BTreeMap<String, String>, ApiError> {
    match git_dir(state, slug)? {
        Some(git) => blocking(move || git.branches()).await,
        None => Ok(state.read(|w| w.repo(slug).map(|r| r.branches.clone()).unwrap_or_default())),
    }
}

/// The commit a ref names: a branch, `heads/<branch>`, or a SHA.
pub async fn resolve(
    state: &SandboxState,
    slug: &RepoSlug,
    rev: &str,
) -> Result<Option<String>, ApiError> {
    let branch = rev.strip_prefix("refs/").unwrap_or(rev);
    let branch = branch.strip_prefix("heads/").unwrap_or(branch).to_string();
    if let Some(git) = git_dir(state, slug)? {
        let rev = rev.to_string();
        return blocking(move || match git.branch_head(&branch)? {
            Some(sha) => Ok(Some(sha)),
            None => git.commit_of(&rev),
        })
        .await;
    }
    let known = state.read(|w| w.repo(slug).and_then(|r| r.branches.get(&branch).cloned()));
    let is_sha = rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit());
    Ok(known.or_else(|| is_sha.then(|| rev.to_ascii_lowercase())))
}

/// Moves every open PR's head to its branch's current head (a push moves a PR).
pub fn sync_pull_heads(state: &SandboxState, slug: &RepoSlug, heads: &BTreeMap<String, String>) {
    let stale = state.read(|w| {
        let Some(repo) = w.repo(slug) else {
            return false;
        };
        repo.items
            .values()
            .filter(|i| i.state == ItemState::Open)
            .any(|i| {
                let pull = i.pull.as_ref();
                pull.is_some_and(|p| heads.get(&p.head_ref).is_some_and(|h| *h != p.head_sha))
            })
    });
    if !stale {
        return;
    }
    state.write(|w| {
        let Some((repo, _)) = w.repo_mut(slug) else {
            return;
        };
        for item in repo
            .items
            .values_mut()
            .filter(|i| i.state == ItemState::Open)
        {
            if let Some(pull) = item.pull.as_mut()
                && let Some(head) = heads.get(&pull.head_ref)
            {
                pull.head_sha = head.clone();
            }
        }
    });
}

/// Base SHA of every PR for a list: the base branch's head (or a stand-in).
pub fn base_sha(heads: &BTreeMap<String, String>, base_ref: &str) -> String {
    heads
        .get(base_ref)
        .cloned()
        .unwrap_or_else(|| fake_sha(base_ref))
}

/// Brings a PR up to date with its branches and works out its `mergeable_state`.
pub async fn pull_view(
    state: &SandboxState,
    slug: &RepoSlug,
    number: u64,
) -> Result<PullView, ApiError> {
    let heads = heads(state, slug).await?;
    sync_pull_heads(state, slug, &heads);
    let found = state.read(|w| {
        let repo = w.repo(slug)?;
        let item = repo.pull(number)?;
        let pull = item.pull.clone()?;
        Some((item.state, pull, repo.git_dir.clone()))
    });
    let (item_state, pull, git_dir) = found.ok_or_else(ApiError::not_found)?;
    let base_sha = base_sha(&heads, &pull.base_ref);
    let mergeable_state = match (item_state, git_dir) {
        (ItemState::Closed, _) => "unknown".to_string(),
        (_, None) => pull
            .mergeable_state
            .clone()
            .unwrap_or_else(|| "clean".to_string()),
        (_, Some(dir)) => {
            let (git, base, head) = (GitDir::new(dir), base_sha.clone(), pull.head_sha.clone());
            blocking(move || mergeable_state(&git, &base, &head))
                .await?
                .to_string()
        }
    };
    Ok(PullView {
        base_sha,
        mergeable_state: Some(mergeable_state),
    })
}

/// `dirty` on a conflict, `behind` when the base has commits the head lacks, else `clean`.
pub fn mergeable_state(git: &GitDir, base: &str, head: &str) -> Result<&'static str, GitError> {
    if git.merge_tree(base, head)? == MergeTree::Conflict {
        return Ok("dirty");
    }
    Ok(if git.is_ancestor(base, head)? {
        "clean"
    } else {
        "behind"
    })
}
