//! The GitHub seam: the narrow set of GitHub operations the orchestrator uses,
//! behind one trait, so actors run unchanged against github.com, GitHub
//! Enterprise, and the built-in sandbox (which octocrab reaches over loopback).

pub mod access;
pub mod auth;
mod budget;
pub mod client;
mod convert;
pub mod error;
pub mod queue;
pub mod remote;
pub mod retry;
pub mod transport;
pub mod types;
mod wire;

use async_trait::async_trait;

pub use access::{BranchProtection, RepoAccess, RepoPermissions, RequiredChecks};
pub use client::OctoGitHub;
pub use error::GitHubError;
pub use queue::{BranchRules, EnqueueOutcome, QueueState};
pub use types::*;

use crate::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};

/// Every GitHub call the program makes. Every list call returns all pages.
#[async_trait]
pub trait GitHubApi: Send + Sync + 'static {
    /// The repository every call is about.
    fn repo(&self) -> &RepoSlug;

    /// How many times longer a wait's interval should be to stay inside the
    /// rate limit GitHub last reported (1 while plenty is left).
    fn poll_factor(&self) -> f64 {
        1.0
    }

    /// The repository's default branch (`main` on most repositories).
    async fn default_branch(&self) -> Result<BranchName, GitHubError>;

    /// The repository as the token sees it: default branch, visibility, the
    /// account's permissions and a classic token's scopes.
    async fn repository_access(&self) -> Result<RepoAccess, GitHubError>;

    /// Reruns the failed jobs of GitHub Actions workflow run `run`, on the
    /// same commit.
    async fn rerun_failed_jobs(&self, run: u64) -> Result<RerunOutcome, GitHubError>;

    /// The rules a ruleset puts on `branch` (merge queue, up-to-date checks).
    async fn branch_rules(&self, branch: &BranchName) -> Result<BranchRules, GitHubError>;

    /// Puts PR `pull` in its base's merge queue, if its head is `expected`.
    async fn enqueue_pull(
        &self,
        pull: &PullRequest,
        expected: &CommitSha,
    ) -> Result<EnqueueOutcome, GitHubError>;

    /// Whether PR `pr` is merged, closed or in the merge queue.
    async fn queue_state(&self, pr: PrNumber) -> Result<QueueState, GitHubError>;

    /// How `branch` is protected; `None` when it is not. Reading it needs
    /// admin rights: without them GitHub answers 403 (or 404), an error here.
    async fn branch_protection(
        &self,
        branch: &BranchName,
    ) -> Result<Option<BranchProtection>, GitHubError>;

    /// All milestones, open and closed.
    async fn list_milestones(&self) -> Result<Vec<Milestone>, GitHubError>;

    /// Every issue (open and closed, pull requests left out) in a milestone.
    async fn list_milestone_issues(&self, milestone: u64) -> Result<Vec<Issue>, GitHubError>;

    /// One issue; `None` when GitHub answers 404.
    async fn get_issue(&self, number: IssueNumber) -> Result<Option<Issue>, GitHubError>;

    /// GitHub's native "blocked by" dependencies of an issue; `None` when the
    /// server does not have the feature (404).
    async fn issue_blocked_by(
        &self,
        number: IssueNumber,
    ) -> Result<Option<Vec<IssueRef>>, GitHubError>;

    /// Pull requests in any state whose head is exactly `branch` in this repository.
    async fn pulls_for_branch(&self, branch: &BranchName) -> Result<Vec<PullRequest>, GitHubError>;

    async fn get_pull(&self, number: PrNumber) -> Result<PullRequest, GitHubError>;

    async fn create_pull(&self, pull: &NewPull) -> Result<PullRequest, GitHubError>;

    /// Check runs on a commit, conditional on `etag`.
    async fn check_runs(
        &self,
        sha: &CommitSha,
        etag: Option<&str>,
    ) -> Result<Conditional<Vec<CheckRun>>, GitHubError>;

    /// The latest status per context on a commit, conditional on `etag`.
    async fn commit_statuses(
        &self,
        sha: &CommitSha,
        etag: Option<&str>,
    ) -> Result<Conditional<Vec<CommitStatus>>, GitHubError>;

    async fn list_reviews(&self, pr: PrNumber) -> Result<Vec<Review>, GitHubError>;

    async fn list_review_comments(&self, pr: PrNumber) -> Result<Vec<ReviewComment>, GitHubError>;

    /// Conversation comments on an issue or pull request.
    async fn list_issue_comments(&self, number: u64) -> Result<Vec<IssueComment>, GitHubError>;

    async fn post_issue_comment(&self, number: u64, body: &str) -> Result<(), GitHubError>;

    /// Merge the base branch into the PR branch (GitHub's update-branch),
    /// only if the head is still `expected_head`.
    async fn update_branch(
        &self,
        pr: PrNumber,
        expected_head: &CommitSha,
    ) -> Result<UpdateBranchOutcome, GitHubError>;

    /// Squash-merge, only if the head is still `sha`.
    async fn squash_merge(
        &self,
        pr: PrNumber,
        sha: &CommitSha,
        title: &str,
    ) -> Result<MergeOutcome, GitHubError>;

    /// Delete a branch on the remote; an already missing branch is not an error.
    async fn delete_branch(&self, branch: &BranchName) -> Result<(), GitHubError>;
}
