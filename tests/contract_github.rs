//! Contract test of the GitHub client: the real `OctoGitHub` against GitHub's
//! own OpenAPI description (npm `@octokit/openapi`, trimmed to the operations
//! we send), served by Prism on loopback. Every `GitHubApi` method is called;
//! each request must be one GitHub documents (Prism flags any other in the
//! `sl-violations` header), must reach the operation we mean (status as
//! documented), and GitHub's own example answer must decode into our types.
//!
//! Each test talks to the one shared Prism through its own recording relay
//! (`support::prism_relay`), which notes every exchange and can add
//! `Prefer: code=N` so Prism answers with that documented status: the client
//! itself has no way to send such a header. Needs `npm ci --prefix tests/peers` (see `.ci/run`).

mod support;

use std::sync::OnceLock;

use auto_milestone::github::auth::Token;
use auto_milestone::github::retry::RetryPolicy;
use auto_milestone::github::{
    Conditional, GitHubApi, GitHubError, MergeOutcome, NewPull, OctoGitHub, UpdateBranchOutcome,
};
use auto_milestone::ids::{BranchName, CommitSha, IssueNumber, PrNumber, RepoSlug};
use serde_json::Value;
use support::peers::Prism;
use support::prism_relay::PrismRelay;

const REPO: &str = "/repos/octocat/hello-world";
const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

/// One Prism for the whole file; it exits with the test process (it watches its stdin).
fn prism() -> &'static Prism {
    static PRISM: OnceLock<Prism> = OnceLock::new();
    PRISM.get_or_init(Prism::start)
}

/// The trimmed description, to compare answers with GitHub's examples.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/peers/github-trimmed.json"
        );
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{path}: {e}; run `npm ci --prefix tests/peers`"));
        serde_json::from_str(&text).expect("the trimmed description is JSON")
    })
}

/// The example Prism answers `method path` with for `status` (its first, `default`).
fn example(path: &str, method: &str, status: &str) -> Value {
    let examples = &spec()["paths"][path][method]["responses"][status]["content"]["application/json"]
        ["examples"];
    let chosen = examples
        .get("default")
        .or_else(|| examples.as_object().and_then(|all| all.values().next()))
        .unwrap_or_else(|| panic!("no example for {method} {path} {status}"));
    match chosen["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            spec()["components"]["examples"][name]["value"].clone()
        }
        None => chosen["value"].clone(),
    }
}

/// A relay of this test's own in front of the shared Prism.
async fn start_relay(prefer: Option<u16>) -> PrismRelay {
    PrismRelay::start(&prism().url(), prefer).await
}

fn client(relay: &PrismRelay) -> OctoGitHub {
    OctoGitHub::new(
        &relay.url(),
        &Token::new("t"),
        RepoSlug::new("octocat", "hello-world"),
        RetryPolicy::default(),
    )
    .expect("a client for the relay")
}

/// The first request carried each of `pairs` in its query (Prism checks
/// their types; which milestone or branch we ask for is ours to check).
#[track_caller]
fn assert_query(relay: &PrismRelay, pairs: &[&str]) {
    let path = relay.exchanges()[0].path.clone();
    let query: Vec<&str> = path
        .split_once('?')
        .map_or("", |(_, q)| q)
        .split('&')
        .collect();
    for pair in pairs {
        assert!(query.contains(pair), "{pair} missing from {path}");
    }
}

fn numbers(items: &Value, field: &str) -> Vec<u64> {
    items
        .as_array()
        .expect("an example list")
        .iter()
        .map(|item| item[field].as_u64().expect("a number"))
        .collect()
}

