//! The restart policy as plain data, named the way OTP names it, so the actor
//! shells, the docs and the logs all say the same thing.

use std::fmt;
use std::time::Duration;

/// When a child is restarted after it exits (OTP's restart type).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RestartKind {
    /// Always restarted, whatever the exit.
    Permanent,
    /// Restarted only after an abnormal exit.
    Transient,
    /// Never restarted.
    Temporary,
}

impl RestartKind {
    /// Whether a child of this kind is restarted after exiting with `reason`.
    pub fn restarts_after(self, reason: &ExitReason) -> bool {
        match self {
            RestartKind::Permanent => true,
            RestartKind::Transient => reason.is_failure(),
            RestartKind::Temporary => false,
        }
    }
}

impl fmt::Display for RestartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RestartKind::Permanent => "permanent",
            RestartKind::Transient => "transient",
            RestartKind::Temporary => "temporary",
        })
    }
}

/// Which children a failure restarts. Only `one_for_one` is used; it is kept
/// as data so the docs and logs can print the whole policy.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Restart only the child that exited.
    OneForOne,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::OneForOne => "one_for_one",
        })
    }
}

/// Restart intensity: at most `max_restarts` restarts within any window of
/// length `within`; one more escalates to the parent.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Intensity {
    pub max_restarts: u32,
    pub within: Duration,
}

/// How long to wait before a restart: `first`, doubling with each restart
/// inside the intensity window, at most `max` — a child failing on a fault
/// outside (GitHub down, a disk full) is not hammered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

/// Kind, strategy, intensity and backoff together: everything a supervisor
/// needs to decide what to do when a child exits.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct RestartPolicy {
    pub kind: RestartKind,
    pub strategy: Strategy,
    pub intensity: Intensity,
    pub backoff: Backoff,
}

impl RestartPolicy {
    /// The policy for an issue actor: restarted only when the actor itself
    /// fails (a worker that reports failure is a result, not a crash), at
    /// most 3 times in 10 minutes counted over its wave, after 0.2 s, 0.4 s,
    /// 0.8 s; then the milestone supervisor decides.
    pub fn issue_actor() -> Self {
        RestartPolicy {
            kind: RestartKind::Transient,
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                max_restarts: 3,
                within: Duration::from_secs(600),
            },
            backoff: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_secs(10),
            },
        }
    }

    /// The approval actor: never restarted. A second engine would read the
    /// terminal beside the first, or poll Telegram again from an offset the
    /// first may have moved; a resume does the same cleanly, with every
    /// question and the offset in the checkpoint. So its failure stops the
    /// run (resumable), rather than go on with nobody to ask.
    pub fn approvals() -> Self {
        RestartPolicy {
            kind: RestartKind::Temporary,
            ..RestartPolicy::checkpoint()
        }
    }

    /// The checkpoint actor: never restarted. A checkpoint that failed a
    /// write cannot be trusted to describe what happened, so the run stops
    /// (resumable: every state change before the failure is committed).
    pub fn checkpoint() -> Self {
        RestartPolicy {
            kind: RestartKind::Temporary,
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                max_restarts: 0,
                within: Duration::from_secs(1),
            },
            backoff: Backoff {
                first: Duration::ZERO,
                max: Duration::ZERO,
            },
        }
    }

    /// How long to wait before restart number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self
            .backoff
            .first
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        doubled.min(self.backoff.max)
    }
}

impl fmt::Display for RestartPolicy {
    /// OTP terms, e.g. `transient, one_for_one, intensity 3 in 600s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Intensity {
            max_restarts,
            within,
        } = self.intensity;
        write!(
            f,
            "{}, {}, intensity {max_restarts} in ",
            self.kind, self.strategy
        )?;
        // OTP gives the period in seconds; keep that unless it is fractional
        // (tests use milliseconds), where seconds would round to a lie.
        if within.subsec_nanos() == 0 {
            write!(f, "{}s", within.as_secs())
        } else {
            write!(f, "{}ms", within.as_millis())
        }
    }
}

/// How a child ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// It finished its work.
    Normal,
    /// It crashed or returned an error; the text says why.
    Failed(String),
}

impl ExitReason {
    pub fn is_failure(&self) -> bool {
        matches!(self, ExitReason::Failed(_))
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("exited normally"),
            ExitReason::Failed(why) => f.write_str(why),
        }
    }
}

/// A duration as a person would say it: `10m`, `1h`, `90s`, `250ms`.
pub(crate) fn compact_duration(d: Duration) -> String {
    if d.subsec_nanos() != 0 {
        return format!("{}ms", d.as_millis());
    }
    match d.as_secs() {
        0 => "0s".to_string(),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_back_off_doubling_up_to_the_cap() {
        let p = RestartPolicy::issue_actor();
        let ms = |n| p.backoff(n).as_millis();
        assert_eq!((ms(1), ms(2), ms(3)), (200, 400, 800));
        assert_eq!(p.backoff(30), p.backoff.max);
        assert_eq!(RestartPolicy::checkpoint().kind, RestartKind::Temporary);
        assert_eq!(RestartPolicy::approvals().kind, RestartKind::Temporary);
    }

    #[test]
    fn issue_actor_policy_prints_in_otp_terms() {
        let policy = RestartPolicy::issue_actor();
        assert_eq!(
            policy.to_string(),
            "transient, one_for_one, intensity 3 in 600s"
        );
    }

    #[test]
    fn sub_second_windows_print_in_milliseconds() {
        let policy = RestartPolicy {
            backoff: RestartPolicy::issue_actor().backoff,
            kind: RestartKind::Permanent,
            strategy: Strategy::OneForOne,
            intensity: Intensity {
                max_restarts: 1,
                within: Duration::from_millis(1500),
            },
        };
        assert_eq!(
            policy.to_string(),
            "permanent, one_for_one, intensity 1 in 1500ms"
        );
    }

    #[test]
    fn kinds_decide_restart_by_exit_reason() {
        let failed = ExitReason::Failed("boom".into());
        let normal = ExitReason::Normal;
        assert!(RestartKind::Permanent.restarts_after(&normal));
        assert!(RestartKind::Permanent.restarts_after(&failed));
        assert!(!RestartKind::Transient.restarts_after(&normal));
        assert!(RestartKind::Transient.restarts_after(&failed));
        assert!(!RestartKind::Temporary.restarts_after(&normal));
        assert!(!RestartKind::Temporary.restarts_after(&failed));
    }

    #[test]
    fn durations_read_compactly() {
        assert_eq!(compact_duration(Duration::from_secs(600)), "10m");
        assert_eq!(compact_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(compact_duration(Duration::from_secs(90)), "90s");
        assert_eq!(compact_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(compact_duration(Duration::ZERO), "0s");
    }
}
