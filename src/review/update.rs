//! What to do about a PR's base before CI is awaited, from GitHub's
//! `mergeable_state`: bring a PR that is behind up to date, send a PR in
//! conflict to a rebase worker, ask again while GitHub is still computing.

use serde::{Deserialize, Serialize};

/// The next step for a PR's base.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseAction {
    /// `behind`, when the PR is about to merge: merge the base into the
    /// branch with GitHub's update-branch. Earlier it would only cost a CI
    /// run (and a review) for every PR at every merge, and be behind again
    /// by the time it merges.
    UpdateBranch,
    /// `dirty`: a conflict. A fix worker rebases onto the base; it counts as a fix attempt.
    Rebase,
    /// `unknown` (or not reported yet): GitHub is still computing; read the PR again shortly.
    AskAgain,
    /// `clean`, `unstable`, `blocked`, `has_hooks`, `draft` and anything
    /// else: nothing to do about the base. (`unstable` and `blocked` are
    /// about checks and reviews, which the next steps handle.)
    Proceed,
}

/// Decides from the PR's `mergeable_state` (`None` on reads that do not
/// carry it), and whether the PR is approved and about to merge.
pub fn base_action(mergeable_state: Option<&str>, merging: bool) -> BaseAction {
    let Some(state) = mergeable_state else {
        return BaseAction::AskAgain;
    };
    match state.to_ascii_lowercase().as_str() {
        "behind" if merging => BaseAction::UpdateBranch,
        "dirty" => BaseAction::Rebase,
        "unknown" | "" => BaseAction::AskAgain,
        _ => BaseAction::Proceed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mergeable_state_maps_to_one_action() {
        let table = [
            (Some("behind"), BaseAction::UpdateBranch),
            (Some("BEHIND"), BaseAction::UpdateBranch),
            (Some("dirty"), BaseAction::Rebase),
            (Some("unknown"), BaseAction::AskAgain),
            (Some(""), BaseAction::AskAgain),
            (None, BaseAction::AskAgain),
            (Some("clean"), BaseAction::Proceed),
            (Some("unstable"), BaseAction::Proceed),
            (Some("blocked"), BaseAction::Proceed),
            (Some("has_hooks"), BaseAction::Proceed),
            (Some("draft"), BaseAction::Proceed),
        ];
        for (state, want) in table {
            assert_eq!(base_action(state, true), want, "{state:?}");
        }
    }

    #[test]
    fn a_pr_behind_its_base_is_not_updated_until_it_merges() {
        assert_eq!(base_action(Some("behind"), false), BaseAction::Proceed);
        assert_eq!(base_action(Some("dirty"), false), BaseAction::Rebase);
    }
}
