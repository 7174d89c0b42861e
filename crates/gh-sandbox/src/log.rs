//! The request log (what the program asked, so tests can count calls) and
//! the authentication gate. The log keeps whether a token was sent and its
//! scheme, never the token itself.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api::ApiError;
use super::faults::{Dropped, Route};
use super::ratelimit::Charged;
use super::state::SandboxState;

/// One request as the sandbox saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// The raw (still percent-encoded) path.
    pub path: String,
    pub query: Option<String>,
    pub if_none_match: Option<String>,
    /// Whether an `Authorization` header was present.
    pub authorized: bool,
    /// `Bearer`, `token`, ... (never the credential).
    pub auth_scheme: Option<String>,
    pub accept: Option<String>,
    pub user_agent: Option<String>,
    /// The answer's status; 0 when the sandbox cut the connection.
    pub status: u16,
    /// Whether the request spent the token's rate-limit budget: every
    /// authenticated request does, except a 304, a rate-limit refusal and an
    /// answer the sandbox cut (see [`crate::RateLimit`]).
    pub charged: bool,
}

/// Every request a sandbox served, in order; cheap to clone.
#[derive(Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
}

impl RequestLog {
    pub fn all(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    /// The requests `route` matches.
    pub fn matching(&self, route: &Route) -> Vec<LoggedRequest> {
        self.lock()
            .iter()
            .filter(|r| route.matches(&r.method, &r.path))
            .cloned()
            .collect()
    }

    pub fn count(&self, route: &Route) -> usize {
        self.matching(route).len()
    }

    /// How many logged requests spent rate-limit budget.
    pub fn charged(&self) -> usize {
        self.lock().iter().filter(|r| r.charged).count()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn push(&self, entry: LoggedRequest) {
        self.lock().push(entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LoggedRequest>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Middleware: records each request with the status it got.
pub async fn record(State(log): State<RequestLog>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let auth = header_text(headers, header::AUTHORIZATION);
    let mut entry = LoggedRequest {
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        query: request.uri().query().map(str::to_string),
        if_none_match: header_text(headers, header::IF_NONE_MATCH),
        authorized: auth.is_some(),
        auth_scheme: auth.and_then(|a| a.split_whitespace().next().map(str::to_string)),
        accept: header_text(headers, header::ACCEPT),
        user_agent: header_text(headers, header::USER_AGENT),
        status: 0,
        charged: false,
    };
    tracing::debug!(method = %entry.method, path = %entry.path, "sandbox request");
    let mut response = next.run(request).await;
    let dropped = response.extensions().get::<Dropped>().is_some();
    entry.status = if dropped {
        0
    } else {
        response.status().as_u16()
    };
    entry.charged = response.extensions().get::<Charged>().is_some_and(|c| c.0);
    log.push(entry);
    response
        .headers_mut()
        .entry("x-github-api-version-selected")
        .or_insert(HeaderValue::from_static("2022-11-28"));
    response
}

/// Whether an `Authorization` value carries a token GitHub would look at.
pub fn is_token(value: &str) -> bool {
    let mut parts = value.split_whitespace();
    let scheme = parts.next().unwrap_or_default();
    let token = parts.next().unwrap_or_default();
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        && !token.is_empty()
}

/// Middleware: 401 `Requires authentication` without a token; any token
/// passes, and its answers carry `X-OAuth-Scopes` when the world says the
/// token is a classic one.
pub async fn authenticate(
    State(state): State<SandboxState>,
    request: Request,
    next: Next,
) -> Response {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !value.is_some_and(is_token) {
        return ApiError::new(StatusCode::UNAUTHORIZED, "Requires authentication").into_response();
    }
    let mut response = next.run(request).await;
    let scopes = state.read(|w| w.oauth_scopes.clone());
    if let Some(value) = scopes.and_then(|s| HeaderValue::from_str(&s).ok()) {
        response.headers_mut().insert("x-oauth-scopes", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_token_schemes_with_a_value_pass() {
        assert!(is_token("Bearer abc"));
        assert!(is_token("token ghp_x"));
        assert!(is_token("bearer  abc"));
        assert!(!is_token("Bearer"));
        assert!(!is_token("Basic dXNlcjpwYXNz"));
        assert!(!is_token(""));
    }

    #[test]
    fn the_log_counts_by_route() {
        let log = RequestLog::default();
        let entry = |method: &str, path: &str| LoggedRequest {
            method: method.into(),
            path: path.into(),
            query: None,
            if_none_match: None,
            authorized: true,
            auth_scheme: Some("Bearer".into()),
            accept: None,
            user_agent: None,
            status: 200,
            charged: method == "GET",
        };
        log.push(entry("GET", "/repos/a/b/issues"));
        log.push(entry("GET", "/repos/a/b/issues/1"));
        log.push(entry("POST", "/repos/a/b/issues/1/comments"));
        assert_eq!(log.count(&Route::matching("GET", "/repos/*/*/issues")), 1);
        assert_eq!(log.count(&Route::matching("*", "/repos/**")), 3);
        assert_eq!(log.charged(), 2);
        log.clear();
        assert!(log.all().is_empty());
    }
}
