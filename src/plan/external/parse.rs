//! Reading what an external planner printed: the planner JSON itself, or a
//! `claude --output-format json` envelope (`{"type":"result","result":"..."}`,
//! or an array of events ending in one) whose `result` text holds the JSON,
//! possibly in a ```json fence with prose around it.

use serde_json::Value;

use super::{ExternalError, Proposal, SuggestedDependency};
use crate::ids::IssueNumber;

/// Parses a planner's stdout into a proposal. Nothing in it is trusted yet:
/// `validate_external` decides whether the waves can be used.
pub fn parse_planner_output(stdout: &str) -> Result<Proposal, ExternalError> {
    let plan = match serde_json::from_str::<Value>(stdout.trim()) {
        Ok(value) => unwrap_envelope(value)?,
        Err(_) => find_plan_json(stdout)?,
    };
    proposal_from(&plan)
}

/// The planner JSON inside whatever wrapped it.
fn unwrap_envelope(value: Value) -> Result<Value, ExternalError> {
    if value.get("execution_waves").is_some() {
        return Ok(value);
    }
    let envelope = match value {
        Value::Array(events) => events
            .into_iter()
            .rev()
            .find(|e| e.get("type").and_then(Value::as_str) == Some("result"))
            .ok_or_else(|| unreadable("a list of events without a result"))?,
        other => other,
    };
    let result = envelope.get("result").and_then(Value::as_str);
    if envelope.get("is_error").and_then(Value::as_bool) == Some(true) {
        let why = result
            .or_else(|| envelope.get("subtype").and_then(Value::as_str))
            .unwrap_or("no details");
        return Err(ExternalError::Reported(why.to_string()));
    }
    let text = result.ok_or_else(|| unreadable("neither execution_waves nor a result text"))?;
    find_plan_json(text)
}

/// The JSON object in a text: the whole text, a fenced block, or the span
/// from the first `{` to the last `}`; the first that has `execution_waves`.
fn find_plan_json(text: &str) -> Result<Value, ExternalError> {
    let trimmed = text.trim();
    let mut candidates = vec![trimmed];
    candidates.extend(fenced_blocks(trimmed));
    if let (Some(start), Some(end)) = (trimmed.find('{'), trimmed.rfind('}'))
        && start < end
    {
        candidates.push(&trimmed[start..=end]);
    }
    candidates
        .into_iter()
        .filter_map(|c| serde_json::from_str::<Value>(c).ok())
        .find(|v| v.get("execution_waves").is_some())
        .ok_or_else(|| unreadable("no JSON object with execution_waves"))
}

/// The contents of ``` fenced blocks, `json`-tagged ones first.
fn fenced_blocks(text: &str) -> Vec<&str> {
    let mut tagged = Vec::new();
    let mut other = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let Some(line_end) = after.find('\n') else {
            break;
        };
        let info = after[..line_end].trim();
        let body = &after[line_end + 1..];
        let Some(close) = body.find("```") else { break };
        if info.eq_ignore_ascii_case("json") {
            tagged.push(&body[..close])
        } else {
            other.push(&body[..close])
        }
        rest = &body[close + 3..];
    }
    tagged.extend(other);
    tagged
}

fn proposal_from(plan: &Value) -> Result<Proposal, ExternalError> {
    let waves = plan["execution_waves"]
        .as_array()
        .ok_or_else(|| unreadable("execution_waves is not a list"))?
        .iter()
        .enumerate()
        .map(|(i, w)| wave_from(i, w))
        .collect::<Result<Vec<_>, _>>()?;
    let suggested = plan
        .pointer("/proposed_plan/suggested_dependencies")
        .or_else(|| plan.get("suggested_dependencies"))
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(suggestion_from).collect())
        .unwrap_or_default();
    let notes = plan
        .get("planning_issues")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(Proposal {
        waves,
        suggested_dependencies: suggested,
        notes,
    })
}

