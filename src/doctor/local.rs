//! The checks about this machine and this checkout: the settings load, git
//! runs, the directory is a clone with an `origin`, and which repository a
//! run would use. Pure: each takes what was observed and decides.

use std::fmt;
use std::path::Path;

use super::check::Check;
use crate::command::context::{Origin, RepoChoiceError, choose_repo};
use crate::github::remote::slug_from_remote;
use crate::ids::RepoSlug;

/// Where the configured repository came from, named as the user set it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RepoSource {
    Flag,
    Env,
    File,
    Origin,
}

impl fmt::Display for RepoSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RepoSource::Flag => "--repo",
            RepoSource::Env => "GITHUB_REPOSITORY",
            RepoSource::File => "`repo` in the settings file",
            RepoSource::Origin => "the origin remote",
        })
    }
}

/// The settings: loaded from `file` (if any), the environment and defaults, or not.
pub fn settings(file: Option<&Path>, loaded: Result<(), String>) -> Check {
    match (loaded, file) {
        (Ok(()), Some(file)) => Check::ok(
            "settings",
            format!("{}, the environment and defaults", file.display()),
        ),
        (Ok(()), None) => Check::ok("settings", "the environment and defaults"),
        (Err(e), _) => Check::fail(
            "settings",
            e,
            "correct the setting named above (README, Settings); nothing else can be checked until the settings load",
        ),
    }
}

/// `git --version`'s answer, or why git could not be run.
pub fn git(version: Result<String, String>) -> Check {
    match version {
        Ok(v) => Check::ok("git", v),
        Err(e) => Check::fail(
            "git",
            format!("cannot run git: {e}"),
            "install git (e.g. `apt install git`, `brew install git`) and make sure it is on PATH",
        ),
    }
}

/// Whether `cwd` is inside a checkout (`root`) with an `origin` remote.
/// `repo` (when known) makes the suggested remote concrete.
pub fn checkout(cwd: &Path, root: Option<&Path>, origin: &Origin, repo: Option<&str>) -> Check {
    let repo = repo.unwrap_or("OWNER/NAME");
    let Some(root) = root else {
        return Check::fail(
            "checkout",
            format!("{} is not inside a git checkout", cwd.display()),
            format!(
                "run auto-milestone from a clone of the repository: `git clone git@github.com:{repo}.git` and cd into it"
            ),
        );
    };
    match origin {
        Origin::Url(url) => Check::ok("checkout", format!("{}, origin {url}", root.display())),
        _ => Check::fail(
            "checkout",
            format!(
                "{} has no `origin` remote: workers push their branches to origin",
                root.display()
            ),
            format!("add it: `git remote add origin git@github.com:{repo}.git` (or its https URL)"),
        ),
    }
}

/// The repository a run would use, decided as a run decides it, and the
/// check saying which and why; a configured repository that is not the one
/// `origin` points at is a warning.
pub fn repository(
    configured: Option<(&str, RepoSource)>,
    origin: &Origin,
) -> (Check, Option<RepoSlug>) {
    let source = configured.map_or(RepoSource::Origin, |(_, s)| s);
    match choose_repo(configured.map(|(r, _)| r), origin) {
        Ok(slug) => (agreement(&slug, source, origin), Some(slug)),
        Err(RepoChoiceError::Invalid(e)) => (
            Check::fail(
                "repository",
                format!("{source}: {e}"),
                "give the repository as OWNER/NAME, e.g. --repo acme/widgets",
            ),
            None,
        ),
        Err(RepoChoiceError::Unknown(why)) => (
            Check::fail(
                "repository",
                match origin {
                    // git's own words would repeat the checkout's failure.
                    Origin::Missing(_) => {
                        "cannot tell which repository to use: no --repo, no GITHUB_REPOSITORY, no origin remote".to_string()
                    }
                    _ => format!("cannot tell which repository to use: {why}"),
                },
                "pass --repo OWNER/NAME, set GITHUB_REPOSITORY, or run inside a clone whose origin is on GitHub",
            ),
            None,
        ),
    }
}

