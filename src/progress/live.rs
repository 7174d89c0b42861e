//! The live view: the wave tree redrawn in place on a terminal. The rows
//! come from the checkpoint (the source of truth, read-only, read again for
//! a drawing when it has changed); what each issue is doing comes from the
//! activity events. Notes, outcomes and log lines scroll above the tree, in
//! the order they came (one queue, the console's). A ticker thread keeps the
//! clocks going and prints queued lines; drawing is throttled, except for
//! state changes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};

use super::console::{self, Console};
use super::lines::{activity_text, finished_text, note_text, stamped, transition_text};
use super::screen::{Screen, Size, stdout_size};
use super::throttle::Throttle;
use super::{ProgressSink, Verbosity};
use crate::checkpoint::{IssueRow, RunId, RunRow, Store, Timestamp};
use crate::ids::IssueNumber;
use crate::messages::RunEnd;
use crate::messages::{IssueActivity, IssueNoted, IssueProgressed};
use crate::status::tree::{self, TreeInput};

/// At most five redraws a second.
const GAP: Duration = Duration::from_millis(200);
/// The clocks in the tree move once a second.
const REFRESH: Duration = Duration::from_secs(1);

/// Where the view reads the run's rows.
pub trait RunSource: Send {
    /// The run and its issues now; `None` keeps the last ones.
    fn load(&mut self) -> Option<(RunRow, Vec<IssueRow>)>;
}

/// The checkpoint, through its own read-only connection.
pub struct CheckpointSource {
    store: Store,
    run: RunId,
    /// The database's `data_version` when the view last got the rows.
    read_at: Option<i64>,
}

impl CheckpointSource {
    pub fn open(path: &Path, run: RunId) -> anyhow::Result<CheckpointSource> {
        let store = Store::open_read_only(path)?;
        Ok(CheckpointSource {
            store,
            run,
            read_at: None,
        })
    }

    fn read(&self) -> crate::checkpoint::Result<(RunRow, Vec<IssueRow>)> {
        Ok((
            self.store.load_run(self.run)?,
            self.store.load_issues(self.run)?,
        ))
    }
}

impl RunSource for CheckpointSource {
    /// Reads the rows only when the orchestrator committed since the last
    /// read: the view redraws several times a second (clocks, log lines)
    /// while the rows change a few times a minute.
    fn load(&mut self) -> Option<(RunRow, Vec<IssueRow>)> {
        let version = self.store.data_version().ok();
        if version.is_some() && version == self.read_at {
            return None;
        }
        match self.read() {
            Ok(rows) => {
                self.read_at = version;
                Some(rows)
            }
            Err(e) => {
                tracing::debug!(%e, "live view: could not read the checkpoint; showing the last rows");
                None
            }
        }
    }
}

/// The clocks and the screen size; tests fix them.
#[derive(Copy, Clone)]
pub struct Surroundings {
    pub wall: fn() -> Timestamp,
    pub size: fn() -> Size,
}

impl Surroundings {
    pub fn terminal() -> Surroundings {
        Surroundings {
            wall: chrono::Utc::now,
            size: || stdout_size().unwrap_or(Size { cols: 80, rows: 24 }),
        }
    }
}

/// The view's state; the sink and the ticker share it.
pub(super) struct View<W: Write> {
    screen: Screen<W>,
    source: Box<dyn RunSource>,
    rows: Option<(RunRow, Vec<IssueRow>)>,
    activity: BTreeMap<IssueNumber, String>,
    throttle: Throttle,
    console: Arc<Console>,
    verbosity: Verbosity,
    around: Surroundings,
    /// The redraw was held; the next drawing starts a fresh tree.
    was_held: bool,
    done: bool,
}

impl<W: Write> View<W> {
    pub(super) fn new(
        out: W,
        source: Box<dyn RunSource>,
        console: Arc<Console>,
        verbosity: Verbosity,
        around: Surroundings,
    ) -> View<W> {
        View {
            screen: Screen::new(out),
            source,
            rows: None,
            activity: BTreeMap::new(),
            throttle: Throttle::new(GAP, REFRESH),
            console,
            verbosity,
            around,
            was_held: false,
            done: false,
        }
    }

    pub(super) fn transition(&mut self, e: &IssueProgressed, title: &str, now: Instant) {
        // What it did belonged to the state it left.
        self.activity.remove(&e.issue);
        if e.to.is_final() {
            self.console.push(stamped(&transition_text(e, title, None)));
        }
        self.changed(now, true);
    }

    pub(super) fn note(&mut self, e: &IssueNoted, now: Instant) {
        self.console.push(stamped(&note_text(e)));
        self.changed(now, false);
    }

    pub(super) fn activity(&mut self, e: &IssueActivity, now: Instant) {
        self.activity.insert(e.issue, e.text.clone());
        if self.verbosity == Verbosity::Verbose {
            self.console.push(stamped(&activity_text(e)));
        }
        self.changed(now, false);
    }

    /// The ticker: queued lines, a change that waited, the clocks.
    pub(super) fn tick(&mut self, now: Instant) {
        if self.done {
            return;
        }
        if self.console.held() {
            return self.print_held();
        }
        if std::mem::take(&mut self.was_held) {
            self.throttle.changed(now, true);
            return self.draw();
        }
        if self.console.has_lines() {
            return self.changed(now, false);
        }
        if self.throttle.due(now) {
            self.draw();
        }
    }

