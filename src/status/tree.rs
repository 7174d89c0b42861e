//! The run as the spec's wave tree: a header (target, status, times, counts,
//! cost), each wave with its issues (state, elapsed time, PR, fixes, cost,
//! what the issue is doing or why it ended), and the workers running now.
//! Pure: the caller passes the rows, what each issue is doing, and the time,
//! so the live view and `status` print the same thing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::checkpoint::{IssueRow, IssueState, RunRow, RunStatus, Timestamp};
use crate::ids::IssueNumber;

/// Titles are cut to this many characters so the columns line up.
const TITLE_WIDTH: usize = 30;
/// `awaiting approval`, the longest state word.
const STATE_WIDTH: usize = 17;
/// Details (reasons, activities) are cut to this many characters.
const DETAIL_WIDTH: usize = 100;

/// Everything the tree shows.
pub struct TreeInput<'a> {
    pub run: &'a RunRow,
    /// In wave order (as `Store::load_issues` returns them).
    pub issues: &'a [IssueRow],
    /// What each issue is doing now; the live view knows, the checkpoint does not.
    pub activity: &'a BTreeMap<IssueNumber, String>,
    pub now: Timestamp,
}

/// The whole tree, one line per row, ending in a newline.
pub fn render(input: &TreeInput<'_>) -> String {
    let mut out = String::new();
    header(&mut out, input);
    let width = number_width(input.issues);
    let mut waves: BTreeMap<u32, Vec<&IssueRow>> = BTreeMap::new();
    for row in input.issues {
        waves.entry(row.wave).or_default().push(row);
    }
    for (wave, rows) in &waves {
        let merged = rows
            .iter()
            .filter(|r| r.state == IssueState::Merged)
            .count();
        let _ = writeln!(out, "\nWave {wave} · {merged} of {} merged", rows.len());
        for row in rows {
            issue_lines(&mut out, row, input, width);
        }
    }
    workers(&mut out, input);
    out
}

/// A state's symbol in the tree.
pub fn symbol(state: IssueState) -> &'static str {
    match state {
        IssueState::Pending => "○",
        IssueState::Running => "▶",
        IssueState::PrOpen => "◇",
        IssueState::Reviewing => "◆",
        IssueState::AwaitingApproval => "?",
        IssueState::Merged => "✓",
        IssueState::Skipped => "⊘",
        IssueState::Failed => "✗",
    }
}

/// A state as people read it: `awaiting approval`.
pub fn word(state: IssueState) -> String {
    state.as_str().replace('_', " ")
}

