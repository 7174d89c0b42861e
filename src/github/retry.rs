//! Retry policy for GitHub calls: which failures are transient, and how long to wait.
