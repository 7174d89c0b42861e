//! The simulated `coderabbitai[bot]`: when a PR opens, or someone comments
//! `@coderabbitai review` on it, it answers after the script's delay with a
//! review of the PR's head at that moment (or with a rate-limit or skip notice).

use crate::types::RepoSlug;

use super::super::backend::{self, blocking};
use super::super::git::GitDir;
use super::super::model::DiffLine;
use super::super::specs::{ReviewCommentSpec, ReviewSpec};
use super::super::state::SandboxState;
use super::coderabbit_text::{self as text, ReviewText};
use super::{CODERABBIT_LOGIN, CodeRabbitMode, CodeRabbitScript};

/// What set CodeRabbit off.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The PR was opened (CodeRabbit's automatic review).
    Opened,
    /// Someone commented `@coderabbitai review`.
    Requested,
}

/// Whether a comment asks CodeRabbit for a review.
pub fn is_review_request(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("@coderabbitai review") || body.contains("@coderabbitai full review")
}

/// Schedules CodeRabbit's answer on PR `pr`, if the repository has a script.
pub fn trigger(state: &SandboxState, slug: &RepoSlug, pr: u64, why: Trigger) {
    let Some(script) = state.read(|w| w.repo(slug).and_then(|r| r.coderabbit.clone())) else {
        return;
    };
    if why == Trigger::Opened && !script.review_on_open {
        return;
    }
    if why == Trigger::Requested {
        post_comment(state, slug, pr, &text::review_triggered());
    }
    let runtime = tokio::runtime::Handle::try_current()
        .ok()
        .or_else(|| state.runtime());
    let Some(runtime) = runtime else {
        tracing::warn!(%slug, pr, "no runtime for the CodeRabbit simulation");
        return;
    };
    let (state, slug) = (state.clone(), slug.clone());
    runtime.spawn(async move {
        tokio::time::sleep(script.delay).await;
        if let Err(err) = answer(&state, &slug, pr, &script).await {
            tracing::warn!(%slug, pr, error = %err.message, "CodeRabbit simulation failed");
        }
    });
}

fn post_comment(state: &SandboxState, slug: &RepoSlug, pr: u64, body: &str) {
    state.write(|w| {
        if let Some((repo, ids)) = w.repo_mut(slug) {
            repo.insert_issue_comment(ids, pr, CODERABBIT_LOGIN, body);
        }
    });
}

async fn answer(
    state: &SandboxState,
    slug: &RepoSlug,
    pr: u64,
    script: &CodeRabbitScript,
) -> Result<(), super::super::api::ApiError> {
    let view = backend::pull_view(state, slug, pr).await?;
    let found = state.read(|w| {
        let repo = w.repo(slug)?;
        let item = repo.pull(pr)?;
        let pull = item.pull.clone()?;
        Some((pull, item.author.clone(), repo.git_dir.clone()))
    });
    let Some((pull, author, git_dir)) = found else {
        return Ok(());
    };
    let head = pull.head_sha.clone();
    match script.mode {
        CodeRabbitMode::RateLimited => post_comment(
            state,
            slug,
            pr,
            &text::rate_limited(&author, &view.base_sha, &head),
        ),
        CodeRabbitMode::Skipped => post_comment(state, slug, pr, &text::skipped()),
        CodeRabbitMode::Review => {
            let lines = match git_dir {
                Some(dir) => {
                    let (git, base, h) = (GitDir::new(dir), view.base_sha.clone(), head.clone());
                    blocking(move || git.added_lines(&base, &h)).await?
                }
                None => pull.diff.clone(),
            };
            let review = text::review(&lines, script, &view.base_sha, &head);
            post_review(state, slug, pr, &head, review, &lines);
        }
    }
    Ok(())
}

