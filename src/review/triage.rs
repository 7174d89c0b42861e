//! Sorting a PR's review comments into real problems (for the review-fix
//! worker), nitpicks and style suggestions (skipped and counted for the
//! human), and rendering the real ones as the worker's `{comments}` text.
//!
//! What counts, and why:
//! - **The reviewer bots** (CodeRabbit): only their reviews of the current
//!   head, and the inline comments posted with those reviews. CodeRabbit's
//!   comments stay attached to the commit (and review) they were made on; a
//!   problem still present after a push is raised again by the new review
//!   (as a new comment or under "♻️ Duplicate comments"), so older rounds
//!   are never counted twice. Thread replies (its chat answers) and comments
//!   it marked "✅ Addressed" are not findings.
//! - **A bot comment's category** comes from its header line, per
//!   CodeRabbit's own labels (see [`classify`]): potential issues, critical
//!   anything, and correctness / security / stability / performance
//!   categories are real; refactor suggestions and maintainability / code
//!   quality are style; nitpicks and trivial ones are nitpicks. A bot comment
//!   without a header we know is real: missing a bug costs more than one
//!   capped fix round.
//! - **The review body**: `🧹 Nitpick comments (N)` adds N nitpicks;
//!   sections of comments that could not be posted inline (outside diff range,
//!   duplicates, minor/major comments) are classified entry by entry;
//!   `🔇 Additional comments` (praise), review details and the prompt for
//!   agents are ignored.
//! - **Humans** (any login that is not an app): inline comments on the current
//!   head and the text of their COMMENTED / CHANGES_REQUESTED reviews of the
//!   head are real when their author is trusted (below). Left out: the PR
//!   author's thread replies (the worker or the author answering a reviewer,
//!   not asking for a change), comments addressed to a bot
//!   (`@coderabbitai ...`), empty ones. Other apps (`dependabot[bot]`, ...)
//!   are ignored.
//!
//! Whose words reach a worker ([`is_trusted`]): a fix worker runs unattended
//! with the GitHub token, and anyone on GitHub can comment on a public PR, so
//! only two kinds of author get into `{comments}`: the configured reviewer
//! bots (`review.bots`; GitHub gives apps `author_association` `NONE`, so
//! the list is what trusts them), and people GitHub marks `OWNER`, `MEMBER`
//! or `COLLABORATOR`. A human comment from anyone else (`CONTRIBUTOR`,
//! `FIRST_TIME_CONTRIBUTOR`, `NONE`, or no association at all) that would
//! have been a finding is not sent: its key goes to [`Triage::from_others`],
//! and the approval question says how many there were, so the human decides.
//! A human's `changes:` reply is not a PR comment and always goes through.

use serde::{Deserialize, Serialize};

use super::body;
use super::coderabbit::{Reviewers, head_reviews, is_app_login};
use crate::github::{Association, Review, ReviewComment};
use crate::ids::CommitSha;

/// A problem to fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Identifies the comment across polls (`comment:<id>`, `review:<id>`,
    /// `review:<id>#<n>` for an entry of a review body).
    pub key: String,
    pub author: String,
    pub path: Option<String>,
    pub line: Option<u64>,
    pub title: String,
    pub body: String,
}

/// The comments of one review round, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub real: Vec<Finding>,
    pub nitpicks: usize,
    pub skipped_style: usize,
    /// Every comment counted: real + nitpicks + skipped_style.
    pub total: usize,
    /// Keys of the comments that would be findings but come from people
    /// without write access ([`is_trusted`]): never sent to a worker,
    /// counted for the human.
    #[serde(default)]
    pub from_others: Vec<String>,
}

/// What a bot comment is, by its header.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Category {
    Real,
    Style,
    Nitpick,
}