#[tokio::test]
async fn the_harness_catches_a_request_github_would_refuse() {
    let relay = start_relay(None).await;
    let answer = reqwest::Client::new()
        .put(format!("{}{REPO}/pulls/1347/merge", relay.url()))
        .json(&serde_json::json!({ "merge_method": "fast-forward" }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 422);
    let exchanges = relay.exchanges();
    let violations = exchanges[0].request_violations();
    assert_eq!(violations.len(), 1, "{exchanges:#?}");
    assert_eq!(violations[0]["location"][2], "merge_method");
}

#[tokio::test]
async fn default_branch() {
    let relay = start_relay(None).await;
    let branch = client(&relay).default_branch().await.unwrap();
    let documented = example("/repos/{owner}/{repo}", "get", "200");
    assert_eq!(branch.0, documented["default_branch"].as_str().unwrap());
    relay.assert_calls(&[("GET", REPO, 200)]);
}

#[tokio::test]
async fn repository_access() {
    let relay = start_relay(None).await;
    let access = client(&relay).repository_access().await.unwrap();
    let documented = example("/repos/{owner}/{repo}", "get", "200");
    let perms = &documented["permissions"];
    let got = access.permissions.expect("the example carries permissions");
    assert_eq!(
        (got.admin, got.push, got.pull),
        (
            perms["admin"].as_bool().unwrap(),
            perms["push"].as_bool().unwrap(),
            perms["pull"].as_bool().unwrap()
        )
    );
    assert_eq!(access.private, documented["private"].as_bool().unwrap());
    assert_eq!(
        access.oauth_scopes, None,
        "Prism sends no X-OAuth-Scopes header"
    );
    relay.assert_calls(&[("GET", REPO, 200)]);
}

#[tokio::test]
async fn branch_protection() {
    let path = "/repos/{owner}/{repo}/branches/{branch}/protection";
    let relay = start_relay(None).await;
    let read = client(&relay)
        .branch_protection(&BranchName("main".into()))
        .await
        .unwrap()
        .expect("Prism answers the documented protection");
    let documented = example(path, "get", "200")["required_status_checks"].clone();
    let checks = read.required_checks.expect("the example requires checks");
    let contexts: Vec<&str> = documented["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(checks.contexts, contexts);
    assert_eq!(
        checks.strict,
        documented["strict"].as_bool().unwrap_or(false)
    );
    relay.assert_calls(&[("GET", &format!("{REPO}/branches/main/protection"), 200)]);
}

#[tokio::test]
async fn branch_protection_not_found_is_an_error() {
    // GitHub's documented 404 is the generic "Not Found" (no such branch, or
    // no right to see it); only "Branch not protected" means unprotected.
    let relay = start_relay(Some(404)).await;
    let err = client(&relay)
        .branch_protection(&BranchName("main".into()))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    relay.assert_calls(&[("GET", &format!("{REPO}/branches/main/protection"), 404)]);
}

#[tokio::test]
async fn list_milestones() {
    let relay = start_relay(None).await;
    let milestones = client(&relay).list_milestones().await.unwrap();
    let documented = example("/repos/{owner}/{repo}/milestones", "get", "200");
    let got: Vec<u64> = milestones.iter().map(|m| m.number).collect();
    assert_eq!(got, numbers(&documented, "number"));
    assert_eq!(
        milestones[0].title,
        documented[0]["title"].as_str().unwrap()
    );
    assert_eq!(
        milestones[0].open_issues,
        documented[0]["open_issues"].as_u64().unwrap()
    );
    relay.assert_calls(&[("GET", &format!("{REPO}/milestones"), 200)]);
}

#[tokio::test]
async fn list_milestone_issues_leaves_out_pull_requests() {
    let relay = start_relay(None).await;
    let issues = client(&relay).list_milestone_issues(1).await.unwrap();
    // GitHub's example list holds one item, and it is a pull request, so the
    // whole list decodes and nothing is left: still worth it for the decoding.
    let documented = example("/repos/{owner}/{repo}/issues", "get", "200");
    let plain_issues: Vec<u64> = documented
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i.get("pull_request").is_none())
        .map(|i| i["number"].as_u64().unwrap())
        .collect();
    let got: Vec<u64> = issues.iter().map(|i| i.number.0).collect();
    assert_eq!(got, plain_issues);
    relay.assert_calls(&[("GET", &format!("{REPO}/issues"), 200)]);
    assert_query(&relay, &["milestone=1", "state=all"]);
}

#[tokio::test]
async fn get_issue() {
    let relay = start_relay(None).await;
    let issue = client(&relay).get_issue(IssueNumber(1347)).await.unwrap();
    let documented = example("/repos/{owner}/{repo}/issues/{issue_number}", "get", "200");
    let issue = issue.expect("the documented issue");
    assert_eq!(issue.number.0, documented["number"].as_u64().unwrap());
    assert_eq!(issue.title, documented["title"].as_str().unwrap());
    assert_eq!(
        issue.labels[0],
        documented["labels"][0]["name"].as_str().unwrap()
    );
    relay.assert_calls(&[("GET", &format!("{REPO}/issues/1347"), 200)]);
}

#[tokio::test]
async fn a_missing_or_deleted_issue_is_none() {
    for status in [404, 410] {
        let relay = start_relay(Some(status)).await;
        let issue = client(&relay).get_issue(IssueNumber(1347)).await.unwrap();
        assert_eq!(issue, None, "{status}");
        relay.assert_calls(&[("GET", &format!("{REPO}/issues/1347"), status)]);
    }
}

#[tokio::test]
async fn issue_blocked_by() {
    let relay = start_relay(None).await;
    let path = "/repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by";
    let blockers = client(&relay)
        .issue_blocked_by(IssueNumber(1347))
        .await
        .unwrap();
    let blockers = blockers.expect("the feature is documented");
    let got: Vec<u64> = blockers.iter().map(|b| b.number.0).collect();
    assert_eq!(got, numbers(&example(path, "get", "200"), "number"));
    assert_eq!(blockers[0].repo, RepoSlug::new("octocat", "Hello-World"));
    relay.assert_calls(&[(
        "GET",
        &format!("{REPO}/issues/1347/dependencies/blocked_by"),
        200,
    )]);
}

#[tokio::test]
async fn blocked_by_on_a_server_without_the_feature_is_none() {
    let relay = start_relay(Some(404)).await;
    let blockers = client(&relay)
        .issue_blocked_by(IssueNumber(1347))
        .await
        .unwrap();
    assert_eq!(blockers, None);
    relay.assert_calls(&[(
        "GET",
        &format!("{REPO}/issues/1347/dependencies/blocked_by"),
        404,
    )]);
}

#[tokio::test]
async fn pulls_for_branch() {
    let relay = start_relay(None).await;
    let documented = example("/repos/{owner}/{repo}/pulls", "get", "200");
    let head = documented[0]["head"]["ref"].as_str().unwrap();
    let pulls = client(&relay)
        .pulls_for_branch(&BranchName(head.into()))
        .await
        .unwrap();
    let got: Vec<u64> = pulls.iter().map(|p| p.number.0).collect();
    assert_eq!(got, numbers(&documented, "number"));
    assert_eq!(pulls[0].head_ref.0, head);
    relay.assert_calls(&[("GET", &format!("{REPO}/pulls"), 200)]);
    assert_query(&relay, &["state=all", &format!("head=octocat%3A{head}")]);
}

#[tokio::test]
async fn get_pull() {
    let relay = start_relay(None).await;
    let pull = client(&relay).get_pull(PrNumber(1347)).await.unwrap();
    let documented = example("/repos/{owner}/{repo}/pulls/{pull_number}", "get", "200");
    assert_eq!(pull.number.0, documented["number"].as_u64().unwrap());
    assert_eq!(pull.head_sha.0, documented["head"]["sha"].as_str().unwrap());
    assert_eq!(pull.base_ref.0, documented["base"]["ref"].as_str().unwrap());
    assert_eq!(
        pull.mergeable_state.as_deref(),
        documented["mergeable_state"].as_str()
    );
    relay.assert_calls(&[("GET", &format!("{REPO}/pulls/1347"), 200)]);
}

#[tokio::test]
async fn a_missing_pull_is_an_error_that_says_not_found() {
    let relay = start_relay(Some(404)).await;
    let err = client(&relay).get_pull(PrNumber(1347)).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    relay.assert_calls(&[("GET", &format!("{REPO}/pulls/1347"), 404)]);
}

#[tokio::test]
async fn create_pull() {
    let relay = start_relay(None).await;
    let new = NewPull {
        title: "Fix the widget (#12)".into(),
        head: BranchName("fix/issue-12".into()),
        base: BranchName("main".into()),
        body: "Closes #12".into(),
    };
    let pull = client(&relay).create_pull(&new).await.unwrap();
    let documented = example("/repos/{owner}/{repo}/pulls", "post", "201");
    assert_eq!(pull.number.0, documented["number"].as_u64().unwrap());
    relay.assert_calls(&[("POST", &format!("{REPO}/pulls"), 201)]);
}

#[tokio::test]
async fn check_runs_with_and_without_a_tag() {
    let relay = start_relay(None).await;
    let documented = example(
        "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        "get",
        "200",
    );
    let client = client(&relay);
    for etag in [None, Some("\"a-tag\"")] {
        let answer = client
            .check_runs(&CommitSha(SHA.into()), etag)
            .await
            .unwrap();
        let Conditional::Modified { value: runs, .. } = answer else {
            panic!("Prism always answers 200 here, got {answer:?}");
        };
        let got: Vec<u64> = runs.iter().map(|r| r.id).collect();
        assert_eq!(got, numbers(&documented["check_runs"], "id"));
        assert_eq!(
            runs[0].status,
            documented["check_runs"][0]["status"].as_str().unwrap()
        );
        assert_eq!(
            runs[0].conclusion.as_deref(),
            documented["check_runs"][0]["conclusion"].as_str()
        );
    }
    let path = format!("{REPO}/commits/{SHA}/check-runs");
    relay.assert_calls(&[("GET", &path, 200), ("GET", &path, 200)]);
}

#[tokio::test]
async fn commit_statuses() {
    let relay = start_relay(None).await;
    let answer = client(&relay)
        .commit_statuses(&CommitSha(SHA.into()), None)
        .await
        .unwrap();
    let Conditional::Modified {
        value: statuses, ..
    } = answer
    else {
        panic!("Prism always answers 200 here, got {answer:?}");
    };
    let documented = example("/repos/{owner}/{repo}/commits/{ref}/status", "get", "200");
    let contexts = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| s["context"].as_str().unwrap().to_string())
            .collect()
    };
    let got: Vec<String> = statuses.iter().map(|s| s.context.clone()).collect();
    assert_eq!(got, contexts(&documented["statuses"]));
    assert_eq!(
        statuses[0].state,
        documented["statuses"][0]["state"].as_str().unwrap()
    );
    relay.assert_calls(&[("GET", &format!("{REPO}/commits/{SHA}/status"), 200)]);
}

