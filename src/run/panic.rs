//! What a panic does: print it, SIGKILL every worker's process group, and
//! exit with status 101. We chose ending the process over unwinding into the
//! actor system: a panic means a bug whose effect on in-memory state is
//! unknown, while the checkpoint — written before every side effect — is
//! known to be consistent, so `--resume` is the safe way on.

use crate::worker::Registry;

/// Installs the hook for the binary (tests keep the default hook).
pub fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        Registry::global().kill_all_now();
        eprintln!(
            "auto-milestone hit a bug and stopped; every worker was killed. The checkpoint is consistent: run the same command with --resume."
        );
        std::process::exit(101);
    }));
}
