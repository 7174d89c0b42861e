//! Diagnostics: `tracing` to stderr at the level `-q` / `-v` / `RUST_LOG`
//! ask for. Progress and results are not logs; they go to stdout.

use tracing_subscriber::EnvFilter;

/// The filter for `-q` (errors only), default (warnings), `-v` (info), `-vv` (debug), `-vvv` (trace).
fn default_filter(quiet: u8, verbose: u8) -> &'static str {
    match (quiet, verbose) {
        (q, _) if q > 0 => "error,octocrab=off",
        // octocrab logs every error status at ERROR; our retry layer reports
        // what matters once, with the route and what it does about it.
        (_, 0) => "warn,octocrab=off",
        (_, 1) => "warn,octocrab=off,auto_milestone=info",
        (_, 2) => "info,auto_milestone=debug",
        _ => "debug,auto_milestone=trace",
    }
}

/// Installs the stderr subscriber; `RUST_LOG` wins over the flags.
pub fn init(quiet: u8, verbose: u8) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(default_filter(quiet, verbose)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_choose_the_level() {
        assert!(default_filter(1, 0).starts_with("error"));
        assert!(default_filter(0, 0).starts_with("warn"));
        assert!(default_filter(0, 1).contains("auto_milestone=info"));
        assert!(default_filter(0, 3).contains("trace"));
    }
}
