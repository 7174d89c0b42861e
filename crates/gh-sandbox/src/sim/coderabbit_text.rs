//! The text CodeRabbit posts, in the forms its real comments take (the
//! markers and headings clients key on), derived from a PR's added lines:
//! a `BUG:` line becomes an inline `_⚠️ Potential issue_`, a `NIT:` line a
//! nitpick inside the review body's `🧹 Nitpick comments (N)` block.

use std::collections::BTreeMap;

use super::super::model::DiffLine;
use super::CodeRabbitScript;

/// One thing CodeRabbit says about one added line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub line: u64,
    pub title: String,
    pub code: String,
}

/// A review: its body, and the inline comments posted with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewText {
    pub body: String,
    pub inline: Vec<(Finding, String)>,
}

/// The lines that carry `marker`, titled by the text after it.
pub fn findings(lines: &[DiffLine], marker: &str) -> Vec<Finding> {
    let marked = lines.iter().filter_map(|l| {
        let (_, after) = l.text.split_once(marker)?;
        let title = after.trim().trim_end_matches(['*', '/']).trim();
        let title = if title.is_empty() {
            "Address the marked line."
        } else {
            title
        };
        Some(Finding {
            path: l.path.clone(),
            line: l.line,
            title: title.to_string(),
            code: l.text.trim().to_string(),
        })
    });
    marked.collect()
}

/// The review for a diff between `base` and `head`.
pub fn review(lines: &[DiffLine], script: &CodeRabbitScript, base: &str, head: &str) -> ReviewText {
    let bugs = findings(lines, &script.bug_marker);
    let nits = findings(lines, &script.nit_marker);
    let mut body = format!("**Actionable comments posted: {}**\n\n", bugs.len());
    if !nits.is_empty() {
        body.push_str(&nitpick_block(&nits));
    }
    body.push_str(&review_details(lines, base, head));
    let inline = bugs.into_iter().map(|f| {
        let text = inline_comment(&f);
        (f, text)
    });
    ReviewText {
        body,
        inline: inline.collect(),
    }
}

/// An actionable inline comment.
pub fn inline_comment(f: &Finding) -> String {
    format!(
        "_⚠️ Potential issue_ | _🟠 Major_\n\n**{}**\n\nThe added line `{}` needs attention before merging.\n\n\
         <!-- This is an auto-generated comment by CodeRabbit -->",
        f.title, f.code
    )
}

/// The collapsed nitpick section, grouped by file as CodeRabbit does.
fn nitpick_block(nits: &[Finding]) -> String {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for nit in nits {
        by_file.entry(nit.path.as_str()).or_default().push(nit);
    }
    let mut out = format!(
        "<details>\n<summary>🧹 Nitpick comments ({})</summary><blockquote>\n\n",
        nits.len()
    );
    for (path, found) in by_file {
        out.push_str(&format!(
            "<details>\n<summary>{path} ({})</summary><blockquote>\n\n",
            found.len()
        ));
        let entries: Vec<String> = found
            .iter()
            .map(|f| {
                format!(
                    "`{}`: **{}**\n\nConsider tidying `{}`.\n",
                    f.line, f.title, f.code
                )
            })
            .collect();
        out.push_str(&entries.join("\n---\n\n"));
        out.push_str("\n</blockquote></details>\n\n");
    }
    out.push_str("</blockquote></details>\n\n");
    out
}

