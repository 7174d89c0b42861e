//! One headless worker subprocess: spawned in its own process group with
//! stdin closed and both output streams in one log file, watched for exit,
//! wall-clock timeout, stalled output and stop requests, and stopped with
//! SIGTERM → grace → SIGKILL to the whole group.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::envelope;
use super::group;
use super::leftover::ProcessIdentity;
use super::registry::Registry;
use super::spawner;
use super::stop::{StopLevel, StopSignal};
use crate::ids::IssueNumber;

/// What a worker is launched for; written to its log header.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum WorkerKind {
    /// Implements the issue and opens the PR.
    Implement,
    CiFix,
    ReviewFix,
    /// Addresses a human's "changes" reply.
    ChangesFix,
}

impl WorkerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerKind::Implement => "implement",
            WorkerKind::CiFix => "ci-fix",
            WorkerKind::ReviewFix => "review-fix",
            WorkerKind::ChangesFix => "changes-fix",
        }
    }
}

/// Everything needed to run one worker. A zero `wall_timeout` or
/// `stall_timeout` disables that timeout.
#[derive(Clone, Debug)]
pub struct WorkerSpec {
    pub kind: WorkerKind,
    pub issue: IssueNumber,
    /// Already expanded; passed to the program as is, never through a shell.
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// Added to the inherited environment (issue, branch, repository names).
    pub env: Vec<(String, String)>,
    pub log_path: PathBuf,
    pub wall_timeout: Duration,
    /// How long the log may stay the same size before the worker counts as frozen.
    pub stall_timeout: Duration,
    /// How long SIGTERM gets before SIGKILL.
    pub grace: Duration,
}

/// Why a worker could not be started; reads after "failed to ...".
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("start a worker: the worker command is empty; set a worker command in the settings")]
    EmptyArgv,
    #[error("open worker log {path}: {source}")]
    Log { path: PathBuf, source: io::Error },
    #[error(
        "start worker `{program}` in {cwd}: {source}; check that the worker command in the settings is installed and on PATH"
    )]
    Spawn {
        program: String,
        cwd: PathBuf,
        source: io::Error,
    },
}

/// Which timeout ended a worker.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TimeoutKind {
    /// Ran longer than `wall_timeout`.
    Wall,
    /// Printed nothing for `stall_timeout`.
    Stall,
}

/// How a worker ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WorkerExit {
    Exited(i32),
    /// Killed by a signal that `wait` did not send: a crash, or another
    /// party such as `Registry::kill_all_now` or `kill_group_if_same`.
    Signaled(i32),
    TimedOut(TimeoutKind),
    /// Stopped on request (shutdown).
    Stopped,
    /// The exit status could not be collected (someone else reaped the process).
    Unknown,
}

impl WorkerExit {
    pub fn succeeded(&self) -> bool {
        *self == WorkerExit::Exited(0)
    }

    fn from_status(status: ExitStatus) -> Self {
        match (status.code(), status.signal()) {
            (Some(code), _) => WorkerExit::Exited(code),
            (None, Some(signal)) => WorkerExit::Signaled(signal),
            (None, None) => WorkerExit::Unknown,
        }
    }
}

impl fmt::Display for WorkerExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerExit::Exited(code) => write!(f, "exited with code {code}"),
            WorkerExit::Signaled(signal) => write!(f, "was killed by signal {signal}"),
            WorkerExit::TimedOut(TimeoutKind::Wall) => f.write_str("ran past its time limit"),
            WorkerExit::TimedOut(TimeoutKind::Stall) => f.write_str("printed nothing for too long"),
            WorkerExit::Stopped => f.write_str("was stopped"),
            WorkerExit::Unknown => f.write_str("ended with an unknown status"),
        }
    }
}

/// The result of one worker run.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerOutcome {
    pub exit: WorkerExit,
    pub duration: Duration,
    pub log_path: PathBuf,
    /// From the JSON envelope at the end of the log, if the worker printed one.
    pub cost_usd: Option<f64>,
    pub envelope_is_error: Option<bool>,
}

/// A started worker. Dropping it without `wait` kills its process group, so
/// a panicking owner does not leave the worker running.
#[derive(Debug)]
pub struct RunningWorker {
    child: Child,
    identity: ProcessIdentity,
    log_path: PathBuf,
    wall_timeout: Duration,
    stall_timeout: Duration,
    grace: Duration,
    started: Instant,
    registry: &'static Registry,
    finished: bool,
}

/// What ended the watch.
enum Watch {
    Exited(io::Result<ExitStatus>),
    TimedOut(TimeoutKind),
    Stop,
}

/// Starts a worker registered in `Registry::global()`.
pub fn spawn(spec: WorkerSpec) -> Result<RunningWorker, SpawnError> {
    spawn_in(spec, Registry::global())
}

/// Starts a worker registered in `registry`.
pub fn spawn_in(
    spec: WorkerSpec,
    registry: &'static Registry,
) -> Result<RunningWorker, SpawnError> {
    let program = spec
        .argv
        .first()
        .filter(|p| !p.is_empty())
        .ok_or(SpawnError::EmptyArgv)?;
    let log_error = |source| SpawnError::Log {
        path: spec.log_path.clone(),
        source,
    };
    let mut log = open_log(&spec.log_path).map_err(log_error)?;
    log.write_all(header(&spec, program).as_bytes())
        .map_err(log_error)?;
    let spawn_error = |source| SpawnError::Spawn {
        program: program.clone(),
        cwd: spec.cwd.clone(),
        source,
    };
    let command = command(&spec, &log).map_err(log_error)?;
    let child = spawner::spawn(command).map_err(spawn_error)?;
    let pid = child
        .id()
        .expect("a child that was never awaited has a pid");
    let identity = ProcessIdentity::of(pid).unwrap_or_else(|| {
        tracing::warn!(pid, "could not read the worker's start time from /proc");
        ProcessIdentity {
            pid,
            start_ticks: 0,
        }
    });
    registry.add(identity);
    tracing::info!(
        pid,
        kind = spec.kind.as_str(),
        issue = spec.issue.0,
        "worker started"
    );
    Ok(RunningWorker {
        child,
        identity,
        log_path: spec.log_path,
        wall_timeout: spec.wall_timeout,
        stall_timeout: spec.stall_timeout,
        grace: spec.grace,
        started: Instant::now(),
        registry,
        finished: false,
    })
}

