//! Fault injection: a test arms a fault on a route (method + path pattern)
//! for a number of requests; matching requests get the fault instead of (or,
//! for a delay, before) the normal answer, until the fault is spent.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::ApiError;

/// A method and a path pattern: `*` matches one segment, a trailing `**`
/// matches one or more (`/repos/*/*/git/refs/**`), anything else matches itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    method: String,
    segments: Vec<String>,
}

impl Route {
    /// `method` is an HTTP method or `*` for any.
    pub fn matching(method: &str, pattern: &str) -> Self {
        let segments = pattern
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Self {
            method: method.to_ascii_uppercase(),
            segments,
        }
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let path: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut pattern = self.segments.iter();
        for (i, segment) in path.iter().enumerate() {
            match pattern.next().map(String::as_str) {
                Some("**") => return i < path.len(),
                Some("*") => {}
                Some(literal) if literal == *segment => {}
                _ => return false,
            }
        }
        pattern.next().is_none()
    }
}

/// What a faulty route does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This status with GitHub's error body and the status's standard message.
    Status(u16),
    /// This status with GitHub's error body and this message.
    Error { status: u16, message: String },
    /// Wait, then answer normally.
    Delay(Duration),
    /// Primary rate limit: 403, `x-ratelimit-remaining: 0`, `x-ratelimit-reset: <epoch>`.
    PrimaryRateLimit { reset_epoch: u64 },
    /// Secondary rate limit: `status` (429 or 403) with `retry-after: <seconds>`.
    SecondaryRateLimit { status: u16, retry_after: u64 },
    /// The connection closes before a complete answer arrives.
    DropConnection,
    /// The request is carried out, then its answer is lost: the connection
    /// closes before the answer arrives. The client cannot tell whether it
    /// took effect — the case a non-idempotent call must confirm by reading.
    LoseAnswer,
}

impl Fault {
    /// A primary rate limit that resets `after` from now.
    pub fn rate_limited_for(after: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Fault::PrimaryRateLimit {
            reset_epoch: (now + after).as_secs(),
        }
    }
}

#[derive(Debug)]
struct Armed {
    route: Route,
    fault: Fault,
    remaining: usize,
}

/// The faults armed on one sandbox; cheap to clone.
#[derive(Clone, Default)]
pub struct Faults {
    armed: Arc<Mutex<Vec<Armed>>>,
}

impl Faults {
    /// Arms `fault` on `route` for the next `times` matching requests.
    /// Faults armed earlier on the same request fire first.
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        self.lock().push(Armed {
            route,
            fault,
            remaining: times,
        });
    }

    /// How many fault firings are still armed, over all routes.
    pub fn pending(&self) -> usize {
        self.lock().iter().map(|a| a.remaining).sum()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault that fires on this request, if any, counting it as spent.
    pub fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut armed = self.lock();
        let hit = armed
            .iter_mut()
            .find(|a| a.remaining > 0 && a.route.matches(method, path))?;
        hit.remaining -= 1;
        let fault = hit.fault.clone();
        armed.retain(|a| a.remaining > 0);
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Armed>> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Marks an answer whose connection the sandbox cut.
#[derive(Clone, Copy, Debug)]
pub struct Dropped;

/// Middleware: answers with an armed fault instead of the route.
pub async fn inject(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let fault = faults.take(request.method().as_str(), request.uri().path());
    match fault {
        None => next.run(request).await,
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(Fault::LoseAnswer) => {
            let _carried_out = next.run(request).await;
            dropped()
        }
        Some(fault) => answer(&fault),
    }
}

/// The answer a (non-delay) fault gives.
pub fn answer(fault: &Fault) -> Response {
    match fault {
        Fault::Status(status) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(status, status.canonical_reason().unwrap_or("Error")).into_response()
        }
        Fault::Error { status, message } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            ApiError::new(status, message.clone()).into_response()
        }
        Fault::PrimaryRateLimit { reset_epoch } => primary_rate_limit(*reset_epoch),
        Fault::SecondaryRateLimit {
            status,
            retry_after,
        } => secondary_rate_limit(*status, *retry_after),
        Fault::DropConnection | Fault::LoseAnswer => dropped(),
        Fault::Delay(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// GitHub's message when a token's primary rate limit is spent.
pub const PRIMARY_RATE_LIMIT: &str = "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, \
                   please include the request ID 0000:0000:0000000:0000000:00000000.";

fn primary_rate_limit(reset_epoch: u64) -> Response {
    let mut response = ApiError::new(StatusCode::FORBIDDEN, PRIMARY_RATE_LIMIT).into_response();
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from_static("5000"));
    headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
    headers.insert("x-ratelimit-used", HeaderValue::from_static("5000"));
    headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset_epoch));
    response
}