fn files(lines: &[DiffLine]) -> Vec<&str> {
    let mut paths: Vec<&str> = lines.iter().map(|l| l.path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

fn commits_note(base: &str, head: &str) -> String {
    format!("Reviewing files that changed from the base of the PR and between {base} and {head}.")
}

fn review_details(lines: &[DiffLine], base: &str, head: &str) -> String {
    let files = files(lines);
    let listed: Vec<String> = files.iter().map(|p| format!("* `{p}`")).collect();
    format!(
        "<details>\n<summary>📜 Review details</summary>\n\n**Configuration used**: defaults\n\n\
         **Review profile**: CHILL\n\n<details>\n<summary>📥 Commits</summary>\n\n{}\n\n</details>\n\n\
         <details>\n<summary>📒 Files selected for processing ({})</summary>\n\n{}\n\n</details>\n\n</details>\n",
        commits_note(base, head),
        files.len(),
        listed.join("\n")
    )
}

/// The walkthrough summary comment CodeRabbit keeps on a PR.
pub fn walkthrough(lines: &[DiffLine]) -> String {
    let rows: Vec<String> = files(lines)
        .iter()
        .map(|p| {
            format!(
                "| `{p}` | {} added lines |",
                lines.iter().filter(|l| l.path == *p).count()
            )
        })
        .collect();
    format!(
        "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n<!-- walkthrough_start -->\n\n\
         ## Walkthrough\n\nThe change touches {} file(s).\n\n## Changes\n\n| File | Change Summary |\n\
         |------|----------------|\n{}\n\n<!-- walkthrough_end -->",
        rows.len(),
        rows.join("\n")
    )
}

/// The comment CodeRabbit posts instead of a review when a user is rate limited.
pub fn rate_limited(user: &str, base: &str, head: &str) -> String {
    format!(
        "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n\
         <!-- This is an auto-generated comment: rate limited by coderabbit.ai -->\n\n\
         > [!WARNING]\n> ## Rate limit exceeded\n> \n\
         > `@{user}` has exceeded the limit for the number of commits or files that can be reviewed per hour. \
         Please wait **12 minutes and 30 seconds** before requesting another review.\n> \n\
         > <details>\n> <summary>⌛ How to resolve this issue?</summary>\n> \n\
         > Once the wait is over, comment `@coderabbitai review` on this PR, or push new commits.\n> \n\
         > </details>\n> \n> <details>\n> <summary>📥 Commits</summary>\n> \n> {}\n> \n> </details>\n\n\
         <!-- end of auto-generated comment: rate limited by coderabbit.ai -->",
        commits_note(base, head)
    )
}

/// The comment CodeRabbit posts when it will not review.
pub fn skipped() -> String {
    "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n\
     <!-- This is an auto-generated comment: skip review by coderabbit.ai -->\n\n\
     > [!IMPORTANT]\n> ## Review skipped\n> \n\
     > Auto reviews are disabled on this repository. To trigger a single review, \
     invoke the `@coderabbitai review` command.\n\n\
     <!-- end of auto-generated comment: skip review by coderabbit.ai -->"
        .to_string()
}

/// CodeRabbit's immediate reply to `@coderabbitai review`.
pub fn review_triggered() -> String {
    "<!-- This is an auto-generated reply by CodeRabbit -->\n<details>\n<summary>✅ Actions performed</summary>\n\n\
     Review triggered.\n\n</details>"
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(path: &str, line: u64, text: &str) -> DiffLine {
        DiffLine {
            path: path.into(),
            line,
            text: text.into(),
        }
    }

    #[test]
    fn markers_become_titled_findings() {
        let lines = [
            line("a.rs", 3, "let x = 1; // BUG: off by one"),
            line("a.rs", 4, "ok"),
            line("b.rs", 1, "/* BUG: */"),
        ];
        let found = findings(&lines, "BUG:");
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[0].title.as_str()), (3, "off by one"));
        assert_eq!(found[1].title, "Address the marked line.");
    }

    #[test]
    fn the_review_counts_actionables_and_nests_nitpicks_by_file() {
        let lines = [
            line("src/a.rs", 3, "x // BUG: null deref"),
            line("src/a.rs", 7, "y // NIT: rename y"),
            line("src/a.rs", 9, "z // NIT: rename z"),
            line("src/b.rs", 2, "w // NIT: spacing"),
        ];
        let text = review(&lines, &CodeRabbitScript::default(), "base1", "head2");
        assert!(text.body.starts_with("**Actionable comments posted: 1**"));
        assert!(
            text.body
                .contains("<summary>🧹 Nitpick comments (3)</summary>")
        );
        assert!(text.body.contains("<summary>src/a.rs (2)</summary>"));
        assert!(text.body.contains("`7`: **rename y**"));
        assert!(text.body.contains("between base1 and head2"));
        assert_eq!(text.inline.len(), 1);
        let (finding, body) = &text.inline[0];
        assert_eq!((finding.path.as_str(), finding.line), ("src/a.rs", 3));
        assert!(body.starts_with("_⚠️ Potential issue_"));
        assert!(body.contains("**null deref**"));
    }

    #[test]
    fn a_clean_diff_gets_zero_actionables_and_no_nitpick_block() {
        let text = review(
            &[line("a.rs", 1, "fine")],
            &CodeRabbitScript::default(),
            "b",
            "h",
        );
        assert!(text.body.starts_with("**Actionable comments posted: 0**"));
        assert!(!text.body.contains("Nitpick"));
        assert!(text.inline.is_empty());
    }

    #[test]
    fn refusals_carry_the_markers_clients_look_for() {
        let limited = rate_limited("octocat", "b", "h");
        assert!(limited.contains("rate limited by coderabbit.ai"));
        assert!(limited.contains("## Rate limit exceeded"));
        assert!(!limited.contains("Actionable comments posted"));
        assert!(skipped().contains("## Review skipped"));
        assert!(review_triggered().contains("Review triggered."));
        assert!(walkthrough(&[line("a.rs", 1, "x")]).contains("| `a.rs` | 1 added lines |"));
    }
}
