//! Writing a pull request's merge on its base branch, for the merge route
//! and for a person merging through the test handle: GitHub's default
//! commit messages, and the commit itself (one parent for a squash or a
//! rebase, two for a merge commit).

use super::git::{GitDir, GitError, MergeTree};
use super::handle::fake_sha;

/// Why a merge could not be written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Head and base conflict.
    Conflict,
    /// The base branch moved while the merge was being written.
    BaseMoved,
}

/// GitHub's commit message: `Title (#N)` for a squash or rebase, the
/// "Merge pull request" line for a merge commit, unless the request names
/// its own title; a body follows after a blank line.
pub fn message(
    title: &str,
    n: u64,
    head_ref: &str,
    method: &str,
    custom_title: Option<&str>,
    body: Option<&str>,
) -> String {
    let title = match (custom_title, method) {
        (Some(custom), _) => custom.to_string(),
        (None, "merge") => format!("Merge pull request #{n} from {head_ref}"),
        (None, _) => format!("{title} (#{n})"),
    };
    match body {
        Some(body) if !body.is_empty() => format!("{title}\n\n{body}"),
        _ => title,
    }
}

/// Writes the merge of `head` into `base` and moves `base_ref` to it, if
/// the branch is still at `base`; returns the new commit.
pub fn write(
    git: &GitDir,
    (base, base_ref): (&str, &str),
    head: &str,
    two_parents: bool,
    message: &str,
) -> Result<Result<String, Refusal>, GitError> {
    let MergeTree::Clean { tree } = git.merge_tree(base, head)? else {
        return Ok(Err(Refusal::Conflict));
    };
    let parents: Vec<&str> = if two_parents {
        vec![base, head]
    } else {
        vec![base]
    };
    let commit = git.commit_tree(&tree, &parents, message)?;
    if git.move_branch(base_ref, &commit, base).is_err() {
        return Ok(Err(Refusal::BaseMoved));
    }
    Ok(Ok(commit))
}

/// The merge commit of PR `n` in a repository without git backing.
pub fn made_up(n: u64, base: &str) -> String {
    fake_sha(&format!("merge {n} {base}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_messages_are_githubs() {
        assert_eq!(
            message("Add x", 2, "feat/x", "squash", None, None),
            "Add x (#2)"
        );
        assert_eq!(
            message("Add x", 2, "feat/x", "merge", None, Some("")),
            "Merge pull request #2 from feat/x"
        );
        assert_eq!(
            message("Add x", 2, "feat/x", "rebase", Some("Mine"), Some("Why")),
            "Mine\n\nWhy"
        );
    }
}