#[tokio::test]
async fn list_reviews_and_review_comments() {
    let relay = start_relay(None).await;
    let client = client(&relay);
    let reviews = client.list_reviews(PrNumber(1347)).await.unwrap();
    let documented = example(
        "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        "get",
        "200",
    );
    assert_eq!(
        reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
        numbers(&documented, "id")
    );
    assert_eq!(reviews[0].state, documented[0]["state"].as_str().unwrap());
    assert_eq!(
        reviews[0].user,
        documented[0]["user"]["login"].as_str().unwrap()
    );

    let comments = client.list_review_comments(PrNumber(1347)).await.unwrap();
    let documented = example(
        "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
        "get",
        "200",
    );
    assert_eq!(
        comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        numbers(&documented, "id")
    );
    assert_eq!(comments[0].path, documented[0]["path"].as_str().unwrap());
    relay.assert_calls(&[
        ("GET", &format!("{REPO}/pulls/1347/reviews"), 200),
        ("GET", &format!("{REPO}/pulls/1347/comments"), 200),
    ]);
}

#[tokio::test]
async fn list_and_post_issue_comments() {
    let relay = start_relay(None).await;
    let client = client(&relay);
    let comments = client.list_issue_comments(1347).await.unwrap();
    let documented = example(
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        "get",
        "200",
    );
    assert_eq!(
        comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        numbers(&documented, "id")
    );
    assert_eq!(comments[0].body, documented[0]["body"].as_str().unwrap());

    client
        .post_issue_comment(1347, "Merged by auto-milestone.")
        .await
        .unwrap();
    let path = format!("{REPO}/issues/1347/comments");
    relay.assert_calls(&[("GET", &path, 200), ("POST", &path, 201)]);
}