fn agreement(slug: &RepoSlug, source: RepoSource, origin: &Origin) -> Check {
    let from_origin = match origin {
        Origin::Url(url) => slug_from_remote(url),
        _ => None,
    };
    match from_origin {
        Some(other) if source != RepoSource::Origin && !other.same_as(slug) => Check::warn(
            "repository",
            format!("{slug} (from {source}), but origin is {other}"),
            format!(
                "workers push to origin while PRs are looked for in {slug}: unset {source}, or run from a clone of {slug}"
            ),
        ),
        _ => Check::ok("repository", format!("{slug} (from {source})")),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::doctor::check::Status;

    fn url(u: &str) -> Origin {
        Origin::Url(u.into())
    }

    #[test]
    fn settings_name_the_file_or_fail_with_the_loader_s_words() {
        let file = PathBuf::from("/etc/am.toml");
        assert_eq!(
            settings(Some(&file), Ok(())).detail,
            "/etc/am.toml, the environment and defaults"
        );
        let failed = settings(
            None,
            Err("invalid settings: parallel must be at least 1".into()),
        );
        assert_eq!(failed.status, Status::Fail);
        assert!(failed.detail.contains("parallel"));
    }

    #[test]
    fn git_reports_its_version_or_how_to_install_it() {
        assert_eq!(git(Ok("git version 2.43.0".into())).status, Status::Ok);
        let missing = git(Err("could not start git (No such file)".into()));
        assert_eq!(missing.status, Status::Fail);
        assert!(missing.fix.unwrap().contains("install git"));
    }

    #[test]
    fn a_checkout_needs_a_root_and_an_origin() {
        let cwd = PathBuf::from("/home/ann/src/widgets");
        let ok = checkout(
            &cwd,
            Some(&cwd),
            &url("git@github.com:acme/widgets.git"),
            None,
        );
        assert_eq!(ok.status, Status::Ok);
        assert!(ok.detail.contains("origin git@github.com:acme/widgets.git"));

        let outside = checkout(&cwd, None, &Origin::NoCheckout, None);
        assert_eq!(outside.status, Status::Fail);
        assert!(outside.detail.contains("not inside a git checkout"));
        assert!(outside.fix.unwrap().contains("git clone"));

        let no_origin = checkout(
            &cwd,
            Some(&cwd),
            &Origin::Missing("No such remote".into()),
            Some("acme/widgets"),
        );
        assert_eq!(no_origin.status, Status::Fail);
        assert!(no_origin.detail.contains("no `origin` remote"));
        assert!(
            no_origin
                .fix
                .unwrap()
                .contains("git remote add origin git@github.com:acme/widgets.git")
        );
    }

    #[test]
    fn the_repository_names_its_source() {
        let origin = url("https://github.com/acme/widgets.git");
        let (c, slug) = repository(None, &origin);
        assert_eq!(c.detail, "acme/widgets (from the origin remote)");
        assert_eq!(slug, Some(RepoSlug::new("acme", "widgets")));
        let (c, _) = repository(Some(("acme/widgets", RepoSource::Env)), &origin);
        assert_eq!(
            (c.status, c.detail.as_str()),
            (Status::Ok, "acme/widgets (from GITHUB_REPOSITORY)")
        );
    }

    #[test]
    fn a_configured_repository_other_than_origin_warns() {
        let origin = url("git@github.com:acme/widgets.git");
        let (c, slug) = repository(Some(("acme/fork", RepoSource::Flag)), &origin);
        assert_eq!(c.status, Status::Warn);
        assert_eq!(
            c.detail,
            "acme/fork (from --repo), but origin is acme/widgets"
        );
        assert_eq!(slug, Some(RepoSlug::new("acme", "fork")));
        // A local origin (tests, mirrors) names no repository: nothing to compare.
        let (c, _) = repository(
            Some(("acme/fork", RepoSource::Flag)),
            &url("/srv/git/w.git"),
        );
        assert_eq!(c.status, Status::Ok);
    }

    #[test]
    fn no_repository_fails_with_what_to_pass() {
        let (c, slug) = repository(None, &url("/srv/git/widgets.git"));
        assert_eq!((c.status, slug), (Status::Fail, None));
        assert!(c.detail.contains("origin is /srv/git/widgets.git"));
        assert!(c.fix.unwrap().contains("--repo OWNER/NAME"));
        let (c, _) = repository(None, &Origin::Missing("error: No such remote".into()));
        assert!(c.detail.ends_with("no origin remote"), "{}", c.detail);
        let (c, _) = repository(Some(("widgets", RepoSource::File)), &Origin::Unread);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.detail.starts_with("`repo` in the settings file: "),
            "{}",
            c.detail
        );
    }
}
