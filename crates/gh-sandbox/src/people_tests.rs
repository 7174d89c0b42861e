//! People acting on pull requests through the test handle, in memory and on
//! a git-backed repository, and what the API then says about it.

use std::panic::AssertUnwindSafe;

use octocrab::models::issues::Issue;
use octocrab::models::pulls::PullRequest;

use crate::specs::{CommitSpec, IssueSpec, PullSpec};
use crate::testkit::{GitFixture, TestSandbox};
use crate::types::{IssueNumber, ItemState, PrNumber};
use crate::{RepoHandle, SandboxState};

const REPO: &str = "/repos/acme/widgets";

/// An in-memory repository with issue #1 and PR #2 (`Closes #1`).
fn in_memory() -> (TestSandbox, RepoHandle, PrNumber) {
    let t = TestSandbox::new();
    let repo = t.sandbox.state().add_repo("acme/widgets", "main");
    repo.add_issue(IssueSpec::new("Add x"));
    let pr = repo.add_pull(PullSpec::new("Add x", "feat/issue-1-x").body("Closes #1"));
    (t, repo, pr)
}

/// A git-backed repository whose PR #1 adds `x.rs` on `feat/issue-9-x`.
fn git_backed() -> (GitFixture, RepoHandle, PrNumber) {
    let git = GitFixture::new();
    let state = SandboxState::new();
    let repo = state.add_git_repo("acme/widgets", "main", &git.bare);
    git.branch("feat/issue-9-x", "main");
    git.commit("x.rs", "fn x() {}\n", "x");
    git.push("feat/issue-9-x");
    let pr = repo.add_pull(PullSpec::new("Add x", "feat/issue-9-x"));
    (git, repo, pr)
}

async fn pull(t: &TestSandbox, pr: PrNumber) -> PullRequest {
    let path = format!("{REPO}/pulls/{}", pr.0);
    t.client.get(path, None::<&()>).await.unwrap()
}

async fn issue(t: &TestSandbox, n: u64) -> Issue {
    let path = format!("{REPO}/issues/{n}");
    t.client.get(path, None::<&()>).await.unwrap()
}

#[tokio::test]
async fn a_merge_as_someone_says_who_merged_and_closed() {
    let (t, repo, pr) = in_memory();
    let merged = repo.merge_pull_as(pr, "alice");
    assert_eq!(repo.branch("main"), Some(merged.clone()));
    let answer = pull(&t, pr).await;
    assert_eq!(answer.merged, Some(true));
    assert_eq!(answer.merge_commit_sha, Some(merged));
    assert_eq!(answer.merged_by.map(|u| u.login).as_deref(), Some("alice"));
    assert!(answer.merged_at.is_some());
    for n in [pr.0, 1] {
        let closed = issue(&t, n).await;
        assert_eq!(
            closed.closed_by.map(|u| u.login).as_deref(),
            Some("alice"),
            "#{n}"
        );
    }
}

#[test]
fn a_merge_as_someone_on_git_is_a_squash_commit_on_the_base() {
    let (git, repo, pr) = git_backed();
    let old_main = git.bare_git(&["rev-parse", "main"]);
    let merged = repo.merge_pull_as(pr, "bob");
    assert_eq!(git.bare_git(&["rev-parse", "main"]), merged);
    assert_eq!(
        git.bare_git(&["rev-parse", "main^"]),
        old_main,
        "one parent"
    );
    assert_eq!(
        git.bare_git(&["log", "-1", "--format=%s", "main"]),
        "Add x (#1)"
    );
    assert_eq!(git.bare_git(&["show", "main:x.rs"]), "fn x() {}");
    let pull = repo.pulls()[0].pull.clone().unwrap();
    assert_eq!(
        (pull.merged_by.as_deref(), pull.merged),
        (Some("bob"), true)
    );
}

#[test]
#[should_panic(expected = "is open")]
fn a_merged_pull_request_cannot_be_merged_again() {
    let state = SandboxState::new();
    let repo = state.add_repo("acme/widgets", "main");
    let pr = repo.add_pull(PullSpec::new("Add x", "feat/x"));
    repo.merge_pull_as(pr, "alice");
    repo.merge_pull_as(pr, "alice");
}

