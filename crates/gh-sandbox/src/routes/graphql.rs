//! `POST /graphql`, for the two operations the product sends: the
//! `enqueuePullRequest(input: {pullRequestId, expectedHeadOid})` mutation
//! and a query reading one pull request by number
//! (`repository(owner, name) { pullRequest(number) { ... } }`).
//!
//! No GraphQL engine: the operation is told by the name of its first root
//! field, arguments are read with a pattern (an inline string or number, a
//! `$variable`, or a field of an `input: $input` variable), and the answer
//! holds the fields the query names (see `shapes::graphql`). Anything else,
//! and every refusal, is GraphQL's `{"errors": [...]}` with 200, as GitHub
//! answers a query it cannot carry out.

use std::sync::LazyLock;

use axum::body::Bytes;
use axum::extract::State;
use regex::Regex;
use serde_json::{Value, json};

use crate::types::RepoSlug;

use super::super::api::{ApiResult, json_body, ok};
use super::super::backend;
use super::super::shapes::graphql::{Selection, pull_request, queue_entry};
use super::super::shapes::node_id;
use super::super::sim::queue;
use super::App;

pub async fn graphql(State(app): State<App>, body: Bytes) -> ApiResult {
    let body = json_body(&body)?;
    let Some(query) = body.get("query").and_then(Value::as_str) else {
        let message = "A query attribute must be specified and must be a string.";
        return Ok(ok(&json!({ "errors": [{ "message": message }] })));
    };
    let vars = body.get("variables").cloned().unwrap_or(Value::Null);
    let request = Request { query, vars: &vars };
    let answer = match root_field(query) {
        Some("enqueuePullRequest") => enqueue(&app, &request).await,
        Some("repository") if query.contains("pullRequest") => read_pull(&app, &request).await,
        other => unknown(query, other),
    };
    Ok(ok(&answer))
}

