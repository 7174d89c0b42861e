//! The sandbox's world as plain data: repositories with their milestones,
//! issues and pull requests (one numbering), comments, reviews, check runs and
//! statuses. Routes and builders read and change it under one lock.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::types::RepoSlug;
use crate::types::{Association, BranchProtection, ItemState, RepoPermissions};

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
