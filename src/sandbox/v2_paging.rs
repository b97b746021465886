//! Paging of API /2 lists: `limit` + `page`, or `cursor` alone, and the
//! headers `Total-Count`, `Total-Pages`, `Current-Page`, `Page-Items`,
//! `Before-Cursor`, `After-Cursor`, `Link`.
//!
//! A cursor carries the whole query it came from (filters, sort, fields, the
//! limit) and the position of the item it follows or precedes (the sort key
//! and id: keyset paging, so it keeps working while the tenant changes). It is
//! `base64url(payload).signature`, signed with a key drawn when the sandbox
//! starts: a cursor the sandbox did not issue, or one edited, is refused with
//! 400 "Invalid pagination cursor". Cursors are URL-safe, so the header value
//! is the value to send back.
//!
//! **Choices** the document leaves open: `limit` above 50 is served as 50, a
//! `limit` or `page` that is not a positive integer → 400 "limit must be a
//! positive integer" (or "page …"); `Current-Page` on a cursor page is the
//! page the window starts in; `Link` holds first/prev/next/last page links
//! on a page request and prev/next cursor links on a cursor request;
//! `Page-Items` is the page size (the limit), not the count on the page; a
//! page past the end is an empty list; `Before-Cursor`/`After-Cursor` are
//! absent when there is nothing before/after; parameters beside a `cursor`
//! must repeat the cursor's own query (else "Invalid pagination cursor").

use std::cmp::Ordering;

use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::envelope::Reject;
use super::query::{self, value_of};
use super::v2_errors::{bad_request, set_header};

pub(crate) const MAX_LIMIT: usize = 50;

/// Parameters that shape paging rather than the query.
pub(crate) const PAGING_KEYS: [&str; 3] = ["limit", "page", "cursor"];

/// A sortable value of an item: nulls first, then numbers, then text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SortKey {
    Null,
    Int(i64),
    Text(String),
}

impl SortKey {
    fn to_value(&self) -> Value {
        match self {
            SortKey::Null => Value::Null,
            SortKey::Int(n) => json!(n),
            SortKey::Text(s) => json!(s),
        }
    }

    fn from_value(v: &Value) -> Option<SortKey> {
        match v {
            Value::Null => Some(SortKey::Null),
            Value::Number(n) => n.as_i64().map(SortKey::Int),
            Value::String(s) => Some(SortKey::Text(s.clone())),
            _ => None,
        }
    }
}

/// Where an item sits in a sorted list: its sort key, then its id.
pub(crate) type Position = (SortKey, i64);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// 1-based page number.
    Page(usize),
    After(Position),
    Before(Position),
}

/// What a list request asks for.
#[derive(Debug, Clone)]
pub(crate) struct PageAsk {
    pub(crate) limit: usize,
    mode: Mode,
    /// The query that selects, sorts and shapes (no paging keys), sorted;
    /// from the cursor when there is one.
    pub(crate) query: Vec<(String, String)>,
    /// Which list the query belongs to (`users`, `roles/141013/users`).
    scope: String,
}

fn positive(pairs: &[(String, String)], key: &str) -> Result<Option<usize>, Reject> {
    match value_of(pairs, key) {
        None => Ok(None),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(bad_request(format!("{key} must be a positive integer")).into()),
        },
    }
}

fn signature(key: u64, payload: &str) -> String {
    let sig = query::fingerprint(&[
        ("key".to_string(), key.to_string()),
        ("payload".to_string(), payload.to_string()),
    ]);
    format!("{sig:016x}")
}

fn invalid_cursor() -> Reject {
    bad_request("Invalid pagination cursor").into()
}

impl PageAsk {
    /// Reads `limit`/`page`/`cursor` from `pairs` (the whole request query).
    pub(crate) fn parse(
        pairs: &[(String, String)],
        scope: &str,
        key: u64,
    ) -> Result<PageAsk, Reject> {
        let mut query: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| !PAGING_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        query.sort();
        let Some(raw) = value_of(pairs, "cursor") else {
            let limit = positive(pairs, "limit")?.map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT));
            let page = positive(pairs, "page")?.unwrap_or(1);
            return Ok(PageAsk {
                limit,
                mode: Mode::Page(page),
                query,
                scope: scope.to_string(),
            });
        };
        if value_of(pairs, "limit").is_some() || value_of(pairs, "page").is_some() {
            return Err(
                bad_request("Requests can only have cursor xor pagination arguments").into(),
            );
        }
        let ask = decode(raw, key).ok_or_else(invalid_cursor)?;
        if ask.scope != scope || query.iter().any(|p| !ask.query.contains(p)) {
            return Err(invalid_cursor());
        }
        Ok(ask)
    }

    fn encode(&self, key: u64, after: bool, at: &Position) -> String {
        let payload = json!({
            "s": self.scope,
            "q": self.query,
            "l": self.limit,
            "d": if after { "a" } else { "b" },
            "k": at.0.to_value(),
            "i": at.1,
        })
        .to_string();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            signature(key, &payload)
        )
    }
}

