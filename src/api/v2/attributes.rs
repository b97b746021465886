//! Custom attribute definitions over API /2: `GET /api/2/users/custom_attributes`
//! → `[{"id", "name", "shortname"}]`. Values are set with the user's PUT.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::super::client::{Client, Request};
use super::super::envelope::ApiError;
use super::super::roles::{de_id, de_text};
use super::paging::bare_list;

/// One custom user field: its id, its display name, and the shortname values are keyed by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDefinition {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub shortname: String,
}

impl Client {
    /// The tenant's custom attribute fields, with their ids and display names.
    pub async fn custom_attribute_definitions(&self) -> Result<Vec<AttributeDefinition>, ApiError> {
        let req = Request::new(Method::GET, self.url("/api/2/users/custom_attributes")?);
        let answer = self.call_v2(&req, false).await?;
        bare_list(&answer.value, &req, "custom attribute")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_read_leniently() {
        let req = Request::new(
            Method::GET,
            reqwest::Url::parse("http://127.0.0.1/api/2/users/custom_attributes").unwrap(),
        );
        let v = serde_json::json!([
            {"id": 7, "name": "AWS Role", "shortname": "AWS_Role"},
            {"id": "8", "name": null, "shortname": "skype", "extra": true}
        ]);
        let defs: Vec<AttributeDefinition> = bare_list(&v, &req, "custom attribute").unwrap();
        assert_eq!(
            defs,
            [
                AttributeDefinition {
                    id: 7,
                    name: "AWS Role".into(),
                    shortname: "AWS_Role".into()
                },
                AttributeDefinition {
                    id: 8,
                    name: String::new(),
                    shortname: "skype".into()
                }
            ]
        );
        let e = bare_list::<AttributeDefinition>(
            &serde_json::json!([{"name": "x"}]),
            &req,
            "custom attribute",
        )
        .unwrap_err();
        assert!(e.to_string().contains("custom attribute #0"), "{e}");
        assert!(
            bare_list::<AttributeDefinition>(
                &serde_json::json!({"a": 1}),
                &req,
                "custom attribute"
            )
            .is_err()
        );
    }
}
