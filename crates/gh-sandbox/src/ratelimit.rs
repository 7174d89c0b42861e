//! Rate-limit accounting as GitHub keeps it: the token has a budget per
//! resource (`core` for REST, `graphql` for `POST /graphql`), `limit`
//! requests (default 5000) in a window that resets an hour after it opened.
//! Every charged request spends one, and every answer tells where the budget
//! stands in `x-ratelimit-limit`, `-remaining`, `-used`, `-reset` (epoch
//! seconds) and `-resource`.
//!
//! Free, as on GitHub: a 304 to a conditional GET, and a rate-limit refusal
//! (an exhausted budget, or a fault that set its own `x-ratelimit-*`
//! headers). Also free: an answer whose connection a fault cut, and a
//! request without a token (GitHub bills those to the caller's IP, not the
//! token). A spent budget answers 403 `API rate limit exceeded` until the
//! window resets.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::ApiError;
use super::faults::{Dropped, PRIMARY_RATE_LIMIT};
use super::log::is_token;

/// GitHub's default budget of an authenticated user per hour.
pub const DEFAULT_LIMIT: u64 = 5000;
const HOUR: Duration = Duration::from_secs(3600);

/// Which budget a request spends.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// The REST API.
    Core,
    /// `POST /graphql` (one point a query in the sandbox).
    Graphql,
}

impl Resource {
    /// GitHub's name, as `x-ratelimit-resource` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Core => "core",
            Resource::Graphql => "graphql",
        }
    }

    /// The budget a request path spends.
    pub fn of(path: &str) -> Self {
        if path.trim_end_matches('/') == "/graphql" {
            Resource::Graphql
        } else {
            Resource::Core
        }
    }
}

/// Where one budget stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    pub resource: Resource,
    pub limit: u64,
    pub used: u64,
    /// When the window resets, in epoch seconds.
    pub reset: u64,
}

impl Budget {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// One sandbox's budgets; cheap to clone.
#[derive(Clone)]
pub struct RateLimit {
    inner: Arc<Mutex<Accounts>>,
}

struct Accounts {
    limit: u64,
    window: Duration,
    core: Window,
    graphql: Window,
}

#[derive(Default)]
struct Window {
    used: u64,
    /// When the first charged request of this window came.
    opened: Option<SystemTime>,
}

impl Default for RateLimit {
    fn default() -> Self {
        let accounts = Accounts {
            limit: DEFAULT_LIMIT,
            window: HOUR,
            core: Window::default(),
            graphql: Window::default(),
        };
        Self {
            inner: Arc::new(Mutex::new(accounts)),
        }
    }
}

impl RateLimit {
    /// Requests per window, for every resource (GitHub: 5000 for a user, 15000 for some apps).
    pub fn set_limit(&self, limit: u64) {
        self.lock().limit = limit;
    }

    /// How long a window lasts (GitHub: an hour); a test may shorten it.
    pub fn set_window(&self, window: Duration) {
        self.lock().window = window;
    }

    /// Where `resource`'s budget stands now.
    pub fn budget(&self, resource: Resource) -> Budget {
        self.lock().budget(resource, SystemTime::now())
    }

    /// Core requests charged in the current window.
    pub fn used(&self) -> u64 {
        self.budget(Resource::Core).used
    }

    /// Core requests left in the current window.
    pub fn remaining(&self) -> u64 {
        self.budget(Resource::Core).remaining()
    }

    /// Starts every window afresh, as if an hour had passed.
    pub fn reset(&self) {
        let mut accounts = self.lock();
        accounts.core = Window::default();
        accounts.graphql = Window::default();
    }

    /// Charges one request up front; the spent budget when none is left.
    fn take(&self, resource: Resource) -> Result<Budget, Budget> {
        self.lock().take(resource, SystemTime::now())
    }