fn decode(raw: &str, key: u64) -> Option<PageAsk> {
    let (body, sig) = raw.trim().split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
    if signature(key, &payload) != sig {
        return None;
    }
    let v: Value = serde_json::from_str(&payload).ok()?;
    let query: Vec<(String, String)> = serde_json::from_value(v.get("q")?.clone()).ok()?;
    let limit = usize::try_from(v.get("l")?.as_u64()?).ok()?;
    let at: Position = (SortKey::from_value(v.get("k")?)?, v.get("i")?.as_i64()?);
    let mode = match v.get("d")?.as_str()? {
        "a" => Mode::After(at),
        "b" => Mode::Before(at),
        _ => return None,
    };
    Some(PageAsk {
        limit: limit.clamp(1, MAX_LIMIT),
        mode,
        query,
        scope: v.get("s")?.as_str()?.to_string(),
    })
}

/// One page of a sorted list, and where it sits.
#[derive(Debug)]
pub(crate) struct Window<T> {
    pub(crate) items: Vec<T>,
    total: usize,
    start: usize,
    first: Option<Position>,
    last: Option<Position>,
    has_next: bool,
}

/// Orders positions as the list is sorted.
fn order(a: &Position, b: &Position, descending: bool) -> Ordering {
    if descending { b.cmp(a) } else { a.cmp(b) }
}

/// Sorts `items` by position (ties by id) in the requested direction.
pub(crate) fn sort<T>(items: &mut [(Position, T)], descending: bool) {
    items.sort_by(|a, b| order(&a.0, &b.0, descending));
}

impl PageAsk {
    /// The window of `sorted` (already in list order) this request asks for.
    pub(crate) fn window<T>(&self, sorted: Vec<(Position, T)>, descending: bool) -> Window<T> {
        let total = sorted.len();
        let (start, end) = match &self.mode {
            Mode::Page(p) => {
                let start = (p - 1).saturating_mul(self.limit).min(total);
                (start, (start + self.limit).min(total))
            }
            Mode::After(at) => {
                let start = sorted
                    .iter()
                    .position(|(pos, _)| order(pos, at, descending) == Ordering::Greater)
                    .unwrap_or(total);
                (start, (start + self.limit).min(total))
            }
            Mode::Before(at) => {
                let end = sorted
                    .iter()
                    .position(|(pos, _)| order(pos, at, descending) != Ordering::Less)
                    .unwrap_or(total);
                (end.saturating_sub(self.limit), end)
            }
        };
        let page: Vec<(Position, T)> = sorted.into_iter().skip(start).take(end - start).collect();
        let first = page.first().map(|(p, _)| p.clone());
        let last = page.last().map(|(p, _)| p.clone());
        Window {
            items: page.into_iter().map(|(_, t)| t).collect(),
            total,
            start,
            first,
            last,
            has_next: end < total,
        }
    }

