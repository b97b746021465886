//! One page of an API /1 list: the query string that asks for it, the items in
//! `data` and the cursors in `pagination`.

use serde_json::Value;

use super::client::Request;
use super::envelope::ApiError;

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
