//! Reading a worker's log as it grows. The worker writes straight into the
//! file (nothing passes through our buffers, so nothing is lost if we die);
//! we follow it from where this worker's output starts and hand back whole
//! lines. A line still being written is kept until its newline arrives, or
//! until the worker has exited (`finish`), when it is handed back as is.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The longest line kept whole; beyond it the rest of the line is dropped
/// (a tool result of megabytes says nothing the live view needs, and the
/// raw log keeps it all).
const MAX_LINE: usize = 4 * 1024 * 1024;

/// Follows one file from an offset.
#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
}

impl LogTail {
    /// Follows `path` from byte `offset` (the log's length when the worker started).
    pub fn from(path: &Path, offset: u64) -> Self {
        LogTail {
            path: path.to_path_buf(),
            offset,
            partial: Vec::new(),
        }
    }

    /// The whole lines written since the last call.
    pub fn read_lines(&mut self) -> io::Result<Vec<String>> {
        let mut file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            // Truncated under us: start again from the top.
            self.offset = 0;
            self.partial.clear();
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.take(len - self.offset).read_to_end(&mut bytes)?;
        self.offset += bytes.len() as u64;
        Ok(self.split(&bytes))
    }

    /// The whole lines since the last call, and the unfinished last line too:
    /// the writer is gone, so it will never be finished.
    pub fn finish(&mut self) -> io::Result<Vec<String>> {
        let mut lines = self.read_lines()?;
        if !self.partial.is_empty() {
            lines.push(String::from_utf8_lossy(&self.partial).into_owned());
            self.partial.clear();
        }
        Ok(lines)
    }

    fn split(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut rest = bytes;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.push(&rest[..nl]);
            lines.push(String::from_utf8_lossy(&self.partial).into_owned());
            self.partial.clear();
            rest = &rest[nl + 1..];
        }
        self.push(rest);
        lines
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn append(path: &Path, text: &str) {
        let mut f = File::options()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn hands_back_whole_lines_as_they_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        append(&path, "header from an earlier worker\n");
        let start = std::fs::metadata(&path).unwrap().len();
        let mut tail = LogTail::from(&path, start);
        assert!(tail.read_lines().unwrap().is_empty());
        append(&path, "one\ntw");
        assert_eq!(tail.read_lines().unwrap(), ["one"]);
        append(&path, "o\nthree");
        assert_eq!(tail.read_lines().unwrap(), ["two"]);
        assert_eq!(tail.finish().unwrap(), ["three"], "the cut last line");
        assert!(tail.finish().unwrap().is_empty());
    }

    #[test]
    fn a_missing_file_is_empty_and_a_truncated_one_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let mut tail = LogTail::from(&path, 0);
        assert!(tail.read_lines().unwrap().is_empty());
        append(&path, "aaaa\nbbbb\n");
        assert_eq!(tail.read_lines().unwrap(), ["aaaa", "bbbb"]);
        std::fs::write(&path, "c\n").unwrap();
        assert_eq!(tail.read_lines().unwrap(), ["c"]);
    }

    #[test]
    fn an_endless_line_is_cut_not_kept_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.log");
        let mut tail = LogTail::from(&path, 0);
        append(&path, &"x".repeat(MAX_LINE + 10));
        assert!(tail.read_lines().unwrap().is_empty());
        append(&path, "yyy\nnext\n");
        let lines = tail.read_lines().unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], "next");
    }
}
