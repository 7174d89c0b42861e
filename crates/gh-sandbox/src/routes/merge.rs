//! Updating a PR branch (a real merge commit of the base into the head) and
//! merging a PR (a real squash or merge commit on the base), with GitHub's
//! refusals: 405 not mergeable or the base requires the merge queue, 409
//! head moved, 422 on update conflicts.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::types::ItemState;
use crate::types::RepoSlug;

use super::super::api::{ApiError, ApiResult, field, json_body, number, ok, reply, slug};
use super::super::backend::{self, blocking};
use super::super::git::{GitDir, GitError, MergeTree};
use super::super::handle::fake_sha;
use super::super::merging::{self, Refusal};
use super::super::model::PullInfo;
use super::App;

/// A PR's parts a merge or update needs, after syncing its head with its branch.
struct Target {
    title: String,
    open: bool,
    pull: PullInfo,
    base_sha: String,
    mergeable_state: String,
    git: Option<GitDir>,
    require_up_to_date: bool,
    /// The base branch's ruleset requires the merge queue.
    queue_required: bool,
    html_url: String,
}

async fn target(app: &App, slug: &RepoSlug, n: u64) -> Result<Target, ApiError> {
    let view = backend::pull_view(&app.state, slug, n).await?;
    let found = app.state.read(|w| {
        let repo = w.repo(slug)?;
        let item = repo.pull(n)?;
        Some(Target {
            title: item.title.clone(),
            open: item.state == ItemState::Open,
            pull: item.pull.clone()?,
            base_sha: view.base_sha.clone(),
            mergeable_state: view.mergeable_state.clone().unwrap_or_default(),
            git: repo.git_dir.clone().map(GitDir::new),
            require_up_to_date: repo
                .protection
                .get(&item.pull.as_ref()?.base_ref)
                .is_some_and(|p| p.strict())
                || repo.ruleset.strict(&item.pull.as_ref()?.base_ref),
            queue_required: repo.ruleset.requires_queue(&item.pull.as_ref()?.base_ref),
            html_url: format!("{}/{}/pull/{n}", app.base, repo.slug),
        })
    });
    found.ok_or_else(ApiError::not_found)
}

/// GitHub's answer to merging directly into a branch that requires the merge queue.
pub const QUEUE_REQUIRED: &str =
    "Repository rule violations found\n\nChanges must be made through the merge queue";

fn not_mergeable() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Pull Request is not mergeable",
    )
}

pub async fn update_branch(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let body = json_body(&body)?;
    let t = target(&app, &slug, n).await?;
    if !t.open {
        return Err(ApiError::unprocessable(
            "Cannot update a closed pull request.",
        ));
    }
    if field(&body, "expected_head_sha").is_some_and(|sha| sha != t.pull.head_sha) {
        return Err(ApiError::unprocessable(
            "expected head sha didn’t match current head ref.",
        ));
    }
    match t.mergeable_state.as_str() {
        "dirty" => {
            return Err(ApiError::unprocessable(
                "merge conflict between base and head",
            ));
        }
        "behind" => {}
        _ => {
            return Err(ApiError::unprocessable(
                "There are no new commits on the base branch.",
            ));
        }
    }
    let new_head = match &t.git {
        Some(git) => merge_base_into_head(git.clone(), &t).await?,
        None => fake_sha(&format!("{}+{}", t.pull.head_sha, t.base_sha)),
    };
    app.state.write(|w| {
        let Some((repo, _)) = w.repo_mut(&slug) else {
            return;
        };
        if t.git.is_none() {
            repo.branches
                .insert(t.pull.head_ref.clone(), new_head.clone());
        }
        if let Some(pull) = repo.items.get_mut(&n).and_then(|i| i.pull.as_mut()) {
            pull.head_sha = new_head.clone();
            pull.mergeable_state = None;
        }
    });
    let answer = json!({ "message": "Updating pull request branch.", "url": t.html_url });
    Ok(reply(StatusCode::ACCEPTED, &answer))
}

/// Writes the merge commit of the base into the head and moves the head branch to it.
async fn merge_base_into_head(git: GitDir, t: &Target) -> Result<String, ApiError> {
    let (head, base) = (t.pull.head_sha.clone(), t.base_sha.clone());
    let (head_ref, base_ref) = (t.pull.head_ref.clone(), t.pull.base_ref.clone());
    let done = blocking(move || {
        let MergeTree::Clean { tree } = git.merge_tree(&head, &base)? else {
            return Ok(None);
        };
        let message = format!("Merge branch '{base_ref}' into {head_ref}");
        let commit = git.commit_tree(&tree, &[&head, &base], &message)?;
        git.move_branch(&head_ref, &commit, &head)?;
        Ok::<_, GitError>(Some(commit))
    })
    .await?;
    done.ok_or_else(|| ApiError::unprocessable("merge conflict between base and head"))
}

