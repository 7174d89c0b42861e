//! `Sandbox`: runs the fake GitHub on 127.0.0.1 at a free port, on its own
//! thread with its own tokio runtime (so it works from any runtime or none),
//! and stops it on drop.

use std::io;
use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use tokio::sync::oneshot;

use super::etag;
use super::faults::{self, Faults};
use super::handle::RepoHandle;
use super::log::{self, RequestLog};
use super::ratelimit::{self, RateLimit};
use super::routes::{self, App};
use super::state::SandboxState;

/// A running sandbox GitHub. Dropping it stops the server; the state handle
/// stays readable.
pub struct Sandbox {
    url: String,
    state: SandboxState,
    faults: Faults,
    log: RequestLog,
    rate: RateLimit,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox with an empty world; returns once it is listening.
    ///
    /// # Panics
    /// If no loopback port or runtime can be had; see [`Sandbox::try_start`].
    pub fn start() -> Sandbox {
        Self::try_start().expect("start the sandbox GitHub on 127.0.0.1")
    }

    /// Starts a sandbox, or says why it could not.
    pub fn try_start() -> io::Result<Sandbox> {
        let listener = StdListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let state = SandboxState::new();
        state.set_runtime(runtime.handle().clone());
        let (faults, log) = (Faults::default(), RequestLog::default());
        let rate = RateLimit::default();
        let app = App {
            state: state.clone(),
            base: Arc::from(url.as_str()),
        };
        let router = build(app, faults.clone(), log.clone(), rate.clone());
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("sandbox-github".into())
            .spawn(move || serve(runtime, listener, router, stopped))?;
        tracing::debug!(%url, "sandbox GitHub listening");
        Ok(Sandbox {
            url,
            state,
            faults,
            log,
            rate,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// A repository added before; see [`SandboxState::repo`].
    pub fn repo(&self, slug: &str) -> Option<RepoHandle> {
        self.state.repo(slug)
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    pub fn requests(&self) -> &RequestLog {
        &self.log
    }

    /// The token's rate-limit budgets (see [`RateLimit`]).
    pub fn rate_limit(&self) -> &RateLimit {
        &self.rate
    }

    /// Requests per hour the token may make, for REST and GraphQL each
    /// (default 5000); a spent budget answers 403 until its window resets.
    pub fn set_rate_limit(&self, limit: u64) {
        self.rate.set_limit(limit);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The routes behind their middleware: log, then rate limit, then auth,
/// then faults, then ETags (so the rate limit sees 304s and cut answers).
fn build(app: App, faults: Faults, log: RequestLog, rate: RateLimit) -> Router {
    let state = app.state.clone();
    routes::router(app)
        .layer(from_fn(etag::conditional))
        .layer(from_fn_with_state(faults, faults::inject))
        .layer(from_fn_with_state(state, log::authenticate))
        .layer(from_fn_with_state(rate, ratelimit::account))
        .layer(from_fn_with_state(log, log::record))
}

fn serve(
    runtime: tokio::runtime::Runtime,
    listener: StdListener,
    router: Router,
    stopped: oneshot::Receiver<()>,
) {
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(err) => {
                tracing::error!(error = %err, "sandbox GitHub could not listen");
                return;
            }
        };
        tokio::select! {
            result = axum::serve(listener, router) => {
                if let Err(err) = result {
                    tracing::error!(error = %err, "sandbox GitHub stopped");
                }
            }
            _ = stopped => {}
        }
    });
    // Cuts open connections and pending simulations instead of waiting for them.
    runtime.shutdown_timeout(Duration::from_millis(100));
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::Value;

    use crate::faults::{Fault, Route};
    use crate::testkit::{TestSandbox, client_for};

    const REPO: &str = "/repos/acme/widgets";

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        t.sandbox.state().add_repo("acme/widgets", "main");
        t
    }

    #[tokio::test]
    async fn requests_without_a_token_get_401_and_any_token_passes() {
        let t = sandbox();
        let anonymous = client_for(t.sandbox.url(), None);
        let response = anonymous._get(REPO).await.unwrap();
        assert_eq!(response.status(), 401);
        let body: Value =
            serde_json::from_str(&anonymous.body_to_string(response).await.unwrap()).unwrap();
        assert_eq!(body["message"], "Requires authentication");
        assert!(body["documentation_url"].is_string());
        assert_eq!(t.status(REPO).await, 200);
        let logged = t.sandbox.requests().all();
        assert_eq!((logged[0].authorized, logged[0].status), (false, 401));
        assert_eq!(
            (logged[1].authorized, logged[1].auth_scheme.as_deref()),
            (true, Some("Bearer"))
        );
    }

    #[tokio::test]
    async fn get_answers_carry_an_etag_and_a_matching_conditional_get_is_304() {
        let t = sandbox();
        let first = t.raw("GET", REPO, None).await;
        let etag = first.header("etag").expect("GET answers carry an ETag");
        let again = t.get_if_none_match(REPO, &etag).await;
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
        assert_eq!(t.get_if_none_match(REPO, "W/\"stale\"").await.status, 200);
        let logged = t.sandbox.requests().matching(&Route::matching("GET", REPO));
        assert_eq!(logged[1].if_none_match.as_deref(), Some(etag.as_str()));
    }

    #[tokio::test]
    async fn a_status_fault_fires_its_times_then_the_route_answers() {
        let t = sandbox();
        t.sandbox
            .faults()
            .inject(Route::matching("GET", "/repos/*/*"), Fault::Status(502), 2);
        for _ in 0..2 {
            let hit = t.raw("GET", REPO, None).await;
            assert_eq!(hit.status, 502);
            assert_eq!(hit.json()["message"], "Bad Gateway");
        }
        assert_eq!(t.status(REPO).await, 200);
        assert_eq!(t.sandbox.faults().pending(), 0);
        let statuses: Vec<u16> = t
            .sandbox
            .requests()
            .all()
            .iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [502, 502, 200]);
    }

    #[tokio::test]
    async fn rate_limit_faults_answer_like_github() {
        let t = sandbox();
        let route = Route::matching("GET", "/repos/*/*");
        t.sandbox.faults().inject(
            route.clone(),
            Fault::PrimaryRateLimit {
                reset_epoch: 1_900_000_000,
            },
            1,
        );
        t.sandbox.faults().inject(
            route.clone(),
            Fault::SecondaryRateLimit {
                status: 429,
                retry_after: 3,
            },
            1,
        );
        t.sandbox.faults().inject(
            route,
            Fault::Error {
                status: 403,
                message: "nope".into(),
            },
            1,
        );
        let primary = t.raw("GET", REPO, None).await;
        assert_eq!(primary.status, 403);
        assert_eq!(
            primary.header("x-ratelimit-remaining").as_deref(),
            Some("0")
        );
        assert_eq!(
            primary.header("x-ratelimit-reset").as_deref(),
            Some("1900000000")
        );
        assert!(
            primary.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("API rate limit exceeded")
        );
        let secondary = t.raw("GET", REPO, None).await;
        assert_eq!(secondary.status, 429);
        assert_eq!(secondary.header("retry-after").as_deref(), Some("3"));
        let custom = t.raw("GET", REPO, None).await;
        assert_eq!(
            (custom.status, custom.json()["message"].as_str()),
            (403, Some("nope"))
        );
        // The primary refusal is free; the 429 and the 403 are charged.
        assert_eq!(
            t.raw("GET", REPO, None)
                .await
                .header("x-ratelimit-remaining")
                .as_deref(),
            Some("4997")
        );
    }

    #[tokio::test]
    async fn a_delay_fault_holds_the_answer_back_once() {
        let t = sandbox();
        let delay = Duration::from_millis(150);
        t.sandbox
            .faults()
            .inject(Route::matching("GET", REPO), Fault::Delay(delay), 1);
        let started = Instant::now();
        assert_eq!(t.status(REPO).await, 200);
        assert!(started.elapsed() >= delay);
        assert_eq!(t.sandbox.faults().pending(), 0);
    }

    #[tokio::test]
    async fn a_dropped_connection_is_a_transport_error() {
        let t = sandbox();
        t.sandbox
            .faults()
            .inject(Route::matching("GET", REPO), Fault::DropConnection, 1);
        let cut = t.try_raw("GET", REPO, None, Default::default()).await;
        assert!(cut.is_err(), "the client must see a broken connection");
        assert_eq!(t.status(REPO).await, 200);
        assert_eq!(t.sandbox.requests().all()[0].status, 0);
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_are_404_in_githubs_shape() {
        let t = sandbox();
        let unknown = t.raw("GET", "/repos/acme/widgets/nothing/here", None).await;
        assert_eq!(
            (unknown.status, unknown.json()["message"].as_str()),
            (404, Some("Not Found"))
        );
        assert_eq!(t.raw("DELETE", REPO, None).await.status, 404);
    }

    #[tokio::test]
    async fn dropping_the_sandbox_stops_the_server() {
        let t = sandbox();
        let client = t.client.clone();
        let url = t.sandbox.url().to_string();
        drop(t.sandbox);
        let after = client_for(&url, Some("t"))._get(REPO).await;
        assert!(after.is_err());
        drop(client);
    }
}
