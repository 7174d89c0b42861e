//! The main command: plan the target, and unless `--dry-run`, run it.

use anyhow::{Context as _, anyhow};

use super::args::RunArgs;
use crate::command::context;
use crate::command::exit::Exit;
use crate::command::plan_cmd;
use crate::command::{CommandError, CommonArgs};
use crate::config::Settings;
use crate::dashboard;
use crate::paths::{self, StatePaths};
use crate::plan::Target;
use crate::run::{self, RunRequest};

pub fn main(run: RunArgs, common: CommonArgs) -> Result<Exit, CommandError> {
    let target = Target::parse(&run.target).map_err(|e| CommandError::Usage(e.to_string()))?;
    let settings = context::load_settings(&common, |s| apply_run_flags(s, &run))?;
    actix::System::new().block_on(execute(target, run, common, settings))
}

async fn execute(
    target: Target,
    run: RunArgs,
    common: CommonArgs,
    settings: Settings,
) -> Result<Exit, CommandError> {
    let cwd =
        std::env::current_dir().map_err(|e| anyhow!("cannot read the current directory: {e}"))?;
    let root = context::checkout_root(&cwd).await;
    let repo = context::resolve_repo(&settings, root.as_deref()).await?;
    let gh = context::github_client(&settings, repo.clone())?;
    if run.dry_run {
        let planned = plan_cmd::make_plan(&*gh, &target, &settings, None)
            .await
            .map_err(anyhow::Error::from)?;
        if common.json {
            println!("{}", plan_cmd::render_json(&planned));
        } else {
            print!("{}", plan_cmd::render_text(&planned));
            if let Some(preview) =
                resume_preview(root.as_deref(), &cwd, &settings, &repo, &target).await
            {
                print!("\n{preview}");
            }
        }
        return Ok(match plan_cmd::blocking_problem(&planned.plan) {
            Some(problem) => {
                eprintln!("{problem}");
                Exit::Failure
            }
            None => Exit::Success,
        });
    }
    let Some(root) = root else {
        return Err(anyhow!(
            "not inside a git checkout: run from a clone of {repo} (workers need one); --dry-run works anywhere"
        )
        .into());
    };
    let paths = StatePaths::for_checkout(&root, &settings).await?;
    // Held until the run ends: dropping it stops the server.
    let _dashboard = if run.dashboard {
        Some(start_dashboard(&paths, &repo, &target).await?)
    } else {
        None
    };
    let request = RunRequest {
        target,
        settings,
        repo,
        root,
        paths,
        gh,
        resume: run.resume,
        reset_attempts: run.reset_attempts,
        only_wave: run.wave,
        json: common.json,
        approve_all: false,
        worker_env: Vec::new(),
        command_line: command_line(),
    };
    Ok(run::start(request).await?)
}

/// Serves the run's page beside it and prints its URL (to stderr: stdout
/// may carry `--json`). Answers given on the page go to this run's
/// approval engine, under the same rules as any other answer.
async fn start_dashboard(
    paths: &StatePaths,
    repo: &crate::ids::RepoSlug,
    target: &Target,
) -> anyhow::Result<dashboard::Served> {
    let run = dashboard::RunChoice::Target {
        repo: repo.clone(),
        target_key: target.key(),
    };
    let served = dashboard::Dashboard::new(
        paths.db.path().to_path_buf(),
        paths.log_dir.clone(),
        run,
        Some(std::sync::Arc::new(crate::approval::web::WebSink)),
    )
    .start()
    .await
    .context("start the dashboard on 127.0.0.1")?;
    eprintln!("{}", dashboard::announce(&served));
    Ok(served)
}

/// The command as typed, quoted where a shell would need it, for messages
/// that suggest running it again.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--resume")
        .collect();
    let quoted: Vec<String> = args
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "\"'$`\\".contains(c)) {
                format!("'{}'", a.replace('\'', r"'\''"))
            } else {
                a.clone()
            }
        })
        .collect();
    format!("auto-milestone {}", quoted.join(" "))
}

/// What `--resume` would do with an unfinished run of this target, if one
/// is in the checkpoint (read-only: a dry run changes nothing).
async fn resume_preview(
    root: Option<&std::path::Path>,
    cwd: &std::path::Path,
    settings: &Settings,
    repo: &crate::ids::RepoSlug,
    target: &Target,
) -> Option<String> {
    let choice = paths::checkpoint_to_read(root, cwd, settings).await.ok()?;
    let db = choice.path();
    if !db.exists() {
        return None;
    }
    choice.announce();
    let store = crate::checkpoint::Store::open_read_only(db).ok()?;
    let run = store.find_unfinished_run(repo, &target.key()).ok()??;
    crate::status::resume_preview(&store, &run).ok()
}

/// The run's flags that are also settings, over the file and environment.
fn apply_run_flags(s: &mut Settings, run: &RunArgs) {
    if let Some(n) = run.parallel {
        s.parallel = n as usize;
    }
    if let Some(mode) = run.schedule {
        s.schedule = mode.into();
    }
    if run.skip_ci {
        s.ci.skip = true;
    }
    if let Some(usd) = run.max_budget_usd_total {
        s.budget.max_total_usd = Some(usd);
    }
}
