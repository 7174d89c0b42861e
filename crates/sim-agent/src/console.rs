//! What the simulated worker prints: Claude Code's event stream
//! (`--output-format stream-json --verbose`), one JSON object per line,
//! flushed line by line as the real CLI does: `system`/`init` with the
//! session, an `assistant` event for each thing it says or each command it
//! runs (followed by a `user` event with the command's result), and the
//! closing `result` event with the cost. Errors go to stderr as plain text.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// Where the worker's output goes: the process's stdout and stderr, or a
/// transcript a test reads back (tests run workers inside the test process).
#[derive(Clone, Debug)]
pub enum Console {
    /// The process's stdout and stderr, in this output format.
    Process(Format),
    /// Kept in memory (always the event stream).
    Capture(Arc<Mutex<Transcript>>),
}

impl Default for Console {
    fn default() -> Self {
        Console::Process(Format::StreamJson)
    }
}

/// `--output-format`, as the real CLI takes it.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Only the final text.
    Text,
    /// Only the final result event.
    Json,
    /// Every event, as it happens.
    #[default]
    StreamJson,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "stream-json" => Ok(Format::StreamJson),
            other => Err(format!(
                "read --output-format {other:?}: use text, json or stream-json"
            )),
        }
    }
}

/// Everything a captured worker printed, line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Transcript {
    /// The stdout lines as JSON events (every stdout line is one).
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is no event: {e}")))
            .collect()
    }

    /// The content blocks of its assistant events, in order.
    fn blocks(&self) -> Vec<Value> {
        self.events()
            .iter()
            .filter(|e| e["type"] == "assistant")
            .flat_map(|e| {
                e["message"]["content"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// What the worker said: the text of its assistant events, line by line.
    pub fn said(&self) -> Vec<String> {
        self.blocks()
            .iter()
            .filter_map(|block| block["text"].as_str().map(String::from))
            .flat_map(|text| text.lines().map(String::from).collect::<Vec<_>>())
            .collect()
    }

    /// The commands it ran (its `Bash` tool uses).
    pub fn commands(&self) -> Vec<String> {
        self.blocks()
            .iter()
            .filter_map(|block| block["input"]["command"].as_str().map(String::from))
            .collect()
    }

    /// The closing `result` event.
    pub fn result(&self) -> Option<Value> {
        self.events()
            .into_iter()
            .rev()
            .find(|e| e["type"] == "result")
    }
}

/// Message ids for assistant events, unique within a process.
static MESSAGES: AtomicU32 = AtomicU32::new(0);

fn assistant(session_id: &str, block: Value) -> String {
    let n = MESSAGES.fetch_add(1, Ordering::Relaxed);
    json!({
        "type": "assistant",
        "message": {
            "id": format!("msg_sim_{n}"),
            "type": "message",
            "role": "assistant",
            "model": "sim",
            "content": [block],
            "usage": {"input_tokens": 1000, "output_tokens": 50},
        },
        "session_id": session_id,
    })
    .to_string()
}

impl Console {
    /// A console that keeps what is printed for [`Console::transcript`].
    pub fn capture() -> Self {
        Console::Capture(Arc::default())
    }

    /// What was printed so far (empty for the process console).
    pub fn transcript(&self) -> Transcript {
        match self {
            Console::Process(_) => Transcript::default(),
            Console::Capture(t) => t.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Starts the session: the `system`/`init` event.
    pub fn init(&self, session_id: &str) {
        let line = json!({
            "type": "system",
            "subtype": "init",
            "session_id": session_id,
            "model": "sim",
        });
        self.event(&line.to_string());
    }

    /// Says `text`: an assistant text event (plain text in text format).
    pub fn out(&self, text: &str) {
        match self.format() {
            Format::StreamJson => {
                let block = json!({"type": "text", "text": text});
                self.emit(&assistant("sim", block), false);
            }
            Format::Text => self.emit(text, false),
            Format::Json => {}
        }
    }

    fn format(&self) -> Format {
        match self {
            Console::Process(format) => *format,
            Console::Capture(_) => Format::StreamJson,
        }
    }

    /// Prints an event of the stream (in stream format only).
    fn event(&self, line: &str) {
        if self.format() == Format::StreamJson {
            self.emit(line, false);
        }
    }

    /// Runs a command, as the agent's `Bash` tool would: the tool use, then
    /// its result.
    pub fn tool(&self, command: &str, output: &str) {
        let block = json!({"type": "tool_use", "id": "toolu_sim", "name": "Bash",
                           "input": {"command": command}});
        self.event(&assistant("sim", block));
        let result = json!({
            "type": "user",
            "message": {"role": "user", "content": [
                {"tool_use_id": "toolu_sim", "type": "tool_result", "content": output, "is_error": false}
            ]},
            "session_id": "sim",
        });
        self.event(&result.to_string());
    }

    /// Ends the output: the result event (stream and json formats), or its
    /// text (text format).
    pub fn result(&self, finish: &Finish, session_id: &str) {
        match self.format() {
            Format::Text => self.emit(&finish.summary, false),
            Format::Json | Format::StreamJson => self.emit(&envelope(finish, session_id), false),
        }
    }

    /// Prints text on stderr.
    pub fn err(&self, text: &str) {
        self.emit(text, true);
    }

    fn emit(&self, text: &str, to_stderr: bool) {
        match self {
            Console::Process(_) => {
                // A closed log cannot be written to, and there is no one left
                // to tell: the write error is dropped.
                let _ = if to_stderr {
                    write_flushed(&mut std::io::stderr().lock(), text)
                } else {
                    write_flushed(&mut std::io::stdout().lock(), text)
                };
            }
            Console::Capture(t) => {
                let mut t = t.lock().unwrap_or_else(|e| e.into_inner());
                let lines = text.lines().map(str::to_string);
                if to_stderr {
                    t.stderr.extend(lines);
                } else {
                    t.stdout.extend(lines);
                }
            }
        }
    }
}

fn write_flushed(w: &mut impl Write, text: &str) -> std::io::Result<()> {
    writeln!(w, "{text}")?;
    w.flush()
}

/// How a run ended, as far as the envelope and the exit status tell.
#[derive(Clone, Debug, PartialEq)]
pub struct Finish {
    pub exit: i32,
    /// The envelope's `result`: what the worker would say last.
    pub summary: String,
    pub cost_usd: f64,
}

impl Finish {
    pub fn ok(summary: impl Into<String>, cost_usd: f64) -> Self {
        Finish {
            exit: 0,
            summary: summary.into(),
            cost_usd,
        }
    }

    pub fn failed(exit: i32, summary: impl Into<String>, cost_usd: f64) -> Self {
        Finish {
            exit,
            summary: summary.into(),
            cost_usd,
        }
    }

    pub fn is_error(&self) -> bool {
        self.exit != 0
    }
}

/// The closing `result` event (also the whole output of `claude -p
/// --output-format json`).
pub fn envelope(finish: &Finish, session_id: &str) -> String {
    let subtype = if finish.is_error() {
        "error_during_execution"
    } else {
        "success"
    };
    json!({
        "type": "result",
        "subtype": subtype,
        "is_error": finish.is_error(),
        "result": finish.summary,
        "total_cost_usd": finish.cost_usd,
        "session_id": session_id,
        "num_turns": 1,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn the_envelope_is_one_line_of_json_like_claudes_result_event() {
        let finish = Finish::ok("PR: #4\nURL: http://x/pull/4", 1.5);
        let line = envelope(&finish, "sim-1");
        assert!(!line.contains('\n'), "{line}");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["subtype"].as_str()),
            (Some("result"), Some("success"))
        );
        assert_eq!(v["is_error"], false);
        assert_eq!(v["total_cost_usd"], 1.5);
        assert_eq!(v["session_id"], "sim-1");
        assert_eq!(v["result"], "PR: #4\nURL: http://x/pull/4");
    }

    #[test]
    fn a_failed_finish_is_an_error_envelope() {
        let line = envelope(&Finish::failed(3, "crashed", 0.1), "s");
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["is_error"], true);
        assert_eq!(v["subtype"], "error_during_execution");
    }

    #[test]
    fn a_capture_console_keeps_events_and_stderr_apart() {
        let console = Console::capture();
        console.init("s-1");
        console.out("one\ntwo");
        console.err("oops");
        console.tool("git push origin feat/x", "pushed");
        console.out("three");
        let t = console.transcript();
        assert_eq!(t.said(), ["one", "two", "three"]);
        assert_eq!(t.commands(), ["git push origin feat/x"]);
        assert_eq!(t.stderr, ["oops"]);
        assert_eq!(Console::default().transcript(), Transcript::default());
        assert_eq!("text".parse(), Ok(Format::Text));
        assert!(
            "yaml"
                .parse::<Format>()
                .unwrap_err()
                .contains("stream-json")
        );
    }
}