/// The first field of the operation's selection set.
fn root_field(query: &str) -> Option<&str> {
    static ROOT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\{\s*(\w+)").expect("root field pattern is valid"));
    ROOT.captures(query)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// A query's text and its variables.
struct Request<'a> {
    query: &'a str,
    vars: &'a Value,
}

impl Request<'_> {
    /// Argument `name`: inline, through a `$variable`, or in `input: $input`.
    fn arg(&self, name: &str) -> Option<Value> {
        let pattern = format!(r#"\b{name}\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*"|-?\d+)"#);
        let found = Regex::new(&pattern).ok()?.captures(self.query);
        let Some(raw) = found.and_then(|c| c.get(1)).map(|m| m.as_str()) else {
            return self.vars.get("input").and_then(|i| i.get(name)).cloned();
        };
        match raw.strip_prefix('$') {
            Some(variable) => self.vars.get(variable).cloned(),
            None => serde_json::from_str(raw).ok(),
        }
    }

    fn text(&self, name: &str) -> Option<String> {
        self.arg(name)?.as_str().map(str::to_string)
    }
}

/// A GraphQL error at the field `path` ends with.
fn error(query: &str, path: &[&str], kind: &str, message: &str) -> Value {
    let field = path.last().copied().unwrap_or_default();
    located(
        query,
        field,
        json!({ "type": kind, "path": path, "message": message }),
    )
}

/// `error` with the `locations` of `field` in the query, where it is found.
fn located(query: &str, field: &str, mut error: Value) -> Value {
    if let Some(at) = query.find(field) {
        let line = query[..at].matches('\n').count() + 1;
        let column = at - query[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        error["locations"] = json!([{ "line": line, "column": column }]);
    }
    error
}

/// An operation the sandbox does not know, as GitHub reports an unknown field.
fn unknown(query: &str, field: Option<&str>) -> Value {
    let Some(field) = field else {
        return json!({ "errors": [{ "message": "Parse error: no selection set found" }] });
    };
    let root = match query.trim_start().starts_with("mutation") {
        true => "Mutation",
        false => "Query",
    };
    let error = json!({
        "path": [root.to_ascii_lowercase(), field],
        "extensions": { "code": "undefinedField", "typeName": root, "fieldName": field },
        "message": format!("Field '{field}' doesn't exist on type '{root}'")
    });
    json!({ "errors": [located(query, field, error)] })
}

/// The repository and number of the pull request whose node id is `id`.
fn find_pull(app: &App, id: &str) -> Option<(RepoSlug, u64)> {
    app.state.read(|w| {
        w.repos.iter().find_map(|repo| {
            let pulls = repo
                .items
                .values()
                .filter_map(|i| Some((i.number, i.pull.as_ref()?)));
            let mut hit = pulls.filter(|(_, p)| node_id("PR", p.id) == id);
            hit.next().map(|(n, _)| (repo.slug.clone(), n))
        })
    })
}

async fn enqueue(app: &App, req: &Request<'_>) -> Value {
    let path = ["enqueuePullRequest"];
    let failed = |kind: &str, message: &str| json!({ "data": { "enqueuePullRequest": null }, "errors": [error(req.query, &path, kind, message)] });
    let Some(id) = req.text("pullRequestId") else {
        let message = "Argument 'pullRequestId' on InputObject 'EnqueuePullRequestInput' is required. Expected type ID!";
        return failed("ARGUMENT_MISSING", message);
    };
    let Some((slug, pr)) = find_pull(app, &id) else {
        let message = format!("Could not resolve to a node with the global id of '{id}'.");
        return failed("NOT_FOUND", &message);
    };
    let expected = req.text("expectedHeadOid");
    let viewer = app.state.read(|w| w.viewer.clone());
    match queue::enqueue(&app.state, &slug, pr, &viewer, expected.as_deref()).await {
        Ok((entry, position)) => {
            let entry = queue_entry(&Selection::of(req.query), &entry, position);
            json!({ "data": { "enqueuePullRequest": { "mergeQueueEntry": entry } } })
        }
        Err(refusal) => failed("UNPROCESSABLE", refusal.message()),
    }
}

async fn read_pull(app: &App, req: &Request<'_>) -> Value {
    let (owner, name) = (
        req.text("owner").unwrap_or_default(),
        req.text("name").unwrap_or_default(),
    );
    let slug = format!("{owner}/{name}").parse::<RepoSlug>().ok();
    let slug = slug.and_then(|s| app.state.read(|w| w.repo(&s).map(|r| r.slug.clone())));
    let Some(slug) = slug else {
        let message = format!("Could not resolve to a Repository with the name '{owner}/{name}'.");
        let e = error(req.query, &["repository"], "NOT_FOUND", &message);
        return json!({ "data": { "repository": null }, "errors": [e] });
    };
    if let Ok(heads) = backend::heads(&app.state, &slug).await {
        backend::sync_pull_heads(&app.state, &slug, &heads);
    }
    let number = req
        .arg("number")
        .and_then(|n| n.as_u64())
        .unwrap_or_default();
    let sel = Selection::of(req.query);
    let found = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        let item = repo.pull(number)?;
        Some(pull_request(&sel, repo, item, item.pull.as_ref()?))
    });
    match found {
        Some(pull) => json!({ "data": { "repository": { "pullRequest": pull } } }),
        None => {
            let message =
                format!("Could not resolve to a PullRequest with the number of {number}.");
            let e = error(
                req.query,
                &["repository", "pullRequest"],
                "NOT_FOUND",
                &message,
            );
            json!({ "data": { "repository": { "pullRequest": null } }, "errors": [e] })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::specs::PullSpec;
    use crate::testkit::TestSandbox;

    const READ: &str = "{ repository(owner: \"acme\", name: \"widgets\") { pullRequest(number: 1) { id number state isInMergeQueue } } }";

    async fn post(t: &TestSandbox, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables });
        let answer = t.raw("POST", "/graphql", Some(body)).await;
        assert_eq!(answer.status, 200, "GraphQL errors come with 200");
        answer.json()
    }

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.add_pull(PullSpec::new("Add x", "feat/x").head_sha("a".repeat(40)));
        t
    }

    #[test]
    fn arguments_come_inline_from_variables_or_from_an_input_object() {
        let vars = json!({ "n": 7, "input": { "pullRequestId": "PR_1" } });
        let inline = Request {
            query: "{ a(owner: \"o\", number: 3) }",
            vars: &vars,
        };
        assert_eq!(inline.text("owner").as_deref(), Some("o"));
        assert_eq!(inline.arg("number"), Some(json!(3)));
        let declared = Request {
            query: "query($n: Int!) { a(number: $n) }",
            vars: &vars,
        };
        assert_eq!(declared.arg("number"), Some(json!(7)));
        let input = Request {
            query: "mutation($input: X!) { enqueuePullRequest(input: $input) }",
            vars: &vars,
        };
        assert_eq!(input.text("pullRequestId").as_deref(), Some("PR_1"));
        assert_eq!(
            root_field("mutation M($x: ID!) {\n enqueuePullRequest(input: {}) { a } }"),
            Some("enqueuePullRequest")
        );
    }

    #[tokio::test]
    async fn a_pull_request_reads_by_number_with_its_rest_node_id() {
        let t = sandbox();
        let rest = t
            .raw("GET", "/repos/acme/widgets/pulls/1", None)
            .await
            .json();
        let answer = post(&t, READ, Value::Null).await;
        let pull = &answer["data"]["repository"]["pullRequest"];
        assert_eq!(
            pull,
            &json!({ "id": rest["node_id"], "number": 1, "state": "OPEN", "isInMergeQueue": false })
        );
        let missing = post(&t, &READ.replace("number: 1", "number: 9"), Value::Null).await;
        assert_eq!(missing["data"]["repository"]["pullRequest"], Value::Null);
        assert_eq!(missing["errors"][0]["type"], "NOT_FOUND");
        assert_eq!(
            missing["errors"][0]["message"],
            "Could not resolve to a PullRequest with the number of 9."
        );
        let nowhere = post(&t, &READ.replace("widgets", "gadgets"), Value::Null).await;
        assert_eq!(nowhere["data"]["repository"], Value::Null);
        assert_eq!(nowhere["errors"][0]["path"], json!(["repository"]));
    }

    #[tokio::test]
    async fn enqueue_refusals_and_unknown_operations_are_graphql_errors() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let node = t
            .raw("GET", "/repos/acme/widgets/pulls/1", None)
            .await
            .json()["node_id"]
            .clone();
        let enqueue = "mutation($id: ID!, $oid: GitObjectID) { enqueuePullRequest(input: {pullRequestId: $id, expectedHeadOid: $oid}) { mergeQueueEntry { position } } }";
        let message = |v: &Value| {
            v["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let no_queue = post(&t, enqueue, json!({ "id": node })).await;
        assert_eq!(no_queue["data"]["enqueuePullRequest"], Value::Null);
        assert!(message(&no_queue).contains("merge queue"), "{no_queue}");
        repo.enable_merge_queue("main");
        let moved = post(&t, enqueue, json!({ "id": node, "oid": "b".repeat(40) })).await;
        assert_eq!(
            message(&moved),
            "Head branch was modified. Review and try the merge again."
        );
        assert_eq!(moved["errors"][0]["path"], json!(["enqueuePullRequest"]));
        assert_eq!(moved["errors"][0]["locations"][0]["line"], 1);
        let unknown = post(&t, enqueue, json!({ "id": "PR_nope" })).await;
        assert_eq!(
            message(&unknown),
            "Could not resolve to a node with the global id of 'PR_nope'."
        );
        assert!(repo.merge_queue("main").is_empty(), "nothing was enqueued");
        let other = post(&t, "query { viewer { login } }", Value::Null).await;
        assert_eq!(
            message(&other),
            "Field 'viewer' doesn't exist on type 'Query'"
        );
        assert_eq!(other["errors"][0]["extensions"]["code"], "undefinedField");
        let empty = t.raw("POST", "/graphql", Some(json!({}))).await.json();
        assert!(message(&empty).starts_with("A query attribute must be specified"));
        let logged = t
            .sandbox
            .requests()
            .count(&crate::Route::matching("POST", "/graphql"));
        assert_eq!(logged, 5, "GraphQL requests are logged like any other");
    }
}
