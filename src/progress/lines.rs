//! Plain progress lines, one per state change: time, issue, from → to, PR,
//! and how long the issue has been going. For pipes, logs and CI.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use super::ProgressSink;
use crate::checkpoint::IssueState;
use crate::ids::IssueNumber;
use crate::messages::{IssueActivity, IssueNoted, IssueProgressed};
use crate::run::outcome::RunEnd;

pub struct Lines<W: Write> {
    out: W,
    started: HashMap<IssueNumber, Instant>,
}

impl<W: Write> Lines<W> {
    pub fn new(out: W) -> Self {
        Lines {
            out,
            started: HashMap::new(),
        }
    }

    fn line(&mut self, text: &str) {
        let now = chrono::Local::now().format("%H:%M:%S");
        // Progress must not take the run down if stdout is gone (a closed pipe).
        let _ = writeln!(self.out, "{now}  {text}");
        let _ = self.out.flush();
    }
}

/// `1m05s`, `12s`.
pub fn elapsed(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

impl<W: Write> ProgressSink for Lines<W> {
    fn transition(&mut self, e: &IssueProgressed, title: &str) {
        let start = *self.started.entry(e.issue).or_insert_with(Instant::now);
        let pr = e.pr.map(|p| format!("  PR {p}")).unwrap_or_default();
        let note = e
            .note
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default();
        let took = match e.to {
            IssueState::Running if e.from == IssueState::Pending => String::new(),
            _ => format!("  [{}]", elapsed(start.elapsed().as_secs())),
        };
        self.line(&format!(
            "{} {title}: {} → {}{pr}{took}{note}",
            e.issue, e.from, e.to
        ));
    }

    fn note(&mut self, e: &IssueNoted) {
        self.line(&format!("{}   {}", e.issue, e.text));
    }

    /// Plain lines skip activities: they change often and say nothing a
    /// state change or a note does not.
    fn activity(&mut self, _event: &IssueActivity) {}

    fn finished(&mut self, end: &RunEnd) {
        let text = match end {
            RunEnd::Finished(status) => format!("run finished: {status}"),
            RunEnd::Stopped(cause) => format!("run stopped ({cause:?}); resume with --resume"),
            RunEnd::AwaitingHuman(issues) => format!(
                "run paused: questions for {} could not be asked",
                list(issues)
            ),
            RunEnd::Stuck(issues) => format!(
                "run paused: {} cannot start until their blockers merge",
                list(issues)
            ),
        };
        self.line(&text);
    }
}

fn list(issues: &[IssueNumber]) -> String {
    issues
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::PrNumber;

    #[test]
    fn a_transition_is_one_line_with_issue_states_and_pr() {
        let mut buf = Vec::new();
        let mut lines = Lines::new(&mut buf);
        let event = IssueProgressed {
            issue: IssueNumber(155),
            from: IssueState::Running,
            to: IssueState::PrOpen,
            pr: Some(PrNumber(160)),
            note: None,
        };
        lines.transition(&event, "Add storage service");
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.contains("#155 Add storage service: running → pr_open  PR #160  [0s]"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn elapsed_reads_like_a_clock() {
        assert_eq!(elapsed(5), "5s");
        assert_eq!(elapsed(65), "1m05s");
        assert_eq!(elapsed(3720), "1h02m");
    }
}
