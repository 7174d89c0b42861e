//! The `doctor` command: a preflight a new user runs before a first real
//! run. It looks at git and the checkout, the repository a run would use,
//! the GitHub token and its rights, the worker program and its `/auto-issue`
//! command, Telegram, and the base branch's protection, and reports one line
//! per check (`ok` / `warn` / `fail`) with the fix for each problem.
//!
//! The decisions are plain functions over what was observed ([`local`],
//! [`github`], [`worker`], [`telegram`]); [`probe`] and the GitHub client
//! do the looking; this file only puts them in order.

pub mod check;
pub mod github;
pub mod local;
pub mod probe;
pub mod telegram;
pub mod worker;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub use check::{Check, Report, Status};

use crate::approval::channel::{TelegramSetup, telegram_setup};
use crate::command::context::{self, Origin, env_var};
use crate::command::exit::Exit;
use crate::command::{CommandError, CommonArgs};
use crate::config::Settings;
use crate::github::GitHubApi;
use crate::ids::{BranchName, RepoSlug};
use local::RepoSource;

/// `auto-milestone doctor [--json]`: exit 0 when nothing failed, else 1.
pub fn main(common: CommonArgs) -> Result<Exit, CommandError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let report = runtime.block_on(diagnose(&common));
    if common.json {
        println!("{:#}", report.json());
    } else {
        print!("{}", report.text());
    }
    Ok(report.exit())
}

/// Every check, in the order a user fixes things.
pub async fn diagnose(common: &CommonArgs) -> Report {
    let file = common.config.as_deref();
    let settings = match context::load_settings(common, |_| {}) {
        Ok(settings) => settings,
        Err(e) => {
            let failed = local::settings(file, Err(format!("{e:#}")));
            return Report {
                checks: vec![failed],
            };
        }
    };
    let mut checks = vec![local::settings(file, Ok(()))];
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    checks.push(local::git(probe::git_version(&cwd).await));
    let root = context::checkout_root(&cwd).await;
    let origin = match &root {
        Some(root) => Origin::read(root).await,
        None => Origin::NoCheckout,
    };
    let configured = configured_repo(common, &settings);
    let named = configured.map(|(repo, _)| repo);
    checks.push(local::checkout(&cwd, root.as_deref(), &origin, named));
    let (repository, repo) = local::repository(configured, &origin);
    checks.push(repository);
    let workdir = root.clone().unwrap_or(cwd);
    let ((gh, protection), worker, tg) = tokio::join!(
        github_checks(&settings, repo),
        worker_checks(&settings, root.as_deref(), &workdir),
        telegram_checks(&settings),
    );
    checks.extend(gh.into_iter().chain(worker).chain(tg));
    checks.push(protection);
    Report { checks }
}

/// The configured repository and where it was set: the settings already
/// merge flag, variable and file, so the source is worked out again here.
fn configured_repo<'a>(
    common: &CommonArgs,
    settings: &'a Settings,
) -> Option<(&'a str, RepoSource)> {
    let repo = settings.repo.as_deref()?;
    let source = if common.repo.is_some() {
        RepoSource::Flag
    } else if env_var("GITHUB_REPOSITORY").as_deref() == Some(repo) {
        RepoSource::Env
    } else {
        RepoSource::File
    };
    Some((repo, source))
}

/// Token, access and rights; and, apart (it is reported last), protection.
async fn github_checks(settings: &Settings, repo: Option<RepoSlug>) -> (Vec<Check>, Check) {
    let found = context::discover_token(settings).ok();
    let source = found.as_ref().map(|(_, source)| *source);
    let (Some((token, _)), Some(repo)) = (found, repo) else {
        let why = match source {
            None => "there is no GitHub token",
            Some(_) => "there is no repository to ask about",
        };
        let skipped = |name| Check::not_checked(name, why);
        let checks = vec![
            github::token(source, None),
            skipped("access"),
            skipped("rights"),
        ];
        return (checks, skipped("protection"));
    };
    let client = context::client_with(settings, repo.clone(), &token);
    let answer = match &client {
        Ok(client) => client.repository_access().await,
        Err(e) => Err(e.clone()),
    };
    let mut checks = vec![
        github::token(source, Some(&answer)),
        github::access(&repo, &settings.api_url, &answer),
    ];
    let (Ok(client), Ok(access)) = (client, &answer) else {
        let why = "the repository could not be read";
        checks.push(Check::not_checked("rights", why));
        return (checks, Check::not_checked("protection", why));
    };
    checks.push(github::rights(&repo, access));
    let branch = match &settings.base_branch {
        Some(base) => BranchName(base.clone()),
        None => access.default_branch.clone(),
    };
    let protection = client.branch_protection(&branch).await;
    let protection = github::protection(&repo, &branch, settings.ci.skip, &protection);
    (checks, protection)
}

/// The worker program, and the `/auto-issue` command it runs.
async fn worker_checks(settings: &Settings, root: Option<&Path>, workdir: &Path) -> Vec<Check> {
    let command = &settings.worker.command;
    let program = command.first().map(String::as_str).unwrap_or_default();
    let found = probe::program(program, workdir).await;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let (project, user) = probe::command_files(root, home.as_deref());
    let uses = worker::uses_auto_issue(command);
    vec![
        worker::worker(program, &found),
        worker::auto_issue(uses, project.as_deref(), user.as_deref()),
    ]
}

async fn telegram_checks(settings: &Settings) -> Vec<Check> {
    let (token, chat) = match telegram_setup(settings, env_var) {
        TelegramSetup::NotConfigured => return vec![telegram::not_configured()],
        TelegramSetup::Incomplete(missing) => return vec![telegram::incomplete(missing)],
        TelegramSetup::Configured { token, chat } => (token, chat),
    };
    let t = &settings.telegram;
    let restricted = !t.allowed_users.is_empty();
    let found = probe::telegram(&token, t.api_url.as_deref(), chat, restricted).await;
    telegram::probed(&found)
}
