//! Cursor pagination of API /1 lists: `limit`, `sort=+id|-id`, opaque
//! `after_cursor` / `before_cursor` and the `pagination` object.
//!
//! A cursor is base64url of `{"id":<last or first id>,"q":"<fingerprint>"}`:
//! keyset paging by id, bound to the query it came from, so it keeps working
//! while the tenant changes and is refused for another query.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::envelope;
use super::envelope::Reject;
use super::query::{self, value_of};

pub(crate) const MAX_LIMIT: usize = 50;

/// Parameters that shape a page but do not select items.
const PAGE_KEYS: [&str; 5] = ["limit", "fields", "after_cursor", "before_cursor", "sort"];

#[derive(Debug, Clone)]
pub(crate) struct PageRequest {
    pub(crate) limit: usize,
    pub(crate) descending: bool,
    after: Option<i64>,
    before: Option<i64>,
    fingerprint: String,
}

fn encode_cursor(id: i64, fingerprint: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "id": id, "q": fingerprint }).to_string())
}

fn decode_cursor(raw: &str, fingerprint: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim().trim_end_matches('='))
        .ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    if v.get("q")?.as_str()? != fingerprint {
        return None;
    }
    v.get("id")?.as_i64()
}

impl PageRequest {
    /// A request of a list sorted by id, ascending unless `sort=-id`.
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<PageRequest, Reject> {
        PageRequest::parse_sorted(pairs, false)
    }

    /// A request of a list sorted by id: `sort=-id` descending, `sort=+id` ascending,
    /// otherwise `descending_by_default`.
    pub(crate) fn parse_sorted(
        pairs: &[(String, String)],
        descending_by_default: bool,
    ) -> Result<PageRequest, Reject> {
        let limit = value_of(pairs, "limit")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .map_or(MAX_LIMIT, |n| n.min(MAX_LIMIT));
        // `+` in a query string decodes to a space: "+id" arrives as " id".
        let descending = match value_of(pairs, "sort").map(str::trim) {
            Some("-id") => true,
            Some("id" | "+id") => false,
            _ => descending_by_default,
        };
        let mut selecting: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| !PAGE_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        selecting.sort();
        selecting.push(("sort".into(), if descending { "-id" } else { "+id" }.into()));
        let fingerprint = format!("{:016x}", query::fingerprint(&selecting));
        let mut req = PageRequest {
            limit,
            descending,
            after: None,
            before: None,
            fingerprint,
        };
        if let Some(raw) = value_of(pairs, "after_cursor").filter(|s| !s.is_empty()) {
            req.after = Some(
                decode_cursor(raw, &req.fingerprint)
                    .ok_or_else(|| envelope::bad_request("after_cursor is not valid"))?,
            );
        } else if let Some(raw) = value_of(pairs, "before_cursor").filter(|s| !s.is_empty()) {
            req.before = Some(
                decode_cursor(raw, &req.fingerprint)
                    .ok_or_else(|| envelope::bad_request("before_cursor is not valid"))?,
            );
        }
        Ok(req)
    }

    fn is_later(&self, id: i64, cursor: i64) -> bool {
        if self.descending {
            id < cursor
        } else {
            id > cursor
        }
    }

    /// Sorts `items` (id, rendered item) in the requested order.
    pub(crate) fn sort<T>(&self, items: &mut [(i64, T)]) {
        if self.descending {
            items.sort_by_key(|item| std::cmp::Reverse(item.0));
        } else {
            items.sort_by_key(|item| item.0);
        }
    }

    /// The window of sorted `items` this request asks for, plus whether
    /// there are items before and after it.
    pub(crate) fn window<T>(&self, items: Vec<(i64, T)>) -> Page<T> {
        let len = items.len();
        let (start, end) = if let Some(after) = self.after {
            let start = items
                .iter()
                .position(|(id, _)| self.is_later(*id, after))
                .unwrap_or(len);
            (start, (start + self.limit).min(len))
        } else if let Some(before) = self.before {
            let end = items
                .iter()
                .position(|(id, _)| *id == before || self.is_later(*id, before))
                .unwrap_or(len);
            (end.saturating_sub(self.limit), end)
        } else {
            (0, self.limit.min(len))
        };
        let has_prev = start > 0;
        let has_next = end < len;
        let items: Vec<(i64, T)> = items.into_iter().skip(start).take(end - start).collect();
        Page {
            items,
            has_prev,
            has_next,
        }
    }

