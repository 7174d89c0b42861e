//! Simulated actors that act on a repository by themselves: a CI system that
//! reports check runs (GitHub Actions jobs) and statuses on commits,
//! CodeRabbit reviewing pull requests, and the merge queue. CI and CodeRabbit
//! are switched on per repository with a script, the queue per branch.

pub mod actions;
pub mod ci;
pub mod coderabbit;
pub mod coderabbit_text;
pub mod merge_group;
pub mod queue;

use std::time::Duration;

/// How the simulated CI reports on a commit the first time anyone asks about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CiScript {
    /// Check runs to create (e.g. `ci/test`): `queued`, then `in_progress`, then `completed`.
    pub check_runs: Vec<String>,
    /// Status contexts to create (e.g. `ci/lint`): `pending`, then `success` or `failure`.
    pub statuses: Vec<String>,
    /// How long a run stays `queued`.
    pub queued_for: Duration,
    /// How long a run stays `in_progress` before it completes.
    pub running_for: Duration,
    /// A commit whose tree contains this string anywhere fails; others succeed.
    pub failure_marker: Option<String>,
    /// A commit that adds a line containing this string (its diff against
    /// the default branch; without git backing, its PR's diff) is flaky: the
    /// first check run of the script fails on the first `flaky_attempts`
    /// attempts, and "re-run failed jobs" makes it pass. Statuses and
    /// merge-group runs are not flaky.
    pub flaky_marker: Option<String>,
    /// How many attempts of a flaky commit fail before one passes.
    pub flaky_attempts: u32,
}

impl Default for CiScript {
    fn default() -> Self {
        Self {
            check_runs: vec!["ci/test".to_string()],
            statuses: vec!["ci/lint".to_string()],
            queued_for: Duration::from_millis(20),
            running_for: Duration::from_millis(50),
            failure_marker: Some("CI_FAIL".to_string()),
            flaky_marker: Some("CI_FLAKY".to_string()),
            flaky_attempts: 1,
        }
    }
}

/// What the simulated CodeRabbit answers with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CodeRabbitMode {
    /// A review derived from the diff.
    Review,
    /// A "Rate limit exceeded" issue comment instead of a review.
    RateLimited,
    /// A "Review skipped" issue comment instead of a review.
    Skipped,
}

/// How the simulated `coderabbitai[bot]` behaves on a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRabbitScript {
    pub mode: CodeRabbitMode,
    /// Time between the trigger (PR opened, `@coderabbitai review`) and the answer.
    pub delay: Duration,
    /// Review when a pull request is opened (CodeRabbit's auto review).
    pub review_on_open: bool,
    /// An added line containing this becomes a nitpick in the review body.
    pub nit_marker: String,
    /// An added line containing this becomes an actionable inline comment.
    pub bug_marker: String,
}

impl Default for CodeRabbitScript {
    fn default() -> Self {
        Self {
            mode: CodeRabbitMode::Review,
            delay: Duration::from_millis(50),
            review_on_open: true,
            nit_marker: "NIT:".to_string(),
            bug_marker: "BUG:".to_string(),
        }
    }
}

/// CodeRabbit's GitHub login.
pub const CODERABBIT_LOGIN: &str = "coderabbitai[bot]";
