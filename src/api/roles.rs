//! Roles, groups, a user's roles, and the /1 budget.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::client::{Client, RateLimit, Request};
use super::envelope::{ApiError, lenient_int};
use super::users::value_to_string;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_opt_text")]
    pub reference: Option<String>,
}

pub(crate) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    lenient_int(&v).ok_or_else(|| serde::de::Error::custom(format!("id {v} is not an integer")))
}

pub(crate) fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(value_to_string(Value::deserialize(d)?).unwrap_or_default())
}

fn de_opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(value_to_string(Value::deserialize(d)?))
}

/// Integers of `data`: `[[1,2]]`, or leniently `[1,2]`; `[[]]` is none.
pub(crate) fn flatten_ids(v: &Value, req: &Request) -> Result<Vec<i64>, ApiError> {
    let mut out = Vec::new();
    let data = match v.get("data") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) => return Ok(out),
        None => return Err(req.decode_error("the answer has no `data`")),
        Some(_) => return Err(req.decode_error("`data` is not a list of role ids")),
    };
    let mut push = |x: &Value| match lenient_int(x) {
        Some(n) => {
            out.push(n);
            Ok(())
        }
        None => Err(req.decode_error(format!("role id {x} in `data` is not an integer"))),
    };
    for item in data {
        match item {
            Value::Array(inner) => inner.iter().try_for_each(&mut push)?,
            Value::Null => {}
            other => push(other)?,
        }
    }
    Ok(out)
}

/// `data` of `/auth/rate_limit`: header-named keys, any case, ints or strings.
pub(crate) fn parse_rate_limit_data(v: &Value, req: &Request) -> Result<RateLimit, ApiError> {
    let data = match v.get("data") {
        Some(Value::Object(m)) => m,
        // Some answers wrap the object in a one-element list.
        Some(Value::Array(a)) => match a.first() {
            Some(Value::Object(m)) => m,
            _ => return Err(req.decode_error("`data` holds no rate limit object")),
        },
        _ => return Err(req.decode_error("`data` holds no rate limit object")),
    };
    let get = |name: &str| {
        data.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| lenient_int(v))
            .ok_or_else(|| req.decode_error(format!("`{name}` is missing or not a number")))
    };
    let to_u32 = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    Ok(RateLimit {
        limit: to_u32(get("X-RateLimit-Limit")?),
        remaining: to_u32(get("X-RateLimit-Remaining")?),
        reset: Duration::from_secs(u64::try_from(get("X-RateLimit-Reset")?.max(0)).unwrap_or(0)),
        observed_at: Instant::now(),
    })
}

fn role_body(role_ids: &[i64]) -> String {
    serde_json::json!({ "role_id_array": role_ids }).to_string()
}

impl Client {
    /// All roles, optionally filtered by name (`*` wildcards).
    pub async fn list_roles(&self, name: Option<&str>) -> Result<Vec<Role>, ApiError> {
        let mut params = vec![("limit".to_string(), "50".to_string())];
        if let Some(n) = name {
            params.push(("name".into(), n.into()));
        }
        self.all_pages("/api/1/roles", params, "role").await
    }

    /// All groups.
    pub async fn list_groups(&self) -> Result<Vec<Group>, ApiError> {
        self.all_pages("/api/1/groups", Vec::new(), "group").await
    }

    /// The role ids of a user.
    pub async fn user_roles(&self, id: i64) -> Result<Vec<i64>, ApiError> {
        let req = Request::new(Method::GET, self.url(&format!("/api/1/users/{id}/roles"))?);
        let v = self.call(&req).await?;
        flatten_ids(&v, &req)
    }

    /// Give a user roles (Manage All only).
    pub async fn add_roles(&self, id: i64, role_ids: &[i64]) -> Result<(), ApiError> {
        let req = Request::new(
            Method::PUT,
            self.url(&format!("/api/1/users/{id}/add_roles"))?,
        )
        .json_body(role_body(role_ids));
        self.call(&req).await.map(|_| ())
    }

    /// Take roles from a user (Manage All only).
    pub async fn remove_roles(&self, id: i64, role_ids: &[i64]) -> Result<(), ApiError> {
        let req = Request::new(
            Method::PUT,
            self.url(&format!("/api/1/users/{id}/remove_roles"))?,
        )
        .json_body(role_body(role_ids));
        self.call(&req).await.map(|_| ())
    }

    /// `GET /auth/rate_limit`; also updates [`Client::rate_limit`].
    pub async fn rate_limit_status(&self) -> Result<RateLimit, ApiError> {
        let req = Request::new(Method::GET, self.url("/auth/rate_limit")?);
        let v = self.call(&req).await?;
        let rl = parse_rate_limit_data(&v, &req)?;
        self.set_rate_limit(rl);
        Ok(rl)
    }
}

#[cfg(test)]
mod tests {
    use super::super::page::data_list;
    use super::*;

    fn req() -> Request {
        Request::new(
            Method::GET,
            reqwest::Url::parse("http://127.0.0.1/x").unwrap(),
        )
    }

    fn v(s: &str) -> Value {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn user_role_ids() {
        assert_eq!(
            flatten_ids(&v(r#"{"data":[[1,2]]}"#), &req()).unwrap(),
            [1, 2]
        );
        assert!(
            flatten_ids(&v(r#"{"data":[[]]}"#), &req())
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            flatten_ids(&v(r#"{"data":[3,"4"]}"#), &req()).unwrap(),
            [3, 4]
        );
        assert!(flatten_ids(&v(r#"{"data":[["x"]]}"#), &req()).is_err());
    }

    #[test]
    fn roles_and_groups() {
        let roles: Vec<Role> = data_list(
            &v(r#"{"data":[{"id":1,"name":"Admin"},{"id":"2","name":null,"extra":1}]}"#),
            &req(),
            "role",
        )
        .unwrap();
        assert_eq!(
            roles[1],
            Role {
                id: 2,
                name: String::new()
            }
        );
        let groups: Vec<Group> = data_list(
            &v(r#"{"data":[{"id":5,"name":"Default","reference":null},{"id":6,"name":"X","reference":12}]}"#),
            &req(),
            "group",
        )
        .unwrap();
        assert_eq!(groups[0].reference, None);
        assert_eq!(groups[1].reference.as_deref(), Some("12"));
    }

    #[test]
    fn role_bodies() {
        assert_eq!(role_body(&[1, 2]), r#"{"role_id_array":[1,2]}"#);
        assert_eq!(role_body(&[]), r#"{"role_id_array":[]}"#);
    }

    #[test]
    fn rate_limit_data() {
        let rl = parse_rate_limit_data(
            &v(r#"{"status":{"error":false},"data":{"X-RateLimit-Limit":5000,"X-RateLimit-Remaining":"4988","x-ratelimit-reset":832}}"#),
            &req(),
        )
        .unwrap();
        assert_eq!(
            (rl.limit, rl.remaining, rl.reset.as_secs()),
            (5000, 4988, 832)
        );
        assert!(parse_rate_limit_data(&v(r#"{"data":{"X-RateLimit-Limit":1}}"#), &req()).is_err());
    }
}
