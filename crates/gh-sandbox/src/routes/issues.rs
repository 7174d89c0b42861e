//! Issues: the list (which, as on GitHub, includes pull requests), one
//! issue, and its native "blocked by" dependencies.

use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::Value;

use crate::types::ItemState;
use crate::types::RepoSlug;

use super::super::api::{ApiError, ApiResult, Params, number, ok, slug};
use super::super::model::{Item, Repo, now};
use super::super::pagination::{list_reply, paginate};
use super::super::shapes::issues::issue;
use super::App;
use super::repos::state_filter;

/// Which milestone a `milestone` parameter selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MilestoneFilter {
    Any,
    Some,
    None,
    Number(u64),
}

impl MilestoneFilter {
    fn parse(raw: Option<&str>) -> Self {
        match raw {
            None => MilestoneFilter::Any,
            Some("*") => MilestoneFilter::Some,
            Some("none") => MilestoneFilter::None,
            // An unknown milestone selects nothing rather than everything.
            Some(n) => MilestoneFilter::Number(n.parse().unwrap_or(0)),
        }
    }

    fn admits(self, milestone: Option<u64>) -> bool {
        match self {
            MilestoneFilter::Any => true,
            MilestoneFilter::Some => milestone.is_some(),
            MilestoneFilter::None => milestone.is_none(),
            MilestoneFilter::Number(n) => milestone == Some(n),
        }
    }
}

/// The issues a list request selects, in the order it asks for (newest first by default).
fn select<'a>(repo: &'a Repo, params: &Params) -> Result<Vec<&'a Item>, ApiError> {
    let wanted = state_filter(params, "open")?;
    let milestone = MilestoneFilter::parse(params.get("milestone"));
    let labels: Vec<&str> = params
        .get("labels")
        .map(|l| l.split(',').collect())
        .unwrap_or_default();
    let mut items: Vec<&Item> = repo
        .items
        .values()
        .filter(|i| wanted.is_none_or(|s| i.state == s))
        .filter(|i| milestone.admits(i.milestone))
        .filter(|i| {
            labels
                .iter()
                .all(|l| i.labels.iter().any(|have| have == l.trim()))
        })
        .collect();
    match params.get("sort") {
        Some("updated") => items.sort_by_key(|i| (i.updated_at, i.number)),
        _ => items.sort_by_key(|i| i.number),
    }
    if params.get("direction") != Some("asc") {
        items.reverse();
    }
    Ok(items)
}

pub async fn list_issues(
    State(app): State<App>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let params = Params::parse(query.as_deref());
    let all = app.state.read(|w| {
        let repo = w.repo(&slug).ok_or_else(ApiError::not_found)?;
        let items = select(repo, &params)?;
        Ok::<_, ApiError>(
            items
                .into_iter()
                .map(|i| issue(&app.base, repo, i))
                .collect::<Vec<_>>(),
        )
    })?;
    Ok(list_reply(paginate(all, &params, &app.url(uri.path()))))
}

pub async fn get_issue(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let body = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        repo.items.get(&n).map(|i| issue(&app.base, repo, i))
    });
    body.map(|b| ok(&b)).ok_or_else(ApiError::not_found)
}

pub async fn blocked_by(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let params = Params::parse(query.as_deref());
    let all = app.state.read(|w| {
        let repo = w.repo(&slug).filter(|r| r.dependencies_api)?;
        let item = repo.items.get(&n)?;
        let rendered = item.blocked_by.iter().map(|(other, number)| {
            let found = w.repo(other).and_then(|r| Some((r, r.items.get(number)?)));
            match found {
                Some((r, blocker)) => issue(&app.base, r, blocker),
                None => stand_in(&app.base, other, *number),
            }
        });
        Some(rendered.collect::<Vec<Value>>())
    });
    let all = all.ok_or_else(ApiError::not_found)?;
    Ok(list_reply(paginate(all, &params, &app.url(uri.path()))))
}

/// A blocker in a repository the sandbox does not hold: an open issue with a generic title.
fn stand_in(base: &str, slug: &RepoSlug, number: u64) -> Value {
    let repo = Repo::new(slug.clone(), 1, "main");
    let item = Item {
        id: number + 9_000_000,
        number,
        title: format!("Issue {number}"),
        body: None,
        labels: Vec::new(),
        state: ItemState::Open,
        milestone: None,
        author: slug.owner.clone(),
        created_at: now(),
        updated_at: now(),
        closed_at: None,
        closed_by: None,
        blocked_by: Vec::new(),
        pull: None,
    };
    issue(base, &repo, &item)
}