/// `1m05s`, `12s`, `1h02m`.
pub fn elapsed(secs: u64) -> String {
    match secs {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

/// How long an issue has been (or was) going: from its start to its end, or
/// to `now` while it goes on. `None` before it started.
pub fn issue_seconds(row: &IssueRow, now: Timestamp) -> Option<u64> {
    let start = row.started_at?;
    let end = row.finished_at.unwrap_or(now);
    Some(seconds_between(start, end))
}

/// How many issues are in each state, in lifecycle order, zeros left out.
pub fn counts(issues: &[IssueRow]) -> Vec<(IssueState, usize)> {
    IssueState::ALL
        .iter()
        .map(|&s| (s, issues.iter().filter(|r| r.state == s).count()))
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// `$1.10`.
pub fn dollars(usd: f64) -> String {
    format!("${usd:.2}")
}

/// `s` cut to `max` characters, ending in `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn seconds_between(start: Timestamp, end: Timestamp) -> u64 {
    (end - start).num_seconds().max(0) as u64
}

fn when(t: Timestamp) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn header(out: &mut String, input: &TreeInput<'_>) {
    let run = input.run;
    let _ = writeln!(
        out,
        "{} · {} · run {} · {}",
        run.target_label, run.repo, run.id, run.status
    );
    let _ = writeln!(out, "Started {} · {}", when(run.started_at), times(input));
    let counted: Vec<String> = counts(input.issues)
        .into_iter()
        .map(|(s, n)| format!("{n} {}", word(s)))
        .collect();
    let mut line = format!("{} issues: {}", input.issues.len(), counted.join(", "));
    match (run.cost_usd_total, run.budget_usd) {
        (spent, Some(cap)) => {
            let _ = write!(line, " · cost {} of {} cap", dollars(spent), dollars(cap));
        }
        (spent, None) if spent > 0.0 => {
            let _ = write!(line, " · cost {}", dollars(spent));
        }
        _ => {}
    }
    let _ = writeln!(out, "{line}");
}

/// How long the run has gone, or how it ended.
fn times(input: &TreeInput<'_>) -> String {
    let run = input.run;
    match (run.status, run.finished_at) {
        (_, Some(end)) => format!(
            "finished {} after {}",
            end.format("%H:%M UTC"),
            elapsed(seconds_between(run.started_at, end))
        ),
        (RunStatus::Interrupted, None) => {
            format!("stopped {} (resumable)", run.updated_at.format("%H:%M UTC"))
        }
        _ => format!(
            "{} so far",
            elapsed(seconds_between(run.started_at, input.now))
        ),
    }
}

fn number_width(issues: &[IssueRow]) -> usize {
    issues
        .iter()
        .map(|r| r.issue.to_string().len())
        .max()
        .unwrap_or(0)
}

fn issue_lines(out: &mut String, row: &IssueRow, input: &TreeInput<'_>, width: usize) {
    let took = issue_seconds(row, input.now)
        .map(elapsed)
        .unwrap_or_default();
    let line = format!(
        "  {} {:<width$} {:<TITLE_WIDTH$} {:<STATE_WIDTH$} {took:>6}  {}",
        symbol(row.state),
        row.issue.to_string(),
        clip(&row.title, TITLE_WIDTH),
        word(row.state),
        extras(row).join("  "),
    );
    let _ = writeln!(out, "{}", line.trim_end());
    if let Some(text) = detail(row, input.activity.get(&row.issue)) {
        let indent = 5 + width;
        let text = clip(&text, DETAIL_WIDTH);
        let _ = writeln!(out, "{:indent$}└ {text}", "");
    }
}

/// The PR, the fix counts, the cost.
fn extras(row: &IssueRow) -> Vec<String> {
    let mut extras = Vec::new();
    if let Some(pr) = row.pr {
        extras.push(format!("PR {pr}"));
    }
    if row.attempts > 1 {
        extras.push(format!("attempt {}", row.attempts));
    }
    if row.ci_fix_attempts > 0 {
        extras.push(format!("CI fixes {}", row.ci_fix_attempts));
    }
    if row.review_rounds > 0 {
        extras.push(format!("review rounds {}", row.review_rounds));
    }
    if row.cost_usd > 0.0 {
        extras.push(dollars(row.cost_usd));
    }
    extras
}

/// Why a failed or skipped issue ended, or what a live one is doing.
fn detail(row: &IssueRow, activity: Option<&String>) -> Option<String> {
    let first_line = |s: &str| s.lines().next().unwrap_or_default().to_string();
    match row.state {
        IssueState::Failed => row
            .last_error
            .as_deref()
            .map(|e| format!("reason: {}", first_line(e))),
        IssueState::Skipped => row
            .skip_reason
            .as_deref()
            .map(|r| format!("reason: {}", first_line(r))),
        IssueState::Merged => None,
        _ => match (activity, row.last_error.as_deref()) {
            (Some(now), _) => Some(now.clone()),
            (None, Some(e)) => Some(format!("last error: {}", first_line(e))),
            (None, None) => None,
        },
    }
}

fn workers(out: &mut String, input: &TreeInput<'_>) {
    let running: Vec<String> = input
        .issues
        .iter()
        .filter_map(|r| r.worker.map(|w| format!("{} (pid {})", r.issue, w.pid)))
        .collect();
    let live = input.run.status == RunStatus::Running;
    let list = if running.is_empty() {
        "none".to_string()
    } else {
        running.join(", ")
    };
    match (live, running.is_empty()) {
        (true, _) => {
            let _ = writeln!(out, "\nWorkers running now: {list}");
        }
        (false, false) => {
            let _ = writeln!(out, "\nWorkers recorded when the run stopped: {list}");
        }
        (false, true) => {}
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
