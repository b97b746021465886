//! A user's MFA devices over API /2: list them, remove one.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::super::client::{Client, Request};
use super::super::envelope::{ApiError, lenient_bool};
use super::super::users::de_string;

/// What a path segment keeps as it is: RFC 3986's unreserved characters. Everything
/// else, `/`, `?`, `#`, `%` and spaces included, is `%XX`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One enrolled factor. `device_id` is kept as text whether it arrives as a number (as
/// the documents type it) or a string, and goes back into the path as it came.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MfaDevice {
    #[serde(deserialize_with = "de_device_id")]
    pub device_id: String,
    #[serde(default, deserialize_with = "de_string")]
    pub user_display_name: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub type_display_name: Option<String>,
    #[serde(default, deserialize_with = "de_string")]
    pub auth_factor_name: Option<String>,
    /// The user's default factor; null or absent is false.
    #[serde(default, deserialize_with = "de_flag")]
    pub default: bool,
    /// Keys the contract does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn de_device_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "device_id {other} is neither a number nor a string"
        ))),
    }
}

fn de_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(lenient_bool(&Value::deserialize(d)?).unwrap_or(false))
}

fn devices_path(user_id: i64) -> String {
    format!("/api/2/mfa/users/{user_id}/devices")
}

/// The path of one device: the id path-segment-encoded. An empty id, `.` or `..` would
/// name another resource once the URL is normalised, so it is a Config error.
pub(crate) fn device_path(user_id: i64, device_id: &str) -> Result<String, ApiError> {
    if matches!(device_id.trim(), "" | "." | "..") {
        return Err(ApiError::config(format!(
            "{device_id:?} is not an MFA device id: pick a device from the user's devices"
        )));
    }
    Ok(format!(
        "{}/{}",
        devices_path(user_id),
        utf8_percent_encode(device_id, SEGMENT)
    ))
}

impl Client {
    /// The MFA devices (enrolled factors) of user `id`, every page read (an
    /// `After-Cursor` header, if one comes, is followed as on every /2 list).
    pub async fn mfa_devices(&self, id: i64) -> Result<Vec<MfaDevice>, ApiError> {
        self.v2_all_pages(&devices_path(id), &[], "MFA device")
            .await
    }

    /// `DELETE /api/2/mfa/users/:id/devices/:device_id` (204; Manage All): remove one
    /// factor. An id that cannot name a device is a Config error and nothing is sent.
    pub async fn remove_mfa_device(&self, id: i64, device_id: &str) -> Result<(), ApiError> {
        let req = Request::new(Method::DELETE, self.url(&device_path(id, device_id)?)?);
        self.call_v2(&req, true).await.map(|_| ())
    }
}

#[cfg(test)]
#[path = "mfa_tests.rs"]
mod tests;
