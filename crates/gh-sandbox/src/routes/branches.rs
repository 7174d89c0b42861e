//! `GET /repos/{o}/{r}/branches/{branch}/protection`, branch names with
//! slashes included: 403 without admin rights, 404 "Branch not found" or
//! "Branch not protected", else the protection.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::{BRANCH_NOT_FOUND, NOT_PROTECTED};

use super::super::api::{ApiError, ApiResult, ok, slug};
use super::super::backend;
use super::super::shapes::{Urls, protection::branch_protection};
use super::App;

/// GitHub's answer to a non-admin asking for branch protection.
pub const NEEDS_ADMIN: &str = "Must have admin rights to Repository.";

pub async fn branch_route(
    State(app): State<App>,
    Path((owner, name, rest)): Path<(String, String, String)>,
) -> ApiResult {
    let slug = slug(&owner, &name)?;
    let branch = rest
        .strip_suffix("/protection")
        .ok_or_else(ApiError::not_found)?;
    let admin = app
        .state
        .read(|w| w.repo(&slug).map(|r| r.permissions.admin));
    if !admin.ok_or_else(ApiError::not_found)? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, NEEDS_ADMIN));
    }
    if !backend::heads(&app.state, &slug)
        .await?
        .contains_key(branch)
    {
        return Err(ApiError::new(StatusCode::NOT_FOUND, BRANCH_NOT_FOUND));
    }
    let body = app.state.read(|w| {
        let repo = w.repo(&slug)?;
        let protection = repo.protection.get(branch)?;
        Some(branch_protection(
            Urls::of(&app.base, repo),
            branch,
            protection,
        ))
    });
    body.map(|b| ok(&b))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, NOT_PROTECTED))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::specs::PullSpec;
    use crate::testkit::TestSandbox;
    use crate::types::PrNumber;
    use crate::types::{BranchProtection, RepoPermissions};

    const PROTECTION: &str = "/repos/acme/widgets/branches/main/protection";

    #[tokio::test]
    async fn protection_answers_in_githubs_shape_and_words() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        let none = t.raw("GET", PROTECTION, None).await;
        assert_eq!(
            (none.status, none.json()["message"].as_str()),
            (404, Some("Branch not protected"))
        );
        repo.protect_branch("main", BranchProtection::requiring(&["ci"], true));
        let read = t.raw("GET", PROTECTION, None).await.json();
        let checks = &read["required_status_checks"];
        assert_eq!(checks["strict"], true);
        assert_eq!(checks["contexts"], json!(["ci"]));
        assert_eq!(checks["checks"][0]["context"], "ci");
        assert!(read["url"].as_str().unwrap().ends_with(PROTECTION));
        repo.protect_branch("main", BranchProtection::default());
        let bare = t.raw("GET", PROTECTION, None).await.json();
        assert!(bare.get("required_status_checks").is_none(), "{bare}");

        repo.set_permissions(RepoPermissions::read_only());
        let refused = t.raw("GET", PROTECTION, None).await;
        assert_eq!(
            (refused.status, refused.json()["message"].as_str()),
            (403, Some(super::NEEDS_ADMIN))
        );
        assert_eq!(
            t.status("/repos/acme/widgets/branches/main/other").await,
            404
        );
    }

    #[tokio::test]
    async fn the_strict_rule_binds_merges_into_its_own_branch_only() {
        let t = TestSandbox::new();
        let repo = t.sandbox.state().add_repo("acme/widgets", "main");
        repo.set_branch("release", &"0".repeat(40));
        let into_main = repo.add_pull(PullSpec::new("A", "feat/a"));
        let into_release = repo.add_pull(PullSpec::new("B", "feat/b").base("release"));
        for pr in [into_main, into_release] {
            repo.set_mergeable_state(pr, Some("behind"));
        }
        repo.protect_branch("release", BranchProtection::requiring(&[], true));
        let merge = |pr: PrNumber| format!("/repos/acme/widgets/pulls/{}/merge", pr.0);
        assert_eq!(t.raw("PUT", &merge(into_release), None).await.status, 405);
        assert_eq!(t.raw("PUT", &merge(into_main), None).await.status, 200);
        repo.set_require_up_to_date(false);
        assert_eq!(repo.protection("main"), None, "off protects nothing");
        repo.set_require_up_to_date(true);
        assert!(repo.protection("main").unwrap().strict());
        repo.set_require_up_to_date(false);
        assert_eq!(
            repo.protection("main"),
            Some(BranchProtection::requiring(&[], false))
        );
        assert_eq!(
            repo.protection("release"),
            Some(BranchProtection::requiring(&[], true))
        );
    }
}
