//! One page of an API /1 list: the query string that asks for it, the items in
//! `data` and the cursors in `pagination`.

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use serde_json::Value;

use super::client::{Client, Request};
use super::envelope::ApiError;

/// Query parameters in the order they were set; setting one again replaces its
/// value (a strict server may refuse a repeated key).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn set(&mut self, key: &str, value: String) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }

    /// Forget a parameter (nothing happens when it is not set).
    pub(crate) fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// Every page of `query`, fetched by `fetch(client, query, cursor)` (each call given its own copy) (None: the first
/// page) and following the cursor `next` reads from each page until there is none.
/// A cursor that repeats would loop forever, so it ends the list too. Ends after the
/// first error, which is yielded.
pub(crate) fn every_page<Q, P, F, Fut>(
    client: &Client,
    query: Q,
    fetch: F,
    next: fn(&P) -> Option<String>,
) -> BoxStream<'static, Result<P, ApiError>>
where
    Q: Clone + Send + 'static,
    P: Send + 'static,
    F: Fn(Client, Q, Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<P, ApiError>> + Send,
{
    // State: (client, query, fetch, cursor of the next page, done).
    let start = (client.clone(), query, fetch, None::<String>, false);
    stream::unfold(
        start,
        move |(client, query, fetch, cursor, done)| async move {
            if done {
                return None;
            }
            match fetch(client.clone(), query.clone(), cursor.clone()).await {
                Ok(page) => {
                    let after = next(&page).filter(|c| Some(c) != cursor.as_ref());
                    let done = after.is_none();
                    Some((Ok(page), (client, query, fetch, after, done)))
                }
                Err(e) => Some((Err(e), (client, query, fetch, None, true))),
            }
        },
    )
    .boxed()
}

impl Client {
    /// Every page of a /1 list, following `after_cursor`.
    pub(crate) async fn all_pages<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        mut params: Vec<(String, String)>,
        what: &str,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            if let Some(c) = &cursor {
                params.retain(|(k, _)| k != "after_cursor");
                params.push(("after_cursor".into(), c.clone()));
            }
            let full = path_with_query(path, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let req = Request::new(Method::GET, self.url(&full)?);
            let v = self.call(&req).await?;
            out.extend(data_list::<T>(&v, &req, what)?);
            match cursors(&v).0 {
                // A repeated cursor would loop forever.
                Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                _ => return Ok(out),
            }
        }
    }
}

/// `path?k=v&…` in application/x-www-form-urlencoded (space as `+`, the rest of
/// what is not `*-._` or alphanumeric as `%XX`), or `path` alone without pairs.
pub(crate) fn path_with_query<'a>(
    path: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    let query = query_string(pairs);
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}

/// The encoded pairs, without `?`.
pub(crate) fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub after_cursor: Option<String>,
    pub before_cursor: Option<String>,
}

/// Cursors from `pagination` (missing, null or empty all mean "none").
pub(crate) fn cursors(v: &Value) -> (Option<String>, Option<String>) {
    let get = |k: &str| {
        v.get("pagination")
            .and_then(|p| p.get(k))
            .and_then(|c| match c {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    (get("after_cursor"), get("before_cursor"))
}

/// The list in `data`, each item deserialised; `what` names the item type in errors.
pub(crate) fn data_list<T: serde::de::DeserializeOwned>(
    v: &Value,
    req: &Request,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    let items = match v.get("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) => return Ok(Vec::new()),
        None => return Err(req.decode_error(format!("the answer has no `data` list of {what}s"))),
        Some(_) => return Err(req.decode_error(format!("`data` is not a list of {what}s"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            T::deserialize(item)
                .map_err(|e| req.decode_error(format!("{what} #{i} in `data`: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_form_encoded_and_read_back_whole() {
        assert_eq!(path_with_query("/api/1/roles", []), "/api/1/roles");
        let odd = r#"a b+c&d=e%f/é"!*"#;
        let path = path_with_query("/api/1/roles", [("name", odd), ("sort", "+id")]);
        assert_eq!(
            path,
            "/api/1/roles?name=a+b%2Bc%26d%3De%25f%2F%C3%A9%22%21*&sort=%2Bid"
        );
        let (_, query) = path.split_once('?').unwrap();
        let back: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            back,
            [("name".into(), odd.into()), ("sort".into(), "+id".into())]
        );
    }
}
