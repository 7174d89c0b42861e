//! The sandbox's REST routes, all under `/repos/{owner}/{repo}`, its
//! `POST /graphql`, and what every handler shares.

pub mod actions;
pub mod branches;
pub mod checks;
pub mod comments;
pub mod graphql;
pub mod issues;
pub mod merge;
pub mod pulls;
pub mod refs;
pub mod repos;
pub mod rules;

use std::sync::Arc;

use axum::Router;
use axum::routing::{delete, get, post, put};

use super::api::ApiError;
use super::state::SandboxState;

/// What every handler gets: the world and the sandbox's own base URL.
#[derive(Clone)]
pub struct App {
    pub state: SandboxState,
    pub base: Arc<str>,
}

impl App {
    /// The absolute URL of a path on this sandbox.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

const REPO: &str = "/repos/{owner}/{repo}";

pub fn router(app: App) -> Router {
    let route = |rest: &str| format!("{REPO}{rest}");
    Router::new()
        .route(REPO, get(repos::get_repo))
        .route(
            &route("/branches/{*branch_and_resource}"),
            get(branches::branch_route),
        )
        .route(&route("/milestones"), get(repos::list_milestones))
        .route(&route("/milestones/{number}"), get(repos::get_milestone))
        .route(&route("/issues"), get(issues::list_issues))
        .route(&route("/issues/{number}"), get(issues::get_issue))
        .route(
            &route("/issues/{number}/dependencies/blocked_by"),
            get(issues::blocked_by),
        )
        .route(
            &route("/issues/{number}/comments"),
            get(comments::list_issue_comments).post(comments::post_issue_comment),
        )
        .route(
            &route("/pulls"),
            get(pulls::list_pulls).post(pulls::create_pull),
        )
        .route(&route("/pulls/{number}"), get(pulls::get_pull))
        .route(
            &route("/pulls/{number}/reviews"),
            get(comments::list_reviews),
        )
        .route(
            &route("/pulls/{number}/comments"),
            get(comments::list_review_comments),
        )
        .route(
            &route("/pulls/{number}/update-branch"),
            put(merge::update_branch),
        )
        .route(
            &route("/pulls/{number}/merge"),
            get(merge::is_merged).put(merge::merge),
        )
        .route(
            &route("/commits/{*ref_and_resource}"),
            get(checks::commit_route),
        )
        .route(
            &route("/git/refs/heads/{*branch}"),
            delete(refs::delete_branch),
        )
        .route(&route("/actions/runs/{run_id}"), get(actions::get_run))
        .route(
            &route("/actions/runs/{run_id}/rerun-failed-jobs"),
            post(actions::rerun_failed_jobs),
        )
        .route(&route("/rules/branches/{*branch}"), get(rules::branch))
        .route("/graphql", post(graphql::graphql))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(app)
}

/// GitHub answers 404 for paths and methods it does not serve.
async fn not_found() -> ApiError {
    ApiError::not_found()
}
