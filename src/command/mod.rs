//! What every command shares and the commands' own modules build on: the
//! flags every command understands ([`CommonArgs`]), the error that decides
//! the exit code ([`CommandError`], [`exit::Exit`]), settings, repository and
//! token resolution ([`context`]), and the planning step (`plan_cmd`) of a
//! run, a dry run and the demo. `cli` only parses and dispatches; nothing
//! here knows the commands.

pub mod context;
pub mod exit;
pub mod plan_cmd;

use std::path::PathBuf;

use clap::Args;

use exit::Exit;

/// Why a command could not do its job; decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command line was wrong (exit 2); the text is printed as is.
    #[error("{0}")]
    Usage(String),
    /// Anything else (exit 1).
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

impl CommandError {
    pub fn exit(&self) -> Exit {
        match self {
            CommandError::Usage(_) => Exit::Usage,
            CommandError::Runtime(_) => Exit::Failure,
        }
    }
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
