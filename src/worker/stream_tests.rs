//! The stream parser against lines the real Claude Code CLI printed
//! (`tests/fixtures/claude-stream/`, captured from `claude -p
//! --output-format stream-json --verbose` against the scripted Messages
//! API), and against the ways a line can go wrong.

use super::*;

const SUCCESS: &str = include_str!("../../tests/fixtures/claude-stream/success.jsonl");
const ERROR: &str = include_str!("../../tests/fixtures/claude-stream/error.jsonl");

fn feed_all(text: &str) -> (Activity, Vec<Change>) {
    let mut activity = Activity::default();
    let changes = text.lines().map(|l| activity.feed(l)).collect();
    (activity, changes)
}

fn line_of(text: &str, kind: &str) -> String {
    text.lines()
        .find(|l| l.contains(&format!("\"type\":\"{kind}\"")))
        .unwrap_or_else(|| panic!("no {kind} line"))
        .to_string()
}

#[test]
fn the_init_event_starts_the_session() {
    let event = StreamEvent::parse(&line_of(SUCCESS, "system"));
    let StreamEvent::Init { session_id, .. } = event else {
        panic!("{event:?}");
    };
    assert!(!session_id.is_empty());
}

#[test]
fn an_assistant_event_names_the_tool_and_its_input() {
    let line = SUCCESS
        .lines()
        .find(|l| l.contains("\"type\":\"assistant\"") && l.contains("\"type\":\"tool_use\""))
        .expect("a tool_use line");
    let StreamEvent::Assistant { tools, usage, .. } = StreamEvent::parse(line) else {
        panic!("not an assistant event: {line}");
    };
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].name, "Bash");
    assert!(tools[0].input.contains("git status"), "{:?}", tools[0]);
    assert!(usage.is_some_and(|u| u.output > 0));
}

#[test]
fn a_user_event_with_a_tool_result_ends_the_tool() {
    let line = SUCCESS
        .lines()
        .find(|l| l.contains("\"type\":\"user\"") && l.contains("tool_result"))
        .expect("a tool_result line");
    assert_eq!(StreamEvent::parse(line), StreamEvent::ToolResults);
}

#[test]
fn a_successful_run_gives_cost_turns_and_session() {
    let (activity, changes) = feed_all(SUCCESS);
    let result = activity.result.clone().expect("a result");
    assert!(!result.is_error);
    assert_eq!(result.subtype.as_deref(), Some("success"));
    assert!(result.total_cost_usd.is_some_and(|c| c > 0.0), "{result:?}");
    assert_eq!(result.session_id, activity.session_id);
    assert_eq!(Some(activity.turns), result.num_turns);
    assert!(activity.tools_run >= 1);
    assert!(activity.tokens.output > 0);
    assert!(activity.tool.is_none(), "nothing runs after the result");
    assert!(matches!(changes[0], Change::SessionStarted(_)));
    assert!(activity.started);
    assert_eq!(changes.last(), Some(&Change::Finished));
    assert!(
        activity.describe().starts_with("finished · turn"),
        "{}",
        activity.describe()
    );
}

#[test]
fn an_error_result_is_reported_as_an_error() {
    let (activity, _) = feed_all(ERROR);
    let result = activity.result.expect("a result");
    assert!(result.is_error, "{result:?}");
}

#[test]
fn a_truncated_line_is_malformed_and_skipped() {
    let line = line_of(SUCCESS, "result");
    let cut = &line[..line.len() / 2];
    let mut activity = Activity::default();
    assert!(matches!(activity.feed(cut), Change::Malformed(_)));
    assert_eq!(activity.malformed, 1);
    assert!(activity.result.is_none());
    // The stream goes on: the next whole line still counts.
    assert_eq!(activity.feed(&line), Change::Finished);
}

#[test]
fn plain_text_is_not_an_event() {
    let mut activity = Activity::default();
    for line in ["Working on it...", "", "   ", "[1, 2]", "PR: #4"] {
        assert_eq!(activity.feed(line), Change::None, "{line:?}");
    }
    assert!(!activity.is_stream());
    assert_eq!(activity.cost_usd(), None);
}

