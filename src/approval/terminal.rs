//! The terminal channel: questions printed with their PR, answers read a
//! line at a time from stdin (a TTY or a pipe) on a dedicated thread. End of
//! input means the terminal can no longer answer. Also the printer the
//! automatic approver reports through.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::thread;

use tokio::sync::mpsc;

use crate::approval::grammar::{self, Verdict};
use crate::checkpoint::QuestionRow;

/// Where the terminal channel reads answers and writes questions.
pub struct TerminalIo {
    pub input: Box<dyn BufRead + Send>,
    pub output: Box<dyn Write + Send>,
}

impl TerminalIo {
    /// The process's stdin and stdout (questions are output, not
    /// diagnostics), printing above the live view when one is on screen.
    pub fn stdio() -> TerminalIo {
        TerminalIo {
            input: Box::new(BufReader::new(std::io::stdin())),
            output: Box::new(crate::progress::console::Above::stdout()),
        }
    }

    pub fn new(input: impl BufRead + Send + 'static, output: impl Write + Send + 'static) -> Self {
        TerminalIo {
            input: Box::new(input),
            output: Box::new(output),
        }
    }
}

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalEvent {
    Line(String),
    /// End of input (or a read error): nobody can answer here any more.
    Closed,
}

/// Reads `input` line by line on its own thread until end of input or
/// until nobody listens. The thread cannot be interrupted while it waits
/// for a line; it ends with the process or at the next line.
pub fn spawn_reader(input: Box<dyn BufRead + Send>, events: mpsc::UnboundedSender<TerminalEvent>) {
    let spawned = thread::Builder::new()
        .name("approval-stdin".into())
        .spawn(move || {
            for line in input.lines() {
                let Ok(line) = line else { break };
                if events.send(TerminalEvent::Line(line)).is_err() {
                    return;
                }
            }
            let _ = events.send(TerminalEvent::Closed);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the terminal reader");
    }
}

/// Writes whole lines; a closed output must not take the run down.
pub struct Printer {
    out: Box<dyn Write + Send>,
}

impl Printer {
    pub fn new(out: Box<dyn Write + Send>) -> Printer {
        Printer { out }
    }

    pub fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}").and_then(|()| self.out.flush());
    }
}

/// The terminal side of asking.
pub struct TerminalChannel {
    printer: Printer,
    closed: bool,
    /// Questions printed by this process (a restarted run prints again).
    shown: HashSet<String>,
    /// Shown questions not yet answered or voided.
    waiting: HashSet<String>,
    /// Keeps the live view from redrawing over an answer being typed.
    hold: Option<crate::progress::console::Hold>,
}

impl TerminalChannel {
    pub fn new(output: Box<dyn Write + Send>) -> TerminalChannel {
        TerminalChannel {
            printer: Printer::new(output),
            closed: false,
            shown: HashSet::new(),
            waiting: HashSet::new(),
            hold: None,
        }
    }

    fn settled(&mut self, id: &str) {
        self.waiting.remove(id);
        if self.waiting.is_empty() {
            self.hold = None;
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn close_input(&mut self) {
        self.closed = true;
    }

    pub fn was_shown(&self, id: &str) -> bool {
        self.shown.contains(id)
    }

    /// Prints the question; with `several` open, says to name the PR.
    pub fn present(&mut self, q: &QuestionRow, several: bool) {
        self.printer.line("");
        self.printer.line(&format!("── {} ──", subject(q)));
        self.printer.line(q.text.trim_end());
        let mut how = format!("Answer here: {}", grammar::help(q.kind));
        if several && let Some(pr) = q.pr {
            how.push_str(&format!(
                " Several questions are waiting: `merge #{}`.",
                pr.0
            ));
        }
        self.printer.line(&how);
        self.shown.insert(q.id.clone());
        self.waiting.insert(q.id.clone());
        if self.hold.is_none() {
            self.hold = Some(crate::progress::console::hold());
        }
    }

    pub fn answered(&mut self, q: &QuestionRow, verdict: &Verdict, by: &str) {
        self.settled(&q.id);
        self.printer
            .line(&format!("✅ {}: {} — by {by}", subject(q), verdict.label()));
    }

    pub fn voided(&mut self, q: &QuestionRow, why: &str) {
        self.settled(&q.id);
        self.printer
            .line(&format!("⛔ {} no longer applies: {why}", subject(q)));
    }

    pub fn remind(&mut self, q: &QuestionRow) {
        self.printer
            .line(&format!("⏰ Still waiting for an answer: {}", subject(q)));
    }

    pub fn say(&mut self, text: &str) {
        self.printer.line(text);
    }
}

/// How a question is named on the terminal: `PR #456 (issue #123)`, or its kind.
pub fn subject(q: &QuestionRow) -> String {
    match (q.pr, q.issue) {
        (Some(pr), Some(issue)) => format!("PR {pr} (issue {issue})"),
        (Some(pr), None) => format!("PR {pr}"),
        _ => format!("{} question", q.kind),
    }
}
