//! Conversation comments (read and post), reviews and inline review comments.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{Value, json};

use super::super::api::{ApiError, ApiResult, Params, created, field, json_body, number, slug};
use super::super::model::Repo;
use super::super::pagination::{list_reply, paginate};
use super::super::shapes::issues::issue_comment;
use super::super::shapes::pulls::{review, review_comment};
use super::super::sim::coderabbit::{self, Trigger};
use super::App;

/// Renders what `pick` selects from a repository as one page, or 404.
fn list(
    app: &App,
    owner: &str,
    name: &str,
    query: Option<&str>,
    uri: &Uri,
    pick: impl FnOnce(&Repo, &str) -> Option<Vec<Value>>,
) -> ApiResult {
    let slug = slug(owner, name)?;
    let params = Params::parse(query);
    let all = app
        .state
        .read(|w| w.repo(&slug).and_then(|r| pick(r, &app.base)));
    let all = all.ok_or_else(ApiError::not_found)?;
    Ok(list_reply(paginate(all, &params, &app.url(uri.path()))))
}

pub async fn list_issue_comments(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let n = number(&n)?;
    list(&app, &owner, &name, query.as_deref(), &uri, |repo, base| {
        repo.items.get(&n)?;
        let comments = repo.issue_comments.iter().filter(|c| c.issue == n);
        Some(comments.map(|c| issue_comment(base, repo, c)).collect())
    })
}

pub async fn list_reviews(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let n = number(&n)?;
    list(&app, &owner, &name, query.as_deref(), &uri, |repo, base| {
        repo.pull(n)?;
        let reviews = repo.reviews.iter().filter(|r| r.pr == n);
        Some(reviews.map(|r| review(base, repo, r)).collect())
    })
}

pub async fn list_review_comments(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let n = number(&n)?;
    list(&app, &owner, &name, query.as_deref(), &uri, |repo, base| {
        repo.pull(n)?;
        let comments = repo.review_comments.iter().filter(|c| c.pr == n);
        Some(comments.map(|c| review_comment(base, repo, c)).collect())
    })
}

pub async fn post_issue_comment(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let body = json_body(&body)?;
    let text = field(&body, "body")
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            ApiError::validation(
                json!({ "resource": "IssueComment", "code": "missing_field", "field": "body" }),
            )
        })?;
    let (rendered, is_pull) = app.state.write(|w| {
        let viewer = w.viewer.clone();
        let (repo, ids) = w.repo_mut(&slug).ok_or_else(ApiError::not_found)?;
        let is_pull = repo
            .items
            .get(&n)
            .ok_or_else(ApiError::not_found)?
            .pull
            .is_some();
        let id = repo.insert_issue_comment(ids, n, &viewer, text);
        let comment = repo
            .issue_comments
            .iter()
            .find(|c| c.id == id)
            .expect("comment was just added");
        Ok::<_, ApiError>((issue_comment(&app.base, repo, comment), is_pull))
    })?;
    if is_pull && coderabbit::is_review_request(text) {
        coderabbit::trigger(&app.state, &slug, n, Trigger::Requested);
    }
    Ok(created(&rendered))
}

#[cfg(test)]
mod tests {
    use octocrab::models::issues::Comment as IssueComment;
    use octocrab::models::pulls::{Comment as ReviewComment, Review};
    use serde_json::json;

    use crate::specs::{IssueSpec, PullSpec, ReviewCommentSpec, ReviewSpec};
    use crate::testkit::{TestSandbox, all_pages};

    #[tokio::test]
    async fn issue_comments_paginate_past_the_first_page_and_can_be_posted() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.add_issue(IssueSpec::new("i"));
        for i in 0..101 {
            repo.add_issue_comment(1, "someone", &format!("c{i}"));
        }
        let first_page: Vec<IssueComment> = t
            .client
            .get("/repos/acme/widgets/issues/1/comments", None::<&()>)
            .await
            .unwrap();
        assert_eq!(first_page.len(), 30);
        let all: Vec<IssueComment> = all_pages(
            &t.client,
            "/repos/acme/widgets/issues/1/comments?per_page=100",
        )
        .await;
        assert_eq!(all.len(), 101);
        assert_eq!(all[100].body.as_deref(), Some("c100"));

        let posted = t
            .raw(
                "POST",
                "/repos/acme/widgets/issues/1/comments",
                Some(json!({"body": "hello"})),
            )
            .await;
        assert_eq!(posted.status, 201);
        let comment: IssueComment = serde_json::from_str(&posted.body).unwrap();
        assert_eq!(
            (comment.body.as_deref(), comment.user.login.as_str()),
            (Some("hello"), "octocat")
        );
        assert_eq!(repo.issue_comments(1).last().unwrap().body, "hello");
        let empty = t
            .raw(
                "POST",
                "/repos/acme/widgets/issues/1/comments",
                Some(json!({})),
            )
            .await;
        assert_eq!(
            (empty.status, empty.json()["errors"][0]["field"].as_str()),
            (422, Some("body"))
        );
        assert_eq!(
            t.raw(
                "POST",
                "/repos/acme/widgets/issues/9/comments",
                Some(json!({"body": "x"}))
            )
            .await
            .status,
            404
        );
    }

    #[tokio::test]
    async fn reviews_and_review_comments_decode_and_paginate() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        let pr = repo.add_pull(PullSpec::new("p", "feat/a").head_sha("a".repeat(40)));
        let review_id = repo.add_review(
            pr,
            ReviewSpec::new("coderabbitai[bot]", "COMMENTED")
                .body("**Actionable comments posted: 1**"),
        );
        repo.add_review(
            pr,
            ReviewSpec::new("human", "APPROVED").commit("b".repeat(40)),
        );
        for line in 0..35 {
            repo.add_review_comment(
                pr,
                ReviewCommentSpec::new("coderabbitai[bot]", "src/a.rs", line + 1, "x")
                    .in_review(review_id),
            );
        }
        let reviews: Vec<Review> =
            all_pages(&t.client, "/repos/acme/widgets/pulls/1/reviews").await;
        assert_eq!(reviews.len(), 2);
        assert_eq!(
            reviews[0].commit_id.as_deref(),
            Some("a".repeat(40).as_str())
        );
        assert_eq!(
            reviews[1].commit_id.as_deref(),
            Some("b".repeat(40).as_str())
        );
        let comments: Vec<ReviewComment> =
            all_pages(&t.client, "/repos/acme/widgets/pulls/1/comments").await;
        assert_eq!(comments.len(), 35);
        assert!(
            comments
                .iter()
                .all(|c| c.pull_request_review_id.map(|r| r.0) == Some(review_id))
        );
        assert_eq!(t.status("/repos/acme/widgets/pulls/7/reviews").await, 404);
    }
}
