//! `RepoHandle`: builds one sandbox repository for a test or the demo, and
//! reads back what the program did to it (PRs, comments, merges, deletions).

use crate::types::{Association, BranchProtection, ItemState, RepoPermissions};
use crate::types::{IssueNumber, PrNumber, RepoSlug};

use super::git::GitDir;
use super::model::{
    CheckRun, CommitStatus, IssueComment, Item, Milestone, Repo, Review, ReviewComment, now,
};
use super::sim::{CiScript, CodeRabbitScript};
use super::specs::{IssueSpec, PullSpec, ReviewCommentSpec, ReviewSpec};
use super::state::SandboxState;

/// One repository of a sandbox. Builder calls panic on a setup mistake
/// (an unknown issue number, a git failure): they are for tests and the demo.
#[derive(Clone)]
pub struct RepoHandle {
    state: SandboxState,
    slug: RepoSlug,
}

impl RepoHandle {
    pub(crate) fn new(state: SandboxState, slug: RepoSlug) -> Self {
        Self { state, slug }
    }

    pub fn slug(&self) -> &RepoSlug {
        &self.slug
    }

    pub(crate) fn state(&self) -> &SandboxState {
        &self.state
    }

    pub(crate) fn edit<R>(
        &self,
        f: impl FnOnce(&mut Repo, &mut super::model::Ids, &str) -> R,
    ) -> R {
        self.state.write(|w| {
            let viewer = w.viewer.clone();
            let (repo, ids) = w.repo_mut(&self.slug).expect("sandbox repo exists");
            f(repo, ids, &viewer)
        })
    }

    pub(crate) fn view<R>(&self, f: impl FnOnce(&Repo) -> R) -> R {
        self.state
            .read(|w| f(w.repo(&self.slug).expect("sandbox repo exists")))
    }

    pub(crate) fn git(&self) -> Option<GitDir> {
        self.view(|r| r.git_dir.clone()).map(GitDir::new)
    }

    /// Whether `issues/{n}/dependencies/blocked_by` answers (false: 404, like an older GHES).
    pub fn set_dependencies_api(&self, enabled: bool) {
        self.edit(|r, _, _| r.dependencies_api = enabled);
    }

    /// Branch protection "require up to date" on the default branch: a
    /// `behind` PR cannot be merged into it. Keeps the rest of the branch's
    /// protection; turning it on protects an unprotected branch, turning it
    /// off protects nothing.
    pub fn set_require_up_to_date(&self, required: bool) {
        self.edit(|r, _, _| {
            let branch = r.default_branch.clone();
            match r.protection.get_mut(&branch) {
                Some(p) => match p.required_checks.as_mut() {
                    Some(checks) => checks.strict = required,
                    None if required => *p = BranchProtection::requiring(&[], true),
                    None => {}
                },
                None if required => {
                    let strict = BranchProtection::requiring(&[], true);
                    r.protection.insert(branch, strict);
                }
                None => {}
            }
        });
    }

    /// Protects `branch` (replacing any protection it had).
    pub fn protect_branch(&self, branch: &str, protection: BranchProtection) {
        self.edit(|r, _, _| r.protection.insert(branch.to_string(), protection));
    }

    /// Removes `branch`'s protection: reading it answers 404 "Branch not protected".
    pub fn unprotect_branch(&self, branch: &str) {
        self.edit(|r, _, _| r.protection.remove(branch));
    }

    /// How `branch` is protected now.
    pub fn protection(&self, branch: &str) -> Option<BranchProtection> {
        self.view(|r| r.protection.get(branch).cloned())
    }

    /// The viewer's role on this repository: `GET /repos/{o}/{r}` reports it
    /// as `permissions`, and without `admin` reading branch protection answers 403.
    pub fn set_permissions(&self, permissions: RepoPermissions) {
        self.edit(|r, _, _| r.permissions = permissions);
    }

    pub fn add_milestone(&self, title: &str, state: ItemState) -> u64 {
        self.edit(|r, ids, _| {
            let number = r.milestones.iter().map(|m| m.number).max().unwrap_or(0) + 1;
            let id = ids.next();
            let title = title.to_string();
            r.milestones.push(Milestone {
                id,
                number,
                title,
                description: None,
                state,
                created_at: now(),
            });
            number
        })
    }

    pub fn add_issue(&self, spec: IssueSpec) -> IssueNumber {
        IssueNumber(self.edit(|r, ids, viewer| r.insert_issue(ids, spec, viewer)))
    }

