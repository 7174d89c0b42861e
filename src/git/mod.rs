//! Local git, always through argv: checkouts, fetches, worktrees, branches.

mod branch;
mod command;
mod repo;
mod tree;
mod worktree;

#[cfg(test)]
mod tests;

pub use branch::{
    DEFAULT_BRANCH_KINDS, MAX_SLUG, branch_for_issue, default_branch_kinds, issue_branch_match,
    issue_from_branch, slug,
};
pub use command::{Git, GitError};
pub use tree::TreeState;
pub use worktree::{Worktree, WorktreeBranch};
