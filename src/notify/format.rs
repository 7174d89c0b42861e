//! The payload each service takes: Slack's and Discord's incoming webhooks, and our generic JSON.

use serde_json::{Value, json};

use super::notice::Notice;

/// Discord refuses a message whose `content` is longer than this (in characters).
pub const DISCORD_LIMIT: usize = 2000;

/// Slack incoming webhook: `{"text": ...}` in mrkdwn, the first line bold.
pub fn slack(notice: &Notice) -> Value {
    // Slack reads `<...>` as a link or mention and `&` as an entity: escaped,
    // an issue title shows as written.
    let escaped = notice
        .text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    json!({ "text": bold_first_line(&escaped, "*") })
}

/// Discord webhook: `{"content": ...}`, cut to [`DISCORD_LIMIT`]; mentions in
/// the text (an `@everyone` in an issue title) ping nobody.
pub fn discord(notice: &Notice) -> Value {
    let content = cut(&bold_first_line(&notice.text, "**"), DISCORD_LIMIT);
    json!({ "content": content, "allowed_mentions": { "parse": [] } })
}

/// The generic webhook: `{"event", "text", "run", "summary"}`; `summary` is
/// null but for the closing notice.
pub fn generic(notice: &Notice, run: i64) -> Value {
    json!({
        "event": notice.kind.event(),
        "text": notice.text,
        "run": run,
        "summary": notice.summary,
    })
}

fn bold_first_line(text: &str, mark: &str) -> String {
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) => (first, Some(rest)),
        None => (text, None),
    };
    if first.trim().is_empty() {
        return text.to_string();
    }
    match rest {
        Some(rest) => format!("{mark}{first}{mark}\n{rest}"),
        None => format!("{mark}{first}{mark}"),
    }
}

/// `text` in at most `limit` characters: whole if it fits, else cut at the
/// last line break (or space) in the second half of the room, never inside
/// a character, and ended with `…` so the cut shows.
pub fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let room = limit.saturating_sub(1);
    let end = text.char_indices().nth(room).map_or(text.len(), |(i, _)| i);
    let head = &text[..end];
    let floor = head.len() / 2;
    let at = head
        .rfind('\n')
        .filter(|&i| i >= floor)
        .or_else(|| head.rfind(' ').filter(|&i| i >= floor))
        .unwrap_or(end);
    format!("{}…", head[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::notice::{Digest, NoticeKind};

    fn finished() -> Notice {
        Notice::finished(
            "MILESTONE COMPLETE\nMilestone \"Sprint 1\": 3/3 issues merged successfully.\nFailed: none",
            Digest {
                merged: 3,
                failed: 0,
                skipped: 0,
                total: 3,
                cost_usd: 1.25,
            },
        )
    }

    #[test]
    fn slack_gets_mrkdwn_text_with_a_bold_title_and_escaped_brackets() {
        let mut notice = finished();
        assert_eq!(
            slack(&notice),
            json!({"text": "*MILESTONE COMPLETE*\nMilestone \"Sprint 1\": 3/3 issues merged successfully.\nFailed: none"})
        );
        notice.text = "PR #4 failed: Vec<u8> & <!channel>".into();
        assert_eq!(
            slack(&notice)["text"],
            "*PR #4 failed: Vec&lt;u8&gt; &amp; &lt;!channel&gt;*"
        );
    }

    #[test]
    fn discord_gets_content_that_pings_nobody() {
        let payload = discord(&finished());
        assert_eq!(
            payload["content"],
            "**MILESTONE COMPLETE**\nMilestone \"Sprint 1\": 3/3 issues merged successfully.\nFailed: none"
        );
        assert_eq!(payload["allowed_mentions"], json!({"parse": []}));
    }

    #[test]
    fn discord_content_is_cut_to_2000_characters_at_a_line_break() {
        let line = "é".repeat(99); // two bytes each: a byte cut would split one
        let text = vec![line.as_str(); 40].join("\n");
        let content = discord(&Notice::new(NoticeKind::IssueFailed, text))["content"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            content.chars().count() <= DISCORD_LIMIT,
            "{}",
            content.len()
        );
        assert!(content.chars().count() > DISCORD_LIMIT / 2);
        assert!(content.ends_with(&format!("{line}…")), "cut at a line end");
    }

    #[test]
    fn cut_keeps_short_text_and_falls_back_to_a_hard_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("exactly10!", 10), "exactly10!");
        assert_eq!(cut("one two three four", 12), "one two…");
        let word = "x".repeat(30);
        assert_eq!(cut(&word, 10), format!("{}…", "x".repeat(9)));
        assert_eq!(cut(&word, 10).chars().count(), 10);
    }

    #[test]
    fn the_generic_webhook_names_the_event_and_carries_the_numbers() {
        assert_eq!(
            generic(&finished(), 7),
            json!({
                "event": "run_finished",
                "text": finished().text,
                "run": 7,
                "summary": {"merged": 3, "failed": 0, "skipped": 0, "total": 3, "cost_usd": 1.25},
            })
        );
        let waiting = Notice::new(NoticeKind::QuestionWaiting, "PR #9 waits");
        let payload = generic(&waiting, 7);
        assert_eq!(payload["event"], "question_waiting");
        assert_eq!(payload["summary"], Value::Null);
        assert_eq!(
            generic(&Notice::new(NoticeKind::IssueFailed, "x"), 1)["event"],
            "issue_failed"
        );
    }
}
