//! Finding a GitHub token: `GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token`.
//! The token is wrapped so that it can never be printed or logged by accident.

use std::fmt;
use std::process::{Command, Stdio};

use super::GitHubError;

/// A GitHub token. `Debug` and `Display` print `***`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Self {
        Token(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where the token came from, for a log line that names the source, not the secret.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TokenSource {
    GithubToken,
    GhToken,
    GhCli,
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenSource::GithubToken => "GITHUB_TOKEN",
            TokenSource::GhToken => "GH_TOKEN",
            TokenSource::GhCli => "`gh auth token`",
        })
    }
}

/// Looks in the environment (read through `env`), then asks `gh` through `gh_token`.
pub fn discover(
    env: impl Fn(&str) -> Option<String>,
    gh_token: impl FnOnce() -> Option<String>,
) -> Result<(Token, TokenSource), GitHubError> {
    let non_empty = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if let Some(t) = non_empty(env("GITHUB_TOKEN")) {
        return Ok((Token(t), TokenSource::GithubToken));
    }
    if let Some(t) = non_empty(env("GH_TOKEN")) {
        return Ok((Token(t), TokenSource::GhToken));
    }
    match non_empty(gh_token()) {
        Some(t) => Ok((Token(t), TokenSource::GhCli)),
        None => Err(GitHubError::NoToken),
    }
}

/// Runs `gh auth token` (for `host` when it is not github.com); `None` when gh
/// is not installed, not logged in, or prints nothing.
pub fn gh_auth_token(host: Option<&str>) -> Option<String> {
    let mut cmd = Command::new("gh");
    cmd.args(["auth", "token"]);
    if let Some(host) = host.filter(|h| *h != "github.com" && *h != "api.github.com") {
        cmd.args(["--hostname", host]);
    }
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The host `gh` knows an API URL by: `api.github.com` → `github.com`,
/// `https://ghe.example.com/api/v3` → `ghe.example.com`.
pub fn gh_host(api_url: &str) -> Option<String> {
    let uri: http::Uri = api_url.parse().ok()?;
    let host = uri.host()?;
    Some(if host == "api.github.com" {
        "github.com".into()
    } else {
        host.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn github_token_wins_then_gh_token_then_gh() {
        let (t, s) = discover(env(&[("GITHUB_TOKEN", "a"), ("GH_TOKEN", "b")]), || None).unwrap();
        assert_eq!((t.expose(), s), ("a", TokenSource::GithubToken));
        let (t, s) = discover(env(&[("GITHUB_TOKEN", " "), ("GH_TOKEN", "b")]), || None).unwrap();
        assert_eq!((t.expose(), s), ("b", TokenSource::GhToken));
        let (t, s) = discover(env(&[]), || Some("c\n".into())).unwrap();
        assert_eq!((t.expose(), s), ("c", TokenSource::GhCli));
    }

    #[test]
    fn no_token_names_all_three_sources() {
        let err = discover(env(&[]), || None).unwrap_err().to_string();
        for source in ["GITHUB_TOKEN", "GH_TOKEN", "gh auth token"] {
            assert!(err.contains(source), "{err} should name {source}");
        }
    }

    #[test]
    fn token_never_prints() {
        let t = Token::new("ghp_secret");
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn gh_host_for_github_and_enterprise() {
        assert_eq!(
            gh_host("https://api.github.com").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            gh_host("https://ghe.example.com/api/v3").as_deref(),
            Some("ghe.example.com")
        );
    }
}
