//! The terminal channel: one question on screen at a time, with its PR;
//! the others wait in line and come up, in the order they were asked, as
//! the one on screen is answered or withdrawn. Answers are read a line at a
//! time from stdin (a TTY or a pipe) on a dedicated thread; a plain answer
//! is for the question on screen. End of input means the terminal can no
//! longer answer. Also the printer the automatic approver reports through.

use std::collections::{HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::thread;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::approval::grammar::{self, Verdict};
use crate::approval::routing::Screen;
use crate::checkpoint::QuestionRow;

/// How long a question must have been on screen before a plain line counts
/// for it: a line arriving sooner was typed before it could be read.
pub const READ_TIME: Duration = Duration::from_secs(1);

/// Where the terminal channel reads answers and writes questions.
pub struct TerminalIo {
    pub input: Box<dyn BufRead + Send>,
    pub output: Box<dyn Write + Send>,
    /// How long a question is on screen before a plain line is for it.
    pub read_time: Duration,
}

impl TerminalIo {
    /// The process's stdin and stdout (questions are output, not
    /// diagnostics), printing above the live view when one is on screen.
    pub fn stdio() -> TerminalIo {
        TerminalIo {
            input: Box::new(BufReader::new(std::io::stdin())),
            output: Box::new(crate::progress::console::Above::stdout()),
            // A pipe is a script answering what it read, not a person
            // reading a screen: its lines count as soon as they come.
            read_time: if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                READ_TIME
            } else {
                Duration::ZERO
            },
        }
    }

    pub fn new(input: impl BufRead + Send + 'static, output: impl Write + Send + 'static) -> Self {
        TerminalIo {
            input: Box::new(input),
            output: Box::new(output),
            read_time: READ_TIME,
        }
    }

    /// Overrides [`READ_TIME`]: a test types as soon as it reads.
    pub fn with_read_time(mut self, read_time: Duration) -> TerminalIo {
        self.read_time = read_time;
        self
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
    /// The question on screen, and since when.
    active: Option<(QuestionRow, Instant)>,
    /// Questions waiting for their turn on screen, oldest first.
    queued: VecDeque<QuestionRow>,
    /// How long a question is on screen before a plain line is for it.
    read_time: Duration,
    /// Keeps the live view from redrawing over an answer being typed.
    hold: Option<crate::progress::console::Hold>,
}

impl TerminalChannel {
    pub fn new(output: Box<dyn Write + Send>) -> TerminalChannel {
        TerminalChannel {
            printer: Printer::new(output),
            closed: false,
            shown: HashSet::new(),
            active: None,
            queued: VecDeque::new(),
            read_time: READ_TIME,
            hold: None,
        }
    }

    /// Overrides [`READ_TIME`] (tests that type at machine speed).
    pub fn with_read_time(mut self, read_time: Duration) -> TerminalChannel {
        self.read_time = read_time;
        self
    }

    /// Takes `id` off the screen or out of the line; the next in line comes up.
    fn settled(&mut self, id: &str) {
        self.queued.retain(|q| q.id != id);
        if self.active.as_ref().is_some_and(|(q, _)| q.id == id) {
            self.active = None;
            if let Some(next) = self.queued.pop_front() {
                self.show(next);
            }
        }
        if self.active.is_none() {
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

    /// The question a plain line arriving at `now` is for.
    pub fn screen(&self, now: Instant) -> Screen {
        match &self.active {
            None => Screen::Empty,
            Some((q, since)) if now.duration_since(*since) < self.read_time => {
                Screen::JustShown(q.id.clone())
            }
            Some((q, _)) => Screen::Shown(q.id.clone()),
        }
    }

    /// Puts the question on screen, or in line behind the one there.
    pub fn present(&mut self, q: &QuestionRow) {
        self.shown.insert(q.id.clone());
        if self.active.is_none() {
            self.show(q.clone());
            return;
        }
        self.queued.push_back(q.clone());
        let answer =
            q.pr.map(|pr| format!(" (or answer it now: `merge #{}`)", pr.0))
                .unwrap_or_default();
        self.printer.line(&format!(
            "⏳ {} is waiting{answer}; {} waiting behind the one on screen.",
            subject(q),
            self.queued.len()
        ));
    }

    fn show(&mut self, q: QuestionRow) {
        self.printer.line("");
        self.printer.line(&format!("── {} ──", subject(&q)));
        self.printer.line(q.text.trim_end());
        let mut how = format!("Answer here: {}", grammar::help(q.kind));
        if !self.queued.is_empty() {
            how.push_str(&format!(" ({} more waiting.)", self.queued.len()));
        }
        self.printer.line(&how);
        self.active = Some((q, Instant::now()));
        if self.hold.is_none() {
            self.hold = Some(crate::progress::console::hold());
        }
    }

    pub fn answered(&mut self, q: &QuestionRow, verdict: &Verdict, by: &str) {
        self.printer
            .line(&format!("✅ {}: {} — by {by}", subject(q), verdict.label()));
        self.settled(&q.id);
    }

    pub fn voided(&mut self, q: &QuestionRow, why: &str) {
        self.printer
            .line(&format!("⛔ {} no longer applies: {why}", subject(q)));
        self.settled(&q.id);
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
