//! The checks about GitHub: a token is found and accepted, the repository is
//! visible, the token may read issues and write contents and pull requests,
//! and how the base branch is protected. Pure: each takes GitHub's answers.
//!
//! What can be verified depends on the token. A classic token is answered
//! with `X-OAuth-Scopes`, so its scopes and the account's role
//! (`permissions`) together settle it. A fine-grained or app token is
//! answered with no scopes, and the API has no way to read its own
//! permissions: only the account's role can be checked, which is said as a
//! warning, never passed off as verified.

use super::check::Check;
use crate::github::auth::TokenSource;
use crate::github::client::BRANCH_NOT_FOUND;
use crate::github::{BranchProtection, GitHubError, RepoAccess, RepoPermissions};
use crate::ids::{BranchName, RepoSlug};

/// The permissions a fine-grained token needs, as its settings page names them.
const FINE_GRAINED_NEEDS: &str =
    "Issues: read, Contents: read and write, Pull requests: read and write";

/// The token's check: where it was found and whether GitHub took it.
/// `answer` is `GET /repos/{o}/{r}`'s, when there was a repository to ask about.
pub fn token(
    found: Option<TokenSource>,
    answer: Option<&Result<RepoAccess, GitHubError>>,
) -> Check {
    let Some(source) = found else {
        return Check::fail(
            "token",
            "no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset, and `gh auth token` printed none",
            "export GITHUB_TOKEN=<token> (or GH_TOKEN), or install gh and run `gh auth login`",
        );
    };
    match answer {
        None => Check::not_checked(
            "token",
            format!("found in {source}, but there is no repository to ask GitHub about"),
        ),
        Some(Err(GitHubError::Status {
            status: 401,
            message,
            ..
        })) => Check::fail(
            "token",
            format!("GitHub rejected the token from {source} (401 {message})"),
            "the token is wrong, expired or revoked: create a new one and export it (with gh: `gh auth refresh`)",
        ),
        // Any other answer GitHub gave means it took the credentials.
        Some(Ok(_) | Err(GitHubError::Status { .. })) => {
            Check::ok("token", format!("found in {source}; GitHub accepted it"))
        }
        Some(Err(_)) => Check::not_checked(
            "token",
            format!("found in {source}, but GitHub did not answer"),
        ),
    }
}

/// The repository's check: GitHub shows it to this token.
pub fn access(repo: &RepoSlug, api_url: &str, answer: &Result<RepoAccess, GitHubError>) -> Check {
    const NAME: &str = "access";
    let err = match answer {
        Ok(a) => {
            let visibility = if a.private { "private" } else { "public" };
            return Check::ok(
                NAME,
                format!("{repo}: {visibility}, default branch {}", a.default_branch),
            );
        }
        Err(e) => e,
    };
    match err {
        GitHubError::Status { status: 401, .. } => {
            Check::not_checked(NAME, "the token was rejected")
        }
        GitHubError::Status { status: 404, .. } => Check::fail(
            NAME,
            format!("{repo} does not exist, or this token cannot see it (404)"),
            format!(
                "check the name; a fine-grained token must list {repo} under \"Repository access\" (an organization may have to approve it); a classic token needs the `repo` scope for a private repository"
            ),
        ),
        GitHubError::Status {
            status: 403,
            message,
            ..
        } => Check::fail(
            NAME,
            format!("GitHub refused to show {repo} (403 {message})"),
            "an organization may require the token to be authorized for its SSO, or refuse this kind of token: see the token's settings and the organization's policy",
        ),
        GitHubError::Transport { detail, .. } => Check::fail(
            NAME,
            format!("could not reach GitHub at {api_url}: {detail}"),
            "check the network, or GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3)",
        ),
        other => Check::fail(
            NAME,
            other.to_string(),
            "try again; if it persists, check GITHUB_API_URL",
        ),
    }
}

/// The token's rights on the repository: read issues, write contents,
/// write pull requests — verified as far as the token lets anyone see.
pub fn rights(repo: &RepoSlug, access: &RepoAccess) -> Check {
    const NAME: &str = "rights";
    let role = access.permissions;
    if let Some(role) = role.filter(|r| !r.push) {
        return Check::fail(
            NAME,
            format!(
                "your account may only {} on {repo}: pushing branches and opening PRs needs write access",
                role_text(&role)
            ),
            format!(
                "ask an admin of {repo} for the Write role, or run on a repository you can push to"
            ),
        );
    }
    match &access.oauth_scopes {
        Some(scopes) => classic_rights(repo, access, scopes),
        None => fine_grained_rights(repo, role),
    }
}

