//! Waves: levels of a topological order over the open issues of a run. An
//! issue's wave is one more than the latest wave among its open blockers in
//! the run (closed issues count as done). Issues in a cycle, issues whose
//! blocker outside the run is open or unknown, and everything that waits on
//! them (transitively) are held back with a reason instead.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::graph::Graph;
use super::report::{BlockedIssue, MissingState, Validation};
use super::validate::Cycle;
use crate::ids::IssueNumber;

/// The open issues of a run, split into waves and held-back issues.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// `waves[0]` is wave 1; issues ascending within a wave.
    pub waves: Vec<Vec<IssueNumber>>,
    pub blocked: Vec<BlockedIssue>,
}

pub(crate) fn schedule(graph: &Graph, validation: &Validation, cycles: &[Cycle]) -> Schedule {
    let roots = blocked_roots(graph, validation, cycles);
    let blocked = hold_back(graph, roots);
    let held: BTreeSet<IssueNumber> = blocked.iter().map(|b| b.number).collect();
    Schedule {
        waves: levels(graph, &held),
        blocked,
    }
}

/// Issues that cannot start for a reason of their own, with their reasons.
fn blocked_roots(
    graph: &Graph,
    validation: &Validation,
    cycles: &[Cycle],
) -> BTreeMap<IssueNumber, BlockedIssue> {
    let mut roots: BTreeMap<IssueNumber, BlockedIssue> = BTreeMap::new();
    for cycle in cycles {
        let reason = format!("in a dependency cycle: {}", arrow_path(&cycle.path));
        for &n in &cycle.members {
            let in_cycle = graph
                .open_blockers(n)
                .into_iter()
                .filter(|b| cycle.members.contains(b));
            add_reason(&mut roots, n, in_cycle.collect(), reason.clone());
        }
    }
    for m in &validation.missing_deps {
        let reason = match m.state {
            MissingState::Closed => continue,
            MissingState::Open => format!(
                "blocked by {}, which is open and not in this run",
                m.dependency
            ),
            MissingState::NotFound => format!("blocked by {}, which was not found", m.dependency),
        };
        add_reason(&mut roots, m.issue, vec![m.dependency], reason);
    }
    roots
}

fn add_reason(
    roots: &mut BTreeMap<IssueNumber, BlockedIssue>,
    n: IssueNumber,
    blockers: Vec<IssueNumber>,
    reason: String,
) {
    let entry = roots.entry(n).or_insert_with(|| BlockedIssue {
        number: n,
        blocked_by: Vec::new(),
        reason: String::new(),
    });
    for b in blockers {
        if !entry.blocked_by.contains(&b) {
            entry.blocked_by.push(b);
        }
    }
    if !entry.reason.is_empty() {
        entry.reason.push_str("; ");
    }
    entry.reason.push_str(&reason);
}

/// Adds every open issue that waits, directly or not, on a held-back one.
fn hold_back(graph: &Graph, roots: BTreeMap<IssueNumber, BlockedIssue>) -> Vec<BlockedIssue> {
    let dependents = open_dependents(graph);
    let mut held: BTreeSet<IssueNumber> = roots.keys().copied().collect();
    let mut queue: VecDeque<IssueNumber> = held.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        for &d in dependents.get(&n).into_iter().flatten() {
            if held.insert(d) {
                queue.push_back(d);
            }
        }
    }
    let mut blocked = roots;
    let downstream: Vec<IssueNumber> = held
        .iter()
        .copied()
        .filter(|n| !blocked.contains_key(n))
        .collect();
    for n in downstream {
        let waits: Vec<IssueNumber> = graph
            .open_blockers(n)
            .into_iter()
            .filter(|b| held.contains(b))
            .collect();
        let reason = format!("waits for {}, which cannot start", join_refs(&waits));
        blocked.insert(
            n,
            BlockedIssue {
                number: n,
                blocked_by: waits,
                reason,
            },
        );
    }
    blocked.into_values().collect()
}

/// Kahn's algorithm over the issues that can run; each issue's wave is one
/// more than its latest blocker's.
fn levels(graph: &Graph, held: &BTreeSet<IssueNumber>) -> Vec<Vec<IssueNumber>> {
    let runnable: Vec<IssueNumber> = graph
        .open()
        .map(|(n, _)| n)
        .filter(|n| !held.contains(n))
        .collect();
    let dependents = open_dependents(graph);
    let mut waiting: BTreeMap<IssueNumber, usize> = runnable
        .iter()
        .map(|&n| (n, graph.open_blockers(n).len()))
        .collect();
    let mut wave: BTreeMap<IssueNumber, usize> = BTreeMap::new();
    let mut ready: VecDeque<IssueNumber> = runnable
        .iter()
        .copied()
        .filter(|n| waiting[n] == 0)
        .collect();
    while let Some(n) = ready.pop_front() {
        let level = graph
            .open_blockers(n)
            .iter()
            .map(|b| wave[b] + 1)
            .max()
            .unwrap_or(0);
        wave.insert(n, level);
        for &d in dependents.get(&n).into_iter().flatten() {
            // A dependent may be held back by another of its blockers.
            let Some(left) = waiting.get_mut(&d) else {
                continue;
            };
            *left -= 1;
            if *left == 0 {
                ready.push_back(d);
            }
        }
    }
    let count = wave.values().max().map_or(0, |m| m + 1);
    let mut waves = vec![Vec::new(); count];
    for (n, level) in wave {
        waves[level].push(n);
    }
    waves
}

