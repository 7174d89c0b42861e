//! Phase 1 from the command line: build the plan (and let an external planner
//! propose its waves), then print it as text or JSON, with the order in
//! which a run starts its issues.

use std::collections::BTreeMap;

use serde_json::json;

use crate::config::Settings;
use crate::github::GitHubApi;
use crate::ids::IssueNumber;
use crate::plan::{self, Plan, PlanError, SuggestedDependency, Target};
use crate::schedule::priority;

/// The plan to run, and what a human should read next to it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    /// What happened to the external planner's proposal, if one was asked for.
    pub notes: Vec<String>,
    /// Dependencies the external planner suggests; shown, never applied.
    pub suggestions: Vec<SuggestedDependency>,
}

/// Builds the native plan and, when a planner command is configured, asks it.
pub async fn make_plan(
    gh: &dyn GitHubApi,
    target: &Target,
    settings: &Settings,
    feedback: Option<&str>,
) -> Result<Planned, PlanError> {
    let native = plan::build_plan(gh, target).await?;
    let Some(argv) = settings.planner.command.as_ref() else {
        return Ok(Planned {
            plan: native,
            notes: Vec::new(),
            suggestions: Vec::new(),
        });
    };
    let timeout = settings.planner.timeout.get();
    Ok(consult_planner(native, argv, target, feedback, timeout).await)
}

async fn consult_planner(
    native: Plan,
    argv: &[String],
    target: &Target,
    feedback: Option<&str>,
    timeout: std::time::Duration,
) -> Planned {
    let proposal = match plan::run_planner(argv, target, feedback, timeout).await {
        Ok(p) => p,
        Err(e) => {
            let note = format!("external planner not used: {e}; the built-in plan stands");
            return Planned {
                plan: native,
                notes: vec![note],
                suggestions: Vec::new(),
            };
        }
    };
    let mut notes: Vec<String> = proposal
        .notes
        .iter()
        .map(|n| format!("planner: {n}"))
        .collect();
    let suggestions = proposal.suggested_dependencies.clone();
    let plan = match plan::validate_external(&native, &proposal) {
        Ok(plan) => {
            notes.push("external planner's waves accepted".into());
            plan
        }
        Err(rejection) => {
            notes.push(rejection.to_string());
            native
        }
    };
    Planned {
        plan,
        notes,
        suggestions,
    }
}

/// The plan as the spec shows it, followed by the start order, planner
/// notes and suggestions.
pub fn render_text(p: &Planned) -> String {
    let mut out = p.plan.render();
    out.push_str(&start_order_text(&p.plan));
    if !p.notes.is_empty() {
        out.push('\n');
        for note in &p.notes {
            out.push_str(&format!("{note}\n"));
        }
    }
    if !p.suggestions.is_empty() {
        out.push_str("\nProposed dependencies (not applied; add a \"Blocked by\" line to the issue to adopt one):\n");
        for s in &p.suggestions {
            out.push_str(&format!(
                "  {} → blocked by {}: {}\n",
                s.issue, s.depends_on, s.reason
            ));
        }
    }
    out
}

/// Which issue a run starts first when more are ready than there are
/// slots: the scheduler's priority, each with the levels of dependents
/// below it.
pub fn start_order(plan: &Plan) -> Vec<(IssueNumber, u32)> {
    let blockers: BTreeMap<IssueNumber, Vec<IssueNumber>> = plan
        .execution_waves
        .iter()
        .flat_map(|w| &w.issues)
        .map(|i| (i.number, i.blocked_by.clone()))
        .collect();
    let levels = priority::levels_below(&blockers);
    let mut order: Vec<IssueNumber> = blockers.keys().copied().collect();
    priority::by_priority(&mut order, &levels);
    order.into_iter().map(|n| (n, levels[&n])).collect()
}

fn start_order_text(plan: &Plan) -> String {
    let order = start_order(plan);
    if order.len() < 2 {
        return String::new();
    }
    let items: Vec<String> = order
        .iter()
        .map(|(n, levels)| match levels {
            0 => n.to_string(),
            1 => format!("{n} (1 level below)"),
            l => format!("{n} ({l} levels below)"),
        })
        .collect();
    let mut out = String::from(
        "\nStart order (when more issues are ready than there are slots, the longest chain of dependents goes first):\n",
    );
    let mut line = String::from(" ");
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        if line.len() + item.len() + 2 > 78 && line.len() > 1 {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(" ");
        }
        line.push_str(&format!(" {item}{sep}"));
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// One JSON object: the spec planner's fields, plus the start order and the
/// external planner's part.
pub fn render_json(p: &Planned) -> String {
    let mut value = serde_json::to_value(&p.plan).expect("a plan always serialises");
    if let Some(obj) = value.as_object_mut() {
        let order: Vec<_> = start_order(&p.plan)
            .into_iter()
            .map(|(issue, levels)| json!({ "issue": issue, "levels_below": levels }))
            .collect();
        obj.insert("start_order".into(), json!(order));
    }
    if let Some(obj) = value.as_object_mut()
        && (!p.notes.is_empty() || !p.suggestions.is_empty())
    {
        obj.insert(
            "proposed_plan".into(),
            json!({ "suggested_dependencies": p.suggestions, "notes": p.notes }),
        );
    }
    serde_json::to_string_pretty(&value).expect("json values always print")
}

/// The sentence that explains why a plan cannot run, if it cannot.
pub fn blocking_problem(plan: &Plan) -> Option<String> {
    if plan.all_blocked() {
        return Some(
            "All issues blocked: resolve the problems listed above, then run again".into(),
        );
    }
    if plan.has_cycles() {
        return Some(
            "circular dependencies: edit the issues' \"Blocked by\" lines to break each cycle listed above, then run again"
                .into(),
        );
    }
    None
}
