//! Conditional GETs for every read: the last answer per path, kept with its
//! `ETag`, is asked for with `If-None-Match`; GitHub answers an unchanged
//! resource with 304, which costs nothing against the rate limit, and the
//! stored answer stands in for it. So a wait may re-read GitHub every few
//! seconds and pay only when something changed.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use http::{HeaderMap, header};

use super::transport::RawResponse;

/// How many answers are kept; the oldest goes first. A run reads a handful
/// of paths per open PR, so this is far more than a run needs at once.
const CAPACITY: usize = 2048;

/// Stored answers by path (with query), shared by every clone of a client.
#[derive(Debug, Default)]
pub struct EtagCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    answers: HashMap<String, RawResponse>,
    /// Paths in the order they were first stored, for eviction.
    order: VecDeque<String>,
}

impl EtagCache {
    /// The tag to send for `path`, if an answer is stored.
    pub fn tag(&self, path: &str) -> Option<String> {
        self.lock().answers.get(path).and_then(RawResponse::etag)
    }

    /// The stored answer for `path`, standing in for a 304 whose headers
    /// are `fresh`: as HTTP has it, a 304's headers (rate limit, scopes)
    /// replace the stored ones; the body stays.
    pub fn refreshed(&self, path: &str, fresh: &HeaderMap) -> Option<RawResponse> {
        let mut inner = self.lock();
        let stored = inner.answers.get_mut(path)?;
        for (name, value) in fresh {
            if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
                stored.headers.insert(name.clone(), value.clone());
            }
        }
        Some(stored.clone())
    }

    #[cfg(test)]
    fn stored(&self, path: &str) -> Option<RawResponse> {
        self.lock().answers.get(path).cloned()
    }

    /// Keeps `raw` for `path` if it is a success with a tag.
    pub fn keep(&self, path: &str, raw: &RawResponse) {
        if raw.status != 200 || raw.etag().is_none() {
            return;
        }
        let mut inner = self.lock();
        if inner
            .answers
            .insert(path.to_string(), raw.clone())
            .is_none()
        {
            inner.order.push_back(path.to_string());
        }
        while inner.order.len() > CAPACITY {
            if let Some(old) = inner.order.pop_front() {
                inner.answers.remove(&old);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, etag: Option<&str>, body: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        if let Some(tag) = etag {
            headers.insert("etag", tag.parse().unwrap());
        }
        RawResponse {
            status,
            headers,
            body: body.into(),
        }
    }

    #[test]
    fn keeps_tagged_successes_only() {
        let cache = EtagCache::default();
        cache.keep("/a", &answer(200, Some("\"1\""), "a"));
        cache.keep("/b", &answer(200, None, "b"));
        cache.keep("/c", &answer(404, Some("\"3\""), "c"));
        assert_eq!(cache.tag("/a").as_deref(), Some("\"1\""));
        assert_eq!(cache.stored("/a").unwrap().body, "a");
        assert!(cache.tag("/b").is_none() && cache.tag("/c").is_none());
    }

    #[test]
    fn a_newer_answer_replaces_the_old_and_the_oldest_path_goes_first() {
        let cache = EtagCache::default();
        for i in 0..=CAPACITY {
            cache.keep(&format!("/{i}"), &answer(200, Some("\"t\""), "x"));
        }
        assert!(cache.stored("/0").is_none(), "the oldest was evicted");
        assert!(cache.stored(&format!("/{CAPACITY}")).is_some());
        cache.keep("/1", &answer(200, Some("\"new\""), "y"));
        assert_eq!(cache.tag("/1").as_deref(), Some("\"new\""));
    }

    #[test]
    fn a_304s_headers_replace_the_stored_ones_and_the_body_stays() {
        let cache = EtagCache::default();
        let mut first = answer(200, Some("\"1\""), "body");
        first
            .headers
            .insert("x-oauth-scopes", "repo".parse().unwrap());
        cache.keep("/r", &first);
        let mut fresh = HeaderMap::new();
        fresh.insert("x-oauth-scopes", "repo, workflow".parse().unwrap());
        let got = cache.refreshed("/r", &fresh).unwrap();
        assert_eq!(got.body, "body");
        assert_eq!(got.headers["x-oauth-scopes"], "repo, workflow");
        assert_eq!(got.etag().as_deref(), Some("\"1\""));
    }
}
