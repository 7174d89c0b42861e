//! Check runs and the combined commit status in GitHub's shapes.

use serde_json::{Value, json};

use crate::types::ItemState;

use super::super::model::{CheckRun, CommitStatus, Repo};
use super::{Urls, node_id, opt_ts, repository, ts, user};

pub fn check_run(base: &str, repo: &Repo, run: &CheckRun) -> Value {
    let urls = Urls::of(base, repo);
    // An Actions job links to its run's job page and sits in the run's check suite.
    let workflow_run = run.run_id.and_then(|id| repo.workflow_run(id));
    let (html, suite) = match workflow_run {
        Some(wr) => (
            urls.html(&format!("/actions/runs/{}/job/{}", wr.id, run.id)),
            wr.check_suite_id,
        ),
        None => (urls.html(&format!("/runs/{}", run.id)), run.id + 7_000_000),
    };
    let title = run.conclusion.as_deref().unwrap_or(&run.status).to_string();
    json!({
        "id": run.id,
        "node_id": node_id("CR", run.id),
        "head_sha": run.head_sha,
        "external_id": "",
        "url": urls.api(&format!("/check-runs/{}", run.id)),
        "html_url": html,
        "details_url": run.details_url.clone().unwrap_or_else(|| html.clone()),
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": ts(run.started_at),
        "completed_at": opt_ts(run.completed_at),
        "output": {
            "title": title,
            "summary": format!("{} {}", run.name, title),
            "text": null,
            "annotations_count": 0,
            "annotations_url": urls.api(&format!("/check-runs/{}/annotations", run.id))
        },
        "name": run.name,
        "check_suite": { "id": suite },
        "app": app(base),
        "pull_requests": pulls_at(base, repo, &run.head_sha)
    })
}

/// The GitHub App that "ran" the checks.
fn app(base: &str) -> Value {
    json!({
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": user(base, "github"),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": format!("{base}/apps/github-actions"),
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {},
        "events": []
    })
}

/// The minimal PR objects GitHub lists on a check run or a workflow run:
/// open PRs whose head is `sha`.
pub fn pulls_at(base: &str, repo: &Repo, sha: &str) -> Vec<Value> {
    let urls = Urls::of(base, repo);
    let mini_repo = json!({ "id": repo.id, "url": urls.api(""), "name": repo.slug.name });
    let open = repo.items.values().filter(|i| i.state == ItemState::Open);
    open.filter_map(|item| {
        let pr = item.pull.as_ref().filter(|p| p.head_sha == sha)?;
        // Known in memory only; a git-backed base is not read just to render this.
        let base_sha = repo.branches.get(&pr.base_ref).cloned().unwrap_or_default();
        Some(json!({
            "url": urls.api(&format!("/pulls/{}", item.number)),
            "id": pr.id,
            "number": item.number,
            "head": { "ref": pr.head_ref, "sha": pr.head_sha, "repo": mini_repo },
            "base": { "ref": pr.base_ref, "sha": base_sha, "repo": mini_repo }
        }))
    })
    .collect()
}

pub fn status(base: &str, repo: &Repo, s: &CommitStatus) -> Value {
    let urls = Urls::of(base, repo);
    json!({
        "url": urls.api(&format!("/statuses/{}", s.sha)),
        "avatar_url": format!("{base}/avatars/u/9919?v=4"),
        "id": s.id,
        "node_id": node_id("SC", s.id),
        "state": s.state,
        "description": s.description,
        "target_url": s.target_url,
        "context": s.context,
        "created_at": ts(s.created_at),
        "updated_at": ts(s.created_at)
    })
}

