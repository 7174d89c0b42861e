//! Plain progress lines, one per state change: time, issue, from → to, PR,
//! and how long the issue has been going. For pipes, logs and CI, and for
//! `-q` anywhere. The texts are shared with the live view's notes.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use super::{ProgressSink, Verbosity};
use crate::checkpoint::IssueState;
use crate::ids::IssueNumber;
use crate::messages::RunEnd;
use crate::messages::{IssueActivity, IssueNoted, IssueProgressed};
use crate::status::tree::elapsed;

pub struct Lines<W: Write> {
    out: W,
    verbosity: Verbosity,
    started: HashMap<IssueNumber, Instant>,
}

impl<W: Write> Lines<W> {
    /// Transitions and notes; no activities.
    pub fn new(out: W) -> Self {
        Lines::with_verbosity(out, Verbosity::Normal)
    }

    /// `Quiet`: failures and the end only; `Verbose`: activities too.
    pub fn with_verbosity(out: W, verbosity: Verbosity) -> Self {
        Lines {
            out,
            verbosity,
            started: HashMap::new(),
        }
    }

    fn line(&mut self, text: &str) {
        // Progress must not take the run down if stdout is gone (a closed pipe).
        let _ = writeln!(self.out, "{}", stamped(text));
        let _ = self.out.flush();
    }
}

/// `14:03:07  text`, in local time.
pub fn stamped(text: &str) -> String {
    format!("{}  {text}", chrono::Local::now().format("%H:%M:%S"))
}

/// `#155 Add storage service: running → pr_open  PR #160  [1m05s]  (note)`;
/// `took` is left out when `None`.
pub fn transition_text(e: &IssueProgressed, title: &str, took: Option<u64>) -> String {
    let pr = e.pr.map(|p| format!("  PR {p}")).unwrap_or_default();
    let took = took
        .map(|s| format!("  [{}]", elapsed(s)))
        .unwrap_or_default();
    let note = e
        .note
        .as_deref()
        .map(|n| format!("  ({n})"))
        .unwrap_or_default();
    format!("{} {title}: {} → {}{pr}{took}{note}", e.issue, e.from, e.to)
}

pub fn note_text(e: &IssueNoted) -> String {
    format!("{}   {}", e.issue, e.text)
}

pub fn activity_text(e: &IssueActivity) -> String {
    format!("{}   … {}", e.issue, e.text)
}

/// How the run ended, with what to do next when it can go on.
pub fn finished_text(end: &RunEnd) -> String {
    match end {
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
        RunEnd::BudgetSpent(issues) => format!(
            "run paused: the budget cap is spent; {} wait for a higher cap",
            list(issues)
        ),
    }
}

impl<W: Write> ProgressSink for Lines<W> {
    fn transition(&mut self, e: &IssueProgressed, title: &str) {
        let start = *self.started.entry(e.issue).or_insert_with(Instant::now);
        if self.verbosity == Verbosity::Quiet && e.to != IssueState::Failed {
            return;
        }
        let took = match e.to {
            IssueState::Running if e.from == IssueState::Pending => None,
            _ => Some(start.elapsed().as_secs()),
        };
        self.line(&transition_text(e, title, took));
    }

    fn note(&mut self, e: &IssueNoted) {
        if self.verbosity != Verbosity::Quiet {
            self.line(&note_text(e));
        }
    }

    /// Activities change often and mostly say what a state change or a note
    /// already did; only `-v` shows them.
    fn activity(&mut self, e: &IssueActivity) {
        if self.verbosity == Verbosity::Verbose {
            self.line(&activity_text(e));
        }
    }

    fn finished(&mut self, end: &RunEnd) {
        self.line(&finished_text(end));
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
    use crate::checkpoint::RunStatus;
    use crate::ids::PrNumber;

    fn progressed(from: IssueState, to: IssueState) -> IssueProgressed {
        IssueProgressed {
            issue: IssueNumber(155),
            from,
            to,
            pr: Some(PrNumber(160)),
            note: None,
        }
    }

    /// Everything a run might report, in order; what each verbosity printed.
    fn printed(verbosity: Verbosity) -> Vec<String> {
        let mut buf = Vec::new();
        let mut lines = Lines::with_verbosity(&mut buf, verbosity);
        lines.transition(
            &progressed(IssueState::Running, IssueState::PrOpen),
            "Add storage",
        );
        lines.note(&IssueNoted {
            issue: IssueNumber(155),
            text: "implement worker started (pid 7)".into(),
        });
        lines.activity(&IssueActivity {
            issue: IssueNumber(155),
            text: "waiting for CI: 2 pending".into(),
        });
        lines.transition(
            &progressed(IssueState::Reviewing, IssueState::Failed),
            "Add storage",
        );
        lines.finished(&RunEnd::Finished(RunStatus::Failed));
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| l[10..].to_string())
            .collect()
    }

    #[test]
    fn a_transition_is_one_timestamped_line_with_issue_states_and_pr() {
        let mut buf = Vec::new();
        let mut lines = Lines::new(&mut buf);
        lines.transition(
            &progressed(IssueState::Running, IssueState::PrOpen),
            "Add storage service",
        );
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.lines().count(), 1);
        let stamp = &text[..8];
        assert!(
            chrono::NaiveTime::parse_from_str(stamp, "%H:%M:%S").is_ok(),
            "{text}"
        );
        assert_eq!(
            &text[8..],
            "  #155 Add storage service: running → pr_open  PR #160  [0s]\n"
        );
    }

    #[test]
    fn verbosity_chooses_what_is_printed() {
        assert_eq!(
            printed(Verbosity::Normal),
            [
                "#155 Add storage: running → pr_open  PR #160  [0s]",
                "#155   implement worker started (pid 7)",
                "#155 Add storage: reviewing → failed  PR #160  [0s]",
                "run finished: failed",
            ]
        );
        assert_eq!(
            printed(Verbosity::Quiet),
            [
                "#155 Add storage: reviewing → failed  PR #160  [0s]",
                "run finished: failed",
            ]
        );
        let verbose = printed(Verbosity::Verbose);
        assert_eq!(verbose.len(), 5);
        assert_eq!(verbose[2], "#155   … waiting for CI: 2 pending");
    }
}
