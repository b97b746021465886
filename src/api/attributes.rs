//! Custom attribute fields (custom user fields) and setting their values.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use super::client::{Client, Request};
use super::envelope::ApiError;

/// Strings of `data`, which is `[["a","b"]]` (or, leniently, `["a","b"]`).
/// `[[]]`, `[]` and null are an empty list.
pub(crate) fn flatten_strings(v: &Value, req: &Request) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let data = match v.get("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) => return Ok(out),
        None => return Err(req.decode_error("the answer has no `data`")),
        Some(_) => return Err(req.decode_error("`data` is not a list of field names")),
    };
    for item in data {
        match item {
            Value::Array(inner) => {
                for name in inner {
                    match name {
                        Value::String(s) => out.push(s.clone()),
                        other => {
                            return Err(req.decode_error(format!(
                                "field name {other} in `data` is not a string"
                            )));
                        }
                    }
                }
            }
            Value::String(s) => out.push(s.clone()),
            Value::Null => {}
            other => {
                return Err(req.decode_error(format!("unexpected {other} in `data`")));
            }
        }
    }
    Ok(out)
}

/// The request body of set_custom_attributes.
pub(crate) fn set_body(values: &BTreeMap<String, String>) -> String {
    serde_json::json!({ "custom_attributes": values }).to_string()
}

impl Client {
    /// The tenant's custom attribute shortnames.
    pub async fn custom_attribute_fields(&self) -> Result<Vec<String>, ApiError> {
        let req = Request::new(Method::GET, self.url("/api/1/users/custom_attributes")?);
        let v = self.call(&req).await?;
        flatten_strings(&v, &req)
    }

    /// Set custom attribute values; `""` clears a value. Existing values of
    /// fields not named are left alone.
    pub async fn set_custom_attributes(
        &self,
        id: i64,
        values: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let req = Request::new(
            Method::PUT,
            self.url(&format!("/api/1/users/{id}/set_custom_attributes"))?,
        )
        .json_body(set_body(values));
        self.call(&req).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request::new(
            Method::GET,
            reqwest::Url::parse("http://127.0.0.1/api/1/users/custom_attributes").unwrap(),
        )
    }

    fn fields(body: &str) -> Result<Vec<String>, ApiError> {
        flatten_strings(&serde_json::from_str(body).unwrap(), &req())
    }

    #[test]
    fn field_lists() {
        assert_eq!(
            fields(r#"{"status":{"error":false},"data":[["AWS_Role","skype","messenger"]]}"#)
                .unwrap(),
            ["AWS_Role", "skype", "messenger"]
        );
        assert!(fields(r#"{"data":[[]]}"#).unwrap().is_empty());
        assert!(fields(r#"{"data":[]}"#).unwrap().is_empty());
        assert!(fields(r#"{"data":null}"#).unwrap().is_empty());
        assert_eq!(fields(r#"{"data":["a","b"]}"#).unwrap(), ["a", "b"]);
        assert!(fields(r#"{"data":[[1]]}"#).is_err());
        assert!(fields(r#"{"data":{"a":1}}"#).is_err());
    }

    #[test]
    fn body_matches_seed_000() {
        let mut m = BTreeMap::new();
        m.insert("AWS_Role".to_string(), "Administrator".to_string());
        m.insert("skype".to_string(), "l_gonzalez".to_string());
        assert_eq!(
            set_body(&m),
            r#"{"custom_attributes":{"AWS_Role":"Administrator","skype":"l_gonzalez"}}"#
        );
        m.insert("skype".to_string(), String::new());
        m.insert("q".to_string(), "say \"hi\"".to_string());
        let v: Value = serde_json::from_str(&set_body(&m)).unwrap();
        assert_eq!(v["custom_attributes"]["skype"], "");
        assert_eq!(v["custom_attributes"]["q"], "say \"hi\"");
    }
}
