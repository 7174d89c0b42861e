//! gh-sandbox: a stateful in-process fake of the GitHub REST subset auto-milestone uses, served on loopback.
//!
//! [`Sandbox::start`] serves it on `127.0.0.1` at a free port, in GitHub's
//! JSON shapes (octocrab's models decode them), with GitHub's pagination,
//! ETags, errors and authentication rule. Tests and the demo build its world
//! through [`SandboxState`] / [`RepoHandle`] (who is a collaborator and who a
//! stranger: GitHub's `author_association`), make it misbehave through
//! [`Faults`], count calls in the [`RequestLog`], and can back a repository
//! with a local bare git repository so branches, PR heads and squash merges
//! are real commits. Per repository, a CI script and a CodeRabbit script make
//! check runs, statuses and reviews appear by themselves; the viewer's
//! `permissions` and each branch's protection are set through
//! [`RepoHandle`], and a classic token's `X-OAuth-Scopes` through
//! [`SandboxState::set_oauth_scopes`]. People act on pull requests during a
//! run through the same handle (merge as someone, close, reopen, push to the
//! head, change the base), and the JSON says who (`merged_by`, `closed_by`).
//!
//! Beyond that:
//!
//! - **Rate limits.** Every answer carries GitHub's `x-ratelimit-*` headers
//!   from a real budget ([`RateLimit`], [`Sandbox::set_rate_limit`]; 5000 an
//!   hour, `core` for REST and `graphql` for `POST /graphql`). A 304 to a
//!   conditional GET, a cut answer and a rate-limit refusal are free; a spent
//!   budget answers 403 until its window resets. The log says which
//!   requests were charged ([`LoggedRequest::charged`], [`RequestLog::charged`]).
//! - **GitHub Actions.** The CI script's check runs are the jobs of a
//!   workflow run (`app.slug` `github-actions`, the run's `check_suite`, a
//!   `details_url` of `…/actions/runs/{run_id}/job/{job_id}`), one run per
//!   CI start on a commit. `GET …/actions/runs/{run_id}` reads a run, and
//!   `POST …/actions/runs/{run_id}/rerun-failed-jobs` re-runs its failed jobs
//!   as new check runs of a new `run_attempt` (403 while it runs, when
//!   nothing failed, or when [`RepoHandle::set_rerun_allowed`] says no).
//!   A commit adding [`CiScript::flaky_marker`] (`CI_FLAKY`) fails its first
//!   attempt and passes on a re-run.
//! - **Merge queue.** [`RepoHandle::enable_merge_queue`] makes a branch
//!   require it: `GET …/rules/branches/{branch}` lists the `merge_queue`
//!   rule, REST merges into it answer 405, and `POST /graphql` takes the
//!   `enqueuePullRequest` mutation and a query reading a PR by number
//!   (`isInMergeQueue`, `mergeQueueEntry { state position }`, ...);
//!   [`RepoHandle::set_ruleset_checks`] adds a (strict)
//!   `required_status_checks` rule beside classic protection. The
//!   queue builds each PR's squash on the base as a merge group
//!   (`gh-readonly-queue/{base}/pr-{n}-{sha}`), runs the CI script there and
//!   merges it as the enqueuer, or kicks it out ([`RepoHandle::fail_in_queue`]).
//!
//! It speaks GitHub's JSON and keeps its own small vocabulary ([`RepoSlug`],
//! [`IssueNumber`], [`ItemState`], ...): it depends on nothing of
//! auto-milestone's, which uses it for its demo (behind the `demo` feature)
//! and its tests.

mod api;
mod backend;
mod etag;
mod faults;
mod git;
#[cfg(test)]
mod git_tests;
mod handle;
mod handle_ci;
mod log;
mod merging;
mod model;
mod ops;
mod pagination;
mod people;
#[cfg(test)]
mod people_tests;
#[cfg(test)]
mod queue_tests;
mod ratelimit;
mod routes;
mod server;
mod shapes;
mod sim;
mod specs;
mod state;
#[cfg(test)]
mod testkit;
mod types;

pub use faults::{Fault, Faults, Route};
pub use handle::{RepoHandle, fake_sha};
pub use log::{LoggedRequest, RequestLog};
pub use model::{
    CheckRun, CommitStatus, DiffLine, IssueComment, Item, PullInfo, QueueEntry, Review,
    ReviewComment, WorkflowRun,
};
pub use ratelimit::{Budget, RateLimit, Resource};
pub use server::Sandbox;
pub use sim::{CODERABBIT_LOGIN, CiScript, CodeRabbitMode, CodeRabbitScript};
pub use specs::{CommitSpec, IssueSpec, PullSpec, ReviewCommentSpec, ReviewSpec};
pub use state::SandboxState;
pub use types::{
    Association, BranchProtection, InvalidRepoSlug, IssueNumber, ItemState, PrNumber,
    RepoPermissions, RepoSlug, RequiredChecks,
};