fn post_review(
    state: &SandboxState,
    slug: &RepoSlug,
    pr: u64,
    head: &str,
    review: ReviewText,
    lines: &[DiffLine],
) {
    state.write(|w| {
        let Some((repo, ids)) = w.repo_mut(slug) else {
            return;
        };
        let first = !repo
            .reviews
            .iter()
            .any(|r| r.pr == pr && r.author == CODERABBIT_LOGIN);
        if first {
            repo.insert_issue_comment(ids, pr, CODERABBIT_LOGIN, &text::walkthrough(lines));
        }
        let spec = ReviewSpec::new(CODERABBIT_LOGIN, "COMMENTED")
            .body(review.body)
            .commit(head);
        let review_id = repo.insert_review(ids, pr, spec, head);
        for (finding, body) in review.inline {
            let spec = ReviewCommentSpec::new(CODERABBIT_LOGIN, finding.path, finding.line, body)
                .commit(head)
                .in_review(review_id);
            repo.insert_review_comment(ids, pr, spec, head);
        }
    });
    tracing::debug!(%slug, pr, head, "CodeRabbit posted a review");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::specs::PullSpec;
    use crate::types::PrNumber;

    fn repo_with_pull(mode: CodeRabbitMode) -> (SandboxState, crate::RepoHandle, PrNumber) {
        let state = SandboxState::new();
        let repo = state.add_repo("acme/widgets", "main");
        let script = CodeRabbitScript {
            mode,
            delay: Duration::from_millis(1),
            ..CodeRabbitScript::default()
        };
        repo.set_coderabbit(Some(script));
        let spec = PullSpec::new("t", "feat/a")
            .head_sha("a".repeat(40))
            .added_line("src/a.rs", 4, "x // BUG: unchecked index")
            .added_line("src/a.rs", 5, "y // NIT: name");
        let pr = repo.add_pull(spec);
        (state, repo, pr)
    }

    #[test]
    fn review_requests_are_recognised() {
        assert!(is_review_request("@coderabbitai review"));
        assert!(is_review_request("Fixed. @CodeRabbitAI full review please"));
        assert!(!is_review_request("@coderabbitai help"));
    }

    #[tokio::test]
    async fn a_review_is_posted_on_the_head_with_its_inline_comments() {
        let (state, repo, pr) = repo_with_pull(CodeRabbitMode::Review);
        trigger(&state, repo.slug(), pr.0, Trigger::Opened);
        assert!(
            state
                .wait_until(Duration::from_secs(5), |_| !repo.reviews(pr).is_empty())
                .await
        );
        let review = &repo.reviews(pr)[0];
        assert_eq!(
            (review.author.as_str(), review.state.as_str()),
            (CODERABBIT_LOGIN, "COMMENTED")
        );
        assert_eq!(review.commit_id, "a".repeat(40));
        assert!(review.body.starts_with("**Actionable comments posted: 1**"));
        let inline = repo.review_comments(pr);
        assert_eq!((inline.len(), inline[0].review_id), (1, Some(review.id)));
        assert!(repo.issue_comments(pr.0)[0].body.contains("## Walkthrough"));
    }

    #[tokio::test]
    async fn a_request_is_acknowledged_then_answered_with_a_rate_limit_notice() {
        let (state, repo, pr) = repo_with_pull(CodeRabbitMode::RateLimited);
        trigger(&state, repo.slug(), pr.0, Trigger::Requested);
        assert!(
            repo.issue_comments(pr.0)[0]
                .body
                .contains("Review triggered.")
        );
        assert!(
            state
                .wait_until(Duration::from_secs(5), |_| repo.issue_comments(pr.0).len()
                    == 2)
                .await
        );
        assert!(
            repo.issue_comments(pr.0)[1]
                .body
                .contains("## Rate limit exceeded")
        );
        assert!(repo.reviews(pr).is_empty());
    }

    #[tokio::test]
    async fn skipped_mode_answers_without_a_review_and_auto_review_can_be_off() {
        let (state, repo, pr) = repo_with_pull(CodeRabbitMode::Skipped);
        trigger(&state, repo.slug(), pr.0, Trigger::Opened);
        assert!(
            state
                .wait_until(Duration::from_secs(5), |_| !repo
                    .issue_comments(pr.0)
                    .is_empty())
                .await
        );
        assert!(
            repo.issue_comments(pr.0)[0]
                .body
                .contains("## Review skipped")
        );
        let quiet = CodeRabbitScript {
            review_on_open: false,
            ..CodeRabbitScript::default()
        };
        repo.set_coderabbit(Some(quiet));
        trigger(&state, repo.slug(), pr.0, Trigger::Opened);
        let more = state
            .wait_until(Duration::from_millis(100), |_| {
                repo.issue_comments(pr.0).len() > 1
            })
            .await;
        assert!(!more);
    }
}
