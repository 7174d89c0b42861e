//! Pull requests: the list (with GitHub's exact `head=owner:branch` filter),
//! one PR with its `mergeable_state`, and opening a PR with GitHub's 422s.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{Value, json};

use crate::types::ItemState;
use crate::types::RepoSlug;

use super::super::api::{ApiError, ApiResult, Params, created, field, json_body, number, ok, slug};
use super::super::backend::{self, base_sha, heads, sync_pull_heads};
use super::super::model::{Item, Repo};
use super::super::pagination::{list_reply, paginate};
use super::super::shapes::pulls::{PullView, pull};
use super::super::sim::coderabbit::{self, Trigger};
use super::super::specs::PullSpec;
use super::App;
use super::repos::state_filter;

/// The PRs a list request selects, newest first unless `direction=asc`.
fn select<'a>(repo: &'a Repo, params: &Params) -> Result<Vec<&'a Item>, ApiError> {
    let wanted = state_filter(params, "open")?;
    let head = params.get("head").map(|h| match h.split_once(':') {
        Some((owner, branch)) => (Some(owner), branch),
        None => (None, h),
    });
    let base = params.get("base");
    let mut items: Vec<&Item> = repo
        .items
        .values()
        .filter(|i| wanted.is_none_or(|s| i.state == s))
        .filter(|i| {
            let Some(pr) = &i.pull else { return false };
            let head_ok = head.is_none_or(|(owner, branch)| {
                owner.is_none_or(|o| o.eq_ignore_ascii_case(&repo.slug.owner))
                    && pr.head_ref == branch
            });
            head_ok && base.is_none_or(|b| pr.base_ref == b)
        })
        .collect();
    if params.get("direction") != Some("asc") {
        items.reverse();
    }
    Ok(items)
}

