//! Conditional requests: every successful GET carries an `ETag` derived from
//! its body, and a GET whose `If-None-Match` names the current tag gets 304
//! with no body, as on GitHub (where such answers do not count against the
//! rate limit, which is why clients poll with them).

use std::hash::{Hash, Hasher};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The weak tag of a body, as GitHub writes them: `W/"<hex>"`.
pub fn tag_of(body: &[u8]) -> String {
    let mut hex = String::new();
    for round in 0u8..2 {
        let mut hasher = std::hash::DefaultHasher::new();
        (round, body).hash(&mut hasher);
        hex.push_str(&format!("{:016x}", hasher.finish()));
    }
    format!("W/\"{hex}\"")
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, lists, `*`).
pub fn matches(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| {
        t.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    let wanted = opaque(tag);
    if_none_match
        .split(',')
        .any(|candidate| candidate.trim() == "*" || opaque(candidate) == wanted)
}

/// Middleware: tags GET answers and turns a matching conditional GET into 304.
pub async fn conditional(request: Request, next: Next) -> Response {
    let is_get = request.method() == Method::GET;
    let if_none_match = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let response = next.run(request).await;
    if !is_get || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = tag_of(&bytes);
    let tag_value = HeaderValue::from_str(&tag).expect("a hex tag is a valid header value");
    if if_none_match.is_some_and(|inm| matches(&inm, &tag)) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        not_modified.headers_mut().insert(header::ETAG, tag_value);
        return not_modified;
    }
    parts.headers.insert(header::ETAG, tag_value);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_body() {
        let a = tag_of(b"[1]");
        assert!(a.starts_with("W/\"") && a.ends_with('"'));
        assert_eq!(a, tag_of(b"[1]"));
        assert_ne!(a, tag_of(b"[2]"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let tag = tag_of(b"x");
        let strong = tag.trim_start_matches("W/").to_string();
        assert!(matches(&tag, &tag));
        assert!(matches(&strong, &tag));
        assert!(matches(&format!("\"other\", {tag}"), &tag));
        assert!(matches("*", &tag));
        assert!(!matches("\"other\"", &tag));
    }
}
