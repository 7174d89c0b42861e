//! One issue's flow, from "pending" to a final state: find existing work,
//! run the worker, find or open the PR, review it, merge it. Every step
//! persists its state change before its side effect; every wait obeys the
//! stop signal. The issue actor runs this; a restarted actor runs it again
//! from the checkpoint and picks up where it was.

pub mod env;
pub mod fixes;
pub mod implement;
pub mod link;
pub mod locate;
pub mod merge;
pub mod plain;
pub mod review_stage;
pub mod waits;
pub mod worker;

pub use env::{FlowError, IssueEnv};

use crate::checkpoint::{IssueRow, IssueState};
use crate::github::PullRequest;
use crate::run::outcome::IssueOutcome;

use implement::Implemented;
use locate::Found;

/// Drives the issue as far as it can go.
pub async fn drive(env: &IssueEnv) -> Result<IssueOutcome, FlowError> {
    let row = env.row().await?;
    if let Some(outcome) = settled(&row) {
        return Ok(outcome);
    }
    let pull = match obtain_pr(env, &row).await? {
        Implemented::Pr(pull) => pull,
        Implemented::Done(outcome) => return Ok(outcome),
    };
    review_stage::drive(env, pull).await
}

/// The outcome of an issue already in a final state.
fn settled(row: &IssueRow) -> Option<IssueOutcome> {
    let reason = |r: &Option<String>| r.clone().unwrap_or_default();
    match row.state {
        IssueState::Merged => row.pr.map(|pr| IssueOutcome::Merged { pr }),
        IssueState::Skipped => Some(IssueOutcome::Skipped {
            reason: reason(&row.skip_reason),
        }),
        IssueState::Failed => Some(IssueOutcome::Failed {
            reason: reason(&row.last_error),
        }),
        _ => None,
    }
}

/// The issue's open PR: found, opened for a pushed branch, or made by a worker.
async fn obtain_pr(env: &IssueEnv, row: &IssueRow) -> Result<Implemented, FlowError> {
    let done = |o| Ok(Implemented::Done(o));
    match locate::existing_work(env, row).await? {
        Found::Open { pull, linked } => {
            Ok(Implemented::Pr(adopt_if_new(env, row, pull, linked).await?))
        }
        Found::Branch(branch) => Ok(Implemented::Pr(implement::open_pr(env, &branch).await?)),
        Found::Merged(pull) => done(env.merged(pull.number).await?),
        Found::Closed(pull) => done(
            env.fail(format!("PR {} was closed without merging", pull.number))
                .await?,
        ),
        Found::IssueClosed => done(env.skip("the issue was closed on GitHub").await?),
        Found::Nothing => implement::implement(env, row).await,
    }
}

/// A PR found before any worker ran is recorded unless the row already has it.
async fn adopt_if_new(
    env: &IssueEnv,
    row: &IssueRow,
    pull: PullRequest,
    linked: bool,
) -> Result<PullRequest, FlowError> {
    if row.pr == Some(pull.number)
        && row.state != IssueState::Pending
        && row.state != IssueState::Running
    {
        return Ok(pull);
    }
    if row.pr.is_none() {
        env.note(format!(
            "found existing PR {}; going straight to review",
            pull.number
        ));
    }
    implement::adopt(env, pull, linked).await
}