#[tokio::test]
async fn update_branch_scheduled_and_refused() {
    let path = format!("{REPO}/pulls/1347/update-branch");
    let relay = start_relay(None).await;
    let outcome = client(&relay)
        .update_branch(PrNumber(1347), &CommitSha(SHA.into()))
        .await;
    assert_eq!(outcome.unwrap(), UpdateBranchOutcome::Scheduled);
    relay.assert_calls(&[("PUT", &path, 202)]);

    let relay = start_relay(Some(422)).await;
    let outcome = client(&relay)
        .update_branch(PrNumber(1347), &CommitSha(SHA.into()))
        .await;
    assert!(matches!(
        outcome.unwrap(),
        UpdateBranchOutcome::Refused { .. }
    ));
    relay.assert_calls(&[("PUT", &path, 422)]);
}

#[tokio::test]
async fn squash_merge_merged() {
    let relay = start_relay(None).await;
    let outcome = client(&relay)
        .squash_merge(
            PrNumber(1347),
            &CommitSha(SHA.into()),
            "Fix the widget (#12)",
        )
        .await
        .unwrap();
    let documented = example(
        "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
        "put",
        "200",
    );
    let sha = documented["sha"].as_str().unwrap();
    assert_eq!(
        outcome,
        MergeOutcome::Merged {
            sha: CommitSha(sha.into())
        }
    );
    relay.assert_calls(&[("PUT", &format!("{REPO}/pulls/1347/merge"), 200)]);
}

