//! The review loop's waits: CI on the PR's head (check runs and statuses,
//! conditional requests, backing-off polls) and the automated review of the
//! head. Both notice a head that moves under them, and obey the stop signal.

use chrono::Utc;

use crate::github::PullRequest;
use crate::ids::{CommitSha, PrNumber};
use crate::review::{
    CiOutcome, CiTiming, CiWatch, Endpoint, Notice, ReviewPoll, ReviewWait, Reviewers, Triage,
    TriageInput, triage,
};

use super::env::{FlowError, IssueEnv};

/// How a wait ended.
pub enum WaitEnd<T> {
    Done(T),
    /// The PR's head is no longer the one waited on.
    HeadMoved(CommitSha),
    Stopped,
}

/// The PR's head now, if it moved away from `head`.
async fn moved_from(
    env: &IssueEnv,
    pr: PrNumber,
    head: &CommitSha,
) -> Result<Option<CommitSha>, FlowError> {
    let now = env.ctx.gh.get_pull(pr).await?.head_sha;
    Ok((now != *head).then_some(now))
}

/// Waits for CI on `head` (started at `since`, which survives a restart).
pub async fn watch_ci(
    env: &IssueEnv,
    pr: PrNumber,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<WaitEnd<CiOutcome>, FlowError> {
    let mut watch = CiWatch::new(
        head.clone(),
        since,
        CiTiming::from_settings(&env.ctx.settings.ci),
    );
    let gh = &env.ctx.gh;
    loop {
        if let Some(new) = moved_from(env, pr, head).await? {
            return Ok(WaitEnd::HeadMoved(new));
        }
        let runs = gh.check_runs(head, watch.etag(Endpoint::CheckRuns)).await?;
        watch.record_check_runs(runs);
        let statuses = gh
            .commit_statuses(head, watch.etag(Endpoint::Statuses))
            .await?;
        watch.record_statuses(statuses);
        if let Some(outcome) = watch.outcome(Utc::now()) {
            return Ok(WaitEnd::Done(outcome));
        }
        tracing::debug!(head = head.short(), verdict = ?watch.verdict(), "CI not finished");
        env.doing(format!(
            "waiting for CI on {}: {:?}",
            head.short(),
            watch.verdict()
        ));
        if !env.pause(watch.next_poll()).await {
            return Ok(WaitEnd::Stopped);
        }
    }
}

/// What the review wait found.
pub struct ReviewFound {
    pub found: bool,
    pub notice: Option<Notice>,
    pub triage: Triage,
}

/// Waits for the automated review of `head`, then triages every comment on it.
pub async fn watch_review(
    env: &IssueEnv,
    pull: &PullRequest,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<WaitEnd<ReviewFound>, FlowError> {
    let reviewers = Reviewers::from_settings(&env.ctx.settings.review);
    let wait = ReviewWait::new(head.clone(), since, reviewers.clone());
    let gh = &env.ctx.gh;
    let interval = env.ctx.settings.ci.poll_min.get();
    loop {
        if let Some(new) = moved_from(env, pull.number, head).await? {
            return Ok(WaitEnd::HeadMoved(new));
        }
        let reviews = gh.list_reviews(pull.number).await?;
        let comments = gh.list_issue_comments(pull.number.0).await?;
        let (found, notice) = match wait.poll(&reviews, &comments, Utc::now()) {
            ReviewPoll::Found { .. } => (true, None),
            ReviewPoll::NoReview { notice } => (false, notice),
            ReviewPoll::Waiting { notice } => {
                env.doing(format!(
                    "waiting for the review of {}{}",
                    head.short(),
                    notice.map(|n| format!(" ({n:?})")).unwrap_or_default()
                ));
                if !env.pause(interval).await {
                    return Ok(WaitEnd::Stopped);
                }
                continue;
            }
        };
        let inline = gh.list_review_comments(pull.number).await?;
        let input = TriageInput {
            head,
            pr_author: &pull.author,
            reviews: &reviews,
            comments: &inline,
            reviewers: &reviewers,
        };
        return Ok(WaitEnd::Done(ReviewFound {
            found,
            notice,
            triage: triage(&input),
        }));
    }
}

/// Posts `@coderabbitai review` for `head` unless it is reviewed or already
/// asked for; `true` when it posted.
pub async fn request_review(
    env: &IssueEnv,
    pr: PrNumber,
    head: &CommitSha,
    since: chrono::DateTime<Utc>,
) -> Result<bool, FlowError> {
    let reviewers = Reviewers::from_settings(&env.ctx.settings.review);
    let wait = ReviewWait::new(head.clone(), since, reviewers);
    let gh = &env.ctx.gh;
    let reviews = gh.list_reviews(pr).await?;
    let comments = gh.list_issue_comments(pr.0).await?;
    if !wait.needs_trigger(&reviews, &comments) {
        return Ok(false);
    }
    gh.post_issue_comment(pr.0, crate::review::REVIEW_TRIGGER)
        .await?;
    Ok(true)
}
