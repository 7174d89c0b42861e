//! The few GitHub REST calls the simulated agent makes, as `gh` or the
//! agent's own tools would: read the repository's default branch, an issue
//! and a pull request, list the pull requests of a head branch, open one.
//! Only the fields it reads are decoded. The token goes in the
//! `Authorization` header and nowhere else (never in a log or an error).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// `owner/name` of the repository the agent works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl FromStr for Repo {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match s.trim().split_once('/') {
            Some((owner, name)) if part(owner) && part(name) => Ok(Repo {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!("{s:?} is not OWNER/NAME")),
        }
    }
}

/// A token; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)")
    }
}

/// An issue as the agent reads it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    #[serde(default, deserialize_with = "or_empty")]
    pub body: String,
    /// Present when the "issue" is a pull request.
    #[serde(default)]
    pub pull_request: Option<Value>,
}

impl Issue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.is_some()
    }
}

/// A pull request as the agent reads it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Pull {
    pub number: u64,
    /// `open` or `closed`.
    pub state: String,
    pub html_url: String,
    #[serde(default, deserialize_with = "or_empty")]
    pub body: String,
    pub head: Head,
}

/// A pull request's head branch.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Head {
    #[serde(rename = "ref")]
    pub branch: String,
}

/// A pull request to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPull {
    pub title: String,
    pub head: String,
    pub base: String,
    pub body: String,
}

fn or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// Why a call did not get the answer it wanted; reads after "failed to ...".
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("{method} {path}: {source}")]
    Transport {
        method: Method,
        path: String,
        source: reqwest::Error,
    },
    #[error("{method} {path}: GitHub answered {status}: {message}")]
    Status {
        method: Method,
        path: String,
        status: StatusCode,
        message: String,
    },
}

/// A client for one repository on one API base (github.com, GHES, the sandbox).
#[derive(Clone, Debug)]
pub struct GitHub {
    http: reqwest::Client,
    api_url: String,
    token: Token,
    repo: Repo,
}

impl GitHub {
    pub fn new(api_url: &str, token: Token, repo: Repo) -> Result<GitHub, reqwest::Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("sim-agent/", env!("CARGO_PKG_VERSION")))
            .timeout(TIMEOUT)
            .build()?;
        Ok(GitHub {
            http,
            api_url: api_url.trim_end_matches('/').to_string(),
            token,
            repo,
        })
    }

    /// The repository's default branch.
    pub async fn default_branch(&self) -> Result<String, GitHubError> {
        #[derive(Deserialize)]
        struct RepoAnswer {
            default_branch: String,
        }
        let answer: RepoAnswer = self.call(Method::GET, "", None).await?;
        Ok(answer.default_branch)
    }

    /// An issue (or a pull request read as one); `None` when GitHub answers 404.
    pub async fn issue(&self, number: u64) -> Result<Option<Issue>, GitHubError> {
        match self
            .call(Method::GET, &format!("/issues/{number}"), None)
            .await
        {
            Ok(issue) => Ok(Some(issue)),
            Err(GitHubError::Status { status, .. }) if status == StatusCode::NOT_FOUND => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn pull(&self, number: u64) -> Result<Pull, GitHubError> {
        self.call(Method::GET, &format!("/pulls/{number}"), None)
            .await
    }

    /// Pull requests, open or closed, whose head is `branch` of this repository.
    pub async fn pulls_for_branch(&self, branch: &str) -> Result<Vec<Pull>, GitHubError> {
        let head = format!("{}:{branch}", self.repo.owner);
        let query = [
            ("head", head.as_str()),
            ("state", "all"),
            ("per_page", "100"),
        ];
        let all: Vec<Pull> = self.send(Method::GET, "/pulls", &query, None).await?;
        // GitHub filters by head already; a server that ignored the filter
        // must not hand the agent someone else's pull request.
        Ok(all
            .into_iter()
            .filter(|p| p.head.branch == branch)
            .collect())
    }

    pub async fn create_pull(&self, pull: &NewPull) -> Result<Pull, GitHubError> {
        let body = json!({
            "title": pull.title, "head": pull.head, "base": pull.base, "body": pull.body,
        });
        self.call(Method::POST, "/pulls", Some(body)).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        rest: &str,
        body: Option<Value>,
    ) -> Result<T, GitHubError> {
        self.send(method, rest, &[], body).await
    }

    /// Sends one request below `/repos/{owner}/{name}` and decodes a 2xx answer.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        rest: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<T, GitHubError> {
        let path = format!("/repos/{}{rest}", self.repo);
        let transport = |source| GitHubError::Transport {
            method: method.clone(),
            path: path.clone(),
            source,
        };
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.api_url))
            .query(query)
            .bearer_auth(&self.token.0)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            let message = github_message(&response.text().await.unwrap_or_default());
            return Err(GitHubError::Status {
                method,
                path,
                status,
                message,
            });
        }
        response.json().await.map_err(transport)
    }
}

/// GitHub's `message` from an error body, else the body itself, cut short.
fn github_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string));
    let text = message.unwrap_or_else(|| body.trim().to_string());
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repos_read_owner_and_name() {
        let repo: Repo = "acme/widgets".parse().unwrap();
        assert_eq!(
            (repo.owner.as_str(), repo.name.as_str()),
            ("acme", "widgets")
        );
        assert_eq!(repo.to_string(), "acme/widgets");
        for bad in ["", "acme", "acme/", "/w", "a b/c", "a/b/c"] {
            assert!(bad.parse::<Repo>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_token_never_shows_in_debug() {
        let token = Token::new("ghp_secret");
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn error_bodies_give_githubs_message() {
        assert_eq!(github_message(r#"{"message":"Not Found"}"#), "Not Found");
        assert_eq!(github_message(" bad gateway \n"), "bad gateway");
    }

    #[test]
    fn issues_and_pulls_decode_from_githubs_json() {
        let issue: Issue = serde_json::from_value(json!({
            "number": 3, "title": "T", "body": null, "pull_request": {"url": "x"}
        }))
        .unwrap();
        assert!(issue.is_pull_request() && issue.body.is_empty());
        let pull: Pull = serde_json::from_value(json!({
            "number": 4, "state": "open", "html_url": "http://x/pull/4",
            "body": "Closes #3", "head": {"ref": "feat/issue-3", "sha": "abc"}
        }))
        .unwrap();
        assert_eq!(
            (pull.head.branch.as_str(), pull.body.as_str()),
            ("feat/issue-3", "Closes #3")
        );
    }
}