#[tokio::test]
async fn squash_merge_refusals_carry_githubs_message() {
    let path = "/repos/{owner}/{repo}/pulls/{pull_number}/merge";
    for status in [405, 409] {
        let relay = start_relay(Some(status)).await;
        let outcome = client(&relay)
            .squash_merge(
                PrNumber(1347),
                &CommitSha(SHA.into()),
                "Fix the widget (#12)",
            )
            .await
            .unwrap();
        let message = example(path, "put", &status.to_string())["message"].clone();
        assert_eq!(
            outcome,
            MergeOutcome::Refused {
                status,
                message: message.as_str().unwrap().into()
            }
        );
        relay.assert_calls(&[("PUT", &format!("{REPO}/pulls/1347/merge"), status)]);
    }
}

#[tokio::test]
async fn delete_branch_reaches_the_ref_with_and_without_a_slash() {
    let relay = start_relay(None).await;
    let client = client(&relay);
    // A 404 would also be `Ok` for the client (already gone), so the status
    // Prism answered is what proves the request matched GitHub's operation.
    client
        .delete_branch(&BranchName("feat/issue-12".into()))
        .await
        .unwrap();
    client
        .delete_branch(&BranchName("main".into()))
        .await
        .unwrap();
    relay.assert_calls(&[
        (
            "DELETE",
            &format!("{REPO}/git/refs/heads/feat/issue-12"),
            204,
        ),
        ("DELETE", &format!("{REPO}/git/refs/heads/main"), 204),
    ]);
}

#[tokio::test]
async fn delete_branch_already_gone_is_not_an_error() {
    let relay = start_relay(Some(422)).await;
    client(&relay)
        .delete_branch(&BranchName("feat/issue-12".into()))
        .await
        .unwrap();
    relay.assert_calls(&[(
        "DELETE",
        &format!("{REPO}/git/refs/heads/feat/issue-12"),
        422,
    )]);
}

#[tokio::test]
async fn a_forbidden_comment_is_githubs_error() {
    let relay = start_relay(Some(403)).await;
    let err = client(&relay)
        .post_issue_comment(1347, "hello")
        .await
        .unwrap_err();
    assert!(
        matches!(err, GitHubError::Status { status: 403, .. }),
        "{err}"
    );
    relay.assert_calls(&[("POST", &format!("{REPO}/issues/1347/comments"), 403)]);
}
