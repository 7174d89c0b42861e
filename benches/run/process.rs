//! The product binary as a child process: started with the world's
//! configuration, a human at its terminal who answers every question at
//! once (as `tests/approval_terminal.rs` and the tests' `Human` do, by
//! piping `merge #N` into stdin), every stdout line timestamped, and its own
//! CPU time and peak memory read from `/proc`.
//!
//! CPU is exact: a watcher thread waits for the exit with `waitid(WNOWAIT)`,
//! which leaves the child a zombie, and reads `/proc/<pid>/stat` then —
//! utime+stime of the process itself (all its threads), not of its
//! children, which are counted apart (cutime+cstime: workers and git).
//! Peak RSS is `VmHWM` from `/proc/<pid>/status`, a high-water mark sampled
//! every few milliseconds while the process lives (a zombie has none).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::settings::Scaled;
use super::world::{MILESTONE, SLUG, World};

/// The binary under test: cargo builds the package's binaries, in the
/// bench's (release) profile, before it builds a benchmark, and tells the
/// benchmark where it put them.
pub const BIN: &str = env!("CARGO_BIN_EXE_auto-milestone");
/// How often peak memory is sampled and the caller's hook runs.
const TICK: Duration = Duration::from_millis(10);

/// The binary configured for `world`: simulated workers, the sandbox as
/// GitHub, every duration setting scaled, and `extra` flags after the target.
pub fn command(world: &World, scaled: &[Scaled], extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(world.work())
        .args([MILESTONE, "--repo", SLUG])
        .args(extra);
    for (k, _) in std::env::vars() {
        let ours = ["AUTO_MILESTONE_", "TELEGRAM_", "GITHUB_"];
        if ours.iter().any(|p| k.starts_with(p)) || k == "GH_TOKEN" {
            cmd.env_remove(k);
        }
    }
    let json = |argv: &[&str]| serde_json::to_string(argv).expect("argv serialises");
    let sim = |mode: &str, arg: &str| json(&[BIN, "sim-worker", "--mode", mode, arg]);
    let sim_text =
        |mode: &str, text: &str| json(&[BIN, "sim-worker", "--mode", mode, "--text", text, "{pr}"]);
    cmd.env("AUTO_MILESTONE_WORKER_COMMAND", sim("work", "{issue}"))
        .env(
            "AUTO_MILESTONE_WORKER_RESUME_COMMAND",
            json(&[BIN, "sim-worker", "--resume", "{session}", "0"]),
        )
        .env("AUTO_MILESTONE_CI_FIX_COMMAND", sim("fix-ci", "{pr}"))
        .env(
            "AUTO_MILESTONE_REVIEW_FIX_COMMAND",
            sim_text("fix-review", "{comments}"),
        )
        .env(
            "AUTO_MILESTONE_CHANGES_COMMAND",
            sim_text("changes", "{feedback}"),
        );
    for s in scaled {
        cmd.env(s.env, s.value());
    }
    cmd.env("GITHUB_API_URL", world.sandbox.url())
        .env("GITHUB_TOKEN", "sandbox-token")
        .env("AUTO_MILESTONE_SIM_TRACE", world.trace_dir())
        .env("RUST_LOG", "warn");
    cmd
}

/// Milliseconds since the Unix epoch (the simulated workers' trace clock).
pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The process's own CPU and its reaped children's, read at its exit.
struct Exited {
    at: Instant,
    own_cpu: Duration,
    children_cpu: Duration,
}

/// A started binary.
pub struct Running {
    child: Child,
    pub spawned: Instant,
    pub spawned_ms: u64,
    lines: Arc<Mutex<Vec<(Instant, String)>>>,
    stderr: Arc<Mutex<String>>,
    exited: Receiver<Exited>,
    readers: Vec<JoinHandle<()>>,
}

/// How a run ended, with what it printed and what it cost.
pub struct Finished {
    pub status: ExitStatus,
    pub spawned: Instant,
    /// `spawned` on the workers' trace clock.
    pub spawned_ms: u64,
    pub exited: Instant,
    pub own_cpu: Duration,
    pub children_cpu: Duration,
    pub peak_rss_kib: u64,
    /// Every stdout line, with when it was read.
    pub lines: Vec<(Instant, String)>,
    pub stderr: String,
}

impl Finished {
    pub fn wall(&self) -> Duration {
        self.exited - self.spawned
    }

    /// The last lines of output, for a failure message.
    pub fn tail(&self) -> String {
        let skip = self.lines.len().saturating_sub(15);
        let out: Vec<&str> = self.lines[skip..].iter().map(|(_, l)| l.as_str()).collect();
        format!(
            "exit {:?}\nstdout (tail):\n{}\nstderr:\n{}",
            self.status.code(),
            out.join("\n"),
            self.stderr
        )
    }
}

