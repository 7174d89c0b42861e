//! The texts a human reads about a PR: the approval question in the spec's
//! words (with lines for skipped nitpicks, a refused merge, the fix-round cap)
//! and the "CI failed twice" notice. The data is checkpointed with the
//! review state; the text is rendered when it is sent.

use serde::{Deserialize, Serialize};

use super::coderabbit::Notice;
use crate::ids::{IssueNumber, PrNumber};

/// The PR a text is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrContext {
    pub pr: PrNumber,
    pub issue: IssueNumber,
    pub title: String,
    pub url: String,
}

/// The CI result shown to the human.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiReport {
    Passed,
    /// Failed, then passed when GitHub Actions reran the failed jobs on
    /// the same commit: no agent was spent.
    Flaky,
    Failed,
    /// No checks appeared: reported as such, never as passed.
    NoCi,
    /// `--skip-ci`.
    Skipped,
}

impl CiReport {
    pub fn as_text(self) -> &'static str {
        match self {
            CiReport::Passed => "passed",
            CiReport::Flaky => "passed on a rerun of the failed jobs (flaky)",
            CiReport::Failed => "failed",
            CiReport::NoCi => "no CI",
            CiReport::Skipped => "skipped",
        }
    }
}

/// Whether the automated review happened.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "review")]
pub enum ReviewReport {
    /// Not waited for (yet).
    #[default]
    NotAsked,
    Reviewed,
    /// The wait ran out; `notice` if CodeRabbit said why.
    NoReview {
        notice: Option<Notice>,
    },
}

