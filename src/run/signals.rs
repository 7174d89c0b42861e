//! SIGTERM and SIGINT, watched with signal-hook on a thread of their own.
//! The first signal asks the milestone supervisor to stop gracefully; a
//! second one kills every worker's process group at once and exits.

use actix::Recipient;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use super::outcome::StopCause;
use crate::messages::Shutdown;
use crate::worker::Registry;

/// Stops watching when dropped, so a finished run stops intercepting Ctrl-C.
pub struct SignalWatch {
    handle: Handle,
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        self.handle.close();
    }
}

fn cause_of(signal: i32) -> StopCause {
    if signal == SIGINT {
        StopCause::Interrupt
    } else {
        StopCause::Terminate
    }
}

/// Starts the watcher thread; shutdown requests go to `supervisor`.
pub fn watch(supervisor: Recipient<Shutdown>) -> std::io::Result<SignalWatch> {
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    let handle = signals.handle();
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        let mut seen = 0;
        for signal in signals.forever() {
            seen += 1;
            let cause = cause_of(signal);
            if seen == 1 {
                eprintln!("\nstopping: workers get SIGTERM, then SIGKILL after the grace period; press Ctrl-C again to kill them now");
                supervisor.do_send(Shutdown { cause });
            } else {
                eprintln!("\nkilling every worker now");
                Registry::global().kill_all_now();
                std::process::exit(i32::from(cause.exit().code()));
            }
        }
    })?;
    Ok(SignalWatch { handle })
}
