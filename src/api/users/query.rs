//! The query of `GET /api/1/users`: its parameters in order, the sort, and
//! the encoded query string.

use std::fmt;

use super::super::page::{Params, query_string};

/// The API's page size limit.
pub const MAX_LIMIT: u32 = 50;

/// Server-side search parameters of `GET /api/1/users` (besides
/// `custom_attributes.<name>`, `fields`, `sort`, `limit` and the cursors).
pub const SEARCH_PARAMS: &[&str] = &[
    "email",
    "username",
    "firstname",
    "lastname",
    "samaccountname",
    "userprincipalname",
    "external_id",
    "directory_id",
    "role_id",
    "manager_ad_id",
    "id",
    "since",
    "until",
];

/// Sort order of a user list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    IdAsc,
    IdDesc,
}

impl SortOrder {
    pub fn as_param(self) -> &'static str {
        match self {
            SortOrder::IdAsc => "+id",
            SortOrder::IdDesc => "-id",
        }
    }
}

/// Query parameters of `GET /api/1/users`, in the order they were set. Setting
/// a parameter again replaces its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserQuery {
    params: Params,
}

macro_rules! query_params {
    ($($name:ident),* $(,)?) => {
        $(
            #[doc = concat!("Search on `", stringify!($name), "` (wildcards `*`, negation `!`).")]
            pub fn $name(self, value: impl fmt::Display) -> Self {
                self.param(stringify!($name), value.to_string())
            }
        )*
    };
}

impl UserQuery {
    pub fn new() -> Self {
        Self::default()
    }

    query_params!(
        email,
        username,
        firstname,
        lastname,
        samaccountname,
        userprincipalname,
        external_id,
        directory_id,
        role_id,
        manager_ad_id,
        since,
        until,
    );

    /// Search by id (`id=42`: one id; no document says `id` takes a list).
    pub fn id(self, value: impl fmt::Display) -> Self {
        self.param("id", value.to_string())
    }

    /// `custom_attributes.<name>=value`.
    pub fn custom_attribute(self, name: &str, value: impl fmt::Display) -> Self {
        self.param(&format!("custom_attributes.{name}"), value.to_string())
    }

    /// Only these fields (`id` is always returned).
    pub fn fields(self, fields: &[&str]) -> Self {
        self.param("fields", fields.join(","))
    }

    pub fn sort(self, order: SortOrder) -> Self {
        self.param("sort", order.as_param())
    }

    /// Page size, clamped to 1..=50.
    pub fn limit(self, n: u32) -> Self {
        self.param("limit", n.clamp(1, MAX_LIMIT).to_string())
    }

    /// Set any parameter, replacing an earlier value.
    pub fn param(mut self, key: &str, value: impl Into<String>) -> Self {
        self.params.set(key, value.into());
        self
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        self.params.pairs()
    }

    pub fn is_empty(&self) -> bool {
        self.params.pairs().is_empty()
    }

    /// The encoded query string (`email=kat*&sort=%2Bid`), without `?`.
    pub fn to_query_string(&self, after_cursor: Option<&str>) -> String {
        query_string(self.wire_pairs(after_cursor))
    }

    /// The pairs as sent: the parameters, then the cursor.
    pub(crate) fn wire_pairs<'a>(
        &'a self,
        after_cursor: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.params
            .pairs()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(after_cursor.map(|c| ("after_cursor", c)))
    }
}

impl fmt::Display for UserQuery {
    /// The search-box form, which [`Search::parse`](super::Search::parse) reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in self.params.pairs() {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"') {
                write!(
                    f,
                    "{k}:\"{}\"",
                    v.replace('\\', "\\\\").replace('"', "\\\"")
                )?;
            } else {
                write!(f, "{k}:{v}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_builder_order_and_encoding() {
        let q = UserQuery::new()
            .email("kat*")
            .custom_attribute("AWS_Role", "Admin")
            .sort(SortOrder::IdDesc)
            .fields(&["id", "email"])
            .limit(500)
            .email("!bob@example.com");
        assert_eq!(
            q.pairs()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
            [
                "email=!bob@example.com",
                "custom_attributes.AWS_Role=Admin",
                "sort=-id",
                "fields=id,email",
                "limit=50"
            ]
        );
        assert_eq!(
            q.to_query_string(Some("abc+/=")),
            "email=%21bob%40example.com&custom_attributes.AWS_Role=Admin&sort=-id&fields=id%2Cemail&limit=50&after_cursor=abc%2B%2F%3D"
        );
        assert_eq!(
            UserQuery::new()
                .sort(SortOrder::IdAsc)
                .to_query_string(None),
            "sort=%2Bid"
        );
        assert_eq!(UserQuery::new().limit(0).get("limit"), Some("1"));
        let q = UserQuery::new().role_id(5).id(42).directory_id("7");
        assert_eq!(q.to_query_string(None), "role_id=5&id=42&directory_id=7");
    }
}
