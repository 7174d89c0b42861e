//! The base branch's rules and GitHub's merge queue: whether a ruleset
//! requires the queue (REST `rules/branches/{branch}`), putting a PR in it
//! and reading where it is (GraphQL, the only API GitHub offers for both).

use http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::transport::{Transport, decode, encode, expect_success};
use super::{CommitSha, GitHubError, PrNumber, RepoSlug};

/// The rules on a branch that change how a PR gets merged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BranchRules {
    /// A ruleset requires merging through the merge queue.
    pub merge_queue: bool,
    /// A ruleset requires branches to be up to date before merging.
    pub strict_checks: bool,
}

/// Where a PR is, as the merge queue sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueState {
    pub merged: bool,
    pub closed: bool,
    pub in_queue: bool,
    /// The entry's state (`QUEUED`, `AWAITING_CHECKS`, `MERGEABLE`, ...).
    pub entry_state: Option<String>,
    pub head: CommitSha,
}

/// What asking the queue to take a PR came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnqueueOutcome {
    Queued,
    /// GitHub's words (a moved head, no queue on the base, no right to).
    Refused {
        message: String,
    },
}

#[derive(Deserialize)]
struct Rule {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    parameters: Value,
}

/// The rules GitHub applies to `branch` (every active ruleset's).
pub async fn branch_rules(
    t: &Transport,
    repo: &RepoSlug,
    branch: &str,
) -> Result<BranchRules, GitHubError> {
    let path = format!(
        "/repos/{}/{}/rules/branches/{}",
        encode(&repo.owner, false),
        encode(&repo.name, false),
        encode(branch, true)
    );
    let rules: Vec<Rule> = t.get_all(&path).await?;
    Ok(BranchRules {
        merge_queue: rules.iter().any(|r| r.kind == "merge_queue"),
        strict_checks: rules.iter().any(|r| {
            r.kind == "required_status_checks"
                && r.parameters["strict_required_status_checks_policy"] == json!(true)
        }),
    })
}

const ENQUEUE: &str = "mutation($id: ID!, $oid: GitObjectID) { \
    enqueuePullRequest(input: {pullRequestId: $id, expectedHeadOid: $oid}) { \
    mergeQueueEntry { state position } } }";

const READ: &str = "query($owner: String!, $name: String!, $number: Int!) { \
    repository(owner: $owner, name: $name) { pullRequest(number: $number) { \
    state merged isInMergeQueue mergeQueueEntry { state position } headRefOid } } }";

/// Puts the PR with global id `pull_id` in its base's merge queue, if its
/// head is still `expected`.
pub async fn enqueue(
    t: &Transport,
    graphql: &str,
    pull_id: &str,
    expected: &CommitSha,
) -> Result<EnqueueOutcome, GitHubError> {
    let vars = json!({ "id": pull_id, "oid": expected.0 });
    let answer = post(t, graphql, ENQUEUE, vars).await?;
    Ok(match errors(&answer) {
        Some(message) => EnqueueOutcome::Refused { message },
        None => EnqueueOutcome::Queued,
    })
}

/// Reads PR `pr`'s merge and queue state.
pub async fn state(
    t: &Transport,
    graphql: &str,
    repo: &RepoSlug,
    pr: PrNumber,
) -> Result<QueueState, GitHubError> {
    let vars = json!({ "owner": repo.owner, "name": repo.name, "number": pr.0 });
    let answer = post(t, graphql, READ, vars).await?;
    let pull = &answer["data"]["repository"]["pullRequest"];
    if pull.is_null() {
        let why = errors(&answer).unwrap_or_else(|| "no pull request in the answer".into());
        return Err(GitHubError::Setup(format!(
            "reading PR {pr}'s merge queue state: {why}"
        )));
    }
    Ok(QueueState {
        merged: pull["merged"] == json!(true),
        closed: pull["state"] == json!("CLOSED"),
        in_queue: pull["isInMergeQueue"] == json!(true),
        entry_state: pull["mergeQueueEntry"]["state"]
            .as_str()
            .map(str::to_string),
        head: CommitSha(pull["headRefOid"].as_str().unwrap_or_default().to_string()),
    })
}

async fn post(
    t: &Transport,
    graphql: &str,
    query: &str,
    vars: Value,
) -> Result<Value, GitHubError> {
    let body = json!({ "query": query, "variables": vars });
    let raw = t.send(Method::POST, graphql, Some(&body), &[]).await?;
    let raw = expect_success(raw, &Method::POST, graphql)?;
    decode(&raw, &Method::POST, graphql)
}

/// GraphQL's errors, joined, if the answer has any.
fn errors(answer: &Value) -> Option<String> {
    let list = answer["errors"].as_array()?;
    let messages: Vec<&str> = list.iter().filter_map(|e| e["message"].as_str()).collect();
    (!messages.is_empty()).then(|| messages.join("; "))
}

/// The GraphQL endpoint for REST API base `api_url`: `/graphql` beside
/// github.com's API, `/api/graphql` for GitHub Enterprise's `/api/v3`.
pub fn graphql_path(api_url: &str) -> String {
    match api_url.trim_end_matches('/').strip_suffix("/api/v3") {
        Some(host) => format!("{host}/api/graphql"),
        None => "/graphql".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enterprise_keeps_graphql_beside_its_rest_api() {
        assert_eq!(graphql_path("https://api.github.com"), "/graphql");
        assert_eq!(
            graphql_path("https://ghe.example/api/v3/"),
            "https://ghe.example/api/graphql"
        );
    }

    #[test]
    fn graphql_errors_are_joined_and_data_alone_is_none() {
        let answer = json!({ "errors": [{ "message": "a" }, { "message": "b" }] });
        assert_eq!(errors(&answer).as_deref(), Some("a; b"));
        assert_eq!(errors(&json!({ "data": {} })), None);
    }
}
