//! `OctoGitHub`: the `GitHubApi` implementation over octocrab, for github.com,
//! GitHub Enterprise and the sandbox alike.

use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use octocrab::Octocrab;
use octocrab::service::middleware::cache::mem::InMemoryCache;
use serde::Deserialize;
use serde_json::json;

use super::access;
use super::convert;
use super::queue;
use super::retry::RetryPolicy;
use super::transport::{RawResponse, Transport, decode, encode, expect_success};
use super::wire;
use super::*;

/// The octocrab-backed client for one repository.
#[derive(Clone)]
pub struct OctoGitHub {
    repo: RepoSlug,
    transport: Transport,
    /// Where GraphQL requests go (the merge queue has no REST API).
    graphql: String,
}

impl OctoGitHub {
    /// A client for `repo` at `api_url` (e.g. `https://api.github.com`).
    pub fn new(
        api_url: &str,
        token: &auth::Token,
        repo: RepoSlug,
        policy: RetryPolicy,
    ) -> Result<Self, GitHubError> {
        let setup = |e: octocrab::Error| {
            GitHubError::Setup(format!("cannot use GitHub API URL {api_url}: {e}"))
        };
        let octo = Octocrab::builder()
            .base_uri(api_url)
            .map_err(setup)?
            .personal_token(token.expose().to_string())
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            // Every GET conditional on the last answer's ETag: waits re-read
            // GitHub often, and an unchanged answer (304) costs nothing.
            .cache(InMemoryCache::new())
            .build()
            .map_err(setup)?;
        Ok(OctoGitHub {
            repo,
            transport: Transport::new(octo, policy),
            graphql: queue::graphql_path(api_url),
        })
    }

    fn path(&self, rest: &str) -> String {
        format!(
            "/repos/{}/{}{rest}",
            encode(&self.repo.owner, false),
            encode(&self.repo.name, false)
        )
    }

    async fn send(
        &self,
        method: Method,
        rest: &str,
        body: Option<serde_json::Value>,
    ) -> Result<(RawResponse, String), GitHubError> {
        let path = self.path(rest);
        let raw = self
            .transport
            .send(method, &path, body.as_ref(), &[])
            .await?;
        Ok((raw, path))
    }
}

/// GitHub's message for a branch without protection.
pub const NOT_PROTECTED: &str = "Branch not protected";
/// GitHub's message when asked about a branch that does not exist.
pub const BRANCH_NOT_FOUND: &str = "Branch not found";

#[derive(Deserialize)]
struct MergeAnswer {
    merged: bool,
    sha: Option<String>,
    message: Option<String>,
}

#[async_trait]
impl GitHubApi for OctoGitHub {
    fn repo(&self) -> &RepoSlug {
        &self.repo
    }

    fn poll_factor(&self) -> f64 {
        self.transport.poll_factor()
    }

    async fn default_branch(&self) -> Result<BranchName, GitHubError> {
        Ok(self.repository_access().await?.default_branch)
    }

    async fn repository_access(&self) -> Result<RepoAccess, GitHubError> {
        let (raw, path) = self.send(Method::GET, "", None).await?;
        let raw = expect_success(raw, &Method::GET, &path)?;
        let scopes = raw
            .headers
            .get("x-oauth-scopes")
            .and_then(|v| v.to_str().ok())
            .map(access::parse_scopes);
        let wire: access::RepoWire = decode(&raw, &Method::GET, &path)?;
        Ok(wire.into_access(scopes))
    }

    async fn rerun_failed_jobs(&self, run: u64) -> Result<RerunOutcome, GitHubError> {
        let rest = format!("/actions/runs/{run}/rerun-failed-jobs");
        let (raw, path) = self.send(Method::POST, &rest, None).await?;
        if matches!(raw.status, 403 | 404 | 409 | 422) {
            return Ok(RerunOutcome::Refused {
                status: raw.status,
                message: raw.message(),
            });
        }
        expect_success(raw, &Method::POST, &path).map(|_| RerunOutcome::Started)
    }

    async fn branch_rules(&self, branch: &BranchName) -> Result<BranchRules, GitHubError> {
        queue::branch_rules(&self.transport, &self.repo, &branch.0).await
    }

    async fn enqueue_pull(
        &self,
        pull: &PullRequest,
        expected: &CommitSha,
    ) -> Result<EnqueueOutcome, GitHubError> {
        queue::enqueue(&self.transport, &self.graphql, &pull.node_id, expected).await
    }