    /// Records that `issue` is blocked by issue `blocker` of `blocker_repo`.
    pub fn add_blocked_by(
        &self,
        issue: IssueNumber,
        blocker_repo: &RepoSlug,
        blocker: IssueNumber,
    ) {
        self.edit(|r, _, _| {
            let item = r.items.get_mut(&issue.0).expect("blocked issue exists");
            item.blocked_by.push((blocker_repo.clone(), blocker.0));
        });
    }

    /// Sets a branch head of a repo without git backing.
    pub fn set_branch(&self, branch: &str, sha: &str) {
        self.edit(|r, _, _| r.branches.insert(branch.to_string(), sha.to_string()));
    }

    /// The head of a branch (read from the bare repository when git-backed).
    pub fn branch(&self, branch: &str) -> Option<String> {
        match self.git() {
            Some(git) => git.branch_head(branch).expect("git reads the bare repo"),
            None => self.view(|r| r.branches.get(branch).cloned()),
        }
    }

    /// Adds an open PR. With git backing the head is read from the branch;
    /// without, `spec.head_sha` (or a made-up SHA) also becomes the branch head.
    pub fn add_pull(&self, spec: PullSpec) -> PrNumber {
        let git = self.git();
        let in_memory = git.is_none();
        let head_sha = match git {
            Some(git) => git
                .branch_head(&spec.head)
                .expect("git reads the bare repo")
                .expect("head branch exists"),
            None => spec
                .head_sha
                .clone()
                .unwrap_or_else(|| fake_sha(&spec.head)),
        };
        let number = self.edit(|r, ids, viewer| {
            if in_memory {
                r.branches.insert(spec.head.clone(), head_sha.clone());
            }
            r.insert_pull(ids, spec, head_sha, viewer)
        });
        PrNumber(number)
    }

    /// Moves a PR's head (and its branch) in a repo without git backing, as a push would.
    pub fn push_pull_head(&self, pr: PrNumber, sha: &str) {
        self.edit(|r, _, _| {
            let item = r.items.get_mut(&pr.0).expect("pull exists");
            let pull = item.pull.as_mut().expect("item is a pull request");
            pull.head_sha = sha.to_string();
            let branch = pull.head_ref.clone();
            r.branches.insert(branch, sha.to_string());
        });
    }

    /// Fixes `mergeable_state` for a PR of a repo without git backing (`None`: `clean`).
    pub fn set_mergeable_state(&self, pr: PrNumber, state: Option<&str>) {
        self.edit(|r, _, _| {
            let pull = r
                .items
                .get_mut(&pr.0)
                .and_then(|i| i.pull.as_mut())
                .expect("pull exists");
            pull.mergeable_state = state.map(str::to_string);
        });
    }

    /// How `login` is related to the repository from now on: GitHub's
    /// `author_association` on everything they wrote (e.g. `Collaborator`
    /// for someone with write access, `FirstTimeContributor` for a stranger).
    /// Unset, anyone but the owner and the viewer is `NONE`.
    pub fn set_association(&self, login: &str, association: Association) {
        self.edit(|r, _, _| {
            r.associations
                .insert(login.to_ascii_lowercase(), association)
        });
    }

    /// An inline comment someone leaves on the next pull request opened
    /// through the API, at its head, the moment it opens: a reviewer who is
    /// there before the program looks, with no race against it.
    pub fn comment_on_next_pull(&self, spec: ReviewCommentSpec) {
        self.edit(|r, _, _| r.comments_on_open.push(spec));
    }

    pub fn add_issue_comment(&self, number: u64, author: &str, body: &str) -> u64 {
        self.edit(|r, ids, _| r.insert_issue_comment(ids, number, author, body))
    }

    pub fn add_review(&self, pr: PrNumber, spec: ReviewSpec) -> u64 {
        self.edit(|r, ids, _| {
            let head = pull_head(r, pr);
            r.insert_review(ids, pr.0, spec, &head)
        })
    }

    pub fn add_review_comment(&self, pr: PrNumber, spec: ReviewCommentSpec) -> u64 {
        self.edit(|r, ids, _| {
            let head = pull_head(r, pr);
            r.insert_review_comment(ids, pr.0, spec, &head)
        })
    }

