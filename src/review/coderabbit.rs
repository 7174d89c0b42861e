//! Finding the automated review of a PR's current head: a review by one of
//! the configured bot logins whose `commit_id` is the head, or CodeRabbit's
//! "No actionable comments" summary naming the head. Rate-limit and
//! review-skipped notices are recognised in CodeRabbit's real wordings and are
//! never a review (field note 6). Also says when the driver must post
//! `@coderabbitai review`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::github::{IssueComment, Review};
use crate::ids::CommitSha;

/// The comment that asks CodeRabbit to review the current head.
pub const REVIEW_TRIGGER: &str = "@coderabbitai review";

/// CodeRabbit's login on github.com.
pub const DEFAULT_BOT: &str = "coderabbitai[bot]";

/// Who the automated reviewer is and how long to wait for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewers {
    /// Logins whose reviews are the automated review (compared case-insensitively).
    pub bots: Vec<String>,
    /// How long to wait for the review of a head before going on without one.
    pub wait: Duration,
}

impl Default for Reviewers {
    fn default() -> Self {
        Reviewers {
            bots: vec![DEFAULT_BOT.to_string()],
            wait: Duration::from_secs(5 * 60),
        }
    }
}

impl Reviewers {
    /// From the `[review]` settings.
    pub fn from_settings(review: &crate::config::ReviewSettings) -> Self {
        Reviewers {
            bots: review.bots.clone(),
            wait: review.wait.get(),
        }
    }

    /// Whether `login` is one of the configured reviewer bots.
    pub fn is_reviewer(&self, login: &str) -> bool {
        self.bots.iter().any(|b| b.eq_ignore_ascii_case(login))
    }

    /// The handles a human uses to talk to the bots (`@coderabbitai`).
    pub fn handles(&self) -> impl Iterator<Item = String> + '_ {
        self.bots.iter().map(|b| {
            let name = b.strip_suffix("[bot]").unwrap_or(b);
            format!("@{}", name.to_ascii_lowercase())
        })
    }
}

/// Whether a login is any GitHub App (`...[bot]`): other bots' comments are
/// neither the review nor a human's.
pub fn is_app_login(login: &str) -> bool {
    login.to_ascii_lowercase().ends_with("[bot]")
}

/// CodeRabbit saying it did not review.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// "Rate limit exceeded", "Review limit reached", "Review rate limited".
    RateLimited,
    /// "Review skipped" (auto reviews disabled, draft, labels, ...) or "Reviews paused".
    Skipped,
}

/// Recognises a rate-limit or review-skipped notice. Keys on CodeRabbit's
/// hidden markers and on its headings, not on free prose, so a review that
/// merely mentions rate limits is still a review.
pub fn notice(body: &str) -> Option<Notice> {
    let lower = body.to_lowercase();
    if lower.contains("rate limited by coderabbit.ai") {
        return Some(Notice::RateLimited);
    }
    if lower.contains("skip review by coderabbit.ai") {
        return Some(Notice::Skipped);
    }
    lower.lines().find_map(|line| {
        let line = line.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
        let heading = line
            .strip_prefix('#')
            .map(|h| h.trim_start_matches('#').trim());
        match heading {
            Some(h) if h.starts_with("rate limit exceeded") => Some(Notice::RateLimited),
            Some(h) if h.starts_with("review limit reached") => Some(Notice::RateLimited),
            Some(h) if h.starts_with("review skipped") => Some(Notice::Skipped),
            Some(h) if h.starts_with("reviews paused") => Some(Notice::Skipped),
            _ if line.starts_with("review rate limited") => Some(Notice::RateLimited),
            _ => None,
        }
    })
}

/// Whether a comment asks CodeRabbit for a review.
pub fn is_review_request(body: &str) -> bool {
    let lower = body.to_lowercase();
    lower.contains("@coderabbitai review") || lower.contains("@coderabbitai full review")
}

/// CodeRabbit's summary comment (edited in place) saying the review of
/// `head` found nothing. Its "between <base> and <head>" names the commit.
fn is_clean_summary_for(body: &str, head: &CommitSha) -> bool {
    body.contains("No actionable comments were generated") && body.contains(head.0.as_str())
}

