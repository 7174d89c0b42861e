//! The process-wide list of live workers, so a second Ctrl-C or a panic hook
//! can kill every worker without asking the actors that own them. (Issue 9
//! moves this into the supervision tree; a signal handler still needs it.)

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::family::Family;
use super::leftover::ProcessIdentity;

/// Live workers by group id (the leader's pid): the leader and its family.
/// An entry is added at spawn and removed once the worker has been waited for.
#[derive(Debug, Default)]
pub struct Registry {
    workers: Mutex<BTreeMap<i32, (ProcessIdentity, Family)>>,
}

static GLOBAL: Registry = Registry::new();

impl Registry {
    pub const fn new() -> Self {
        Registry {
            workers: Mutex::new(BTreeMap::new()),
        }
    }

    /// The registry `worker::spawn` uses.
    pub fn global() -> &'static Registry {
        &GLOBAL
    }

    // A panic elsewhere must not stop us from killing workers, so a poisoned
    // lock is used as is: the map is valid after any single insert or remove.
    fn lock(&self) -> MutexGuard<'_, BTreeMap<i32, (ProcessIdentity, Family)>> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, identity: ProcessIdentity, family: Family) {
        self.lock().insert(identity.pgid(), (identity, family));
    }

    pub(crate) fn remove(&self, identity: &ProcessIdentity) {
        self.lock().remove(&identity.pgid());
    }

    /// The workers currently registered (leaders, by identity).
    pub fn live(&self) -> Vec<ProcessIdentity> {
        self.lock().values().map(|(id, _)| *id).collect()
    }

    fn families(&self) -> Vec<Family> {
        self.lock().values().map(|(_, f)| f.clone()).collect()
    }

    /// SIGKILL every registered worker's family at once: the second Ctrl-C,
    /// a panic.
    pub fn kill_all_now(&self) {
        let families = self.families();
        for family in &families {
            family.signal(libc::SIGKILL);
        }
        if !families.is_empty() {
            tracing::warn!(workers = families.len(), "killed every worker");
        }
    }

    /// SIGTERM every registered worker's family, wait up to `grace` for all
    /// of them, then SIGKILL whatever is left. The owners' `wait` calls still
    /// collect the exits and unregister.
    pub async fn terminate_all(&self, grace: Duration) {
        let families = self.families();
        for family in &families {
            family.terminate();
        }
        let deadline = tokio::time::Instant::now() + grace;
        for family in &families {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !family.wait_gone(left, None).await {
                family.signal(libc::SIGKILL);
            }
        }
    }
}
