//! CI on a commit: its check runs and its combined status. The ref may be a
//! SHA or a branch; a CI script starts on a commit the first time it is asked about.

use axum::extract::{Path, RawQuery, State};
use axum::http::Uri;
use serde_json::{Value, json};

use crate::types::RepoSlug;

use super::super::api::{ApiError, ApiResult, Params, ok, slug};
use super::super::backend;
use super::super::model::{CheckRun, Repo};
use super::super::pagination::{paginate, with_link};
use super::super::shapes::checks::{check_run, combined_status};
use super::super::sim::ci;
use super::App;

/// The commit a ref names, with the CI script started on it; 422 when there is none.
async fn commit_for(app: &App, slug: &RepoSlug, rev: &str) -> Result<String, ApiError> {
    let sha = backend::resolve(&app.state, slug, rev).await?;
    let sha =
        sha.ok_or_else(|| ApiError::unprocessable(format!("No commit found for SHA: {rev}")))?;
    ci::ensure_started(&app.state, slug, &sha);
    Ok(sha)
}

/// The runs a request selects: the latest per name unless `filter=all`, then by name and status.
fn select<'a>(repo: &'a Repo, sha: &str, params: &Params) -> Vec<&'a CheckRun> {
    let mut runs: Vec<&CheckRun> = repo
        .check_runs
        .iter()
        .filter(|r| r.head_sha == sha)
        .collect();
    if params.get("filter") != Some("all") {
        let every = runs.clone();
        runs.retain(|r| {
            every
                .iter()
                .filter(|o| o.name == r.name)
                .all(|o| o.id <= r.id)
        });
    }
    runs.retain(|r| params.get("check_name").is_none_or(|n| r.name == n));
    runs.retain(|r| params.get("status").is_none_or(|s| r.status == s));
    runs.sort_by_key(|r| std::cmp::Reverse(r.id));
    runs
}

