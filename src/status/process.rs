//! Whether the run `status` shows is still going: the run's status in the
//! checkpoint weighed against whether a process holds the writer lock, so a
//! run whose process was killed reads as crashed, not as running.

use chrono::TimeZone;
use serde_json::{Value, json};

use crate::checkpoint::liveness::Writer;
use crate::checkpoint::{RunStatus, Timestamp};

/// What became of the process that drove a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Process {
    /// A writer holds the checkpoint; `pid` when the lock file names it.
    Running { pid: Option<u32> },
    /// Stopped on purpose and recorded as interrupted; resumable.
    Stopped,
    /// The checkpoint says running but no process holds it: killed or crashed.
    Crashed,
    /// The run ended with a final status.
    Finished,
}

impl Process {
    /// The judgement, from the run's status and the lock alone. An
    /// interrupted run stays stopped even while a writer holds the lock: that
    /// writer is shutting down or about to resume it (a resume marks the run
    /// running again first), not driving it now.
    pub fn decide(status: RunStatus, writer: Writer) -> Process {
        match (status, writer) {
            (s, _) if s.is_final() => Process::Finished,
            (RunStatus::Interrupted, _) => Process::Stopped,
            (_, Writer::Running { pid }) => Process::Running { pid },
            (_, Writer::Gone) => Process::Crashed,
        }
    }

    /// The word scripts match on.
    pub fn state(self) -> &'static str {
        match self {
            Process::Running { .. } => "running",
            Process::Stopped => "stopped",
            Process::Crashed => "crashed",
            Process::Finished => "finished",
        }
    }

    /// The line `status` prints, `last_seen` shown in `zone`; `None` for a
    /// finished run, whose header already says how it ended.
    pub fn line<Z: TimeZone>(self, last_seen: Timestamp, zone: &Z) -> Option<String>
    where
        Z::Offset: std::fmt::Display,
    {
        let text = match self {
            Process::Running { pid: Some(pid) } => format!("running (pid {pid})"),
            Process::Running { pid: None } => "running (pid unknown)".to_string(),
            Process::Stopped => "stopped (interrupted)".to_string(),
            Process::Crashed => format!(
                "crashed at {} (no process)",
                last_seen.with_timezone(zone).format("%H:%M")
            ),
            Process::Finished => return None,
        };
        Some(format!("Process: {text}\n"))
    }

    /// `status --json`'s `process` object.
    pub fn json(self, last_seen: Timestamp) -> Value {
        let pid = match self {
            Process::Running { pid } => pid,
            _ => None,
        };
        json!({
            "state": self.state(),
            "pid": pid,
            "last_seen": last_seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, Utc};

    use super::*;
    use crate::status::fixture::at;

    const HELD: Writer = Writer::Running { pid: Some(4242) };
    const FREE: Writer = Writer::Gone;

    #[test]
    fn the_lock_and_the_run_status_decide_together() {
        use Process::*;
        let cases = [
            (RunStatus::Running, HELD, Running { pid: Some(4242) }),
            (
                RunStatus::Running,
                Writer::Running { pid: None },
                Running { pid: None },
            ),
            (RunStatus::Running, FREE, Crashed),
            (RunStatus::Interrupted, FREE, Stopped),
            (RunStatus::Interrupted, HELD, Stopped),
            (RunStatus::Completed, FREE, Finished),
            (RunStatus::Partial, HELD, Finished),
            (RunStatus::Failed, FREE, Finished),
        ];
        for (status, writer, expected) in cases {
            assert_eq!(
                Process::decide(status, writer),
                expected,
                "{status} {writer:?}"
            );
        }
    }

    #[test]
    fn each_state_reads_as_one_line_in_the_given_zone() {
        let seen = at(5 * 60); // 14:05 UTC
        let line = |p: Process| p.line(seen, &Utc);
        assert_eq!(
            line(Process::Running { pid: Some(77) }).as_deref(),
            Some("Process: running (pid 77)\n")
        );
        assert_eq!(
            line(Process::Running { pid: None }).as_deref(),
            Some("Process: running (pid unknown)\n")
        );
        assert_eq!(
            line(Process::Stopped).as_deref(),
            Some("Process: stopped (interrupted)\n")
        );
        assert_eq!(
            line(Process::Crashed).as_deref(),
            Some("Process: crashed at 14:05 (no process)\n")
        );
        assert_eq!(line(Process::Finished), None);
        let india = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(
            Process::Crashed.line(seen, &india).as_deref(),
            Some("Process: crashed at 19:35 (no process)\n"),
            "local time"
        );
    }

    #[test]
    fn the_json_object_has_state_pid_and_last_seen() {
        let seen = at(65);
        assert_eq!(
            Process::Running { pid: Some(77) }.json(seen),
            json!({ "state": "running", "pid": 77, "last_seen": "2024-05-01T14:01:05Z" })
        );
        assert_eq!(
            Process::Crashed.json(seen),
            json!({ "state": "crashed", "pid": null, "last_seen": "2024-05-01T14:01:05Z" })
        );
        assert_eq!(Process::Stopped.json(seen)["state"], "stopped");
        assert_eq!(Process::Finished.json(seen)["state"], "finished");
    }
}