/// Everything the approval question says besides the PR itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub ci: CiReport,
    pub review: ReviewReport,
    /// Review comments seen over all rounds.
    pub comments: usize,
    /// Real findings a fix worker addressed (and pushed for).
    pub addressed: usize,
    pub nitpicks: usize,
    pub skipped_style: usize,
    /// Comments from people without write access, not sent to any worker
    /// (absent from checkpoints written before it existed).
    #[serde(default)]
    pub from_others: usize,
    /// Set when the review-fix rounds hit their cap: the cap and the real
    /// findings left for the human.
    pub capped: Option<Capped>,
    /// Why GitHub refused the last merge, if it did.
    pub refusal: Option<String>,
    /// Anything else the human should know (a fix that pushed nothing).
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capped {
    pub rounds: u32,
    pub unaddressed: usize,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn review_part(q: &Question) -> String {
    let counted = format!(
        "{} ({} addressed)",
        plural(q.comments, "comment", "comments"),
        q.addressed
    );
    match q.review {
        ReviewReport::Reviewed | ReviewReport::NotAsked => counted,
        ReviewReport::NoReview { notice } => {
            let why = match notice {
                Some(Notice::RateLimited) => " (rate limited)",
                Some(Notice::Skipped) => " (review skipped)",
                None => "",
            };
            if q.comments == 0 {
                format!("no review{why}")
            } else {
                format!("no review{why}, {counted}")
            }
        }
    }
}

/// The approval question:
///
/// ```text
/// PR #<N> for issue #<M> ready for review.
/// <title>
/// <pr-url>
/// CI: <passed/failed/no CI/skipped> | CodeRabbit: <X> comments (<Y> addressed)
/// [Skipped: <n> nitpicks, <m> style suggestions]
/// [<k> comments from others, not sent to the agent: read them on the PR.]
/// [Review-fix rounds hit the cap (<r>): <k> comments left for you.]
/// [GitHub refused the merge: <why>]
/// [Note: <note>]
///
/// Reply: merge / changes: <feedback> / skip
/// ```
pub fn approval_text(pr: &PrContext, q: &Question) -> String {
    let mut lines = vec![
        format!("PR {} for issue {} ready for review.", pr.pr, pr.issue),
        pr.title.clone(),
        pr.url.clone(),
        format!("CI: {} | CodeRabbit: {}", q.ci.as_text(), review_part(q)),
    ];
    if q.nitpicks + q.skipped_style > 0 {
        lines.push(format!(
            "Skipped: {}, {}",
            plural(q.nitpicks, "nitpick", "nitpicks"),
            plural(q.skipped_style, "style suggestion", "style suggestions")
        ));
    }
    if q.from_others > 0 {
        lines.push(format!(
            "{} from others, not sent to the agent: read {} on the PR.",
            plural(q.from_others, "comment", "comments"),
            if q.from_others == 1 { "it" } else { "them" }
        ));
    }
    if let Some(c) = q.capped {
        lines.push(format!(
            "Review-fix rounds hit the cap ({}): {} left for you.",
            c.rounds,
            plural(c.unaddressed, "comment", "comments")
        ));
    }
    if let Some(why) = &q.refusal {
        lines.push(format!("GitHub refused the merge: {why}"));
    }
    if let Some(note) = &q.note {
        lines.push(format!("Note: {note}"));
    }
    lines.push(String::new());
    lines.push("Reply: merge / changes: <feedback> / skip".to_string());
    lines.join("\n")
}

/// The notice when CI still fails after the last fix attempt.
pub fn ci_failed_text(pr: &PrContext, attempts: u32, failing: &[String]) -> String {
    let failing = if failing.is_empty() {
        "(no check named)".to_string()
    } else {
        failing.join(", ")
    };
    format!(
        "PR {} for issue {} failed CI after {}.\n{}\n{}\nFailing: {failing}\n\
         The issue is marked failed and its dependents are skipped.",
        pr.pr,
        pr.issue,
        plural(attempts as usize, "fix attempt", "fix attempts"),
        pr.title,
        pr.url
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr() -> PrContext {
        PrContext {
            pr: PrNumber(456),
            issue: IssueNumber(123),
            title: "Add KeyPair type".into(),
            url: "https://github.com/acme/widgets/pull/456".into(),
        }
    }

    fn question() -> Question {
        Question {
            ci: CiReport::Passed,
            review: ReviewReport::Reviewed,
            comments: 7,
            addressed: 2,
            nitpicks: 0,
            skipped_style: 0,
            from_others: 0,
            capped: None,
            refusal: None,
            note: None,
        }
    }

    #[test]
    fn the_question_is_in_the_specs_words() {
        assert_eq!(
            approval_text(&pr(), &question()),
            "PR #456 for issue #123 ready for review.\n\
             Add KeyPair type\n\
             https://github.com/acme/widgets/pull/456\n\
             CI: passed | CodeRabbit: 7 comments (2 addressed)\n\
             \n\
             Reply: merge / changes: <feedback> / skip"
        );
    }

    #[test]
    fn every_ci_result_has_its_word() {
        for (ci, word) in [
            (CiReport::Passed, "CI: passed |"),
            (CiReport::Failed, "CI: failed |"),
            (CiReport::NoCi, "CI: no CI |"),
            (CiReport::Skipped, "CI: skipped |"),
        ] {
            let q = Question { ci, ..question() };
            assert!(approval_text(&pr(), &q).contains(word), "{word}");
        }
    }

    #[test]
    fn skipped_counts_cap_refusal_and_note_get_their_own_lines() {
        let q = Question {
            comments: 1,
            addressed: 0,
            nitpicks: 4,
            skipped_style: 1,
            from_others: 2,
            capped: Some(Capped {
                rounds: 2,
                unaddressed: 1,
            }),
            refusal: Some("405 Base branch was modified. Review and try the merge again.".into()),
            note: Some("the fix for your feedback pushed nothing".into()),
            ..question()
        };
        let text = approval_text(&pr(), &q);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[3..],
            [
                "CI: passed | CodeRabbit: 1 comment (0 addressed)",
                "Skipped: 4 nitpicks, 1 style suggestion",
                "2 comments from others, not sent to the agent: read them on the PR.",
                "Review-fix rounds hit the cap (2): 1 comment left for you.",
                "GitHub refused the merge: 405 Base branch was modified. Review and try the merge again.",
                "Note: the fix for your feedback pushed nothing",
                "",
                "Reply: merge / changes: <feedback> / skip",
            ]
        );
    }

    #[test]
    fn one_comment_from_others_is_named_and_none_says_nothing() {
        let one = Question {
            from_others: 1,
            ..question()
        };
        assert!(
            approval_text(&pr(), &one)
                .contains("\n1 comment from others, not sent to the agent: read it on the PR.\n")
        );
        assert!(!approval_text(&pr(), &question()).contains("from others"));
    }

    #[test]
    fn a_question_checkpointed_before_the_count_existed_reads_as_none() {
        let mut old = serde_json::to_value(question()).unwrap();
        old.as_object_mut().unwrap().remove("from_others");
        let back: Question = serde_json::from_value(old).unwrap();
        assert_eq!(back, question());
    }

    #[test]
    fn a_missing_review_says_so_and_why() {
        let cases = [
            (None, 0, "CodeRabbit: no review\n"),
            (
                Some(Notice::RateLimited),
                0,
                "CodeRabbit: no review (rate limited)\n",
            ),
            (
                Some(Notice::Skipped),
                0,
                "CodeRabbit: no review (review skipped)\n",
            ),
            (None, 2, "CodeRabbit: no review, 2 comments (2 addressed)\n"),
        ];
        for (notice, comments, want) in cases {
            let q = Question {
                review: ReviewReport::NoReview { notice },
                comments,
                ..question()
            };
            assert!(approval_text(&pr(), &q).contains(want), "{want}");
        }
    }

    #[test]
    fn the_ci_failure_notice_names_the_failing_checks() {
        let text = ci_failed_text(&pr(), 2, &["ci/lint".into(), "ci/test".into()]);
        assert_eq!(
            text,
            "PR #456 for issue #123 failed CI after 2 fix attempts.\n\
             Add KeyPair type\n\
             https://github.com/acme/widgets/pull/456\n\
             Failing: ci/lint, ci/test\n\
             The issue is marked failed and its dependents are skipped."
        );
        assert!(ci_failed_text(&pr(), 1, &[]).contains("after 1 fix attempt.\n"));
        assert!(ci_failed_text(&pr(), 1, &[]).contains("Failing: (no check named)"));
    }
}
