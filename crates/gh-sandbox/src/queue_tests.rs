//! End-to-end tests of the merge queue through the API: REST merges refused
//! on a queue-protected base, `enqueuePullRequest` over `POST /graphql`,
//! the queue's CI on the merge group, the squash merge it lands as the
//! enqueuer, kick-outs, and a git-backed queue merging two PRs in order.

use std::time::Duration;

use octocrab::models::pulls::PullRequest;
use serde_json::{Value, json};

use super::sim::CiScript;
use super::specs::PullSpec;
use super::testkit::{GitFixture, TestSandbox};
use crate::RepoHandle;
use crate::types::{ItemState, PrNumber};

const REPO: &str = "/repos/acme/widgets";
const ENQUEUE: &str = "mutation($id: ID!, $oid: GitObjectID) { enqueuePullRequest(input: {pullRequestId: $id, expectedHeadOid: $oid}) { mergeQueueEntry { id state position } } }";
const READ: &str = "query($owner: String!, $name: String!, $number: Int!) { repository(owner: $owner, name: $name) { pullRequest(number: $number) { state merged isInMergeQueue mergeQueueEntry { state position } headRefOid } } }";

/// CI slow enough that a test reads the queue before it moves on.
fn ci(running_for: Duration) -> CiScript {
    CiScript {
        queued_for: Duration::from_millis(10),
        running_for,
        ..CiScript::default()
    }
}

/// An in-memory repository whose `main` requires the queue, with one PR.
fn sandbox() -> (TestSandbox, RepoHandle, PrNumber) {
    let t = TestSandbox::new();
    let repo = t.sandbox.state().add_repo("acme/widgets", "main");
    repo.set_ci(Some(ci(Duration::from_millis(300))));
    repo.enable_merge_queue("main");
    let pr = repo.add_pull(PullSpec::new("Add x", "feat/x").head_sha("a".repeat(40)));
    (t, repo, pr)
}

async fn pull(t: &TestSandbox, n: u64) -> PullRequest {
    let path = format!("{REPO}/pulls/{n}");
    t.client.get(path, None::<&()>).await.unwrap()
}

async fn enqueue(t: &TestSandbox, pr: &PullRequest) -> Value {
    let variables = json!({ "id": pr.node_id, "oid": pr.head.sha });
    let body = json!({ "query": ENQUEUE, "variables": variables });
    let answer = t.raw("POST", "/graphql", Some(body)).await;
    assert_eq!(answer.status, 200);
    answer.json()
}

async fn read(t: &TestSandbox, n: u64) -> Value {
    let variables = json!({ "owner": "acme", "name": "widgets", "number": n });
    let body = json!({ "query": READ, "variables": variables });
    t.raw("POST", "/graphql", Some(body)).await.json()["data"]["repository"]["pullRequest"].clone()
}

async fn settled(t: &TestSandbox, repo: &RepoHandle) {
    let empty = t.sandbox.state().wait_until(Duration::from_secs(10), |_| {
        repo.merge_queue("main").is_empty()
    });
    assert!(empty.await, "the queue empties");
}

#[tokio::test]
async fn a_rest_merge_into_a_queue_protected_base_is_refused() {
    let (t, repo, pr) = sandbox();
    let path = format!("{REPO}/pulls/{}/merge", pr.0);
    let refused = t
        .raw("PUT", &path, Some(json!({"merge_method": "squash"})))
        .await;
    assert_eq!(refused.status, 405);
    let message = refused.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.ends_with("Changes must be made through the merge queue"),
        "{message}"
    );
    assert!(!repo.pulls()[0].pull.as_ref().unwrap().merged);
    repo.disable_merge_queue("main");
    assert_eq!(t.raw("PUT", &path, None).await.status, 200);
}