fn role_text(role: &RepoPermissions) -> String {
    match role.held() {
        held if held.is_empty() => "nothing".into(),
        held => held.join(", "),
    }
}

fn classic_rights(repo: &RepoSlug, access: &RepoAccess, scopes: &[String]) -> Check {
    const NAME: &str = "rights";
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let writes = has("repo") || (!access.private && has("public_repo"));
    let listed = if scopes.is_empty() {
        "no scopes".to_string()
    } else {
        format!("scopes {}", scopes.join(", "))
    };
    if !writes {
        let needed = if access.private {
            "`repo`"
        } else {
            "`repo` (or `public_repo`)"
        };
        return Check::fail(
            NAME,
            format!(
                "classic token with {listed}: reading issues and writing contents and pull requests on {repo} needs {needed}"
            ),
            format!(
                "regenerate the token with the `repo` scope (github.com/settings/tokens), or use a fine-grained token with {FINE_GRAINED_NEEDS}"
            ),
        );
    }
    match access.permissions {
        Some(role) => Check::ok(
            NAME,
            format!(
                "classic token with {listed}, account role {}: read issues, write contents and pull requests verified",
                role_text(&role)
            ),
        ),
        None => Check::warn(
            NAME,
            format!(
                "classic token with {listed}, but GitHub did not say what your account may do on {repo}: writing not verified"
            ),
            format!("make sure your account has the Write role on {repo}"),
        ),
    }
}

fn fine_grained_rights(repo: &RepoSlug, role: Option<RepoPermissions>) -> Check {
    let fix = format!("make sure the token grants {FINE_GRAINED_NEEDS} on {repo}");
    let detail = match role {
        Some(role) => format!(
            "your account may push to {repo} ({}); the token sent no scopes (a fine-grained or app token), whose own permissions GitHub does not show: reading issues and writing contents and pull requests not verified",
            role_text(&role)
        ),
        None => format!(
            "GitHub sent neither token scopes nor your permissions on {repo}: rights not verified"
        ),
    };
    Check::warn("rights", detail, fix)
}

/// How the base branch is protected, as far as the token may read it.
pub fn protection(
    repo: &RepoSlug,
    branch: &BranchName,
    ci_skip: bool,
    answer: &Result<Option<BranchProtection>, GitHubError>,
) -> Check {
    const NAME: &str = "protection";
    match answer {
        Ok(None) => Check::ok(
            NAME,
            format!("{branch} is not protected: GitHub requires nothing before a merge"),
        ),
        Ok(Some(p)) => protected(branch, ci_skip, p),
        Err(GitHubError::Status {
            status: 404,
            message,
            ..
        }) if message == BRANCH_NOT_FOUND => Check::fail(
            NAME,
            format!("the base branch {branch} does not exist on {repo}"),
            "push it, or set base_branch (AUTO_MILESTONE_BASE_BRANCH) to a branch that exists",
        ),
        Err(GitHubError::Status {
            status: status @ (403 | 404),
            ..
        }) => Check::warn(
            NAME,
            format!(
                "cannot read the protection of {branch} ({status}): GitHub shows it only to admins of {repo} (a fine-grained token also needs Administration: read)"
            ),
            "nothing is needed for a run; to have it checked, use a token of an admin of the repository",
        ),
        Err(e) => Check::warn(
            NAME,
            format!("cannot read the protection of {branch}: {e}"),
            "nothing is needed for a run; run doctor again to have it checked",
        ),
    }
}

fn protected(branch: &BranchName, ci_skip: bool, p: &BranchProtection) -> Check {
    const NAME: &str = "protection";
    let Some(checks) = &p.required_checks else {
        return Check::ok(
            NAME,
            format!("{branch} is protected; no status checks are required"),
        );
    };
    let required = if checks.contexts.is_empty() {
        "status checks are required (none named)".to_string()
    } else {
        format!("required checks: {}", checks.contexts.join(", "))
    };
    let strict = if checks.strict {
        "branches must be up to date before merging (strict): a PR behind its base is updated, and its CI runs again, before it merges"
    } else {
        "branches need not be up to date (not strict)"
    };
    let detail = format!("{branch}: {required}; {strict}");
    if ci_skip && !checks.contexts.is_empty() {
        return Check::warn(
            NAME,
            detail,
            "ci.skip is on, but GitHub will refuse to merge until the required checks pass: turn ci.skip off (AUTO_MILESTONE_SKIP_CI, --skip-ci)",
        );
    }
    Check::ok(NAME, detail)
}

#[cfg(test)]
#[path = "github_tests.rs"]
mod tests;