    /// Adds the paging headers of `window` to `resp`. `link_base` is the
    /// list's full URL without a query.
    pub(crate) fn headers<T>(
        &self,
        resp: &mut Response,
        window: &Window<T>,
        link_base: &str,
        key: u64,
    ) {
        let total_pages = window.total.div_ceil(self.limit);
        let current = match self.mode {
            Mode::Page(p) => p,
            _ => window.start / self.limit + 1,
        };
        set_header(resp, "total-count", &window.total.to_string());
        set_header(resp, "total-pages", &total_pages.to_string());
        set_header(resp, "current-page", &current.to_string());
        set_header(resp, "page-items", &self.limit.to_string());
        let before = window
            .first
            .as_ref()
            .filter(|_| window.start > 0)
            .map(|p| self.encode(key, false, p));
        let after = window
            .last
            .as_ref()
            .filter(|_| window.has_next)
            .map(|p| self.encode(key, true, p));
        let mut links: Vec<String> = Vec::new();
        let cursor_link = |c: &str, rel: &str| format!("<{link_base}?cursor={c}>; rel=\"{rel}\"");
        if let Some(c) = &before {
            set_header(resp, "before-cursor", c);
        }
        if let Some(c) = &after {
            set_header(resp, "after-cursor", c);
        }
        match self.mode {
            Mode::Page(p) => {
                let page_link = |n: usize, rel: &str| {
                    let mut parts: Vec<String> = self
                        .query
                        .iter()
                        .map(|(k, v)| format!("{}={}", query::encode(k), query::encode(v)))
                        .collect();
                    parts.push(format!("limit={}", self.limit));
                    parts.push(format!("page={n}"));
                    format!("<{link_base}?{}>; rel=\"{rel}\"", parts.join("&"))
                };
                links.push(page_link(1, "first"));
                if p > 1 {
                    links.push(page_link(p - 1, "prev"));
                }
                if window.has_next {
                    links.push(page_link(p + 1, "next"));
                }
                links.push(page_link(total_pages.max(1), "last"));
            }
            _ => {
                if let Some(c) = &before {
                    links.push(cursor_link(c, "prev"));
                }
                if let Some(c) = &after {
                    links.push(cursor_link(c, "next"));
                }
            }
        }
        if !links.is_empty() {
            set_header(resp, "link", &links.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn items(n: i64) -> Vec<(Position, i64)> {
        (1..=n).map(|i| ((SortKey::Int(i % 3), i), i)).collect()
    }

    fn ids(w: &Window<i64>) -> Vec<i64> {
        w.items.clone()
    }

    #[test]
    fn pages_and_cursors_walk_the_same_list() {
        let mut all = items(7);
        sort(&mut all, false);
        let order: Vec<i64> = all.iter().map(|x| x.1).collect();
        assert_eq!(order, [3, 6, 1, 4, 7, 2, 5]);

        let ask = PageAsk::parse(&p(&[("limit", "3"), ("sort", "x")]), "users", 9).unwrap();
        let w = ask.window(all.clone(), false);
        assert_eq!(ids(&w), [3, 6, 1]);
        let after = ask.encode(9, true, w.last.as_ref().unwrap());

        let next = PageAsk::parse(&p(&[("cursor", &after)]), "users", 9).unwrap();
        assert_eq!(next.limit, 3);
        assert_eq!(next.query, p(&[("sort", "x")]));
        let w2 = next.window(all.clone(), false);
        assert_eq!(ids(&w2), [4, 7, 2]);
        let before = next.encode(9, false, w2.first.as_ref().unwrap());
        let back = PageAsk::parse(&p(&[("cursor", &before)]), "users", 9).unwrap();
        assert_eq!(ids(&back.window(all.clone(), false)), [3, 6, 1]);

        let page3 = PageAsk::parse(&p(&[("limit", "3"), ("page", "3")]), "users", 9).unwrap();
        let w3 = page3.window(all, false);
        assert_eq!(ids(&w3), [5]);
        assert!(!w3.has_next);
    }

    #[test]
    fn refusals() {
        let ask = PageAsk::parse(&p(&[("email", "a*")]), "users", 9).unwrap();
        let c = ask.encode(9, true, &(SortKey::Null, 5));
        for (q, scope, key) in [
            (p(&[("cursor", &c), ("limit", "5")]), "users", 9),
            (p(&[("cursor", &c), ("page", "1")]), "users", 9),
            (p(&[("cursor", &c)]), "users", 8),
            (p(&[("cursor", &c)]), "roles/1/users", 9),
            (p(&[("cursor", &c), ("email", "b*")]), "users", 9),
            (p(&[("cursor", "eyJ9.0000")]), "users", 9),
            (p(&[("limit", "x")]), "users", 9),
            (p(&[("page", "0")]), "users", 9),
        ] {
            assert!(PageAsk::parse(&q, scope, key).is_err(), "{q:?}");
        }
        assert!(PageAsk::parse(&p(&[("cursor", &c), ("email", "a*")]), "users", 9).is_ok());
        let big = PageAsk::parse(&p(&[("limit", "500")]), "users", 9).unwrap();
        assert_eq!(big.limit, MAX_LIMIT);
    }
}
