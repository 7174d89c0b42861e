//! Validation of a run's graph: dependency cycles among open issues, blockers
//! in this repository outside the run, blockers in other repositories, and
//! orphans (open issues nothing says anything about).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use super::graph::Graph;
use super::report::{ExternalDep, MissingDep, MissingState, Validation};
use crate::ids::IssueNumber;

/// A strongly connected group of open issues, and one cycle through it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cycle {
    pub members: BTreeSet<IssueNumber>,
    /// Ends where it starts: `[12, 14, 12]`, read "12 is blocked by 14, which
    /// is blocked by 12".
    pub path: Vec<IssueNumber>,
}

/// Everything validation found, with the cycles' full membership for scheduling.
pub(crate) struct Findings {
    pub validation: Validation,
    pub cycles: Vec<Cycle>,
}

pub(crate) fn validate(graph: &Graph) -> Findings {
    let cycles = find_cycles(graph);
    let validation = Validation {
        circular_deps: cycles.iter().map(|c| c.path.clone()).collect(),
        missing_deps: missing_deps(graph),
        external_deps: external_deps(graph),
        orphans: orphans(graph),
    };
    Findings { validation, cycles }
}

/// One elementary cycle per strongly connected component of open issues
/// (edges point from an issue to its open blockers), plus self-loops.
pub(crate) fn find_cycles(graph: &Graph) -> Vec<Cycle> {
    let succ: BTreeMap<IssueNumber, Vec<IssueNumber>> = graph
        .open()
        .map(|(n, _)| (n, graph.open_blockers(n)))
        .collect();
    let mut cycles: Vec<Cycle> = strongly_connected(&succ)
        .into_iter()
        .filter(|c| c.len() > 1 || succ[&c[0]].contains(&c[0]))
        .map(|c| {
            let members: BTreeSet<IssueNumber> = c.into_iter().collect();
            let path = cycle_through_smallest(&members, &succ);
            Cycle { members, path }
        })
        .collect();
    cycles.sort_by(|a, b| a.path.cmp(&b.path));
    cycles
}

/// Tarjan's algorithm, iterative so a long chain cannot overflow the stack.
fn strongly_connected(succ: &BTreeMap<IssueNumber, Vec<IssueNumber>>) -> Vec<Vec<IssueNumber>> {
    let mut t = Tarjan::default();
    for &root in succ.keys() {
        if t.index.contains_key(&root) {
            continue;
        }
        t.visit(root);
        while let Some(&(v, next)) = t.calls.last() {
            if let Some(&w) = succ[&v].get(next) {
                t.calls.last_mut().expect("frame").1 += 1;
                if !t.index.contains_key(&w) {
                    t.visit(w);
                } else if t.on_stack.contains(&w) {
                    t.lower(v, t.index[&w]);
                }
                continue;
            }
            t.calls.pop();
            t.finish(v);
        }
    }
    t.components
}

#[derive(Default)]
struct Tarjan {
    index: HashMap<IssueNumber, usize>,
    low: HashMap<IssueNumber, usize>,
    stack: Vec<IssueNumber>,
    on_stack: BTreeSet<IssueNumber>,
    /// The explicit call stack: a node and the next successor to look at.
    calls: Vec<(IssueNumber, usize)>,
    components: Vec<Vec<IssueNumber>>,
}

impl Tarjan {
    fn visit(&mut self, v: IssueNumber) {
        let i = self.index.len();
        self.index.insert(v, i);
        self.low.insert(v, i);
        self.stack.push(v);
        self.on_stack.insert(v);
        self.calls.push((v, 0));
    }

    fn lower(&mut self, v: IssueNumber, to: usize) {
        self.low.entry(v).and_modify(|l| *l = (*l).min(to));
    }

    /// `v`'s successors are done: pass its low link up, and pop its
    /// component if `v` is the component's root.
    fn finish(&mut self, v: IssueNumber) {
        let lv = self.low[&v];
        if let Some(&(parent, _)) = self.calls.last() {
            self.lower(parent, lv);
        }
        if lv != self.index[&v] {
            return;
        }
        let mut component = Vec::new();
        while let Some(w) = self.stack.pop() {
            self.on_stack.remove(&w);
            component.push(w);
            if w == v {
                break;
            }
        }
        component.sort();
        self.components.push(component);
    }
}

