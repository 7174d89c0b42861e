//! The sandbox's own small vocabulary: repository slugs, issue and pull
//! request numbers, open/closed, how a person is related to a repository,
//! the viewer's rights and branch protection. The sandbox speaks GitHub's
//! JSON; these are only what it needs to hold its world and render it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// `owner/name` of a repository; GitHub compares them case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoSlug {
    pub owner: String,
    pub name: String,
}

impl RepoSlug {
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            name: name.into(),
        }
    }

    /// Whether `other` names the same repository.
    pub fn same_as(&self, other: &RepoSlug) -> bool {
        self.owner.eq_ignore_ascii_case(&other.owner) && self.name.eq_ignore_ascii_case(&other.name)
    }
}

impl fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Why a string is not an `owner/name` slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid repository {0:?}: expected OWNER/NAME")]
pub struct InvalidRepoSlug(pub String);

fn valid_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl FromStr for RepoSlug {
    type Err = InvalidRepoSlug;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(owner), Some(name), None) if valid_part(owner) && valid_part(name) => {
                Ok(RepoSlug::new(owner, name))
            }
            _ => Err(InvalidRepoSlug(s.to_string())),
        }
    }
}

/// An issue's number in its repository (issues and PRs share one counter).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IssueNumber(pub u64);

/// A pull request's number in its repository.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrNumber(pub u64);

impl fmt::Display for IssueNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl fmt::Display for PrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Open or closed, for issues, pull requests and milestones.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemState {
    Open,
    Closed,
}

impl fmt::Display for ItemState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemState::Open => "open",
            ItemState::Closed => "closed",
        })
    }
}

/// GitHub's `author_association`: how a person is related to a repository.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Association {
    Owner,
    /// A member of the organisation that owns the repository.
    Member,
    Collaborator,
    Contributor,
    FirstTimeContributor,
    FirstTimer,
    Mannequin,
    /// No relation to the repository (also what GitHub Apps usually get).
    None,
}

impl Association {
    /// GitHub's spelling (`FIRST_TIME_CONTRIBUTOR`).
    pub fn as_str(self) -> &'static str {
        match self {
            Association::Owner => "OWNER",
            Association::Member => "MEMBER",
            Association::Collaborator => "COLLABORATOR",
            Association::Contributor => "CONTRIBUTOR",
            Association::FirstTimeContributor => "FIRST_TIME_CONTRIBUTOR",
            Association::FirstTimer => "FIRST_TIMER",
            Association::Mannequin => "MANNEQUIN",
            Association::None => "NONE",
        }
    }
}

/// The repository's `permissions` object, in GitHub's field order: what
/// the viewer's role allows.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RepoPermissions {
    pub admin: bool,
    pub maintain: bool,
    pub push: bool,
    pub triage: bool,
    pub pull: bool,
}

impl RepoPermissions {
    /// Every right, as an owner has them.
    pub fn all() -> Self {
        RepoPermissions {
            admin: true,
            maintain: true,
            push: true,
            triage: true,
            pull: true,
        }
    }

    /// Read only, as anyone has them on a public repository.
    pub fn read_only() -> Self {
        RepoPermissions {
            pull: true,
            ..RepoPermissions::default()
        }
    }
}

/// A branch's protection, as far as the sandbox models it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchProtection {
    /// `None`: status checks are not required.
    pub required_checks: Option<RequiredChecks>,
}

/// "Require status checks to pass before merging".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequiredChecks {
    /// The check run names and status contexts that must pass.
    pub contexts: Vec<String>,
    /// "Require branches to be up to date before merging": merging a PR
    /// behind this branch answers 405.
    pub strict: bool,
}

impl BranchProtection {
    /// Protection requiring `contexts` to pass, and the branch to be up to
    /// date when `strict`.
    pub fn requiring(contexts: &[&str], strict: bool) -> Self {
        BranchProtection {
            required_checks: Some(RequiredChecks {
                contexts: contexts.iter().map(|c| c.to_string()).collect(),
                strict,
            }),
        }
    }

    /// Whether a PR must be up to date with this branch to merge.
    pub fn strict(&self) -> bool {
        self.required_checks.as_ref().is_some_and(|c| c.strict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_parse_owner_and_name_and_compare_without_case() {
        let slug: RepoSlug = "Acme/Widgets".parse().unwrap();
        assert_eq!(slug.to_string(), "Acme/Widgets");
        assert!(slug.same_as(&RepoSlug::new("acme", "widgets")));
        for bad in ["", "a", "a/", "/b", "a/b/c", "a b/c"] {
            assert!(bad.parse::<RepoSlug>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn permissions_serialise_in_githubs_field_order() {
        let json = serde_json::to_string(&RepoPermissions::read_only()).unwrap();
        assert_eq!(
            json,
            r#"{"admin":false,"maintain":false,"push":false,"triage":false,"pull":true}"#
        );
    }

    #[test]
    fn numbers_display_with_hash_and_states_in_lowercase() {
        assert_eq!(PrNumber(4).to_string(), "#4");
        assert_eq!(IssueNumber(12).to_string(), "#12");
        assert_eq!(ItemState::Closed.to_string(), "closed");
        assert_eq!(
            Association::FirstTimeContributor.as_str(),
            "FIRST_TIME_CONTRIBUTOR"
        );
    }
}