    /// Gives back a request charged up front that turned out to be free.
    fn refund(&self, resource: Resource) -> Budget {
        let mut accounts = self.lock();
        let window = accounts.window_mut(resource);
        window.used = window.used.saturating_sub(1);
        accounts.budget(resource, SystemTime::now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Accounts {
    fn window_mut(&mut self, resource: Resource) -> &mut Window {
        match resource {
            Resource::Core => &mut self.core,
            Resource::Graphql => &mut self.graphql,
        }
    }

    /// Closes a window whose hour is over.
    fn roll(&mut self, resource: Resource, now: SystemTime) {
        let length = self.window;
        let window = self.window_mut(resource);
        if window.opened.is_some_and(|opened| now >= opened + length) {
            *window = Window::default();
        }
    }

    fn budget(&mut self, resource: Resource, now: SystemTime) -> Budget {
        self.roll(resource, now);
        let (limit, length) = (self.limit, self.window);
        let window = self.window_mut(resource);
        Budget {
            resource,
            limit,
            used: window.used,
            reset: epoch_ceil(window.opened.unwrap_or(now) + length),
        }
    }

    fn take(&mut self, resource: Resource, now: SystemTime) -> Result<Budget, Budget> {
        let budget = self.budget(resource, now);
        if budget.remaining() == 0 {
            return Err(budget);
        }
        let window = self.window_mut(resource);
        window.opened.get_or_insert(now);
        window.used += 1;
        Ok(self.budget(resource, now))
    }
}

/// Epoch seconds, rounded up so a client waiting until then finds the window open.
fn epoch_ceil(at: SystemTime) -> u64 {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    since.as_secs() + u64::from(since.subsec_nanos() > 0)
}

/// Marks whether an answer spent the token's budget, for the request log.
#[derive(Copy, Clone, Debug)]
pub struct Charged(pub bool);

/// Middleware: charges the request, refuses it when the budget is spent,
/// refunds it when the answer is free, and stamps the budget on the answer.
pub async fn account(State(rate): State<RateLimit>, request: Request, next: Next) -> Response {
    let resource = Resource::of(request.uri().path());
    let billed = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_token);
    if !billed {
        let mut response = next.run(request).await;
        finish(&mut response, rate.budget(resource), false);
        return response;
    }
    let budget = match rate.take(resource) {
        Ok(budget) => budget,
        Err(spent) => {
            let mut refused =
                ApiError::new(StatusCode::FORBIDDEN, PRIMARY_RATE_LIMIT).into_response();
            finish(&mut refused, spent, false);
            return refused;
        }
    };
    let mut response = next.run(request).await;
    let charged = !is_free(&response);
    let budget = if charged {
        budget
    } else {
        rate.refund(resource)
    };
    finish(&mut response, budget, charged);
    response
}

/// A 304, a cut connection, or a fault's own rate-limit refusal.
fn is_free(response: &Response) -> bool {
    response.status() == StatusCode::NOT_MODIFIED
        || response.extensions().get::<Dropped>().is_some()
        || response.headers().contains_key("x-ratelimit-remaining")
}

fn finish(response: &mut Response, budget: Budget, charged: bool) {
    stamp(response.headers_mut(), budget);
    response.extensions_mut().insert(Charged(charged));
}

/// The budget's headers, unless a fault already set its own.
fn stamp(headers: &mut HeaderMap, budget: Budget) {
    let values = [
        ("x-ratelimit-limit", budget.limit.to_string()),
        ("x-ratelimit-remaining", budget.remaining().to_string()),
        ("x-ratelimit-used", budget.used.to_string()),
        ("x-ratelimit-reset", budget.reset.to_string()),
        ("x-ratelimit-resource", budget.resource.as_str().to_string()),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.entry(name).or_insert(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::faults::{Fault, Route};
    use crate::testkit::TestSandbox;

    const REPO: &str = "/repos/acme/widgets";

    fn sandbox() -> TestSandbox {
        let t = TestSandbox::new();
        t.sandbox.state().add_repo("acme/widgets", "main");
        t
    }

    fn number(raw: &crate::testkit::Raw, name: &str) -> u64 {
        raw.header(name).and_then(|v| v.parse().ok()).unwrap()
    }

    #[test]
    fn a_window_charges_refuses_when_spent_and_resets_after_its_length() {
        let rate = RateLimit::default();
        rate.set_limit(2);
        let mut accounts = rate.lock();
        let start = SystemTime::now();
        assert_eq!(accounts.take(Resource::Core, start).unwrap().used, 1);
        let second = accounts.take(Resource::Core, start).unwrap();
        assert_eq!((second.used, second.remaining()), (2, 0));
        assert_eq!(second.reset, epoch_ceil(start + HOUR));
        assert!(accounts.take(Resource::Core, start).is_err());
        assert_eq!(accounts.budget(Resource::Graphql, start).used, 0);
        let later = start + HOUR;
        assert_eq!(accounts.take(Resource::Core, later).unwrap().used, 1);
    }

    #[tokio::test]
    async fn every_answer_carries_the_budget_and_remaining_goes_down() {
        let t = sandbox();
        let first = t.raw("GET", REPO, None).await;
        let second = t.raw("GET", REPO, None).await;
        assert_eq!(first.header("x-ratelimit-limit").as_deref(), Some("5000"));
        assert_eq!(number(&first, "x-ratelimit-remaining"), 4999);
        assert_eq!(number(&second, "x-ratelimit-remaining"), 4998);
        assert_eq!(number(&second, "x-ratelimit-used"), 2);
        assert_eq!(
            second.header("x-ratelimit-resource").as_deref(),
            Some("core")
        );
        let reset = number(&second, "x-ratelimit-reset");
        let now = epoch_ceil(SystemTime::now());
        assert!(reset > now && reset <= now + 3600, "{reset} vs {now}");
        assert_eq!(t.sandbox.rate_limit().used(), 2);
        assert_eq!(t.sandbox.requests().charged(), 2);
    }

    #[tokio::test]
    async fn a_304_to_a_conditional_get_is_not_charged() {
        let t = sandbox();
        let etag = t.raw("GET", REPO, None).await.header("etag").unwrap();
        let again = t.get_if_none_match(REPO, &etag).await;
        assert_eq!(again.status, 304);
        assert_eq!(number(&again, "x-ratelimit-remaining"), 4999);
        assert_eq!(number(&again, "x-ratelimit-used"), 1);
        assert_eq!(t.sandbox.rate_limit().used(), 1);
        let logged = t.sandbox.requests().all();
        assert_eq!(
            logged.iter().map(|r| r.charged).collect::<Vec<_>>(),
            [true, false]
        );
        assert_eq!(t.sandbox.requests().charged(), 1);
    }

    #[tokio::test]
    async fn a_spent_budget_answers_403_until_it_resets() {
        let t = sandbox();
        t.sandbox.set_rate_limit(2);
        assert_eq!(t.status(REPO).await, 200);
        assert_eq!(t.status(REPO).await, 200);
        let refused = t.raw("GET", REPO, None).await;
        assert_eq!(refused.status, 403);
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("API rate limit exceeded")
        );
        assert_eq!(
            refused.header("x-ratelimit-remaining").as_deref(),
            Some("0")
        );
        assert_eq!(refused.header("x-ratelimit-limit").as_deref(), Some("2"));
        assert_eq!(t.sandbox.requests().charged(), 2, "a refusal is free");
        t.sandbox.rate_limit().reset();
        assert_eq!(t.status(REPO).await, 200);
    }

    #[tokio::test]
    async fn faults_keep_their_own_headers_and_cut_answers_are_free() {
        let t = sandbox();
        let route = Route::matching("GET", REPO);
        let primary = Fault::PrimaryRateLimit {
            reset_epoch: 1_900_000_000,
        };
        t.sandbox.faults().inject(route.clone(), primary, 1);
        t.sandbox
            .faults()
            .inject(route.clone(), Fault::DropConnection, 1);
        t.sandbox.faults().inject(route, Fault::Status(502), 1);
        let limited = t.raw("GET", REPO, None).await;
        assert_eq!(
            limited.header("x-ratelimit-reset").as_deref(),
            Some("1900000000")
        );
        assert!(
            t.try_raw("GET", REPO, None, Default::default())
                .await
                .is_err()
        );
        let bad_gateway = t.raw("GET", REPO, None).await;
        assert_eq!(bad_gateway.status, 502);
        assert_eq!(number(&bad_gateway, "x-ratelimit-used"), 1);
        assert_eq!(t.sandbox.rate_limit().used(), 1, "only the 502 is charged");
    }

    #[tokio::test]
    async fn graphql_spends_its_own_budget_and_anonymous_requests_none() {
        let t = sandbox();
        let body = json!({ "query": "query { viewer { login } }" });
        let answer = t.raw("POST", "/graphql", Some(body)).await;
        assert_eq!(
            answer.header("x-ratelimit-resource").as_deref(),
            Some("graphql")
        );
        assert_eq!(number(&answer, "x-ratelimit-used"), 1);
        assert_eq!(t.sandbox.rate_limit().budget(Resource::Graphql).used, 1);
        assert_eq!(t.sandbox.rate_limit().used(), 0);
        let anonymous = crate::testkit::client_for(t.sandbox.url(), None);
        let refused = anonymous._get(REPO).await.unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(t.sandbox.rate_limit().used(), 0);
        assert_eq!(t.sandbox.requests().charged(), 1);
    }
}
