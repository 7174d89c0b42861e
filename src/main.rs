//! The `auto-milestone` binary: everything lives in the library; this only
//! hands the process's arguments to the command line front end.

fn main() -> std::process::ExitCode {
    auto_milestone::cli::main()
}
