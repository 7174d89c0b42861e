//! Reading CodeRabbit's review bodies: the collapsed `<details>` sections
//! (`🧹 Nitpick comments (N)`, `⚠️ Outside diff range comments (N)`,
//! `♻️ Duplicate comments (N)`, `🟡 Minor comments (N)`, ...), each holding
//! one block per file with entries that start with a `` `line` `` or
//! `` `from-to` `` marker, and the header line of a single comment.

use std::sync::LazyLock;

use regex::Regex;

/// One `<details>` block: its `<summary>` and what follows it up to the
/// matching `</details>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block<'a> {
    pub summary: &'a str,
    pub inner: &'a str,
    /// The whole block, tags included, as a byte range of the text.
    pub span: std::ops::Range<usize>,
}

static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<details[^>]*>|</details>|<summary>(.*?)</summary>").expect("tag regex")
});

/// The outermost `<details>` blocks of `text`, in order. Unbalanced markup
/// yields what could be matched; it never panics.
pub fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut open = 0usize;
    let mut summary: Option<(&str, usize)> = None;
    for tag in TAG.captures_iter(text) {
        let whole = tag.get(0).expect("match");
        let lower = whole.as_str().to_ascii_lowercase();
        if lower.starts_with("<details") {
            if depth == 0 {
                open = whole.start();
                summary = None;
            }
            depth += 1;
        } else if lower.starts_with("</details") {
            if depth == 1 {
                let (s, start) = summary.take().unwrap_or(("", whole.start()));
                out.push(Block {
                    summary: s.trim(),
                    inner: &text[start..whole.start()],
                    span: open..whole.end(),
                });
            }
            depth = depth.saturating_sub(1);
        } else if depth == 1 && summary.is_none() {
            let s = tag.get(1).map_or("", |m| m.as_str());
            summary = Some((s, whole.end()));
        }
    }
    out
}

