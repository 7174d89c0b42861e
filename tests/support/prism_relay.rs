//! A recording HTTP relay in front of Prism, for contract tests: the client
//! under test talks to the relay, which forwards to Prism and notes each
//! exchange (the request, Prism's status, and the `sl-violations` Prism
//! reported). It can also ask Prism for a documented error answer with
//! `Prefer: code=N`, which our client never sends itself.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value;

/// One request through the relay and Prism's answer to it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// Path and query, as the client sent them.
    pub path: String,
    pub status: u16,
    /// Everything Prism flagged, about the request and about its own answer.
    pub violations: Vec<Value>,
}

impl Exchange {
    /// What GitHub's description says is wrong with the request itself.
    pub fn request_violations(&self) -> Vec<&Value> {
        self.violations
            .iter()
            .filter(|v| v["location"][0] == "request")
            .collect()
    }
}

struct RelayState {
    prism: String,
    prefer: Option<u16>,
    http: reqwest::Client,
    exchanges: Mutex<Vec<Exchange>>,
}

/// Serves on 127.0.0.1 from the current tokio runtime; stops on drop.
pub struct PrismRelay {
    url: String,
    state: Arc<RelayState>,
    server: tokio::task::JoinHandle<()>,
}

impl PrismRelay {
    /// A relay to the Prism at `prism_url`; with `prefer`, Prism answers with
    /// that documented status instead of its first.
    pub async fn start(prism_url: &str, prefer: Option<u16>) -> PrismRelay {
        let state = Arc::new(RelayState {
            prism: prism_url.trim_end_matches('/').to_string(),
            prefer,
            http: reqwest::Client::new(),
            exchanges: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the relay");
        let url = format!("http://{}", listener.local_addr().expect("a bound address"));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&state));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        PrismRelay { url, state, server }
    }

    /// The base URL to give the client under test.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        self.state
            .exchanges
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// Asserts that GitHub's description accepted every request, then the
    /// exact requests sent: method, path without query, Prism's status.
    #[track_caller]
    pub fn assert_calls(&self, expected: &[(&str, &str, u16)]) {
        let exchanges = self.exchanges();
        let refused: Vec<String> = exchanges
            .iter()
            .flat_map(|e| {
                e.request_violations().into_iter().map(move |v| {
                    format!("{} {} -> {}: {}", e.method, e.path, e.status, v["message"])
                })
            })
            .collect();
        assert!(
            refused.is_empty(),
            "GitHub's description refuses what the client sent (Prism's sl-violations):\n{}",
            refused.join("\n")
        );
        let seen: Vec<(&str, &str, u16)> = exchanges
            .iter()
            .map(|e| {
                (
                    e.method.as_str(),
                    e.path.split('?').next().unwrap_or(""),
                    e.status,
                )
            })
            .collect();
        assert_eq!(seen, expected, "requests sent and Prism's answers");
    }
}

impl Drop for PrismRelay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(State(state): State<Arc<RelayState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("the request body");
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let mut upstream = state
        .http
        .request(parts.method.clone(), format!("{}{path}", state.prism))
        .body(body);
    for (name, value) in &parts.headers {
        if name != http::header::HOST {
            upstream = upstream.header(name, value);
        }
    }
    if let Some(code) = state.prefer {
        upstream = upstream.header("prefer", format!("code={code}"));
    }
    let answer = upstream.send().await.expect("Prism answers");
    let status = answer.status();
    let headers = answer.headers().clone();
    let violations = headers
        .get("sl-violations")
        .and_then(|v| serde_json::from_slice(v.as_bytes()).ok())
        .unwrap_or_default();
    if let Ok(mut exchanges) = state.exchanges.lock() {
        exchanges.push(Exchange {
            method: parts.method.to_string(),
            path,
            status: status.as_u16(),
            violations,
        });
    }
    let body = answer.bytes().await.expect("Prism's answer body");
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        // The body is re-framed by our server.
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            response.headers_mut().append(name, value.clone());
        }
    }
    response
}
