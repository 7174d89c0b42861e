//! Dispatch priority: among ready issues, the one with the longest chain of
//! dependents starts first, because the run cannot end before that chain
//! does. Ties go to the lower number. Pure; computed once per plan.

use std::cmp::Reverse;
use std::collections::{BTreeMap, VecDeque};

use crate::ids::IssueNumber;

/// How many levels of dependents hang below each issue: 0 for an issue
/// nothing waits on, 1 + the deepest dependent's levels otherwise.
/// `blockers` maps each issue to the issues it waits for; blockers outside
/// the map are ignored. Issues on a cycle cannot start anyway and count 0.
pub fn levels_below(
    blockers: &BTreeMap<IssueNumber, Vec<IssueNumber>>,
) -> BTreeMap<IssueNumber, u32> {
    let mut dependents: BTreeMap<IssueNumber, Vec<IssueNumber>> = BTreeMap::new();
    for (&issue, its) in blockers {
        for blocker in its.iter().filter(|b| blockers.contains_key(b)) {
            dependents.entry(*blocker).or_default().push(issue);
        }
    }
    // Kahn's order from the leaves up: an issue is done once all its
    // dependents are, so a cycle never gets a level of its own.
    let mut open: BTreeMap<IssueNumber, usize> = blockers
        .keys()
        .map(|&n| (n, dependents.get(&n).map_or(0, Vec::len)))
        .collect();
    let mut queue: VecDeque<IssueNumber> = open
        .iter()
        .filter(|(_, left)| **left == 0)
        .map(|(&n, _)| n)
        .collect();
    let mut levels: BTreeMap<IssueNumber, u32> = blockers.keys().map(|&n| (n, 0)).collect();
    while let Some(issue) = queue.pop_front() {
        let level = dependents.get(&issue).map_or(0, |deps| {
            deps.iter().map(|d| levels[d] + 1).max().unwrap_or(0)
        });
        levels.insert(issue, level);
        for blocker in &blockers[&issue] {
            if let Some(left) = open.get_mut(blocker) {
                *left -= 1;
                if *left == 0 {
                    queue.push_back(*blocker);
                }
            }
        }
    }
    levels
}

/// Sorts `issues` longest chain first, then by number.
pub fn by_priority(issues: &mut [IssueNumber], levels: &BTreeMap<IssueNumber, u32>) {
    issues.sort_by_key(|n| (Reverse(levels.get(n).copied().unwrap_or(0)), *n));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(u64, &[u64])]) -> BTreeMap<IssueNumber, Vec<IssueNumber>> {
        edges
            .iter()
            .map(|(n, bs)| {
                (
                    IssueNumber(*n),
                    bs.iter().map(|&b| IssueNumber(b)).collect(),
                )
            })
            .collect()
    }

    fn level(levels: &BTreeMap<IssueNumber, u32>, n: u64) -> u32 {
        levels[&IssueNumber(n)]
    }

    #[test]
    fn levels_count_the_deepest_chain_of_dependents() {
        // 1 → 2 → 3 → 4, and 1 → 5; 6 alone.
        let g = graph(&[
            (1, &[]),
            (2, &[1]),
            (3, &[2]),
            (4, &[3]),
            (5, &[1]),
            (6, &[]),
        ]);
        let levels = levels_below(&g);
        assert_eq!(
            [1, 2, 3, 4, 5, 6].map(|n| level(&levels, n)),
            [3, 2, 1, 0, 0, 0]
        );
    }

    #[test]
    fn a_diamond_counts_its_longest_side() {
        // 1 blocks 2 and 3; 3 blocks 4; 2 and 4 block 5.
        let g = graph(&[(1, &[]), (2, &[1]), (3, &[1]), (4, &[3]), (5, &[2, 4])]);
        let levels = levels_below(&g);
        assert_eq!(level(&levels, 1), 3);
        assert_eq!(level(&levels, 2), 1);
        assert_eq!(level(&levels, 3), 2);
    }

    #[test]
    fn cycles_and_unknown_blockers_end_without_panicking() {
        let g = graph(&[(1, &[2]), (2, &[1]), (3, &[99]), (4, &[3])]);
        let levels = levels_below(&g);
        assert_eq!(level(&levels, 1), 0);
        assert_eq!(level(&levels, 3), 1);
    }

    #[test]
    fn priority_is_longest_chain_then_number() {
        let g = graph(&[
            (9, &[]),
            (2, &[]),
            (5, &[]),
            (7, &[5]),
            (8, &[7]),
            (3, &[2]),
        ]);
        let levels = levels_below(&g);
        let mut ready: Vec<IssueNumber> = [9, 2, 5].map(IssueNumber).to_vec();
        by_priority(&mut ready, &levels);
        assert_eq!(ready, [5, 2, 9].map(IssueNumber).to_vec());
    }
}
