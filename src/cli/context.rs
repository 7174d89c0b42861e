//! What every command needs before it can talk to GitHub: the settings
//! (file, environment, flags), the repository (flag, variable, or `origin`),
//! the checkout's root, a token, and the client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow};

use super::args::{CommonArgs, RunArgs};
use crate::config::{self, Settings};
use crate::git::Git;
use crate::github::auth::{self, gh_auth_token, gh_host};
use crate::github::remote::slug_from_remote;
use crate::github::retry::RetryPolicy;
use crate::github::{GitHubApi, OctoGitHub};
use crate::ids::RepoSlug;

/// Reads an environment variable; `None` when unset or not UTF-8.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Settings from the file and environment, with the command line's flags on top.
pub fn load_settings(common: &CommonArgs, run: Option<&RunArgs>) -> anyhow::Result<Settings> {
    let mut s = config::load(common.config.as_deref(), env_var)?;
    if let Some(repo) = &common.repo {
        s.repo = Some(repo.clone());
    }
    if let Some(db) = &common.db {
        s.db = Some(db.clone());
    }
    if let Some(run) = run {
        if let Some(n) = run.parallel {
            s.parallel = n as usize;
        }
        if let Some(mode) = run.schedule {
            s.schedule = mode.into();
        }
        if run.skip_ci {
            s.ci.skip = true;
        }
        if let Some(usd) = run.max_budget_usd_total {
            s.budget.max_total_usd = Some(usd);
        }
    }
    config::load::validate(&s).map_err(|m| anyhow!("invalid settings: {m}"))?;
    Ok(s)
}

/// The root of the git checkout the program runs in, if it runs in one.
pub async fn checkout_root(dir: &Path) -> Option<PathBuf> {
    Git::new(dir).repo_root().await.ok()
}

/// `--repo`, else `GITHUB_REPOSITORY` (both already in the settings), else
/// the `origin` remote of the checkout.
pub async fn resolve_repo(settings: &Settings, root: Option<&Path>) -> anyhow::Result<RepoSlug> {
    if let Some(repo) = &settings.repo {
        return repo.parse().map_err(|e| anyhow!("{e}"));
    }
    let Some(root) = root else {
        return Err(anyhow!(
            "cannot tell which repository to use: not inside a git checkout; pass --repo OWNER/NAME or set GITHUB_REPOSITORY"
        ));
    };
    let url = Git::new(root).remote_url("origin").await.map_err(|e| {
        anyhow!("cannot tell which repository to use ({e}); pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    })?;
    slug_from_remote(&url).ok_or_else(|| {
        anyhow!("cannot tell which repository to use: origin is {url}; pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    })
}

/// The GitHub client for `repo`, with a token from the environment or `gh`.
pub fn github_client(settings: &Settings, repo: RepoSlug) -> anyhow::Result<Arc<dyn GitHubApi>> {
    let host = gh_host(&settings.api_url);
    let (token, source) = auth::discover(env_var, || gh_auth_token(host.as_deref()))?;
    tracing::debug!(%source, api = %settings.api_url, "using GitHub token");
    let policy = RetryPolicy {
        base_delay: settings.github_retry_delay.get(),
        ..RetryPolicy::default()
    };
    let client = OctoGitHub::new(&settings.api_url, &token, repo, policy)
        .context("set up the GitHub client")?;
    Ok(Arc::new(client))
}