#[tokio::test]
async fn a_closed_pull_request_names_who_closed_it_until_it_is_reopened() {
    let (t, repo, pr) = in_memory();
    repo.close_pull_as(pr, "carol");
    let closed = pull(&t, pr).await;
    assert_eq!(closed.merged, Some(false));
    assert!(closed.closed_at.is_some() && closed.merged_by.is_none());
    let as_issue = issue(&t, pr.0).await;
    assert_eq!(
        as_issue.closed_by.map(|u| u.login).as_deref(),
        Some("carol")
    );
    assert_eq!(
        repo.issue(1).unwrap().state,
        ItemState::Open,
        "closing links nothing"
    );

    repo.reopen_pull(pr);
    let reopened = issue(&t, pr.0).await;
    assert_eq!(reopened.state, octocrab::models::IssueState::Open);
    assert!(reopened.closed_by.is_none() && reopened.closed_at.is_none());
    assert_eq!(pull(&t, pr).await.closed_at, None);
}

#[test]
#[should_panic(expected = "closed and not merged")]
fn a_merged_pull_request_cannot_be_reopened() {
    let state = SandboxState::new();
    let repo = state.add_repo("acme/widgets", "main");
    let pr = repo.add_pull(PullSpec::new("Add x", "feat/x"));
    repo.merge_pull_as(pr, "alice");
    repo.reopen_pull(pr);
}

#[test]
fn issues_close_as_someone_and_reopen() {
    let state = SandboxState::new();
    let repo = state.add_repo("acme/widgets", "main");
    let issue = repo.add_issue(IssueSpec::new("Bug"));
    repo.close_issue_as(issue, "dave");
    let closed = repo.issue(issue.0).unwrap();
    assert_eq!(
        (closed.state, closed.closed_by.as_deref()),
        (ItemState::Closed, Some("dave"))
    );
    repo.reopen_issue(issue);
    let open = repo.issue(issue.0).unwrap();
    assert_eq!(
        (open.state, open.closed_by, open.closed_at),
        (ItemState::Open, None, None)
    );
    let missing = std::panic::catch_unwind(AssertUnwindSafe(|| {
        repo.close_issue_as(IssueNumber(99), "dave")
    }));
    assert!(missing.is_err(), "an unknown issue is a setup mistake");
}

#[tokio::test]
async fn a_push_to_the_head_moves_it_and_adds_its_lines() {
    let (t, repo, pr) = in_memory();
    let old = pull(&t, pr).await.head.sha;
    let commit = CommitSpec::new("tweak").file("src/x.rs", "let a = 1;\nlet b = 2;\n");
    let new = repo.push_to_pull(pr, commit);
    assert_ne!(new, old);
    assert_eq!(repo.branch("feat/issue-1-x"), Some(new.clone()));
    assert_eq!(pull(&t, pr).await.head.sha, new);
    let diff = repo.pulls()[0].pull.clone().unwrap().diff;
    let lines: Vec<(&str, u64)> = diff.iter().map(|l| (l.path.as_str(), l.line)).collect();
    assert_eq!(lines, [("src/x.rs", 1), ("src/x.rs", 2)]);
}

#[test]
fn a_push_to_a_git_backed_head_is_a_real_commit_on_the_old_head() {
    let (git, repo, pr) = git_backed();
    let old = git.bare_git(&["rev-parse", "feat/issue-9-x"]);
    let spec = CommitSpec::new("docs: explain x").file("docs/x.md", "# x\n");
    let new = repo.push_to_pull(pr, spec);
    assert_eq!(git.bare_git(&["rev-parse", "feat/issue-9-x"]), new);
    assert_eq!(git.bare_git(&["rev-parse", &format!("{new}^")]), old);
    assert_eq!(git.bare_git(&["show", &format!("{new}:docs/x.md")]), "# x");
    assert_eq!(
        git.bare_git(&["show", &format!("{new}:x.rs")]),
        "fn x() {}",
        "the rest stays"
    );
    let empty = repo.push_to_pull(pr, CommitSpec::new("empty"));
    assert_eq!(git.bare_git(&["rev-parse", &format!("{empty}^")]), new);
    assert_eq!(repo.pulls()[0].pull.as_ref().unwrap().head_sha, empty);
}

#[tokio::test]
async fn a_pull_request_can_be_pointed_at_another_base() {
    let (t, repo, pr) = in_memory();
    repo.set_branch("release", &"e".repeat(40));
    repo.change_pull_base(pr, "release");
    let moved = pull(&t, pr).await;
    assert_eq!(moved.base.ref_field, "release");
    assert_eq!(moved.base.sha, "e".repeat(40));
    let missing = std::panic::catch_unwind(AssertUnwindSafe(|| repo.change_pull_base(pr, "nope")));
    assert!(missing.is_err(), "the base branch must exist");
}
