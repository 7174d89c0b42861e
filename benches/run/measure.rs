//! From what one run left behind — the simulated workers' trace, the probe's
//! sandbox events, the sandbox's request log and pull requests, the
//! process's exit — to the figures: checked for correctness first.

use std::collections::BTreeMap;
use std::time::Duration;

use gh_sandbox::{Item, LoggedRequest};
use sim_agent::TraceEvent;

use super::dag::Dag;
use super::latency::latencies;
use super::probe::Seen;
use super::process::Finished;

/// Everything one run left behind.
pub struct Record<'a> {
    pub dag: &'a Dag,
    pub parallel: usize,
    pub scale: f64,
    pub run: Finished,
    pub trace: Vec<TraceEvent>,
    pub seen: Vec<Seen>,
    pub requests: Vec<LoggedRequest>,
    pub pulls: Vec<Item>,
    /// Subjects of the commits on origin's base branch, newest first.
    pub main_log: Vec<String>,
    /// The PR each head commit a PR ever had belongs to.
    pub heads: BTreeMap<String, u64>,
}

/// One simulated worker's life, in trace milliseconds.
#[derive(Clone, Debug)]
pub struct Span {
    pub issue: Option<u64>,
    pub mode: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Worker lives, paired by pid; a worker with no `end` (stopped with the
/// run) ends at `until_ms`.
pub fn spans(trace: &[TraceEvent], until_ms: u64) -> Vec<Span> {
    let mut open: BTreeMap<u32, &TraceEvent> = BTreeMap::new();
    let mut out = Vec::new();
    let close = |start: &TraceEvent, end_ms: u64| Span {
        issue: start.issue,
        mode: start.mode.clone(),
        start_ms: start.at_ms,
        end_ms: end_ms.max(start.at_ms),
    };
    for e in trace {
        match e.event.as_str() {
            "start" => {
                open.insert(e.pid, e);
            }
            "end" => {
                if let Some(start) = open.remove(&e.pid) {
                    out.push(close(start, e.at_ms));
                }
            }
            _ => {}
        }
    }
    out.extend(open.values().map(|s| close(s, until_ms)));
    out
}

/// p50 and p95 (nearest rank) of some latencies, unscaled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Percentiles {
    pub p50: Duration,
    pub p95: Duration,
    pub n: usize,
}

impl Percentiles {
    pub fn of(mut values: Vec<Duration>) -> Option<Percentiles> {
        if values.is_empty() {
            return None;
        }
        values.sort();
        let rank = |q: f64| values[((q * values.len() as f64).ceil() as usize).max(1) - 1];
        Some(Percentiles {
            p50: rank(0.50),
            p95: rank(0.95),
            n: values.len(),
        })
    }
}

/// The figures of one complete run. Durations are unscaled (÷ scale).
pub struct Figures {
    pub makespan: Duration,
    pub critical_path: Duration,
    pub work_per_slot: Duration,
    pub slot_use: f64,
    pub ci_to_next: Option<Percentiles>,
    /// CI conclusions on a PR's head that no next step followed.
    pub ci_to_next_missing: usize,
    pub ready_to_question: Option<Percentiles>,
    pub merged: usize,
    pub charged: usize,
    pub not_modified: usize,
    pub by_workers: usize,
    pub own_cpu: Duration,
    pub children_cpu: Duration,
    pub peak_rss_kib: u64,
}

impl Figures {
    pub fn bound(&self) -> Duration {
        self.critical_path.max(self.work_per_slot)
    }

    pub fn charged_per_pr(&self) -> f64 {
        self.charged as f64 / self.merged.max(1) as f64
    }
}

/// Whether a request came from a simulated worker rather than the orchestrator.
pub fn by_worker(r: &LoggedRequest) -> bool {
    r.user_agent
        .as_deref()
        .is_some_and(|ua| ua.starts_with("sim-agent"))
}

pub fn figures(r: &Record) -> Figures {
    let unscale = |d: Duration| d.div_f64(r.scale);
    let wall = r.run.wall();
    let end_ms = r.run_end_ms();
    let spans = spans(&r.trace, end_ms);
    let ms = |s: &Span| Duration::from_millis(s.end_ms - s.start_ms);
    let mut work: BTreeMap<u64, Duration> = BTreeMap::new();
    for s in spans.iter().filter(|s| s.mode == "work") {
        *work.entry(s.issue.unwrap_or(0)).or_default() += ms(s);
    }
    let critical = r
        .dag
        .critical_path(|n| work.get(&n).copied().unwrap_or_default());
    let total: Duration = work.values().sum();
    // Slot use counts every worker (fix workers too), clipped to the run.
    let start_ms = r.run_start_ms();
    let busy: u64 = spans
        .iter()
        .map(|s| {
            s.end_ms
                .min(end_ms)
                .saturating_sub(s.start_ms.max(start_ms))
        })
        .sum();
    let slot_use = busy as f64 / (r.parallel as f64 * wall.as_millis().max(1) as f64);
    let (ci_to_next, missing, ready_to_question) = latencies(r);
    let orchestrator = r.requests.iter().filter(|q| !by_worker(q));
    // A 304 spends no rate limit, nor does an answer the sandbox cut (0).
    let (not_modified, charged): (Vec<_>, Vec<_>) = orchestrator
        .filter(|q| q.status != 0)
        .partition(|q| q.status == 304);
    Figures {
        makespan: unscale(wall),
        critical_path: unscale(critical),
        work_per_slot: unscale(total.div_f64(r.parallel as f64)),
        slot_use,
        ci_to_next: Percentiles::of(ci_to_next.into_iter().map(unscale).collect()),
        ci_to_next_missing: missing,
        ready_to_question: Percentiles::of(ready_to_question.into_iter().map(unscale).collect()),
        merged: r
            .pulls
            .iter()
            .filter(|p| p.pull.as_ref().is_some_and(|p| p.merged))
            .count(),
        charged: charged.len(),
        not_modified: not_modified.len(),
        by_workers: r.requests.iter().filter(|q| by_worker(q)).count(),
        own_cpu: r.run.own_cpu,
        children_cpu: r.run.children_cpu,
        peak_rss_kib: r.run.peak_rss_kib,
    }
}

impl Record<'_> {
    /// The run's start and end on the workers' trace clock.
    fn run_start_ms(&self) -> u64 {
        self.run.spawned_ms
    }

    fn run_end_ms(&self) -> u64 {
        self.run.spawned_ms + self.run.wall().as_millis() as u64
    }
}
