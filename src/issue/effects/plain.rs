//! CLIs that do not speak Claude Code's event stream. The default commands
//! ask for `--output-format stream-json --verbose`; an older or different
//! CLI refuses those flags at once: it prints no event, fails, and its error
//! names one of them. Such a worker is run again with plain output.

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use crate::worker::{WorkerExit, WorkerOutcome};

/// A refusal comes straight from argument parsing, within seconds.
const REFUSES_WITHIN: Duration = Duration::from_secs(30);

/// How much of the log's end is searched for the CLI's complaint.
const TAIL: u64 = 4096;

/// Whether `argv` asks for the event stream.
pub fn asks_for_stream(argv: &[String]) -> bool {
    argv.iter()
        .any(|a| a == "stream-json" || a == "--output-format=stream-json")
}

/// `argv` with plain output: `--output-format stream-json` becomes `text`,
/// `--verbose` (which stream-json needs in Claude Code) goes.
pub fn without_stream(argv: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut after_format = false;
    for arg in argv {
        if arg == "--verbose" {
            continue;
        }
        let arg = match arg.as_str() {
            "stream-json" if after_format => "text".to_string(),
            "--output-format=stream-json" => "--output-format=text".to_string(),
            _ => arg,
        };
        after_format = arg == "--output-format";
        out.push(arg);
    }
    out
}

/// Whether a worker that was asked for the stream refused it.
pub fn refused_stream(outcome: &WorkerOutcome) -> bool {
    matches!(outcome.exit, WorkerExit::Exited(code) if code != 0)
        && !outcome.activity.is_stream()
        && outcome.duration < REFUSES_WITHIN
        && names_a_stream_flag(&log_tail(outcome))
}

fn names_a_stream_flag(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["stream-json", "output-format", "--verbose"]
        .iter()
        .any(|flag| text.contains(flag))
}

fn log_tail(outcome: &WorkerOutcome) -> String {
    let mut tail = String::new();
    if let Ok(mut file) = std::fs::File::open(&outcome.log_path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if file.seek(SeekFrom::Start(len.saturating_sub(TAIL))).is_ok() {
            let mut bytes = Vec::new();
            let _ = file.read_to_end(&mut bytes);
            tail = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::Activity;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_stream_flags_become_plain_output() {
        let stream = argv(&[
            "claude",
            "-p",
            "x",
            "--output-format",
            "stream-json",
            "--verbose",
            "--model",
            "opus",
        ]);
        assert!(asks_for_stream(&stream));
        let plain = without_stream(stream);
        assert_eq!(
            plain,
            argv(&[
                "claude",
                "-p",
                "x",
                "--output-format",
                "text",
                "--model",
                "opus"
            ])
        );
        assert!(!asks_for_stream(&plain));
        assert_eq!(
            without_stream(argv(&["a", "--output-format=stream-json"])),
            argv(&["a", "--output-format=text"])
        );
        // A prompt that merely says "stream-json" is not a flag.
        assert_eq!(
            without_stream(argv(&["a", "stream-json"])),
            argv(&["a", "stream-json"])
        );
    }

    fn outcome(dir: &std::path::Path, exit: WorkerExit, log: &str, secs: u64) -> WorkerOutcome {
        let log_path = dir.join("w.log");
        std::fs::write(&log_path, log).unwrap();
        WorkerOutcome {
            exit,
            duration: Duration::from_secs(secs),
            log_path,
            activity: Activity::default(),
        }
    }

    #[test]
    fn a_quick_failure_naming_a_stream_flag_is_a_refusal() {
        let dir = tempfile::tempdir().unwrap();
        let refusal =
            "error: option '--output-format <format>' argument 'stream-json' is invalid.\n";
        assert!(refused_stream(&outcome(
            dir.path(),
            WorkerExit::Exited(1),
            refusal,
            1
        )));
        assert!(refused_stream(&outcome(
            dir.path(),
            WorkerExit::Exited(2),
            "error: unknown option '--verbose'\n",
            0
        )));
        assert!(!refused_stream(&outcome(
            dir.path(),
            WorkerExit::Exited(1),
            "error: no API key\n",
            1
        )));
        assert!(!refused_stream(&outcome(
            dir.path(),
            WorkerExit::Exited(0),
            refusal,
            1
        )));
        assert!(
            !refused_stream(&outcome(dir.path(), WorkerExit::Exited(1), refusal, 300)),
            "not at start"
        );
        let mut streamed = outcome(dir.path(), WorkerExit::Exited(1), refusal, 1);
        streamed
            .activity
            .feed(r#"{"type":"system","subtype":"init","session_id":"s"}"#);
        assert!(!refused_stream(&streamed), "it spoke the stream");
    }
}