/// `GET .../commits/{ref}/check-runs` and `.../commits/{ref}/status`, where the
/// ref may hold slashes (`heads/main`, `feat/issue-12-x`), encoded or not.
pub async fn commit_route(
    State(app): State<App>,
    Path((owner, name, rest)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    uri: Uri,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let params = Params::parse(query.as_deref());
    if let Some(rev) = rest.strip_suffix("/check-runs") {
        let sha = commit_for(&app, &slug, rev).await?;
        return check_runs(&app, &slug, &sha, &params, &uri);
    }
    if let Some(rev) = rest.strip_suffix("/status") {
        let sha = commit_for(&app, &slug, rev).await?;
        let body = app
            .state
            .read(|w| w.repo(&slug).map(|r| combined_status(&app.base, r, &sha)));
        return body.map(|b| ok(&b)).ok_or_else(ApiError::not_found);
    }
    Err(ApiError::not_found())
}

fn check_runs(app: &App, slug: &RepoSlug, sha: &str, params: &Params, uri: &Uri) -> ApiResult {
    let all = app.state.read(|w| {
        let repo = w.repo(slug)?;
        let runs = select(repo, sha, params).into_iter();
        Some(
            runs.map(|r| check_run(&app.base, repo, r))
                .collect::<Vec<_>>(),
        )
    });
    let all = all.ok_or_else(ApiError::not_found)?;
    let total = all.len();
    let page = paginate(all, params, &app.url(uri.path()));
    let body = json!({ "total_count": total, "check_runs": Value::Array(page.items) });
    Ok(with_link(ok(&body), page.link))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use octocrab::models::checks::{CheckRun, ListCheckRuns};
    use octocrab::models::{CombinedStatus, StatusState};

    use crate::sim::CiScript;
    use crate::testkit::TestSandbox;

    const SHA: &str = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.set_branch("feat/issue-12-x", SHA);
        t
    }

    #[tokio::test]
    async fn check_runs_by_sha_or_branch_paginate_and_keep_status() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        for i in 0..105 {
            repo.add_check_run(SHA, &format!("job {i}"), "completed", Some("success"));
        }
        let queued = repo.add_check_run(SHA, "ci/test", "queued", None);
        let path = format!("/repos/acme/widgets/commits/{SHA}/check-runs?per_page=100");
        let first = t.raw("GET", &path, None).await;
        assert_eq!(first.json()["total_count"], 106);
        assert_eq!(first.json()["check_runs"].as_array().unwrap().len(), 100);
        assert_eq!(first.json()["check_runs"][0]["status"], "queued");
        assert!(first.header("link").unwrap().contains("rel=\"next\""));
        let decoded: ListCheckRuns = serde_json::from_str(&first.body).unwrap();
        assert_eq!(decoded.check_runs[0].conclusion, None);
        repo.update_check_run(queued, "completed", Some("failure"));
        let by_branch =
            "/repos/acme/widgets/commits/feat%2Fissue-12-x/check-runs?check_name=ci/test";
        let runs: ListCheckRuns = t.client.get(by_branch, None::<&()>).await.unwrap();
        let run: &CheckRun = &runs.check_runs[0];
        assert_eq!(
            (runs.total_count, run.conclusion.as_deref()),
            (1, Some("failure"))
        );
        let slashed = "/repos/acme/widgets/commits/heads/feat/issue-12-x/check-runs";
        let slashed = t.raw("GET", slashed, None).await;
        assert_eq!(
            slashed.json()["total_count"],
            106,
            "a ref may carry raw slashes"
        );
        let elsewhere = format!("/repos/acme/widgets/commits/{SHA}/nothing");
        assert_eq!(t.status(&elsewhere).await, 404);
        let unknown = t
            .raw("GET", "/repos/acme/widgets/commits/nope/check-runs", None)
            .await;
        assert_eq!(
            (unknown.status, unknown.json()["message"].as_str()),
            (422, Some("No commit found for SHA: nope"))
        );
    }

    #[tokio::test]
    async fn only_the_latest_run_per_name_counts_unless_asked_for_all() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        repo.add_check_run(SHA, "ci/test", "completed", Some("failure"));
        repo.add_check_run(SHA, "ci/test", "in_progress", None);
        let latest = t
            .raw(
                "GET",
                &format!("/repos/acme/widgets/commits/{SHA}/check-runs"),
                None,
            )
            .await;
        assert_eq!(latest.json()["total_count"], 1);
        assert_eq!(latest.json()["check_runs"][0]["status"], "in_progress");
        let all = t
            .raw(
                "GET",
                &format!("/repos/acme/widgets/commits/{SHA}/check-runs?filter=all"),
                None,
            )
            .await;
        assert_eq!(all.json()["total_count"], 2);
    }

    #[tokio::test]
    async fn check_runs_and_status_answer_304_while_unchanged() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let run = repo.add_check_run(SHA, "ci/test", "queued", None);
        repo.add_status(SHA, "ci/lint", "pending", None);
        for path in [
            format!("/repos/acme/widgets/commits/{SHA}/check-runs"),
            format!("/repos/acme/widgets/commits/{SHA}/status"),
        ] {
            let first = t.raw("GET", &path, None).await;
            let etag = first.header("etag").unwrap();
            assert_eq!(
                t.get_if_none_match(&path, &etag).await.status,
                304,
                "{path}"
            );
        }
        let path = format!("/repos/acme/widgets/commits/{SHA}/check-runs");
        let etag = t.raw("GET", &path, None).await.header("etag").unwrap();
        repo.update_check_run(run, "completed", Some("success"));
        let changed = t.get_if_none_match(&path, &etag).await;
        assert_eq!(changed.status, 200);
        assert_ne!(changed.header("etag").unwrap(), etag);
    }

    #[tokio::test]
    async fn combined_status_decodes_for_a_sha_and_a_branch() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        repo.add_status(SHA, "ci/lint", "pending", None);
        repo.add_status(SHA, "ci/lint", "success", Some("ok"));
        let by_sha: CombinedStatus = t
            .client
            .get(
                format!("/repos/acme/widgets/commits/{SHA}/status"),
                None::<&()>,
            )
            .await
            .unwrap();
        assert_eq!(
            (by_sha.state, by_sha.total_count),
            (StatusState::Success, 1)
        );
        let by_branch: CombinedStatus = t
            .client
            .get(
                "/repos/acme/widgets/commits/feat%2Fissue-12-x/status",
                None::<&()>,
            )
            .await
            .unwrap();
        assert_eq!(by_branch.sha, SHA);
    }

    #[tokio::test]
    async fn the_ci_script_reports_queued_then_in_progress_then_completed() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let script = CiScript {
            queued_for: Duration::from_millis(250),
            running_for: Duration::from_millis(250),
            ..CiScript::default()
        };
        repo.set_ci(Some(script));
        let path = format!("/repos/acme/widgets/commits/{SHA}/check-runs");
        let first = t.raw("GET", &path, None).await;
        assert_eq!(first.json()["check_runs"][0]["status"], "queued");
        assert_eq!(first.json()["check_runs"][0]["name"], "ci/test");
        let status = t
            .raw(
                "GET",
                &format!("/repos/acme/widgets/commits/{SHA}/status"),
                None,
            )
            .await;
        assert_eq!(status.json()["state"], "pending");
        let state = t.sandbox.state().clone();
        let progressed = state
            .wait_until(Duration::from_secs(5), |_| {
                repo.check_runs(SHA)
                    .iter()
                    .any(|r| r.status == "in_progress")
            })
            .await;
        assert!(progressed);
        let done = state
            .wait_until(Duration::from_secs(5), |_| {
                repo.check_runs(SHA)[0].status == "completed"
            })
            .await;
        assert!(done);
        let finished = t.raw("GET", &path, None).await;
        assert_eq!(finished.json()["check_runs"][0]["conclusion"], "success");
        assert_eq!(
            finished.json()["total_count"],
            1,
            "the script runs once per commit"
        );
        let status = t
            .raw(
                "GET",
                &format!("/repos/acme/widgets/commits/{SHA}/status"),
                None,
            )
            .await;
        assert_eq!(status.json()["state"], "success");
    }
}
