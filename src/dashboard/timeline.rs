//! An issue's timeline for the page: its events folded into phases (worker,
//! PR, CI, review, question, merge), each with when it began, how long it
//! lasted, what it cost and the events noted in it.

use serde::Serialize;
use serde_json::Value;

use crate::checkpoint::{EventRow, Timestamp, event_kind};

/// One phase of an issue's life.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Phase {
    /// What the page shows, e.g. `CI` or `CI fix`.
    pub label: String,
    /// A class for its colour: worker, pr, ci, review, question, merge, failed, skipped, other.
    pub kind: &'static str,
    pub at: Timestamp,
    /// Until the next phase began (or now, when `ongoing`); `None` for the final one.
    pub duration_s: Option<i64>,
    pub ongoing: bool,
    pub cost_usd: f64,
    pub notes: Vec<String>,
}

/// The phases of one issue's events (oldest first); `open` when the issue
/// is not final, so its last phase runs until `now`.
pub fn phases(events: &[EventRow], open: bool, now: Timestamp) -> Vec<Phase> {
    let mut out: Vec<Phase> = Vec::new();
    for event in events {
        if let Some((label, kind)) = phase_of(event)
            && out.last().is_none_or(|p| p.label != label)
        {
            out.push(Phase {
                label,
                kind,
                at: event.at,
                duration_s: None,
                ongoing: false,
                cost_usd: 0.0,
                notes: Vec::new(),
            });
        }
        let Some(current) = out.last_mut() else {
            continue;
        };
        if event.kind == event_kind::COST {
            current.cost_usd += detail(event)["usd"].as_f64().unwrap_or(0.0);
        } else if let Some(note) = note_of(event) {
            current.notes.push(note);
        }
    }
    for i in 0..out.len() {
        let end = match out.get(i + 1) {
            Some(next) => Some(next.at),
            None if open => {
                out[i].ongoing = true;
                Some(now)
            }
            None => None,
        };
        out[i].duration_s = end.map(|end| (end - out[i].at).num_seconds().max(0));
    }
    out
}

fn detail(event: &EventRow) -> Value {
    event
        .detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null)
}

/// The phase an event starts or continues, if it says where the issue is.
fn phase_of(event: &EventRow) -> Option<(String, &'static str)> {
    match event.kind.as_str() {
        event_kind::TRANSITION | event_kind::MACHINE | event_kind::REOPENED => {
            let detail = detail(event);
            match detail.get("stage").filter(|s| s.is_object()) {
                Some(stage) => Some(stage_phase(stage)),
                None => event.to_state.as_deref().map(state_phase),
            }
        }
        event_kind::QUESTION_ASKED => Some(("question".into(), "question")),
        _ => None,
    }
}

/// The phase of an issue state, for events written without a machine.
fn state_phase(state: &str) -> (String, &'static str) {
    let kind = match state {
        "running" => "worker",
        "pr_open" => "pr",
        "reviewing" => "review",
        "awaiting_approval" => "question",
        "merged" => "merge",
        "failed" => "failed",
        "skipped" => "skipped",
        _ => "other",
    };
    (state.replace('_', " "), kind)
}

/// The phase of a saved issue machine's stage (`issue::Stage` as JSON).
fn stage_phase(stage: &Value) -> (String, &'static str) {
    let name = stage["stage"].as_str().unwrap_or("");
    let (label, kind) = match name {
        "pending" => ("pending", "other"),
        "locate" => ("looking for work", "other"),
        "implement" => ("worker", "worker"),
        "open_pr" => ("opening PR", "pr"),
        "review" => review_phase(stage["review"]["step"]["step"].as_str().unwrap_or("")),
        "tidy" => ("merged, tidying", "merge"),
        "done" => match stage["end"]["end"].as_str().unwrap_or("") {
            "merged" => ("merged", "merge"),
            "failed" => ("failed", "failed"),
            "skipped" => ("skipped", "skipped"),
            _ => ("done", "other"),
        },
        other => return (other.replace('_', " "), "other"),
    };
    (label.to_string(), kind)
}

