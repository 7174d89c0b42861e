//! A started worker, watched until it ends: its exit, the wall-clock limit,
//! the stall watchdog, stop requests, and its event stream read from the log
//! as it grows (the session id, the tool it runs, turns and tokens, reported
//! to the owner as they change). Stopping is SIGTERM → grace → SIGKILL to
//! the whole group; no member of the group outlives `wait`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::Child;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::{Instant, MissedTickBehavior};

use super::family::Family;
use super::leftover::ProcessIdentity;
use super::process::{TimeoutKind, WorkerExit, WorkerOutcome, WorkerSpec, open_log};
use super::registry::Registry;
use super::stop::{StopLevel, StopSignal};
use super::stream::{Activity, Change, one_line};
use super::tail::LogTail;
use super::watchdog::{Sampler, Verdict, Watchdog, sample_interval};

/// How often the log is read for new events.
const READ_EVERY: Duration = Duration::from_millis(250);

/// What a running worker reports to its owner while it runs.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerUpdate {
    /// The CLI's session started; record it now, a crash may follow.
    Session(String),
    /// What the agent is doing (the latest state, once per read).
    Activity(Box<Activity>),
}

/// A started worker. Dropping it without `wait` kills its process group, so
/// a panicking owner does not leave the worker running.
#[derive(Debug)]
pub struct RunningWorker {
    child: Child,
    identity: ProcessIdentity,
    family: Family,
    log_path: PathBuf,
    cwd: PathBuf,
    wall_timeout: Duration,
    stall_timeout: Duration,
    grace: Duration,
    started: Instant,
    registry: &'static Registry,
    tail: LogTail,
    activity: Activity,
    finished: bool,
}

/// What ended the watch.
enum Watch {
    Exited(io::Result<ExitStatus>),
    TimedOut(TimeoutKind),
    Stop,
}

impl RunningWorker {
    pub(crate) fn new(
        child: Child,
        identity: ProcessIdentity,
        family: Family,
        spec: &WorkerSpec,
        output_start: u64,
        registry: &'static Registry,
    ) -> Self {
        RunningWorker {
            child,
            identity,
            family,
            log_path: spec.log_path.clone(),
            cwd: spec.cwd.clone(),
            wall_timeout: spec.wall_timeout,
            stall_timeout: spec.stall_timeout,
            grace: spec.grace,
            started: Instant::now(),
            registry,
            tail: LogTail::from(&spec.log_path, output_start),
            activity: Activity::default(),
            finished: false,
        }
    }

    pub fn pid(&self) -> u32 {
        self.identity.pid
    }

    /// Pid and start time, to recognise this process after a crash.
    pub fn identity(&self) -> ProcessIdentity {
        self.identity
    }

    /// The environment entry every process of this worker carries, to find
    /// them all after a crash.
    pub fn mark(&self) -> &str {
        &self.family.mark
    }

    pub fn log_path(&self) -> &std::path::Path {
        &self.log_path
    }

    /// Waits until the worker exits, a timeout passes, or `stop` is
    /// triggered; then makes sure no process of its group is left. What the
    /// worker does meanwhile goes to `updates`.
    pub async fn wait(
        mut self,
        stop: StopSignal,
        updates: Option<UnboundedSender<WorkerUpdate>>,
    ) -> WorkerOutcome {
        let exit = match self.watch(&stop, updates.as_ref()).await {
            Watch::Exited(Ok(status)) => WorkerExit::from_status(status),
            Watch::Exited(Err(error)) => {
                tracing::error!(pid = self.pid(), %error, "could not collect the worker's exit status");
                WorkerExit::Unknown
            }
            Watch::TimedOut(kind) => {
                self.stop_leader(&stop).await;
                WorkerExit::TimedOut(kind)
            }
            Watch::Stop => {
                self.stop_leader(&stop).await;
                WorkerExit::Stopped
            }
        };
        // Whatever the worker started must not outlive it.
        if self.family.sweep(self.grace, Some(&stop)).await {
            tracing::info!(pid = self.pid(), "stopped processes the worker left behind");
        }
        self.registry.remove(&self.identity);
        self.finished = true;
        self.read_output(true, updates.as_ref());
        self.finish(exit)
    }

