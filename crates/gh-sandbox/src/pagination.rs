//! Pagination as GitHub does it: `per_page` (default 30, at most 100) and
//! `page` (from 1), and a `Link` header with `prev`, `next`, `last` and
//! `first` as absolute URLs on the sandbox's base.

use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::Value;

use super::api::{Params, encode, ok};

pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 100;

/// The page a request asks for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl PageRequest {
    pub fn from_params(params: &Params) -> Self {
        let number = |key: &str| {
            params
                .get(key)
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|n| *n > 0)
        };
        Self {
            page: number("page").unwrap_or(1),
            per_page: number("per_page")
                .unwrap_or(DEFAULT_PER_PAGE)
                .min(MAX_PER_PAGE),
        }
    }
}

/// One page of a list, and the `Link` header that goes with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub link: Option<String>,
}

/// Cuts the requested page out of `items`; `url` is the absolute URL of the
/// request without its query, used to build the links.
pub fn paginate<T>(items: Vec<T>, params: &Params, url: &str) -> Paged<T> {
    let req = PageRequest::from_params(params);
    let total = items.len();
    let last = total.div_ceil(req.per_page).max(1);
    let page_items = items
        .into_iter()
        .skip((req.page - 1) * req.per_page)
        .take(req.per_page)
        .collect();
    let page_url = |page: usize| format!("<{url}?{}>", with_page(params, page));
    let mut rels = Vec::new();
    if req.page > 1 {
        rels.push(format!(
            "{}; rel=\"prev\"",
            page_url((req.page - 1).min(last))
        ));
    }
    if req.page < last {
        rels.push(format!("{}; rel=\"next\"", page_url(req.page + 1)));
        rels.push(format!("{}; rel=\"last\"", page_url(last)));
    }
    if req.page > 1 {
        rels.push(format!("{}; rel=\"first\"", page_url(1)));
    }
    Paged {
        items: page_items,
        link: (!rels.is_empty()).then(|| rels.join(", ")),
    }
}

/// A JSON array answer for one page, with its `Link` header.
pub fn list_reply(paged: Paged<Value>) -> Response {
    let link = paged.link.clone();
    with_link(ok(&Value::Array(paged.items)), link)
}

/// Adds a `Link` header when there is one.
pub fn with_link(mut response: Response, link: Option<String>) -> Response {
    if let Some(value) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// The request's query with `page` set to `page`, other parameters kept in order.
fn with_page(params: &Params, page: usize) -> String {
    let mut pairs: Vec<String> = params
        .0
        .iter()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.push(format!("page={page}"));
    pairs.join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:9/repos/o/r/issues";

    #[test]
    fn defaults_and_limits() {
        assert_eq!(
            PageRequest::from_params(&Params::default()),
            PageRequest {
                page: 1,
                per_page: 30
            }
        );
        let p = Params::parse(Some("per_page=500&page=0"));
        assert_eq!(
            PageRequest::from_params(&p),
            PageRequest {
                page: 1,
                per_page: 100
            }
        );
        let p = Params::parse(Some("per_page=x&page=3"));
        assert_eq!(
            PageRequest::from_params(&p),
            PageRequest {
                page: 3,
                per_page: 30
            }
        );
    }

    #[test]
    fn a_single_page_has_no_link() {
        let paged = paginate((1..=30).collect::<Vec<_>>(), &Params::default(), URL);
        assert_eq!(paged.items.len(), 30);
        assert_eq!(paged.link, None);
    }

    #[test]
    fn the_first_page_links_next_and_last_keeping_other_params() {
        let params = Params::parse(Some("state=all&per_page=100"));
        let paged = paginate((1..=250).collect::<Vec<_>>(), &params, URL);
        assert_eq!(paged.items, (1..=100).collect::<Vec<_>>());
        assert_eq!(
            paged.link.as_deref(),
            Some(
                "<http://127.0.0.1:9/repos/o/r/issues?state=all&per_page=100&page=2>; rel=\"next\", \
                 <http://127.0.0.1:9/repos/o/r/issues?state=all&per_page=100&page=3>; rel=\"last\""
            )
        );
    }

    #[test]
    fn a_middle_page_links_all_four_and_the_last_only_back() {
        let params = Params::parse(Some("page=2&per_page=10"));
        let middle = paginate((1..=25).collect::<Vec<_>>(), &params, URL);
        assert_eq!(middle.items, (11..=20).collect::<Vec<_>>());
        let link = middle.link.unwrap();
        for rel in ["prev", "next", "last", "first"] {
            assert!(link.contains(&format!("rel=\"{rel}\"")), "{rel} in {link}");
        }
        assert!(link.contains("per_page=10&page=1>; rel=\"prev\""));
        let params = Params::parse(Some("page=3&per_page=10"));
        let last = paginate((1..=25).collect::<Vec<_>>(), &params, URL);
        assert_eq!(last.items, (21..=25).collect::<Vec<_>>());
        let link = last.link.unwrap();
        assert!(!link.contains("rel=\"next\"") && link.contains("rel=\"prev\""));
    }

    #[test]
    fn values_are_re_encoded_in_links() {
        let params = Params::parse(Some("head=acme%3Afeat%2Fx&per_page=1"));
        let paged = paginate(vec![1, 2], &params, URL);
        assert!(
            paged
                .link
                .unwrap()
                .contains("head=acme%3Afeat%2Fx&per_page=1&page=2")
        );
    }
}
