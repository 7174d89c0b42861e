//! GitHub Actions workflow runs: `GET .../actions/runs/{run_id}` and `POST
//! .../actions/runs/{run_id}/rerun-failed-jobs` (201 `{}`), with GitHub's
//! refusals: 404 for an unknown run, 403 while it runs, when nothing
//! failed, or when the token may not re-run workflows.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use super::super::api::{ApiError, ApiResult, json_body, number, ok, reply, slug};
use super::super::shapes::actions::workflow_run;
use super::super::sim::actions::{self, RerunRefusal};
use super::App;

/// GitHub's answer to a token without `actions: write`.
pub const NOT_ACCESSIBLE: &str = "Resource not accessible by integration";
/// GitHub's answer to re-running a run that has not finished.
pub const ALREADY_RUNNING: &str = "This workflow is already running";
/// GitHub's answer to re-running a run with nothing to re-run.
pub const CANNOT_RETRY: &str = "This workflow run cannot be retried";

pub async fn get_run(
    State(app): State<App>,
    Path((owner, name, run_id)): Path<(String, String, String)>,
) -> ApiResult {
    let (slug, run_id) = (slug(&owner, &name)?, number(&run_id)?);
    let body = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        let run = repo.workflow_run(run_id)?;
        Some(workflow_run(&app.base, repo, run))
    });
    body.map(|b| ok(&b)).ok_or_else(ApiError::not_found)
}

