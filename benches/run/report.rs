//! What the bench prints: the setup, then per configuration its figures
//! next to the targets they are held against (✓ met, ✗ not met). Figures
//! are printed, never asserted.

use std::time::Duration;

use super::dag::Dag;
use super::measure::{Figures, Percentiles};
use super::scenario::{Outcome, Resumed, STOP_AFTER_MERGES};
use super::settings::Scaled;
use super::world::{CI_QUEUED, CI_RUNNING, GITHUB_HOURLY_BUDGET, REVIEW_DELAY};

pub const TARGET_MAKESPAN_OVER_BOUND: f64 = 1.05;
pub const TARGET_WAVES_OVER_DEFAULT: f64 = 1.3;
pub const TARGET_REQUESTS_PER_PR: f64 = 15.0;
pub const TARGET_CI_TO_NEXT_P95: Duration = Duration::from_secs(5);
pub const TARGET_CPU_PER_ISSUE: Duration = Duration::from_millis(10);

fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub fn header(scale: f64, parallel: usize, scaled: &[Scaled]) {
    println!("run benchmark: the release binary {}", super::process::BIN);
    println!(
        "BENCH_SCALE = {scale}: every simulated time and every duration setting is multiplied by it;"
    );
    println!(
        "  all times below are UNSCALED seconds (measured wall time ÷ {scale}) unless marked wall."
    );
    println!(
        "  simulated worker 2–12 s (uniform, seeded), CI {} ({} queued + {} running), CodeRabbit {} after the PR opens;",
        secs(CI_QUEUED + CI_RUNNING),
        secs(CI_QUEUED),
        secs(CI_RUNNING),
        secs(REVIEW_DELAY)
    );
    println!("  approvals answered the moment they are printed; --parallel {parallel}.");
    println!("  duration settings at their product defaults × {scale} (variable = value):");
    for s in scaled {
        println!(
            "    {:<22} {:<38} {:>10} → {}",
            s.key,
            s.env,
            format!("{:?}", s.default),
            s.value()
        );
    }
    println!(
        "  fixed costs (process start, git, HTTP) are not scaled, so they weigh 1/{scale} as much here."
    );
    println!();
}

pub fn dag(label: &str, dag: &Dag) {
    println!(
        "{label}: {} issues in {} waves; nominal work {} in all, nominal critical path {}",
        dag.len(),
        dag.waves(),
        secs(dag.total_work()),
        secs(dag.critical_path(|n| dag.issues[n as usize - 1].work)),
    );
}

fn percentiles(p: Option<Percentiles>) -> String {
    match p {
        Some(p) => format!("p50 {}, p95 {} (n={})", secs(p.p50), secs(p.p95), p.n),
        None => "no samples".into(),
    }
}

