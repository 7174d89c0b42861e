//! Diagnostics: `tracing` to stderr at the level `-q` / `-v` / `RUST_LOG`
//! ask for, and a second layer at debug level for the run's log file
//! (`run-<id>.log` beside the worker logs), which [`log_to_file`] opens once
//! the run has an id. Until then that layer keeps what it gets in memory, so
//! the file holds the planning too. Progress and results are not logs; they
//! go to stdout.

use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::prelude::*;

use crate::progress::Verbosity;
use crate::progress::console::Above;

/// The run log's level, whatever stderr shows. octocrab logs every error
/// status at ERROR; our retry layer reports what matters once.
const FILE_FILTER: &str = "info,auto_milestone=debug,octocrab=off";
/// What the run log keeps in memory before it has a file.
const EARLY_LIMIT: usize = 1 << 20;

/// The filter for `-q` (errors only), default (warnings), `-v` (info), `-vv` (debug), `-vvv` (trace).
fn default_filter(quiet: u8, verbose: u8) -> &'static str {
    match (quiet, verbose) {
        (q, _) if q > 0 => "error,octocrab=off",
        (_, 0) => "warn,octocrab=off",
        (_, 1) => "warn,octocrab=off,auto_milestone=info",
        (_, 2) => "info,auto_milestone=debug",
        _ => "debug,auto_milestone=trace",
    }
}

static VERBOSITY: OnceLock<Verbosity> = OnceLock::new();
static RUN_LOG: LazyLock<RunLog> = LazyLock::new(RunLog::default);

/// Installs the stderr layer (`RUST_LOG` wins over the flags) and the run
/// log's layer, and remembers the flags for [`verbosity`].
pub fn init(quiet: u8, verbose: u8) {
    let _ = VERBOSITY.set(Verbosity::from_flags(quiet, verbose));
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(quiet, verbose)));
    let terminal = io::stderr().is_terminal();
    // On a terminal, log lines pass above the live tree instead of through it.
    let stderr = match terminal {
        true => BoxMakeWriter::new(Above::stderr),
        false => BoxMakeWriter::new(io::stderr),
    };
    let _ = subscriber(filter, stderr, terminal, RUN_LOG.clone()).try_init();
}

/// How much progress `-q` / `-v` asked for (`Normal` before [`init`]).
pub fn verbosity() -> Verbosity {
    VERBOSITY.get().copied().unwrap_or_default()
}

/// Sends the run log to `path` (appending), starting with what was logged
/// before; the directory is created if needed.
pub fn log_to_file(path: &Path) -> io::Result<()> {
    RUN_LOG.point_at(path)
}

fn subscriber(
    stderr_filter: EnvFilter,
    stderr: BoxMakeWriter,
    ansi: bool,
    run_log: RunLog,
) -> impl Subscriber + Send + Sync {
    let to_stderr = tracing_subscriber::fmt::layer()
        .with_writer(stderr)
        .with_ansi(ansi)
        .with_target(false)
        .with_filter(stderr_filter);
    let to_file = tracing_subscriber::fmt::layer()
        .fmt_fields(PlainFields::default())
        .with_writer(move || run_log.clone())
        .with_ansi(false)
        .with_filter(EnvFilter::new(FILE_FILTER));
    tracing_subscriber::registry().with(to_stderr).with(to_file)
}

/// The default field format under a type of its own. Span fields are
/// formatted once per field-format *type* and shared by the layers using it,
/// so with the stderr layer's type the file would get its colours.
#[derive(Default)]
struct PlainFields(DefaultFields);

impl<'w> FormatFields<'w> for PlainFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        self.0.format_fields(writer, fields)
    }
}

/// The run log: a file once [`RunLog::point_at`] named one, memory until then.
#[derive(Clone, Default)]
pub struct RunLog(Arc<Mutex<LogTarget>>);

#[derive(Default)]
struct LogTarget {
    file: Option<File>,
    early: Vec<u8>,
}

impl RunLog {
    pub fn point_at(&self, path: &Path) -> io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut target = self.lock();
        file.write_all(&std::mem::take(&mut target.early))?;
        target.file = Some(file);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogTarget> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Write for RunLog {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut guard = self.lock();
        let target = &mut *guard;
        match &mut target.file {
            Some(file) => file.write_all(buf)?,
            None if target.early.len() + buf.len() <= EARLY_LIMIT => {
                target.early.extend_from_slice(buf)
            }
            // Too much before the run started; the rest of it is dropped.
            None => {}
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.lock().file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn flags_choose_the_level() {
        assert!(default_filter(1, 0).starts_with("error"));
        assert!(default_filter(0, 0).starts_with("warn"));
        assert!(default_filter(0, 1).contains("auto_milestone=info"));
        assert!(default_filter(0, 3).contains("trace"));
    }

    #[test]
    fn the_run_log_gets_debug_without_colours_from_before_and_after_it_had_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output").join("run-7.log");
        let stderr = Buffer::default();
        let run_log = RunLog::default();
        let writer = stderr.clone();
        let subscriber = subscriber(
            EnvFilter::new("warn"),
            BoxMakeWriter::new(move || writer.clone()),
            true,
            run_log.clone(),
        );
        tracing::subscriber::with_default(subscriber, || {
            let _span = tracing::info_span!("issue", issue = 153).entered();
            tracing::debug!(issue = 153, "planned before the run had an id");
            run_log.point_at(&path).unwrap();
            tracing::debug!(issue = 153, "worker started");
            tracing::warn!(issue = 154, "CI failed");
            tracing::trace!("too fine for the file");
        });
        let file = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines.len(), 3, "{file}");
        assert!(
            lines[0].contains("DEBUG") && lines[0].contains("planned before"),
            "{file}"
        );
        assert!(
            lines[1].contains("issue{issue=153}:"),
            "span fields, plain: {file}"
        );
        assert!(lines[1].contains("worker started issue=153"), "{file}");
        assert!(
            lines[2].contains("WARN") && lines[2].contains("CI failed"),
            "{file}"
        );
        assert!(!file.contains('\x1b'), "no ANSI in the file: {file:?}");

        let shown = String::from_utf8(stderr.0.lock().unwrap().clone()).unwrap();
        assert_eq!(shown.lines().count(), 1, "stderr keeps its level: {shown}");
        assert!(
            shown.contains("CI failed") && shown.contains('\x1b'),
            "{shown:?}"
        );
    }

    #[test]
    fn the_run_log_appends_and_bounds_what_it_keeps_before_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run-1.log");
        std::fs::write(&path, "earlier\n").unwrap();
        let mut log = RunLog::default();
        log.write_all(&vec![b'a'; EARLY_LIMIT]).unwrap();
        log.write_all(b"dropped").unwrap();
        log.point_at(&path).unwrap();
        log.write_all(b"\nafter\n").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("earlier\naaa"));
        assert!(
            text.ends_with("a\nafter\n"),
            "the over-limit write was dropped"
        );
        assert_eq!(
            text.len(),
            "earlier\n".len() + EARLY_LIMIT + "\nafter\n".len()
        );
    }
}
