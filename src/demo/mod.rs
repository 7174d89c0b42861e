//! The built-in demo: a sample milestone in the sandbox, run through the
//! whole flow — plan, workers (the binary itself in its simulated-worker
//! mode), CI that fails once and is fixed, a CodeRabbit review with a
//! nitpick and a real issue, approvals, squash merges, cleanup, summary —
//! with no network and no credentials.

pub mod fixture;
pub mod setup;

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use crate::command::exit::Exit;
use crate::command::plan_cmd;
use crate::command::{CommandError, CommonArgs};
use crate::config::{CiSettings, Dur, ReviewSettings, Settings, WorkerSettings};
use crate::github::auth::Token;
use crate::github::retry::RetryPolicy;
use crate::github::{GitHubApi, OctoGitHub};
use crate::paths::StatePaths;
use crate::plan::Target;
use crate::run::{self, RunRequest};
use gh_sandbox::{CiScript, CodeRabbitScript, Sandbox};

/// `auto-milestone demo`'s flags.
#[derive(Debug, Args, Clone, Default)]
pub struct DemoArgs {
    /// Answer every approval question with "merge" instead of asking on the terminal
    #[arg(long)]
    pub approve_all: bool,
    /// Plan the sample milestone only
    #[arg(long)]
    pub dry_run: bool,
    /// Keep the demo's temporary repository and checkpoint instead of deleting them
    #[arg(long)]
    pub keep: bool,
}

/// What each sample issue's simulated worker does (by position, 1-based).
fn directives(position: usize) -> String {
    let sim = match position {
        3 => "fail-ci, cost=0.62, slow=400ms",
        4 => "review-bug, review-nit, cost=0.48, slow=300ms",
        p => {
            return format!(
                "\n\n<!-- sim: cost=0.{}, slow={}ms -->",
                20 + p * 3,
                200 + (p % 4) * 150
            );
        }
    };
    format!("\n\n<!-- sim: {sim} -->")
}

/// `auto-milestone demo`.
pub fn main(args: DemoArgs, common: CommonArgs) -> Result<Exit, CommandError> {
    actix::System::new().block_on(async move {
        // The run's progress is not JSON, so `--json` shows the plan only.
        if args.dry_run || common.json {
            return plan_only(common.json).await;
        }
        run_demo(args).await
    })
}

fn client(sandbox: &Sandbox) -> anyhow::Result<Arc<dyn GitHubApi>> {
    let slug = fixture::REPO.parse().expect("valid demo slug");
    let gh = OctoGitHub::new(
        sandbox.url(),
        &Token::new("sandbox"),
        slug,
        RetryPolicy::default(),
    )
    .context("set up the GitHub client for the sandbox")?;
    Ok(Arc::new(gh))
}

/// Starts the sandbox with the sample milestone and plans it.
async fn plan_only(json: bool) -> Result<Exit, CommandError> {
    let sandbox = Sandbox::try_start().context("start the sandbox GitHub on 127.0.0.1")?;
    let repo = sandbox.state().add_repo(fixture::REPO, "main");
    fixture::load(&repo, |_| String::new());
    let banner = format!(
        "Sandbox GitHub on {} with milestone \"{}\" in {}.\n",
        sandbox.url(),
        fixture::MILESTONE,
        fixture::REPO
    );
    let target = Target::Milestone(fixture::MILESTONE.into());
    let planned = plan_cmd::make_plan(&*client(&sandbox)?, &target, &Settings::default(), None)
        .await
        .map_err(anyhow::Error::from)?;
    if json {
        eprintln!("{banner}");
        println!("{}", plan_cmd::render_json(&planned));
    } else {
        println!("{banner}");
        print!("{}", plan_cmd::render_text(&planned));
    }
    Ok(Exit::Success)
}

/// Settings that make simulated work look like work without taking long.
fn demo_settings(exe: &str) -> Settings {
    let sim = |extra: &[&str]| -> Vec<String> {
        let mut argv = vec![exe.to_string(), "sim-worker".to_string()];
        argv.extend(extra.iter().map(|s| s.to_string()));
        argv
    };
    Settings {
        parallel: 3,
        shutdown_grace: Dur::secs(5),
        worker: WorkerSettings {
            command: sim(&["{issue}"]),
            resume_command: sim(&["--resume", "{session}", "0"]),
            timeout: Dur::mins(2),
            stall_timeout: Dur::secs(30),
            grace: Dur::secs(2),
            ..WorkerSettings::default()
        },
        ci: CiSettings {
            fix_command: sim(&["--mode", "fix-ci", "{pr}"]),
            grace: Dur::secs(5),
            poll_min: Dur(Duration::from_millis(200)),
            poll_max: Dur(Duration::from_millis(800)),
            ..CiSettings::default()
        },
        review: ReviewSettings {
            fix_command: sim(&["--mode", "fix-review", "--text", "{comments}", "{pr}"]),
            changes_command: sim(&["--mode", "changes", "--text", "{feedback}", "{pr}"]),
            wait: Dur::secs(5),
            ..ReviewSettings::default()
        },
        ..Settings::default()
    }
}

/// The whole flow in the sandbox.
async fn run_demo(args: DemoArgs) -> Result<Exit, CommandError> {
    let dir = tempfile::Builder::new()
        .prefix("auto-milestone-demo-")
        .tempdir()
        .context("create a temporary directory")?;
    let repos = setup::create(dir.path()).await?;
    let sandbox = Sandbox::try_start().context("start the sandbox GitHub on 127.0.0.1")?;
    let repo = sandbox
        .state()
        .add_git_repo(fixture::REPO, "main", &repos.origin);
    repo.set_ci(Some(CiScript {
        queued_for: Duration::from_millis(300),
        running_for: Duration::from_millis(900),
        ..CiScript::default()
    }));
    repo.set_coderabbit(Some(CodeRabbitScript {
        delay: Duration::from_millis(800),
        ..CodeRabbitScript::default()
    }));
    fixture::load(&repo, directives);
    let exe =
        std::env::current_exe().context("find this program's path for the simulated workers")?;
    let approve_all = args.approve_all || !std::io::stdin().is_terminal();
    println!(
        "Sandbox GitHub on {} with milestone \"{}\" in {}; origin and checkout in {}.",
        sandbox.url(),
        fixture::MILESTONE,
        fixture::REPO,
        dir.path().display()
    );
    if approve_all && !args.approve_all {
        println!(
            "stdin is not a terminal, so every question is answered automatically (as with --approve-all)."
        );
    } else if !approve_all {
        println!("You are the reviewer: answer each question below (e.g. `merge #14`).");
    }
    println!();
    let settings = demo_settings(&exe.to_string_lossy());
    let paths = StatePaths::for_checkout(&repos.checkout, &settings).await?;
    let request = RunRequest {
        target: Target::Milestone(fixture::MILESTONE.into()),
        settings,
        repo: fixture::REPO.parse().expect("valid demo slug"),
        root: repos.checkout.clone(),
        paths,
        gh: client(&sandbox)?,
        resume: false,
        reset_attempts: false,
        only_wave: None,
        json: false,
        approve_all,
        worker_env: vec![
            ("GITHUB_API_URL".into(), sandbox.url().to_string()),
            ("GITHUB_TOKEN".into(), "sandbox".into()),
        ],
        command_line: "auto-milestone demo".into(),
    };
    let exit = run::start(request).await?;
    if args.keep {
        let kept = dir.keep();
        println!(
            "\nThe demo's repositories, logs and checkpoint are in {}.",
            kept.display()
        );
    }
    Ok(exit)
}
