//! What the simulated worker prints: text lines flushed one by one (the
//! orchestrator watches the log for stalls), and the closing JSON envelope
//! in the shape `claude --output-format json` prints.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

/// Where the worker's output goes: the process's stdout and stderr, or a
/// transcript a test reads back (tests run workers inside the test process).
#[derive(Clone, Debug, Default)]
pub enum Console {
    #[default]
    Process,
    Capture(Arc<Mutex<Transcript>>),
}

/// Everything a captured worker printed, line by line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Console {
    /// A console that keeps what is printed for [`Console::transcript`].
    pub fn capture() -> Self {
        Console::Capture(Arc::default())
    }

    /// What was printed so far (empty for the process console).
    pub fn transcript(&self) -> Transcript {
        match self {
            Console::Process => Transcript::default(),
            Console::Capture(t) => t.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Prints text on stdout, one line per line of `text`.
    pub fn out(&self, text: &str) {
        self.emit(text, false);
    }

    /// Prints text on stderr.
    pub fn err(&self, text: &str) {
        self.emit(text, true);
    }

    fn emit(&self, text: &str, to_stderr: bool) {
        match self {
            Console::Process => {
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

/// The one-line JSON envelope, as `claude -p --output-format json` ends.
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
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn the_envelope_is_one_line_the_worker_module_reads() {
        let finish = Finish::ok("PR: #4\nURL: http://x/pull/4", 1.5);
        let line = envelope(&finish, "sim-1");
        assert!(!line.contains('\n'), "{line}");
        let found = crate::worker::find_envelope(&format!("text\n{line}\n")).unwrap();
        assert_eq!(found.total_cost_usd, 1.5);
        assert_eq!(found.is_error, Some(false));
        assert_eq!(found.session_id.as_deref(), Some("sim-1"));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["subtype"], "success");
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
    fn a_capture_console_keeps_lines_apart_per_stream() {
        let console = Console::capture();
        console.out("one\ntwo");
        console.err("oops");
        console.out("three");
        let t = console.transcript();
        assert_eq!(t.stdout, ["one", "two", "three"]);
        assert_eq!(t.stderr, ["oops"]);
        assert_eq!(Console::Process.transcript(), Transcript::default());
    }
}
