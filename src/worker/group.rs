//! Processes as `/proc` shows them, and signals: the fields of
//! `/proc/<pid>/stat` we use, a process's environment, the clock tick rate,
//! and signalling one process or a whole group without ever hitting pid 0,
//! 1 or -1.

use std::time::Duration;

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

/// Every process now in `/proc`, with its stat.
pub(crate) fn all_processes() -> impl Iterator<Item = (i32, ProcStat)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, read_stat(pid)?)))
}

/// Whether process `pid`'s environment holds the entry `entry` (`NAME=value`).
pub(crate) fn has_env(pid: i32, entry: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.split(|&b| b == 0).any(|e| e == entry.as_bytes()))
}

/// The kernel's clock tick rate for `/proc` times (`sysconf(_SC_CLK_TCK)`).
pub(crate) fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let rate = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(rate).ok().filter(|&r| r > 0).unwrap_or(100)
}

/// Sends `signal` to every process in group `pgid` (`target` < 0) or to one
/// process (`target` > 0); one already gone is not an error.
fn kill(target: i32, signal: i32) {
    // SAFETY: kill has no memory-safety preconditions.
    let rc = unsafe { libc::kill(target, signal) };
    if rc == -1 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            tracing::warn!(target, signal, error = %err, "could not signal a worker process");
        }
    }
}

/// Sends `signal` to every process in group `pgid`.
pub(crate) fn signal_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        kill(-pgid, signal); // kill(-1) and kill(0) would hit far more than one worker
    }
}

/// Sends `signal` to process `pid`.
pub(crate) fn signal_pid(pid: i32, signal: i32) {
    if pid > 1 {
        kill(pid, signal);
    }
}

/// How often to look again while waiting for processes we cannot await.
pub(crate) fn poll_interval(within: Duration) -> Duration {
    (within / 20).clamp(Duration::from_millis(2), Duration::from_millis(200))
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
    fn own_process_reads_as_running_with_its_environment() {
        let me = std::process::id() as i32;
        let stat = read_stat(me).expect("/proc/self/stat");
        assert!(stat.is_running());
        assert!(stat.start_ticks > 0);
        let zombie = ProcStat { state: 'Z', ..stat };
        assert!(!zombie.is_running());
        let path = format!("PATH={}", std::env::var("PATH").unwrap());
        assert!(has_env(me, &path));
        assert!(!has_env(me, "PATH=/nowhere-at-all"));
        assert!(clock_ticks_per_second() >= 1);
    }

    #[test]
    fn refuses_to_signal_special_processes() {
        signal_group(0, 0); // must be a no-op, not kill(0, ..)
        signal_group(1, 0);
        signal_pid(1, 0);
        signal_pid(-1, 0);
    }
}