/// The reviewer bots' reviews of `head`, notices left out.
pub fn head_reviews<'a>(
    reviews: &'a [Review],
    head: &CommitSha,
    who: &Reviewers,
) -> Vec<&'a Review> {
    reviews
        .iter()
        .filter(|r| who.is_reviewer(&r.user) && r.commit_id.as_ref() == Some(head))
        .filter(|r| !matches!(r.state.as_str(), "PENDING" | "DISMISSED"))
        .filter(|r| notice(&r.body).is_none())
        .collect()
}

/// What a look at the PR found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewPoll {
    /// The head was reviewed (`review_ids` empty when only the summary
    /// comment says "No actionable comments").
    Found { review_ids: Vec<u64> },
    /// Not yet; `notice` if CodeRabbit said it would not review this head.
    Waiting { notice: Option<Notice> },
    /// The wait is over without a review.
    NoReview { notice: Option<Notice> },
}

/// The wait for the review of one head, started at `since` (checkpointed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewWait {
    pub head: CommitSha,
    pub since: DateTime<Utc>,
    pub who: Reviewers,
}

impl ReviewWait {
    pub fn new(head: CommitSha, since: DateTime<Utc>, who: Reviewers) -> Self {
        ReviewWait { head, since, who }
    }

    /// When the wait gives up.
    pub fn deadline(&self) -> DateTime<Utc> {
        self.since + chrono::Duration::from_std(self.who.wait).unwrap_or(chrono::TimeDelta::MAX)
    }

    /// Looks at the PR's reviews and conversation comments (all pages).
    pub fn poll(
        &self,
        reviews: &[Review],
        comments: &[IssueComment],
        now: DateTime<Utc>,
    ) -> ReviewPoll {
        if let Some(found) = self.found(reviews, comments) {
            return found;
        }
        let notice = self.current_notice(reviews, comments);
        if now >= self.deadline() {
            ReviewPoll::NoReview { notice }
        } else {
            ReviewPoll::Waiting { notice }
        }
    }

    /// Whether the driver should post [`REVIEW_TRIGGER`] for this head: not
    /// when the head is already reviewed, nor when a request was posted since
    /// the wait began (so a restart does not post it twice).
    pub fn needs_trigger(&self, reviews: &[Review], comments: &[IssueComment]) -> bool {
        if self.found(reviews, comments).is_some() {
            return false;
        }
        !comments
            .iter()
            .any(|c| c.created_at >= self.since && is_review_request(&c.body))
    }

    fn found(&self, reviews: &[Review], comments: &[IssueComment]) -> Option<ReviewPoll> {
        let ids: Vec<u64> = head_reviews(reviews, &self.head, &self.who)
            .iter()
            .map(|r| r.id)
            .collect();
        let clean = || {
            comments
                .iter()
                .any(|c| self.who.is_reviewer(&c.user) && is_clean_summary_for(&c.body, &self.head))
        };
        (!ids.is_empty() || clean()).then_some(ReviewPoll::Found { review_ids: ids })
    }

    /// The latest notice about this head: posted since the wait began, or
    /// naming the head (CodeRabbit edits its summary comment in place, so
    /// `created_at` can be old).
    fn current_notice(&self, reviews: &[Review], comments: &[IssueComment]) -> Option<Notice> {
        let in_reviews = reviews
            .iter()
            .filter(|r| self.who.is_reviewer(&r.user) && r.commit_id.as_ref() == Some(&self.head))
            .filter_map(|r| notice(&r.body));
        let in_comments = comments
            .iter()
            .filter(|c| self.who.is_reviewer(&c.user))
            .filter(|c| c.created_at >= self.since || c.body.contains(self.head.0.as_str()))
            .filter_map(|c| notice(&c.body));
        in_reviews.chain(in_comments).last()
    }
}

#[cfg(test)]
#[path = "coderabbit_tests.rs"]
mod tests;