impl Running {
    pub fn start(mut cmd: Command) -> Running {
        let spawned_ms = epoch_ms();
        let spawned = Instant::now();
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the product binary starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let err = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            {
                let lines = lines.clone();
                std::thread::spawn(move || answer_everything(stdout, stdin, &lines))
            },
            {
                let err = err.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                        err.lock().unwrap().push_str(&format!("{line}\n"));
                    }
                })
            },
        ];
        let (tx, exited) = mpsc::channel();
        let pid = child.id();
        std::thread::spawn(move || {
            let _ = tx.send(watch_exit(pid));
        });
        Running {
            child,
            spawned,
            spawned_ms,
            lines,
            stderr: err,
            exited,
            readers,
        }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid; it is not reaped before
        // `wait` returns, so the pid cannot have been reused.
        let rc = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(rc, 0, "signal {sig} to {}", self.child.id());
    }

    /// Waits for the exit, sampling peak memory and calling `each` every
    /// tick (it may signal the process). After `limit` the process is
    /// stopped and the bench fails: a hung run must not hang the bench.
    pub fn wait(mut self, limit: Duration, mut each: impl FnMut(&Running)) -> Finished {
        let mut peak = 0;
        let exited = loop {
            peak = peak.max(vm_hwm_kib(self.child.id()).unwrap_or(0));
            match self.exited.recv_timeout(TICK) {
                Ok(exited) => break exited,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => panic!("the exit watcher died"),
            }
            if self.spawned.elapsed() > limit {
                self.stop_for_good();
                panic!(
                    "the run took longer than {limit:?}; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            each(&self);
        };
        let status = self.child.wait().expect("reap the child");
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Finished {
            status,
            spawned: self.spawned,
            spawned_ms: self.spawned_ms,
            exited: exited.at,
            own_cpu: exited.own_cpu,
            children_cpu: exited.children_cpu,
            peak_rss_kib: peak,
            lines: std::mem::take(&mut *self.lines.lock().unwrap()),
            stderr: std::mem::take(&mut *self.stderr.lock().unwrap()),
        }
    }

    /// SIGTERM, a moment for the workers to be stopped, then SIGKILL.
    fn stop_for_good(&mut self) {
        self.signal(libc::SIGTERM);
        std::thread::sleep(Duration::from_secs(5));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plays the human: every merge question is answered `merge #PR` the moment
/// it is read, a plan review `approve`, a budget question `stop`.
fn answer_everything(
    stdout: ChildStdout,
    mut stdin: ChildStdin,
    lines: &Mutex<Vec<(Instant, String)>>,
) {
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let at = Instant::now();
        let reply = match line.trim() {
            "MILESTONE PLAN REVIEW" => Some("approve".to_string()),
            "BUDGET REACHED" => Some("stop".to_string()),
            _ => merge_question(&line).map(|(pr, _)| format!("merge #{pr}")),
        };
        if let Some(reply) = reply {
            // The binary may be gone already; a lost answer then does not matter.
            let _ = writeln!(stdin, "{reply}").and_then(|()| stdin.flush());
        }
        lines.lock().unwrap().push((at, line));
    }
}

/// `(pr, issue)` of a line "PR #<pr> for issue #<issue> ready for review."
pub fn merge_question(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("PR #")?;
    let (pr, rest) = rest.split_once(" for issue #")?;
    let (issue, _) = rest.split_once(" ready for review.")?;
    Some((pr.parse().ok()?, issue.parse().ok()?))
}

/// Blocks until `pid` exits, without reaping it, and reads its CPU times
/// from the zombie's `/proc/<pid>/stat`.
fn watch_exit(pid: u32) -> Exited {
    loop {
        // SAFETY: a zeroed siginfo_t is valid for waitid to fill in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOWAIT;
        // SAFETY: waits on our own child; WNOWAIT leaves it to be reaped by `wait`.
        let rc = unsafe { libc::waitid(libc::P_PID, pid, &mut info, flags) };
        if rc == 0 {
            break;
        }
        let err = std::io::Error::last_os_error();
        assert_eq!(err.kind(), std::io::ErrorKind::Interrupted, "waitid: {err}");
    }
    let at = Instant::now();
    let (own_cpu, children_cpu) = cpu_times(pid).unwrap_or_default();
    Exited {
        at,
        own_cpu,
        children_cpu,
    }
}

/// utime+stime and cutime+cstime of `pid`.
fn cpu_times(pid: u32) -> Option<(Duration, Duration)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces and ends with ')'.
    let fields: Vec<u64> = stat
        .rsplit_once(')')?
        .1
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let ticks = |a: usize, b: usize| -> Option<Duration> {
        Some(Duration::from_secs_f64(
            (fields.get(a)? + fields.get(b)?) as f64 / hz,
        ))
    };
    // utime, stime, cutime, cstime are fields 14-17 of stat(5); the first
    // kept here is field 4 (the state, field 3, is skipped).
    Some((ticks(10, 11)?, ticks(12, 13)?))
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
