use chrono::TimeDelta;

use super::*;
use crate::github::Association;
use crate::review::samples;

fn head() -> CommitSha {
    CommitSha(samples::HEAD.into())
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn at(s: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(s)
}

fn review(id: u64, user: &str, commit: &CommitSha, body: &str) -> Review {
    Review {
        id,
        user: user.into(),
        association: Association::None,
        state: "COMMENTED".into(),
        body: body.into(),
        commit_id: Some(commit.clone()),
        submitted_at: Some(t0()),
    }
}

fn comment(id: u64, user: &str, body: &str, created: DateTime<Utc>) -> IssueComment {
    IssueComment {
        id,
        user: user.into(),
        association: Association::None,
        body: body.into(),
        created_at: created,
    }
}

fn wait() -> ReviewWait {
    ReviewWait::new(head(), t0(), Reviewers::default())
}

#[test]
fn coderabbits_refusals_are_recognised_in_their_real_wordings() {
    let table = [
        (samples::rate_limited(), Some(Notice::RateLimited)),
        (samples::REVIEW_LIMIT_REACHED.into(), Some(Notice::RateLimited)),
        ("Review rate limited.".into(), Some(Notice::RateLimited)),
        (samples::REVIEW_SKIPPED.into(), Some(Notice::Skipped)),
        (samples::REVIEW_SKIPPED_DRAFT.into(), Some(Notice::Skipped)),
        (
            "> [!NOTE]\n> ## Reviews paused\n> \n> It looks like this branch is under active development."
                .into(),
            Some(Notice::Skipped),
        ),
        (samples::review_body_legacy(), None),
        (samples::clean_summary(), None),
        (samples::INLINE_POTENTIAL_ISSUE.into(), None),
        // Prose that mentions a rate limit is not a notice.
        (
            "**Actionable comments posted: 1**\n\nThe client ignores the rate limit exceeded header."
                .into(),
            None,
        ),
    ];
    for (body, want) in table {
        assert_eq!(notice(&body), want, "{body}");
    }
}

#[test]
fn only_a_bot_review_of_the_head_is_the_review() {
    let old = CommitSha("0".repeat(40));
    let reviews = [
        review(
            1,
            "coderabbitai[bot]",
            &old,
            "**Actionable comments posted: 3**",
        ),
        review(2, "alice", &head(), "Looks fine"),
        review(3, "github-actions[bot]", &head(), "report"),
    ];
    assert_eq!(
        wait().poll(&reviews, &[], at(10)),
        ReviewPoll::Waiting { notice: None }
    );
    let mut reviews = reviews.to_vec();
    reviews.push(review(
        4,
        "CodeRabbitAI[bot]",
        &head(),
        "**Actionable comments posted: 0**",
    ));
    assert_eq!(
        wait().poll(&reviews, &[], at(10)),
        ReviewPoll::Found {
            review_ids: vec![4]
        }
    );
}

#[test]
fn a_notice_posted_as_a_review_is_not_a_review() {
    let reviews = [review(
        5,
        "coderabbitai[bot]",
        &head(),
        &samples::rate_limited(),
    )];
    assert_eq!(
        wait().poll(&reviews, &[], at(10)),
        ReviewPoll::Waiting {
            notice: Some(Notice::RateLimited)
        }
    );
}

#[test]
fn a_pending_or_dismissed_bot_review_does_not_count() {
    for state in ["PENDING", "DISMISSED"] {
        let mut r = review(6, "coderabbitai[bot]", &head(), "x");
        r.state = state.into();
        assert!(head_reviews(&[r], &head(), &Reviewers::default()).is_empty());
    }
}

#[test]
fn a_clean_summary_naming_the_head_is_a_review() {
    // Edited in place: created long before the wait began.
    let summary = comment(7, "coderabbitai[bot]", &samples::clean_summary(), at(-3600));
    assert_eq!(
        wait().poll(&[], std::slice::from_ref(&summary), at(5)),
        ReviewPoll::Found { review_ids: vec![] }
    );
    let other = ReviewWait::new(CommitSha("9".repeat(40)), t0(), Reviewers::default());
    assert_eq!(
        other.poll(&[], &[summary], at(5)),
        ReviewPoll::Waiting { notice: None }
    );
}

#[test]
fn the_wait_gives_up_after_its_time_and_says_why() {
    let limited = comment(
        8,
        "coderabbitai[bot]",
        samples::REVIEW_LIMIT_REACHED,
        at(30),
    );
    let w = wait();
    assert_eq!(w.deadline(), at(300));
    assert_eq!(
        w.poll(&[], std::slice::from_ref(&limited), at(299)),
        ReviewPoll::Waiting {
            notice: Some(Notice::RateLimited)
        }
    );
    assert_eq!(
        w.poll(&[], std::slice::from_ref(&limited), at(300)),
        ReviewPoll::NoReview {
            notice: Some(Notice::RateLimited)
        }
    );
    assert_eq!(
        w.poll(&[], &[], at(301)),
        ReviewPoll::NoReview { notice: None }
    );
    // A review that arrives late still counts when seen.
    let late = [review(
        9,
        "coderabbitai[bot]",
        &head(),
        "**Actionable comments posted: 0**",
    )];
    assert!(matches!(
        w.poll(&late, &[], at(900)),
        ReviewPoll::Found { .. }
    ));
}

#[test]
fn an_old_notice_about_another_head_is_not_reported() {
    let stale = comment(10, "coderabbitai[bot]", samples::REVIEW_SKIPPED, at(-600));
    assert_eq!(
        wait().poll(&[], &[stale], at(1)),
        ReviewPoll::Waiting { notice: None }
    );
    // The rate-limit notice names its commits, so an edited one is current.
    let edited = comment(11, "coderabbitai[bot]", &samples::rate_limited(), at(-600));
    assert_eq!(
        wait().poll(&[], &[edited], at(1)),
        ReviewPoll::Waiting {
            notice: Some(Notice::RateLimited)
        }
    );
}

#[test]
fn notices_from_other_logins_are_ignored() {
    let quoted = comment(12, "alice", samples::REVIEW_SKIPPED, at(10));
    assert_eq!(
        wait().poll(&[], &[quoted], at(11)),
        ReviewPoll::Waiting { notice: None }
    );
}

#[test]
fn the_trigger_is_needed_once_per_head() {
    let w = wait();
    assert!(w.needs_trigger(&[], &[]));
    // A request from before this head's wait does not count.
    let earlier = comment(13, "octocat", REVIEW_TRIGGER, at(-60));
    assert!(w.needs_trigger(&[], std::slice::from_ref(&earlier)));
    let posted = comment(14, "octocat", "@CodeRabbitAI review", at(2));
    assert!(!w.needs_trigger(&[], &[earlier, posted]));
    let full = comment(15, "octocat", "@coderabbitai full review", at(3));
    assert!(!w.needs_trigger(&[], &[full]));
    let reviewed = [review(
        16,
        "coderabbitai[bot]",
        &head(),
        "**Actionable comments posted: 0**",
    )];
    assert!(!w.needs_trigger(&reviewed, &[]));
}

#[test]
fn logins_and_handles() {
    let who = Reviewers {
        bots: vec!["coderabbitai[bot]".into(), "reviewer-bot".into()],
        ..Reviewers::default()
    };
    assert!(who.is_reviewer("CodeRabbitAI[bot]"));
    assert!(who.is_reviewer("reviewer-bot"));
    assert!(!who.is_reviewer("coderabbitai"));
    let handles: Vec<String> = who.handles().collect();
    assert_eq!(handles, ["@coderabbitai", "@reviewer-bot"]);
    assert!(is_app_login("dependabot[bot]"));
    assert!(!is_app_login("alice"));
    assert_eq!(Reviewers::default().wait.as_secs(), 300);
}