/// For each open issue, the open issues of the run that it blocks.
fn open_dependents(graph: &Graph) -> BTreeMap<IssueNumber, Vec<IssueNumber>> {
    let mut map: BTreeMap<IssueNumber, Vec<IssueNumber>> = BTreeMap::new();
    for (n, _) in graph.open() {
        for b in graph.open_blockers(n) {
            map.entry(b).or_default().push(n);
        }
    }
    map
}

/// `#12 → #14 → #12`
pub(crate) fn arrow_path(path: &[IssueNumber]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `#1`, `#1 and #2`, `#1, #2 and #3`
pub(crate) fn join_refs(list: &[IssueNumber]) -> String {
    let refs: Vec<String> = list.iter().map(ToString::to_string).collect();
    match refs.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use crate::plan::graph::OutsideIssue;
    use crate::plan::graph::PlanInput;
    use crate::plan::graph::tests::{input, issue, open};
    use crate::plan::validate::validate;

    fn nums(v: &[u64]) -> Vec<IssueNumber> {
        v.iter().map(|&n| IssueNumber(n)).collect()
    }

    fn run(inp: &PlanInput) -> Schedule {
        let graph = Graph::build(inp);
        let f = validate(&graph);
        schedule(&graph, &f.validation, &f.cycles)
    }

    fn waves(s: &Schedule) -> Vec<Vec<u64>> {
        s.waves
            .iter()
            .map(|w| w.iter().map(|n| n.0).collect())
            .collect()
    }

    #[test]
    fn the_spec_example_gives_two_waves() {
        let s = run(&input(vec![
            open(153, ""),
            open(154, ""),
            open(155, "Blocked by #153"),
        ]));
        assert_eq!(waves(&s), vec![vec![153, 154], vec![155]]);
        assert!(s.blocked.is_empty());
    }

    #[test]
    fn a_wave_is_one_after_the_latest_blocker() {
        let s = run(&input(vec![
            open(1, ""),
            open(2, "After #1"),
            open(3, "After #2"),
            open(4, "Blocked by #1 and #3"),
            open(5, "Blocked by #1"),
        ]));
        assert_eq!(waves(&s), vec![vec![1], vec![2, 5], vec![3], vec![4]]);
    }

    #[test]
    fn closed_blockers_count_as_done() {
        let s = run(&input(vec![
            issue(1, ItemState::Closed, ""),
            open(2, "Blocked by #1"),
        ]));
        assert_eq!(waves(&s), vec![vec![2]]);
    }

    #[test]
    fn cycles_and_their_dependents_are_held_back() {
        let s = run(&input(vec![
            open(1, "Blocked by #2"),
            open(2, "Blocked by #1"),
            open(3, "Blocked by #2"),
            open(4, "Blocked by #3"),
            open(5, ""),
        ]));
        assert_eq!(waves(&s), vec![vec![5]]);
        let reasons: Vec<(u64, Vec<IssueNumber>, &str)> = s
            .blocked
            .iter()
            .map(|b| (b.number.0, b.blocked_by.clone(), b.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, nums(&[2]), "in a dependency cycle: #1 → #2 → #1"),
                (2, nums(&[1]), "in a dependency cycle: #1 → #2 → #1"),
                (3, nums(&[2]), "waits for #2, which cannot start"),
                (4, nums(&[3]), "waits for #3, which cannot start"),
            ]
        );
    }

    #[test]
    fn open_or_unknown_blockers_outside_the_run_hold_back() {
        let mut inp = input(vec![
            open(1, "Blocked by #50"),
            open(2, "Blocked by #51"),
            open(3, "Blocked by #52"),
            open(4, "Blocked by #1 and #2"),
        ]);
        inp.outside.insert(
            IssueNumber(50),
            Some(OutsideIssue {
                title: "x".into(),
                state: ItemState::Closed,
            }),
        );
        inp.outside.insert(
            IssueNumber(51),
            Some(OutsideIssue {
                title: "y".into(),
                state: ItemState::Open,
            }),
        );
        let s = run(&inp);
        assert_eq!(waves(&s), vec![vec![1]]);
        let by: Vec<(u64, &str)> = s
            .blocked
            .iter()
            .map(|b| (b.number.0, b.reason.as_str()))
            .collect();
        assert_eq!(
            by,
            vec![
                (2, "blocked by #51, which is open and not in this run"),
                (3, "blocked by #52, which was not found"),
                (4, "waits for #2, which cannot start"),
            ]
        );
    }

    #[test]
    fn external_blockers_do_not_hold_back() {
        let s = run(&input(vec![open(1, "Blocked by other/lib#4")]));
        assert_eq!(waves(&s), vec![vec![1]]);
    }

    #[test]
    fn many_reasons_join() {
        let s = run(&input(vec![
            open(1, "Blocked by #2 and #60"),
            open(2, "Blocked by #1"),
        ]));
        let first = &s.blocked[0];
        assert_eq!(first.blocked_by, nums(&[2, 60]));
        assert_eq!(
            first.reason,
            "in a dependency cycle: #1 → #2 → #1; blocked by #60, which was not found"
        );
        assert_eq!(join_refs(&nums(&[1, 2, 3])), "#1, #2 and #3");
    }

    #[test]
    fn a_long_chain_has_a_wave_per_link() {
        let issues: Vec<_> = (1..=3000)
            .map(|n| {
                if n == 1 {
                    open(1, "")
                } else {
                    open(n, &format!("After #{}", n - 1))
                }
            })
            .collect();
        let s = run(&input(issues));
        assert_eq!(s.waves.len(), 3000);
        assert_eq!(s.waves[2999], nums(&[3000]));
    }
}
