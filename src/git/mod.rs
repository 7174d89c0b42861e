//! Local git, always through argv: checkouts, fetches, worktrees, branches,
//! and the repository's own exclude list.

mod branch;
mod command;
pub mod exclude;
mod remote;
mod repo;
mod tree;
mod worktree;

#[cfg(test)]
mod tests;

pub use branch::{
    DEFAULT_BRANCH_KINDS, MAX_SLUG, branch_for_issue, default_branch_kinds, issue_branch_match,
    issue_from_branch, slug,
};
pub use command::{DEFAULT_NETWORK_TIMEOUT, Git, GitError};
pub use repo::WorkLeft;
pub use tree::TreeState;
pub use worktree::{Worktree, WorktreeBranch};