fn secondary_rate_limit(status: u16, retry_after: u64) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. \
                   If you reach out to GitHub Support for help, please include the request ID \
                   0000:0000:0000000:0000000:00000000.";
    let mut response = ApiError::new(status, message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

/// Promises a body that never comes: hyper closes the connection when the
/// body ends short of its declared length, so the client sees a cut connection.
fn dropped() -> Response {
    let mut response = Response::new(Body::from("{\"mess"));
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("4096"));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.extensions_mut().insert(Dropped);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_match_one_segment_and_double_stars_the_rest() {
        let issues = Route::matching("GET", "/repos/*/*/issues");
        assert!(issues.matches("GET", "/repos/acme/widgets/issues"));
        assert!(issues.matches("get", "/repos/acme/widgets/issues/"));
        assert!(!issues.matches("GET", "/repos/acme/widgets/issues/1"));
        assert!(!issues.matches("POST", "/repos/acme/widgets/issues"));
        assert!(!issues.matches("GET", "/repos/acme/issues"));
        let refs = Route::matching("DELETE", "/repos/*/*/git/refs/heads/**");
        assert!(refs.matches("DELETE", "/repos/a/b/git/refs/heads/feat/issue-12-x"));
        assert!(!refs.matches("DELETE", "/repos/a/b/git/refs/heads"));
        assert!(Route::matching("*", "/repos/*/*").matches("PUT", "/repos/a/b"));
    }

    #[test]
    fn a_fault_fires_its_times_then_is_spent() {
        let faults = Faults::default();
        faults.inject(
            Route::matching("GET", "/repos/*/*/issues"),
            Fault::Status(502),
            2,
        );
        assert_eq!(faults.pending(), 2);
        assert_eq!(faults.take("GET", "/repos/a/b/pulls"), None);
        assert_eq!(
            faults.take("GET", "/repos/a/b/issues"),
            Some(Fault::Status(502))
        );
        assert_eq!(
            faults.take("GET", "/repos/a/b/issues"),
            Some(Fault::Status(502))
        );
        assert_eq!(faults.take("GET", "/repos/a/b/issues"), None);
        assert_eq!(faults.pending(), 0);
    }

    #[test]
    fn earlier_faults_fire_first() {
        let faults = Faults::default();
        let route = Route::matching("*", "/repos/**");
        faults.inject(route.clone(), Fault::Status(500), 1);
        faults.inject(route, Fault::Status(503), 1);
        assert_eq!(faults.take("GET", "/repos/a"), Some(Fault::Status(500)));
        assert_eq!(faults.take("GET", "/repos/a"), Some(Fault::Status(503)));
    }

    #[test]
    fn rate_limit_answers_carry_githubs_headers() {
        let primary = answer(&Fault::PrimaryRateLimit {
            reset_epoch: 1_700_000_000,
        });
        assert_eq!(primary.status(), StatusCode::FORBIDDEN);
        assert_eq!(primary.headers()["x-ratelimit-remaining"], "0");
        assert_eq!(primary.headers()["x-ratelimit-reset"], "1700000000");
        let secondary = answer(&Fault::SecondaryRateLimit {
            status: 429,
            retry_after: 7,
        });
        assert_eq!(secondary.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(secondary.headers()[header::RETRY_AFTER], "7");
        assert!(
            Fault::rate_limited_for(Duration::from_secs(60))
                != Fault::PrimaryRateLimit { reset_epoch: 0 }
        );
    }
}
