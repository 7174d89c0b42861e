//! Live updates: a thread polls the checkpoint's `data_version` and bumps a
//! generation on every commit of another connection (the run's writer);
//! `/events` streams each bump to the page as a server-sent event.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::watch;

use super::server::Shared;
use crate::checkpoint::Store;

/// How often the checkpoint is looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// Polls `db` until `stop` is set, bumping `tx` when it changes (and when
/// it first appears, for a page opened before the run made it).
pub fn spawn_poller(db: PathBuf, tx: watch::Sender<u64>, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("dashboard-poll".into())
        .spawn(move || {
            let mut store: Option<Store> = None;
            let mut seen: Option<i64> = None;
            while !stop.load(Ordering::Relaxed) {
                if store.is_none() {
                    store = Store::open_read_only(&db).ok();
                }
                let version = store.as_ref().map(Store::data_version);
                match version {
                    Some(Ok(v)) if seen != Some(v) => {
                        tx.send_modify(|g| *g += 1);
                        seen = Some(v);
                    }
                    Some(Err(_)) => store = None,
                    _ => {}
                }
                std::thread::sleep(POLL);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("the dashboard cannot watch the checkpoint: {e}");
    }
}

/// `GET /events`: an `update` event now and after every change.
pub async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = shared.changes.clone();
    let first = *rx.borrow_and_update();
    let now = stream::once(async move { update(first) });
    let later = stream::unfold(rx, |mut rx| async move {
        rx.changed().await.ok()?;
        let generation = *rx.borrow_and_update();
        Some((update(generation), rx))
    });
    Sse::new(futures_util::StreamExt::chain(now, later)).keep_alive(KeepAlive::default())
}

fn update(generation: u64) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event("update")
        .data(generation.to_string()))
}
