//! Local git, always through argv: checkouts, fetches, worktrees, branches.
