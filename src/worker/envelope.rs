//! The JSON envelope `claude --output-format json` prints as its last line
//! (`type`, `result`, `is_error`, `total_cost_usd`, `session_id`), read back
//! from the tail of a worker's log for the cost and the error flag.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Deserialize;

/// How much of the log's end is searched. The envelope is the last thing
/// the CLI prints; a `result` longer than this is not found (cost unknown).
pub const TAIL_BYTES: u64 = 64 * 1024;

/// The envelope fields we use; others are ignored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Envelope {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub is_error: Option<bool>,
    pub total_cost_usd: f64,
    pub session_id: Option<String>,
}

/// The last line of `text` that is a JSON object with `total_cost_usd`.
pub fn find_envelope(text: &str) -> Option<Envelope> {
    text.lines()
        .rev()
        .map(str::trim)
        .filter(|line| line.starts_with('{') && line.contains("total_cost_usd"))
        .find_map(|line| serde_json::from_str::<Envelope>(line).ok())
}

/// Reads the last `TAIL_BYTES` of the log and finds the envelope there.
pub fn read_envelope(log: &Path) -> Option<Envelope> {
    let mut file = std::fs::File::open(log).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    // A tail that starts mid-file starts mid-line; that fragment is no envelope.
    let text = match (start > 0, text.find('\n')) {
        (true, Some(nl)) => &text[nl + 1..],
        _ => &text[..],
    };
    find_envelope(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"type":"result","result":"PR: #7","is_error":false,"total_cost_usd":1.25,"session_id":"s1"}"#;

    #[test]
    fn finds_the_last_envelope_among_other_output() {
        let earlier = LINE.replace("1.25", "0.5");
        let text = format!("working\n{earlier}\n{{\"x\": 1}}\n{LINE}\nnot json {{\n\n");
        let env = find_envelope(&text).unwrap();
        assert_eq!(env.total_cost_usd, 1.25);
        assert_eq!(env.is_error, Some(false));
        assert_eq!(env.session_id.as_deref(), Some("s1"));
        assert_eq!(env.kind.as_deref(), Some("result"));
    }

    #[test]
    fn no_envelope_means_none() {
        assert_eq!(
            find_envelope("plain text output\n{\"total_cost_usd\": \"n/a\"}\n"),
            None
        );
        assert_eq!(find_envelope(""), None);
    }

    #[test]
    fn reads_only_the_tail_of_a_long_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let early = LINE.replace("1.25", "9.0");
        let filler = "x".repeat(TAIL_BYTES as usize);
        std::fs::write(
            &path,
            format!("{early}\n{filler}\n{LINE}\ntrailing words\n"),
        )
        .unwrap();
        assert_eq!(read_envelope(&path).unwrap().total_cost_usd, 1.25);

        std::fs::write(
            &path,
            format!("{early}\n{filler}\nno envelope at the end\n"),
        )
        .unwrap();
        assert_eq!(
            read_envelope(&path),
            None,
            "an envelope outside the tail is not read"
        );
        assert_eq!(read_envelope(&dir.path().join("missing.log")), None);
    }
}