/// `{"wave": 2, "issues": [155, "#156", {"number": 157}]}`; a missing wave
/// number is the wave's position.
fn wave_from(position: usize, wave: &Value) -> Result<(u32, Vec<IssueNumber>), ExternalError> {
    let number = match wave.get("wave") {
        None => position as u32 + 1,
        Some(v) => number_in(v)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| unreadable(&format!("wave number {v} is not a number")))?,
    };
    let issues = wave
        .get("issues")
        .and_then(Value::as_array)
        .ok_or_else(|| unreadable(&format!("wave {number} has no list of issues")))?
        .iter()
        .map(|i| {
            let n = i.get("number").or_else(|| i.get("issue")).unwrap_or(i);
            number_in(n)
                .map(IssueNumber)
                .ok_or_else(|| unreadable(&format!("{i} in wave {number} is not an issue number")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((number, issues))
}

/// A suggestion without both numbers is dropped: it could not be shown usefully.
fn suggestion_from(s: &Value) -> Option<SuggestedDependency> {
    Some(SuggestedDependency {
        issue: IssueNumber(number_in(s.get("issue")?)?),
        depends_on: IssueNumber(number_in(s.get("depends_on")?)?),
        reason: s
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

/// `12`, `"12"` or `"#12"`.
fn number_in(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().trim_start_matches('#').parse().ok(),
        _ => None,
    }
}

fn unreadable(why: &str) -> ExternalError {
    ExternalError::Unreadable(why.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn nums(v: &[u64]) -> Vec<IssueNumber> {
        v.iter().map(|&n| IssueNumber(n)).collect()
    }

    const PLAN: &str = r##"{
        "execution_waves": [
            {"wave": 1, "issues": [{"number": 153, "title": "Add KeyPair type"}, 154]},
            {"wave": 2, "issues": ["#155"]}
        ],
        "planning_status": "needs_review",
        "planning_issues": ["#155 may touch the same files as #154"],
        "proposed_plan": {
            "suggested_dependencies": [
                {"issue": 155, "depends_on": 154, "reason": "both edit storage.rs"},
                {"issue": "x", "depends_on": 1}
            ]
        }
    }"##;

    fn check(p: &Proposal) {
        assert_eq!(p.waves, vec![(1, nums(&[153, 154])), (2, nums(&[155]))]);
        assert_eq!(
            p.suggested_dependencies,
            vec![SuggestedDependency {
                issue: IssueNumber(155),
                depends_on: IssueNumber(154),
                reason: "both edit storage.rs".into()
            }]
        );
        assert_eq!(
            p.notes,
            vec!["#155 may touch the same files as #154".to_string()]
        );
    }

    #[test]
    fn the_planner_json_itself() {
        check(&parse_planner_output(PLAN).unwrap());
    }

    #[test]
    fn a_claude_envelope_with_a_fenced_block_and_prose() {
        let result = format!("Here is the plan.\n\n```json\n{PLAN}\n```\n\nLet me know.");
        let envelope = json!({
            "type": "result", "subtype": "success", "is_error": false,
            "result": result, "total_cost_usd": 0.12, "session_id": "abc"
        });
        check(&parse_planner_output(&envelope.to_string()).unwrap());
    }

    #[test]
    fn an_envelope_whose_result_is_bare_json_or_json_in_prose() {
        let bare = json!({"type": "result", "is_error": false, "result": PLAN});
        check(&parse_planner_output(&bare.to_string()).unwrap());
        let prose = json!({"type": "result", "result": format!("Plan: {PLAN} done.")});
        check(&parse_planner_output(&prose.to_string()).unwrap());
    }

    #[test]
    fn an_array_of_events_uses_the_last_result() {
        let events = json!([
            {"type": "system", "subtype": "init"},
            {"type": "assistant", "message": {}},
            {"type": "result", "is_error": false, "result": format!("```\n{PLAN}\n```")}
        ]);
        check(&parse_planner_output(&events.to_string()).unwrap());
    }

    #[test]
    fn plain_text_output_with_a_fence() {
        check(&parse_planner_output(&format!("Thinking...\n```json\n{PLAN}\n```\n")).unwrap());
    }

    #[test]
    fn an_error_envelope_is_reported() {
        let env = json!({"type": "result", "subtype": "error_max_turns", "is_error": true});
        let err = parse_planner_output(&env.to_string()).unwrap_err();
        assert!(
            matches!(err, ExternalError::Reported(ref s) if s == "error_max_turns"),
            "{err:?}"
        );
    }

    #[test]
    fn unusable_output_is_unreadable() {
        for out in [
            "",
            "I could not plan this milestone.",
            r#"{"type":"result","result":"no json here"}"#,
            r#"{"execution_waves": {"wave": 1}}"#,
            r#"{"execution_waves": [{"wave": 1, "issues": ["abc"]}]}"#,
            r#"{"execution_waves": [{"wave": -1, "issues": []}]}"#,
            r#"{"execution_waves": [{"wave": 1}]}"#,
        ] {
            let err = parse_planner_output(out).unwrap_err();
            assert!(
                matches!(err, ExternalError::Unreadable(_)),
                "{out:?}: {err:?}"
            );
        }
    }

    #[test]
    fn missing_wave_numbers_are_positions() {
        let p =
            parse_planner_output(r#"{"execution_waves":[{"issues":[1]},{"issues":[2]}]}"#).unwrap();
        assert_eq!(p.waves, vec![(1, nums(&[1])), (2, nums(&[2]))]);
    }
}