/// The review loop's step (`review::Step` as JSON) as a phase.
fn review_phase(step: &str) -> (&'static str, &'static str) {
    match step {
        "update_base" | "updating_branch" => ("updating branch", "ci"),
        "wait_ci" | "rerun_ci" => ("CI", "ci"),
        "ci_fix" => ("CI fix", "worker"),
        "wait_review" => ("review", "review"),
        "review_fix" => ("review fix", "worker"),
        "ask_human" => ("question", "question"),
        "changes_fix" => ("changes", "worker"),
        "merge" => ("merging", "merge"),
        "done" => ("review done", "review"),
        _ => ("review", "review"),
    }
}

/// A line for events that happen inside a phase.
fn note_of(event: &EventRow) -> Option<String> {
    let detail = detail(event);
    let text = match event.kind.as_str() {
        event_kind::WORKER_STARTED => format!("worker started (pid {})", detail["pid"]),
        event_kind::WORKER_CLEARED => "worker ended".to_string(),
        event_kind::QUESTION_ASKED => "asked a human".to_string(),
        event_kind::QUESTION_ANSWERED => {
            format!("answered: {}", detail["answer"].as_str().unwrap_or("?"))
        }
        event_kind::QUESTION_VOIDED => {
            format!(
                "question withdrawn: {}",
                detail["why"].as_str().unwrap_or("")
            )
        }
        event_kind::TRANSITION => format!(
            "{} → {}",
            event.from_state.as_deref().unwrap_or("?"),
            event.to_state.as_deref().unwrap_or("?")
        ),
        _ => return detail["note"].as_str().map(str::to_string),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::RunId;
    use crate::ids::IssueNumber;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(s: i64) -> Timestamp {
        chrono::Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }

    fn event(s: i64, kind: &str, states: Option<(&str, &str)>, detail: Value) -> EventRow {
        EventRow {
            id: s,
            run_id: RunId(1),
            issue: Some(IssueNumber(3)),
            at: at(s),
            kind: kind.to_string(),
            from_state: states.map(|s| s.0.to_string()),
            to_state: states.map(|s| s.1.to_string()),
            detail: Some(detail.to_string()),
        }
    }

    fn review(step: &str) -> Value {
        json!({"stage": {"stage": "review", "review": {"step": {"step": step}}}})
    }

    #[test]
    fn events_fold_into_phases_with_durations_and_cost() {
        let events = [
            event(
                0,
                "transition",
                Some(("pending", "running")),
                json!({"stage": {"stage": "implement"}}),
            ),
            event(1, "worker_started", None, json!({"pid": 42})),
            event(50, "cost", None, json!({"usd": 0.25})),
            event(
                60,
                "transition",
                Some(("running", "reviewing")),
                review("wait_ci"),
            ),
            event(70, "machine", None, review("wait_ci")),
            event(90, "machine", None, review("wait_review")),
            event(
                100,
                "transition",
                Some(("reviewing", "merged")),
                json!({"stage": {"stage": "done", "end": {"end": "merged"}}}),
            ),
        ];
        let phases = phases(&events, false, at(500));
        let labels: Vec<_> = phases
            .iter()
            .map(|p| (p.label.as_str(), p.kind, p.duration_s))
            .collect();
        assert_eq!(
            labels,
            [
                ("worker", "worker", Some(60)),
                ("CI", "ci", Some(30)),
                ("review", "review", Some(10)),
                ("merged", "merge", None)
            ]
        );
        assert_eq!(phases[0].cost_usd, 0.25);
        assert!(
            phases[0]
                .notes
                .contains(&"worker started (pid 42)".to_string()),
            "{:?}",
            phases[0].notes
        );
    }

    #[test]
    fn an_open_issue_s_last_phase_runs_until_now() {
        let events = [event(
            0,
            "transition",
            Some(("pending", "running")),
            json!({}),
        )];
        let phases = phases(&events, true, at(30));
        assert_eq!(
            (
                phases[0].label.as_str(),
                phases[0].duration_s,
                phases[0].ongoing
            ),
            ("running", Some(30), true)
        );
    }
}
