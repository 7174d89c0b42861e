//! Process groups: signalling a whole group, telling whether any member is
//! still running, and the SIGTERM → grace → SIGKILL sequence. Reads `/proc`,
//! so liveness is Linux-only; elsewhere `kill(-pgid, 0)` alone decides.

use std::path::Path;
use std::time::{Duration, Instant};

use super::stop::{StopLevel, StopSignal};

/// The fields of `/proc/<pid>/stat` we use.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProcStat {
    pub state: char,
    pub pgrp: i32,
    /// Field 22: clock ticks after boot when the process started.
    pub start_ticks: u64,
    /// Fields 14-17: utime + stime + cutime + cstime, in clock ticks. The
    /// children's part holds the time of members that exited and were reaped.
    pub cpu_ticks: u64,
}

impl ProcStat {
    /// A zombie has exited and only waits to be reaped; a dead one is going.
    pub fn is_running(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and
/// parentheses, so the fixed fields are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Option<ProcStat> {
    let after = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // `fields[0]` is field 3 (state), so field N is `fields[N - 3]`.
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let cpu = |n: usize| field(n).unwrap_or(0);
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_ticks: field(22)?,
        cpu_ticks: cpu(14) + cpu(15) + cpu(16) + cpu(17),
    })
}

pub(crate) fn read_stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every process now in `/proc`, by its stat.
fn all_processes() -> impl Iterator<Item = ProcStat> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_stat)
}

/// The CPU time used by every process of group `pgid`, in clock ticks.
pub(crate) fn group_cpu_ticks(pgid: i32) -> u64 {
    if pgid <= 1 {
        return 0;
    }
    all_processes()
        .filter(|stat| stat.pgrp == pgid)
        .map(|stat| stat.cpu_ticks)
        .sum()
}

/// The kernel's clock tick rate for `/proc` times (`sysconf(_SC_CLK_TCK)`).
pub(crate) fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let rate = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(rate).ok().filter(|&r| r > 0).unwrap_or(100)
}

/// Sends `signal` to every process in group `pgid`; a group that is already
/// gone is not an error.
pub(crate) fn signal_group(pgid: i32, signal: i32) {
    if pgid <= 1 {
        return; // kill(-1) and kill(0) would hit far more than one worker
    }
    // SAFETY: kill has no memory-safety preconditions.
    let rc = unsafe { libc::kill(-pgid, signal) };
    if rc == -1 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            tracing::warn!(pgid, signal, error = %err, "could not signal worker process group");
        }
    }
}

/// SIGTERM, then SIGCONT so members stopped by job control (a background
/// read from the terminal, say) wake up to handle it.
pub(crate) fn terminate_group(pgid: i32) {
    signal_group(pgid, libc::SIGTERM);
    signal_group(pgid, libc::SIGCONT);
}

/// Whether any member of group `pgid` is still running. Zombies do not count:
/// orphans are reaped by PID 1, and in a container that may never happen.
pub(crate) fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if pgid <= 1 || unsafe { libc::kill(-pgid, 0) } == -1 {
        return false;
    }
    if !cfg!(target_os = "linux") {
        return true;
    }
    if !Path::new("/proc/self/stat").exists() {
        return true;
    }
    all_processes().any(|stat| stat.pgrp == pgid && stat.is_running())
}

/// How often to look again while waiting for processes we cannot await.
pub(crate) fn poll_interval(within: Duration) -> Duration {
    (within / 20).clamp(Duration::from_millis(2), Duration::from_millis(200))
}

/// Polls until the group has no running member or `limit` passes; returns
/// whether it is gone. Returns early (false) when `stop` reaches `Immediate`.
pub(crate) async fn wait_group_gone(pgid: i32, limit: Duration, stop: Option<&StopSignal>) -> bool {
    let deadline = Instant::now() + limit;
    let tick = poll_interval(limit);
    loop {
        if !group_alive(pgid) {
            return true;
        }
        if Instant::now() >= deadline || stop.is_some_and(|s| s.level() == StopLevel::Immediate) {
            return false;
        }
        tokio::time::sleep(tick).await;
    }
}

/// SIGTERM → up to `grace` → SIGKILL for a group we cannot `wait` on (its
/// leader is gone or is not our child). Returns whether anything was running.
pub(crate) async fn sweep_group(pgid: i32, grace: Duration, stop: Option<&StopSignal>) -> bool {
    if !group_alive(pgid) {
        return false;
    }
    let immediate = stop.is_some_and(|s| s.level() == StopLevel::Immediate);
    if !immediate {
        terminate_group(pgid);
    }
    if immediate || !wait_group_gone(pgid, grace, stop).await {
        signal_group(pgid, libc::SIGKILL);
        // SIGKILL cannot be ignored; the wait only covers exit bookkeeping
        // and processes stuck in uninterruptible sleep.
        if !wait_group_gone(pgid, Duration::from_secs(5), None).await {
            tracing::warn!(pgid, "worker process group still has members after SIGKILL");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "4242 (we ird) (name) S 1 4240 4240 0 -1 4194560 96 0 0 0 11 22 3 4 20 0 1 0 987654 1000 10";
        assert_eq!(
            parse_stat(line),
            Some(ProcStat {
                state: 'S',
                pgrp: 4240,
                start_ticks: 987654,
                cpu_ticks: 40,
            })
        );
        assert!(parse_stat("4242 (x) Z 1").is_none());
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn own_process_reads_as_running() {
        let stat = read_stat(std::process::id() as i32).expect("/proc/self/stat");
        assert!(stat.is_running());
        assert!(stat.start_ticks > 0);
        assert!(
            !ProcStat {
                state: 'Z',
                pgrp: 1,
                start_ticks: 1,
                cpu_ticks: 0,
            }
            .is_running()
        );
    }

    #[test]
    fn a_busy_group_accumulates_cpu_ticks() {
        use std::os::unix::process::CommandExt;
        let mut child = std::process::Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = child.id() as i32;
        let mut most = 0;
        while child.try_wait().unwrap().is_none() {
            most = most.max(group_cpu_ticks(pgid));
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(most > 0, "a busy loop shows CPU time in its group");
        assert_eq!(group_cpu_ticks(pgid), 0, "an empty group has none");
        assert!(clock_ticks_per_second() >= 1);
    }

    #[test]
    fn refuses_to_signal_special_groups() {
        assert!(!group_alive(0));
        assert!(!group_alive(1));
        signal_group(0, 0); // must be a no-op, not kill(0, ..)
    }
}
