//! What can go wrong talking to GitHub, split so callers can branch on it:
//! an answer GitHub gave (with its own message), no answer at all, or an
//! answer that did not decode.

/// A failed GitHub call. Never carries a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered with an error status; `message` is GitHub's own words.
    #[error("GitHub answered {status} for {route}: {message}")]
    Status {
        route: String,
        status: u16,
        message: String,
    },
    /// No answer: connection refused or reset, timeout.
    #[error("could not reach GitHub for {route}: {detail}")]
    Transport { route: String, detail: String },
    /// An answer whose body is not what GitHub documents.
    #[error("unexpected answer from GitHub for {route}: {detail}")]
    Decode { route: String, detail: String },
    /// No token could be found anywhere it is looked for.
    #[error(
        "no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or install gh and run `gh auth login` so `gh auth token` prints one"
    )]
    NoToken,
    /// The client could not be set up (a bad API URL, say).
    #[error("{0}")]
    Setup(String),
}

impl GitHubError {
    /// The HTTP status GitHub answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// No answer, or one that may be gone on a later try (5xx, 429): the
    /// effect's outcome is unknown until it is read back.
    pub fn is_transient(&self) -> bool {
        match self {
            GitHubError::Transport { .. } => true,
            GitHubError::Status { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}
