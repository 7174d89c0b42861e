//! The command line: arguments, target parsing, exit codes, and dispatch to the commands.

pub mod args;
pub mod context;
pub mod exit;
pub mod logging;
pub mod plan_cmd;
mod run_cmd;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use exit::Exit;

/// Why a command could not do its job; decides the exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line was wrong (exit 2); the text is printed as is.
    #[error("{0}")]
    Usage(String),
    /// Anything else (exit 1).
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

impl CliError {
    fn exit(&self) -> Exit {
        match self {
            CliError::Usage(_) => Exit::Usage,
            CliError::Runtime(_) => Exit::Failure,
        }
    }
}

/// Runs the program with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            }
            .into();
        }
    };
    crate::run::panic::install_hook();
    logging::init(cli.common.quiet, cli.common.verbose);
    let result = match cli.command {
        #[cfg(feature = "demo")]
        Some(Command::SimWorker(args)) => return sim_agent::main(&args),
        #[cfg(feature = "demo")]
        Some(Command::Demo(args)) => crate::demo::main(args, cli.common),
        Some(Command::Status(args)) => crate::status::main(args, cli.common),
        Some(Command::Doctor) => crate::doctor::main(cli.common),
        None => run_cmd::main(cli.run, cli.common),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            match &e {
                CliError::Usage(text) => eprintln!("{text}"),
                CliError::Runtime(err) => eprintln!("error: {err:#}"),
            }
            e.exit().into()
        }
    }
}
