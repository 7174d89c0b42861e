//! The one thread that forks every worker.
//!
//! Workers ask the kernel for SIGKILL when their parent dies
//! (`PR_SET_PDEATHSIG`), so a SIGKILLed orchestrator does not leave them
//! running. The kernel ties that signal to the *thread* that forked, not the
//! process: a worker forked from a tokio blocking-pool thread (which exits
//! after ten idle seconds) or from an actix arbiter that is later stopped
//! would be killed while the orchestrator is alive and well. So every fork
//! happens on this thread, which lives as long as the process.

use std::io;
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};

use tokio::process::{Child, Command};
use tokio::runtime::Handle;

struct Request {
    command: Command,
    /// The caller's runtime: the child is registered with its process driver.
    runtime: Handle,
    reply: mpsc::SyncSender<io::Result<Child>>,
}

static SPAWNER: Mutex<Option<mpsc::Sender<Request>>> = Mutex::new(None);

fn sender() -> io::Result<mpsc::Sender<Request>> {
    let mut slot = SPAWNER.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(tx) = slot.as_ref() {
        return Ok(tx.clone());
    }
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("worker-spawner".into())
        .spawn(move || {
            // Ends only if every sender is gone, and the static keeps one forever.
            for mut request in rx {
                let _runtime = request.runtime.enter();
                let _ = request.reply.send(request.command.spawn());
            }
        })?;
    *slot = Some(tx.clone());
    Ok(tx)
}

/// Spawns `command` on the spawner thread, within the caller's tokio runtime.
/// Blocks the caller for the fork and exec, as `Command::spawn` itself does.
pub(crate) fn spawn(command: Command) -> io::Result<Child> {
    let runtime = Handle::try_current().map_err(io::Error::other)?;
    let (reply, answer) = mpsc::sync_channel(1);
    let gone = || io::Error::other("the worker spawner thread has stopped");
    sender()?
        .send(Request {
            command,
            runtime,
            reply,
        })
        .map_err(|_| gone())?;
    answer.recv().map_err(|_| gone())?
}