    async fn watch(
        &mut self,
        stop: &StopSignal,
        updates: Option<&UnboundedSender<WorkerUpdate>>,
    ) -> Watch {
        let wall_deadline = enabled(self.wall_timeout).map(|t| self.started + t);
        let stall = enabled(self.stall_timeout);
        let mut reads = ticker(READ_EVERY);
        let every = sample_interval(self.stall_timeout);
        let mut samples = ticker_from(tokio::time::Instant::now() + every, every);
        let mut watchdog = Watchdog::new(self.stall_timeout, self.started);
        let sampler = Sampler::new(self.family.clone(), &self.log_path, &self.cwd);
        // A family just started has used no CPU: the first reading is known
        // without a scan of /proc (or a `git status`).
        watchdog.observe(sampler.at_start(), self.started);
        loop {
            tokio::select! {
                biased;
                status = self.child.wait() => return Watch::Exited(status),
                () = stop.reached(StopLevel::Graceful) => return Watch::Stop,
                () = sleep_until(wall_deadline) => return Watch::TimedOut(TimeoutKind::Wall),
                _ = reads.tick() => self.read_output(false, updates),
                _ = samples.tick(), if stall.is_some() => {
                    let now = Instant::now();
                    let sample = sampler.sample(&watchdog).await;
                    if let Verdict::Stalled(quiet) = watchdog.observe(sample, now) {
                        tracing::warn!(pid = self.pid(), quiet_secs = quiet.as_secs(), "worker stalled");
                        return Watch::TimedOut(TimeoutKind::Stall { quiet, idle: self.stall_timeout });
                    }
                }
            }
        }
    }

    /// Feeds the lines written since the last read to the activity, and
    /// tells the owner what changed. `last` also takes an unfinished line.
    fn read_output(&mut self, last: bool, updates: Option<&UnboundedSender<WorkerUpdate>>) {
        let lines = if last {
            self.tail.finish()
        } else {
            self.tail.read_lines()
        };
        let lines = match lines {
            Ok(lines) => lines,
            Err(error) => {
                tracing::warn!(log = %self.log_path.display(), %error, "could not read the worker log");
                return;
            }
        };
        let mut progressed = false;
        for line in lines {
            match self.activity.feed(&line) {
                Change::SessionStarted(id) => {
                    send(updates, WorkerUpdate::Session(id));
                    progressed = true;
                }
                Change::Progressed | Change::Finished => progressed = true,
                Change::Malformed(why) => tracing::warn!(
                    pid = self.pid(),
                    %why,
                    line = %one_line(&line, 120),
                    "skipped a malformed event line in the worker's output"
                ),
                Change::None => {}
            }
        }
        if progressed {
            send(
                updates,
                WorkerUpdate::Activity(Box::new(self.activity.clone())),
            );
        }
    }

    /// SIGTERM the family and give the leader `grace` to exit (less if
    /// `stop` escalates to kill-now), then SIGKILL it and reap the leader.
    async fn stop_leader(&mut self, stop: &StopSignal) {
        if stop.level() < StopLevel::Immediate {
            self.family.terminate();
            tokio::select! {
                biased;
                _ = self.child.wait() => return,
                () = stop.reached(StopLevel::Immediate) => {}
                () = tokio::time::sleep(self.grace) => {}
            }
        }
        self.family.signal(libc::SIGKILL);
        if let Err(error) = self.child.wait().await {
            tracing::error!(pid = self.pid(), %error, "could not reap the killed worker");
        }
    }

    fn finish(&mut self, exit: WorkerExit) -> WorkerOutcome {
        let duration = self.started.elapsed();
        let footer = format!(
            "=== worker {exit} after {:.1}s ===\n",
            duration.as_secs_f64()
        );
        if let Err(error) =
            open_log(&self.log_path).and_then(|mut f| f.write_all(footer.as_bytes()))
        {
            tracing::warn!(log = %self.log_path.display(), %error, "could not finish the worker log");
        }
        tracing::info!(pid = self.pid(), %exit, "worker ended");
        WorkerOutcome {
            exit,
            duration,
            log_path: self.log_path.clone(),
            activity: std::mem::take(&mut self.activity),
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        if !self.finished {
            self.family.signal(libc::SIGKILL);
            self.registry.remove(&self.identity);
        }
    }
}

fn send(updates: Option<&UnboundedSender<WorkerUpdate>>, update: WorkerUpdate) {
    if let Some(tx) = updates {
        // The owner may have stopped listening; the worker goes on regardless.
        let _ = tx.send(update);
    }
}

fn ticker(every: Duration) -> tokio::time::Interval {
    ticker_from(tokio::time::Instant::now(), every)
}

fn ticker_from(first: tokio::time::Instant, every: Duration) -> tokio::time::Interval {
    let mut ticker = tokio::time::interval_at(first, every);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker
}

fn enabled(timeout: Duration) -> Option<Duration> {
    (!timeout.is_zero()).then_some(timeout)
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
