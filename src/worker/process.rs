//! Starting one headless worker subprocess: in its own process group, with
//! stdin closed (or a prompt file), both output streams in one log file, and
//! the orchestrator's secrets left out of its environment. `running` watches
//! it once started.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::Command;

use super::family::Family;
use super::leftover::ProcessIdentity;
use super::registry::Registry;
use super::running::RunningWorker;
use super::spawner;
use super::stream::Activity;
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
    /// Removed from the inherited environment: the orchestrator's own secrets.
    pub env_remove: Vec<String>,
    /// A file given as the worker's stdin (a prompt too long for argv);
    /// `None` closes stdin, so a worker never waits for input.
    pub stdin: Option<PathBuf>,
    /// The environment entry every process of the worker will carry
    /// (`family::new_mark`); chosen by the caller, who records it first.
    pub mark: String,
    pub log_path: PathBuf,
    pub wall_timeout: Duration,
    /// How long output, the group's CPU time and the working tree may all
    /// stay the same before the worker counts as stalled.
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
    #[error("open the worker's prompt file {path}: {source}")]
    Stdin { path: PathBuf, source: io::Error },
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
    /// No output or file change for `quiet` (at least `stall_timeout`), and
    /// next to no CPU time over the last `stall_timeout` (`idle`).
    Stall { quiet: Duration, idle: Duration },
}

/// How a worker ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WorkerExit {
    Exited(i32),
    /// Killed by a signal that `wait` did not send: a crash, or another
    /// party such as `Registry::kill_all_now` or `stop_leftover`.
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

    pub(crate) fn from_status(status: ExitStatus) -> Self {
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
            WorkerExit::TimedOut(TimeoutKind::Stall { quiet, idle }) => write!(
                f,
                "stalled: no output or file change for {}s and next to no CPU time for the last {}s",
                quiet.as_secs(),
                idle.as_secs()
            ),
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
    /// What its event stream said (empty for a CLI that prints plain text).
    pub activity: Activity,
}

impl WorkerOutcome {
    /// The cost the worker's CLI reported, if it reported one.
    pub fn cost_usd(&self) -> Option<f64> {
        self.activity.cost_usd()
    }

    /// The CLI's own verdict: `Some(true)` when its result event says it failed.
    pub fn reported_error(&self) -> Option<bool> {
        self.activity.result.as_ref().map(|r| r.is_error)
    }
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
    // This worker's output starts here; earlier workers' output stays above.
    let output_start = log.metadata().map_err(log_error)?.len();
    let spawn_error = |source| SpawnError::Spawn {
        program: program.clone(),
        cwd: spec.cwd.clone(),
        source,
    };
    let stdin = match &spec.stdin {
        Some(path) => Stdio::from(File::open(path).map_err(|source| SpawnError::Stdin {
            path: path.clone(),
            source,
        })?),
        None => Stdio::null(),
    };
    let mark = spec.mark.clone();
    let command = command(&spec, &log, stdin, &mark).map_err(log_error)?;
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
    let family = Family {
        pgid: identity.pgid(),
        mark,
        since: identity.start_ticks,
    };
    registry.add(identity, family.clone());
    tracing::info!(
        pid,
        kind = spec.kind.as_str(),
        issue = spec.issue.0,
        "worker started"
    );
    Ok(RunningWorker::new(
        child,
        identity,
        family,
        &spec,
        output_start,
        registry,
    ))
}

pub(crate) fn open_log(path: &Path) -> io::Result<File> {
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

fn command(spec: &WorkerSpec, log: &File, stdin: Stdio, mark: &str) -> io::Result<Command> {
    let mut command = Command::new(&spec.argv[0]);
    for name in &spec.env_remove {
        command.env_remove(name);
    }
    let (mark_name, mark_value) = mark.split_once('=').unwrap_or((mark, ""));
    command
        .args(&spec.argv[1..])
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        // Every process the worker starts inherits it: see `family`.
        .env(mark_name, mark_value)
        // A headless worker must never wait for input: stdin is closed, or a
        // file that ends.
        .stdin(stdin)
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
/// worker itself is covered; its own children are left to the family sweep
/// or, after a crash, to `stop_leftover` on resume.
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
