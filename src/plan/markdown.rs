//! Just enough Markdown to find dependency markers where a reader sees them:
//! splits an issue body into prose lines (headings, list items, text) and
//! hides what GitHub does not render as prose: fenced and indented code,
//! block quotes, HTML comments, inline code spans and struck-through text.

use std::sync::LazyLock;

use regex::Regex;

/// What a prose line is, for the marker scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineKind {
    Blank,
    /// A line that is there but not prose: code, a block quote.
    Hidden,
    /// ATX (`## X`) or setext (`X` over `---`) heading, level 1 to 6.
    Heading(u8),
    /// A bullet or numbered item; `text` is what follows the bullet and any
    /// task checkbox.
    ListItem,
    Text,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProseLine {
    pub kind: LineKind,
    /// The line's readable text, with code spans and strikethrough removed.
    pub text: String,
}

static HTML_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--.*?(?:-->|\z)").expect("valid regex"));
static STRIKE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"~~[^~]+~~").expect("valid regex"));
static ATX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$").expect("valid regex")
});
static SETEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,3}(?:=+|-+)[ \t]*$").expect("valid regex"));
static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+(?:\[[ xX]\](?:[ \t]+|$))?(.*)|$)")
        .expect("valid regex")
});
static FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ {0,3}(`{3,}|~{3,})").expect("valid regex"));

/// An open code fence: its character and length (a closing fence must match).
struct Fence {
    ch: char,
    len: usize,
}

/// Scanner state carried from line to line.
#[derive(Default)]
struct Scan {
    fence: Option<Fence>,
    /// Inside a list, an indented line is a continuation, not code.
    in_list: bool,
    prev: Option<LineKind>,
    prev_was_code: bool,
}

/// Splits `body` into prose lines (one per source line, setext underlines folded
/// into their heading).
pub(crate) fn prose_lines(body: &str) -> Vec<ProseLine> {
    let body = strip_html_comments(body);
    let raw: Vec<&str> = body.lines().collect();
    let mut scan = Scan::default();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let mut line = scan.classify(raw[i]);
        if line.kind == LineKind::Text && raw.get(i + 1).is_some_and(|n| SETEXT.is_match(n)) {
            let level = if raw[i + 1].trim_start().starts_with('=') {
                1
            } else {
                2
            };
            line.kind = LineKind::Heading(level);
            scan.in_list = false;
            i += 1;
        }
        scan.prev = Some(line.kind);
        out.push(line);
        i += 1;
    }
    out
}

/// Comments are invisible on GitHub, and issue templates put example
/// markers in them; newlines inside are kept so line structure holds.
fn strip_html_comments(body: &str) -> String {
    HTML_COMMENT
        .replace_all(body, |caps: &regex::Captures| {
            "\n".repeat(caps[0].matches('\n').count())
        })
        .into_owned()
}

impl Scan {
    fn classify(&mut self, line: &str) -> ProseLine {
        if self.in_fence(line) {
            self.prev_was_code = false;
            return hidden();
        }
        let indent = indent_width(line);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            self.prev_was_code = false;
            return ProseLine {
                kind: LineKind::Blank,
                text: String::new(),
            };
        }
        if self.is_indented_code(indent) {
            self.prev_was_code = true;
            return hidden();
        }
        self.prev_was_code = false;
        if indent <= 3 && trimmed.starts_with('>') {
            self.in_list = false;
            return hidden();
        }
        if let Some(caps) = ATX.captures(line) {
            self.in_list = false;
            let text = caps.get(2).map_or("", |m| m.as_str());
            return prose(LineKind::Heading(caps[1].len() as u8), text);
        }
        if let Some(caps) = LIST_ITEM.captures(line) {
            self.in_list = true;
            return prose(LineKind::ListItem, caps.get(1).map_or("", |m| m.as_str()));
        }
        if indent < 2 {
            self.in_list = false;
        }
        prose(LineKind::Text, trimmed)
    }

    /// Opens, continues or closes a fenced code block; true while inside one
    /// (fence lines included).
    fn in_fence(&mut self, line: &str) -> bool {
        if let Some(fence) = &self.fence {
            let t = line.trim();
            let closes =
                indent_width(line) <= 3 && t.len() >= fence.len && t.chars().all(|c| c == fence.ch);
            if closes {
                self.fence = None;
            }
            return true;
        }
        if let Some(caps) = FENCE.captures(line) {
            let marker = &caps[1];
            let ch = marker.chars().next().unwrap_or('`');
            // A backtick fence's info string may not contain backticks.
            if ch == '`' && line.trim_start()[marker.len()..].contains('`') {
                return false;
            }
            self.fence = Some(Fence {
                ch,
                len: marker.len(),
            });
            return true;
        }
        false
    }

    /// Indented code cannot interrupt a paragraph and does not exist inside
    /// lists (there the indent nests items).
    fn is_indented_code(&self, indent: usize) -> bool {
        let after_break = matches!(self.prev, None | Some(LineKind::Blank | LineKind::Hidden))
            || self.prev_was_code;
        indent >= 4 && !self.in_list && after_break
    }
}

