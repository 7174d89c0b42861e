//! The dashboard's access token: 32 random hex characters, checked on every request.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use super::server::Shared;

/// A fresh token: 128 random bits as 32 lowercase hex characters.
pub fn new_token() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// Whether `given` is `token`, in time that does not depend on where they differ.
pub fn matches(token: &str, given: &str) -> bool {
    token.len() == given.len()
        && token
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The token a request carries: `?token=` in its query or `Authorization: Bearer`.
fn carried(req: &Request) -> Option<&str> {
    let from_query = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")));
    let from_header = || {
        req.headers()
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
    };
    from_query.or_else(from_header)
}

/// Refuses with 403 every request without the right token.
pub async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    match carried(&req) {
        Some(given) if matches(&shared.token, given) => {
            let mut response = next.run(req).await;
            // The URL carries the token: keep it out of caches and of the
            // Referer sent to GitHub when a PR link is followed.
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            response
        }
        _ => (
            StatusCode::FORBIDDEN,
            "forbidden: the dashboard's token is missing or wrong\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_hex_characters_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn only_the_same_token_matches() {
        assert!(matches("00ff", "00ff"));
        assert!(!matches("00ff", "00fe"));
        assert!(!matches("00ff", "00ff0"));
        assert!(!matches("00ff", ""));
    }
}