    /// The `pagination` object for `page`. `link_base` is the full URL of
    /// the list (no query); `pairs` the request's query.
    pub(crate) fn pagination<T>(
        &self,
        page: &Page<T>,
        link_base: &str,
        pairs: &[(String, String)],
    ) -> Value {
        let (Some(first), Some(last)) = (page.items.first(), page.items.last()) else {
            return null_pagination();
        };
        // As OneLogin does: the last page carries no cursors at all.
        if !page.has_next {
            return null_pagination();
        }
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k != "after_cursor" && k != "before_cursor")
            .map(|(k, v)| format!("{}={}", query::encode(k), query::encode(v)))
            .collect();
        let link = |key: &str, cursor: &str| {
            let mut parts = kept.clone();
            parts.push(format!("{key}={}", query::encode(cursor)));
            format!("{link_base}?{}", parts.join("&"))
        };
        let after = encode_cursor(last.0, &self.fingerprint);
        let (before, previous_link) = if page.has_prev {
            let c = encode_cursor(first.0, &self.fingerprint);
            let l = link("before_cursor", &c);
            (Value::String(c), Value::String(l))
        } else {
            (Value::Null, Value::Null)
        };
        json!({
            "before_cursor": before,
            "after_cursor": after,
            "previous_link": previous_link,
            "next_link": link("after_cursor", &after),
        })
    }
}

pub(crate) fn null_pagination() -> Value {
    json!({
        "before_cursor": null,
        "after_cursor": null,
        "previous_link": null,
        "next_link": null,
    })
}

#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<(i64, T)>,
    pub(crate) has_prev: bool,
    pub(crate) has_next: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn walks_forward_and_back() {
        let items: Vec<(i64, ())> = (1..=7).map(|i| (i, ())).collect();
        let req = PageRequest::parse(&p(&[("limit", "3")])).unwrap();
        let page = req.window(items.clone());
        assert_eq!(
            page.items.iter().map(|x| x.0).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let pag = req.pagination(&page, "http://h/x", &p(&[("limit", "3")]));
        let after = pag["after_cursor"].as_str().unwrap().to_string();
        assert!(pag["before_cursor"].is_null());
        assert!(
            pag["next_link"]
                .as_str()
                .unwrap()
                .starts_with("http://h/x?limit=3&after_cursor=")
        );

        let req2 = PageRequest::parse(&p(&[("limit", "3"), ("after_cursor", &after)])).unwrap();
        let page2 = req2.window(items.clone());
        assert_eq!(
            page2.items.iter().map(|x| x.0).collect::<Vec<_>>(),
            [4, 5, 6]
        );
        let pag2 = req2.pagination(&page2, "http://h/x", &[]);
        let before = pag2["before_cursor"].as_str().unwrap().to_string();

        let req3 = PageRequest::parse(&p(&[("limit", "3"), ("before_cursor", &before)])).unwrap();
        let page3 = req3.window(items.clone());
        assert_eq!(
            page3.items.iter().map(|x| x.0).collect::<Vec<_>>(),
            [1, 2, 3]
        );

        let after2 = pag2["after_cursor"].as_str().unwrap().to_string();
        let req4 = PageRequest::parse(&p(&[("limit", "3"), ("after_cursor", &after2)])).unwrap();
        let page4 = req4.window(items);
        assert_eq!(page4.items.iter().map(|x| x.0).collect::<Vec<_>>(), [7]);
        assert!(req4.pagination(&page4, "http://h/x", &[])["after_cursor"].is_null());

        // A cursor of another query is refused.
        assert!(PageRequest::parse(&p(&[("email", "x"), ("after_cursor", &after)])).is_err());
        // ...but limit and fields may change.
        assert!(PageRequest::parse(&p(&[("limit", "10"), ("after_cursor", &after)])).is_ok());
    }
}
