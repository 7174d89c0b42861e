//! Identities used across the crate: issue and PR numbers, commit SHAs, branch
//! names and repository slugs, as newtypes so they cannot be mixed up.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A GitHub issue number within one repository.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IssueNumber(pub u64);

/// A pull request number within one repository.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
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

/// A full 40-hex commit SHA.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CommitSha(pub String);

impl CommitSha {
    /// The first seven characters, as git prints them.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(7)]
    }
}

impl fmt::Display for CommitSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A branch name without the `refs/heads/` prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BranchName(pub String);

impl fmt::Display for BranchName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `owner/name` of a GitHub repository.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
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

    /// Whether `other` names the same repository (GitHub compares case-insensitively).
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

impl TryFrom<String> for RepoSlug {
    type Error = InvalidRepoSlug;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<RepoSlug> for String {
    fn from(value: RepoSlug) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_parses_owner_and_name() {
        let slug: RepoSlug = "rollercoaster-dev/monorepo".parse().unwrap();
        assert_eq!(slug, RepoSlug::new("rollercoaster-dev", "monorepo"));
        assert_eq!(slug.to_string(), "rollercoaster-dev/monorepo");
    }

    #[test]
    fn slug_rejects_other_shapes() {
        for bad in ["", "a", "a/", "/b", "a/b/c", "a b/c"] {
            assert!(bad.parse::<RepoSlug>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn numbers_display_with_hash() {
        assert_eq!(IssueNumber(12).to_string(), "#12");
        assert_eq!(PrNumber(456).to_string(), "#456");
        assert_eq!(CommitSha("0123456789abcdef".into()).short(), "0123456");
    }
}