/// The shortest cycle from the component's smallest issue back to itself.
fn cycle_through_smallest(
    members: &BTreeSet<IssueNumber>,
    succ: &BTreeMap<IssueNumber, Vec<IssueNumber>>,
) -> Vec<IssueNumber> {
    let start = *members.first().expect("a component is never empty");
    let mut parent: HashMap<IssueNumber, IssueNumber> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in succ[&v].iter().filter(|w| members.contains(w)) {
            if w == start {
                let mut path = vec![start, v];
                let mut at = v;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                // Built backwards from the closing edge; the ends are both `start`.
                path.reverse();
                path.dedup();
                if path.len() == 1 {
                    path.push(start);
                }
                return path;
            }
            if !parent.contains_key(&w) && w != start {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    unreachable!("every member of a cyclic component lies on a cycle through its smallest member")
}

/// Same-repository blockers of open issues that are not part of the run.
fn missing_deps(graph: &Graph) -> Vec<MissingDep> {
    let mut missing = Vec::new();
    for (issue, node) in graph.open() {
        for &dependency in node.blocked_by.iter().filter(|b| !graph.contains(**b)) {
            let known = graph.outside.get(&dependency).and_then(Option::as_ref);
            let (title, state) = match known {
                Some(o) if o.state == crate::github::ItemState::Closed => {
                    (Some(o.title.clone()), MissingState::Closed)
                }
                Some(o) => (Some(o.title.clone()), MissingState::Open),
                None => (None, MissingState::NotFound),
            };
            missing.push(MissingDep {
                issue,
                dependency,
                title,
                state,
            });
        }
    }
    missing
}

fn external_deps(graph: &Graph) -> Vec<ExternalDep> {
    graph
        .open()
        .flat_map(|(issue, node)| {
            node.external.iter().map(move |e| ExternalDep {
                issue,
                repo: e.repo.clone(),
                number: e.number,
                state: e.state,
            })
        })
        .collect()
}

/// Open issues with no dependency information that nothing in the run names
/// as a blocker either.
fn orphans(graph: &Graph) -> Vec<IssueNumber> {
    let named: BTreeSet<IssueNumber> = graph
        .nodes
        .values()
        .flat_map(|n| n.blocked_by.iter().copied())
        .collect();
    graph
        .open()
        .filter(|(n, node)| !node.has_info && !named.contains(n))
        .map(|(n, _)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use crate::plan::graph::OutsideIssue;
    use crate::plan::graph::tests::{input, issue, open};

    fn nums(v: &[u64]) -> Vec<IssueNumber> {
        v.iter().map(|&n| IssueNumber(n)).collect()
    }

    fn findings(issues: Vec<crate::github::Issue>) -> Findings {
        validate(&Graph::build(&input(issues)))
    }

    #[test]
    fn a_two_cycle_is_reported_closed() {
        let f = findings(vec![
            open(12, "Blocked by #14"),
            open(14, "Blocked by #12"),
            open(3, ""),
        ]);
        assert_eq!(f.validation.circular_deps, vec![nums(&[12, 14, 12])]);
        assert_eq!(f.cycles[0].members, nums(&[12, 14]).into_iter().collect());
    }

    #[test]
    fn one_cycle_per_component_and_each_component_reported() {
        let f = findings(vec![
            open(1, "Blocked by #2"),
            open(2, "Blocked by #3"),
            open(3, "Blocked by #1 and #2"),
            open(7, "Blocked by #8"),
            open(8, "Blocked by #7"),
            open(9, "Blocked by #1"),
        ]);
        assert_eq!(
            f.validation.circular_deps,
            vec![nums(&[1, 2, 3, 1]), nums(&[7, 8, 7])]
        );
        assert_eq!(f.cycles[0].members.len(), 3);
    }

    #[test]
    fn the_reported_cycle_is_an_elementary_path_of_real_edges() {
        // 1 → 5 → 2 → 1 and 1 → 3 → 4 → 1: the shortest through 1 is reported.
        let f = findings(vec![
            open(1, "Blocked by #3 and #5"),
            open(5, "Blocked by #2"),
            open(2, "Blocked by #1"),
            open(3, "Blocked by #4"),
            open(4, "Blocked by #6"),
            open(6, "Blocked by #1"),
        ]);
        let path = &f.validation.circular_deps[0];
        assert_eq!(path, &nums(&[1, 5, 2, 1]));
        assert_eq!(f.cycles[0].members.len(), 6);
    }

    #[test]
    fn closed_issues_break_cycles() {
        let f = findings(vec![
            open(1, "Blocked by #2"),
            issue(2, ItemState::Closed, "Blocked by #1"),
        ]);
        assert!(f.validation.circular_deps.is_empty());
    }

    #[test]
    fn a_long_chain_does_not_overflow() {
        let issues: Vec<_> = (1..=20_000)
            .map(|n| open(n, &format!("Blocked by #{}", n % 20_000 + 1)))
            .collect();
        let f = findings(issues);
        assert_eq!(f.cycles.len(), 1);
        assert_eq!(f.cycles[0].members.len(), 20_000);
        assert_eq!(f.cycles[0].path.len(), 20_001);
    }

    #[test]
    fn missing_deps_carry_state_and_title() {
        let mut inp = input(vec![open(1, "Blocked by #50, #51 and #52"), open(2, "")]);
        let closed = OutsideIssue {
            title: "Old".into(),
            state: ItemState::Closed,
        };
        let still_open = OutsideIssue {
            title: "Elsewhere".into(),
            state: ItemState::Open,
        };
        inp.outside.insert(IssueNumber(50), Some(closed));
        inp.outside.insert(IssueNumber(51), Some(still_open));
        inp.outside.insert(IssueNumber(52), None);
        let missing = validate(&Graph::build(&inp)).validation.missing_deps;
        let states: Vec<_> = missing.iter().map(|m| (m.dependency.0, m.state)).collect();
        assert_eq!(
            states,
            vec![
                (50, MissingState::Closed),
                (51, MissingState::Open),
                (52, MissingState::NotFound)
            ]
        );
        assert_eq!(missing[1].title.as_deref(), Some("Elsewhere"));
        assert_eq!(missing[2].title, None);
    }

    #[test]
    fn external_deps_are_listed_per_open_issue() {
        let f = findings(vec![
            open(1, "Depends on other/lib#4"),
            issue(2, ItemState::Closed, "Depends on other/lib#5"),
        ]);
        let ext = &f.validation.external_deps;
        assert_eq!(ext.len(), 1);
        assert_eq!(
            (ext[0].issue, ext[0].number, ext[0].state),
            (IssueNumber(1), IssueNumber(4), None)
        );
        assert!(ext[0].may_be_open());
    }

    #[test]
    fn orphans_have_no_information_and_no_dependents() {
        let f = findings(vec![
            open(1, "Just do it"),
            open(2, "Blocked by #3"),
            open(3, "Nothing said, but #2 names it"),
            open(4, "Depends on: none"),
            open(5, "See also #1"),
            issue(6, ItemState::Closed, ""),
            open(7, "## Dependencies\n"),
        ]);
        assert_eq!(f.validation.orphans, nums(&[1]));
    }
}
