//! The files the simulated worker writes, as pure text functions: the work
//! file with the markers the sandbox's CI and CodeRabbit react to, and the
//! edits fix modes make to it.

use std::sync::LazyLock;

use regex::Regex;

use crate::directives::Directives;

/// Where the worker's files live, relative to the checkout's root.
pub const SIM_DIR: &str = "sim";
/// The sandbox CI fails every commit whose tree contains this.
pub const CI_MARKER: &str = "CI_FAIL";
/// The sandbox CodeRabbit turns an added line with this into a "Potential issue".
pub const BUG_MARKER: &str = "BUG:";
/// The sandbox CodeRabbit turns an added line with this into a nitpick.
pub const NIT_MARKER: &str = "NIT:";

/// `sim/issue-<N>.md`.
pub fn issue_file(issue: u64) -> String {
    format!("{SIM_DIR}/issue-{issue}.md")
}

/// `sim/pr-<N>.md`, for a fix whose issue cannot be told.
pub fn pull_file(pr: u64) -> String {
    format!("{SIM_DIR}/pr-{pr}.md")
}

/// The file a work-mode run commits: the title, one line per directive, and
/// the marker lines the directives ask for.
pub fn work_file(issue: u64, title: &str, d: &Directives) -> String {
    let mut text = format!("# {title}\n\nSimulated work for issue #{issue}.\n\n");
    for line in d.describe() {
        text.push_str(&format!("- {line}\n"));
    }
    let markers = [
        (
            d.fail_ci,
            format!("{CI_MARKER}: a test that fails until fixed"),
        ),
        (
            d.review_bug,
            format!("{BUG_MARKER} the index is not checked before use"),
        ),
        (
            d.review_nit,
            format!("{NIT_MARKER} prefer a clearer name here"),
        ),
    ];
    let wanted: Vec<_> = markers.into_iter().filter(|(on, _)| *on).collect();
    if !wanted.is_empty() {
        text.push('\n');
    }
    for (_, line) in wanted {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// `text` without its lines containing `marker`; `None` when none did.
pub fn without_lines_containing(text: &str, marker: &str) -> Option<String> {
    if !text.contains(marker) {
        return None;
    }
    let kept: String = text
        .split_inclusive('\n')
        .filter(|line| !line.contains(marker))
        .collect();
    Some(kept)
}

/// `text` with `addition` appended on lines of its own.
pub fn appended(text: &str, addition: &str) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(addition);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The line a review fix adds: `addressed: <first line of the comments>`.
pub fn addressed_line(comments: &str) -> String {
    let first = comments
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("review comments");
    format!("addressed: {first}")
}

/// The block a `changes` run adds: the human's feedback, verbatim.
pub fn changes_block(feedback: &str) -> String {
    format!("changes requested:\n{feedback}")
}

/// The issue a PR body closes (`Closes #12`, `fixes #12`, `Resolved #12`).
pub fn closed_issue(body: &str) -> Option<u64> {
    static CLOSES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b")
            .expect("static regex")
    });
    let caps = CLOSES.captures(body)?;
    caps[1].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directives;

    #[test]
    fn the_work_file_has_the_title_directives_and_asked_for_markers() {
        let d = directives::parse("<!-- sim: fail-ci review-bug -->").unwrap();
        let text = work_file(12, "Add thing", &d);
        assert!(text.starts_with("# Add thing\n"));
        assert!(text.contains("- fail-ci\n") && text.contains("- review-bug\n"));
        assert_eq!(text.lines().filter(|l| l.contains(CI_MARKER)).count(), 1);
        assert_eq!(text.lines().filter(|l| l.contains(BUG_MARKER)).count(), 1);
        assert!(!text.contains(NIT_MARKER));
    }

    #[test]
    fn a_plain_work_file_carries_no_marker() {
        let text = work_file(3, "Plain", &Directives::default());
        for marker in [CI_MARKER, BUG_MARKER, NIT_MARKER] {
            assert!(!text.contains(marker), "{marker} in {text}");
        }
    }

    #[test]
    fn marker_lines_are_removed_and_nothing_to_remove_is_none() {
        let text = "a\nCI_FAIL: x\nb\nmore CI_FAIL\n";
        assert_eq!(
            without_lines_containing(text, CI_MARKER).as_deref(),
            Some("a\nb\n")
        );
        assert_eq!(without_lines_containing("a\nb\n", CI_MARKER), None);
        assert_eq!(
            without_lines_containing("x\nBUG: y", BUG_MARKER).as_deref(),
            Some("x\n")
        );
    }

    #[test]
    fn appending_keeps_lines_apart() {
        assert_eq!(appended("a", "b"), "a\nb\n");
        assert_eq!(appended("a\n", "b\nc"), "a\nb\nc\n");
        assert_eq!(appended("", "b"), "b\n");
    }

    #[test]
    fn the_addressed_line_takes_the_first_non_blank_line() {
        assert_eq!(
            addressed_line("\n  Potential issue: x  \nmore"),
            "addressed: Potential issue: x"
        );
        assert_eq!(addressed_line(""), "addressed: review comments");
    }

    #[test]
    fn feedback_is_kept_verbatim() {
        let feedback = "say \"hi\"; $(rm -rf /) `x`\nline 2";
        assert!(changes_block(feedback).ends_with(feedback));
    }

    #[test]
    fn the_closed_issue_is_read_from_closing_keywords() {
        assert_eq!(closed_issue("Work.\n\nCloses #12"), Some(12));
        assert_eq!(closed_issue("fixes #7 and more"), Some(7));
        assert_eq!(closed_issue("Resolved #3"), Some(3));
        assert_eq!(closed_issue("Related to #4"), None);
        assert_eq!(closed_issue("encloses #4"), None);
    }
}
