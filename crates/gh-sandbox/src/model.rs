//! The sandbox's world as plain data: repositories with their milestones,
//! issues and pull requests (one numbering), comments, reviews, check runs and
//! statuses. Routes and builders read and change it under one lock.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::types::RepoSlug;
use crate::types::{Association, BranchProtection, ItemState, RepoPermissions, RequiredChecks};

use super::sim::{CiScript, CodeRabbitScript};
use super::specs::ReviewCommentSpec;

/// Everything the sandbox knows.
#[derive(Debug)]
pub struct World {
    pub repos: Vec<Repo>,
    /// The login that authenticated requests act as (any token maps to it).
    pub viewer: String,
    /// What `X-OAuth-Scopes` says on every authenticated answer, as GitHub
    /// tells a classic token; `None` sends no header (a fine-grained or app token).
    pub oauth_scopes: Option<String>,
    pub ids: Ids,
}

impl Default for World {
    fn default() -> Self {
        Self {
            repos: Vec::new(),
            viewer: "octocat".to_string(),
            oauth_scopes: None,
            ids: Ids(1000),
        }
    }
}

/// Hands out ids unique across every kind of object in one sandbox.
#[derive(Debug)]
pub struct Ids(u64);

impl Ids {
    pub fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

impl World {
    pub fn repo(&self, slug: &RepoSlug) -> Option<&Repo> {
        self.repos.iter().find(|r| r.slug.same_as(slug))
    }

    /// The repository and the id source, borrowed together so a change can mint ids.
    pub fn repo_mut(&mut self, slug: &RepoSlug) -> Option<(&mut Repo, &mut Ids)> {
        let repo = self.repos.iter_mut().find(|r| r.slug.same_as(slug))?;
        Some((repo, &mut self.ids))
    }
}

/// One repository and everything in it.
#[derive(Debug)]
pub struct Repo {
    pub slug: RepoSlug,
    pub id: u64,
    pub default_branch: String,
    /// A local bare repository whose branches and commits are this repo's.
    pub git_dir: Option<PathBuf>,
    /// Whether `issues/{n}/dependencies/blocked_by` exists (older GHES: 404).
    pub dependencies_api: bool,
    /// The viewer's role here: the `permissions` object of the repository,
    /// and whether branch protection may be read (admin).
    pub permissions: RepoPermissions,
    /// Protected branches. A strict rule ("require branches to be up to
    /// date") makes merging a `behind` PR into that branch answer 405.
    pub protection: BTreeMap<String, BranchProtection>,
    pub milestones: Vec<Milestone>,
    /// Issues and pull requests, by their shared number.
    pub items: BTreeMap<u64, Item>,
    pub issue_comments: Vec<IssueComment>,
    pub reviews: Vec<Review>,
    pub review_comments: Vec<ReviewComment>,
    pub check_runs: Vec<CheckRun>,
    pub statuses: Vec<CommitStatus>,
    /// Branch heads of a repo without a git backing.
    pub branches: BTreeMap<String, String>,
    /// Branches deleted through the API, in order.
    pub deleted_branches: Vec<String>,
    pub ci: Option<CiScript>,
    /// SHAs the CI script has already started on.
    pub ci_started: BTreeSet<String>,
    /// GitHub Actions workflow runs: one per CI start on a commit.
    pub workflow_runs: Vec<WorkflowRun>,
    /// Whether the token may re-run workflow runs (false: 403
    /// `Resource not accessible by integration`, as for a token without
    /// `actions: write`).
    pub rerun_allowed: bool,
    /// The repository ruleset: the merge queue and required checks it imposes.
    pub ruleset: Ruleset,
    /// The merge queue's entries.
    pub merge_queue: MergeQueue,
    pub coderabbit: Option<CodeRabbitScript>,
    /// How people are related to the repository, by lowercased login; the
    /// owner is `OWNER` and anyone not listed `NONE` (see [`Repo::association`]).
    pub associations: BTreeMap<String, Association>,
    /// Inline comments people leave on the next pull request opened through
    /// the API, the moment it opens.
    pub comments_on_open: Vec<ReviewCommentSpec>,
    pub created_at: DateTime<Utc>,
}

impl Repo {
    pub fn new(slug: RepoSlug, id: u64, default_branch: &str) -> Self {
        Self {
            slug,
            id,
            default_branch: default_branch.to_string(),
            git_dir: None,
            dependencies_api: true,
            permissions: RepoPermissions::all(),
            protection: BTreeMap::new(),
            milestones: Vec::new(),
            items: BTreeMap::new(),
            issue_comments: Vec::new(),
            reviews: Vec::new(),
            review_comments: Vec::new(),
            check_runs: Vec::new(),
            statuses: Vec::new(),
            branches: BTreeMap::new(),
            deleted_branches: Vec::new(),
            ci: None,
            ci_started: BTreeSet::new(),
            workflow_runs: Vec::new(),
            rerun_allowed: true,
            ruleset: Ruleset::default(),
            merge_queue: MergeQueue::default(),
            coderabbit: None,
            associations: BTreeMap::new(),
            comments_on_open: Vec::new(),
            created_at: now(),
        }
    }

