//! Which exchanges the request log shows: the `/` filter and "errors only".
//!
//! The filter takes the users list's field syntax: `method:PUT`, `status:4xx` (a class,
//! or `status:404`), `path:/api/2/*` (the API's wildcards, `!` negates), and words matched
//! anywhere in the method, URL, status, error or the start of the bodies. Every term must
//! match.

use crate::api::{Exchange, Pattern, url_path};

/// How much of each body the text filter searches: enough for any envelope message.
const BODY_SEARCH_LIMIT: usize = 8 * 1024;

/// Whether an answer counts as an error: 4xx, 5xx, or no answer at all.
pub fn is_error(exchange: &Exchange) -> bool {
    exchange.status.is_none_or(|s| s >= 400)
}

/// One term of the filter.
enum Term {
    Method(Pattern),
    /// `4xx` reads as `4*`.
    Status(Pattern),
    /// Against the path alone (no host, no query).
    Path(Pattern),
    Word(String),
}

/// The `/` filter read once, to be matched against many exchanges.
pub struct LogFilter {
    terms: Vec<Term>,
    errors_only: bool,
}

impl LogFilter {
    pub fn new(filter: &str, errors_only: bool) -> LogFilter {
        LogFilter {
            terms: terms(filter),
            errors_only,
        }
    }

    pub fn matches(&self, exchange: &Exchange) -> bool {
        if self.errors_only && !is_error(exchange) {
            return false;
        }
        self.terms.iter().all(|term| match term {
            Term::Method(p) => p.matches(&exchange.method),
            Term::Status(p) => {
                p.matches(&exchange.status.map(|s| s.to_string()).unwrap_or_default())
            }
            Term::Path(p) => p.matches(&url_path(&exchange.url)),
            Term::Word(w) => anywhere(exchange, w),
        })
    }
}

fn terms(filter: &str) -> Vec<Term> {
    filter
        .split_whitespace()
        .map(|t| match t.split_once(':') {
            Some(("method", p)) => Term::Method(Pattern::parse(p)),
            Some(("status", p)) => {
                Term::Status(Pattern::parse(&p.to_lowercase().replace('x', "*")))
            }
            Some(("path", p)) => Term::Path(Pattern::parse(p)),
            _ => Term::Word(t.to_lowercase()),
        })
        .collect()
}

/// Whether `exchange` passes `filter` (see [`LogFilter`] to match many).
pub fn matches(exchange: &Exchange, filter: &str, errors_only: bool) -> bool {
    LogFilter::new(filter, errors_only).matches(exchange)
}

fn anywhere(exchange: &Exchange, needle: &str) -> bool {
    let status = exchange.status.map(|s| s.to_string()).unwrap_or_default();
    let head = |body: &Option<String>| {
        body.as_deref().map(|b| {
            let end = (0..=BODY_SEARCH_LIMIT.min(b.len()))
                .rev()
                .find(|i| b.is_char_boundary(*i))
                .unwrap_or(0);
            b[..end].to_lowercase()
        })
    };
    [
        Some(exchange.method.to_lowercase()),
        Some(exchange.url.to_lowercase()),
        Some(status),
        exchange.error.as_ref().map(|e| e.to_lowercase()),
        head(&exchange.request_body),
        head(&exchange.response_body),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn exchange(method: &str, url: &str, status: Option<u16>) -> Exchange {
        Exchange {
            id: 1,
            started_at: chrono::Utc::now(),
            method: method.into(),
            url: url.into(),
            request_headers: Vec::new(),
            request_body: None,
            status,
            response_headers: Vec::new(),
            response_body: Some(r#"{"message":"User not found"}"#.into()),
            duration: Duration::from_millis(1),
            error: None,
        }
    }

    #[test]
    fn fields_and_words_all_match() {
        let put = exchange(
            "PUT",
            "http://h/api/1/users/7/set_custom_attributes?x=1",
            Some(404),
        );
        let get = exchange("GET", "http://h/api/2/users?limit=50", Some(200));
        let m = |e: &Exchange, f: &str| matches(e, f, false);
        assert!(m(&put, "method:put status:4xx"));
        assert!(m(&put, "status:404 path:*/set_custom_attributes"));
        assert!(!m(&get, "status:4xx"));
        assert!(m(&get, "status:!4xx path:/api/2/*"));
        assert!(!m(&put, "path:/api/2/*"));
        // The path leaves the query out; words look everywhere, bodies too.
        assert!(!m(&put, "path:*x=1"));
        assert!(m(&put, "not found method:!get"));
        assert!(m(&get, ""));
        assert!(!matches(&get, "", true), "errors only");
    }
}
