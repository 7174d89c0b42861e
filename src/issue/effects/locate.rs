//! Looking for work that already exists for an issue, before a worker runs
//! and after it ends: its PR in any state, a pushed branch with commits, the
//! issue closed. A fresh start, a resume and a restart all look the same
//! way, so nothing is ever done twice.

use crate::git::branch_for_issue;
use crate::github::{ItemState, PullRequest};
use crate::ids::{BranchName, PrNumber};
use crate::issue::link::{closed_pull, pick_pull};
use crate::issue::machine::{Event, Found};
use crate::worker::WorkerKind;

use super::{Crash, IssueCtx, Performed};

/// Looks at GitHub and origin for the issue's PR or branch.
pub async fn locate(cx: &IssueCtx) -> Result<Performed, Crash> {
    cx.doing("looking for existing work");
    let row = cx.store.row().await?;
    if let Some(pr) = row.pr {
        let pull = cx.run.gh.get_pull(pr).await?;
        return Ok(found(known(cx, pull).await?));
    }
    let branches = issue_branches(cx, row.branch.as_ref()).await?;
    let mut pulls = Vec::new();
    for branch in &branches {
        pulls.extend(cx.run.gh.pulls_for_branch(branch).await?);
    }
    if let Some((pull, linked)) = pick_pull(&pulls, &cx.run.repo, cx.issue) {
        return Ok(found(if pull.merged {
            merged(pull)
        } else {
            Found::Open {
                pr: pull.number,
                branch: pull.head_ref.clone(),
                head: pull.head_sha.clone(),
                linked,
            }
        }));
    }
    if let Some(pull) = closed_pull(&pulls) {
        let by = closed_by(cx, pull.number).await?;
        return Ok(found(Found::Closed {
            pr: pull.number,
            by,
        }));
    }
    if let Some(branch) = cx.workspace.with_commits(branches).await? {
        return Ok(found(Found::Branch { branch }));
    }
    let issue = cx.run.gh.get_issue(cx.issue).await?;
    if issue.is_some_and(|i| i.state == ItemState::Closed) {
        return Ok(found(Found::IssueClosed));
    }
    let branch = row
        .branch
        .clone()
        .unwrap_or_else(|| branch_for_issue("feat", cx.issue, cx.title()));
    let continues = row
        .session
        .as_ref()
        .is_some_and(|s| s.kind == WorkerKind::Implement.as_str());
    Ok(found(Found::Nothing { branch, continues }))
}

fn found(found: Found) -> Performed {
    Performed::Event(Event::Located(found))
}

fn merged(pull: &PullRequest) -> Found {
    Found::Merged {
        pr: pull.number,
        branch: pull.head_ref.clone(),
        by: pull.merged_by.clone(),
    }
}

/// The PR the checkpoint knows, as it is now.
async fn known(cx: &IssueCtx, pull: PullRequest) -> Result<Found, Crash> {
    Ok(if pull.merged {
        merged(&pull)
    } else if pull.state == ItemState::Open {
        Found::Open {
            pr: pull.number,
            branch: pull.head_ref,
            head: pull.head_sha,
            linked: true,
        }
    } else {
        let by = closed_by(cx, pull.number).await?;
        Found::Closed {
            pr: pull.number,
            by,
        }
    })
}

/// Who closed PR `pr` (GitHub tells it on the PR's issue).
pub async fn closed_by(cx: &IssueCtx, pr: PrNumber) -> Result<Option<String>, Crash> {
    let issue = cx.run.gh.get_issue(crate::ids::IssueNumber(pr.0)).await?;
    Ok(issue.and_then(|i| i.closed_by))
}

/// Origin's branches named for this issue, the one recorded in the
/// checkpoint first.
async fn issue_branches(
    cx: &IssueCtx,
    recorded: Option<&BranchName>,
) -> Result<Vec<BranchName>, Crash> {
    let mut branches = cx.workspace.issue_branches(cx.issue).await?;
    if let Some(recorded) = recorded
        && let Some(pos) = branches.iter().position(|b| b == recorded)
    {
        let first = branches.remove(pos);
        branches.insert(0, first);
    }
    Ok(branches)
}