    pub fn add_check_run(
        &self,
        sha: &str,
        name: &str,
        status: &str,
        conclusion: Option<&str>,
    ) -> u64 {
        self.edit(|r, ids, _| r.insert_check_run(ids, sha, name, status, conclusion))
    }

    /// Moves a check run along.
    pub fn update_check_run(&self, id: u64, status: &str, conclusion: Option<&str>) {
        assert!(
            self.edit(|r, _, _| r.update_check_run(id, status, conclusion)),
            "check run {id} exists"
        );
    }

    pub fn add_status(
        &self,
        sha: &str,
        context: &str,
        state: &str,
        description: Option<&str>,
    ) -> u64 {
        self.edit(|r, ids, _| r.insert_status(ids, sha, context, state, description))
    }

    pub fn set_ci(&self, script: Option<CiScript>) {
        self.edit(|r, _, _| r.ci = script);
    }

    pub fn set_coderabbit(&self, script: Option<CodeRabbitScript>) {
        self.edit(|r, _, _| r.coderabbit = script);
    }

    pub fn issue(&self, number: u64) -> Option<Item> {
        self.view(|r| r.items.get(&number).cloned())
    }

    /// Every pull request, in number order.
    pub fn pulls(&self) -> Vec<Item> {
        self.view(|r| {
            r.items
                .values()
                .filter(|i| i.pull.is_some())
                .cloned()
                .collect()
        })
    }

    pub fn issue_comments(&self, number: u64) -> Vec<IssueComment> {
        self.view(|r| {
            r.issue_comments
                .iter()
                .filter(|c| c.issue == number)
                .cloned()
                .collect()
        })
    }

    pub fn reviews(&self, pr: PrNumber) -> Vec<Review> {
        self.view(|r| r.reviews.iter().filter(|c| c.pr == pr.0).cloned().collect())
    }

    pub fn review_comments(&self, pr: PrNumber) -> Vec<ReviewComment> {
        self.view(|r| {
            r.review_comments
                .iter()
                .filter(|c| c.pr == pr.0)
                .cloned()
                .collect()
        })
    }

    pub fn check_runs(&self, sha: &str) -> Vec<CheckRun> {
        self.view(|r| {
            r.check_runs
                .iter()
                .filter(|c| c.head_sha == sha)
                .cloned()
                .collect()
        })
    }

    pub fn statuses(&self, sha: &str) -> Vec<CommitStatus> {
        self.view(|r| {
            r.statuses
                .iter()
                .filter(|s| s.sha == sha)
                .cloned()
                .collect()
        })
    }

    /// Branches deleted through the API, in order.
    pub fn deleted_branches(&self) -> Vec<String> {
        self.view(|r| r.deleted_branches.clone())
    }
}

fn pull_head(repo: &Repo, pr: PrNumber) -> String {
    let item = repo
        .pull(pr.0)
        .unwrap_or_else(|| panic!("pull request {pr} exists"));
    item.pull
        .as_ref()
        .map(|p| p.head_sha.clone())
        .unwrap_or_default()
}

/// A stable made-up 40-hex SHA for a name (repos without git backing).
pub fn fake_sha(seed: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut out = String::with_capacity(40);
    for round in 0u8..3 {
        let mut h = std::hash::DefaultHasher::new();
        (seed, round).hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out.truncate(40);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_shas_are_forty_hex_and_stable() {
        let a = fake_sha("feat/x");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, fake_sha("feat/x"));
        assert_ne!(a, fake_sha("feat/y"));
    }

    #[test]
    fn in_memory_pulls_set_their_branch_and_follow_pushes() {
        let state = SandboxState::new();
        let repo = state.add_repo("o/r", "main");
        let pr = repo.add_pull(PullSpec::new("t", "feat/a").head_sha("a".repeat(40)));
        assert_eq!(repo.branch("feat/a"), Some("a".repeat(40)));
        repo.push_pull_head(pr, &"b".repeat(40));
        assert_eq!(repo.branch("feat/a"), Some("b".repeat(40)));
        assert_eq!(
            repo.pulls()[0].pull.as_ref().unwrap().head_sha,
            "b".repeat(40)
        );
    }

    #[test]
    fn milestones_number_from_one() {
        let state = SandboxState::new();
        let repo = state.add_repo("o/r", "main");
        assert_eq!(repo.add_milestone("A", ItemState::Open), 1);
        assert_eq!(repo.add_milestone("B", ItemState::Closed), 2);
    }
}
