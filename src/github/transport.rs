//! Raw requests through octocrab: status, headers and body, with retries on
//! transient failures and `Link`-header pagination. Paths are always relative
//! so that octocrab adds the API base and the token.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, request::Builder};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::GitHubError;
use super::budget::RateBudget;
use super::retry::{Failure, RetryPolicy, Verdict, is_rate_limit, rate_limit_wait};

/// A response as it came back, body read into text.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl RawResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// GitHub's own `message`, or the body, or the status text.
    pub fn message(&self) -> String {
        serde_json::from_str::<Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| match self.body.trim() {
                "" => http::StatusCode::from_u16(self.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("error")
                    .to_string(),
                body => body.chars().take(200).collect(),
            })
    }

    pub fn etag(&self) -> Option<String> {
        self.headers.get("etag")?.to_str().ok().map(str::to_string)
    }
}

/// Sends requests with the retry policy; the one place that talks HTTP.
/// Clones share one rate-limit pause: once GitHub says to wait, every call
/// of the run waits, instead of each one finding out on its own. They also
/// share the budget the waits pace themselves by. Every GET is conditional:
/// octocrab's HTTP cache (set up by the client) sends the last answer's
/// ETag and turns a 304, which GitHub does not charge, back into that answer.
#[derive(Clone)]
pub struct Transport {
    octo: Octocrab,
    policy: RetryPolicy,
    pause: Arc<RatePause>,
    budget: Arc<RateBudget>,
}

/// Until when GitHub asked the whole client to wait.
#[derive(Debug, Default)]
pub struct RatePause {
    until: Mutex<Option<tokio::time::Instant>>,
}

impl RatePause {
    /// Waits out a pause another call ran into.
    async fn wait(&self) {
        let until = *self.until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = until.filter(|u| *u > tokio::time::Instant::now()) {
            tracing::info!(
                wait_ms = (until - tokio::time::Instant::now()).as_millis() as u64,
                "waiting out GitHub's rate limit"
            );
            tokio::time::sleep_until(until).await;
        }
    }

    fn extend(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut slot = self.until.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none_or(|u| u < until) {
            *slot = Some(until);
        }
    }
}

impl Transport {
    pub fn new(octo: Octocrab, policy: RetryPolicy) -> Self {
        Transport {
            octo,
            policy,
            pause: Arc::default(),
            budget: Arc::default(),
        }
    }

    /// How many times longer waits should be to stay inside the rate limit.
    pub fn poll_factor(&self) -> f64 {
        self.budget.factor()
    }

