//! The restart intensity tracker (one per supervisor: a wave counts the
//! restarts of all its issue actors together): given a policy, an exit and the
//! time, decide restart, stop or escalate. Time is passed in, never read, so
//! tests can walk the clock by hand.

use std::collections::VecDeque;
use std::time::Instant;

use super::policy::{ExitReason, RestartPolicy, compact_duration};

/// What the supervisor does about one child's exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Start the child again; `attempt` counts the restarts inside the
    /// current intensity window, starting at 1.
    Restart { attempt: u32 },
    /// Leave the child stopped: its kind does not restart after this exit.
    Stop,
    /// Restart intensity exceeded: give up on the child and tell the parent.
    Escalate { reason: String },
}

/// Restart history of one child, kept to the policy's sliding window.
#[derive(Clone, Debug, Default)]
pub struct RestartTracker {
    /// When each restart inside the window was decided, oldest first.
    restarts: VecDeque<Instant>,
}

impl RestartTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decide what to do about an exit at `now`.
    ///
    /// As in OTP, a restart at most `within` old still counts, so
    /// `max_restarts + 1` exits whose first and last lie exactly `within`
    /// apart escalate; exits spaced wider than `within` never do.
    pub fn on_exit(
        &mut self,
        policy: &RestartPolicy,
        reason: &ExitReason,
        now: Instant,
    ) -> Decision {
        if !policy.kind.restarts_after(reason) {
            return Decision::Stop;
        }
        let within = policy.intensity.within;
        // saturating: an Instant from before the last one (a caller bug, or
        // two clocks) counts as "now" rather than panicking.
        self.restarts
            .retain(|&at| now.saturating_duration_since(at) <= within);
        self.restarts.push_back(now);
        let count = u32::try_from(self.restarts.len()).unwrap_or(u32::MAX);
        if count > policy.intensity.max_restarts {
            Decision::Escalate {
                reason: escalation_reason(count, policy, reason),
            }
        } else {
            Decision::Restart { attempt: count }
        }
    }
}

