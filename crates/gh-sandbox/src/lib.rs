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
mod log;
mod merging;
mod model;
mod ops;
mod pagination;
mod people;
#[cfg(test)]
mod people_tests;
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
    CheckRun, CommitStatus, DiffLine, IssueComment, Item, PullInfo, Review, ReviewComment,
};
pub use server::Sandbox;
pub use sim::{CODERABBIT_LOGIN, CiScript, CodeRabbitMode, CodeRabbitScript};
pub use specs::{CommitSpec, IssueSpec, PullSpec, ReviewCommentSpec, ReviewSpec};
pub use state::SandboxState;
pub use types::{
    Association, BranchProtection, InvalidRepoSlug, IssueNumber, ItemState, PrNumber,
    RepoPermissions, RepoSlug, RequiredChecks,
};