/// `GET .../pulls/{n}/merge`: 204 when merged, 404 when not.
pub async fn is_merged(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let merged = app.state.read(|w| {
        let pull = w.repo(&slug)?.pull(n)?.pull.as_ref()?;
        Some(pull.merged)
    });
    match merged {
        Some(true) => Ok(StatusCode::NO_CONTENT.into_response()),
        _ => Err(ApiError::not_found()),
    }
}

/// The merge request body's choices.
struct MergeRequest {
    sha: Option<String>,
    method: String,
    title: Option<String>,
    message: Option<String>,
}

fn merge_request(body: &Value) -> Result<MergeRequest, ApiError> {
    let method = field(body, "merge_method").unwrap_or("merge").to_string();
    if !matches!(method.as_str(), "merge" | "squash" | "rebase") {
        return Err(ApiError::validation(json!({
            "resource": "PullRequest", "field": "merge_method", "code": "invalid"
        })));
    }
    Ok(MergeRequest {
        sha: field(body, "sha").map(str::to_string),
        method,
        title: field(body, "commit_title").map(str::to_string),
        message: field(body, "commit_message").map(str::to_string),
    })
}

pub async fn merge(
    State(app): State<App>,
    Path((owner, name, n)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let (slug, n) = (slug(&owner, &name)?, number(&n)?);
    let request = merge_request(&json_body(&body)?)?;
    let t = target(&app, &slug, n).await?;
    if !t.open || t.pull.merged {
        return Err(not_mergeable());
    }
    if t.queue_required {
        return Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            QUEUE_REQUIRED,
        ));
    }
    if request
        .sha
        .as_ref()
        .is_some_and(|sha| *sha != t.pull.head_sha)
    {
        let message = "Head branch was modified. Review and try the merge again.";
        return Err(ApiError::new(StatusCode::CONFLICT, message));
    }
    if t.mergeable_state == "dirty" || (t.require_up_to_date && t.mergeable_state == "behind") {
        return Err(not_mergeable());
    }
    let message = merging::message(
        &t.title,
        n,
        &t.pull.head_ref,
        &request.method,
        request.title.as_deref(),
        request.message.as_deref(),
    );
    let merged = match &t.git {
        Some(git) => commit_merge(git.clone(), &t, &request.method, message).await?,
        None => merging::made_up(n, &t.base_sha),
    };
    app.state.write(|w| {
        let viewer = w.viewer.clone();
        let Some((repo, _)) = w.repo_mut(&slug) else {
            return;
        };
        if t.git.is_none() {
            repo.branches
                .insert(t.pull.base_ref.clone(), merged.clone());
        }
        repo.record_merge(n, &merged, &viewer);
    });
    Ok(ok(
        &json!({ "sha": merged, "merged": true, "message": "Pull Request successfully merged" }),
    ))
}

/// Writes the merged commit on the base branch; 405 on a conflict, 409 if
/// the base moved meanwhile.
async fn commit_merge(
    git: GitDir,
    t: &Target,
    method: &str,
    message: String,
) -> Result<String, ApiError> {
    let (head, base, base_ref) = (
        t.pull.head_sha.clone(),
        t.base_sha.clone(),
        t.pull.base_ref.clone(),
    );
    let two_parents = method == "merge";
    let written =
        blocking(move || merging::write(&git, (&base, &base_ref), &head, two_parents, &message))
            .await?;
    written.map_err(|refusal| match refusal {
        Refusal::Conflict => not_mergeable(),
        Refusal::BaseMoved => ApiError::new(
            StatusCode::CONFLICT,
            "Base branch was modified. Review and try the merge again.",
        ),
    })
}

#[cfg(test)]
mod tests {
    use octocrab::models::pulls::{Merge, MergeableState, PullRequest};
    use serde_json::json;

    use crate::specs::{IssueSpec, PullSpec};
    use crate::testkit::TestSandbox;
    use crate::types::ItemState;

