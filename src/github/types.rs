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
    /// Who closed it, when it is closed (a PR's closer is read here too).
    #[serde(default)]
    pub closed_by: Option<String>,
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
    /// GitHub's global id (GraphQL's `ID`), which the merge queue takes.
    #[serde(default)]
    pub node_id: String,
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
    /// Who merged it, once merged.
    #[serde(default)]
    pub merged_by: Option<String>,
    /// The commit the merge made on the base, once merged.
    #[serde(default)]
    pub merge_commit_sha: Option<CommitSha>,
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
    /// The GitHub App that made it (`github-actions` for a workflow's job).
    #[serde(default)]
    pub app: Option<CheckApp>,
}

/// The app behind a check run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckApp {
    pub slug: String,
}

impl CheckRun {
    /// The GitHub Actions workflow run this check is a job of, which can be
    /// rerun: its id is in the job's `details_url`
    /// (`.../actions/runs/{run}/job/{job}`). `None` for other apps' checks.
    pub fn actions_run(&self) -> Option<u64> {
        if self.app.as_ref()?.slug != "github-actions" {
            return None;
        }
        let url = self.details_url.as_deref()?;
        let (_, rest) = url.split_once("/actions/runs/")?;
        rest.split(['/', '?', '#']).next()?.parse().ok()
    }
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

/// How a comment's author is related to the repository: GitHub's
/// `author_association` on reviews, review comments and issue comments.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Association {
    Owner,
    /// A member of the organisation that owns the repository.
    Member,
    Collaborator,
    Contributor,
    FirstTimeContributor,
    FirstTimer,
    Mannequin,
    /// No relation to the repository (also what GitHub Apps usually get).
    None,
    /// The field was missing, or holds a value this program does not know.
    #[default]
    #[serde(other)]
    Unknown,
}

impl Association {
    /// OWNER, MEMBER or COLLABORATOR: the people the repository lets in.
    /// Everything else, a missing field included, is someone else.
    pub fn can_write(self) -> bool {
        matches!(
            self,
            Association::Owner | Association::Member | Association::Collaborator
        )
    }

    /// GitHub's spelling (`FIRST_TIME_CONTRIBUTOR`); `Unknown` reads as `NONE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Association::Owner => "OWNER",
            Association::Member => "MEMBER",
            Association::Collaborator => "COLLABORATOR",
            Association::Contributor => "CONTRIBUTOR",
            Association::FirstTimeContributor => "FIRST_TIME_CONTRIBUTOR",
            Association::FirstTimer => "FIRST_TIMER",
            Association::Mannequin => "MANNEQUIN",
            Association::None | Association::Unknown => "NONE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: u64,
    pub user: String,
    /// GitHub's `author_association` of `user`.
    #[serde(default)]
    pub association: Association,
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
    /// GitHub's `author_association` of `user`.
    #[serde(default)]
    pub association: Association,
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
    /// GitHub's `author_association` of `user`.
    #[serde(default)]
    pub association: Association,
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

/// What asking GitHub Actions to rerun a workflow run's failed jobs came
/// back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RerunOutcome {
    /// The failed jobs are queued again on the same commit.
    Started,
    /// Not rerun: no right to (403), no such run (404), or it cannot be
    /// rerun now; GitHub's words.
    Refused { status: u16, message: String },
}

/// What an update-branch request came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpdateBranchOutcome {
    /// GitHub accepted; the head will move to a merge commit.
    Scheduled,
    /// 422: the branch cannot be updated (a conflict, or the expected head moved).
    Refused { message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(app: &str, url: &str) -> CheckRun {
        CheckRun {
            id: 1,
            name: "build".into(),
            status: "completed".into(),
            conclusion: Some("failure".into()),
            details_url: Some(url.into()),
            app: Some(CheckApp { slug: app.into() }),
        }
    }

    #[test]
    fn an_actions_job_names_its_workflow_run_and_other_apps_do_not() {
        let url = "https://github.com/acme/w/actions/runs/4242/job/17";
        assert_eq!(check("github-actions", url).actions_run(), Some(4242));
        assert_eq!(check("circleci", url).actions_run(), None);
        let elsewhere = check("github-actions", "https://ci.example/42");
        assert_eq!(elsewhere.actions_run(), None);
    }

    #[test]
    fn only_owners_members_and_collaborators_can_write() {
        let all = [
            Association::Owner,
            Association::Member,
            Association::Collaborator,
            Association::Contributor,
            Association::FirstTimeContributor,
            Association::FirstTimer,
            Association::Mannequin,
            Association::None,
            Association::Unknown,
        ];
        let writers: Vec<&str> = all
            .iter()
            .filter(|a| a.can_write())
            .map(|a| a.as_str())
            .collect();
        assert_eq!(writers, ["OWNER", "MEMBER", "COLLABORATOR"]);
        for a in all {
            let back: Association = serde_json::from_value(a.as_str().into()).unwrap();
            let same = if a == Association::Unknown {
                Association::None
            } else {
                a
            };
            assert_eq!(back, same, "{a:?} spelled as GitHub does");
        }
    }
}
