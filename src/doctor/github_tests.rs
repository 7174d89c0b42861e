use super::*;
use crate::doctor::check::Status;

fn repo() -> RepoSlug {
    RepoSlug::new("acme", "widgets")
}

fn access(perms: Option<RepoPermissions>, scopes: Option<&[&str]>, private: bool) -> RepoAccess {
    RepoAccess {
        default_branch: BranchName("main".into()),
        private,
        permissions: perms,
        oauth_scopes: scopes.map(|s| s.iter().map(|x| x.to_string()).collect()),
    }
}

fn status(code: u16, message: &str) -> GitHubError {
    GitHubError::Status {
        route: "GET /repos/acme/widgets".into(),
        status: code,
        message: message.into(),
    }
}

fn writer() -> RepoPermissions {
    RepoPermissions {
        push: true,
        pull: true,
        ..RepoPermissions::default()
    }
}

#[test]
fn a_token_is_named_by_its_source_never_shown() {
    let ok = Ok(access(Some(writer()), None, false));
    let c = token(Some(TokenSource::GhCli), Some(&ok));
    assert_eq!(
        (c.status, c.detail.as_str()),
        (Status::Ok, "found in `gh auth token`; GitHub accepted it")
    );
    let hidden = Err(status(404, "Not Found"));
    assert_eq!(
        token(Some(TokenSource::GhToken), Some(&hidden)).status,
        Status::Ok
    );
}

#[test]
fn no_token_and_a_rejected_token_fail_with_what_to_do() {
    let none = token(None, None);
    assert_eq!(none.status, Status::Fail);
    assert!(none.fix.unwrap().contains("gh auth login"));
    let rejected = Err(status(401, "Bad credentials"));
    let c = token(Some(TokenSource::GithubToken), Some(&rejected));
    assert_eq!(c.status, Status::Fail);
    assert_eq!(
        c.detail,
        "GitHub rejected the token from GITHUB_TOKEN (401 Bad credentials)"
    );
    assert_eq!(access(None, None, false).default_branch.0, "main");
    assert_eq!(
        super::access(&repo(), "https://api.github.com", &rejected).status,
        Status::Warn,
        "access is not checked with a rejected token"
    );
}

#[test]
fn an_unreachable_github_leaves_the_token_unverified_and_fails_access() {
    let down = Err(GitHubError::Transport {
        route: "GET /repos/acme/widgets".into(),
        detail: "connection refused".into(),
    });
    let t = token(Some(TokenSource::GithubToken), Some(&down));
    assert_eq!(t.status, Status::Warn);
    assert!(t.detail.starts_with("not checked: "), "{}", t.detail);
    let a = super::access(&repo(), "https://ghe.example.com/api/v3", &down);
    assert_eq!(a.status, Status::Fail);
    assert_eq!(
        a.detail,
        "could not reach GitHub at https://ghe.example.com/api/v3: connection refused"
    );
}

#[test]
fn access_shows_visibility_or_why_the_repository_is_not_seen() {
    let ok = Ok(access(Some(writer()), None, true));
    let c = super::access(&repo(), "u", &ok);
    assert_eq!(c.detail, "acme/widgets: private, default branch main");
    let c = super::access(&repo(), "u", &Err(status(404, "Not Found")));
    assert_eq!(c.status, Status::Fail);
    assert!(c.fix.unwrap().contains("Repository access"));
    let c = super::access(&repo(), "u", &Err(status(403, "SAML enforced")));
    assert!(c.detail.contains("403 SAML enforced"), "{}", c.detail);
}

#[test]
fn an_account_that_cannot_push_fails_whatever_the_token() {
    for scopes in [Some(&["repo"][..]), None] {
        let c = rights(
            &repo(),
            &access(Some(RepoPermissions::read_only()), scopes, false),
        );
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.detail,
            "your account may only pull on acme/widgets: pushing branches and opening PRs needs write access"
        );
        assert!(c.fix.unwrap().contains("Write role"));
    }
}