fn hidden() -> ProseLine {
    ProseLine {
        kind: LineKind::Hidden,
        text: String::new(),
    }
}

fn prose(kind: LineKind, text: &str) -> ProseLine {
    ProseLine {
        kind,
        text: visible_text(text),
    }
}

fn indent_width(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        match c {
            ' ' => width += 1,
            '\t' => width += 4 - width % 4,
            _ => break,
        }
    }
    width
}

/// Removes inline code spans and struck-through text, which are not claims.
fn visible_text(text: &str) -> String {
    let without_code = strip_code_spans(text);
    STRIKE.replace_all(&without_code, " ").trim().to_string()
}

/// A code span opens with a run of N backticks and closes at the next run of
/// exactly N; an unmatched run is literal text.
fn strip_code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let run = rest[start..].chars().take_while(|&c| c == '`').count();
        let after = &rest[start + run..];
        match find_run(after, run) {
            Some(end) => {
                out.push_str(&rest[..start]);
                out.push(' ');
                rest = &after[end + run..];
            }
            None => {
                out.push_str(&rest[..start + run]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Byte offset of the next run of exactly `len` backticks in `s`.
fn find_run(s: &str, len: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            if run == len {
                return Some(i);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(body: &str) -> Vec<(LineKind, String)> {
        prose_lines(body)
            .into_iter()
            .map(|l| (l.kind, l.text))
            .collect()
    }

    #[test]
    fn headings_lists_and_text_are_told_apart() {
        let lines =
            kinds("## Dependencies\n- [ ] #12 first\n* [x] #13\n1. #14\n#15 is text\nplain");
        assert_eq!(
            lines,
            vec![
                (LineKind::Heading(2), "Dependencies".into()),
                (LineKind::ListItem, "#12 first".into()),
                (LineKind::ListItem, "#13".into()),
                (LineKind::ListItem, "#14".into()),
                (LineKind::Text, "#15 is text".into()),
                (LineKind::Text, "plain".into()),
            ]
        );
    }

    #[test]
    fn setext_headings_fold_their_underline() {
        let lines = kinds("Dependencies\n------------\n- #3\nTitle\n===");
        assert_eq!(lines[0], (LineKind::Heading(2), "Dependencies".into()));
        assert_eq!(lines[1], (LineKind::ListItem, "#3".into()));
        assert_eq!(lines[2], (LineKind::Heading(1), "Title".into()));
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn fenced_code_is_hidden_until_a_matching_fence() {
        let body = "a\n```md\nBlocked by #1\n~~~\nstill code\n```\nb\n~~~~\n#2\n~~~~\nc";
        let texts: Vec<String> = kinds(body)
            .into_iter()
            .filter(|(k, _)| *k == LineKind::Text)
            .map(|(_, t)| t)
            .collect();
        assert_eq!(texts, vec!["a", "b", "c"]);
    }

    #[test]
    fn unclosed_fence_hides_the_rest() {
        let lines = kinds("a\n```\nBlocked by #1\n");
        assert_eq!(
            lines[1..]
                .iter()
                .filter(|(k, _)| *k != LineKind::Hidden)
                .count(),
            0
        );
    }

    #[test]
    fn indented_code_after_a_blank_is_hidden_but_nested_items_are_not() {
        let lines = kinds("text\n\n    Blocked by #1\n- item\n    - [ ] #2 nested");
        assert_eq!(lines[2].0, LineKind::Hidden);
        assert_eq!(lines[4], (LineKind::ListItem, "#2 nested".into()));
        // Directly after a paragraph an indented line is a continuation.
        assert_eq!(kinds("para\n    Blocked by #3")[1].0, LineKind::Text);
    }

    #[test]
    fn quotes_comments_code_spans_and_strikes_are_removed() {
        let lines = kinds(
            "> Blocked by #1\n<!-- Blocked by #2\nmore -->\nsee `Blocked by #3` and ``a ` b`` x\n~~Blocked by #4~~ done",
        );
        assert_eq!(lines[0].0, LineKind::Hidden);
        assert!(
            lines
                .iter()
                .all(|(_, t)| !t.contains("#1") && !t.contains("#2"))
        );
        assert_eq!(lines[3].1, "see   and   x");
        assert_eq!(lines[4].1, "done");
    }

    #[test]
    fn an_unmatched_backtick_is_literal() {
        assert_eq!(strip_code_spans("a ` b #1"), "a ` b #1");
    }
}
