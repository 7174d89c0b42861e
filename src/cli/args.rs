//! The command line as clap sees it. Every flag that is also a setting
//! overrides that setting's file and environment values.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::command::CommonArgs;
use crate::config::Schedule;

#[derive(Debug, Parser)]
#[command(
    name = "auto-milestone",
    version,
    about = "Run a GitHub milestone through headless coding-agent workers, one reviewed PR per issue",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
#[cfg_attr(
    feature = "demo",
    command(
        override_usage = "auto-milestone <milestone-name> or <issue-numbers> [OPTIONS]\n       auto-milestone serve [TARGET]\n       auto-milestone doctor [--json]\n       auto-milestone demo [--approve-all]"
    )
)]
#[cfg_attr(
    not(feature = "demo"),
    command(
        override_usage = "auto-milestone <milestone-name> or <issue-numbers> [OPTIONS]\n       auto-milestone serve [TARGET]\n       auto-milestone doctor [--json]"
    )
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a sample milestone through the whole flow in the built-in sandbox (no network, no credentials).
    #[cfg(feature = "demo")]
    Demo(crate::demo::DemoArgs),
    /// Show a run from the checkpoint as its wave tree: during a run (from another terminal) or after it.
    Status(crate::status::StatusArgs),
    /// Serve a live web page of a run on 127.0.0.1 (read-only): its graph, timelines and worker logs.
    Serve(crate::dashboard::ServeArgs),
    /// Check that a real run can start here: git, the repository, the GitHub token and its rights, the worker, Telegram, branch protection.
    Doctor,
    /// The simulated coding-agent worker used by the demo and tests.
    #[cfg(feature = "demo")]
    #[command(hide = true)]
    SimWorker(sim_agent::Args),
}

/// Running (or planning) a milestone or a list of issues.
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// A milestone name ("OB3 Phase 1") or issue numbers (153 154 155 or 153,154,155)
    #[arg(value_name = "TARGET", num_args = 0..)]
    pub target: Vec<String>,
    /// Workers running at once
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parallel: Option<u32>,
    /// Plan only: show the waves and exit
    #[arg(long)]
    pub dry_run: bool,
    /// Run only wave N (its blockers must already be merged)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub wave: Option<u32>,
    /// Do not wait for CI
    #[arg(long)]
    pub skip_ci: bool,
    /// Continue the unfinished run for this target
    #[arg(long)]
    pub resume: bool,
    /// With --resume: count workers, CI fixes and review rounds from zero again
    /// (by default a resumed issue keeps what it used up)
    #[arg(long, requires = "resume")]
    pub reset_attempts: bool,
    /// `blockers`: start an issue when its own blockers are merged; `waves`: strict wave order
    #[arg(long, value_enum, value_name = "MODE")]
    pub schedule: Option<ScheduleArg>,
    /// Stop starting workers once their total cost reaches this many dollars
    #[arg(long, value_name = "USD")]
    pub max_budget_usd_total: Option<f64>,
    /// Serve a live web page of the run on 127.0.0.1 (its URL, with a token, is printed)
    #[arg(long)]
    pub dashboard: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScheduleArg {
    Blockers,
    Waves,
}

impl From<ScheduleArg> for Schedule {
    fn from(value: ScheduleArg) -> Self {
        match value {
            ScheduleArg::Blockers => Schedule::Blockers,
            ScheduleArg::Waves => Schedule::Waves,
        }
    }
}
