//! The built-in demo: a sample milestone in the sandbox, run through the whole flow.

pub mod fixture;

use std::sync::Arc;

use anyhow::Context as _;

use crate::cli::CliError;
use crate::cli::args::{CommonArgs, DemoArgs};
use crate::cli::exit::Exit;
use crate::cli::plan_cmd;
use crate::config::Settings;
use crate::github::auth::Token;
use crate::github::retry::RetryPolicy;
use crate::github::{GitHubApi, OctoGitHub};
use crate::plan::Target;
use crate::sandbox::Sandbox;

/// `auto-milestone demo`: no network, no credentials.
pub fn main(args: DemoArgs, common: CommonArgs) -> Result<Exit, CliError> {
    let _ = args;
    actix::System::new().block_on(plan_demo(common.json))
}

/// Starts the sandbox with the sample milestone and plans it.
async fn plan_demo(json: bool) -> Result<Exit, CliError> {
    let sandbox = Sandbox::try_start().context("start the sandbox GitHub on 127.0.0.1")?;
    let repo = sandbox.state().add_repo(fixture::REPO, "main");
    fixture::load(&repo, |_| String::new());
    let banner = format!(
        "Sandbox GitHub on {} with milestone \"{}\" in {}.\n",
        sandbox.url(),
        fixture::MILESTONE,
        fixture::REPO
    );
    // JSON output stays one object on stdout.
    if json {
        eprintln!("{banner}");
    } else {
        println!("{banner}");
    }
    let slug = fixture::REPO.parse().expect("valid demo slug");
    let gh: Arc<dyn GitHubApi> = Arc::new(
        OctoGitHub::new(
            sandbox.url(),
            &Token::new("sandbox"),
            slug,
            RetryPolicy::default(),
        )
        .context("set up the GitHub client for the sandbox")?,
    );
    let target = Target::Milestone(fixture::MILESTONE.into());
    let planned = plan_cmd::make_plan(&*gh, &target, &Settings::default(), None)
        .await
        .map_err(anyhow::Error::from)?;
    if json {
        println!("{}", plan_cmd::render_json(&planned));
    } else {
        print!("{}", plan_cmd::render_text(&planned));
    }
    Ok(Exit::Success)
}
