//! The GitHub data the orchestrator works with, reduced to the fields it reads.
//! The client decodes GitHub's JSON (through octocrab's models where they carry
//! the fields) and converts into these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};

/// Open or closed, for issues, pull requests and milestones.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemState {
    Open,
    Closed,
}

impl std::fmt::Display for ItemState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ItemState::Open => "open",
            ItemState::Closed => "closed",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
    pub state: ItemState,
    pub open_issues: u64,
    pub closed_issues: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub number: IssueNumber,
    pub title: String,
    /// Empty when GitHub has no body.
    pub body: String,
    pub state: ItemState,
    pub labels: Vec<String>,
    /// The milestone's title, if any.
    pub milestone: Option<String>,
    pub html_url: String,
    /// The issues endpoints also return pull requests; those are not issues.
    pub is_pull_request: bool,
}

/// An issue named from somewhere else: a native dependency, or a blocker.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IssueRef {
    pub repo: RepoSlug,
    pub number: IssueNumber,
    pub title: Option<String>,
    pub state: Option<ItemState>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub number: PrNumber,
    pub title: String,
    /// The login that opened it.
    pub author: String,
    pub body: String,
    pub state: ItemState,
    pub merged: bool,
    pub draft: bool,
    pub head_ref: BranchName,
    pub head_sha: CommitSha,
    pub base_ref: BranchName,
    pub html_url: String,
    /// GitHub's `mergeable_state` (`clean`, `behind`, `dirty`, `blocked`,
    /// `unstable`, `unknown`), present on single-PR reads only.
    pub mergeable_state: Option<String>,
}

/// What the orchestrator asks GitHub to open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPull {
    pub title: String,
    pub head: BranchName,
    pub base: BranchName,
    pub body: String,
}

/// A check run as GitHub reports it (`status` is absent from octocrab's model).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    /// queued, in_progress, completed, waiting, requested, pending.
    pub status: String,
    /// success, failure, neutral, cancelled, skipped, timed_out,
    /// action_required, startup_failure, stale; absent until completed.
    pub conclusion: Option<String>,
    pub details_url: Option<String>,
}

/// One context of a commit's combined status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitStatus {
    pub context: String,
    /// error, failure, pending, success.
    pub state: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
}

/// The answer to a conditional (`If-None-Match`) read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conditional<T> {
    /// The resource changed (or no tag was sent); `etag` is the tag to send next time.
    Modified { value: T, etag: Option<String> },
    /// 304: unchanged since the tag that was sent.
    NotModified,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    pub user: String,
    /// APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING.
    pub state: String,
    pub body: String,
    pub commit_id: Option<CommitSha>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// An inline comment on a pull request's diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewComment {
    pub id: u64,
    pub user: String,
    pub body: String,
    pub path: String,
    pub line: Option<u64>,
    pub commit_id: Option<CommitSha>,
    pub in_reply_to_id: Option<u64>,
    pub pull_request_review_id: Option<u64>,
}

/// A comment on an issue or on a pull request's conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    pub user: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// What a squash-merge request came back with. Refusals are answers, not
/// errors: the caller reports them to a human and never retries blindly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeOutcome {
    Merged {
        sha: CommitSha,
    },
    /// 405 (not mergeable) or 409 (head moved since `sha`).
    Refused {
        status: u16,
        message: String,
    },
}

/// What an update-branch request came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateBranchOutcome {
    /// GitHub accepted; the head will move to a merge commit.
    Scheduled,
    /// 422: the branch cannot be updated (a conflict, or the expected head moved).
    Refused { message: String },
}