    /// GitHub's `author_association` of `login` here: `OWNER` for the
    /// owner, what a test set, else `NONE` (apps included, as on GitHub).
    pub fn association(&self, login: &str) -> Association {
        if login.eq_ignore_ascii_case(&self.slug.owner) {
            return Association::Owner;
        }
        let known = self.associations.get(&login.to_ascii_lowercase());
        known.copied().unwrap_or(Association::None)
    }

    /// The next issue/PR number: both share one counter, as on GitHub.
    pub fn next_number(&self) -> u64 {
        self.items.keys().next_back().map_or(1, |n| n + 1)
    }

    pub fn milestone(&self, number: u64) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.number == number)
    }

    pub fn pull(&self, number: u64) -> Option<&Item> {
        self.items.get(&number).filter(|i| i.pull.is_some())
    }

    /// Open and closed issue counts of a milestone (pull requests included, as GitHub counts them).
    pub fn milestone_counts(&self, number: u64) -> (u64, u64) {
        let in_ms = self.items.values().filter(|i| i.milestone == Some(number));
        in_ms.fold((0, 0), |(open, closed), i| match i.state {
            ItemState::Open => (open + 1, closed),
            ItemState::Closed => (open, closed + 1),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: ItemState,
    pub created_at: DateTime<Utc>,
}

/// An issue, or a pull request (which GitHub also serves as an issue).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub labels: Vec<String>,
    pub state: ItemState,
    pub milestone: Option<u64>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it (a merged PR: who merged it), as `GET .../issues/{n}` says.
    pub closed_by: Option<String>,
    /// Native "blocked by" dependencies: issues in this or another repository.
    pub blocked_by: Vec<(RepoSlug, u64)>,
    pub pull: Option<PullInfo>,
}

/// What a pull request has beyond an issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullInfo {
    pub id: u64,
    pub head_ref: String,
    /// The head as last seen; a git-backed repo refreshes it from the branch.
    pub head_sha: String,
    pub base_ref: String,
    pub draft: bool,
    pub merged: bool,
    pub merged_at: Option<DateTime<Utc>>,
    /// Who merged it.
    pub merged_by: Option<String>,
    pub merge_commit_sha: Option<String>,
    /// Set by a test for a repo without git backing; computed otherwise.
    pub mergeable_state: Option<String>,
    /// Added lines, for a repo without git backing (the CodeRabbit script reads them).
    pub diff: Vec<DiffLine>,
}

/// One added line of a pull request's diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub path: String,
    /// Line number in the new file.
    pub line: u64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    pub issue: u64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub id: u64,
    pub pr: u64,
    pub author: String,
    pub body: String,
    /// APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING.
    pub state: String,
    pub commit_id: String,
    pub submitted_at: DateTime<Utc>,
}

/// An inline comment on a pull request's diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewComment {
    pub id: u64,
    pub pr: u64,
    pub review_id: Option<u64>,
    pub author: String,
    pub body: String,
    pub path: String,
    pub line: Option<u64>,
    pub commit_id: String,
    pub in_reply_to: Option<u64>,
    pub diff_hunk: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRun {
    pub id: u64,
    pub head_sha: String,
    pub name: String,
    /// queued, in_progress, completed, waiting, requested, pending.
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub details_url: Option<String>,
    /// The GitHub Actions workflow run this check run is a job of (its id
    /// is the job id); `None` for check runs a test added by hand.
    pub run_id: Option<u64>,
}

/// A GitHub Actions workflow run: the CI script's jobs on one commit. A
/// re-run keeps the run (and its id) and bumps `run_attempt`; the re-run
/// jobs are new check runs with the old names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkflowRun {
    pub id: u64,
    /// The workflow's name (`CI`).
    pub name: String,
    pub head_sha: String,
    pub head_branch: String,
    /// `pull_request`, `push` or `merge_group`.
    pub event: String,
    pub check_suite_id: u64,
    pub run_number: u64,
    pub run_attempt: u32,
    /// queued, in_progress, completed.
    pub status: String,
    pub conclusion: Option<String>,
    /// Who triggered it.
    pub actor: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub run_started_at: DateTime<Utc>,
}

