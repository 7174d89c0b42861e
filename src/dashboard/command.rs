//! The `serve` command: the dashboard of a run in this checkout's
//! checkpoint, read-only, until Ctrl-C (beside a running run or after it).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow};

use super::{Dashboard, RunChoice, announce};
use crate::command::context;
use crate::command::exit::Exit;
use crate::command::{CommandError, CommonArgs};
use crate::config::Settings;
use crate::paths;
use crate::plan::Target;

/// `auto-milestone serve`'s arguments: which run to show, as for `status`.
pub type ServeArgs = crate::status::StatusArgs;

/// `auto-milestone serve [TARGET]`.
pub fn main(args: ServeArgs, common: CommonArgs) -> Result<Exit, CommandError> {
    let target = args.target()?;
    let settings = context::load_settings(&common, |_| {})?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(serve(target, settings))?;
    Ok(Exit::Success)
}

async fn serve(target: Option<Target>, settings: Settings) -> anyhow::Result<()> {
    let cwd =
        std::env::current_dir().map_err(|e| anyhow!("cannot read the current directory: {e}"))?;
    let root = context::checkout_root(&cwd).await;
    let choice = paths::checkpoint_to_read(root.as_deref(), &cwd, &settings).await?;
    choice.announce();
    let db = choice.path().to_path_buf();
    let run = match target {
        Some(target) => RunChoice::Target {
            repo: context::resolve_repo(&settings, root.as_deref()).await?,
            target_key: target.key(),
        },
        None => RunChoice::Latest,
    };
    if !db.exists() {
        eprintln!(
            "note: no checkpoint at {} yet; the page shows the run once one starts",
            db.display()
        );
    }
    let log_dir = log_dir(&settings, root.as_deref().unwrap_or(&cwd), &db);
    let mut served = Dashboard::new(db, log_dir, run, None)
        .start()
        .await
        .context("start the dashboard on 127.0.0.1")?;
    println!("{}", announce(&served));
    eprintln!("read-only (answer questions in the running process); Ctrl-C stops");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = served.wait() => {}
    }
    Ok(())
}

/// Where the run's workers log: the `log_dir` setting, or `logs` beside the
/// checkpoint (where a run puts them by default, `paths::StatePaths`).
fn log_dir(settings: &Settings, root: &Path, db: &Path) -> PathBuf {
    match &settings.log_dir {
        Some(dir) => paths::under_root(root, dir),
        None => db.parent().unwrap_or(Path::new(".")).join(paths::LOG_DIR),
    }
}
