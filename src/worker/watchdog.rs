//! Telling a busy worker from a stuck one. An agent can be silent for a long
//! time while it works: its test suite runs (CPU time in its process group),
//! or it edits files. A worker counts as stalled only when its output, the
//! CPU time of its whole process group and its working tree all stay the
//! same for the stall timeout. "Whole process group" means the worker's
//! family (see `family`): its group and the processes its tools started in
//! sessions of their own. `Watchdog` is the decision (pure, driven by
//! samples); `Sampler` takes the samples.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::family::Family;
use super::group;
use crate::git::Git;

/// CPU time below this share of the wall time between two samples is noise
/// (an idle runtime's timers, a waiting HTTP client), not work.
const IDLE_CPU_SHARE: f64 = 0.01;

/// What one look at a worker saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Bytes in the worker's log.
    pub output: u64,
    /// utime + stime (own and reaped children's) of every process in the
    /// group, in clock ticks.
    pub cpu_ticks: u64,
    /// A fingerprint of the working tree (HEAD, and every changed or
    /// untracked path with its size and mtime); `None` when not looked at.
    pub tree: Option<u64>,
}

/// What the watchdog concludes after a sample.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Something moved at this sample.
    Active,
    /// Nothing moved for this long, still under the limit.
    Quiet(Duration),
    /// Nothing moved for this long, at or past the limit.
    Stalled(Duration),
}

/// The stall decision for one worker.
#[derive(Debug)]
pub struct Watchdog {
    limit: Duration,
    ticks_per_second: f64,
    last: Option<(Instant, Sample)>,
    last_change: Instant,
}

impl Watchdog {
    pub fn new(limit: Duration, started: Instant) -> Self {
        Watchdog {
            limit,
            ticks_per_second: group::clock_ticks_per_second() as f64,
            last: None,
            last_change: started,
        }
    }

    /// Whether the next sample needs the working tree: only when output and
    /// CPU are still, since a fingerprint costs a `git status`.
    pub fn wants_tree(&self, output: u64, cpu_ticks: u64, now: Instant) -> bool {
        match &self.last {
            Some((at, last)) => {
                last.output == output && !self.cpu_moved(last, cpu_ticks, now - *at)
            }
            None => true,
        }
    }

    /// Takes one sample taken at `now`.
    pub fn observe(&mut self, sample: Sample, now: Instant) -> Verdict {
        let moved = match &self.last {
            None => false,
            Some((at, last)) => {
                last.output != sample.output
                    || self.cpu_moved(last, sample.cpu_ticks, now - *at)
                    // A tree not looked at last time cannot be compared.
                    || matches!((last.tree, sample.tree), (Some(a), Some(b)) if a != b)
            }
        };
        if moved {
            self.last_change = now;
        }
        // Keep the last fingerprint while this sample did not look at the tree.
        let tree = sample
            .tree
            .or_else(|| self.last.as_ref().and_then(|(_, s)| s.tree));
        let keep_tree = if moved { sample.tree } else { tree };
        self.last = Some((
            now,
            Sample {
                tree: keep_tree,
                ..sample
            },
        ));
        let quiet = now.saturating_duration_since(self.last_change);
        match (moved, quiet >= self.limit) {
            (true, _) => Verdict::Active,
            (false, true) => Verdict::Stalled(quiet),
            (false, false) => Verdict::Quiet(quiet),
        }
    }

    fn cpu_moved(&self, last: &Sample, ticks: u64, between: Duration) -> bool {
        let used = ticks.abs_diff(last.cpu_ticks) as f64;
        used > 0.0 && used >= between.as_secs_f64() * self.ticks_per_second * IDLE_CPU_SHARE
    }
}

/// How often to sample for a stall timeout: a tenth of it, between 100 ms
/// and 30 s, so a stall is seen within the timeout plus one sample.
pub fn sample_interval(limit: Duration) -> Duration {
    (limit / 10).clamp(Duration::from_millis(100), Duration::from_secs(30))
}

/// Takes samples of one worker.
#[derive(Debug)]
pub struct Sampler {
    family: Family,
    log: PathBuf,
    tree: Git,
}

impl Sampler {
    pub fn new(family: Family, log: &Path, cwd: &Path) -> Self {
        Sampler {
            family,
            log: log.to_path_buf(),
            tree: Git::new(cwd),
        }
    }

