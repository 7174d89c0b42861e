//! The command line: arguments, target parsing, exit codes, and dispatch to the commands.

use std::process::ExitCode;

/// Runs the program with the process's arguments.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}

pub mod args;
pub mod exit;