/// `text` without its outermost `<details>` blocks, except that the inner
/// text of blocks whose summary `keep` accepts stays (without the tags).
pub fn strip_details(text: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for block in blocks(text) {
        out.push_str(&text[at..block.span.start]);
        if keep(block.summary) {
            out.push_str(block.inner);
        }
        at = block.span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Removes the `>` quoting CodeRabbit puts around its `[!CAUTION]` callouts.
pub fn unquote(text: &str) -> String {
    let lines = text.lines().map(|l| {
        let t = l.trim_start();
        match t.strip_prefix('>') {
            Some(rest) => rest.strip_prefix(' ').unwrap_or(rest),
            None => l,
        }
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// The `(N)` at the end of a section's summary.
pub fn summary_count(summary: &str) -> Option<usize> {
    static COUNT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\((\d+)\)\s*$").expect("count regex"));
    COUNT.captures(summary)?.get(1)?.as_str().parse().ok()
}

/// The name in a summary without its count: `src/a.rs (2)` → `src/a.rs`.
pub fn summary_name(summary: &str) -> &str {
    match summary.rfind(" (") {
        Some(i) if summary_count(summary).is_some() => summary[..i].trim(),
        _ => summary.trim(),
    }
}

/// One entry in a file block: `` `40-41`: rest of line `` and what follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub line: u64,
    /// The text after the line marker, then the following lines.
    pub text: String,
}

static ENTRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*`(\d+)(?:-(\d+))?`:[ \t]*").expect("entry regex"));

/// The entries of a section: every file block, every line marker in it.
pub fn entries(section_inner: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for file in blocks(section_inner) {
        let starts: Vec<_> = ENTRY.captures_iter(file.inner).collect();
        for (i, cap) in starts.iter().enumerate() {
            let whole = cap.get(0).expect("match");
            let end = starts
                .get(i + 1)
                .map_or(file.inner.len(), |next| next.get(0).expect("match").start());
            let line: u64 = cap[1].parse().unwrap_or(0);
            let text = file.inner[whole.end()..end].trim();
            let text = text
                .replace("</blockquote>", "")
                .replace("<blockquote>", "");
            let text = text.trim();
            let text = text.strip_suffix("---").unwrap_or(text).trim();
            out.push(Entry {
                path: entry_path(summary_name(file.summary), line),
                line,
                text: text.to_string(),
            });
        }
    }
    out
}

/// Newer reviews name file blocks `path-31-35`; the suffix repeats the
/// entry's lines and is not part of the path.
fn entry_path(name: &str, line: u64) -> String {
    static SUFFIX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(.+?)-(\d+)(?:-\d+)?$").expect("suffix regex"));
    match SUFFIX.captures(name) {
        Some(c) if c[2].parse::<u64>().ok() == Some(line) => c[1].to_string(),
        _ => name.to_string(),
    }
}

/// The markers of a comment: the italic `_..._` segments of its first
/// non-empty line, lowercased (`_⚠️ Potential issue_ | _🟠 Major_` →
/// `["⚠️ potential issue", "🟠 major"]`). Empty when the comment does not
/// open with markers.
pub fn header_markers(text: &str) -> Vec<String> {
    let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return Vec::new();
    };
    if !first.starts_with('_') {
        return Vec::new();
    }
    first
        .split('|')
        .map(|seg| seg.trim().trim_matches('_').trim().to_lowercase())
        .filter(|seg| !seg.is_empty())
        .collect()
}

/// The comment's title: its first bold line (`**...**`), else its first
/// line of prose, at most 120 characters.
pub fn title(text: &str) -> String {
    let plain = strip_details(text, |_| false);
    let mut in_code = false;
    let prose: Vec<&str> = plain
        .lines()
        .map(str::trim)
        .filter(|l| {
            if l.starts_with("```") {
                in_code = !in_code;
                return false;
            }
            !in_code && !l.is_empty() && !l.starts_with('_') && !l.starts_with('<')
        })
        .take(20)
        .collect();
    let bold = prose
        .iter()
        .find(|l| l.starts_with("**") && l.ends_with("**") && l.len() > 4);
    let chosen = match bold {
        Some(b) => b.trim_matches('*').trim(),
        None => prose.first().copied().unwrap_or(""),
    };
    clip(chosen, 120)
}

/// At most `max` characters, cut on a character boundary with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::samples;

    #[test]
    fn blocks_are_the_outermost_details_with_their_summaries() {
        let text = "x <details><summary>A (2)</summary>in <details><summary>B</summary>b</details> tail</details>\
                    <details>\n<summary>C</summary>c</details>";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].summary, "A (2)");
        assert!(
            found[0]
                .inner
                .contains("<summary>B</summary>b</details> tail")
        );
        assert_eq!((found[1].summary, found[1].inner), ("C", "c"));
        assert_eq!(
            &text[found[1].span.clone()],
            "<details>\n<summary>C</summary>c</details>"
        );
        assert!(blocks("<details><summary>open").is_empty());
        assert_eq!(strip_details(text, |s| s == "C"), "x c");
    }

    #[test]
    fn summaries_give_counts_and_names() {
        assert_eq!(summary_count("🧹 Nitpick comments (3)"), Some(3));
        assert_eq!(summary_count("📜 Review details"), None);
        assert_eq!(summary_name("src/a.rs (2)"), "src/a.rs");
        assert_eq!(summary_name("notes (draft)"), "notes (draft)");
    }

    #[test]
    fn nitpick_entries_are_found_per_file() {
        let body = samples::review_body_legacy();
        let sections = blocks(&body);
        let nits = sections
            .iter()
            .find(|b| b.summary.contains("Nitpick"))
            .expect("nitpick section");
        let found = entries(nits.inner);
        let got: Vec<(&str, u64)> = found.iter().map(|e| (e.path.as_str(), e.line)).collect();
        assert_eq!(
            got,
            [("src/lib.rs", 12), ("src/lib.rs", 40), ("README.md", 3)]
        );
        assert!(found[0].text.starts_with("**Prefer `is_empty()`"));
        assert!(!found[0].text.contains("---"));
    }

    #[test]
    fn quoted_callouts_are_read_after_unquoting() {
        let body = unquote(&samples::review_body_legacy());
        let outside = blocks(&body)
            .into_iter()
            .find(|b| b.summary.contains("Outside diff range"))
            .expect("outside-diff section");
        let found = entries(outside.inner);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].path.as_str(), found[0].line),
            ("src/store.rs", 88)
        );
        assert_eq!(
            title(&found[0].text),
            "Release the lock before awaiting the flush."
        );
    }

    #[test]
    fn newer_file_blocks_drop_the_line_suffix() {
        let sections = blocks(samples::REVIEW_BODY_2026);
        let found = entries(sections[0].inner);
        let got: Vec<(&str, u64)> = found.iter().map(|e| (e.path.as_str(), e.line)).collect();
        assert_eq!(got, [("src/parse.rs", 31), ("docs/usage.md", 12)]);
        assert_eq!(
            header_markers(&found[0].text),
            ["🎯 functional correctness", "🟡 minor", "⚡ quick win"]
        );
        assert_eq!(entry_path("my-file-2", 7), "my-file-2");
    }

    #[test]
    fn headers_and_titles_come_from_inline_comments() {
        assert_eq!(
            header_markers(samples::INLINE_POTENTIAL_ISSUE),
            ["⚠️ potential issue", "🟠 major"]
        );
        assert_eq!(
            title(samples::INLINE_POTENTIAL_ISSUE),
            "Index can go out of bounds when the list is empty."
        );
        // The title comes after a collapsed analysis chain.
        assert_eq!(
            title(samples::INLINE_CRITICAL),
            "The token is written to the log."
        );
        assert!(header_markers("Please add a test for this.").is_empty());
        assert_eq!(title("Please add a test.\nThanks"), "Please add a test.");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("äöü", 3), "äöü");
    }
}