#[test]
fn a_classic_token_is_verified_by_its_scopes_and_the_role() {
    let c = rights(
        &repo(),
        &access(Some(writer()), Some(&["repo", "read:org"]), true),
    );
    assert_eq!(c.status, Status::Ok);
    assert_eq!(
        c.detail,
        "classic token with scopes repo, read:org, account role push, pull: read issues, write contents and pull requests verified"
    );
    let public = access(Some(writer()), Some(&["public_repo"]), false);
    assert_eq!(rights(&repo(), &public).status, Status::Ok);
}

#[test]
fn a_classic_token_without_the_repo_scope_fails() {
    let private = access(Some(writer()), Some(&["public_repo"]), true);
    let c = rights(&repo(), &private);
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.ends_with("needs `repo`"), "{}", c.detail);
    let bare = access(Some(writer()), Some(&[]), false);
    let c = rights(&repo(), &bare);
    assert!(
        c.detail.starts_with("classic token with no scopes"),
        "{}",
        c.detail
    );
    assert!(c.fix.unwrap().contains("`repo` scope"));
}

#[test]
fn a_fine_grained_token_warns_that_its_own_permissions_are_not_visible() {
    let c = rights(&repo(), &access(Some(RepoPermissions::all()), None, false));
    assert_eq!(c.status, Status::Warn);
    assert!(c.detail.starts_with(
        "your account may push to acme/widgets (admin, maintain, push, triage, pull)"
    ));
    assert!(c.detail.contains("not verified"));
    assert!(c.fix.unwrap().contains("Contents: read and write"));
    let c = rights(&repo(), &access(None, None, false));
    assert_eq!(c.status, Status::Warn);
    assert!(
        c.detail
            .contains("neither token scopes nor your permissions")
    );
}

fn main() -> BranchName {
    BranchName("main".into())
}

#[test]
fn protection_names_the_required_checks_and_the_strict_rule() {
    let strict = Ok(Some(BranchProtection::requiring(&["ci", "lint"], true)));
    let c = protection(&repo(), &main(), false, &strict);
    assert_eq!(c.status, Status::Ok);
    assert!(
        c.detail
            .starts_with("main: required checks: ci, lint; branches must be up to date"),
        "{}",
        c.detail
    );
    let loose = Ok(Some(BranchProtection::requiring(&["ci"], false)));
    let c = protection(&repo(), &main(), false, &loose);
    assert!(c.detail.ends_with("(not strict)"), "{}", c.detail);
    let bare = Ok(Some(BranchProtection::default()));
    let c = protection(&repo(), &main(), false, &bare);
    assert_eq!(c.detail, "main is protected; no status checks are required");
    let c = protection(&repo(), &main(), false, &Ok(None));
    assert_eq!(
        c.detail,
        "main is not protected: GitHub requires nothing before a merge"
    );
}

#[test]
fn skipping_ci_on_a_branch_that_requires_checks_warns() {
    let required = Ok(Some(BranchProtection::requiring(&["ci"], false)));
    let c = protection(&repo(), &main(), true, &required);
    assert_eq!(c.status, Status::Warn);
    assert!(c.fix.unwrap().contains("ci.skip"));
}

#[test]
fn unreadable_protection_warns_naming_the_admin_right() {
    for answer in [
        Err(status(403, "Must have admin rights to Repository.")),
        Err(status(404, "Not Found")),
    ] {
        let c = protection(&repo(), &main(), false, &answer);
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.detail.contains("only to admins of acme/widgets"),
            "{}",
            c.detail
        );
        assert!(c.detail.contains("Administration: read"));
    }
}

#[test]
fn a_missing_base_branch_fails() {
    let c = protection(&repo(), &main(), false, &Err(status(404, BRANCH_NOT_FOUND)));
    assert_eq!(c.status, Status::Fail);
    assert_eq!(
        c.detail,
        "the base branch main does not exist on acme/widgets"
    );
    assert!(c.fix.unwrap().contains("AUTO_MILESTONE_BASE_BRANCH"));
}
