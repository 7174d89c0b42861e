//! A worker's family: every process it started, wherever it went. The
//! worker leads its own process group, but an agent does not keep its tools
//! there: Claude Code runs each Bash command in a new session (`setsid`),
//! and a command may start daemons that outlive it and are re-parented to
//! init. What they all keep is the environment they inherited, so every
//! worker gets a mark (`AUTO_MILESTONE_WORKER=<random>`) in it, and the
//! family is the worker's process group plus every process, started since
//! the worker, whose environment carries the mark. Its CPU time is what the
//! stall watchdog counts; stopping a worker stops all of it.

use std::time::{Duration, Instant};

use super::group::{self, ProcStat};
use super::stop::{StopLevel, StopSignal};

/// The variable carrying a worker's mark.
pub const MARK_VAR: &str = "AUTO_MILESTONE_WORKER";

/// A new mark: `AUTO_MILESTONE_WORKER=<32 hex digits>`.
pub fn new_mark() -> String {
    let bits: u128 = rand::random();
    format!("{MARK_VAR}={bits:032x}")
}

/// One worker's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// The worker's process group (the leader's pid).
    pub pgid: i32,
    /// The environment entry every process of the worker inherits.
    pub mark: String,
    /// The leader's start time: nothing that started before is family.
    pub since: u64,
}

impl Family {
    /// Running members, with their stats. A `pgid` of 1 or less stands for
    /// no group: only the mark finds members then.
    pub fn members(&self) -> Vec<(i32, ProcStat)> {
        let in_group = |stat: &ProcStat| self.pgid > 1 && stat.pgrp == self.pgid;
        let marked = |pid: i32| !self.mark.is_empty() && group::has_env(pid, &self.mark);
        group::all_processes()
            .filter(|(_, stat)| stat.is_running() && stat.start_ticks >= self.since)
            .filter(|(pid, stat)| in_group(stat) || marked(*pid))
            .collect()
    }

    pub fn alive(&self) -> bool {
        !self.members().is_empty()
    }

    /// CPU time of every member, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        self.members().iter().map(|(_, stat)| stat.cpu_ticks).sum()
    }

    /// Sends `signal` to the group and to every member outside it.
    pub fn signal(&self, signal: i32) {
        group::signal_group(self.pgid, signal);
        for (pid, stat) in self.members() {
            if stat.pgrp != self.pgid {
                group::signal_pid(pid, signal);
            }
        }
    }

    /// SIGTERM, then SIGCONT so members stopped by job control wake up to
    /// handle it.
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
        self.signal(libc::SIGCONT);
    }

    /// Polls until no member runs or `limit` passes; returns whether the
    /// family is gone. Returns early (false) when `stop` reaches `Immediate`.
    pub async fn wait_gone(&self, limit: Duration, stop: Option<&StopSignal>) -> bool {
        let deadline = Instant::now() + limit;
        let tick = group::poll_interval(limit);
        loop {
            if !self.alive() {
                return true;
            }
            if Instant::now() >= deadline || stop.is_some_and(|s| s.level() == StopLevel::Immediate)
            {
                return false;
            }
            tokio::time::sleep(tick).await;
        }
    }

    /// SIGTERM → up to `grace` → SIGKILL for whatever of the family runs.
    /// Returns whether anything was running.
    pub async fn sweep(&self, grace: Duration, stop: Option<&StopSignal>) -> bool {
        if !self.alive() {
            return false;
        }
        let immediate = stop.is_some_and(|s| s.level() == StopLevel::Immediate);
        if !immediate {
            self.terminate();
        }
        if immediate || !self.wait_gone(grace, stop).await {
            self.signal(libc::SIGKILL);
            // SIGKILL cannot be ignored; the wait only covers exit bookkeeping
            // and processes stuck in uninterruptible sleep.
            if !self.wait_gone(Duration::from_secs(5), None).await {
                tracing::warn!(pgid = self.pgid, "worker processes still run after SIGKILL");
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use super::*;

    fn family_of(child: &std::process::Child, mark: &str) -> Family {
        let pid = child.id() as i32;
        Family {
            pgid: pid,
            mark: mark.to_string(),
            since: group::read_stat(pid).unwrap().start_ticks,
        }
    }

    #[test]
    fn marks_are_unique_entries() {
        let (a, b) = (new_mark(), new_mark());
        assert_ne!(a, b);
        assert!(a.starts_with("AUTO_MILESTONE_WORKER=") && a.len() == MARK_VAR.len() + 33);
    }

    #[tokio::test]
    async fn a_member_in_its_own_session_is_found_counted_and_stopped() {
        let mark = new_mark();
        let (name, value) = mark.split_once('=').unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("escaped");
        // The leader starts a busy child in a new session, as an agent's
        // Bash tool does, and waits.
        let script = format!(
            "setsid sh -c 'echo $$ > {}; while :; do :; done' & wait",
            pid_file.display()
        );
        let mut leader = Command::new("sh")
            .args(["-c", &script])
            .env(name, value)
            .process_group(0)
            .spawn()
            .unwrap();
        let family = family_of(&leader, &mark);
        while std::fs::read_to_string(&pid_file).map_or(true, |t| t.trim().is_empty()) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let escaped: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let escaped_stat = group::read_stat(escaped).unwrap();
        assert_ne!(escaped_stat.pgrp, family.pgid, "it left the group");
        assert!(family.members().iter().any(|(pid, _)| *pid == escaped));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(family.cpu_ticks() > 0, "its CPU time counts");
        let unmarked = Family {
            mark: new_mark(),
            ..family.clone()
        };
        assert!(!unmarked.members().iter().any(|(pid, _)| *pid == escaped));

        assert!(family.sweep(Duration::from_millis(500), None).await);
        let _ = leader.wait();
        assert!(!group::read_stat(escaped).is_some_and(|s| s.is_running()));
        assert!(!family.alive());
        assert!(!family.sweep(Duration::from_millis(100), None).await);
    }
}