/// E.g. `failed 4 times within 10m: worker log unreadable`.
fn escalation_reason(count: u32, policy: &RestartPolicy, last: &ExitReason) -> String {
    let times = if count == 1 {
        "once".to_string()
    } else {
        format!("{count} times")
    };
    let within = compact_duration(policy.intensity.within);
    match last {
        ExitReason::Failed(why) => format!("failed {times} within {within}: {why}"),
        ExitReason::Normal => format!("exited {times} within {within}, the last time normally"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::supervision::policy::{Intensity, RestartKind, Strategy};

    const MIN: Duration = Duration::from_secs(60);

    fn failed(why: &str) -> ExitReason {
        ExitReason::Failed(why.to_string())
    }

    fn policy(kind: RestartKind, max_restarts: u32) -> RestartPolicy {
        RestartPolicy {
            kind,
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                max_restarts,
                within: 10 * MIN,
            },
            backoff: crate::supervision::Backoff {
                first: Duration::ZERO,
                max: Duration::ZERO,
            },
        }
    }

    /// Feeds failures at the given offsets from one start and collects the decisions.
    fn decisions(policy: &RestartPolicy, offsets: &[Duration]) -> Vec<Decision> {
        let start = Instant::now();
        let mut tracker = RestartTracker::new();
        offsets
            .iter()
            .map(|&at| tracker.on_exit(policy, &failed("boom"), start + at))
            .collect()
    }

    fn restart(attempt: u32) -> Decision {
        Decision::Restart { attempt }
    }

    #[test]
    fn restarts_count_up_then_the_fourth_in_the_window_escalates() {
        let policy = RestartPolicy::issue_actor();
        let got = decisions(&policy, &[Duration::ZERO, MIN, 2 * MIN, 3 * MIN]);
        assert_eq!(got[..3], [restart(1), restart(2), restart(3)]);
        assert_eq!(
            got[3],
            Decision::Escalate {
                reason: "failed 4 times within 10m: boom".into()
            }
        );
    }

    #[test]
    fn escalation_names_the_last_error() {
        let policy = RestartPolicy::issue_actor();
        let start = Instant::now();
        let mut tracker = RestartTracker::new();
        for (i, why) in ["a", "b", "c"].iter().enumerate() {
            tracker.on_exit(&policy, &failed(why), start + MIN * i as u32);
        }
        let last = tracker.on_exit(&policy, &failed("worktree vanished"), start + 4 * MIN);
        assert_eq!(
            last,
            Decision::Escalate {
                reason: "failed 4 times within 10m: worktree vanished".into()
            }
        );
    }

    #[test]
    fn window_slides_old_restarts_out() {
        let policy = RestartPolicy::issue_actor();
        // At 12m the restart at 0 has left the window, so 4m, 8m, 12m remain.
        let got = decisions(
            &policy,
            &[Duration::ZERO, 4 * MIN, 8 * MIN, 12 * MIN, 13 * MIN],
        );
        assert_eq!(got[..4], [restart(1), restart(2), restart(3), restart(3)]);
        assert!(
            matches!(got[4], Decision::Escalate { .. }),
            "got {:?}",
            got[4]
        );
    }

    #[test]
    fn a_restart_exactly_one_window_old_still_counts() {
        let policy = RestartPolicy::issue_actor();
        let secs = Duration::from_secs;
        let at_edge = decisions(&policy, &[secs(0), secs(1), secs(2), 10 * MIN]);
        assert!(
            matches!(at_edge[3], Decision::Escalate { .. }),
            "got {:?}",
            at_edge[3]
        );

        let past_edge = decisions(
            &policy,
            &[
                secs(0),
                secs(1),
                secs(2),
                10 * MIN + Duration::from_nanos(1),
            ],
        );
        assert_eq!(past_edge[3], restart(3));
    }

    #[test]
    fn failures_spaced_wider_than_the_window_never_escalate() {
        let policy = RestartPolicy::issue_actor();
        let offsets: Vec<_> = (0..50)
            .map(|i| (10 * MIN + Duration::from_secs(1)) * i)
            .collect();
        for decision in decisions(&policy, &offsets) {
            assert_eq!(decision, restart(1));
        }
    }

    #[test]
    fn transient_child_stops_after_normal_exit_without_counting_it() {
        let policy = RestartPolicy::issue_actor();
        let now = Instant::now();
        let mut tracker = RestartTracker::new();
        assert_eq!(
            tracker.on_exit(&policy, &ExitReason::Normal, now),
            Decision::Stop
        );
        assert_eq!(
            tracker.on_exit(&policy, &ExitReason::Normal, now),
            Decision::Stop
        );
        assert_eq!(tracker.on_exit(&policy, &failed("x"), now), restart(1));
    }

    #[test]
    fn permanent_child_restarts_after_normal_exit_and_counts_it() {
        let policy = policy(RestartKind::Permanent, 1);
        let now = Instant::now();
        let mut tracker = RestartTracker::new();
        assert_eq!(
            tracker.on_exit(&policy, &ExitReason::Normal, now),
            restart(1)
        );
        assert_eq!(
            tracker.on_exit(&policy, &ExitReason::Normal, now + MIN),
            Decision::Escalate {
                reason: "exited 2 times within 10m, the last time normally".into()
            }
        );
    }

    #[test]
    fn temporary_child_never_restarts() {
        let policy = policy(RestartKind::Temporary, 3);
        let now = Instant::now();
        let mut tracker = RestartTracker::new();
        for _ in 0..10 {
            assert_eq!(tracker.on_exit(&policy, &failed("x"), now), Decision::Stop);
            assert_eq!(
                tracker.on_exit(&policy, &ExitReason::Normal, now),
                Decision::Stop
            );
        }
    }

    #[test]
    fn zero_intensity_escalates_the_first_failure() {
        let policy = policy(RestartKind::Transient, 0);
        let got = decisions(&policy, &[Duration::ZERO]);
        assert_eq!(
            got,
            [Decision::Escalate {
                reason: "failed once within 10m: boom".into()
            }]
        );
    }
}
