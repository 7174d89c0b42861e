//! `SandboxState`: the shared handle on the sandbox's world. Tests and the
//! demo build the world through it and assert on it; the routes change it.
//! Every change bumps a version that waiters can await.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::types::Association;
use crate::types::RepoSlug;

use super::handle::{RepoHandle, fake_sha};
use super::model::{Repo, World};

/// A cheap, cloneable handle on one sandbox's state.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    world: Mutex<World>,
    version: watch::Sender<u64>,
    /// The server's runtime, for simulations a builder call sets off.
    runtime: OnceLock<tokio::runtime::Handle>,
}

impl Default for SandboxState {
    fn default() -> Self {
        Self::new()
    }
}

impl SandboxState {
    pub fn new() -> Self {
        let (version, _) = watch::channel(0);
        let inner = Inner {
            world: Mutex::new(World::default()),
            version,
            runtime: OnceLock::new(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Reads the world under the lock.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        let world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
        f(&world)
    }

    /// Changes the world under the lock and wakes everyone waiting for a change.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let result = {
            let mut world = self.inner.world.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut world)
        };
        self.inner.version.send_modify(|v| *v += 1);
        result
    }

    /// Adds a repository whose branches live in memory.
    ///
    /// # Panics
    /// If `slug` is not `owner/name` (a test or demo setup mistake).
    pub fn add_repo(&self, slug: &str, default_branch: &str) -> RepoHandle {
        self.insert_repo(slug, default_branch, None)
    }

    /// Adds a repository backed by the local bare git repository at `bare`:
    /// its branches, commits and merges are real.
    ///
    /// # Panics
    /// If `slug` is not `owner/name`.
    pub fn add_git_repo(
        &self,
        slug: &str,
        default_branch: &str,
        bare: impl Into<PathBuf>,
    ) -> RepoHandle {
        self.insert_repo(slug, default_branch, Some(bare.into()))
    }

    fn insert_repo(
        &self,
        slug: &str,
        default_branch: &str,
        git_dir: Option<PathBuf>,
    ) -> RepoHandle {
        let slug: RepoSlug = slug
            .parse()
            .unwrap_or_else(|e| panic!("sandbox setup: {e}"));
        self.write(|w| {
            let id = w.ids.next();
            let mut repo = Repo::new(slug.clone(), id, default_branch);
            if git_dir.is_none() {
                // In memory, the default branch starts with one (made-up) commit.
                let sha = fake_sha(&format!("{slug}:{default_branch}"));
                repo.branches.insert(default_branch.to_string(), sha);
            }
            repo.git_dir = git_dir;
            w.repos.retain(|r| !r.slug.same_as(&slug));
            w.repos.push(repo);
            let_viewer_write(w);
        });
        RepoHandle::new(self.clone(), slug)
    }

    /// A handle on a repository added before.
    pub fn repo(&self, slug: &str) -> Option<RepoHandle> {
        let slug: RepoSlug = slug.parse().ok()?;
        let slug = self.read(|w| w.repo(&slug).map(|r| r.slug.clone()))?;
        Some(RepoHandle::new(self.clone(), slug))
    }

    /// The login that API calls act as (default `octocat`), a collaborator
    /// on every repository.
    pub fn set_viewer(&self, login: &str) {
        self.write(|w| {
            w.viewer = login.to_string();
            let_viewer_write(w);
        });
    }

    /// Makes every authenticated answer carry `X-OAuth-Scopes: <scopes>`, as
    /// GitHub answers a classic token (`Some("")`: a classic token without
    /// scopes); `None`, the default, sends no header, as for a fine-grained
    /// or app token.
    pub fn set_oauth_scopes(&self, scopes: Option<&str>) {
        self.write(|w| w.oauth_scopes = scopes.map(str::to_string));
    }

    /// Waits until `cond` holds, re-checking after every change; false on timeout.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut cond: impl FnMut(&SandboxState) -> bool,
    ) -> bool {
        let mut changes = self.inner.version.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if cond(self) {
                    return;
                }
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.is_ok() && cond(self)
    }

    pub(crate) fn set_runtime(&self, handle: tokio::runtime::Handle) {
        let _ = self.inner.runtime.set(handle);
    }

    /// The server's runtime, once a server runs on this state.
    pub(crate) fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.inner.runtime.get().cloned()
    }
}

/// The token's user pushes and merges everywhere in the sandbox, so GitHub
/// would call it a `COLLABORATOR` (unless a test said otherwise).
fn let_viewer_write(w: &mut World) {
    let viewer = w.viewer.to_ascii_lowercase();
    for repo in &mut w.repos {
        repo.associations
            .entry(viewer.clone())
            .or_insert(Association::Collaborator);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_are_replaced_not_duplicated() {
        let state = SandboxState::new();
        state.add_repo("acme/widgets", "main");
        state.add_repo("Acme/Widgets", "trunk");
        assert_eq!(state.read(|w| w.repos.len()), 1);
        assert_eq!(state.read(|w| w.repos[0].default_branch.clone()), "trunk");
        let trunk = state.repo("acme/widgets").unwrap().branch("trunk");
        assert_eq!(trunk.map(|sha| sha.len()), Some(40));
        assert!(state.repo("acme/widgets").is_some());
        assert!(state.repo("acme/other").is_none());
    }

    #[tokio::test]
    async fn wait_until_wakes_on_a_change() {
        let state = SandboxState::new();
        let writer = state.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            writer.set_viewer("someone");
        });
        let seen = state
            .wait_until(Duration::from_secs(5), |s| {
                s.read(|w| w.viewer == "someone")
            })
            .await;
        assert!(seen);
    }

    #[tokio::test]
    async fn wait_until_times_out_when_nothing_changes() {
        let state = SandboxState::new();
        let seen = state.wait_until(Duration::from_millis(10), |_| false).await;
        assert!(!seen);
    }
}
