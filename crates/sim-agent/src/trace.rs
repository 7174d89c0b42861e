//! The test trace: with `AUTO_MILESTONE_SIM_TRACE=<dir>`, every run appends
//! a `start` and an `end` JSON line to `<dir>/trace.jsonl`, so a test can
//! prove that workers overlapped in time, each in its own directory.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The file name inside the trace directory.
pub const TRACE_FILE: &str = "trace.jsonl";

/// One line of the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// The issue worked on, when known (fix modes may only know the PR).
    pub issue: Option<u64>,
    /// The PR a fix mode works on.
    pub pr: Option<u64>,
    pub mode: String,
    /// `start` or `end`.
    pub event: String,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub cwd: PathBuf,
    pub pid: u32,
    /// The exit status, on `end`.
    pub exit: Option<i32>,
}

impl TraceEvent {
    pub fn now(event: &str, mode: &str, cwd: &Path) -> Self {
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        TraceEvent {
            issue: None,
            pr: None,
            mode: mode.to_string(),
            event: event.to_string(),
            at_ms,
            cwd: cwd.to_path_buf(),
            pid: std::process::id(),
            exit: None,
        }
    }
}

/// Appends one event to `<dir>/trace.jsonl`, creating both if needed.
///
/// The file is opened with `O_APPEND` and the line goes out in one `write`:
/// on a local filesystem concurrent appenders then never interleave within
/// a line (a short line is never split by a partial write to a regular file).
pub fn append(dir: &Path, event: &TraceEvent) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut line = serde_json::to_string(event).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(TRACE_FILE))?;
    let written = file.write(line.as_bytes())?;
    if written != line.len() {
        return Err(std::io::Error::other(format!(
            "wrote {written} of {} bytes",
            line.len()
        )));
    }
    Ok(())
}

/// Reads a trace back (for tests); lines that do not parse are skipped.
pub fn read(dir: &Path) -> std::io::Result<Vec<TraceEvent>> {
    let text = std::fs::read_to_string(dir.join(TRACE_FILE))?;
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_append_as_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let trace = dir.path().join("nested");
        let mut start = TraceEvent::now("start", "work", Path::new("/w/a"));
        start.issue = Some(7);
        let mut end = TraceEvent::now("end", "work", Path::new("/w/a"));
        end.exit = Some(0);
        append(&trace, &start).unwrap();
        append(&trace, &end).unwrap();
        let events = read(&trace).unwrap();
        assert_eq!(events, [start, end]);
        let raw = std::fs::read_to_string(trace.join(TRACE_FILE)).unwrap();
        assert_eq!(raw.lines().count(), 2);
        assert!(raw.lines().next().unwrap().contains("\"event\":\"start\""));
    }

    #[test]
    fn concurrent_appenders_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let mut e = TraceEvent::now("start", "work", Path::new("/w"));
                        e.issue = Some(t * 1000 + i);
                        append(&dir, &e).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let raw = std::fs::read_to_string(dir.path().join(TRACE_FILE)).unwrap();
        assert_eq!(raw.lines().count(), 400);
        assert_eq!(read(dir.path()).unwrap().len(), 400, "every line parses");
    }
}