pub async fn rerun_failed_jobs(
    State(app): State<App>,
    Path((owner, name, run_id)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let (slug, run_id) = (slug(&owner, &name)?, number(&run_id)?);
    json_body(&body)?;
    let refused = |message: &str| ApiError::new(StatusCode::FORBIDDEN, message);
    match actions::rerun_failed_jobs(&app.state, &slug, run_id) {
        Ok(()) => Ok(reply(StatusCode::CREATED, &json!({}))),
        Err(RerunRefusal::NotFound) => Err(ApiError::not_found()),
        Err(RerunRefusal::NotAllowed) => Err(refused(NOT_ACCESSIBLE)),
        Err(RerunRefusal::Running) => Err(refused(ALREADY_RUNNING)),
        Err(RerunRefusal::NothingFailed) => Err(refused(CANNOT_RETRY)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use octocrab::models::checks::ListCheckRuns;
    use serde_json::{Value, json};

    use crate::sim::CiScript;
    use crate::specs::PullSpec;
    use crate::testkit::TestSandbox;
    use crate::{RepoHandle, WorkflowRun};

    const SHA: &str = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";
    const REPO: &str = "/repos/acme/widgets";

    /// A repository whose CI takes a moment, and a PR at `SHA` adding `line`.
    fn sandbox(line: &str) -> (TestSandbox, RepoHandle) {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.set_ci(Some(CiScript {
            queued_for: Duration::from_millis(10),
            running_for: Duration::from_millis(60),
            ..CiScript::default()
        }));
        repo.add_pull(
            PullSpec::new("Add x", "feat/x")
                .head_sha(SHA)
                .added_line("a.rs", 1, line),
        );
        (t, repo)
    }

    async fn finished(t: &TestSandbox, repo: &RepoHandle) -> WorkflowRun {
        let done = t.sandbox.state().wait_until(Duration::from_secs(5), |_| {
            repo.workflow_runs(SHA)
                .iter()
                .all(|r| r.status == "completed")
        });
        assert!(done.await, "the run completes");
        repo.workflow_runs(SHA).remove(0)
    }

    async fn check_runs(t: &TestSandbox, query: &str) -> Value {
        let path = format!("{REPO}/commits/{SHA}/check-runs{query}");
        t.raw("GET", &path, None).await.json()
    }

    async fn rerun(t: &TestSandbox, run: u64) -> crate::testkit::Raw {
        let path = format!("{REPO}/actions/runs/{run}/rerun-failed-jobs");
        t.raw("POST", &path, Some(json!({}))).await
    }

    #[tokio::test]
    async fn a_flaky_job_fails_then_passes_after_rerunning_failed_jobs() {
        let (t, repo) = sandbox("let x = 1; // CI_FLAKY");
        let first = check_runs(&t, "").await;
        let run = finished(&t, &repo).await;
        assert_eq!(
            (run.run_attempt, run.conclusion.as_deref()),
            (1, Some("failure"))
        );
        let job = first["check_runs"][0]["id"].as_u64().unwrap();
        let failed = check_runs(&t, "").await;
        let shown = &failed["check_runs"][0];
        assert_eq!(shown["conclusion"], "failure");
        assert_eq!(shown["app"]["slug"], "github-actions");
        assert_eq!(shown["check_suite"]["id"], run.check_suite_id);
        let job_page = format!("/acme/widgets/actions/runs/{}/job/{job}", run.id);
        assert!(
            shown["details_url"].as_str().unwrap().ends_with(&job_page),
            "{shown}"
        );
        assert_eq!(shown["html_url"], shown["details_url"]);

        let accepted = rerun(&t, run.id).await;
        assert_eq!((accepted.status, accepted.json()), (201, json!({})));
        let again = finished(&t, &repo).await;
        assert_eq!((again.id, again.run_attempt), (run.id, 2));
        assert_eq!(again.conclusion.as_deref(), Some("success"));
        let latest: ListCheckRuns = serde_json::from_value(check_runs(&t, "").await).unwrap();
        assert_eq!(latest.total_count, 1);
        assert_eq!(latest.check_runs[0].conclusion.as_deref(), Some("success"));
        assert_ne!(latest.check_runs[0].id.0, job, "a new check run, same name");
        let all = check_runs(&t, "?filter=all").await;
        assert_eq!(all["total_count"], 2);
        assert_eq!(
            all["check_runs"][1]["conclusion"], "failure",
            "the old one stays"
        );
        let statuses = repo.statuses(SHA);
        assert_eq!(
            statuses.last().unwrap().state,
            "success",
            "statuses are not flaky"
        );
        assert_eq!(statuses.len(), 2, "a re-run posts no status");

        let read = t
            .raw("GET", &format!("{REPO}/actions/runs/{}", run.id), None)
            .await;
        let decoded: octocrab::models::workflows::Run = serde_json::from_str(&read.body).unwrap();
        assert_eq!(
            (decoded.status.as_str(), decoded.conclusion.as_deref()),
            ("completed", Some("success"))
        );
        assert_eq!(read.json()["run_attempt"], 2);
        assert_eq!(read.json()["check_suite_id"], run.check_suite_id);
        assert!(
            read.json()["previous_attempt_url"]
                .as_str()
                .unwrap()
                .ends_with("/attempts/1")
        );
    }

    #[tokio::test]
    async fn a_broken_commit_fails_again_on_rerun() {
        let (t, repo) = sandbox("// CI_FAIL");
        check_runs(&t, "").await;
        let run = finished(&t, &repo).await;
        assert_eq!(rerun(&t, run.id).await.status, 201);
        let again = finished(&t, &repo).await;
        assert_eq!(
            (again.run_attempt, again.conclusion.as_deref()),
            (2, Some("failure"))
        );
    }

    #[tokio::test]
    async fn reruns_are_refused_like_github() {
        let (t, repo) = sandbox("fine");
        check_runs(&t, "").await;
        let run = repo.workflow_runs(SHA)[0].id;
        let running = rerun(&t, run).await;
        assert_eq!(
            (running.status, running.json()["message"].as_str()),
            (403, Some(super::ALREADY_RUNNING))
        );
        finished(&t, &repo).await;
        let green = rerun(&t, run).await;
        assert_eq!(
            (green.status, green.json()["message"].as_str()),
            (403, Some(super::CANNOT_RETRY))
        );
        repo.set_rerun_allowed(false);
        let forbidden = rerun(&t, run).await;
        assert_eq!(
            (forbidden.status, forbidden.json()["message"].as_str()),
            (403, Some(super::NOT_ACCESSIBLE))
        );
        assert_eq!(rerun(&t, 4242).await.status, 404);
        assert_eq!(t.status(&format!("{REPO}/actions/runs/4242")).await, 404);
        assert_eq!(t.status(&format!("{REPO}/actions/runs/nope")).await, 404);
    }
}
