//! Recognising a worker process after the orchestrator restarts: a pid alone
//! may have been reused by an unrelated process, so a worker is identified by
//! its pid and its start time together, and only then stopped.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::family::Family;
use super::group;

/// A process as recorded at spawn: pid plus start time in clock ticks after
/// boot (`/proc/<pid>/stat` field 22). Workers lead their own process group,
/// so the pid is also the group id. Stored in the checkpoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessIdentity {
    pub pid: u32,
    pub start_ticks: u64,
}

/// What `stop_leftover` found.
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

/// Stops what is left of a worker from an earlier orchestrator: its whole
/// family (SIGTERM, up to `grace`, SIGKILL), found by its group and by its
/// `mark` (the environment entry every process of the worker inherited; see
/// `family`), among processes started since the recorded leader.
///
/// - The leader still runs (pid and start time both match), or is gone (a
///   SIGKILLed orchestrator takes it along through PDEATHSIG) while its
///   tools, in sessions of their own or re-parented to init, still run:
///   everything found is stopped.
/// - A process now holding the leader's pid with another start time means
///   the number was reused: only marked processes are touched, never that
///   group.
pub async fn stop_leftover(identity: ProcessIdentity, grace: Duration, mark: &str) -> Leftover {
    let reused = group::read_stat(identity.pgid())
        .is_some_and(|s| s.is_running() && s.start_ticks != identity.start_ticks);
    let family = Family {
        // A pgid of 0 matches no group: only the mark finds members.
        pgid: if reused { 0 } else { identity.pgid() },
        mark: mark.to_string(),
        since: identity.start_ticks,
    };
    let found = family.members().len();
    if found == 0 {
        return Leftover::Gone;
    }
    tracing::warn!(
        pid = identity.pid,
        processes = found,
        "stopping what a worker of an earlier run left running"
    );
    family.sweep(grace, None).await;
    Leftover::Stopped
}
