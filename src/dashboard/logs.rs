//! Worker logs for the page: which files belong to an issue (the paths its
//! machine recorded, and the names workers are given in the log directory)
//! and the last lines of each.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ids::{IssueNumber, PrNumber};
use crate::issue::effects::log_names;

/// Lines of each log the page shows.
pub const TAIL_LINES: usize = 40;
/// At most this much of a log's end is read, however long its lines.
const TAIL_BYTES: u64 = 64 * 1024;

/// The end of one worker log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LogTail {
    pub path: String,
    pub lines: Vec<String>,
}

/// The logs an issue's workers write: `issue-N.log` and, once it has a PR,
/// the fix workers' `ci-fix-P.log`, `review-fix-P.log`, `changes-P.log`
/// (the names `issue::effects` gives them), plus any path its machine
/// recorded; only those that exist, newest first.
pub fn issue_logs(
    log_dir: &Path,
    issue: u64,
    pr: Option<u64>,
    machine: Option<&serde_json::Value>,
) -> Vec<PathBuf> {
    let mut paths = vec![log_dir.join(log_names::work(IssueNumber(issue)))];
    if let Some(pr) = pr {
        paths.extend(log_names::fixes(PrNumber(pr)).map(|name| log_dir.join(name)));
    }
    if let Some(machine) = machine {
        recorded_logs(machine, &mut paths);
    }
    paths.sort();
    paths.dedup();
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = paths
        .into_iter()
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .collect();
    found.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Every `"log": "<path>"` inside the machine's JSON (a worker's report).
fn recorded_logs(value: &serde_json::Value, out: &mut Vec<PathBuf>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match v {
                    serde_json::Value::String(s) if key == "log" && !s.is_empty() => {
                        out.push(PathBuf::from(s))
                    }
                    _ => recorded_logs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| recorded_logs(v, out)),
        _ => {}
    }
}

/// The last `TAIL_LINES` lines of the file (lossy UTF-8); `None` if unreadable.
pub fn tail(path: &Path) -> Option<LogTail> {
    let mut file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut mid-line
    }
    let from = lines.len().saturating_sub(TAIL_LINES);
    Some(LogTail {
        path: path.display().to_string(),
        lines: lines[from..].iter().map(|l| l.to_string()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_has_its_worker_logs_and_the_ones_its_machine_names() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("elsewhere.log");
        std::fs::write(dir.path().join("issue-7.log"), "a\n").unwrap();
        std::fs::write(dir.path().join("ci-fix-12.log"), "b\n").unwrap();
        std::fs::write(dir.path().join("issue-8.log"), "c\n").unwrap();
        std::fs::write(&other, "d\n").unwrap();
        let machine = serde_json::json!({"stage": {"after": {"log": other.display().to_string()}}});
        let mut found = issue_logs(dir.path(), 7, Some(12), Some(&machine));
        found.sort();
        assert_eq!(
            found,
            [
                dir.path().join("ci-fix-12.log"),
                other,
                dir.path().join("issue-7.log")
            ]
        );
    }

    #[test]
    fn the_tail_is_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let body: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, body).unwrap();
        let tail = tail(&path).unwrap();
        assert_eq!(tail.lines.len(), TAIL_LINES);
        assert_eq!(tail.lines.first().unwrap(), "line 61");
        assert_eq!(tail.lines.last().unwrap(), "line 100");
        assert!(super::tail(&dir.path().join("none")).is_none());
    }
}
