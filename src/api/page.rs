//! One page of an API /1 list: the items in `data` and the cursors in `pagination`.

use serde_json::Value;

use super::client::Request;
use super::envelope::ApiError;

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
