//! Telling a busy worker from a stuck one. An agent can be silent for a long
//! time while it works: its test suite runs (CPU time in its processes), or
//! it edits files. A worker counts as stalled only when, for the whole stall
//! timeout, its output and its working tree stayed the same and its
//! processes (its family: see `family`) used next to no CPU time.
//!
//! "Next to no" is measured over the whole window, not between two samples:
//! an idle Claude Code process waiting on the API still burns about 1% of a
//! core in timers and garbage collection, in bursts of several percent; a
//! test suite burns close to 100%. `Watchdog` is the decision (pure, driven
//! by samples); `Sampler` takes the samples.

use std::collections::VecDeque;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use super::family::Family;
use super::group;
use crate::git::Git;

/// CPU time under this share of one core over the stall window is an idle
/// runtime, not work.
const IDLE_CPU_SHARE: f64 = 0.03;

/// What one look at a worker saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Bytes in the worker's log.
    pub output: u64,
    /// utime + stime (own and reaped children's) of every process of the
    /// worker's family, in clock ticks.
    pub cpu_ticks: u64,
    /// A fingerprint of the working tree (HEAD, and every changed or
    /// untracked path with its size and mtime); `None` when not looked at.
    pub tree: Option<u64>,
}

/// What the watchdog concludes after a sample.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Output or files moved, or its processes worked, within the window.
    Active,
    /// No output or file change for this long, still under the limit.
    Quiet(Duration),
    /// No output or file change for this long, at or past the limit, and
    /// no work over the whole window.
    Stalled(Duration),
}

/// The stall decision for one worker.
#[derive(Debug)]
pub struct Watchdog {
    limit: Duration,
    ticks_per_second: f64,
    /// Output and tree as last seen (the tree as last looked at).
    last: Option<(u64, Option<u64>)>,
    /// Since when output and tree have stood still.
    still_since: Instant,
    /// CPU readings covering at least the last `limit`, oldest first.
    cpu: VecDeque<(Instant, u64)>,
}

impl Watchdog {
    pub fn new(limit: Duration, started: Instant) -> Self {
        Watchdog {
            limit,
            ticks_per_second: group::clock_ticks_per_second() as f64,
            last: None,
            still_since: started,
            cpu: VecDeque::new(),
        }
    }

    /// Whether the next sample needs the working tree: only while the
    /// output stands still, since a fingerprint costs a `git status`.
    pub fn wants_tree(&self, output: u64) -> bool {
        self.last.is_none_or(|(last, _)| last == output)
    }

    /// Takes one sample taken at `now`.
    pub fn observe(&mut self, sample: Sample, now: Instant) -> Verdict {
        let moved = match self.last {
            None => false,
            Some((output, tree)) => {
                output != sample.output
                    // A tree not looked at last time cannot be compared.
                    || matches!((tree, sample.tree), (Some(a), Some(b)) if a != b)
            }
        };
        if moved {
            self.still_since = now;
        }
        let kept_tree = sample.tree.or(self.last.and_then(|(_, t)| t));
        self.last = Some((sample.output, if moved { sample.tree } else { kept_tree }));
        self.record_cpu(now, sample.cpu_ticks);
        let still = now.saturating_duration_since(self.still_since);
        if moved || self.worked(now) {
            Verdict::Active
        } else if still >= self.limit {
            Verdict::Stalled(still)
        } else {
            Verdict::Quiet(still)
        }
    }

    /// Keeps the readings of the last `limit`, and the one just before it
    /// (the window's baseline).
    fn record_cpu(&mut self, now: Instant, ticks: u64) {
        self.cpu.push_back((now, ticks));
        let window_start = now.checked_sub(self.limit);
        while let (Some(start), Some(&(_, _))) = (window_start, self.cpu.get(1)) {
            if self.cpu[1].0 <= start {
                self.cpu.pop_front();
            } else {
                break;
            }
        }
    }

