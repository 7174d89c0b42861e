//! GitHub is the truth: a person may merge, close, retarget or push to a PR
//! at any moment. Every wait reads the PR at each poll and stops waiting the
//! moment it is not the PR the wait is about any more.

use crate::github::{ItemState, PullRequest};
use crate::ids::{CommitSha, PrNumber};
use crate::issue::machine::Event;
use crate::review;

use super::locate::closed_by;
use super::{Crash, IssueCtx};

/// The PR as read, or the event that ends the wait.
pub enum Truth {
    Same(PullRequest),
    Changed(Event),
}

/// Reads PR `pr`; a wait about `head` (when given) ends if the head moved.
pub async fn read(cx: &IssueCtx, pr: PrNumber, head: Option<&CommitSha>) -> Result<Truth, Crash> {
    let pull = cx.run.gh.get_pull(pr).await?;
    compare(cx, pull, head).await
}

/// What `pull` says about a wait for `head`.
pub async fn compare(
    cx: &IssueCtx,
    pull: PullRequest,
    head: Option<&CommitSha>,
) -> Result<Truth, Crash> {
    if pull.merged {
        return Ok(Truth::Changed(Event::PrMerged {
            sha: pull.merge_commit_sha.clone(),
            by: pull.merged_by.clone(),
        }));
    }
    if pull.state == ItemState::Closed {
        let by = closed_by(cx, pull.number).await?;
        return Ok(Truth::Changed(Event::PrClosed { by }));
    }
    if pull.base_ref != cx.run.base {
        return Ok(Truth::Changed(Event::PrRetargeted {
            base: pull.base_ref.clone(),
        }));
    }
    if let Some(head) = head
        && pull.head_sha != *head
    {
        return Ok(Truth::Changed(Event::Review(review::Event::HeadMoved {
            head: pull.head_sha.clone(),
        })));
    }
    Ok(Truth::Same(pull))
}
