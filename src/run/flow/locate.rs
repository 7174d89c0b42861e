//! Finding work that already exists for an issue before (and after) a worker
//! runs: its PR in any state, or a pushed branch with commits. The same
//! search serves a fresh start, an actor restart and a resume, so nothing is
//! ever done twice.

use crate::checkpoint::IssueRow;
use crate::git::issue_branch_match;
use crate::github::{ItemState, PullRequest};
use crate::ids::BranchName;

use super::env::{FlowError, IssueEnv};
use super::link::pick_pull;

/// What exists on GitHub for the issue.
#[derive(Debug, Clone)]
pub enum Found {
    /// Its PR, already merged.
    Merged(PullRequest),
    /// Its open PR.
    Open {
        pull: PullRequest,
        linked: bool,
    },
    /// The PR the checkpoint knows was closed without merging.
    Closed(PullRequest),
    /// A pushed branch with commits ahead of the base, and no PR.
    Branch(BranchName),
    /// The issue was closed on GitHub without a PR of ours.
    IssueClosed,
    Nothing,
}

/// Looks at GitHub and origin for the issue's PR or branch.
pub async fn existing_work(env: &IssueEnv, row: &IssueRow) -> Result<Found, FlowError> {
    if let Some(pr) = row.pr {
        let pull = env.ctx.gh.get_pull(pr).await?;
        return Ok(classify_known(pull));
    }
    let branches = issue_branches(env, row).await?;
    let mut pulls = Vec::new();
    for branch in &branches {
        pulls.extend(env.ctx.gh.pulls_for_branch(branch).await?);
    }
    if let Some((pull, linked)) = pick_pull(&pulls, &env.ctx.repo, env.issue) {
        return Ok(if pull.merged {
            Found::Merged(pull.clone())
        } else {
            Found::Open {
                pull: pull.clone(),
                linked,
            }
        });
    }
    if let Some(branch) = first_with_commits(env, branches).await? {
        return Ok(Found::Branch(branch));
    }
    let issue = env.ctx.gh.get_issue(env.issue).await?;
    Ok(match issue {
        Some(i) if i.state == ItemState::Closed => Found::IssueClosed,
        _ => Found::Nothing,
    })
}

fn classify_known(pull: PullRequest) -> Found {
    if pull.merged {
        Found::Merged(pull)
    } else if pull.state == ItemState::Open {
        Found::Open { pull, linked: true }
    } else {
        Found::Closed(pull)
    }
}

/// Branches on origin named for this issue (`<kind>/issue-<N>` or
/// `<kind>/issue-<N>-...`), the one recorded in the checkpoint first.
async fn issue_branches(env: &IssueEnv, row: &IssueRow) -> Result<Vec<BranchName>, FlowError> {
    let kinds = &env.ctx.settings.branch_kinds;
    let mut branches: Vec<BranchName> = env
        .ctx
        .git
        .ls_remote_heads("origin")
        .await?
        .into_iter()
        .map(|(branch, _)| branch)
        .filter(|b| issue_branch_match(&b.0, env.issue, kinds))
        .collect();
    if let Some(recorded) = &row.branch
        && let Some(pos) = branches.iter().position(|b| b == recorded)
    {
        let first = branches.remove(pos);
        branches.insert(0, first);
    }
    Ok(branches)
}

/// The first of `branches` with commits the base does not have; one fetch
/// brings the base and every branch.
async fn first_with_commits(
    env: &IssueEnv,
    branches: Vec<BranchName>,
) -> Result<Option<BranchName>, FlowError> {
    if branches.is_empty() {
        return Ok(None);
    }
    let base = &env.ctx.base.0;
    let git = &env.ctx.git;
    let mut refspecs = vec![base.as_str()];
    refspecs.extend(branches.iter().map(|b| b.0.as_str()));
    git.fetch("origin", &refspecs).await?;
    let base_ref = format!("origin/{base}");
    for branch in branches {
        if git
            .commits_ahead(&base_ref, &format!("origin/{}", branch.0))
            .await?
            > 0
        {
            return Ok(Some(branch));
        }
    }
    Ok(None)
}
