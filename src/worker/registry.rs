//! The process-wide list of live worker process groups, so a second Ctrl-C or
//! a panic hook can kill every worker without asking the actors that own them.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::group;
use super::leftover::ProcessIdentity;

/// Worker process groups by group id (the leader's pid). An entry is added at
/// spawn and removed once no member of the group is left.
#[derive(Debug, Default)]
pub struct Registry {
    groups: Mutex<BTreeMap<i32, ProcessIdentity>>,
}

static GLOBAL: Registry = Registry::new();

impl Registry {
    pub const fn new() -> Self {
        Registry {
            groups: Mutex::new(BTreeMap::new()),
        }
    }

    /// The registry `worker::spawn` uses.
    pub fn global() -> &'static Registry {
        &GLOBAL
    }

    // A panic elsewhere must not stop us from killing workers, so a poisoned
    // lock is used as is: the map is valid after any single insert or remove.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<i32, ProcessIdentity>> {
        self.groups.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, identity: ProcessIdentity) {
        self.lock().insert(identity.pgid(), identity);
    }

    pub(crate) fn remove(&self, identity: &ProcessIdentity) {
        self.lock().remove(&identity.pgid());
    }

    /// The groups currently registered (leaders, by identity).
    pub fn live(&self) -> Vec<ProcessIdentity> {
        self.lock().values().copied().collect()
    }

    /// SIGKILL every registered group at once: the second Ctrl-C, a panic.
    /// Synchronous and allocation-light so it can run from a panic hook.
    pub fn kill_all_now(&self) {
        let groups = self.lock();
        for pgid in groups.keys() {
            group::signal_group(*pgid, libc::SIGKILL);
        }
        if !groups.is_empty() {
            tracing::warn!(groups = groups.len(), "killed every worker process group");
        }
    }

    /// SIGTERM every registered group, wait up to `grace` for all of them,
    /// then SIGKILL whatever is left. The owners' `wait` calls still collect
    /// the exits and unregister.
    pub async fn terminate_all(&self, grace: Duration) {
        let pgids: Vec<i32> = self.lock().keys().copied().collect();
        for pgid in &pgids {
            group::terminate_group(*pgid);
        }
        let deadline = tokio::time::Instant::now() + grace;
        for pgid in &pgids {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !group::wait_group_gone(*pgid, left, None).await {
                group::signal_group(*pgid, libc::SIGKILL);
            }
        }
    }
}
