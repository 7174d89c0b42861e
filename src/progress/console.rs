//! The terminal while the live tree is on it. Anything else that prints
//! during a run (log lines, approval questions) must go *above* the tree, or
//! the next redraw erases the wrong lines; [`Above`] is the writer for that.
//! A [`hold`] stops the in-place redraw while someone types an answer.

use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// What the live view and the writers share.
#[derive(Default)]
pub struct Console {
    queue: Mutex<Vec<String>>,
    holds: AtomicUsize,
    /// Tells the live view's ticker to print queued lines now.
    wake: Mutex<Option<Sender<()>>>,
}

/// The console of the live view on stdout, while there is one.
static ACTIVE: Mutex<Option<Arc<Console>>> = Mutex::new(None);

impl Console {
    pub fn new(wake: Option<Sender<()>>) -> Arc<Console> {
        Arc::new(Console {
            wake: Mutex::new(wake),
            ..Console::default()
        })
    }

    /// Queues a line to print above the tree.
    pub fn push(&self, line: String) {
        lock(&self.queue).push(line);
        self.wake();
    }

    /// Wakes the view's ticker (to print queued lines, or to see that it is done).
    pub fn wake(&self) {
        if let Some(wake) = lock(&self.wake).as_ref() {
            let _ = wake.send(());
        }
    }

    /// The queued lines, oldest first.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.queue))
    }

    pub fn has_lines(&self) -> bool {
        !lock(&self.queue).is_empty()
    }

    pub fn held(&self) -> bool {
        self.holds.load(Ordering::SeqCst) > 0
    }
}

/// Makes `console` the one lines go to until [`deactivate`].
pub fn activate(console: Arc<Console>) {
    *lock(&ACTIVE) = Some(console);
}

/// Lines go straight to their stream again (if `console` is the active one).
pub fn deactivate(console: &Arc<Console>) {
    let mut active = lock(&ACTIVE);
    if active.as_ref().is_some_and(|a| Arc::ptr_eq(a, console)) {
        *active = None;
    }
}

fn active() -> Option<Arc<Console>> {
    lock(&ACTIVE).clone()
}

/// Prints `line` above the live tree if one is on screen; `false` when none
/// is and the caller should print it itself.
pub fn print_above(line: &str) -> bool {
    match active() {
        Some(console) => {
            console.push(line.to_string());
            true
        }
        None => false,
    }
}

/// While a `Hold` lives the live view leaves the tree where it is and
/// prints new lines below it, so an answer being typed is not erased.
#[must_use = "the hold ends when this is dropped"]
pub struct Hold(Option<Arc<Console>>);

/// Stops the in-place redraw of the live view on stdout until the returned
/// guard is dropped (a no-op without a live view).
pub fn hold() -> Hold {
    match active() {
        Some(console) => console.hold(),
        None => Hold(None),
    }
}

impl Console {
    /// Stops this console's redraw until the guard is dropped.
    pub fn hold(self: &Arc<Self>) -> Hold {
        self.holds.fetch_add(1, Ordering::SeqCst);
        Hold(Some(self.clone()))
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let Some(c) = &self.0 {
            c.holds.fetch_sub(1, Ordering::SeqCst);
            c.wake();
        }
    }
}

/// Which stream [`Above`] falls back to.
#[derive(Copy, Clone, Debug)]
enum Stream {
    Stdout,
    Stderr,
}

/// A writer of whole lines that go above the live tree while there is one,
/// and to stdout or stderr otherwise. Give it to anything that prints while
/// a run goes on (the terminal approval channel, the log).
pub struct Above {
    stream: Stream,
    partial: Vec<u8>,
}

impl Above {
    pub fn stdout() -> Above {
        Above {
            stream: Stream::Stdout,
            partial: Vec::new(),
        }
    }

    pub fn stderr() -> Above {
        Above {
            stream: Stream::Stderr,
            partial: Vec::new(),
        }
    }

    fn emit(&self, bytes: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        if print_above(text.trim_end_matches('\n')) {
            return Ok(());
        }
        match self.stream {
            Stream::Stdout => io::stdout().lock().write_all(bytes),
            Stream::Stderr => io::stderr().lock().write_all(bytes),
        }
    }
}

impl Write for Above {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.partial.extend_from_slice(buf);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.emit(&line)?;
        }
        Ok(buf.len())
    }

    /// Writes out a line without its newline too.
    fn flush(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.emit(&rest)?;
        }
        Ok(())
    }
}

impl Drop for Above {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A poisoned lock only means a panic elsewhere; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test touches the process-wide console, so parallel tests cannot
    /// see each other's lines.
    #[test]
    fn writers_queue_whole_lines_while_a_console_is_active_and_holds_count() {
        let (tx, rx) = std::sync::mpsc::channel();
        let console = Console::new(Some(tx));
        activate(console.clone());

        let mut out = Above::stdout();
        out.write_all(b"first line\nsecond ").unwrap();
        assert_eq!(console.take(), ["first line"]);
        out.write_all(b"half\n").unwrap();
        out.write_all(b"no newline").unwrap();
        drop(out);
        assert_eq!(console.take(), ["second half", "no newline"]);
        assert!(rx.try_iter().count() >= 3, "each line wakes the view");

        assert!(!console.held());
        let a = hold();
        let b = hold();
        assert!(console.held());
        drop(a);
        assert!(console.held());
        drop(b);
        assert!(!console.held());

        deactivate(&console);
        assert!(!print_above("nobody listens"));
        assert!(console.take().is_empty());
    }
}
