//! Run-throughput benchmark (`cargo bench --bench run`): the release binary
//! runs a seeded random milestone DAG with `--parallel 4` against the
//! in-process sandbox GitHub and the simulated agent, with every simulated
//! time and every duration setting multiplied by `BENCH_SCALE`. It prints,
//! per configuration — 60 issues (default schedule), the same 60 under
//! `--schedule waves`, 200 issues, and a SIGTERM-then-`--resume` run — the
//! makespan against its bound, slot use, CI-green-to-next-step latency,
//! charged GitHub requests per PR, orchestrator CPU and peak RSS, each next
//! to its target. Every run is checked for correctness first; timings are
//! printed, never asserted. `BENCH_ONLY=60|waves|200|resume` runs one.

#[path = "run/checks.rs"]
mod checks;
#[path = "run/dag.rs"]
mod dag;
#[path = "run/latency.rs"]
mod latency;
#[path = "run/measure.rs"]
mod measure;
#[path = "run/probe.rs"]
mod probe;
#[path = "run/process.rs"]
mod process;
#[path = "run/report.rs"]
mod report;
#[path = "run/scenario.rs"]
mod scenario;
#[path = "run/settings.rs"]
mod settings;
#[path = "run/world.rs"]
mod world;

use std::time::Instant;

use dag::Dag;
use scenario::Setup;

/// Makes the 60-issue default run take about a minute on a 2-core machine
/// (and the whole bench about six).
const DEFAULT_SCALE: f64 = 0.3;
const PARALLEL: usize = 4;
const SEED_60: u64 = 0x0060_a7b3;
const SEED_200: u64 = 0x0200_a7b3;

fn main() {
    let started = Instant::now();
    let scale = std::env::var("BENCH_SCALE")
        .ok()
        .map(|s| s.parse::<f64>().expect("BENCH_SCALE is a number"))
        .unwrap_or(DEFAULT_SCALE);
    assert!(scale > 0.0, "BENCH_SCALE must be positive");
    let only = std::env::var("BENCH_ONLY").ok().filter(|s| !s.is_empty());
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if let Some(o) = &only {
        let known = ["60", "waves", "200", "resume"];
        assert!(
            known.contains(&o.as_str()),
            "BENCH_ONLY is one of {known:?}"
        );
    }
    let probe = probe::Probe::install();
    let scaled = settings::scaled(scale);
    let setup = Setup {
        scale,
        parallel: PARALLEL,
        scaled: &scaled,
        probe: &probe,
    };
    report::header(scale, PARALLEL, &scaled);
    let dag60 = Dag::generate(SEED_60, 60);
    let dag200 = Dag::generate(SEED_200, 200);
    report::dag("60-issue DAG", &dag60);
    report::dag("200-issue DAG", &dag200);
    println!();
    let mut correct = true;
    let mut check = |ok: bool| correct &= ok;

    let default60 = wanted("60").then(|| scenario::full_run(&setup, &dag60, &[]));
    if let Some(out) = &default60 {
        report::config("60 issues, default schedule", PARALLEL, 60, out);
        check(out.correct.is_ok());
    }
    let waves60 =
        wanted("waves").then(|| scenario::full_run(&setup, &dag60, &["--schedule", "waves"]));
    if let Some(out) = &waves60 {
        report::config("60 issues, --schedule waves", PARALLEL, 60, out);
        check(out.correct.is_ok());
    }
    if let (Some(d), Some(w)) = (&default60, &waves60) {
        report::waves_ratio(&d.figures, &w.figures);
    }
    if wanted("200") {
        let out = scenario::full_run(&setup, &dag200, &[]);
        report::config("200 issues, default schedule", PARALLEL, 200, &out);
        check(out.correct.is_ok());
    }
    if wanted("resume") {
        let resumed = scenario::resume(&setup, &dag60);
        report::resume(&resumed, scale);
        check(resumed.correct.is_ok());
    }
    println!(
        "whole benchmark: {:.0} s wall",
        started.elapsed().as_secs_f64()
    );
    if !correct {
        eprintln!("a run was not correct: see NOT CORRECT above");
        std::process::exit(1);
    }
}
