//! The command line as clap sees it. Every flag that is also a setting
//! overrides that setting's file and environment values.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
        override_usage = "auto-milestone <milestone-name> or <issue-numbers> [OPTIONS]\n       auto-milestone doctor [--json]\n       auto-milestone demo [--approve-all]"
    )
)]
#[cfg_attr(
    not(feature = "demo"),
    command(
        override_usage = "auto-milestone <milestone-name> or <issue-numbers> [OPTIONS]\n       auto-milestone doctor [--json]"
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
    Demo(DemoArgs),
    /// Show a run from the checkpoint as its wave tree: during a run (from another terminal) or after it.
    Status(StatusArgs),
    /// Check that a real run can start here: git, the repository, the GitHub token and its rights, the worker, Telegram, branch protection.
    Doctor,
    /// The simulated coding-agent worker used by the demo and tests.
    #[cfg(feature = "demo")]
    #[command(hide = true)]
    SimWorker(sim_agent::Args),
}

/// Flags every command understands.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// OWNER/NAME (default: GITHUB_REPOSITORY, else the `origin` remote)
    #[arg(long, global = true, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// A TOML settings file
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The checkpoint database (default: auto-milestone/state.db under the repository's git directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Less output (-q: warnings and the summary only)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// More output (-v: debug, -vv: trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    /// `blockers`: start an issue when its own blockers are merged; `waves`: strict wave order
    #[arg(long, value_enum, value_name = "MODE")]
    pub schedule: Option<ScheduleArg>,
    /// Stop starting workers once their total cost reaches this many dollars
    #[arg(long, value_name = "USD")]
    pub max_budget_usd_total: Option<f64>,
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

#[cfg(feature = "demo")]
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

#[derive(Debug, Args, Clone, Default)]
pub struct StatusArgs {
    /// The milestone name or issue numbers whose latest run to show (default: the latest run of any target)
    #[arg(value_name = "TARGET", num_args = 0..)]
    pub target: Vec<String>,
}