    const HEAD: &str = "1111111111111111111111111111111111111111";

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.set_branch("main", &"0".repeat(40));
        repo.add_issue(IssueSpec::new("Add x"));
        repo.add_pull(
            PullSpec::new("Add x", "feat/issue-1-x")
                .head_sha(HEAD)
                .body("Closes #1"),
        );
        t
    }

    #[tokio::test]
    async fn a_merge_at_the_head_succeeds_and_closes_the_linked_issue() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        assert_eq!(
            t.status("/repos/acme/widgets/pulls/2/merge").await,
            404,
            "not merged yet"
        );
        let body = json!({"sha": HEAD, "merge_method": "squash", "commit_title": "Add x (#2)"});
        let merged = t
            .raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(body))
            .await;
        assert_eq!(merged.status, 200);
        let answer: Merge = serde_json::from_str(&merged.body).unwrap();
        assert!(answer.merged);
        assert_eq!(
            answer.message.as_deref(),
            Some("Pull Request successfully merged")
        );
        assert_eq!(repo.branch("main"), answer.sha);
        let pr: PullRequest = t
            .client
            .get("/repos/acme/widgets/pulls/2", None::<&()>)
            .await
            .unwrap();
        assert_eq!((pr.merged, pr.merge_commit_sha), (Some(true), answer.sha));
        assert_eq!(
            pr.merged_by.map(|u| u.login).as_deref(),
            Some("octocat"),
            "the token's user merged it"
        );
        assert_eq!(repo.issue(1).unwrap().state, ItemState::Closed);
        assert_eq!(t.status("/repos/acme/widgets/pulls/2/merge").await, 204);
        let again = t
            .raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(json!({})))
            .await;
        assert_eq!(
            (again.status, again.json()["message"].as_str()),
            (405, Some("Pull Request is not mergeable"))
        );
    }

    #[tokio::test]
    async fn a_stale_sha_is_409_and_an_unmergeable_pr_405() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let stale = t
            .raw(
                "PUT",
                "/repos/acme/widgets/pulls/2/merge",
                Some(json!({"sha": "f".repeat(40)})),
            )
            .await;
        assert_eq!(stale.status, 409);
        assert_eq!(
            stale.json()["message"],
            "Head branch was modified. Review and try the merge again."
        );
        repo.set_mergeable_state(crate::types::PrNumber(2), Some("dirty"));
        assert_eq!(
            t.raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(json!({})))
                .await
                .status,
            405
        );
        repo.set_mergeable_state(crate::types::PrNumber(2), Some("behind"));
        repo.set_require_up_to_date(true);
        assert_eq!(
            t.raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(json!({})))
                .await
                .status,
            405
        );
        let bad = t
            .raw(
                "PUT",
                "/repos/acme/widgets/pulls/2/merge",
                Some(json!({"merge_method": "yolo"})),
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(!repo.pulls()[0].pull.as_ref().unwrap().merged);
        assert_eq!(
            t.raw("PUT", "/repos/acme/widgets/pulls/9/merge", Some(json!({})))
                .await
                .status,
            404
        );
    }

    #[tokio::test]
    async fn merge_faults_can_be_injected() {
        let t = sandbox();
        let route = crate::Route::matching("PUT", "/repos/*/*/pulls/*/merge");
        let fault = crate::Fault::Error {
            status: 405,
            message: "Pull Request is not mergeable".into(),
        };
        t.sandbox.faults().inject(route, fault, 1);
        assert_eq!(
            t.raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(json!({})))
                .await
                .status,
            405
        );
        assert_eq!(
            t.raw("PUT", "/repos/acme/widgets/pulls/2/merge", Some(json!({})))
                .await
                .status,
            200
        );
    }

    #[tokio::test]
    async fn update_branch_moves_a_behind_head_and_refuses_otherwise() {
        let t = sandbox();
        let repo = t.sandbox.repo("acme/widgets").unwrap();
        let path = "/repos/acme/widgets/pulls/2/update-branch";
        let current = t
            .raw("PUT", path, Some(json!({"expected_head_sha": HEAD})))
            .await;
        assert_eq!(
            current.json()["message"],
            "There are no new commits on the base branch."
        );
        repo.set_mergeable_state(crate::types::PrNumber(2), Some("behind"));
        let moved = t
            .raw(
                "PUT",
                path,
                Some(json!({"expected_head_sha": "e".repeat(40)})),
            )
            .await;
        assert_eq!(
            (moved.status, moved.json()["message"].as_str()),
            (
                422,
                Some("expected head sha didn’t match current head ref.")
            )
        );
        let accepted = t
            .raw("PUT", path, Some(json!({"expected_head_sha": HEAD})))
            .await;
        assert_eq!(
            (accepted.status, accepted.json()["message"].as_str()),
            (202, Some("Updating pull request branch."))
        );
        let pr: PullRequest = t
            .client
            .get("/repos/acme/widgets/pulls/2", None::<&()>)
            .await
            .unwrap();
        assert_ne!(pr.head.sha, HEAD);
        assert_eq!(
            repo.branch("feat/issue-1-x").as_deref(),
            Some(pr.head.sha.as_str())
        );
        assert_eq!(pr.mergeable_state, Some(MergeableState::Clean));
        repo.set_mergeable_state(crate::types::PrNumber(2), Some("dirty"));
        let conflict = t.raw("PUT", path, Some(json!({}))).await;
        assert_eq!(
            conflict.json()["message"],
            "merge conflict between base and head"
        );
    }
}
