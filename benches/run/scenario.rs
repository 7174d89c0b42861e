//! The configurations: a whole run of a DAG (default schedule or waves),
//! and a run stopped by SIGTERM after some merges then resumed, timed to
//! its first worker.

use std::time::Duration;

use super::checks;
use super::dag::Dag;
use super::measure::{self, Figures, Record};
use super::probe::Probe;
use super::process::{Finished, Running, command};
use super::settings::Scaled;
use super::world::World;

/// A run that outlives this has hung: it is stopped and the bench fails.
const RUN_LIMIT: Duration = Duration::from_secs(20 * 60);
/// The interrupted run is stopped once this many PRs are merged.
pub const STOP_AFTER_MERGES: usize = 10;

/// What the bench is running with.
pub struct Setup<'a> {
    pub scale: f64,
    pub parallel: usize,
    pub scaled: &'a [Scaled],
    pub probe: &'a Probe,
}

/// One whole run's figures, or why it is not correct.
pub struct Outcome {
    pub figures: Figures,
    pub correct: Result<(), String>,
}

/// Runs `dag` to its end with `extra` flags and measures it.
pub fn full_run(setup: &Setup, dag: &Dag, extra: &[&str]) -> Outcome {
    let world = World::new(dag, setup.scale);
    let parallel = setup.parallel.to_string();
    let mut args = vec!["--parallel", parallel.as_str()];
    args.extend(extra);
    setup.probe.take();
    let run = Running::start(command(&world, setup.scaled, &args)).wait(RUN_LIMIT, |_| {});
    let pulls = world.repo.pulls();
    let record = Record {
        dag,
        parallel: setup.parallel,
        scale: setup.scale,
        trace: sim_agent::trace::read(&world.trace_dir()).unwrap_or_default(),
        seen: setup.probe.take(),
        requests: world.sandbox.requests().all(),
        heads: world.heads(&pulls),
        pulls,
        main_log: world.main_log(),
        run,
    };
    Outcome {
        correct: checks::check_complete(&record),
        figures: measure::figures(&record),
    }
}

/// The interrupted run and the resumed one.
pub struct Resumed {
    pub merged_before: usize,
    pub stopped: Finished,
    /// From starting `--resume` to the first worker's trace `start` (wall).
    pub first_worker: Option<Duration>,
    pub resumed: Finished,
    pub correct: Result<(), String>,
}

/// Runs `dag`, SIGTERMs it after [`STOP_AFTER_MERGES`] merges, then starts
/// it again with `--resume` and times the first worker; the resumed run is
/// stopped there (what follows is the 60-issue run again).
pub fn resume(setup: &Setup, dag: &Dag) -> Resumed {
    let world = World::new(dag, setup.scale);
    let parallel = setup.parallel.to_string();
    let args = ["--parallel", parallel.as_str()];
    let mut signalled = false;
    let mut ticks = 0u32;
    let stopped = Running::start(command(&world, setup.scaled, &args)).wait(RUN_LIMIT, |run| {
        ticks += 1;
        // Counting merges clones the sandbox's PRs: every tenth tick is enough.
        if !signalled && ticks.is_multiple_of(10) && merged(&world) >= STOP_AFTER_MERGES {
            run.signal(libc::SIGTERM);
            signalled = true;
        }
    });
    let merged_before = merged(&world);
    let resume_args = ["--parallel", parallel.as_str(), "--resume"];
    let started = Running::start(command(&world, setup.scaled, &resume_args));
    let since_ms = started.spawned_ms;
    let mut seen_worker = false;
    let resumed = started.wait(RUN_LIMIT, |run| {
        if !seen_worker && first_start_ms(&world, since_ms).is_some() {
            seen_worker = true;
            run.signal(libc::SIGTERM);
        }
    });
    // The tick is 10 ms coarse; the trace line says when to the millisecond.
    let first_worker = first_start_ms(&world, since_ms)
        .map(|at| Duration::from_millis(at.saturating_sub(since_ms)));
    setup.probe.take();
    let correct =
        checks::check_no_duplicates(&world.repo.pulls(), &world.main_log()).and_then(|()| {
            match stopped.status.code() {
                Some(143) => Ok(()),
                other => Err(format!(
                    "the SIGTERMed run exited {other:?}: {}",
                    stopped.tail()
                )),
            }
        });
    Resumed {
        merged_before,
        stopped,
        first_worker,
        resumed,
        correct,
    }
}

fn merged(world: &World) -> usize {
    world
        .repo
        .pulls()
        .iter()
        .filter(|p| p.pull.as_ref().is_some_and(|p| p.merged))
        .count()
}

/// The earliest worker start at or after `since_ms`.
fn first_start_ms(world: &World, since_ms: u64) -> Option<u64> {
    let trace = sim_agent::trace::read(&world.trace_dir()).unwrap_or_default();
    trace
        .iter()
        .filter(|e| e.event == "start" && e.at_ms >= since_ms)
        .map(|e| e.at_ms)
        .min()
}
