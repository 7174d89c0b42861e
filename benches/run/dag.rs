//! The benchmark's milestone: a seeded random dependency DAG whose issues
//! each carry a simulated worker time, the issue bodies that state it, and
//! the critical path over per-issue times.

use std::collections::BTreeSet;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Blockers are picked among this many preceding issues: far enough back
/// that independent chains run side by side, near enough that chains get deep.
const WINDOW: usize = 12;
/// Chance that an issue (past the first) has no blocker at all.
const ROOT_CHANCE: f64 = 0.3;
/// Simulated worker time, drawn uniformly from this range (unscaled).
const WORK_MS: std::ops::RangeInclusive<u64> = 2_000..=12_000;

/// One generated issue; issue `#n` is `issues[n - 1]`.
#[derive(Clone, Debug)]
pub struct Node {
    /// Issue numbers this one is blocked by (all smaller than its own).
    pub blockers: BTreeSet<u64>,
    /// Unscaled worker time.
    pub work: Duration,
}

/// A milestone of `n` issues.
#[derive(Clone, Debug)]
pub struct Dag {
    pub issues: Vec<Node>,
}

impl Dag {
    /// The DAG for `seed`: each issue after the first is blocked by one or
    /// two of the `WINDOW` issues before it, or by none.
    pub fn generate(seed: u64, n: usize) -> Dag {
        let mut rng = StdRng::seed_from_u64(seed);
        let issues = (1..=n)
            .map(|i| {
                let count = if i == 1 || rng.random_bool(ROOT_CHANCE) {
                    0
                } else {
                    rng.random_range(1..=2)
                };
                let lowest = i.saturating_sub(WINDOW).max(1) as u64;
                let blockers = (0..count)
                    .map(|_| rng.random_range(lowest..i as u64))
                    .collect();
                let work = Duration::from_millis(rng.random_range(WORK_MS));
                Node { blockers, work }
            })
            .collect();
        Dag { issues }
    }

    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// The issue body: its blockers (or that it has none, so the plan needs
    /// no review) and the simulated worker's directives, its time scaled.
    pub fn body(&self, number: u64, scale: f64) -> String {
        let node = &self.issues[number as usize - 1];
        let deps = if node.blockers.is_empty() {
            "Depends on: none".to_string()
        } else {
            let refs: Vec<String> = node.blockers.iter().map(|b| format!("#{b}")).collect();
            format!("Blocked by {}", refs.join(", "))
        };
        let slow = (node.work.as_secs_f64() * scale * 1000.0).round().max(1.0) as u64;
        format!("Benchmark issue {number}.\n\n{deps}\n\n<!-- sim: slow={slow}ms, cost=0.3 -->")
    }

    /// The longest path through the DAG when issue `#n` takes `time(n)`.
    pub fn critical_path(&self, time: impl Fn(u64) -> Duration) -> Duration {
        let mut finish: Vec<Duration> = Vec::with_capacity(self.len());
        for (i, node) in self.issues.iter().enumerate() {
            let ready = node
                .blockers
                .iter()
                .map(|b| finish[*b as usize - 1])
                .max()
                .unwrap_or_default();
            finish.push(ready + time(i as u64 + 1));
        }
        finish.into_iter().max().unwrap_or_default()
    }

    /// The number of waves (the longest chain, counted in issues).
    pub fn waves(&self) -> usize {
        let mut level: Vec<usize> = Vec::with_capacity(self.len());
        for node in &self.issues {
            let deepest = node
                .blockers
                .iter()
                .map(|b| level[*b as usize - 1])
                .max()
                .unwrap_or(0);
            level.push(deepest + 1);
        }
        level.into_iter().max().unwrap_or(0)
    }

    /// Total unscaled worker time.
    pub fn total_work(&self) -> Duration {
        self.issues.iter().map(|n| n.work).sum()
    }
}
