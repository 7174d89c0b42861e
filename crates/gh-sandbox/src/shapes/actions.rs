//! A GitHub Actions workflow run (`workflow-run`), as `GET
//! .../actions/runs/{run_id}` answers it.

use serde_json::{Value, json};

use super::super::handle::fake_sha;
use super::super::model::{Repo, WorkflowRun};
use super::super::sim::actions::WORKFLOW_PATH;
use super::checks::pulls_at;
use super::{Urls, node_id, repository, ts, user};

pub fn workflow_run(base: &str, repo: &Repo, run: &WorkflowRun) -> Value {
    let urls = Urls::of(base, repo);
    let api = |rest: &str| urls.api(&format!("/actions/runs/{}{rest}", run.id));
    let workflow_id = repo.id + 161_000_000;
    let previous =
        (run.run_attempt > 1).then(|| api(&format!("/attempts/{}", run.run_attempt - 1)));
    let title = title(repo, run);
    json!({
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WFR", run.id),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": WORKFLOW_PATH,
        "display_title": title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": workflow_id,
        "check_suite_id": run.check_suite_id,
        "check_suite_node_id": node_id("CS", run.check_suite_id),
        "url": api(""),
        "html_url": urls.html(&format!("/actions/runs/{}", run.id)),
        "pull_requests": pulls_at(base, repo, &run.head_sha),
        "created_at": ts(run.created_at),
        "updated_at": ts(run.updated_at),
        "actor": user(base, &run.actor),
        "triggering_actor": user(base, &run.actor),
        "run_attempt": run.run_attempt,
        "referenced_workflows": [],
        "run_started_at": ts(run.run_started_at),
        "jobs_url": api("/jobs"),
        "logs_url": api("/logs"),
        "check_suite_url": urls.api(&format!("/check-suites/{}", run.check_suite_id)),
        "artifacts_url": api("/artifacts"),
        "cancel_url": api("/cancel"),
        "rerun_url": api("/rerun"),
        "previous_attempt_url": previous,
        "workflow_url": urls.api(&format!("/actions/workflows/{workflow_id}")),
        "head_commit": head_commit(run, &title),
        "repository": repository(base, repo),
        "head_repository": repository(base, repo)
    })
}

/// What GitHub shows as the run's title: the PR's title, else the commit's.
fn title(repo: &Repo, run: &WorkflowRun) -> String {
    let pulls = repo
        .items
        .values()
        .filter(|i| i.pull.as_ref().is_some_and(|p| p.head_sha == run.head_sha));
    pulls
        .map(|i| i.title.clone())
        .next_back()
        .unwrap_or_else(|| run.name.clone())
}

fn head_commit(run: &WorkflowRun, message: &str) -> Value {
    let person = json!({
        "name": run.actor,
        "email": format!("{}@users.noreply.github.com", run.actor)
    });
    json!({
        "id": run.head_sha,
        "tree_id": fake_sha(&format!("tree {}", run.head_sha)),
        "message": message,
        "timestamp": ts(run.created_at),
        "author": person,
        "committer": person
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;
    use crate::specs::PullSpec;
    use crate::types::RepoSlug;

    #[test]
    fn a_workflow_run_decodes_as_octocrabs_run() {
        let mut world = World::default();
        let slug = RepoSlug::new("acme", "widgets");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        let sha = "a".repeat(40);
        repo.insert_pull(ids, PullSpec::new("Add x", "feat/x"), sha.clone(), "me");
        let (id, _) = repo.insert_workflow_run(ids, &sha, "octocat", &["ci/test".to_string()]);
        let repo = world.repo(&slug).unwrap();
        let value = workflow_run("http://127.0.0.1:9", repo, repo.workflow_run(id).unwrap());
        assert_eq!(value["run_attempt"], 1);
        assert_eq!(value["previous_attempt_url"], Value::Null);
        assert_eq!(value["display_title"], "Add x");
        assert_eq!(value["pull_requests"][0]["number"], 1);
        let run: octocrab::models::workflows::Run = serde_json::from_value(value).unwrap();
        assert_eq!(
            (run.head_branch.as_str(), run.event.as_str()),
            ("feat/x", "pull_request")
        );
        assert_eq!(run.status, "queued");
        assert!(
            run.html_url
                .as_str()
                .ends_with(&format!("/acme/widgets/actions/runs/{id}"))
        );
    }
}
