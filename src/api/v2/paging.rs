//! One page of a /2 list. The query asks for the first page; every later page is
//! asked for by `cursor` alone (a cursor already holds the filters and the page size,
//! and /2 refuses one beside `limit` or `page`). The cursor is the `After-Cursor`
//! header's value URL-decoded once, never one built here. `Total-Count` is read when
//! the answer has it.

use percent_encoding::percent_decode_str;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::super::client::{Client, Request};
use super::super::envelope::ApiError;
use super::super::page::path_with_query;

/// One page of a /2 list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct V2Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page, as it is to be sent (already URL-decoded);
    /// None on the last page.
    pub after_cursor: Option<String>,
    /// How many items the whole list holds, when the server says (`Total-Count`).
    pub total_count: Option<u64>,
}

/// The pairs one page request sends: the query's for the first page, the cursor alone after.
pub(crate) fn page_pairs<'a>(
    first: &'a [(String, String)],
    cursor: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    match cursor {
        Some(c) => vec![("cursor", c)],
        None => first
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The next page's cursor: `After-Cursor`, URL-decoded once (a value that does not
/// decode to text is kept as sent). Missing or empty: the last page.
pub(crate) fn after_cursor(headers: &HeaderMap) -> Option<String> {
    let raw = header(headers, "after-cursor")?;
    Some(match percent_decode_str(raw).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => raw.to_string(),
    })
}

/// `Total-Count`, when present and a number.
pub(crate) fn total_count(headers: &HeaderMap) -> Option<u64> {
    header(headers, "total-count")?.parse().ok()
}

/// A bare JSON list, each item deserialised; `what` names the item type in errors.
pub(crate) fn bare_list<T: DeserializeOwned>(
    v: &Value,
    req: &Request,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let items = match v {
        Value::Array(items) => items,
        Value::Null => return Ok(Vec::new()),
        _ => return Err(req.decode_error(format!("the answer is not a list of {what}s"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(item).map_err(|e| req.decode_error(format!("{what} #{i}: {e}")))
        })
        .collect()
}

impl Client {
    /// One page of a /2 list at `path`: the first (`cursor` None, sending `first`)
    /// or the one after `cursor`.
    pub(crate) async fn v2_page<T: DeserializeOwned>(
        &self,
        path: &str,
        first: &[(String, String)],
        cursor: Option<&str>,
        what: &str,
    ) -> Result<V2Page<T>, ApiError> {
        let full = path_with_query(path, page_pairs(first, cursor));
        let req = Request::new(Method::GET, self.url(&full)?);
        let answer = self.call_v2(&req, false).await?;
        Ok(V2Page {
            items: bare_list(&answer.value, &req, what)?,
            after_cursor: after_cursor(&answer.headers),
            total_count: total_count(&answer.headers),
        })
    }

    /// Every page of a /2 list, following `After-Cursor` until there is none.
    pub(crate) async fn v2_all_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        first: &[(String, String)],
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .v2_page::<T>(path, first, cursor.as_deref(), what)
                .await?;
            out.extend(page.items);
            match page.after_cursor {
                // A repeated cursor would loop forever.
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cursors_are_decoded_once() {
        let h = headers(&[("after-cursor", "YWJj%2BZGVm%3D%3D")]);
        assert_eq!(after_cursor(&h).as_deref(), Some("YWJj+ZGVm=="));
        // Already plain: unchanged (`+` stays `+`, it is not a form space).
        let h = headers(&[("after-cursor", "YWJj+ZGVm==")]);
        assert_eq!(after_cursor(&h).as_deref(), Some("YWJj+ZGVm=="));
        // Decoded once only: `%2541` is `%41`, not `A`.
        let h = headers(&[("after-cursor", "x%2541")]);
        assert_eq!(after_cursor(&h).as_deref(), Some("x%41"));
        assert_eq!(after_cursor(&headers(&[("after-cursor", "")])), None);
        assert_eq!(after_cursor(&HeaderMap::new()), None);
    }

    #[test]
    fn total_count_when_a_number() {
        assert_eq!(
            total_count(&headers(&[("total-count", "100000")])),
            Some(100_000)
        );
        assert_eq!(total_count(&headers(&[("total-count", "many")])), None);
        assert_eq!(total_count(&HeaderMap::new()), None);
    }

    #[test]
    fn a_cursor_goes_alone() {
        let first = vec![
            ("email".to_string(), "kat*".to_string()),
            ("limit".to_string(), "50".to_string()),
        ];
        assert_eq!(
            page_pairs(&first, None),
            [("email", "kat*"), ("limit", "50")]
        );
        assert_eq!(page_pairs(&first, Some("c+1==")), [("cursor", "c+1==")]);
    }
}