    /// The last drawing: the whole tree, then how the run ended.
    pub(super) fn finish(&mut self, end: &RunEnd) {
        if self.done {
            return;
        }
        self.done = true;
        let mut tree = self.tree();
        tree.push('\n');
        tree.push_str(&stamped(&finished_text(end)));
        tree.push('\n');
        self.screen.finish(&self.console.take(), &tree);
    }

    /// The view ends without a `finish` (dropped early): show the cursor.
    pub(super) fn abandon(&mut self) {
        self.done = true;
        self.screen.restore();
        self.print_queued();
    }

    fn changed(&mut self, now: Instant, urgent: bool) {
        if self.done {
            // After the end nothing is redrawn; late lines go below.
            self.print_queued();
        } else if self.console.held() {
            self.print_held();
        } else if self.throttle.changed(now, urgent) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let tree = self.tree();
        self.screen
            .draw(&self.console.take(), &tree, (self.around.size)());
    }

    /// Someone is typing below the tree: leave it, print lines below.
    fn print_held(&mut self) {
        self.screen.detach();
        self.was_held = true;
        self.print_queued();
    }

    fn print_queued(&mut self) {
        let lines = self.console.take();
        if !lines.is_empty() {
            self.screen.print(&lines);
        }
    }

    fn tree(&mut self) -> String {
        if let Some(rows) = self.source.load() {
            self.rows = Some(rows);
        }
        let Some((run, issues)) = &self.rows else {
            return String::new();
        };
        tree::render(&TreeInput {
            run,
            issues,
            activity: &self.activity,
            now: (self.around.wall)(),
        })
    }
}

/// The live view as a progress sink.
pub struct Live<W: Write + Send + 'static> {
    view: Arc<Mutex<View<W>>>,
    console: Arc<Console>,
    ticker: Option<JoinHandle<()>>,
}

impl<W: Write + Send + 'static> Live<W> {
    /// A view drawing on `out`. With `tick`, a thread redraws on its own
    /// (clocks, changes that waited, queued lines) at that interval.
    pub fn new(
        out: W,
        source: Box<dyn RunSource>,
        verbosity: Verbosity,
        around: Surroundings,
        tick: Option<Duration>,
    ) -> Live<W> {
        let (wake, woken) = mpsc::channel();
        let console = Console::new(tick.map(|_| wake));
        let view = View::new(out, source, console.clone(), verbosity, around);
        let view = Arc::new(Mutex::new(view));
        let ticker = tick.and_then(|every| spawn_ticker(view.clone(), woken, every));
        Live {
            view,
            console,
            ticker,
        }
    }

    /// Where writers send lines meant for above the tree.
    pub fn console(&self) -> &Arc<Console> {
        &self.console
    }

    fn view(&self) -> MutexGuard<'_, View<W>> {
        self.view.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops the ticker; it sees `done` at its next wake-up.
    fn stop(&mut self) {
        console::deactivate(&self.console);
        if let Some(ticker) = self.ticker.take() {
            self.console.wake();
            let _ = ticker.join();
        }
    }
}

impl Live<std::io::Stdout> {
    /// The live view of run `run` on stdout, reading `checkpoint`; log lines
    /// and [`console::Above`] writers print above it while it lasts.
    pub fn on_stdout(
        verbosity: Verbosity,
        checkpoint: &Path,
        run: RunId,
    ) -> anyhow::Result<Live<std::io::Stdout>> {
        let source = CheckpointSource::open(checkpoint, run)
            .with_context(|| format!("read the checkpoint {}", checkpoint.display()))?;
        if source.read().is_err() {
            return Err(anyhow!("run {run} is not readable in the checkpoint"));
        }
        let live = Live::new(
            std::io::stdout(),
            Box::new(source),
            verbosity,
            Surroundings::terminal(),
            Some(GAP),
        );
        console::activate(live.console.clone());
        Ok(live)
    }
}

fn spawn_ticker<W: Write + Send + 'static>(
    view: Arc<Mutex<View<W>>>,
    woken: Receiver<()>,
    every: Duration,
) -> Option<JoinHandle<()>> {
    let spawned = std::thread::Builder::new()
        .name("live-view".into())
        .spawn(move || {
            loop {
                if let Err(RecvTimeoutError::Disconnected) = woken.recv_timeout(every) {
                    return;
                }
                let mut view = view.lock().unwrap_or_else(|e| e.into_inner());
                if view.done {
                    return;
                }
                view.tick(Instant::now());
            }
        });
    match spawned {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(%e, "live view: no ticker thread; the tree moves only on events");
            None
        }
    }
}

impl<W: Write + Send + 'static> ProgressSink for Live<W> {
    fn transition(&mut self, event: &IssueProgressed, title: &str) {
        self.view().transition(event, title, Instant::now());
    }

    fn note(&mut self, event: &IssueNoted) {
        self.view().note(event, Instant::now());
    }

    fn activity(&mut self, event: &IssueActivity) {
        self.view().activity(event, Instant::now());
    }

    fn finished(&mut self, end: &RunEnd) {
        // Log lines from here on go straight to stderr; those queued
        // until now print above the final tree.
        console::deactivate(&self.console);
        self.view().finish(end);
        self.stop();
    }
}

impl<W: Write + Send + 'static> Drop for Live<W> {
    fn drop(&mut self) {
        self.view().abandon();
        self.stop();
    }
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
