//! Opening the PR for a branch a worker pushed without one. An effect with
//! the full protocol: read whether the PR exists for that head, record the
//! intent, create, and after an answer that is lost or ambiguous read again
//! before anything is re-sent. A crash anywhere in between leaves a PR that
//! the next read finds, never a second one.

use crate::github::{GitHubError, ItemState, NewPull, PullRequest};
use crate::ids::BranchName;
use crate::issue::machine::Event;

use super::crashpoint::{Boundary, crashpoint};
use super::{Crash, IssueCtx, Performed};

/// Opens (or finds) the PR for `branch`.
pub async fn open(cx: &IssueCtx, branch: &BranchName) -> Result<Performed, Crash> {
    if let Some(pull) = existing(cx, branch).await? {
        return Ok(opened(pull));
    }
    cx.store
        .event("opening_pr", format!("branch {branch}"))
        .await?;
    crashpoint("open_pr", Boundary::Intent);
    let new = NewPull {
        title: cx.title().to_string(),
        head: branch.clone(),
        base: cx.run.base.clone(),
        body: format!(
            "Closes #{}\n\nOpened by auto-milestone: the worker pushed this branch without opening a pull request.",
            cx.issue.0
        ),
    };
    let pull = match cx.run.gh.create_pull(&new).await {
        Ok(pull) => pull,
        Err(e) if e.is_transient() => return confirm_after(cx, branch, e).await,
        Err(GitHubError::Status {
            status: 422,
            message,
            ..
        }) => {
            // GitHub will not open it (no commits between, the base gone, ...).
            return Ok(Performed::Event(Event::Blocked {
                reason: format!("GitHub would not open a PR for {branch}: {message}"),
            }));
        }
        Err(e) => return Err(e.into()),
    };
    crashpoint("open_pr", Boundary::Done);
    cx.store
        .event(
            "opened_pr",
            format!("PR {} for branch {branch}", pull.number),
        )
        .await?;
    crashpoint("open_pr", Boundary::Confirmed);
    Ok(opened(pull))
}

fn opened(pull: PullRequest) -> Performed {
    Performed::Event(Event::PrOpened {
        pr: pull.number,
        head: pull.head_sha,
    })
}

/// The open PR whose head is exactly `branch`, if there is one.
async fn existing(cx: &IssueCtx, branch: &BranchName) -> Result<Option<PullRequest>, Crash> {
    let pulls = cx.run.gh.pulls_for_branch(branch).await?;
    Ok(pulls
        .into_iter()
        .filter(|p| p.state == ItemState::Open)
        .max_by_key(|p| p.number))
}

/// The create call's answer was lost: only a read says whether it happened.
async fn confirm_after(
    cx: &IssueCtx,
    branch: &BranchName,
    e: GitHubError,
) -> Result<Performed, Crash> {
    tracing::warn!(%e, %branch, "no answer to opening the PR; reading whether it was opened");
    match existing(cx, branch).await? {
        Some(pull) => Ok(opened(pull)),
        // Not opened: the crash reason is transient, and the restarted
        // action reads again before it creates.
        None => Err(e.into()),
    }
}