    async fn queue_state(&self, pr: PrNumber) -> Result<QueueState, GitHubError> {
        queue::state(&self.transport, &self.graphql, &self.repo, pr).await
    }

    async fn branch_protection(
        &self,
        branch: &BranchName,
    ) -> Result<Option<BranchProtection>, GitHubError> {
        let rest = format!("/branches/{}/protection", encode(&branch.0, true));
        let (raw, path) = self.send(Method::GET, &rest, None).await?;
        // An unprotected branch is a 404 with this message; any other 404
        // (no such branch, or no right to see) stays an error.
        if raw.status == 404 && raw.message() == NOT_PROTECTED {
            return Ok(None);
        }
        let raw = expect_success(raw, &Method::GET, &path)?;
        let wire: access::ProtectionWire = decode(&raw, &Method::GET, &path)?;
        Ok(Some(wire.into()))
    }

    async fn list_milestones(&self) -> Result<Vec<Milestone>, GitHubError> {
        let all: Vec<octocrab::models::Milestone> = self
            .transport
            .get_all(&self.path("/milestones?state=all"))
            .await?;
        Ok(all.into_iter().map(convert::milestone).collect())
    }

    async fn list_milestone_issues(&self, milestone: u64) -> Result<Vec<Issue>, GitHubError> {
        let rest = format!("/issues?milestone={milestone}&state=all");
        let all: Vec<octocrab::models::issues::Issue> =
            self.transport.get_all(&self.path(&rest)).await?;
        Ok(all
            .into_iter()
            .map(convert::issue)
            .filter(|i| !i.is_pull_request)
            .collect())
    }

    async fn get_issue(&self, number: IssueNumber) -> Result<Option<Issue>, GitHubError> {
        let (raw, path) = self
            .send(Method::GET, &format!("/issues/{}", number.0), None)
            .await?;
        // 410: deleted or transferred away; either way not an issue of this repo.
        if matches!(raw.status, 404 | 410) {
            return Ok(None);
        }
        let raw = expect_success(raw, &Method::GET, &path)?;
        let issue: octocrab::models::issues::Issue = decode(&raw, &Method::GET, &path)?;
        Ok(Some(convert::issue(issue)))
    }