/// The combined status of `sha`: the latest status per context, and the overall state.
pub fn combined_status(base: &str, repo: &Repo, sha: &str) -> Value {
    let urls = Urls::of(base, repo);
    let latest = latest_statuses(repo, sha);
    let statuses: Vec<Value> = latest.iter().map(|s| status(base, repo, s)).collect();
    json!({
        "state": combined_state(&latest),
        "statuses": statuses,
        "sha": sha,
        "total_count": latest.len(),
        "repository": repository(base, repo),
        "commit_url": urls.api(&format!("/commits/{sha}")),
        "url": urls.api(&format!("/commits/{sha}/status"))
    })
}

/// The newest status of each context, ordered by context.
pub fn latest_statuses<'a>(repo: &'a Repo, sha: &str) -> Vec<&'a CommitStatus> {
    let mut latest: Vec<&CommitStatus> = Vec::new();
    for s in repo.statuses.iter().filter(|s| s.sha == sha) {
        match latest.iter_mut().find(|l| l.context == s.context) {
            Some(slot) if slot.id < s.id => *slot = s,
            Some(_) => {}
            None => latest.push(s),
        }
    }
    latest.sort_by(|a, b| a.context.cmp(&b.context));
    latest
}

/// GitHub's rule: failure if any error/failure, pending if none or any pending, else success.
pub fn combined_state(latest: &[&CommitStatus]) -> &'static str {
    let any = |state: &str| latest.iter().any(|s| s.state == state);
    if any("error") || any("failure") {
        "failure"
    } else if latest.is_empty() || any("pending") {
        "pending"
    } else {
        "success"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::World;
    use crate::specs::PullSpec;
    use crate::types::RepoSlug;

    const BASE: &str = "http://127.0.0.1:9";

    fn world() -> (World, RepoSlug) {
        let mut world = World::default();
        let slug = RepoSlug::new("acme", "widgets");
        world.repos.push(Repo::new(slug.clone(), 1, "main"));
        (world, slug)
    }

    #[test]
    fn check_runs_decode_and_list_the_open_pr_on_their_sha() {
        let (mut world, slug) = world();
        let sha = "c".repeat(40);
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        repo.insert_pull(ids, PullSpec::new("t", "feat/a"), sha.clone(), "me");
        repo.insert_check_run(ids, &sha, "ci/test", "completed", Some("success"));
        let repo = world.repo(&slug).unwrap();
        let value = check_run(BASE, repo, &repo.check_runs[0]);
        assert_eq!(value["status"], "completed");
        let run: octocrab::models::checks::CheckRun = serde_json::from_value(value).unwrap();
        assert_eq!(run.conclusion.as_deref(), Some("success"));
        assert_eq!(run.pull_requests.len(), 1);
        assert_eq!(run.pull_requests[0].number, 1);
    }

    #[test]
    fn combined_status_keeps_the_latest_per_context() {
        let (mut world, slug) = world();
        let sha = "d".repeat(40);
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        repo.insert_status(ids, &sha, "ci/lint", "pending", None);
        repo.insert_status(ids, &sha, "ci/lint", "success", Some("ok"));
        repo.insert_status(ids, &sha, "ci/build", "pending", None);
        let repo = world.repo(&slug).unwrap();
        let combined: octocrab::models::CombinedStatus =
            serde_json::from_value(combined_status(BASE, repo, &sha)).unwrap();
        assert_eq!(combined.total_count, 2);
        assert_eq!(combined.state, octocrab::models::StatusState::Pending);
        let lint = combined
            .statuses
            .iter()
            .find(|s| s.context.as_deref() == Some("ci/lint"))
            .unwrap();
        assert_eq!(lint.state, octocrab::models::StatusState::Success);
    }

    #[test]
    fn combined_state_follows_githubs_rule() {
        let (mut world, slug) = world();
        let (repo, ids) = world.repo_mut(&slug).unwrap();
        assert_eq!(combined_state(&[]), "pending");
        repo.insert_status(ids, "s", "a", "success", None);
        assert_eq!(combined_state(&latest_statuses(repo, "s")), "success");
        repo.insert_status(ids, "s", "b", "error", None);
        assert_eq!(combined_state(&latest_statuses(repo, "s")), "failure");
    }
}
