//! The stop request a worker's wait listens for: a cheap clonable handle that
//! escalates from "stop gracefully" (first Ctrl-C, SIGTERM) to "kill now"
//! (second Ctrl-C), never back.

use std::sync::Arc;

use tokio::sync::watch;

/// How hard a stop has been asked for. Ordered: each level includes the ones before.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StopLevel {
    Running,
    /// SIGTERM the worker's group, wait the grace period, then SIGKILL.
    Graceful,
    /// SIGKILL at once.
    Immediate,
}

/// Shared between whoever decides to stop and every wait that must obey.
/// All clones see the same level.
#[derive(Clone, Debug)]
pub struct StopSignal {
    level: Arc<watch::Sender<StopLevel>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        Self::new()
    }
}

impl StopSignal {
    pub fn new() -> Self {
        StopSignal {
            level: Arc::new(watch::Sender::new(StopLevel::Running)),
        }
    }

    /// Ask for a graceful stop.
    pub fn stop(&self) {
        self.raise(StopLevel::Graceful);
    }

    /// Ask for an immediate kill.
    pub fn stop_now(&self) {
        self.raise(StopLevel::Immediate);
    }

    pub fn level(&self) -> StopLevel {
        *self.level.borrow()
    }

    /// Resolves once the level is at least `at_least`.
    pub async fn reached(&self, at_least: StopLevel) {
        let mut rx = self.level.subscribe();
        // The sender lives inside `self`, so the channel cannot close under us.
        let _ = rx.wait_for(|level| *level >= at_least).await;
    }

    fn raise(&self, to: StopLevel) {
        self.level.send_if_modified(|level| {
            let raised = to > *level;
            if raised {
                *level = to;
            }
            raised
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clones_share_the_level_and_it_only_rises() {
        let stop = StopSignal::new();
        let watcher = stop.clone();
        let waiting = tokio::spawn(async move { watcher.reached(StopLevel::Graceful).await });
        assert_eq!(stop.level(), StopLevel::Running);
        stop.stop_now();
        stop.stop();
        waiting.await.unwrap();
        assert_eq!(stop.level(), StopLevel::Immediate);
    }

    #[tokio::test]
    async fn graceful_does_not_satisfy_immediate() {
        let stop = StopSignal::new();
        stop.stop();
        let pending = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            stop.reached(StopLevel::Immediate),
        )
        .await;
        assert!(
            pending.is_err(),
            "a graceful stop must not read as kill-now"
        );
        stop.reached(StopLevel::Graceful).await;
    }
}
