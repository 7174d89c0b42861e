//! The per-PR review cycle: CI, CodeRabbit, triage of comments, and the review state machine.