#[cfg(test)]
mod tests {
    use octocrab::models::issues::Issue;

    use super::*;
    use crate::specs::{IssueSpec, PullSpec};
    use crate::testkit::{TestSandbox, all_pages};
    use crate::types::IssueNumber;

    #[test]
    fn milestone_filter_reads_githubs_forms() {
        assert!(MilestoneFilter::parse(None).admits(None));
        assert!(MilestoneFilter::parse(Some("*")).admits(Some(3)));
        assert!(!MilestoneFilter::parse(Some("*")).admits(None));
        assert!(MilestoneFilter::parse(Some("none")).admits(None));
        assert!(MilestoneFilter::parse(Some("3")).admits(Some(3)));
        assert!(!MilestoneFilter::parse(Some("x")).admits(Some(3)));
    }

    #[tokio::test]
    async fn the_list_filters_by_milestone_and_state_and_includes_pulls() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        let m = repo.add_milestone("OB3 Phase 1", ItemState::Open);
        for i in 0..120 {
            let spec = IssueSpec::new(format!("issue {i}")).milestone(m);
            repo.add_issue(if i % 4 == 0 { spec.closed() } else { spec });
        }
        repo.add_issue(IssueSpec::new("elsewhere"));
        repo.add_pull(PullSpec::new("the PR", "feat/issue-1-x").milestone(m));
        let path = format!("/repos/acme/widgets/issues?milestone={m}&state=all&per_page=100");
        let all: Vec<Issue> = all_pages(&t.client, &path).await;
        assert_eq!(all.len(), 121);
        assert_eq!(all.iter().filter(|i| i.pull_request.is_some()).count(), 1);
        assert_eq!(all[0].number, 122, "newest first");
        let open: Vec<Issue> = all_pages(
            &t.client,
            &format!("/repos/acme/widgets/issues?milestone={m}"),
        )
        .await;
        assert_eq!(open.len(), 91);
        let none: Vec<Issue> =
            all_pages(&t.client, "/repos/acme/widgets/issues?milestone=none").await;
        assert_eq!(
            none.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
            ["elsewhere"]
        );
    }

    #[tokio::test]
    async fn one_issue_decodes_and_a_pr_number_gives_the_pr_as_issue() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.add_issue(
            IssueSpec::new("Add KeyPair")
                .body("Blocked by #3")
                .label("feature"),
        );
        repo.add_pull(PullSpec::new("PR", "feat/issue-1-x"));
        let one: Issue = t
            .client
            .get("/repos/acme/widgets/issues/1", None::<&()>)
            .await
            .unwrap();
        assert_eq!(one.body.as_deref(), Some("Blocked by #3"));
        assert_eq!(one.labels[0].name, "feature");
        let pr: Issue = t
            .client
            .get("/repos/acme/widgets/issues/2", None::<&()>)
            .await
            .unwrap();
        assert!(pr.pull_request.is_some());
        let missing = t.raw("GET", "/repos/acme/widgets/issues/3", None).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["message"], "Not Found");
        assert_eq!(t.status("/repos/acme/widgets/issues/abc").await, 404);
    }

    #[tokio::test]
    async fn blocked_by_lists_blockers_across_repos_and_can_be_switched_off() {
        let t = TestSandbox::new();
        let state = t.sandbox.state();
        let repo = state.add_repo("acme/widgets", "main");
        let other = state.add_repo("acme/lib", "main");
        let blocker = repo.add_issue(IssueSpec::new("Blocker"));
        let elsewhere = other.add_issue(IssueSpec::new("Lib work"));
        let blocked = repo.add_issue(IssueSpec::new("Blocked"));
        repo.add_blocked_by(blocked, repo.slug(), blocker);
        repo.add_blocked_by(blocked, other.slug(), elsewhere);
        repo.add_blocked_by(blocked, &"far/away".parse().unwrap(), IssueNumber(9));
        let path = "/repos/acme/widgets/issues/2/dependencies/blocked_by";
        let deps: Vec<Issue> = t.client.get(path, None::<&()>).await.unwrap();
        let found: Vec<(String, u64)> = deps
            .iter()
            .map(|i| (i.repository_url.path().to_string(), i.number))
            .collect();
        assert_eq!(
            found,
            [
                ("/repos/acme/widgets".to_string(), 1),
                ("/repos/acme/lib".to_string(), 1),
                ("/repos/far/away".to_string(), 9)
            ]
        );
        repo.set_dependencies_api(false);
        assert_eq!(t.status(path).await, 404);
    }
}
