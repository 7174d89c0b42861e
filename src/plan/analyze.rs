//! `analyze`: from the fetched input to a validated `Plan`, and the planning
//! status that decides whether a human must look at it first.

use std::collections::BTreeMap;

use super::graph::{Graph, PlanInput};
use super::report::{GraphNode, MissingState, Plan, PlanningStatus, Validation, Wave, WaveIssue};
use super::validate::validate;
use super::waves::{arrow_path, join_refs, schedule};
use crate::github::ItemState;
use crate::ids::IssueNumber;

/// Plans the run: merges markers and native dependencies, validates, and
/// computes waves. Pure; everything it needs is in `input`.
pub fn analyze(input: &PlanInput) -> Plan {
    let graph = Graph::build(input);
    let findings = validate(&graph);
    let sched = schedule(&graph, &findings.validation, &findings.cycles);
    let execution_waves: Vec<Wave> = sched
        .waves
        .iter()
        .enumerate()
        .map(|(i, issues)| Wave {
            wave: i as u32 + 1,
            issues: issues.iter().map(|&n| wave_issue(&graph, n)).collect(),
        })
        .collect();
    let planning_issues = planning_issues(&findings.validation);
    let planning_status = if planning_issues.is_empty() {
        PlanningStatus::Ready
    } else {
        PlanningStatus::NeedsReview
    };
    Plan {
        target: input.target.label(),
        free_issues: sched.waves.first().cloned().unwrap_or_default(),
        execution_waves,
        dependency_graph: dependency_graph(&graph),
        blocked_issues: sched.blocked,
        validation: findings.validation,
        planning_status,
        planning_issues,
        closed_issues: graph
            .nodes
            .iter()
            .filter(|(_, n)| !n.is_open())
            .map(|(k, _)| *k)
            .collect(),
    }
}

fn wave_issue(graph: &Graph, n: IssueNumber) -> WaveIssue {
    WaveIssue {
        number: n,
        title: graph.nodes[&n].title.clone(),
        blocked_by: graph.open_blockers(n),
    }
}

fn dependency_graph(graph: &Graph) -> BTreeMap<IssueNumber, GraphNode> {
    let mut blocks: BTreeMap<IssueNumber, Vec<IssueNumber>> = BTreeMap::new();
    for (&n, node) in &graph.nodes {
        for b in node.blocked_by.iter().filter(|b| graph.contains(**b)) {
            blocks.entry(*b).or_default().push(n);
        }
    }
    graph
        .nodes
        .iter()
        .map(|(&n, node)| {
            let out = GraphNode {
                title: node.title.clone(),
                state: node.state,
                blocked_by: node.blocked_by.clone(),
                blocks: blocks.remove(&n).unwrap_or_default(),
                soft: node.soft.iter().map(ToString::to_string).collect(),
                external: node
                    .external
                    .iter()
                    .map(|e| format!("{}#{}", e.repo, e.number.0))
                    .collect(),
            };
            (n, out)
        })
        .collect()
}

/// Why the plan needs review, one line per reason; empty means ready.
/// Cycles count too: the issues in them would never run.
fn planning_issues(v: &Validation) -> Vec<String> {
    let mut lines: Vec<String> = v
        .circular_deps
        .iter()
        .map(|c| {
            format!(
                "circular dependency {}: these issues cannot start until it is broken",
                arrow_path(c)
            )
        })
        .collect();
    for m in &v.missing_deps {
        match m.state {
            MissingState::Closed => {}
            MissingState::Open => lines.push(format!(
                "{} is blocked by {} \"{}\", which is open and not part of this run",
                m.issue,
                m.dependency,
                m.title.as_deref().unwrap_or("")
            )),
            MissingState::NotFound => lines.push(format!(
                "{} is blocked by {}, which was not found in this repository",
                m.issue, m.dependency
            )),
        }
    }
    for e in v.external_deps.iter().filter(|e| e.may_be_open()) {
        let state = if e.state == Some(ItemState::Open) {
            "open"
        } else {
            "state unknown"
        };
        lines.push(format!(
            "{} depends on {}#{} in another repository ({state}); it is not tracked, check it by hand",
            e.issue, e.repo, e.number.0
        ));
    }
    if v.orphans.len() >= 2 {
        lines.push(format!(
            "{} say nothing about dependencies; they are planned as independent and may run in parallel",
            join_refs(&v.orphans)
        ));
    }
    lines
}

#[cfg(test)]
mod tests;