pub async fn list_pulls(
    State(app): State<App>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let params = Params::parse(query.as_deref());
    let heads = heads(&app.state, &slug).await?;
    sync_pull_heads(&app.state, &slug, &heads);
    let all = app.state.read(|w| {
        let repo = w.repo(&slug).ok_or_else(ApiError::not_found)?;
        let render = |i: &Item| {
            let base_ref = i
                .pull
                .as_ref()
                .map(|p| p.base_ref.as_str())
                .unwrap_or_default();
            let view = PullView {
                base_sha: base_sha(&heads, base_ref),
                mergeable_state: None,
            };
            pull(&app.base, repo, i, &view)
        };
        Ok::<_, ApiError>(
            select(repo, &params)?
                .into_iter()
                .map(render)
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(list_reply(paginate(all, &params, &app.url(uri.path()))))
}

pub async fn get_pull(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let view = backend::pull_view(&app.state, &slug, n).await?;
    render(&app, &slug, n, &view).map(|body| ok(&body))
}

/// One PR as JSON, or 404.
pub fn render(app: &App, slug: &RepoSlug, n: u64, view: &PullView) -> Result<Value, ApiError> {
    let body = app.state.read(|w| {
        let repo = w.repo(slug)?;
        repo.pull(n).map(|item| pull(&app.base, repo, item, view))
    });
    body.ok_or_else(ApiError::not_found)
}

fn invalid(field: &str) -> ApiError {
    ApiError::validation(json!({ "resource": "PullRequest", "field": field, "code": "invalid" }))
}

fn custom(message: String) -> ApiError {
    ApiError::validation(json!({ "resource": "PullRequest", "code": "custom", "message": message }))
}

/// The request body of `POST .../pulls`, checked the way GitHub checks it.
fn new_pull(slug: &RepoSlug, body: &Value) -> Result<PullSpec, ApiError> {
    let missing = |f: &str| {
        ApiError::validation(
            json!({ "resource": "PullRequest", "field": f, "code": "missing_field" }),
        )
    };
    let title = field(body, "title")
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| missing("title"))?;
    let head = field(body, "head").ok_or_else(|| missing("head"))?;
    let base = field(body, "base").ok_or_else(|| missing("base"))?;
    let head = match head.split_once(':') {
        Some((owner, branch)) if owner.eq_ignore_ascii_case(&slug.owner) => branch,
        Some(_) => return Err(invalid("head")),
        None => head,
    };
    let mut spec = PullSpec::new(title, head).base(base);
    spec.body = field(body, "body").map(str::to_string);
    spec.draft = body.get("draft").and_then(Value::as_bool).unwrap_or(false);
    Ok(spec)
}

pub async fn create_pull(
    State(app): State<App>,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let spec = new_pull(&slug, &json_body(&body)?)?;
    let heads = heads(&app.state, &slug).await?;
    let head_sha = heads
        .get(&spec.head)
        .cloned()
        .ok_or_else(|| invalid("head"))?;
    let base_ref = spec.base.clone().unwrap_or_default();
    let base_sha = heads
        .get(&base_ref)
        .cloned()
        .ok_or_else(|| invalid("base"))?;
    if !has_new_commits(&app, &slug, &base_sha, &head_sha).await? {
        return Err(custom(format!(
            "No commits between {base_ref} and {}",
            spec.head
        )));
    }
    let n = app.state.write(|w| {
        let viewer = w.viewer.clone();
        let (repo, ids) = w.repo_mut(&slug).ok_or_else(ApiError::not_found)?;
        let open = repo.items.values().filter(|i| i.state == ItemState::Open);
        let duplicate = open
            .filter_map(|i| i.pull.as_ref())
            .any(|p| p.head_ref == spec.head && p.base_ref == base_ref);
        if duplicate {
            return Err(custom(format!(
                "A pull request already exists for {}:{}.",
                repo.slug.owner, spec.head
            )));
        }
        let n = repo.insert_pull(ids, spec, head_sha.clone(), &viewer);
        for comment in std::mem::take(&mut repo.comments_on_open) {
            repo.insert_review_comment(ids, n, comment, &head_sha);
        }
        Ok(n)
    })?;
    coderabbit::trigger(&app.state, &slug, n, Trigger::Opened);
    // GitHub works mergeability out after answering.
    let view = PullView {
        base_sha,
        mergeable_state: Some("unknown".into()),
    };
    let body = render(&app, &slug, n, &view)?;
    Ok(created(&body))
}

/// Whether the head has commits the base lacks.
async fn has_new_commits(
    app: &App,
    slug: &RepoSlug,
    base: &str,
    head: &str,
) -> Result<bool, ApiError> {
    if base == head {
        return Ok(false);
    }
    match backend::git_dir(&app.state, slug)? {
        Some(git) => {
            let (base, head) = (base.to_string(), head.to_string());
            backend::blocking(move || git.is_ancestor(&head, &base).map(|merged| !merged)).await
        }
        None => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use octocrab::models::pulls::{MergeableState, PullRequest};
    use serde_json::json;

    use crate::specs::{PullSpec, ReviewCommentSpec};
    use crate::testkit::{TestSandbox, all_pages};

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.set_branch("main", &"0".repeat(40));
        t
    }

    #[tokio::test]
    async fn head_filter_is_exact_and_lists_paginate() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        repo.add_pull(PullSpec::new("twelve", "feat/issue-12-x"));
        repo.add_pull(PullSpec::new("one-two-three", "feat/issue-123-y"));
        for i in 0..110 {
            repo.add_pull(PullSpec::new(format!("bulk {i}"), format!("bulk/{i}")));
        }
        let exact: Vec<PullRequest> = all_pages(
            &t.client,
            "/repos/acme/widgets/pulls?state=all&head=acme%3Afeat%2Fissue-12-x",
        )
        .await;
        assert_eq!(exact.iter().map(|p| p.number).collect::<Vec<_>>(), [1]);
        let other_owner: Vec<PullRequest> = all_pages(
            &t.client,
            "/repos/acme/widgets/pulls?head=zzz:feat/issue-12-x",
        )
        .await;
        assert!(other_owner.is_empty());
        let all: Vec<PullRequest> =
            all_pages(&t.client, "/repos/acme/widgets/pulls?per_page=50").await;
        assert_eq!(all.len(), 112);
        assert_eq!(all[0].number, 112, "newest first");
        assert!(
            all[0].mergeable_state.is_none(),
            "lists carry no mergeability"
        );
    }

    #[tokio::test]
    async fn one_pull_reports_the_mergeable_state_set_for_it() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let pr = repo.add_pull(PullSpec::new("t", "feat/a").head_sha("a".repeat(40)));
        let got: PullRequest = t
            .client
            .get("/repos/acme/widgets/pulls/1", None::<&()>)
            .await
            .unwrap();
        assert_eq!(got.mergeable_state, Some(MergeableState::Clean));
        assert_eq!(got.head.sha, "a".repeat(40));
        assert_eq!(got.base.sha, "0".repeat(40));
        repo.set_mergeable_state(pr, Some("dirty"));
        let got: PullRequest = t
            .client
            .get("/repos/acme/widgets/pulls/1", None::<&()>)
            .await
            .unwrap();
        assert_eq!(
            (got.mergeable_state, got.mergeable),
            (Some(MergeableState::Dirty), Some(false))
        );
        assert_eq!(t.status("/repos/acme/widgets/pulls/2").await, 404);
    }

    #[tokio::test]
    async fn opening_a_pull_validates_like_github() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        repo.set_branch("feat/issue-1-x", &"1".repeat(40));
        let body = json!({"title": "Add x", "head": "feat/issue-1-x", "base": "main", "body": "Closes #1"});
        let created = t
            .raw("POST", "/repos/acme/widgets/pulls", Some(body.clone()))
            .await;
        assert_eq!(created.status, 201);
        let pr: PullRequest = serde_json::from_str(&created.body).unwrap();
        assert_eq!(
            (pr.number, pr.head.ref_field.as_str()),
            (1, "feat/issue-1-x")
        );
        assert_eq!(created.header("location").as_deref(), Some(pr.url.as_str()));
        assert_eq!(repo.pulls()[0].body.as_deref(), Some("Closes #1"));

        let again = t.raw("POST", "/repos/acme/widgets/pulls", Some(body)).await;
        assert_eq!(
            (again.status, again.json()["message"].as_str()),
            (422, Some("Validation Failed"))
        );
        assert_eq!(
            again.json()["errors"][0]["message"],
            "A pull request already exists for acme:feat/issue-1-x."
        );

        let no_branch = json!({"title": "t", "head": "acme:feat/none", "base": "main"});
        let missing = t
            .raw("POST", "/repos/acme/widgets/pulls", Some(no_branch))
            .await;
        assert_eq!(
            (
                missing.status,
                missing.json()["errors"][0]["field"].as_str()
            ),
            (422, Some("head"))
        );

        repo.set_branch("same", &"0".repeat(40));
        let same = json!({"title": "t", "head": "same", "base": "main"});
        let empty = t.raw("POST", "/repos/acme/widgets/pulls", Some(same)).await;
        assert_eq!(
            empty.json()["errors"][0]["message"],
            "No commits between main and same"
        );

        let untitled = t
            .raw(
                "POST",
                "/repos/acme/widgets/pulls",
                Some(json!({"head": "x", "base": "main"})),
            )
            .await;
        assert_eq!(untitled.json()["errors"][0]["code"], "missing_field");
        let garbage = t
            .raw("POST", "/repos/acme/widgets/pulls", Some(json!("nope")))
            .await;
        assert_eq!(
            (garbage.status, garbage.json()["message"].as_str()),
            (400, Some("Problems parsing JSON"))
        );
    }

    #[tokio::test]
    async fn comments_waiting_for_a_pull_arrive_with_it_at_its_head() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        repo.comment_on_next_pull(ReviewCommentSpec::new("mallory", "src/a.rs", 1, "Psst."));
        repo.comment_on_next_pull(ReviewCommentSpec::new(
            "alice",
            "src/a.rs",
            2,
            "Check this.",
        ));
        repo.set_branch("feat/issue-1-x", &"1".repeat(40));
        repo.set_branch("feat/issue-2-y", &"2".repeat(40));
        let open = async |head: &str| {
            let body = json!({"title": "t", "head": head, "base": "main"});
            t.raw("POST", "/repos/acme/widgets/pulls", Some(body))
                .await
                .status
        };
        assert_eq!(open("feat/issue-1-x").await, 201);
        let comments = repo.review_comments(crate::types::PrNumber(1));
        let seen: Vec<(&str, &str, &str)> = comments
            .iter()
            .map(|c| (c.author.as_str(), c.body.as_str(), c.commit_id.as_str()))
            .collect();
        let head = "1".repeat(40);
        assert_eq!(
            seen,
            [
                ("mallory", "Psst.", head.as_str()),
                ("alice", "Check this.", head.as_str())
            ]
        );
        assert_eq!(open("feat/issue-2-y").await, 201);
        assert!(
            repo.review_comments(crate::types::PrNumber(2)).is_empty(),
            "only the next one"
        );
    }
}