fn open_log(path: &Path) -> io::Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    File::options().create(true).append(true).open(path)
}

/// One line naming the run; never the environment, which may hold tokens.
fn header(spec: &WorkerSpec, program: &str) -> String {
    format!(
        "=== {} auto-milestone worker kind={} issue={} program={} cwd={} ===\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        spec.kind.as_str(),
        spec.issue,
        program,
        spec.cwd.display(),
    )
}

fn command(spec: &WorkerSpec, log: &File) -> io::Result<Command> {
    let mut command = Command::new(&spec.argv[0]);
    command
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        // A headless worker must never wait for input.
        .stdin(Stdio::null())
        // Both streams share one append-mode file description: the log keeps
        // their order, nothing sits in our buffers, and nothing is lost if we die.
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log.try_clone()?))
        // Its own group, so stopping reaches everything it started, and a
        // Ctrl-C in our terminal reaches only us: we decide how workers stop.
        .process_group(0);
    die_with_orchestrator(&mut command);
    Ok(command)
}

/// Asks the kernel to SIGKILL the worker when the thread that forked it
/// exits; `spawner` makes that thread live as long as the process. Only the
/// worker itself is covered; its own children are left to the group sweep or,
/// after a crash, to `kill_group_if_same` on resume.
#[cfg(target_os = "linux")]
fn die_with_orchestrator(command: &mut Command) {
    // SAFETY: getpid has no preconditions.
    let orchestrator = unsafe { libc::getpid() };
    // SAFETY: between fork and exec the closure makes only async-signal-safe
    // calls (prctl, getppid) and does not allocate.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                return Err(io::Error::last_os_error());
            }
            // We may have died between fork and prctl; then no signal will come.
            if libc::getppid() != orchestrator {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_orchestrator(_command: &mut Command) {}

impl RunningWorker {
    pub fn pid(&self) -> u32 {
        self.identity.pid
    }

    /// Pid and start time, to recognise this process after a crash.
    pub fn identity(&self) -> ProcessIdentity {
        self.identity
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Waits until the worker exits, a timeout passes, or `stop` is
    /// triggered; then makes sure no process of its group is left.
    pub async fn wait(mut self, stop: StopSignal) -> WorkerOutcome {
        let exit = match self.watch(&stop).await {
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
        // Grandchildren the worker started must not outlive it.
        if group::sweep_group(self.identity.pgid(), self.grace, Some(&stop)).await {
            tracing::info!(pid = self.pid(), "stopped processes the worker left behind");
        }
        self.registry.remove(&self.identity);
        self.finished = true;
        self.finish(exit)
    }

    async fn watch(&mut self, stop: &StopSignal) -> Watch {
        let wall_deadline = enabled(self.wall_timeout).map(|t| self.started + t);
        let stall = enabled(self.stall_timeout);
        let mut ticker = tokio::time::interval(group::poll_interval(self.stall_timeout));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_len = file_len(&self.log_path);
        let mut last_growth = Instant::now();
        loop {
            tokio::select! {
                biased;
                status = self.child.wait() => return Watch::Exited(status),
                () = stop.reached(StopLevel::Graceful) => return Watch::Stop,
                () = sleep_until(wall_deadline) => return Watch::TimedOut(TimeoutKind::Wall),
                _ = ticker.tick(), if stall.is_some() => {
                    let len = file_len(&self.log_path);
                    if len != last_len {
                        (last_len, last_growth) = (len, Instant::now());
                    } else if stall.is_some_and(|limit| last_growth.elapsed() >= limit) {
                        return Watch::TimedOut(TimeoutKind::Stall);
                    }
                }
            }
        }
    }

    /// SIGTERM the group and give the leader `grace` to exit (less if `stop`
    /// escalates to kill-now), then SIGKILL the group and reap the leader.
    async fn stop_leader(&mut self, stop: &StopSignal) {
        let pgid = self.identity.pgid();
        if stop.level() < StopLevel::Immediate {
            group::terminate_group(pgid);
            tokio::select! {
                biased;
                _ = self.child.wait() => return,
                () = stop.reached(StopLevel::Immediate) => {}
                () = tokio::time::sleep(self.grace) => {}
            }
        }
        group::signal_group(pgid, libc::SIGKILL);
        if let Err(error) = self.child.wait().await {
            tracing::error!(pid = self.pid(), %error, "could not reap the killed worker");
        }
    }

    fn finish(&self, exit: WorkerExit) -> WorkerOutcome {
        let duration = self.started.elapsed();
        let envelope = envelope::read_envelope(&self.log_path);
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
            cost_usd: envelope.as_ref().map(|e| e.total_cost_usd),
            envelope_is_error: envelope.and_then(|e| e.is_error),
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        if !self.finished {
            group::signal_group(self.identity.pgid(), libc::SIGKILL);
            self.registry.remove(&self.identity);
        }
    }
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

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
