//! SIGTERM and SIGINT, watched with signal-hook on a thread of their own.
//! The first signal asks the milestone supervisor to stop gracefully; a
//! second one asks it to stop now (down the tree as `Stop { immediate }`:
//! every worker gets SIGKILL, the run still records where it was); a third
//! kills every worker from here and exits, in case the tree is stuck.

use actix::Recipient;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::{Handle, Signals};

use crate::messages::Shutdown;
use crate::messages::StopCause;
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
            match seen {
                1 => {
                    eprintln!("\nstopping: workers get SIGTERM, then SIGKILL after the grace period; press Ctrl-C again to kill them now");
                    supervisor.do_send(Shutdown { cause });
                }
                2 => {
                    eprintln!("\nkilling every worker now");
                    supervisor.do_send(Shutdown { cause });
                }
                _ => {
                    Registry::global().kill_all_now();
                    std::process::exit(i32::from(super::exit::for_stop(cause).code()));
                }
            }
        }
    })?;
    Ok(SignalWatch { handle })
}
