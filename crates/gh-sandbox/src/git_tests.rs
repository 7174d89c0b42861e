//! End-to-end tests of a git-backed sandbox repository: real pushes, PR
//! heads that follow them, computed mergeability, real update-branch and
//! squash-merge commits, branch deletion, and the CI and CodeRabbit scripts
//! reading real commits.

use std::time::Duration;

use octocrab::models::pulls::{Merge, MergeableState, PullRequest};
use serde_json::json;

use super::sim::{CiScript, CodeRabbitScript};
use super::specs::IssueSpec;
use super::testkit::{GitFixture, TestSandbox};
use crate::types::ItemState;
use crate::types::PrNumber;

const REPO: &str = "/repos/acme/widgets";

fn setup() -> (TestSandbox, GitFixture) {
    let t = TestSandbox::new();
    let git = GitFixture::new();
    t.sandbox
        .state()
        .add_git_repo("acme/widgets", "main", &git.bare);
    (t, git)
}

async fn open_pr(t: &TestSandbox, head: &str, body: &str) -> PullRequest {
    let request = json!({"title": "Add widget", "head": head, "base": "main", "body": body});
    let created = t.raw("POST", &format!("{REPO}/pulls"), Some(request)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    serde_json::from_str(&created.body).unwrap()
}

async fn pull(t: &TestSandbox, n: u64) -> PullRequest {
    t.client
        .get(format!("{REPO}/pulls/{n}"), None::<&()>)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_pushed_branch_becomes_a_pr_that_squash_merges_into_one_commit() {
    let (t, git) = setup();
    let repo = t.sandbox.repo("acme/widgets").unwrap();
    repo.add_issue(IssueSpec::new("Add widget"));
    let old_main = git.git(&["rev-parse", "main"]);
    git.branch("feat/issue-1-add-widget", "main");
    git.commit("src/widget.rs", "pub fn widget() {}\n", "widget: first");
    let first = git.commit("src/gear.rs", "pub fn gear() {}\n", "gear");
    git.push("feat/issue-1-add-widget");

    let pr = open_pr(&t, "feat/issue-1-add-widget", "Adds it.\n\nCloses #1").await;
    assert_eq!((pr.number, pr.head.sha.as_str()), (2, first.as_str()));
    assert_eq!(
        pull(&t, 2).await.mergeable_state,
        Some(MergeableState::Clean)
    );

    let pushed = git.commit(
        "src/widget.rs",
        "pub fn widget() -> u8 { 1 }\n",
        "widget: second",
    );
    git.push("feat/issue-1-add-widget");
    assert_eq!(
        pull(&t, 2).await.head.sha,
        pushed,
        "the PR head follows the push"
    );

    let stale = t
        .raw(
            "PUT",
            &format!("{REPO}/pulls/2/merge"),
            Some(json!({"sha": first, "merge_method": "squash"})),
        )
        .await;
    assert_eq!(stale.status, 409);

    let body = json!({"sha": pushed, "merge_method": "squash"});
    let merged = t
        .raw("PUT", &format!("{REPO}/pulls/2/merge"), Some(body))
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    let answer: Merge = serde_json::from_str(&merged.body).unwrap();
    let new_main = git.bare_git(&["rev-parse", "main"]);
    assert_eq!(answer.sha.as_deref(), Some(new_main.as_str()));
    assert_eq!(
        git.bare_git(&["rev-list", "--count", &format!("{old_main}..main")]),
        "1"
    );
    assert_eq!(git.bare_git(&["rev-parse", "main^"]), old_main);
    assert_eq!(
        git.bare_git(&["log", "-1", "--format=%s", "main"]),
        "Add widget (#2)"
    );
    assert_eq!(
        git.bare_git(&["show", "main:src/widget.rs"]),
        "pub fn widget() -> u8 { 1 }"
    );
    assert_eq!(
        git.bare_git(&["show", "main:src/gear.rs"]),
        "pub fn gear() {}"
    );
    assert_eq!(pull(&t, 2).await.merged, Some(true));
    assert_eq!(repo.issue(1).unwrap().state, ItemState::Closed);

    let path = format!("{REPO}/git/refs/heads/feat/issue-1-add-widget");
    assert_eq!(t.raw("DELETE", &path, None).await.status, 204);
    assert!(
        git.bare_git(&["branch", "--list", "feat/issue-1-add-widget"])
            .is_empty()
    );
    assert_eq!(t.raw("DELETE", &path, None).await.status, 422);
    assert_eq!(repo.deleted_branches(), ["feat/issue-1-add-widget"]);
}

#[tokio::test]
async fn a_pr_behind_its_base_is_updated_with_a_real_merge_commit() {
    let (t, git) = setup();
    git.branch("feat/a", "main");
    let head = git.commit("a.txt", "a\n", "a");
    git.push("feat/a");
    open_pr(&t, "feat/a", "").await;
    git.branch("main", "main");
    let base = git.commit("b.txt", "b\n", "b on main");
    git.push("main");
    assert_eq!(
        pull(&t, 1).await.mergeable_state,
        Some(MergeableState::Behind)
    );

    let path = format!("{REPO}/pulls/1/update-branch");
    let stale = t
        .raw("PUT", &path, Some(json!({"expected_head_sha": base})))
        .await;
    assert_eq!(stale.status, 422);
    let accepted = t
        .raw("PUT", &path, Some(json!({"expected_head_sha": head})))
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.body);

    let updated = git.bare_git(&["rev-parse", "feat/a"]);
    assert_eq!(git.bare_git(&["rev-parse", "feat/a^1"]), head);
    assert_eq!(git.bare_git(&["rev-parse", "feat/a^2"]), base);
    let pr = pull(&t, 1).await;
    assert_eq!(
        (pr.head.sha, pr.mergeable_state),
        (updated, Some(MergeableState::Clean))
    );
}

#[tokio::test]
async fn conflicting_changes_make_a_dirty_pr_that_cannot_merge_or_update() {
    let (t, git) = setup();
    git.branch("feat/c", "main");
    git.commit("README.md", "# from the branch\n", "branch edit");
    git.push("feat/c");
    open_pr(&t, "feat/c", "").await;
    git.branch("main", "main");
    git.commit("README.md", "# from main\n", "main edit");
    git.push("main");

    assert_eq!(
        pull(&t, 1).await.mergeable_state,
        Some(MergeableState::Dirty)
    );
    let main_before = git.bare_git(&["rev-parse", "main"]);
    let refused = t
        .raw(
            "PUT",
            &format!("{REPO}/pulls/1/merge"),
            Some(json!({"merge_method": "squash"})),
        )
        .await;
    assert_eq!(refused.status, 405);
    assert_eq!(git.bare_git(&["rev-parse", "main"]), main_before);
    let update = t
        .raw(
            "PUT",
            &format!("{REPO}/pulls/1/update-branch"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (update.status, update.json()["message"].as_str()),
        (422, Some("merge conflict between base and head"))
    );
}

#[tokio::test]
async fn a_branch_without_new_commits_cannot_be_opened() {
    let (t, git) = setup();
    git.branch("feat/empty", "main");
    git.push("feat/empty");
    let request = json!({"title": "t", "head": "feat/empty", "base": "main"});
    let refused = t.raw("POST", &format!("{REPO}/pulls"), Some(request)).await;
    assert_eq!(
        refused.json()["errors"][0]["message"],
        "No commits between main and feat/empty"
    );
}

#[tokio::test]
async fn the_ci_script_fails_a_commit_whose_tree_carries_the_marker() {
    let (t, git) = setup();
    let repo = t.sandbox.repo("acme/widgets").unwrap();
    let fast = CiScript {
        queued_for: Duration::ZERO,
        running_for: Duration::ZERO,
        ..CiScript::default()
    };
    repo.set_ci(Some(fast));
    git.branch("feat/good", "main");
    let good = git.commit("ok.rs", "fn ok() {}\n", "good");
    git.branch("feat/bad", "main");
    let bad = git.commit("bad.rs", "// CI_FAIL here\n", "bad");
    git.push("feat/good");
    git.push("feat/bad");
    for branch in ["feat%2Fgood", "feat%2Fbad"] {
        let first = t
            .raw("GET", &format!("{REPO}/commits/{branch}/check-runs"), None)
            .await;
        assert_eq!(first.json()["check_runs"][0]["status"], "queued");
    }
    let state = t.sandbox.state();
    let finished = |sha: &str| {
        repo.check_runs(sha)
            .first()
            .is_some_and(|r| r.conclusion.is_some())
    };
    assert!(
        state
            .wait_until(Duration::from_secs(10), |_| finished(&good)
                && finished(&bad))
            .await
    );
    let conclusion = |sha: &str| repo.check_runs(sha)[0].conclusion.clone();
    assert_eq!(
        (conclusion(&good).as_deref(), conclusion(&bad).as_deref()),
        (Some("success"), Some("failure"))
    );
    let combined = t
        .raw("GET", &format!("{REPO}/commits/{bad}/status"), None)
        .await;
    assert_eq!(combined.json()["state"], "failure");
}

/// A flaky commit (one whose diff adds `CI_FLAKY`) fails its first attempt
/// and passes when its failed jobs are re-run; once merged, the marker on
/// `main` makes later commits flaky no more, as only a commit's own diff counts.
#[tokio::test]
async fn a_flaky_commit_fails_once_and_its_rerun_passes() {
    let (t, git) = setup();
    let repo = t.sandbox.repo("acme/widgets").unwrap();
    let fast = CiScript {
        queued_for: Duration::ZERO,
        running_for: Duration::ZERO,
        ..CiScript::default()
    };
    repo.set_ci(Some(fast));
    git.branch("feat/flaky", "main");
    let flaky = git.commit("flaky.rs", "// CI_FLAKY sometimes\n", "flaky");
    git.push("feat/flaky");
    git.bare_git(&["update-ref", "refs/heads/main", &flaky]);
    git.branch("feat/after", &flaky);
    let after = git.commit("after.rs", "fn after() {}\n", "after");
    git.push("feat/after");
    let state = t.sandbox.state();
    let done = |sha: &str| {
        repo.workflow_runs(sha)
            .iter()
            .all(|r| r.status == "completed")
    };
    for sha in [&flaky, &after] {
        t.raw("GET", &format!("{REPO}/commits/{sha}/check-runs"), None)
            .await;
    }
    let settle = state.wait_until(Duration::from_secs(10), |_| done(&flaky) && done(&after));
    assert!(settle.await);
    let conclusion = |sha: &str| repo.workflow_runs(sha)[0].conclusion.clone();
    assert_eq!(
        conclusion(&after).as_deref(),
        Some("success"),
        "main's marker is not after's"
    );
    // The flaky commit is main's head now: it is judged against itself, so it passes.
    assert_eq!(conclusion(&flaky).as_deref(), Some("success"));

    git.branch("feat/flaky2", "main");
    let flaky2 = git.commit("flaky2.rs", "// CI_FLAKY too\n", "flaky again");
    git.push("feat/flaky2");
    t.raw("GET", &format!("{REPO}/commits/{flaky2}/check-runs"), None)
        .await;
    assert!(
        state
            .wait_until(Duration::from_secs(10), |_| done(&flaky2))
            .await
    );
    let run = repo.workflow_runs(&flaky2)[0].clone();
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    let path = format!("{REPO}/actions/runs/{}/rerun-failed-jobs", run.id);
    assert_eq!(t.raw("POST", &path, None).await.status, 201);
    let rerun = |_: &crate::SandboxState| {
        repo.workflow_run(run.id).unwrap().run_attempt == 2 && done(&flaky2)
    };
    assert!(state.wait_until(Duration::from_secs(10), rerun).await);
    assert_eq!(conclusion(&flaky2).as_deref(), Some("success"));
}

#[tokio::test]
async fn coderabbit_reviews_the_real_diff_on_open_and_on_request() {
    let (t, git) = setup();
    let repo = t.sandbox.repo("acme/widgets").unwrap();
    let script = CodeRabbitScript {
        delay: Duration::from_millis(5),
        ..CodeRabbitScript::default()
    };
    repo.set_coderabbit(Some(script));
    git.branch("feat/r", "main");
    let content = "fn a() {}\nlet x = v[9]; // BUG: index may be out of bounds\nlet y = 1; // NIT: name y better\n";
    let first = git.commit("src/r.rs", content, "r");
    git.push("feat/r");
    open_pr(&t, "feat/r", "").await;
    let state = t.sandbox.state();
    assert!(
        state
            .wait_until(Duration::from_secs(10), |_| repo.reviews(PrNumber(1)).len()
                == 1)
            .await
    );
    let review = &repo.reviews(PrNumber(1))[0];
    assert_eq!(review.commit_id, first);
    assert!(
        review
            .body
            .contains("<summary>🧹 Nitpick comments (1)</summary>")
    );
    let inline = repo.review_comments(PrNumber(1));
    assert_eq!(
        (inline[0].path.as_str(), inline[0].line),
        ("src/r.rs", Some(2))
    );
    assert!(inline[0].body.contains("**index may be out of bounds**"));

    let fixed = git.commit("src/r.rs", "fn a() {}\n", "fix");
    git.push("feat/r");
    let ask = t
        .raw(
            "POST",
            &format!("{REPO}/issues/1/comments"),
            Some(json!({"body": "@coderabbitai review"})),
        )
        .await;
    assert_eq!(ask.status, 201);
    assert!(
        state
            .wait_until(Duration::from_secs(10), |_| repo.reviews(PrNumber(1)).len()
                == 2)
            .await
    );
    let second = &repo.reviews(PrNumber(1))[1];
    assert_eq!(second.commit_id, fixed);
    assert!(second.body.starts_with("**Actionable comments posted: 0**"));
}
