//! The SQLite checkpoint: schema migrations, runs, per-issue state, the event log.