/// Classifies a bot comment by the markers of its header line
/// (`_⚠️ Potential issue_ | _🟠 Major_`,
/// `_🎯 Functional Correctness_ | _🟡 Minor_ | _⚡ Quick win_`), first rule wins:
///
/// | markers | category |
/// | --- | --- |
/// | `🧹 Nitpick` (any variant) | nitpick |
/// | severity `🔴 Critical` | real |
/// | severity `🔵 Trivial` | nitpick |
/// | `⚠️ Potential issue`, `💡 Verification agent` / `Codebase verification`, `🐛 Bug` | real |
/// | `🛠️ Refactor suggestion`, `📐 Maintainability & Code Quality`, readability, documentation | style |
/// | `🎯 Functional Correctness`, `🔒 Security`, `🩺 Stability & Availability`, performance | real |
/// | no header, or markers we do not know | real (`default`) |
///
/// Severity `🟠 Major` / `🟡 Minor` does not change a kind: the brief files
/// refactor suggestions under style whatever their severity.
pub fn classify(text: &str, default: Category) -> Category {
    let markers = body::header_markers(text);
    let has = |words: &[&str]| markers.iter().any(|m| words.iter().any(|w| m.contains(w)));
    if has(&["nitpick"]) {
        Category::Nitpick
    } else if has(&["critical"]) {
        Category::Real
    } else if has(&["trivial"]) {
        Category::Nitpick
    } else if has(&["potential issue", "verification", "bug"]) {
        Category::Real
    } else if has(&[
        "refactor",
        "maintainability",
        "code quality",
        "readability",
        "documentation",
    ]) {
        Category::Style
    } else if has(&[
        "correctness",
        "security",
        "stability",
        "availability",
        "performance",
    ]) {
        Category::Real
    } else {
        default
    }
}

/// Everything triage reads about one PR.
#[derive(Copy, Clone, Debug)]
pub struct TriageInput<'a> {
    pub head: &'a CommitSha,
    /// The login that opened the PR.
    pub pr_author: &'a str,
    /// All reviews (all pages).
    pub reviews: &'a [Review],
    /// All inline review comments (all pages).
    pub comments: &'a [ReviewComment],
    pub reviewers: &'a Reviewers,
}

/// Sorts the comments that apply to the current head.
pub fn triage(input: &TriageInput<'_>) -> Triage {
    let mut out = Triage::default();
    let bot_reviews = head_reviews(input.reviews, input.head, input.reviewers);
    for review in &bot_reviews {
        review_body(review, &mut out);
    }
    let bot_review_ids: Vec<u64> = bot_reviews.iter().map(|r| r.id).collect();
    for comment in input.comments {
        if input.reviewers.is_reviewer(&comment.user) {
            bot_inline(comment, input.head, &bot_review_ids, &mut out);
        } else if is_human_request(comment, input) {
            let finding = inline_finding(comment);
            from_human(&mut out, finding, comment.association, input.reviewers);
        }
    }
    for review in input.reviews.iter().filter(|r| is_human_review(r, input)) {
        let finding = Finding {
            key: format!("review:{}", review.id),
            author: review.user.clone(),
            path: None,
            line: None,
            title: body::title(&review.body),
            body: review.body.trim().to_string(),
        };
        from_human(&mut out, finding, review.association, input.reviewers);
    }
    out
}

/// Whether `login`'s words may go into a fix worker's prompt: a configured
/// reviewer bot, or someone GitHub marks OWNER, MEMBER or COLLABORATOR.
pub fn is_trusted(login: &str, association: Association, reviewers: &Reviewers) -> bool {
    reviewers.is_reviewer(login) || association.can_write()
}

/// A human's request is a real finding when its author is trusted; anyone
/// else's is only counted.
fn from_human(out: &mut Triage, finding: Finding, association: Association, who: &Reviewers) {
    if is_trusted(&finding.author, association, who) {
        add(out, Category::Real, || finding);
    } else {
        out.from_others.push(finding.key);
    }
}

fn add(out: &mut Triage, category: Category, finding: impl FnOnce() -> Finding) {
    out.total += 1;
    match category {
        Category::Real => out.real.push(finding()),
        Category::Style => out.skipped_style += 1,
        Category::Nitpick => out.nitpicks += 1,
    }
}

fn bot_inline(comment: &ReviewComment, head: &CommitSha, reviews: &[u64], out: &mut Triage) {
    let current = match comment.pull_request_review_id {
        Some(id) => reviews.contains(&id),
        None => comment.commit_id.as_ref() == Some(head),
    };
    if !current || comment.in_reply_to_id.is_some() || is_addressed(&comment.body) {
        return;
    }
    let category = classify(&comment.body, Category::Real);
    add(out, category, || inline_finding(comment));
}

fn inline_finding(comment: &ReviewComment) -> Finding {
    Finding {
        key: format!("comment:{}", comment.id),
        author: comment.user.clone(),
        path: Some(comment.path.clone()),
        line: comment.line,
        title: body::title(&comment.body),
        body: comment.body.trim().to_string(),
    }
}

fn is_addressed(text: &str) -> bool {
    text.contains("✅ Addressed in commit")
}