    /// Sends, retrying transient failures; any final answer comes back as
    /// `Ok` (callers decide what a 404 or 409 means), except transient
    /// failures that outlived every attempt.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&'static str, String)],
    ) -> Result<RawResponse, GitHubError> {
        let route = route_of(&method, path);
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::DELETE);
        let mut attempt = 1;
        loop {
            self.pause.wait().await;
            let result = self.send_once(&method, path, body, headers).await;
            if let Ok(raw) = &result {
                self.budget.observe(&raw.headers);
            }
            let failure = match &result {
                Ok(raw) if raw.status < 400 => return result,
                Ok(raw) => Failure::Status {
                    status: raw.status,
                    headers: &raw.headers,
                    body: &raw.body,
                },
                Err(_) => Failure::Transport,
            };
            if let Failure::Status {
                status,
                headers,
                body,
            } = &failure
                && let Some(wait) = rate_limit_wait(*status, headers, body, now_epoch())
            {
                self.pause.extend(wait.min(self.policy.max_wait));
            }
            match self.policy.verdict(
                &failure,
                attempt,
                now_epoch(),
                rand::random::<f64>(),
                idempotent,
            ) {
                Verdict::Retry(wait) => {
                    tracing::warn!(%route, attempt, wait_ms = wait.as_millis() as u64, "transient GitHub failure, retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Verdict::GiveUp => return give_up(result, &route, attempt),
            }
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&'static str, String)],
    ) -> Result<RawResponse, GitHubError> {
        let route = route_of(method, path);
        let transport = |e: octocrab::Error| GitHubError::Transport {
            route: route.clone(),
            detail: e.to_string(),
        };
        let mut builder = Builder::new()
            .method(method.clone())
            .uri(path)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
        for (name, value) in headers {
            builder = builder.header(
                HeaderName::from_static(name),
                HeaderValue::from_str(value)
                    .map_err(|e| GitHubError::Setup(format!("bad header {name}: {e}")))?,
            );
        }
        let request = self.octo.build_request(builder, body).map_err(transport)?;
        let response = self.octo.execute(request).await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .octo
            .body_to_string(response)
            .await
            .map_err(transport)?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    /// GET that must succeed, decoded.
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, GitHubError> {
        let raw = self.send(Method::GET, path, None, &[]).await?;
        decode(
            &expect_success(raw, &Method::GET, path)?,
            &Method::GET,
            path,
        )
    }

    /// Every page of a list endpoint whose body is a JSON array.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, GitHubError> {
        self.get_all_in(path, None).await
    }

    /// Every page of a list; `field` names the array inside an object body
    /// (`check_runs`, `statuses`), `None` for a bare array.
    pub async fn get_all_in<T: DeserializeOwned>(
        &self,
        path: &str,
        field: Option<&str>,
    ) -> Result<Vec<T>, GitHubError> {
        let first = with_per_page(path);
        let raw = self.send(Method::GET, &first, None, &[]).await?;
        self.pages_from(raw, first, field).await
    }

    /// Like `get_all_in`, conditional on the tag a previous call returned:
    /// an unchanged first page answers 304, which costs no rate limit.
    pub async fn get_all_conditional<T: DeserializeOwned>(
        &self,
        path: &str,
        field: Option<&str>,
        etag: Option<&str>,
    ) -> Result<super::Conditional<Vec<T>>, GitHubError> {
        let first = with_per_page(path);
        let tag_header: Vec<(&'static str, String)> = etag
            .map(|t| vec![("if-none-match", t.to_string())])
            .unwrap_or_default();
        let raw = self.send(Method::GET, &first, None, &tag_header).await?;
        if raw.status == 304 {
            return Ok(super::Conditional::NotModified);
        }
        let etag = raw.etag();
        let items = self.pages_from(raw, first, field).await?;
        Ok(super::Conditional::Modified { value: items, etag })
    }

    /// The items of `raw`, the answer for `page`, and of every page after it
    /// (`Link: rel="next"`).
    async fn pages_from<T: DeserializeOwned>(
        &self,
        mut raw: RawResponse,
        mut page: String,
        field: Option<&str>,
    ) -> Result<Vec<T>, GitHubError> {
        let mut items = Vec::new();
        loop {
            let ok = expect_success(raw, &Method::GET, &page)?;
            items.extend(decode_items::<T>(&ok, field, &page)?);
            let Some(next) = next_link(&ok.headers) else {
                return Ok(items);
            };
            raw = self.send(Method::GET, &next, None, &[]).await?;
            page = next;
        }
    }
}

fn give_up(
    result: Result<RawResponse, GitHubError>,
    route: &str,
    attempts: u32,
) -> Result<RawResponse, GitHubError> {
    match result {
        Ok(raw) if is_rate_limit(raw.status, &raw.headers, &raw.body) || raw.status >= 500 => {
            Err(GitHubError::Status {
                route: route.to_string(),
                status: raw.status,
                message: format!("{} (gave up after {attempts} attempts)", raw.message()),
            })
        }
        Ok(raw) => Ok(raw),
        Err(GitHubError::Transport { route, detail }) => Err(GitHubError::Transport {
            route,
            detail: format!("{detail} (gave up after {attempts} attempts)"),
        }),
        Err(other) => Err(other),
    }
}

/// Turns a non-2xx answer into GitHub's error.
pub fn expect_success(
    raw: RawResponse,
    method: &Method,
    path: &str,
) -> Result<RawResponse, GitHubError> {
    if raw.is_success() {
        Ok(raw)
    } else {
        Err(GitHubError::Status {
            route: route_of(method, path),
            status: raw.status,
            message: raw.message(),
        })
    }
}

pub fn decode<T: DeserializeOwned>(
    raw: &RawResponse,
    method: &Method,
    path: &str,
) -> Result<T, GitHubError> {
    serde_json::from_str(&raw.body).map_err(|e| GitHubError::Decode {
        route: route_of(method, path),
        detail: e.to_string(),
    })
}

fn decode_items<T: DeserializeOwned>(
    raw: &RawResponse,
    field: Option<&str>,
    path: &str,
) -> Result<Vec<T>, GitHubError> {
    let fail = |detail: String| GitHubError::Decode {
        route: route_of(&Method::GET, path),
        detail,
    };
    match field {
        None => decode(raw, &Method::GET, path),
        Some(field) => {
            let mut value: Value =
                serde_json::from_str(&raw.body).map_err(|e| fail(e.to_string()))?;
            let list = value
                .get_mut(field)
                .map(Value::take)
                .ok_or_else(|| fail(format!("no `{field}` field")))?;
            serde_json::from_value(list).map_err(|e| fail(e.to_string()))
        }
    }
}

/// `GET /repos/o/r/issues` — the path without its query, for messages.
pub fn route_of(method: &Method, path: &str) -> String {
    format!("{method} {}", path.split('?').next().unwrap_or(path))
}

fn with_per_page(path: &str) -> String {
    if path.contains("per_page=") {
        path.to_string()
    } else if path.contains('?') {
        format!("{path}&per_page=100")
    } else {
        format!("{path}?per_page=100")
    }
}

/// The `rel="next"` target of a `Link` header, made relative (path and query)
/// so the request keeps going to the configured API base with the token.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.split(';').any(|p| p.trim() == r#"rel="next""#) {
            return None;
        }
        let url = target.trim().trim_start_matches('<').trim_end_matches('>');
        let uri: http::Uri = url.parse().ok()?;
        uri.path_and_query().map(|pq| pq.as_str().to_string())
    })
}

/// Percent-encodes a path segment or query value (keeps `/` when `keep_slash`).
pub fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let plain = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/');
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn now_epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_made_relative() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            r#"<https://api.github.com/repositories/1/issues?page=2&per_page=100>; rel="next", <https://api.github.com/repositories/1/issues?page=5&per_page=100>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("/repositories/1/issues?page=2&per_page=100")
        );
        h.insert(
            "link",
            r#"<https://x/y?page=1>; rel="prev""#.parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn encoding_keeps_branch_slashes_only_when_asked() {
        assert_eq!(encode("feat/issue-12-x", true), "feat/issue-12-x");
        assert_eq!(encode("o:feat/a b", false), "o%3Afeat%2Fa%20b");
    }

    #[test]
    fn message_prefers_githubs_words() {
        let raw = RawResponse {
            status: 404,
            headers: HeaderMap::new(),
            body: r#"{"message":"Not Found"}"#.into(),
        };
        assert_eq!(raw.message(), "Not Found");
        let raw = RawResponse {
            status: 502,
            headers: HeaderMap::new(),
            body: String::new(),
        };
        assert_eq!(raw.message(), "Bad Gateway");
    }
}