    /// Samples the worker; the working tree only when `watchdog` wants it.
    pub async fn sample(&self, watchdog: &Watchdog, now: Instant) -> Sample {
        let output = std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0);
        let cpu_ticks = self.family.cpu_ticks();
        let tree = if watchdog.wants_tree(output, cpu_ticks, now) {
            self.tree_fingerprint().await
        } else {
            None
        };
        Sample {
            output,
            cpu_ticks,
            tree,
        }
    }

    /// HEAD and the changed paths with their sizes and mtimes: an agent that
    /// edits a file moves it, even when the file was already modified.
    async fn tree_fingerprint(&self) -> Option<u64> {
        let state = self.tree.tree_state().await.ok()?;
        let mut hasher = DefaultHasher::new();
        state.head.hash(&mut hasher);
        for path in &state.changed {
            path.hash(&mut hasher);
            if let Ok(meta) = std::fs::symlink_metadata(self.tree.dir().join(path)) {
                meta.len().hash(&mut hasher);
                meta.modified().ok().hash(&mut hasher);
            }
        }
        Some(hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_secs(30);

    fn sample(output: u64, cpu_ticks: u64, tree: Option<u64>) -> Sample {
        Sample {
            output,
            cpu_ticks,
            tree,
        }
    }

    /// Feeds samples every 3 s; returns the verdicts.
    fn run(samples: &[Sample]) -> Vec<Verdict> {
        let start = Instant::now();
        let mut dog = Watchdog::new(LIMIT, start);
        dog.ticks_per_second = 100.0;
        samples
            .iter()
            .enumerate()
            .map(|(i, s)| dog.observe(s.clone(), start + Duration::from_secs(3 * i as u64)))
            .collect()
    }

    #[test]
    fn a_silent_idle_unchanged_worker_stalls_at_the_limit() {
        let still: Vec<Sample> = (0..12).map(|_| sample(100, 50, Some(7))).collect();
        let verdicts = run(&still);
        assert_eq!(verdicts[9], Verdict::Quiet(Duration::from_secs(27)));
        assert_eq!(verdicts[10], Verdict::Stalled(Duration::from_secs(30)));
    }

    #[test]
    fn cpu_time_in_the_group_keeps_a_silent_worker_alive() {
        // A test suite: no output, no file changes, a core busy (300 ticks / 3 s).
        let busy: Vec<Sample> = (0..30)
            .map(|i| sample(100, 50 + 300 * i, Some(7)))
            .collect();
        assert!(run(&busy).iter().skip(1).all(|v| *v == Verdict::Active));
    }

    #[test]
    fn a_trickle_of_cpu_is_noise() {
        // One tick every 3 s: an idle runtime, not work.
        let idle: Vec<Sample> = (0..12).map(|i| sample(100, 50 + i, Some(7))).collect();
        assert!(matches!(run(&idle)[10], Verdict::Stalled(_)));
    }

    #[test]
    fn output_or_a_changing_tree_resets_the_clock() {
        let mut samples: Vec<Sample> = (0..9).map(|_| sample(100, 50, Some(7))).collect();
        samples.push(sample(180, 50, None)); // output at 27 s
        samples.extend((0..9).map(|_| sample(180, 50, Some(8))));
        samples.push(sample(180, 50, Some(9))); // the tree moved at 54 s
        samples.extend((0..10).map(|_| sample(180, 50, Some(9))));
        let v = run(&samples);
        assert_eq!(v[9], Verdict::Active);
        assert_eq!(v[10], Verdict::Quiet(Duration::from_secs(3)));
        assert_eq!(v[19], Verdict::Active);
        assert_eq!(v[28], Verdict::Quiet(Duration::from_secs(27)));
        assert_eq!(v[29], Verdict::Stalled(Duration::from_secs(30)));
    }

    #[test]
    fn the_tree_is_looked_at_only_when_output_and_cpu_are_still() {
        let start = Instant::now();
        let mut dog = Watchdog::new(LIMIT, start);
        dog.ticks_per_second = 100.0;
        assert!(dog.wants_tree(0, 0, start), "nothing to compare with yet");
        dog.observe(sample(10, 5, Some(1)), start);
        let later = start + Duration::from_secs(3);
        assert!(!dog.wants_tree(11, 5, later), "output moved");
        assert!(!dog.wants_tree(10, 500, later), "cpu moved");
        assert!(dog.wants_tree(10, 5, later));
    }

    #[test]
    fn sampling_interval_is_a_tenth_of_the_limit_within_bounds() {
        assert_eq!(sample_interval(LIMIT), Duration::from_secs(3));
        assert_eq!(
            sample_interval(Duration::from_secs(900)),
            Duration::from_secs(30)
        );
        assert_eq!(
            sample_interval(Duration::from_millis(200)),
            Duration::from_millis(100)
        );
    }
}
