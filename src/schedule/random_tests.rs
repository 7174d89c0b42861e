//! Property tests over random DAGs with a fixed seed: driven the way the
//! actor layer drives it, the scheduler never starts an issue early, never
//! strands one, and skips exactly the issues that lost a blocker.

use std::collections::{BTreeMap, BTreeSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::ids::IssueNumber;

const CASES: u64 = 300;

/// A random plan: dependencies point from later to earlier positions (so it
/// is acyclic), numbers are shuffled so number order says nothing about
/// dependency order, and each wave is one more than its deepest blocker's.
fn random_plan(rng: &mut StdRng) -> Vec<PlannedIssue> {
    let len = rng.random_range(1..=40usize);
    let density = rng.random_range(0.0..0.3);
    let mut numbers: Vec<u64> = (1..=3 * len as u64).collect();
    numbers.shuffle(rng);
    let mut plan: Vec<PlannedIssue> = Vec::with_capacity(len);
    for &number in &numbers[..len] {
        let blockers: Vec<&PlannedIssue> =
            plan.iter().filter(|_| rng.random_bool(density)).collect();
        let wave = 1 + blockers.iter().map(|b| b.wave).max().unwrap_or(0);
        let blockers = blockers.iter().map(|b| b.number).collect();
        plan.push(PlannedIssue {
            number: IssueNumber(number),
            wave,
            blockers,
        });
    }
    plan
}

/// What the test itself knows about the run, independent of the scheduler.
struct Referee {
    plan: BTreeMap<IssueNumber, PlannedIssue>,
    mode: ScheduleMode,
    merged: BTreeSet<IssueNumber>,
    started: BTreeSet<IssueNumber>,
    final_: BTreeSet<IssueNumber>,
    /// Levels of dependents below each issue, worked out from the plan.
    levels: BTreeMap<IssueNumber, u32>,
}

/// Levels below each issue of `plan`, whose blockers always come earlier in
/// it: walking it backwards meets every dependent before its blockers.
fn levels_by_walking(plan: &[PlannedIssue]) -> BTreeMap<IssueNumber, u32> {
    let mut levels: BTreeMap<IssueNumber, u32> = BTreeMap::new();
    for (at, issue) in plan.iter().enumerate().rev() {
        let level = plan[at + 1..]
            .iter()
            .filter(|later| later.blockers.contains(&issue.number))
            .map(|later| levels[&later.number] + 1)
            .max()
            .unwrap_or(0);
        levels.insert(issue.number, level);
    }
    levels
}

impl Referee {
    fn new(plan: &[PlannedIssue], mode: ScheduleMode) -> Self {
        Referee {
            plan: plan.iter().map(|p| (p.number, p.clone())).collect(),
            mode,
            merged: BTreeSet::new(),
            started: BTreeSet::new(),
            final_: BTreeSet::new(),
            levels: levels_by_walking(plan),
        }
    }

    /// Every ready issue is new, has all blockers merged and, in strict
    /// mode, every earlier wave final; the longest chain of dependents
    /// comes first, then the lower number.
    fn check_ready(&self, ready: &[IssueNumber]) {
        for number in ready {
            let issue = &self.plan[number];
            assert!(
                !self.started.contains(number) && !self.final_.contains(number),
                "{number} ready twice"
            );
            for blocker in &issue.blockers {
                assert!(
                    self.merged.contains(blocker),
                    "{number} ready before its blocker {blocker} merged"
                );
            }
            if self.mode == ScheduleMode::Waves {
                for earlier in self.plan.values().filter(|p| p.wave < issue.wave) {
                    assert!(
                        self.final_.contains(&earlier.number),
                        "{number} ready before wave {} ended",
                        earlier.wave
                    );
                }
            }
        }
        let keys: Vec<_> = ready
            .iter()
            .map(|n| (std::cmp::Reverse(self.levels_below(*n)), *n))
            .collect();
        assert!(keys.is_sorted(), "ready not longest chain first: {ready:?}");
    }

    fn levels_below(&self, issue: IssueNumber) -> u32 {
        self.levels[&issue]
    }

    /// A propagated skip hit a waiting issue with a blocker that did not merge.
    fn check_skipped(&self, skipped: &[(IssueNumber, String)], root: IssueNumber) {
        for (number, reason) in skipped {
            assert!(
                !self.started.contains(number),
                "{number} skipped after it started"
            );
            let lost = self.plan[number]
                .blockers
                .iter()
                .any(|b| self.final_.contains(b) && !self.merged.contains(b));
            assert!(lost, "{number} skipped though every blocker merged");
            assert!(reason.starts_with("blocked by #"), "{reason}");
            assert!(
                reason.contains(&root.to_string()),
                "{reason:?} does not name the root {root}"
            );
        }
    }
}

enum Outcome {
    Merge,
    Fail,
    Skip,
}

/// Drives one run: starts a random prefix of the ready list (at least one
/// when nothing runs), then finishes one active issue with `outcome`.
fn drive(
    plan: &[PlannedIssue],
    mode: ScheduleMode,
    rng: &mut StdRng,
    outcome: impl Fn(&mut StdRng) -> Outcome,
) -> Referee {
    let mut s = Scheduler::new(plan.to_vec(), mode, None).expect("random plans are valid");
    let mut referee = Referee::new(plan, mode);
    let mut active = Vec::new();
    for _ in 0..=plan.len() {
        let ready = s.ready();
        referee.check_ready(&ready);
        if ready.is_empty() && active.is_empty() {
            assert!(s.is_finished());
            assert_eq!(s.stuck(), Vec::<IssueNumber>::new());
            return referee;
        }
        assert!(!s.is_finished());
        let start = rng.random_range(usize::from(active.is_empty())..=ready.len());
        for &number in &ready[..start] {
            s.mark_active(number).unwrap();
            referee.started.insert(number);
            active.push(number);
        }
        let number = active.swap_remove(rng.random_range(0..active.len()));
        referee.final_.insert(number);
        match outcome(rng) {
            Outcome::Merge => {
                let before = s.ready();
                let newly = s.mark_merged(number).unwrap();
                referee.merged.insert(number);
                let now = s.ready();
                assert!(
                    newly.iter().all(|n| now.contains(n) && !before.contains(n)),
                    "{newly:?}"
                );
            }
            unmerged => {
                let skipped = match unmerged {
                    Outcome::Fail => s.mark_failed(number, "boom").unwrap(),
                    _ => s.mark_skipped(number, "human").unwrap(),
                };
                referee.final_.extend(skipped.iter().map(|(n, _)| *n));
                referee.check_skipped(&skipped, number);
            }
        }
    }
    panic!("run did not finish within one step per issue");
}

#[test]
fn merging_in_ready_order_readies_every_issue_after_its_blockers() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    for mode in [ScheduleMode::Blockers, ScheduleMode::Waves] {
        for _ in 0..CASES {
            let plan = random_plan(&mut rng);
            let referee = drive(&plan, mode, &mut rng, |_| Outcome::Merge);
            assert_eq!(referee.merged.len(), plan.len(), "every issue merged");
        }
    }
}

#[test]
fn failures_skip_exactly_the_issues_that_lost_a_blocker() {
    let mut rng = StdRng::seed_from_u64(0x5eed_0002);
    for mode in [ScheduleMode::Blockers, ScheduleMode::Waves] {
        for _ in 0..CASES {
            let plan = random_plan(&mut rng);
            let referee = drive(&plan, mode, &mut rng, |rng| match rng.random_range(0..10) {
                0..7 => Outcome::Merge,
                7..9 => Outcome::Fail,
                _ => Outcome::Skip,
            });
            for issue in &plan {
                assert!(
                    referee.final_.contains(&issue.number),
                    "{} never finished",
                    issue.number
                );
                // Independent issues are untouched: whoever had all blockers merged was started.
                let free = issue.blockers.iter().all(|b| referee.merged.contains(b));
                assert_eq!(
                    free,
                    referee.started.contains(&issue.number),
                    "{}",
                    issue.number
                );
            }
        }
    }
}
