//! The command line's front end: parse the arguments (`args`), set up
//! logging and the panic hook, and hand each command to the module that owns
//! it. Nothing imports `cli`; what commands share lives in `command`.

pub mod args;
mod run_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::command::CommandError;
use crate::command::exit::Exit;
use crate::progress::logging;
use args::{Cli, Command};

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
        Some(Command::Serve(args)) => crate::dashboard::command::main(args, cli.common),
        Some(Command::Doctor) => crate::doctor::main(cli.common),
        None => run_cmd::main(cli.run, cli.common),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            match &e {
                CommandError::Usage(text) => eprintln!("{text}"),
                CommandError::Runtime(err) => eprintln!("error: {err:#}"),
            }
            e.exit().into()
        }
    }
}
