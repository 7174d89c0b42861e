//! `GET /repos/{o}/{r}` and its milestones.

use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;

use crate::types::ItemState;

use super::super::api::{ApiError, ApiResult, Params, number, ok, slug};
use super::super::pagination::{list_reply, paginate};
use super::super::shapes;
use super::App;

pub async fn get_repo(
    State(app): State<App>,
    Path((owner, name)): Path<(String, String)>,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let body = app
        .state
        .read(|w| w.repo(&slug).map(|r| shapes::repository(&app.base, r)));
    body.map(|b| ok(&b)).ok_or_else(ApiError::not_found)
}

/// Which open/closed state a `state` parameter selects (`default` when absent).
pub fn state_filter(params: &Params, default: &str) -> Result<Option<ItemState>, ApiError> {
    match params.get("state").unwrap_or(default) {
        "open" => Ok(Some(ItemState::Open)),
        "closed" => Ok(Some(ItemState::Closed)),
        "all" => Ok(None),
        _ => Err(ApiError::validation(serde_json::json!({
            "resource": "Search", "field": "state", "code": "invalid"
        }))),
    }
}

pub async fn list_milestones(
    State(app): State<App>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let params = Params::parse(query.as_deref());
    let wanted = state_filter(&params, "open")?;
    let descending = params.get("direction") == Some("desc");
    let all = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        let mut milestones: Vec<_> = repo
            .milestones
            .iter()
            .filter(|m| wanted.is_none_or(|s| m.state == s))
            .collect();
        milestones.sort_by_key(|m| m.number);
        if descending {
            milestones.reverse();
        }
        Some(
            milestones
                .into_iter()
                .map(|m| shapes::issues::milestone(&app.base, repo, m))
                .collect::<Vec<_>>(),
        )
    });
    let all = all.ok_or_else(ApiError::not_found)?;
    Ok(list_reply(paginate(all, &params, &app.url(uri.path()))))
}

pub async fn get_milestone(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let body = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        repo.milestone(n)
            .map(|m| shapes::issues::milestone(&app.base, repo, m))
    });
    body.map(|b| ok(&b)).ok_or_else(ApiError::not_found)
}

#[cfg(test)]
mod tests {
    use octocrab::models::{Milestone, Repository};

    use crate::testkit::{TestSandbox, all_pages};
    use crate::types::ItemState;

    #[tokio::test]
    async fn the_repository_decodes_with_its_default_branch() {
        let t = TestSandbox::new();
        t.sandbox.state().add_repo("acme/widgets", "trunk");
        let repo: Repository = t
            .client
            .get("/repos/acme/widgets", None::<&()>)
            .await
            .unwrap();
        assert_eq!(repo.default_branch.as_deref(), Some("trunk"));
        assert_eq!(t.status("/repos/acme/nothing").await, 404);
    }

    #[tokio::test]
    async fn milestones_filter_by_state_and_paginate() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        for i in 0..105 {
            let state = if i % 5 == 0 {
                ItemState::Closed
            } else {
                ItemState::Open
            };
            repo.add_milestone(&format!("M{i}"), state);
        }
        let open: Vec<Milestone> =
            all_pages(&t.client, "/repos/acme/widgets/milestones?per_page=100").await;
        assert_eq!(open.len(), 84);
        assert!(open.iter().all(|m| m.state.as_deref() == Some("open")));
        let all: Vec<Milestone> =
            all_pages(&t.client, "/repos/acme/widgets/milestones?state=all").await;
        assert_eq!(all.len(), 105);
        let numbers: Vec<i64> = all.iter().map(|m| m.number).collect();
        assert_eq!(numbers, (1..=105).collect::<Vec<i64>>());
        let closed: Vec<Milestone> =
            all_pages(&t.client, "/repos/acme/widgets/milestones?state=closed").await;
        assert_eq!(closed.len(), 21);
        assert_eq!(
            t.status("/repos/acme/widgets/milestones?state=bogus").await,
            422
        );
    }
}
