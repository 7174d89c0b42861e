//! Why an issue's effects could not go on: a fault of the machinery, not a
//! verdict on the issue. Typed, so the supervisors can decide: transient
//! faults restart the issue actor, a checkpoint fault stops the run.

use crate::git::GitError;
use crate::github::GitHubError;
use crate::worker::SpawnError;

/// A crash reason.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Crash {
    /// GitHub or the network failed after the client's retries.
    #[error("GitHub did not answer: {0}")]
    Transport(String),
    /// GitHub refused for good (a permission, a missing resource).
    #[error("GitHub refused: {0}")]
    GitHub(String),
    #[error("git: {0}")]
    Git(String),
    #[error("a worker could not start: {0}")]
    Spawn(String),
    /// The checkpoint could not be read or written: nothing can go on safely.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// Another actor did not answer.
    #[error("{0} did not answer")]
    Mailbox(String),
    /// A state the program should never reach.
    #[error("bug: {0}")]
    Bug(String),
}

impl Crash {
    /// Whether the whole run must stop rather than restart the issue.
    pub fn stops_the_run(&self) -> bool {
        matches!(self, Crash::Checkpoint(_))
    }
}

impl From<GitHubError> for Crash {
    fn from(e: GitHubError) -> Self {
        if e.is_transient() {
            Crash::Transport(e.to_string())
        } else {
            Crash::GitHub(e.to_string())
        }
    }
}

impl From<GitError> for Crash {
    fn from(e: GitError) -> Self {
        Crash::Git(e.to_string())
    }
}

impl From<SpawnError> for Crash {
    fn from(e: SpawnError) -> Self {
        Crash::Spawn(e.to_string())
    }
}
