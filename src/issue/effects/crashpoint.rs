//! Crash points: the moments between an effect's intent, its act and its
//! confirmation, where a test may stop the process dead to prove that a
//! resume neither loses nor repeats the effect.
//!
//! `AUTO_MILESTONE_CRASH_AT=<effect>.<boundary>[#<n>]` aborts the process
//! (SIGABRT: no unwinding, no cleanup, as a crash) the `n`th time (default
//! first) that boundary is reached; `AUTO_MILESTONE_CRASH_LOG=<file>` appends
//! every boundary reached, one per line, so a test can list them first.
//! Unset, a crash point costs one lookup of a value read once. The `fail`
//! crate's failpoints cannot abort and cannot list what was reached, which
//! is what these tests need.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Where an effect is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// The intent is recorded; nothing was done yet.
    Intent,
    /// The effect was done (the call answered); nothing recorded yet.
    Done,
    /// The effect is confirmed and recorded.
    Confirmed,
}

impl Boundary {
    fn name(self) -> &'static str {
        match self {
            Boundary::Intent => "intent",
            Boundary::Done => "done",
            Boundary::Confirmed => "confirmed",
        }
    }
}

struct Config {
    at: Option<(String, u32)>,
    log: Option<std::path::PathBuf>,
    hits: AtomicU32,
}

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config {
        at: std::env::var("AUTO_MILESTONE_CRASH_AT")
            .ok()
            .map(|spec| match spec.split_once('#') {
                Some((point, n)) => (point.to_string(), n.parse().unwrap_or(1)),
                None => (spec, 1),
            }),
        log: std::env::var_os("AUTO_MILESTONE_CRASH_LOG").map(Into::into),
        hits: AtomicU32::new(0),
    })
}

/// Marks that `effect` reached `boundary`; aborts here if told to.
pub fn crashpoint(effect: &str, boundary: Boundary) {
    let cfg = config();
    if cfg.at.is_none() && cfg.log.is_none() {
        return;
    }
    let point = format!("{effect}.{}", boundary.name());
    if let Some(path) = &cfg.log
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(file, "{point}");
    }
    if let Some((at, n)) = &cfg.at
        && *at == point
        && cfg.hits.fetch_add(1, Ordering::SeqCst) + 1 == *n
    {
        eprintln!("crash point {point} reached: aborting (AUTO_MILESTONE_CRASH_AT)");
        std::process::abort();
    }
}
