//! The review stage of an issue: CI, review, approval and merge of its PR.

use crate::checkpoint::{IssuePatch, IssueState};
use crate::github::PullRequest;
use crate::run::flow::merge::{self, Merge};
use crate::run::flow::{FlowError, IssueEnv};
use crate::run::outcome::IssueOutcome;

/// Reviews the PR and merges it when approved.
pub async fn drive(env: &IssueEnv, pull: PullRequest) -> Result<IssueOutcome, FlowError> {
    let pull = env.ctx.gh.get_pull(pull.number).await?;
    if env.row().await?.state == IssueState::PrOpen {
        env.transition(
            IssueState::Reviewing,
            IssuePatch::new().head_sha(pull.head_sha.clone()),
        )
        .await?;
    }
    match merge::merge(env, &pull, &pull.head_sha).await? {
        Merge::Done(outcome) => Ok(outcome),
        Merge::Refused { status, message } => {
            env.fail(format!(
                "GitHub refused to merge PR {} ({status}): {message}",
                pull.number
            ))
            .await
        }
    }
}
