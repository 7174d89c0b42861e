//! Checking an external planner's proposal against the native plan. The
//! proposal may only rearrange the native plan's runnable issues into waves
//! that still honour every hard blocker; anything else rejects it whole.

use std::collections::{BTreeMap, BTreeSet};

use super::Proposal;
use crate::github::ItemState;
use crate::ids::IssueNumber;
use crate::plan::report::{Plan, Wave, WaveIssue};

/// Why a proposal was not used; the native plan stands.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the external planner's waves were rejected, keeping the native plan: {}", .reasons.join("; "))]
pub struct Rejection {
    pub reasons: Vec<String>,
}

/// The native plan with the proposal's wave assignment, if the proposal
/// schedules exactly the native plan's runnable issues, each once, and puts
/// every issue in a later wave than each of its open blockers.
pub fn validate_external(native: &Plan, proposal: &Proposal) -> Result<Plan, Rejection> {
    let waves = ordered_waves(proposal);
    let mut reasons = membership_problems(native, &waves);
    if reasons.is_empty() {
        reasons = order_problems(native, &waves);
    }
    if !reasons.is_empty() {
        return Err(Rejection { reasons });
    }
    let mut plan = native.clone();
    plan.execution_waves = waves
        .iter()
        .enumerate()
        .map(|(i, issues)| Wave {
            wave: i as u32 + 1,
            issues: issues.iter().map(|&n| wave_issue(native, n)).collect(),
        })
        .collect();
    plan.free_issues = waves.first().cloned().unwrap_or_default();
    Ok(plan)
}

/// The proposal's waves sorted by number; waves with the same number merge
/// and empty ones go, so gaps in the numbering do not matter.
fn ordered_waves(proposal: &Proposal) -> Vec<Vec<IssueNumber>> {
    let mut by_number: BTreeMap<u32, Vec<IssueNumber>> = BTreeMap::new();
    for (number, issues) in &proposal.waves {
        by_number.entry(*number).or_default().extend(issues);
    }
    by_number.into_values().filter(|w| !w.is_empty()).collect()
}

/// Unknown, closed, held-back, duplicated and forgotten issues.
fn membership_problems(native: &Plan, waves: &[Vec<IssueNumber>]) -> Vec<String> {
    let runnable: BTreeSet<IssueNumber> = native.scheduled().map(|i| i.number).collect();
    let mut seen = BTreeSet::new();
    let mut reasons = Vec::new();
    for &n in waves.iter().flatten() {
        if !seen.insert(n) {
            reasons.push(format!("{n} appears more than once"));
            continue;
        }
        if runnable.contains(&n) {
            continue;
        }
        let blocked = native.blocked_issues.iter().find(|b| b.number == n);
        reasons.push(match (native.dependency_graph.get(&n), blocked) {
            (None, _) => format!("{n} is not part of this run"),
            (Some(node), _) if node.state == ItemState::Closed => format!("{n} is already closed"),
            (_, Some(b)) => format!("{n} cannot start: {}", b.reason),
            (Some(_), None) => format!("{n} is not runnable"),
        });
    }
    for n in runnable.difference(&seen) {
        reasons.push(format!("{n} is missing from the waves"));
    }
    reasons
}

/// Issues placed in the same or an earlier wave than one of their blockers.
fn order_problems(native: &Plan, waves: &[Vec<IssueNumber>]) -> Vec<String> {
    let wave_of: BTreeMap<IssueNumber, usize> = waves
        .iter()
        .enumerate()
        .flat_map(|(i, w)| w.iter().map(move |&n| (n, i + 1)))
        .collect();
    let mut reasons = Vec::new();
    for (&n, &w) in &wave_of {
        for b in native.blockers_of(n) {
            if let Some(&bw) = wave_of.get(&b).filter(|&&bw| bw >= w) {
                reasons.push(format!(
                    "{n} is in wave {w} but its blocker {b} is in wave {bw}"
                ));
            }
        }
    }
    reasons
}