/// The repository's one ruleset, as far as the sandbox models rulesets
/// (classic branch protection is `Repo::protection`, apart, as on GitHub).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ruleset {
    /// Its id, once a rule was set.
    pub id: Option<u64>,
    /// Branches whose changes must go through the merge queue.
    pub merge_queue: BTreeSet<String>,
    /// Branches with a `required_status_checks` rule; a strict one ("require
    /// branches to be up to date") makes merging a `behind` PR answer 405.
    pub required_checks: BTreeMap<String, RequiredChecks>,
}

impl Ruleset {
    /// Whether merging into `branch` goes through the merge queue.
    pub fn requires_queue(&self, branch: &str) -> bool {
        self.merge_queue.contains(branch)
    }

    /// Whether a PR must be up to date with `branch` to merge.
    pub fn strict(&self, branch: &str) -> bool {
        self.required_checks.get(branch).is_some_and(|c| c.strict)
    }
}

/// The merge queue's entries and its bookkeeping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeQueue {
    /// Entries of every branch's queue, in the order they were enqueued.
    pub entries: Vec<QueueEntry>,
    /// Pull requests whose merge-group CI fails (a test's kick-out).
    pub failing: BTreeSet<u64>,
    /// Base branches whose queue is being worked through right now.
    pub(crate) working: BTreeSet<String>,
}

/// One pull request waiting in a merge queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueEntry {
    pub id: u64,
    pub pr: u64,
    pub base_ref: String,
    /// Who enqueued it: the merge is recorded as theirs.
    pub enqueuer: String,
    /// The PR's head when it was enqueued.
    pub head_sha: String,
    /// GitHub's `MergeQueueEntryState`: QUEUED, AWAITING_CHECKS, MERGEABLE, UNMERGEABLE, LOCKED.
    pub state: String,
    pub enqueued_at: DateTime<Utc>,
    /// The merge-group commit the queue built and runs CI on, and its
    /// `gh-readonly-queue/{base}/pr-{n}-{base_sha}` branch.
    pub group_sha: Option<String>,
    pub group_branch: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStatus {
    pub id: u64,
    pub sha: String,
    pub context: String,
    /// error, failure, pending, success.
    pub state: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Now, to the second (GitHub's timestamps carry no fraction).
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(number: u64, milestone: Option<u64>, state: ItemState) -> Item {
        Item {
            id: number,
            number,
            title: format!("t{number}"),
            body: None,
            labels: vec![],
            state,
            milestone,
            author: "a".into(),
            created_at: now(),
            updated_at: now(),
            closed_at: None,
            closed_by: None,
            blocked_by: vec![],
            pull: None,
        }
    }

    #[test]
    fn numbers_continue_after_the_highest_item() {
        let mut repo = Repo::new(RepoSlug::new("o", "r"), 1, "main");
        assert_eq!(repo.next_number(), 1);
        repo.items.insert(7, item(7, None, ItemState::Open));
        assert_eq!(repo.next_number(), 8);
    }

    #[test]
    fn milestone_counts_split_open_and_closed() {
        let mut repo = Repo::new(RepoSlug::new("o", "r"), 1, "main");
        repo.items.insert(1, item(1, Some(1), ItemState::Open));
        repo.items.insert(2, item(2, Some(1), ItemState::Closed));
        repo.items.insert(3, item(3, Some(1), ItemState::Open));
        repo.items.insert(4, item(4, Some(2), ItemState::Open));
        assert_eq!(repo.milestone_counts(1), (2, 1));
        assert_eq!(repo.milestone_counts(9), (0, 0));
    }

    #[test]
    fn repos_are_found_case_insensitively() {
        let mut world = World::default();
        let id = world.ids.next();
        world
            .repos
            .push(Repo::new(RepoSlug::new("Acme", "Widgets"), id, "main"));
        assert!(world.repo(&RepoSlug::new("acme", "widgets")).is_some());
        assert!(world.repo(&RepoSlug::new("acme", "gadgets")).is_none());
        let (_, ids) = world.repo_mut(&RepoSlug::new("ACME", "widgets")).unwrap();
        assert_ne!(ids.next(), id);
    }
}
