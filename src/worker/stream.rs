//! Claude Code's event stream (`-p --output-format stream-json --verbose`):
//! one JSON object per line, read as it arrives. `StreamEvent::parse` turns
//! one line into the few facts we use; `Activity` accumulates them into what
//! the live view, `status` and the budget need (the session, the tool the
//! agent is running, turns, tokens, and at the end the cost and verdict).
//!
//! The same parser reads `--output-format json`, whose single envelope line
//! is the stream's final `result` event. Lines that are not JSON objects
//! (stderr, a plain-text CLI) are plain output; a line that starts like an
//! object but does not parse is malformed and skipped.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long a tool's input may be in the live view (characters).
const SHORT_INPUT: usize = 80;

/// What one line of a worker's output says.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// `system`/`init`: the session has started.
    Init {
        session_id: String,
        model: Option<String>,
    },
    /// One `assistant` event: a piece of one model message (the CLI prints a
    /// message's content blocks as separate events with the same id).
    Assistant {
        message_id: Option<String>,
        tools: Vec<ToolUse>,
        usage: Option<Usage>,
    },
    /// A `user` event carrying tool results: the tools ran.
    ToolResults,
    /// `system`/`api_retry`: the CLI is retrying a failed API request.
    ApiRetry {
        attempt: u32,
        max: u32,
        error: Option<String>,
    },
    /// The final `result` event (or the `json` format's envelope).
    Result(RunResult),
    /// A JSON event of a type we do not use (`system` subtypes, `stream_event`, ...).
    Other,
    /// Not JSON: stderr, or a CLI that prints plain text.
    Plain,
    /// Starts like a JSON object but does not parse (cut short, garbled).
    Malformed(String),
}

/// A tool the agent asked to run, with a one-line form of its input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolUse {
    pub name: String,
    pub input: String,
}

/// Token counts of one model message. Input counts cached tokens too: they
/// are read, and paid for, on every turn.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
}

/// The `result` event's facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub is_error: bool,
    /// `success`, `error_max_turns`, `error_during_execution`, ...
    pub subtype: Option<String>,
    pub total_cost_usd: Option<f64>,
    pub num_turns: Option<u32>,
    pub session_id: Option<String>,
    /// The agent's last words, cut to a line for notes.
    pub summary: Option<String>,
}

impl StreamEvent {
    /// Reads one output line.
    pub fn parse(line: &str) -> StreamEvent {
        let line = line.trim();
        if !line.starts_with('{') {
            return StreamEvent::Plain;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => from_object(&Value::Object(map)),
            Ok(_) => StreamEvent::Plain,
            Err(e) => StreamEvent::Malformed(e.to_string()),
        }
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn from_object(event: &Value) -> StreamEvent {
    match text(event, "type") {
        Some("system") if text(event, "subtype") == Some("init") => {
            match text(event, "session_id") {
                Some(id) => StreamEvent::Init {
                    session_id: id.to_string(),
                    model: text(event, "model").map(String::from),
                },
                None => StreamEvent::Other,
            }
        }
        Some("system") if text(event, "subtype") == Some("api_retry") => {
            let n = |key: &str| {
                event
                    .get(key)
                    .and_then(Value::as_u64)
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0)
            };
            StreamEvent::ApiRetry {
                attempt: n("attempt"),
                max: n("max_retries"),
                error: text(event, "error").map(String::from),
            }
        }
        Some("assistant") => assistant(event.get("message").unwrap_or(&Value::Null)),
        Some("user") => {
            let content = event.pointer("/message/content").and_then(Value::as_array);
            let results = content.is_some_and(|blocks| {
                blocks
                    .iter()
                    .any(|b| text(b, "type") == Some("tool_result"))
            });
            if results {
                StreamEvent::ToolResults
            } else {
                StreamEvent::Other
            }
        }
        Some("result") => StreamEvent::Result(result(event)),
        _ => StreamEvent::Other,
    }
}

fn assistant(message: &Value) -> StreamEvent {
    let tools = message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|block| text(block, "type") == Some("tool_use"))
        .map(|block| ToolUse {
            name: text(block, "name").unwrap_or("tool").to_string(),
            input: short_input(block.get("input").unwrap_or(&Value::Null)),
        })
        .collect();
    let usage = message.get("usage").map(|u| {
        let n = |key: &str| u.get(key).and_then(Value::as_u64).unwrap_or(0);
        Usage {
            input: n("input_tokens")
                + n("cache_creation_input_tokens")
                + n("cache_read_input_tokens"),
            output: n("output_tokens"),
        }
    });
    StreamEvent::Assistant {
        message_id: text(message, "id").map(String::from),
        tools,
        usage,
    }
}

fn result(event: &Value) -> RunResult {
    RunResult {
        is_error: event
            .get("is_error")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        subtype: text(event, "subtype").map(String::from),
        total_cost_usd: event.get("total_cost_usd").and_then(Value::as_f64),
        num_turns: event
            .get("num_turns")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        session_id: text(event, "session_id").map(String::from),
        // Error results carry no text but an `errors` list.
        summary: text(event, "result")
            .or_else(|| event.pointer("/errors/0").and_then(Value::as_str))
            .and_then(|r| r.lines().map(str::trim).find(|l| !l.is_empty()))
            .map(|l| one_line(l, 200)),
    }
}

/// The part of a tool's input that says what it does: the command of a
/// shell, the path of a file tool, the pattern of a search; else the input
/// as compact JSON. One line, cut to `SHORT_INPUT` characters.
fn short_input(input: &Value) -> String {
    const KEYS: [&str; 7] = [
        "command",
        "file_path",
        "path",
        "pattern",
        "url",
        "description",
        "prompt",
    ];
    let raw = KEYS
        .iter()
        .find_map(|key| text(input, key))
        .map(String::from)
        .unwrap_or_else(|| match input {
            Value::Null => String::new(),
            other => other.to_string(),
        });
    one_line(&raw, SHORT_INPUT)
}

