//! The sandbox's API vocabulary: GitHub's error bodies, JSON replies, query
//! parameters and request bodies, shared by every route.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::types::RepoSlug;

pub const DOCS: &str = "https://docs.github.com/rest";

/// GitHub's message when asked for the protection of an unprotected branch.
pub const NOT_PROTECTED: &str = "Branch not protected";
/// GitHub's message when asked about a branch that does not exist.
pub const BRANCH_NOT_FOUND: &str = "Branch not found";

/// An error answer in GitHub's body shape.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The `errors` array of a 422, where GitHub sends one.
    pub errors: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 422 `Validation Failed` with one entry in `errors`.
    pub fn validation(error: Value) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation Failed".into(),
            errors: Some(json!([error])),
        }
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// The body GitHub sends with an error.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "message": self.message,
            "documentation_url": DOCS,
            "status": self.status.as_u16().to_string(),
        });
        if let Some(errors) = &self.errors {
            body["errors"] = errors.clone();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, json_headers(), self.body().to_string()).into_response()
    }
}

pub type ApiResult = Result<Response, ApiError>;

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers
}

/// A JSON answer with a status.
pub fn reply(status: StatusCode, body: &Value) -> Response {
    (status, json_headers(), body.to_string()).into_response()
}

pub fn ok(body: &Value) -> Response {
    reply(StatusCode::OK, body)
}

/// `201 Created` with the new object, whose `url` goes in the `Location` header.
pub fn created(body: &Value) -> Response {
    let mut response = reply(StatusCode::CREATED, body);
    if let Some(url) = body["url"]
        .as_str()
        .and_then(|u| HeaderValue::from_str(u).ok())
    {
        response.headers_mut().insert(header::LOCATION, url);
    }
    response
}

/// Decoded query parameters in request order.
#[derive(Clone, Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let raw = raw.unwrap_or_default();
        let pairs = raw.split('&').filter(|p| !p.is_empty()).map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        });
        Self(pairs.collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Percent-decoding with `+` as space, as in a form-encoded query.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (byte, None) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encoding of everything but unreserved characters.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON request body; GitHub answers 400 `Problems parsing JSON` otherwise.
pub fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON",
        )),
    }
}

/// A string field of a request body.
pub fn field<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(Value::as_str)
}

/// The repository a path names.
pub fn slug(owner: &str, name: &str) -> Result<RepoSlug, ApiError> {
    format!("{owner}/{name}")
        .parse()
        .map_err(|_| ApiError::not_found())
}

/// An issue or PR number from a path; GitHub answers 404 for anything else.
pub fn number(raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_decode_and_keep_order() {
        let p = Params::parse(Some("head=acme%3Afeat%2Fx&state=all&q=a+b&per_page=5"));
        assert_eq!(p.get("head"), Some("acme:feat/x"));
        assert_eq!(p.get("q"), Some("a b"));
        assert_eq!(p.0[1], ("state".to_string(), "all".to_string()));
        assert_eq!(p.get("missing"), None);
        assert!(Params::parse(None).0.is_empty());
    }

    #[test]
    fn decode_tolerates_broken_escapes_and_encode_round_trips() {
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
        let raw = "feat/issue-12 x:y";
        assert_eq!(decode(&encode(raw)), raw);
        assert_eq!(encode("a/b"), "a%2Fb");
    }

    #[test]
    fn error_bodies_have_githubs_shape() {
        let body =
            ApiError::validation(json!({"resource": "PullRequest", "code": "custom"})).body();
        assert_eq!(body["message"], "Validation Failed");
        assert_eq!(body["status"], "422");
        assert_eq!(body["errors"][0]["resource"], "PullRequest");
        assert!(ApiError::not_found().body().get("errors").is_none());
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(json_body(&Bytes::from_static(b"{\"a\":1}")).is_ok());
        assert_eq!(json_body(&Bytes::new()).unwrap(), json!({}));
        let err = json_body(&Bytes::from_static(b"[1]")).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
    }
}