#[tokio::test]
async fn an_enqueued_pr_is_squash_merged_by_the_enqueuer_after_its_group_passes() {
    let (t, repo, pr) = sandbox();
    let base = repo.branch("main").unwrap();
    let rest = pull(&t, pr.0).await;
    let answer = enqueue(&t, &rest).await;
    let entry = &answer["data"]["enqueuePullRequest"]["mergeQueueEntry"];
    assert_eq!(
        (entry["state"].as_str(), entry["position"].as_u64()),
        (Some("QUEUED"), Some(1))
    );
    assert!(entry["id"].is_string());
    let waiting = read(&t, pr.0).await;
    assert_eq!(waiting["isInMergeQueue"], true, "{waiting}");
    assert_eq!(waiting["mergeQueueEntry"]["position"], 1);
    assert_eq!(waiting["headRefOid"], "a".repeat(40));
    settled(&t, &repo).await;

    let merged = pull(&t, pr.0).await;
    assert_eq!(merged.merged, Some(true));
    assert_eq!(
        merged.merged_by.map(|u| u.login).as_deref(),
        Some("octocat")
    );
    let merge_sha = merged.merge_commit_sha.unwrap();
    assert_eq!(
        repo.branch("main"),
        Some(merge_sha.clone()),
        "the base moved"
    );
    assert_eq!(
        merge_sha,
        crate::merging::made_up(pr.0, &base),
        "as a REST merge writes it"
    );
    let group = format!("gh-readonly-queue/main/pr-{}-{base}", pr.0);
    assert_eq!(repo.branch(&group), None, "the group branch is gone");
    let runs = repo.workflow_runs(&merge_sha);
    assert_eq!(
        (runs[0].event.as_str(), runs[0].head_branch.as_str()),
        ("merge_group", group.as_str())
    );
    assert_eq!(
        repo.check_runs(&merge_sha)[0].conclusion.as_deref(),
        Some("success")
    );
    let after = read(&t, pr.0).await;
    assert_eq!(
        after,
        json!({ "state": "MERGED", "merged": true, "isInMergeQueue": false,
                "mergeQueueEntry": null, "headRefOid": "a".repeat(40) })
    );
}

#[tokio::test]
async fn a_pr_failing_in_the_queue_is_kicked_out_and_stays_open() {
    let (t, repo, pr) = sandbox();
    let base = repo.branch("main");
    repo.fail_in_queue(pr);
    enqueue(&t, &pull(&t, pr.0).await).await;
    settled(&t, &repo).await;
    let kicked = pull(&t, pr.0).await;
    assert_eq!(
        (kicked.merged, kicked.merge_commit_sha),
        (Some(false), None)
    );
    assert_eq!(repo.issue(pr.0).unwrap().state, ItemState::Open);
    assert_eq!(repo.branch("main"), base, "the base did not move");
    let after = read(&t, pr.0).await;
    assert_eq!(
        (after["state"].as_str(), after["isInMergeQueue"].as_bool()),
        (Some("OPEN"), Some(false))
    );
    let group = crate::merging::made_up(pr.0, base.as_deref().unwrap());
    assert_eq!(
        repo.check_runs(&group)[0].conclusion.as_deref(),
        Some("failure")
    );

    repo.pass_in_queue(pr);
    enqueue(&t, &pull(&t, pr.0).await).await;
    settled(&t, &repo).await;
    assert_eq!(
        pull(&t, pr.0).await.merged,
        Some(true),
        "enqueued again, it merges"
    );
}

#[tokio::test]
async fn a_git_backed_queue_merges_in_order_and_kicks_out_a_broken_pr() {
    let t = TestSandbox::new();
    let git = GitFixture::new();
    let repo = t
        .sandbox
        .state()
        .add_git_repo("acme/widgets", "main", &git.bare);
    repo.set_ci(Some(ci(Duration::from_secs(1))));
    repo.enable_merge_queue("main");
    for (branch, file, text) in [
        ("feat/a", "a.rs", "pub fn a() {}\n"),
        ("feat/b", "b.rs", "pub fn b() {}\n"),
        ("feat/c", "c.rs", "// CI_FAIL\n"),
    ] {
        git.branch(branch, "main");
        git.commit(file, text, branch);
        git.push(branch);
        repo.add_pull(PullSpec::new(format!("Add {file}"), branch));
    }
    for n in 1..=3 {
        let answer = enqueue(&t, &pull(&t, n).await).await;
        assert_eq!(
            answer["data"]["enqueuePullRequest"]["mergeQueueEntry"]["position"],
            n
        );
    }
    settled(&t, &repo).await;
    let (first, second) = (pull(&t, 1).await, pull(&t, 2).await);
    let first_sha = first.merge_commit_sha.unwrap();
    let second_sha = second.merge_commit_sha.unwrap();
    assert_eq!(repo.branch("main"), Some(second_sha.clone()));
    assert_eq!(
        git.bare_git(&["rev-parse", &format!("{second_sha}^")]),
        first_sha,
        "built on the first"
    );
    assert_eq!(
        git.bare_git(&["log", "-1", "--format=%s", &first_sha]),
        "Add a.rs (#1)"
    );
    assert_eq!(
        git.bare_git(&["ls-tree", "--name-only", "main"]),
        "README.md\na.rs\nb.rs"
    );
    assert_eq!(
        pull(&t, 3).await.merged,
        Some(false),
        "CI_FAIL fails its group"
    );
    let branches = git.bare_git(&["branch", "--list", "gh-readonly-queue/*"]);
    assert!(branches.is_empty(), "{branches}");
}
