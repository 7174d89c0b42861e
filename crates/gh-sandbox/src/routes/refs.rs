//! `DELETE /repos/{o}/{r}/git/refs/heads/{branch}`, branch names with slashes included.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::types::ItemState;

use super::super::api::{ApiError, ApiResult, slug};
use super::super::backend::{self, blocking};
use super::super::model::now;
use super::App;

pub async fn delete_branch(
    State(app): State<App>,
    Path((owner, name, branch)): Path<(String, String, String)>,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let deleted = match backend::git_dir(&app.state, &slug)? {
        Some(git) => {
            let target = branch.clone();
            blocking(move || git.delete_branch(&target)).await?
        }
        None => app.state.write(|w| {
            w.repo_mut(&slug)
                .is_some_and(|(r, _)| r.branches.remove(&branch).is_some())
        }),
    };
    if !deleted {
        return Err(ApiError::unprocessable("Reference does not exist"));
    }
    app.state.write(|w| {
        let Some((repo, _)) = w.repo_mut(&slug) else {
            return;
        };
        repo.deleted_branches.push(branch.clone());
        // GitHub closes the open PRs whose head branch goes away.
        let open = repo
            .items
            .values_mut()
            .filter(|i| i.state == ItemState::Open);
        for item in open.filter(|i| i.pull.as_ref().is_some_and(|p| p.head_ref == branch)) {
            item.state = ItemState::Closed;
            item.closed_at = Some(now());
        }
    });
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use crate::specs::PullSpec;
    use crate::testkit::TestSandbox;
    use crate::types::ItemState;

    #[tokio::test]
    async fn deleting_a_slashed_branch_is_204_then_422() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.add_pull(PullSpec::new("t", "feat/issue-12-x").head_sha("a".repeat(40)));
        let path = "/repos/acme/widgets/git/refs/heads/feat/issue-12-x";
        let gone = t.raw("DELETE", path, None).await;
        assert_eq!((gone.status, gone.body.as_str()), (204, ""));
        assert_eq!(repo.branch("feat/issue-12-x"), None);
        assert_eq!(repo.deleted_branches(), ["feat/issue-12-x"]);
        assert_eq!(
            repo.pulls()[0].state,
            ItemState::Closed,
            "GitHub closes a PR whose head is deleted"
        );
        let again = t.raw("DELETE", path, None).await;
        assert_eq!(
            (again.status, again.json()["message"].as_str()),
            (422, Some("Reference does not exist"))
        );
        let encoded = t
            .raw(
                "DELETE",
                "/repos/acme/widgets/git/refs/heads/feat%2Fissue-12-x",
                None,
            )
            .await;
        assert_eq!(encoded.status, 422);
    }
}