/// `text` with whitespace runs folded to one space, cut to `max` characters
/// (an ellipsis marks the cut).
pub fn one_line(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() <= max {
        return folded;
    }
    let mut cut: String = folded.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// What a worker has done so far, from its events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// The `init` event arrived: the session really started.
    pub started: bool,
    pub session_id: Option<String>,
    pub model: Option<String>,
    /// Model messages so far (the result's `num_turns` once it is known).
    pub turns: u32,
    /// The tool the agent is running now; `None` while the model thinks.
    pub tool: Option<ToolUse>,
    pub tools_run: u32,
    pub tokens: Usage,
    /// Stream events read; zero for a CLI that prints plain text.
    pub events: u32,
    /// Lines that looked like events but did not parse.
    pub malformed: u32,
    pub result: Option<RunResult>,
    /// The API retry under way, if the last event was one: `attempt/max: error`.
    pub retrying: Option<String>,
    /// Usage of the message being streamed: its events repeat the same id,
    /// and its usage is counted once, when the next message starts.
    #[serde(skip)]
    open_message: Option<(String, Usage)>,
}

/// What changed with one line, for the one who watches the worker.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    None,
    /// The session id is known (recorded at once: a crash may follow).
    SessionStarted(String),
    /// Tool, turns or tokens moved.
    Progressed,
    Finished,
    Malformed(String),
}

impl Activity {
    /// Reads one output line into the activity.
    pub fn feed(&mut self, line: &str) -> Change {
        let event = StreamEvent::parse(line);
        if !matches!(event, StreamEvent::Plain | StreamEvent::Malformed(_)) {
            self.events += 1;
            self.retrying = None;
        }
        match event {
            StreamEvent::Init { session_id, model } => {
                self.started = true;
                self.model = model;
                self.session_id = Some(session_id.clone());
                Change::SessionStarted(session_id)
            }
            StreamEvent::Assistant {
                message_id,
                tools,
                usage,
            } => {
                self.message(message_id, usage);
                if let Some(tool) = tools.into_iter().last() {
                    self.tools_run += 1;
                    self.tool = Some(tool);
                }
                Change::Progressed
            }
            StreamEvent::ToolResults => {
                self.tool = None;
                Change::Progressed
            }
            StreamEvent::ApiRetry {
                attempt,
                max,
                error,
            } => {
                let why = error.map(|e| format!(": {e}")).unwrap_or_default();
                self.retrying = Some(format!("{attempt}/{max}{why}"));
                Change::Progressed
            }
            StreamEvent::Result(result) => {
                self.close_message();
                self.tool = None;
                if let Some(turns) = result.num_turns {
                    self.turns = turns;
                }
                if self.session_id.is_none() {
                    self.session_id.clone_from(&result.session_id);
                }
                self.result = Some(result);
                Change::Finished
            }
            StreamEvent::Malformed(why) => {
                self.malformed += 1;
                Change::Malformed(why)
            }
            StreamEvent::Other | StreamEvent::Plain => Change::None,
        }
    }

    /// Counts a model message once, however many events it spans.
    fn message(&mut self, id: Option<String>, usage: Option<Usage>) {
        let usage = usage.unwrap_or_default();
        match (&mut self.open_message, id) {
            (Some((open, latest)), Some(id)) if *open == id => *latest = usage,
            (_, id) => {
                self.close_message();
                self.turns += 1;
                self.open_message = Some((id.unwrap_or_default(), usage));
            }
        }
    }

    fn close_message(&mut self) {
        if let Some((_, usage)) = self.open_message.take() {
            self.tokens.input += usage.input;
            self.tokens.output += usage.output;
        }
    }

    /// Tokens so far, the message being streamed included.
    pub fn tokens_so_far(&self) -> Usage {
        let open = self
            .open_message
            .as_ref()
            .map(|(_, u)| *u)
            .unwrap_or_default();
        Usage {
            input: self.tokens.input + open.input,
            output: self.tokens.output + open.output,
        }
    }

    /// Whether the worker spoke the event stream at all.
    pub fn is_stream(&self) -> bool {
        self.events > 0
    }

    /// The cost the CLI reported, once it finished.
    pub fn cost_usd(&self) -> Option<f64> {
        self.result.as_ref()?.total_cost_usd
    }

    /// One line for the live view: `Bash: cargo test · turn 4 · 12.3k tokens`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match &self.tool {
            _ if self.retrying.is_some() => parts.push(format!(
                "retrying the API ({})",
                self.retrying.as_deref().unwrap_or_default()
            )),
            Some(tool) if tool.input.is_empty() => parts.push(tool.name.clone()),
            Some(tool) => parts.push(format!("{}: {}", tool.name, tool.input)),
            None if self.result.is_some() => parts.push("finished".into()),
            None if self.turns == 0 => parts.push("starting".into()),
            None => parts.push("thinking".into()),
        }
        if self.turns > 0 {
            parts.push(format!("turn {}", self.turns));
        }
        let tokens = self.tokens_so_far();
        let total = tokens.input + tokens.output;
        if total > 0 {
            parts.push(format!("{} tokens", compact(total)));
        }
        if let Some(usd) = self.cost_usd() {
            parts.push(format!("${usd:.2}"));
        }
        parts.join(" · ")
    }
}

/// `950`, `12.3k`, `4.1M`.
fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