#[test]
fn the_json_format_envelope_reads_as_a_result() {
    let envelope = r#"{"type":"result","subtype":"success","is_error":false,"result":"PR: #7\nURL: x","total_cost_usd":1.25,"session_id":"s1","num_turns":9}"#;
    let mut activity = Activity::default();
    assert_eq!(activity.feed(envelope), Change::Finished);
    assert_eq!(activity.cost_usd(), Some(1.25));
    assert_eq!(activity.session_id.as_deref(), Some("s1"));
    assert_eq!(activity.turns, 9);
    let result = activity.result.unwrap();
    assert_eq!(result.summary.as_deref(), Some("PR: #7"));
}

#[test]
fn a_message_split_over_events_counts_once() {
    let block = |text: &str, out: u64| {
        format!(
            r#"{{"type":"assistant","message":{{"id":"msg_1","content":[{text}],"usage":{{"input_tokens":100,"cache_read_input_tokens":50,"output_tokens":{out}}}}}}}"#
        )
    };
    let mut activity = Activity::default();
    activity.feed(&block(r#"{"type":"text","text":"Let me look."}"#, 3));
    activity.feed(&block(
        r#"{"type":"tool_use","name":"Read","input":{"file_path":"/w/src/lib.rs"}}"#,
        20,
    ));
    assert_eq!(activity.turns, 1);
    assert_eq!(
        activity.tokens_so_far(),
        Usage {
            input: 150,
            output: 20
        }
    );
    assert_eq!(
        activity.describe(),
        "Read: /w/src/lib.rs · turn 1 · 170 tokens"
    );
    let next = block(r#"{"type":"text","text":"Done."}"#, 7).replace("msg_1", "msg_2");
    activity.feed(&next);
    assert_eq!(activity.turns, 2);
    assert_eq!(activity.tokens_so_far().output, 27);
}

#[test]
fn tool_input_is_one_short_line() {
    let long = format!(
        r#"{{"type":"assistant","message":{{"id":"m","content":[{{"type":"tool_use","name":"Bash","input":{{"command":"echo {}\nls"}}}}]}}}}"#,
        "a".repeat(200)
    );
    let StreamEvent::Assistant { tools, .. } = StreamEvent::parse(&long) else {
        panic!()
    };
    assert_eq!(tools[0].input.chars().count(), SHORT_INPUT);
    assert!(tools[0].input.ends_with('…'));
    assert!(!tools[0].input.contains('\n'));
    assert_eq!(one_line("a\n  b\tc", 10), "a b c");
}

#[test]
fn an_api_retry_shows_until_the_next_event() {
    let text = include_str!("../../tests/fixtures/claude-stream/error-overloaded.jsonl");
    let mut activity = Activity::default();
    let mut saw_retry = false;
    for line in text.lines() {
        activity.feed(line);
        saw_retry |= activity.describe().starts_with("retrying the API (1/");
    }
    assert!(saw_retry);
    assert!(activity.retrying.is_none(), "the result ends the retry");
    assert!(activity.result.unwrap().is_error);
}

#[test]
fn a_missing_session_is_an_error_result_with_its_reason() {
    let text = include_str!("../../tests/fixtures/claude-stream/resume-missing.jsonl");
    let mut activity = Activity::default();
    for line in text.lines() {
        activity.feed(line);
    }
    let result = activity.result.unwrap();
    assert!(result.is_error);
    assert!(
        result
            .summary
            .as_deref()
            .unwrap_or_default()
            .starts_with("No conversation found"),
        "{result:?}"
    );
    assert_eq!(activity.turns, 0);
    assert!(!activity.started, "no init: the session never started");
}

#[test]
fn every_captured_run_parses_without_malformed_lines() {
    let fixtures = [
        include_str!("../../tests/fixtures/claude-stream/compacted.jsonl"),
        include_str!("../../tests/fixtures/claude-stream/max-budget.jsonl"),
        include_str!("../../tests/fixtures/claude-stream/max-turns.jsonl"),
        include_str!("../../tests/fixtures/claude-stream/resumed.jsonl"),
        include_str!("../../tests/fixtures/claude-stream/sigterm-during-tool.jsonl"),
        include_str!("../../tests/fixtures/claude-stream/error-timeout.jsonl"),
    ];
    for text in fixtures {
        let (activity, _) = feed_all(text);
        assert_eq!(activity.malformed, 0);
        assert!(activity.session_id.is_some());
    }
    let (cut, _) = feed_all(include_str!(
        "../../tests/fixtures/claude-stream/sigterm.jsonl"
    ));
    assert!(
        cut.result.is_none(),
        "a SIGTERMed run ends without a result"
    );
    assert_eq!(cut.cost_usd(), None);
}
