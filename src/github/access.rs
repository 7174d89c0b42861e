//! What a token may do on the repository and how its base branch is
//! protected: the repository's `permissions` (the account's role), the
//! `X-OAuth-Scopes` a classic token is answered with, and branch protection's
//! required status checks. Decoded from GitHub's JSON here, judged elsewhere
//! (`doctor`).

use serde::{Deserialize, Serialize};

use crate::ids::BranchName;

/// `GET /repos/{owner}/{repo}` as the token sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoAccess {
    pub default_branch: BranchName,
    pub private: bool,
    /// The account's role on the repository; GitHub leaves it out for some
    /// callers (an app's installation token, say).
    pub permissions: Option<RepoPermissions>,
    /// The scopes of a classic token, from `X-OAuth-Scopes`. `None` when the
    /// header is absent, as it is for fine-grained and app tokens, whose own
    /// permissions the API does not show.
    pub oauth_scopes: Option<Vec<String>>,
}

/// The repository's `permissions` object: what the account's role allows.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoPermissions {
    pub admin: bool,
    #[serde(default)]
    pub maintain: bool,
    pub push: bool,
    #[serde(default)]
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

    /// The names of the rights held, strongest first: `admin, push, pull`.
    pub fn held(&self) -> Vec<&'static str> {
        let all = [
            ("admin", self.admin),
            ("maintain", self.maintain),
            ("push", self.push),
            ("triage", self.triage),
            ("pull", self.pull),
        ];
        all.iter().filter(|(_, on)| *on).map(|(n, _)| *n).collect()
    }
}

/// A branch's protection, reduced to what a run meets when merging.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchProtection {
    /// `None`: status checks are not required.
    pub required_checks: Option<RequiredChecks>,
}

/// "Require status checks to pass before merging".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredChecks {
    /// The check run names and status contexts that must pass.
    pub contexts: Vec<String>,
    /// "Require branches to be up to date before merging": a PR behind its
    /// base cannot be merged until it is updated.
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

/// The fields of `GET /repos/{owner}/{repo}` read here.
#[derive(Deserialize)]
pub(super) struct RepoWire {
    default_branch: Option<String>,
    #[serde(default)]
    private: bool,
    permissions: Option<RepoPermissions>,
}

impl RepoWire {
    pub(super) fn into_access(self, oauth_scopes: Option<Vec<String>>) -> RepoAccess {
        RepoAccess {
            default_branch: BranchName(self.default_branch.unwrap_or_else(|| "main".into())),
            private: self.private,
            permissions: self.permissions,
            oauth_scopes,
        }
    }
}

/// The fields of `GET .../branches/{branch}/protection` read here.
#[derive(Deserialize)]
pub(super) struct ProtectionWire {
    required_status_checks: Option<ChecksWire>,
}

#[derive(Deserialize)]
struct ChecksWire {
    /// Deprecated by GitHub in favour of `checks`, still sent; both are read.
    #[serde(default)]
    contexts: Vec<String>,
    #[serde(default)]
    checks: Vec<CheckWire>,
    #[serde(default)]
    strict: bool,
}

#[derive(Deserialize)]
struct CheckWire {
    context: String,
}

impl From<ProtectionWire> for BranchProtection {
    fn from(wire: ProtectionWire) -> Self {
        let required_checks = wire.required_status_checks.map(|c| {
            let mut contexts = c.contexts;
            for check in c.checks {
                if !contexts.contains(&check.context) {
                    contexts.push(check.context);
                }
            }
            RequiredChecks {
                contexts,
                strict: c.strict,
            }
        });
        BranchProtection { required_checks }
    }
}

/// `X-OAuth-Scopes: repo, read:org` → `["repo", "read:org"]`; an empty
/// header (a classic token without scopes) is an empty list.
pub fn parse_scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_commas() {
        assert_eq!(parse_scopes("repo, read:org"), ["repo", "read:org"]);
        assert!(parse_scopes("").is_empty());
        assert!(parse_scopes(" , ").is_empty());
    }

    #[test]
    fn required_contexts_merge_contexts_and_checks() {
        let wire: ProtectionWire = serde_json::from_value(serde_json::json!({
            "required_status_checks": {
                "contexts": ["ci"],
                "checks": [{"context": "ci", "app_id": null}, {"context": "lint", "app_id": 1}],
                "strict": true
            }
        }))
        .unwrap();
        assert_eq!(
            BranchProtection::from(wire),
            BranchProtection::requiring(&["ci", "lint"], true)
        );
        let bare: ProtectionWire = serde_json::from_value(serde_json::json!({})).unwrap();
        let bare = BranchProtection::from(bare);
        assert_eq!(bare.required_checks, None);
        assert!(!bare.strict());
    }

    #[test]
    fn permissions_without_the_optional_roles_decode() {
        let wire: RepoWire = serde_json::from_value(serde_json::json!({
            "default_branch": "trunk",
            "permissions": {"admin": false, "push": true, "pull": true}
        }))
        .unwrap();
        let access = wire.into_access(None);
        assert_eq!(access.default_branch.0, "trunk");
        assert!(!access.private);
        assert_eq!(access.permissions.unwrap().held(), ["push", "pull"]);
    }
}