    async fn issue_blocked_by(
        &self,
        number: IssueNumber,
    ) -> Result<Option<Vec<IssueRef>>, GitHubError> {
        let path = self.path(&format!("/issues/{}/dependencies/blocked_by", number.0));
        match self
            .transport
            .get_all::<octocrab::models::issues::Issue>(&path)
            .await
        {
            Ok(all) => Ok(Some(
                all.into_iter().filter_map(convert::issue_ref).collect(),
            )),
            // Servers without the feature answer 404: not an error, just no data.
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn pulls_for_branch(&self, branch: &BranchName) -> Result<Vec<PullRequest>, GitHubError> {
        let head = encode(&format!("{}:{}", self.repo.owner, branch.0), false);
        let rest = format!("/pulls?state=all&head={head}");
        let all: Vec<wire::WirePull> = self.transport.get_all(&self.path(&rest)).await?;
        // GitHub filters by head already; checking again guards against a
        // server that ignores the filter.
        Ok(all
            .into_iter()
            .map(PullRequest::from)
            .filter(|p| p.head_ref == *branch)
            .collect())
    }

    async fn get_pull(&self, number: PrNumber) -> Result<PullRequest, GitHubError> {
        let pr: wire::WirePull = self
            .transport
            .get_json(&self.path(&format!("/pulls/{}", number.0)))
            .await?;
        Ok(pr.into())
    }

    async fn create_pull(&self, pull: &NewPull) -> Result<PullRequest, GitHubError> {
        let body = json!({ "title": pull.title, "head": pull.head.0, "base": pull.base.0, "body": pull.body });
        let (raw, path) = self.send(Method::POST, "/pulls", Some(body)).await?;
        let raw = expect_success(raw, &Method::POST, &path)?;
        let pr: wire::WirePull = decode(&raw, &Method::POST, &path)?;
        Ok(pr.into())
    }

    async fn check_runs(
        &self,
        sha: &CommitSha,
        etag: Option<&str>,
    ) -> Result<Conditional<Vec<CheckRun>>, GitHubError> {
        let path = self.path(&format!("/commits/{}/check-runs", encode(&sha.0, false)));
        self.transport
            .get_all_conditional(&path, Some("check_runs"), etag)
            .await
    }

    async fn commit_statuses(
        &self,
        sha: &CommitSha,
        etag: Option<&str>,
    ) -> Result<Conditional<Vec<CommitStatus>>, GitHubError> {
        let path = self.path(&format!("/commits/{}/status", encode(&sha.0, false)));
        self.transport
            .get_all_conditional(&path, Some("statuses"), etag)
            .await
    }

    async fn list_reviews(&self, pr: PrNumber) -> Result<Vec<Review>, GitHubError> {
        let all: Vec<octocrab::models::pulls::Review> = self
            .transport
            .get_all(&self.path(&format!("/pulls/{}/reviews", pr.0)))
            .await?;
        Ok(all.into_iter().map(convert::review).collect())
    }

    async fn list_review_comments(&self, pr: PrNumber) -> Result<Vec<ReviewComment>, GitHubError> {
        let all: Vec<octocrab::models::pulls::Comment> = self
            .transport
            .get_all(&self.path(&format!("/pulls/{}/comments", pr.0)))
            .await?;
        Ok(all.into_iter().map(convert::review_comment).collect())
    }

    async fn list_issue_comments(&self, number: u64) -> Result<Vec<IssueComment>, GitHubError> {
        let all: Vec<octocrab::models::issues::Comment> = self
            .transport
            .get_all(&self.path(&format!("/issues/{number}/comments")))
            .await?;
        Ok(all.into_iter().map(convert::issue_comment).collect())
    }

    async fn post_issue_comment(&self, number: u64, body: &str) -> Result<(), GitHubError> {
        let (raw, path) = self
            .send(
                Method::POST,
                &format!("/issues/{number}/comments"),
                Some(json!({ "body": body })),
            )
            .await?;
        expect_success(raw, &Method::POST, &path).map(|_| ())
    }

    async fn update_branch(
        &self,
        pr: PrNumber,
        expected_head: &CommitSha,
    ) -> Result<UpdateBranchOutcome, GitHubError> {
        let body = json!({ "expected_head_sha": expected_head.0 });
        let (raw, path) = self
            .send(
                Method::PUT,
                &format!("/pulls/{}/update-branch", pr.0),
                Some(body),
            )
            .await?;
        if raw.status == 422 {
            return Ok(UpdateBranchOutcome::Refused {
                message: raw.message(),
            });
        }
        expect_success(raw, &Method::PUT, &path).map(|_| UpdateBranchOutcome::Scheduled)
    }

    async fn squash_merge(
        &self,
        pr: PrNumber,
        sha: &CommitSha,
        title: &str,
    ) -> Result<MergeOutcome, GitHubError> {
        let body = json!({ "sha": sha.0, "merge_method": "squash", "commit_title": title });
        let (raw, path) = self
            .send(Method::PUT, &format!("/pulls/{}/merge", pr.0), Some(body))
            .await?;
        // Refusals are answers for a human, never retried blindly.
        if matches!(raw.status, 405 | 409 | 422) {
            return Ok(MergeOutcome::Refused {
                status: raw.status,
                message: raw.message(),
            });
        }
        let raw = expect_success(raw, &Method::PUT, &path)?;
        let answer: MergeAnswer = decode(&raw, &Method::PUT, &path)?;
        match (answer.merged, answer.sha) {
            (true, Some(sha)) => Ok(MergeOutcome::Merged {
                sha: CommitSha(sha),
            }),
            _ => Ok(MergeOutcome::Refused {
                status: raw.status,
                message: answer
                    .message
                    .unwrap_or_else(|| "GitHub did not merge the pull request".into()),
            }),
        }
    }

    async fn delete_branch(&self, branch: &BranchName) -> Result<(), GitHubError> {
        let rest = format!("/git/refs/heads/{}", encode(&branch.0, true));
        let (raw, path) = self.send(Method::DELETE, &rest, None).await?;
        // Already gone (deleted by GitHub's auto-delete, or by hand) is the goal reached.
        if matches!(raw.status, 404 | 422) {
            return Ok(());
        }
        expect_success(raw, &Method::DELETE, &path).map(|_| ())
    }
}