    /// Whether the family used more than an idle share of a core over the
    /// window (or over what of it has been seen yet).
    fn worked(&self, now: Instant) -> bool {
        let (Some(&(first_at, first)), Some(&(_, last))) = (self.cpu.front(), self.cpu.back())
        else {
            return false;
        };
        let span = now.saturating_duration_since(first_at).max(self.limit);
        let used = last.abs_diff(first) as f64;
        used > span.as_secs_f64() * self.ticks_per_second * IDLE_CPU_SHARE
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

    /// The reading at the worker's start: what its log holds, and no CPU
    /// time yet (its family is new); the tree is left to the next sample.
    pub fn at_start(&self) -> Sample {
        Sample {
            output: std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0),
            cpu_ticks: 0,
            tree: None,
        }
    }

    /// Samples the worker; the working tree only when `watchdog` wants it.
    pub async fn sample(&self, watchdog: &Watchdog) -> Sample {
        let output = std::fs::metadata(&self.log).map(|m| m.len()).unwrap_or(0);
        let cpu_ticks = self.family.cpu_ticks();
        let tree = if watchdog.wants_tree(output) {
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
    fn cpu_time_in_the_family_keeps_a_silent_worker_alive() {
        // A test suite: no output, no file changes, a core busy (300 ticks / 3 s).
        let busy: Vec<Sample> = (0..30)
            .map(|i| sample(100, 50 + 300 * i, Some(7)))
            .collect();
        assert!(run(&busy).iter().skip(1).all(|v| *v == Verdict::Active));
    }

    #[test]
    fn an_idle_runtime_s_timers_and_bursts_are_not_work() {
        // About 1% of a core, with a 7-tick burst now and then, as an idle
        // Claude Code process waiting on the API was measured to burn.
        let mut ticks = 35;
        let idle: Vec<Sample> = (0..14)
            .map(|i| {
                ticks += if i % 4 == 2 { 7 } else { 2 };
                sample(100, ticks, Some(7))
            })
            .collect();
        assert!(
            matches!(run(&idle)[10], Verdict::Stalled(_)),
            "{:?}",
            run(&idle)
        );
    }

    #[test]
    fn a_suite_that_ends_leaves_a_full_window_before_a_stall() {
        // Busy for 30 s, then nothing: stalled only 30 s after the work ended.
        let mut samples: Vec<Sample> = (0..11).map(|i| sample(100, 300 * i, Some(7))).collect();
        samples.extend((0..12).map(|_| sample(100, 3000, Some(7))));
        let v = run(&samples);
        assert_eq!(v[10], Verdict::Active);
        assert!(
            v[11..20]
                .iter()
                .all(|v| matches!(v, Verdict::Active | Verdict::Quiet(_))),
            "{v:?}"
        );
        assert!(matches!(v[21], Verdict::Stalled(_)), "{v:?}");
    }

    #[test]
    fn output_or_a_changing_tree_resets_the_clock() {
        let mut samples: Vec<Sample> = (0..9).map(|_| sample(100, 50, Some(7))).collect();
        samples.push(sample(180, 50, None)); // output at 27 s
        samples.extend((0..9).map(|_| sample(180, 50, Some(8))));
        samples.push(sample(180, 50, Some(9))); // the tree moved at 57 s
        samples.extend((0..10).map(|_| sample(180, 50, Some(9))));
        let v = run(&samples);
        assert_eq!(v[9], Verdict::Active);
        assert_eq!(v[10], Verdict::Quiet(Duration::from_secs(3)));
        assert_eq!(v[19], Verdict::Active);
        assert_eq!(v[28], Verdict::Quiet(Duration::from_secs(27)));
        assert_eq!(v[29], Verdict::Stalled(Duration::from_secs(30)));
    }

    #[test]
    fn the_tree_is_looked_at_only_while_the_output_stands_still() {
        let start = Instant::now();
        let mut dog = Watchdog::new(LIMIT, start);
        assert!(dog.wants_tree(0), "nothing to compare with yet");
        dog.observe(sample(10, 5, Some(1)), start);
        assert!(!dog.wants_tree(11), "output moved");
        assert!(dog.wants_tree(10));
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