pub fn config(title: &str, parallel: usize, issues: usize, out: &Outcome) {
    let f = &out.figures;
    println!("== {title} ==");
    match &out.correct {
        Ok(()) => println!(
            "  correct: exit 0, {issues}/{issues} issues merged, one PR each, one squash commit each on main ✓"
        ),
        Err(why) => println!("  NOT CORRECT ✗ (figures below are not to be trusted): {why}"),
    }
    let ratio = f.makespan.as_secs_f64() / f.bound().as_secs_f64().max(1e-9);
    println!(
        "  makespan {}   bound {} = max(critical path of measured worker times {}, worker time / {parallel} {})",
        secs(f.makespan),
        secs(f.bound()),
        secs(f.critical_path),
        secs(f.work_per_slot)
    );
    println!(
        "  makespan / bound {ratio:.2}   target ≤ {TARGET_MAKESPAN_OVER_BOUND} {}",
        mark(ratio <= TARGET_MAKESPAN_OVER_BOUND)
    );
    println!(
        "  slot use {:.0}% (worker-process time / ({parallel} × makespan))",
        f.slot_use * 100.0
    );
    let p95_ok = f.ci_to_next.is_some_and(|p| p.p95 <= TARGET_CI_TO_NEXT_P95);
    println!(
        "  CI green → next step: {}   target p95 ≤ {} {}",
        percentiles(f.ci_to_next),
        secs(TARGET_CI_TO_NEXT_P95),
        mark(p95_ok)
    );
    println!(
        "    (each CI run on a PR head: the sandbox concluding its last check → the first request of the step that follows for that PR:"
    );
    println!(
        "     GET pulls/N/reviews or issues/N/comments, POST issues/N/comments, PUT pulls/N/merge or pulls/N/update-branch{})",
        if f.ci_to_next_missing > 0 {
            format!("; {} CI runs without one", f.ci_to_next_missing)
        } else {
            String::new()
        }
    );
    println!(
        "  ready → question (for information): {}",
        percentiles(f.ready_to_question)
    );
    println!(
        "    (each merge question: the later of the PR's last CI conclusion and CodeRabbit review → the question line read from stdout)"
    );
    let per_pr = f.charged_per_pr();
    println!(
        "  GitHub requests by the orchestrator: {} charged / {} merged PRs = {per_pr:.1} per PR   target ≤ {TARGET_REQUESTS_PER_PR} {}",
        f.charged,
        f.merged,
        mark(per_pr <= TARGET_REQUESTS_PER_PR)
    );
    println!(
        "    (not charged: {} answered 304; not counted: {} made by the simulated workers)",
        f.not_modified, f.by_workers
    );
    // Requests an hour at the run's unscaled pace: a run under an hour
    // spends all of them in one of GitHub's windows.
    let hours = (f.makespan.as_secs_f64() / 3600.0).max(1.0);
    let per_hour = f.charged as f64 / hours;
    let verdict = if per_hour <= GITHUB_HOURLY_BUDGET as f64 {
        "within"
    } else {
        "OVER"
    };
    println!(
        "    against GitHub's {GITHUB_HOURLY_BUDGET} an hour (for information): {per_hour:.0} charged an hour at the run's unscaled pace (all of them, for a run under an hour) — {verdict} (the sandbox's own budget is lifted for the bench)"
    );
    let per_issue = f.own_cpu.div_f64(issues.max(1) as f64);
    println!(
        "  orchestrator CPU {} (utime+stime, its own threads) = {} per issue   target ≤ {} {}",
        ms(f.own_cpu),
        ms(per_issue),
        ms(TARGET_CPU_PER_ISSUE),
        mark(per_issue <= TARGET_CPU_PER_ISSUE)
    );
    println!(
        "    (its children, not counted: {} — workers and git)",
        ms(f.children_cpu)
    );
    println!(
        "  orchestrator peak RSS {:.1} MiB (VmHWM)",
        f.peak_rss_kib as f64 / 1024.0
    );
    println!();
}

pub fn waves_ratio(default: &Figures, waves: &Figures) {
    let ratio = waves.makespan.as_secs_f64() / default.makespan.as_secs_f64().max(1e-9);
    println!(
        "waves / default makespan, 60 issues: {} / {} = {ratio:.2}   target ≥ {TARGET_WAVES_OVER_DEFAULT} {}",
        secs(waves.makespan),
        secs(default.makespan),
        mark(ratio >= TARGET_WAVES_OVER_DEFAULT)
    );
    println!();
}

pub fn resume(r: &Resumed, scale: f64) {
    println!(
        "== resume: 60 issues, SIGTERM once {STOP_AFTER_MERGES} PRs are merged, then --resume =="
    );
    match &r.correct {
        Ok(()) => println!(
            "  correct: the SIGTERMed run exited 143; no issue has two PRs, no PR was merged twice ✓"
        ),
        Err(why) => println!("  NOT CORRECT ✗: {why}"),
    }
    println!(
        "  the first run: SIGTERMed with {} PRs merged, exited {} after {} wall",
        r.merged_before,
        r.stopped
            .status
            .code()
            .map_or("on a signal".to_string(), |c| c.to_string()),
        secs(r.stopped.wall())
    );
    match r.first_worker {
        Some(d) => println!(
            "  resume → first worker process started: {:.0} ms wall (= {} unscaled)",
            d.as_secs_f64() * 1000.0,
            secs(d.div_f64(scale))
        ),
        None => println!(
            "  resume → first worker: none started ✗ (resumed run exit {:?})\n{}",
            r.resumed.status.code(),
            r.resumed.tail()
        ),
    }
    println!(
        "    (from spawning `--resume` to the first simulated worker's trace `start` line; the resumed run is then stopped)"
    );
    println!();
}
