//! What every command needs before it can talk to GitHub: the settings
//! (file, environment, flags), the repository (flag, variable, or `origin`),
//! the checkout's root, a token, and the client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow};

use super::CommonArgs;
use crate::config::{self, Settings};
use crate::git::Git;
use crate::github::auth::{self, Token, TokenSource, gh_auth_token, gh_host};
use crate::github::remote::slug_from_remote;
use crate::github::retry::RetryPolicy;
use crate::github::{GitHubApi, GitHubError, OctoGitHub};
use crate::ids::RepoSlug;

/// Reads an environment variable; `None` when unset or not UTF-8.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Settings from the file and environment, with the common flags and then
/// the command's own (`flags`) on top, validated.
pub fn load_settings(
    common: &CommonArgs,
    flags: impl FnOnce(&mut Settings),
) -> anyhow::Result<Settings> {
    let mut s = config::load(common.config.as_deref(), env_var)?;
    if let Some(repo) = &common.repo {
        s.repo = Some(repo.clone());
    }
    if let Some(db) = &common.db {
        s.db = Some(db.clone());
    }
    flags(&mut s);
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
    let origin = match (&settings.repo, root) {
        (Some(_), _) => Origin::Unread,
        (None, None) => Origin::NoCheckout,
        (None, Some(root)) => Origin::read(root).await,
    };
    Ok(choose_repo(settings.repo.as_deref(), &origin)?)
}

/// What the checkout says about its `origin` remote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Not asked (the repository is configured).
    Unread,
    /// Not inside a git checkout.
    NoCheckout,
    /// No `origin` remote; git's words.
    Missing(String),
    Url(String),
}

impl Origin {
    /// Asks git in the checkout at `root`.
    pub async fn read(root: &Path) -> Origin {
        match Git::new(root).remote_url("origin").await {
            Ok(url) => Origin::Url(url),
            Err(e) => Origin::Missing(e.to_string()),
        }
    }
}

/// Why no repository could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoChoiceError {
    /// The configured value is not `OWNER/NAME`.
    #[error("{0}")]
    Invalid(String),
    /// Nothing configured and nothing usable in `origin`.
    #[error(
        "cannot tell which repository to use: {0}; pass --repo OWNER/NAME or set GITHUB_REPOSITORY"
    )]
    Unknown(String),
}

/// The run's repository: the configured one (`--repo`, `GITHUB_REPOSITORY`,
/// the settings file), else the one `origin` points at.
pub fn choose_repo(configured: Option<&str>, origin: &Origin) -> Result<RepoSlug, RepoChoiceError> {
    if let Some(repo) = configured {
        return repo
            .parse()
            .map_err(|e| RepoChoiceError::Invalid(format!("{e}")));
    }
    let unknown = |why: String| RepoChoiceError::Unknown(why);
    match origin {
        Origin::Url(url) => {
            slug_from_remote(url).ok_or_else(|| unknown(format!("origin is {url}")))
        }
        Origin::Missing(e) => Err(unknown(e.clone())),
        Origin::NoCheckout | Origin::Unread => Err(unknown("not inside a git checkout".into())),
    }
}

/// A GitHub token from the environment or `gh`, and where it came from.
pub fn discover_token(settings: &Settings) -> Result<(Token, TokenSource), GitHubError> {
    let host = gh_host(&settings.api_url);
    auth::discover(env_var, || gh_auth_token(host.as_deref()))
}

/// The GitHub client for `repo` with `token`.
pub fn client_with(
    settings: &Settings,
    repo: RepoSlug,
    token: &Token,
) -> Result<OctoGitHub, GitHubError> {
    let policy = RetryPolicy {
        base_delay: settings.github_retry_delay.get(),
        ..RetryPolicy::default()
    };
    OctoGitHub::new(&settings.api_url, token, repo, policy)
}

/// The GitHub client for `repo`, with a token from the environment or `gh`.
pub fn github_client(settings: &Settings, repo: RepoSlug) -> anyhow::Result<Arc<dyn GitHubApi>> {
    let (token, source) = discover_token(settings)?;
    tracing::debug!(%source, api = %settings.api_url, "using GitHub token");
    let client = client_with(settings, repo, &token).context("set up the GitHub client")?;
    Ok(Arc::new(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_repository_wins_over_origin() {
        let origin = Origin::Url("git@github.com:acme/widgets.git".into());
        assert_eq!(
            choose_repo(Some("other/lib"), &origin).unwrap(),
            RepoSlug::new("other", "lib")
        );
        assert_eq!(
            choose_repo(None, &origin).unwrap(),
            RepoSlug::new("acme", "widgets")
        );
        assert!(matches!(
            choose_repo(Some("nonsense"), &origin),
            Err(RepoChoiceError::Invalid(_))
        ));
    }

    #[test]
    fn without_a_usable_origin_the_error_says_why_and_what_to_pass() {
        let local = choose_repo(None, &Origin::Url("/srv/git/widgets.git".into())).unwrap_err();
        assert_eq!(
            local,
            RepoChoiceError::Unknown("origin is /srv/git/widgets.git".into())
        );
        let text = choose_repo(None, &Origin::NoCheckout)
            .unwrap_err()
            .to_string();
        assert!(text.contains("not inside a git checkout"), "{text}");
        assert!(text.contains("pass --repo OWNER/NAME"), "{text}");
    }
}
