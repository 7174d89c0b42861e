//! The status command: reading the checkpoint and showing a run.