fn wave_issue(native: &Plan, n: IssueNumber) -> WaveIssue {
    let title = native.title_of(n).unwrap_or_default().to_string();
    WaveIssue {
        number: n,
        title,
        blocked_by: native.blockers_of(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::analyze;
    use crate::plan::graph::tests::{input, issue, open};

    fn nums(v: &[u64]) -> Vec<IssueNumber> {
        v.iter().map(|&n| IssueNumber(n)).collect()
    }

    /// 1 and 2 free, 3 after 1, 4 closed, 5 and 6 in a cycle.
    fn native() -> Plan {
        analyze(&input(vec![
            open(1, "Depends on: none"),
            open(2, "Depends on: none"),
            open(3, "Blocked by #1"),
            issue(4, ItemState::Closed, ""),
            open(5, "Blocked by #6"),
            open(6, "Blocked by #5"),
        ]))
    }

    fn proposal(waves: &[(u32, &[u64])]) -> Proposal {
        Proposal {
            waves: waves.iter().map(|(w, i)| (*w, nums(i))).collect(),
            ..Proposal::default()
        }
    }

    fn reasons(waves: &[(u32, &[u64])]) -> Vec<String> {
        validate_external(&native(), &proposal(waves))
            .unwrap_err()
            .reasons
    }

    #[test]
    fn a_more_serial_order_replaces_only_the_waves() {
        let plan =
            validate_external(&native(), &proposal(&[(1, &[1]), (2, &[2]), (3, &[3])])).unwrap();
        let waves: Vec<Vec<IssueNumber>> = plan
            .execution_waves
            .iter()
            .map(|w| w.issues.iter().map(|i| i.number).collect())
            .collect();
        assert_eq!(waves, vec![nums(&[1]), nums(&[2]), nums(&[3])]);
        assert_eq!(plan.free_issues, nums(&[1]));
        assert_eq!(plan.execution_waves[2].issues[0].blocked_by, nums(&[1]));
        assert_eq!(plan.execution_waves[2].issues[0].title, "Issue 3");
        let n = native();
        assert_eq!(plan.blocked_issues, n.blocked_issues);
        assert_eq!(plan.validation, n.validation);
        assert_eq!(plan.dependency_graph, n.dependency_graph);
    }

    #[test]
    fn wave_numbers_are_sorted_merged_and_compacted() {
        let plan = validate_external(
            &native(),
            &proposal(&[(7, &[3]), (2, &[1]), (2, &[2]), (5, &[])]),
        )
        .unwrap();
        assert_eq!(plan.wave_of(IssueNumber(1)), Some(1));
        assert_eq!(plan.wave_of(IssueNumber(2)), Some(1));
        assert_eq!(plan.wave_of(IssueNumber(3)), Some(2));
    }

    #[test]
    fn unknown_closed_held_back_and_duplicate_issues_are_rejected() {
        let r = reasons(&[(1, &[1, 2, 99, 4]), (2, &[3, 5, 1])]);
        assert_eq!(
            r,
            vec![
                "#99 is not part of this run",
                "#4 is already closed",
                "#5 cannot start: in a dependency cycle: #5 → #6 → #5",
                "#1 appears more than once",
            ]
        );
    }

    #[test]
    fn a_forgotten_issue_is_rejected() {
        assert_eq!(
            reasons(&[(1, &[1, 2])]),
            vec!["#3 is missing from the waves"]
        );
    }

    #[test]
    fn a_blocker_in_the_same_or_a_later_wave_is_rejected() {
        assert_eq!(
            reasons(&[(1, &[1, 2, 3])]),
            vec!["#3 is in wave 1 but its blocker #1 is in wave 1"]
        );
        assert_eq!(
            reasons(&[(1, &[2, 3]), (2, &[1])]),
            vec!["#3 is in wave 1 but its blocker #1 is in wave 2"]
        );
        let err = validate_external(&native(), &proposal(&[(1, &[1, 2, 3])])).unwrap_err();
        assert!(err.to_string().contains("keeping the native plan"));
    }
}