/// Reads the sections of a bot review's body.
fn review_body(review: &Review, out: &mut Triage) {
    let text = body::unquote(&review.body);
    let mut n = 0;
    for section in body::blocks(&text) {
        let summary = section.summary.to_lowercase();
        if summary.contains("nitpick") {
            let count = body::summary_count(section.summary)
                .unwrap_or_else(|| body::entries(section.inner).len());
            out.nitpicks += count;
            out.total += count;
            continue;
        }
        let listed = body::summary_count(section.summary).is_some() && summary.contains("comments");
        if !listed || summary.contains("additional comments") {
            continue;
        }
        for entry in body::entries(section.inner) {
            if is_addressed(&entry.text) {
                continue;
            }
            n += 1;
            let category = classify(&entry.text, Category::Real);
            add(out, category, || Finding {
                key: format!("review:{}#{n}", review.id),
                author: review.user.clone(),
                path: Some(entry.path.clone()),
                line: Some(entry.line),
                title: body::title(&entry.text),
                body: entry.text.clone(),
            });
        }
    }
}

fn is_human(login: &str, input: &TriageInput<'_>) -> bool {
    !input.reviewers.is_reviewer(login) && !is_app_login(login)
}

fn addressed_to_bot(text: &str, input: &TriageInput<'_>) -> bool {
    let lower = text.trim_start().to_lowercase();
    input.reviewers.handles().any(|h| lower.starts_with(&h))
}

fn is_human_request(comment: &ReviewComment, input: &TriageInput<'_>) -> bool {
    let on_head = comment.commit_id.as_ref().is_none_or(|c| c == input.head);
    let author_reply =
        comment.in_reply_to_id.is_some() && comment.user.eq_ignore_ascii_case(input.pr_author);
    is_human(&comment.user, input)
        && on_head
        && !author_reply
        && !comment.body.trim().is_empty()
        && !addressed_to_bot(&comment.body, input)
}

fn is_human_review(review: &Review, input: &TriageInput<'_>) -> bool {
    let on_head = review.commit_id.as_ref().is_none_or(|c| c == input.head);
    is_human(&review.user, input)
        && on_head
        && matches!(review.state.as_str(), "COMMENTED" | "CHANGES_REQUESTED")
        && !review.body.trim().is_empty()
        && !addressed_to_bot(&review.body, input)
}

/// Longest text one finding contributes to the worker's prompt.
pub const FINDING_LIMIT: usize = 1_500;

/// Longest `{comments}` text: one argv element, well under any OS limit.
pub const COMMENTS_LIMIT: usize = 8_000;

/// The real findings as plain text for the review-fix worker's `{comments}`:
/// numbered, with place and author, CodeRabbit's markup and analysis logs
/// removed (its "Prompt for AI Agents" text kept), each finding and the whole
/// bounded. No control characters but newlines and tabs (argv cannot carry NUL).
pub fn render(findings: &[Finding], limit: usize) -> String {
    let mut out = String::new();
    for (i, f) in findings.iter().enumerate() {
        let place = match (&f.path, f.line) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            (Some(p), None) => p.clone(),
            _ => "review".to_string(),
        };
        let entry = format!(
            "{}. [{place}] {} (from {})\n{}\n\n",
            i + 1,
            f.title,
            f.author,
            body::clip(&clean(&f.body, &f.title), FINDING_LIMIT)
        );
        let rest = findings.len() - i;
        let note = format!("... and {rest} more comment(s) not shown; read them on the PR.");
        if out.chars().count() + entry.chars().count() + note.chars().count() > limit {
            out.push_str(&note);
            return body::clip(&out, limit);
        }
        out.push_str(&entry);
    }
    body::clip(out.trim_end(), limit)
}

/// A comment body as plain text: no HTML comments, no collapsed blocks but
/// the prompt for agents, no header line, no repeated title, no blank runs.
fn clean(text: &str, title: &str) -> String {
    static HTML_COMMENT: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?s)<!--.*?-->").expect("comment regex"));
    let text = HTML_COMMENT.replace_all(text, "");
    let text = body::strip_details(&text, |s| s.contains("Prompt for AI Agents"));
    let bold_title = format!("**{title}**");
    let mut header = !body::header_markers(&text).is_empty();
    let lines = text
        .lines()
        .map(str::trim_end)
        .filter(|l| {
            if header && !l.trim().is_empty() {
                header = false;
                return false;
            }
            l.trim() != bold_title
        })
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect::<String>()
        });
    let mut out = String::new();
    let mut blank = true;
    for line in lines {
        if line.trim().is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
        } else {
            out.push_str(&line);
            out.push('\n');
            blank = false;
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
#[path = "triage_tests.rs"]
mod tests;
