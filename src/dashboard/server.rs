//! The dashboard's HTTP server: binds 127.0.0.1 on a random port, guards
//! every route with the token, and serves the page, its state, its live
//! events and the answer endpoint on the caller's tokio runtime.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::middleware;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use tokio::sync::watch;

use super::answers::{self, AnswerSink};
use super::assets;
use super::live;
use super::state::{self, RunChoice, Source};
use super::token;

/// What every handler shares.
pub struct Shared {
    pub token: String,
    pub db: PathBuf,
    pub log_dir: PathBuf,
    pub run: RunChoice,
    pub answers: Option<Arc<dyn AnswerSink>>,
    /// Bumped on every change to the checkpoint.
    pub changes: watch::Receiver<u64>,
}

/// A dashboard about to be served.
pub struct Dashboard {
    db: PathBuf,
    log_dir: PathBuf,
    run: RunChoice,
    answers: Option<Arc<dyn AnswerSink>>,
}

impl Dashboard {
    /// The page of the `run` in the checkpoint at `db`, whose workers log
    /// into `log_dir`. With no `answers` sink the page is read-only.
    pub fn new(
        db: PathBuf,
        log_dir: PathBuf,
        run: RunChoice,
        answers: Option<Arc<dyn AnswerSink>>,
    ) -> Dashboard {
        Dashboard {
            db,
            log_dir,
            run,
            answers,
        }
    }

    /// Binds 127.0.0.1 on a free port and serves until the [`Served`] is dropped.
    pub async fn start(self) -> std::io::Result<Served> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (tx, changes) = watch::channel(0);
        let stop = Arc::new(AtomicBool::new(false));
        live::spawn_poller(self.db.clone(), tx, stop.clone());
        let shared = Arc::new(Shared {
            token: token::new_token(),
            db: self.db,
            log_dir: self.log_dir,
            run: self.run,
            answers: self.answers,
            changes,
        });
        let url = format!("http://{addr}/?token={}", shared.token);
        let app = router(shared);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("the dashboard stopped: {e}");
            }
        });
        Ok(Served {
            url,
            addr,
            task,
            stop,
        })
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/api/state", get(state_json))
        .route("/api/answer", post(answers::post))
        .route("/events", get(live::events))
        .layer(middleware::from_fn_with_state(shared.clone(), token::guard))
        .with_state(shared)
}

/// `GET /api/state`: the page's state, read on a blocking thread.
async fn state_json(State(shared): State<Arc<Shared>>) -> Response {
    let read = tokio::task::spawn_blocking(move || {
        let source = Source {
            db: &shared.db,
            log_dir: &shared.log_dir,
            run: &shared.run,
            answers: shared.answers.is_some(),
        };
        state::snapshot(&source, chrono::Utc::now())
    });
    match read.await {
        Ok(value) => Json(value).into_response(),
        Err(e) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("reading the checkpoint failed: {e}"),
        )
            .into_response(),
    }
}

/// A running dashboard; dropping it stops the server and the poller.
pub struct Served {
    url: String,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    stop: Arc<AtomicBool>,
}

impl Served {
    /// `http://127.0.0.1:PORT/?token=...`: the page, token included.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until the server ends (it ends only on an error).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.abort();
    }
}
