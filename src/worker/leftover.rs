//! Recognising a worker process after the orchestrator restarts: a pid alone
//! may have been reused by an unrelated process, so a worker is identified by
//! its pid and its start time together, and only then stopped.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::group;

/// A process as recorded at spawn: pid plus start time in clock ticks after
/// boot (`/proc/<pid>/stat` field 22). Workers lead their own process group,
/// so the pid is also the group id. Stored in the checkpoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessIdentity {
    pub pid: u32,
    pub start_ticks: u64,
}

/// What `kill_group_if_same` found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Leftover {
    /// No running process has this pid and start time: nothing to do.
    Gone,
    /// The process was still running; its group has been stopped.
    Stopped,
}

impl ProcessIdentity {
    /// Reads the start time of a live process; `None` if there is none (or no `/proc`).
    pub fn of(pid: u32) -> Option<ProcessIdentity> {
        let stat = group::read_stat(i32::try_from(pid).ok()?)?;
        Some(ProcessIdentity {
            pid,
            start_ticks: stat.start_ticks,
        })
    }

    pub(crate) fn pgid(&self) -> i32 {
        i32::try_from(self.pid).unwrap_or(0)
    }

    /// Whether this very process is still running (zombies do not count).
    pub fn is_alive(&self) -> bool {
        group::read_stat(self.pgid())
            .is_some_and(|stat| stat.is_running() && stat.start_ticks == self.start_ticks)
    }
}

/// Stops the process group of a worker left over from an earlier
/// orchestrator: SIGTERM, up to `grace`, SIGKILL; only if the leader is still
/// the same process (pid and start time both match).
///
/// A leader that already died (a SIGKILLed orchestrator takes it along
/// through PDEATHSIG) may leave grandchildren in its group; those are not
/// touched here, because once the leader is gone nothing proves the group
/// id was not reused.
pub async fn kill_group_if_same(identity: ProcessIdentity, grace: Duration) -> Leftover {
    if !identity.is_alive() {
        return Leftover::Gone;
    }
    tracing::warn!(
        pid = identity.pid,
        "stopping a worker left over from an earlier run"
    );
    group::sweep_group(identity.pgid(), grace, None).await;
    Leftover::Stopped
}
