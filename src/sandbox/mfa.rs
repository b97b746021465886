//! API /2 MFA devices: `GET /api/2/mfa/users/:id/devices` and
//! `DELETE /api/2/mfa/users/:id/devices/:device_id`.
//!
//! A seeded user's devices follow from the seed and the user id (`mix`), so
//! nothing is stored until one is removed. **Choices**: a seeded user has 0–3
//! devices (a quarter none), each of a different factor (OneLogin Protect,
//! Google Authenticator, SMS, Yubico YubiKey), the first one default nine
//! times in ten, never more than one default; users created through the API
//! have none. `device_id` is a string of digits (as the SDKs type it), unique
//! in the tenant. Removing the default device makes no other one default.
//! Reading needs any scope, removing Manage users or Manage All (and Manage
//! All for the account owner, as every change of it). An unknown device →
//! 404 "Device for id X was not found". Removing answers 204 and records a
//! `USER_REMOVED_OTP_DEVICE` event.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Need;
use super::envelope::Reject;
use super::event_types::Kind;
use super::events::Happened;
use super::mix::below;
use super::state::Shared;
use super::v2_errors::{self as v2, existing_user, gate_user, no_content, ok, owner_guard};

/// (type_display_name, auth_factor_name, names users give such a device).
const FACTORS: [(&str, &str, &[&str]); 4] = [
    (
        "OneLogin Protect",
        "OneLogin Protect",
        &["iPhone 15", "Pixel 8", "Galaxy S24", "Work iPhone"],
    ),
    (
        "Google Authenticator",
        "Google Authenticator",
        &["Authenticator", "Personal phone", "Work phone"],
    ),
    ("SMS", "SMS", &["Mobile", "Work mobile", "Cell"]),
    (
        "Yubico YubiKey",
        "Yubico YubiKey",
        &["YubiKey 5 NFC", "YubiKey 5C", "Backup key"],
    ),
];

/// Device ids are this plus four times the user id plus the device's position.
const DEVICE_BASE: i64 = 30_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Device {
    pub(crate) id: i64,
    pub(crate) user_display_name: String,
    pub(crate) type_display_name: &'static str,
    pub(crate) auth_factor_name: &'static str,
    pub(crate) default: bool,
}

impl Device {
    fn to_json(&self) -> Value {
        json!({
            "device_id": self.id.to_string(),
            "user_display_name": self.user_display_name,
            "type_display_name": self.type_display_name,
            "auth_factor_name": self.auth_factor_name,
            "default": self.default,
        })
    }
}

/// The tenant's MFA devices: derived for seeded users, minus those removed.
#[derive(Debug, Clone)]
pub(crate) struct Devices {
    seed: u64,
    /// The highest seeded user id: later users start with no device.
    seeded_last: i64,
    removed: HashMap<i64, Vec<i64>>,
}

impl Devices {
    pub(crate) fn new(seed: u64, seeded_last: i64) -> Devices {
        Devices {
            seed,
            seeded_last,
            removed: HashMap::new(),
        }
    }

    fn seeded(&self, user: i64) -> Vec<Device> {
        if user > self.seeded_last || user < 0 {
            return Vec::new();
        }
        let s = self.seed;
        let u = user as u64;
        let count = match below(s, &[u, 1], 100) {
            0..25 => 0,
            25..60 => 1,
            60..85 => 2,
            _ => 3,
        };
        let first = below(s, &[u, 2], FACTORS.len() as u64) as usize;
        let has_default = below(s, &[u, 3], 10) != 0;
        (0..count)
            .map(|k| {
                let (kind, factor, names) = FACTORS[(first + k) % FACTORS.len()];
                let name = names[below(s, &[u, 4, k as u64], names.len() as u64) as usize];
                Device {
                    id: DEVICE_BASE + user * 4 + k as i64,
                    user_display_name: name.to_string(),
                    type_display_name: kind,
                    auth_factor_name: factor,
                    default: k == 0 && has_default,
                }
            })
            .collect()
    }

    /// The devices user `user` has now.
    pub(crate) fn of(&self, user: i64) -> Vec<Device> {
        let gone = self.removed.get(&user);
        self.seeded(user)
            .into_iter()
            .filter(|d| !gone.is_some_and(|g| g.contains(&d.id)))
            .collect()
    }

    /// Removes the device whose id reads `raw`; the device removed.
    pub(crate) fn remove(&mut self, user: i64, raw: &str) -> Option<Device> {
        let device = self
            .of(user)
            .into_iter()
            .find(|d| d.id.to_string() == raw.trim())?;
        self.removed.entry(user).or_default().push(device.id);
        Some(device)
    }

    /// A deleted user's devices go with it.
    pub(crate) fn forget(&mut self, user: i64) {
        self.removed
            .insert(user, self.seeded(user).iter().map(|d| d.id).collect());
    }
}

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

/// `GET /api/2/mfa/users/:id/devices` → a bare array.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::Read, &raw_id)?;
        v2::query(&uri, |_| false)?;
        existing_user(&shared, id)?;
        let list: Vec<Value> = shared
            .lock()
            .devices
            .of(id)
            .iter()
            .map(Device::to_json)
            .collect();
        Ok(ok(StatusCode::OK, &Value::Array(list), &pass))
    })())
}

/// `DELETE /api/2/mfa/users/:id/devices/:device_id` → 204.
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Path((raw_id, device_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::ManageUsers, &raw_id)?;
        v2::query(&uri, |_| false)?;
        existing_user(&shared, id)?;
        owner_guard(&shared, &pass, id)?;
        let mut st = shared.lock();
        let Some(device) = st.devices.remove(id, &device_id) else {
            return Err(v2::error(
                StatusCode::NOT_FOUND,
                format!("Device for id {device_id} was not found"),
            )
            .into());
        };
        st.record(
            Happened::by(pass.client, Kind::OtpDeviceRemoved, id)
                .device(device.id, &device.user_display_name),
        );
        st.wrote(&[id]);
        Ok(no_content(&pass))
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_devices_are_stable_distinct_and_removable() {
        let mut d = Devices::new(1, 20_000);
        let mut counts = [0usize; 4];
        for user in 10_001..11_001 {
            let list = d.of(user);
            assert_eq!(list, d.of(user));
            counts[list.len()] += 1;
            assert!(list.iter().filter(|x| x.default).count() <= 1);
            let kinds: std::collections::HashSet<&str> =
                list.iter().map(|x| x.type_display_name).collect();
            assert_eq!(kinds.len(), list.len());
        }
        assert!(counts.iter().all(|c| *c > 50), "{counts:?}");
        assert!(d.of(20_001).is_empty(), "created later: none");
        let user = (10_001..11_001).find(|u| d.of(*u).len() == 2).unwrap();
        let first = d.of(user)[0].clone();
        assert_eq!(d.remove(user, &first.id.to_string()), Some(first.clone()));
        assert_eq!(d.of(user).len(), 1);
        assert_eq!(d.remove(user, &first.id.to_string()), None);
        assert_eq!(d.remove(user, "nope"), None);
        d.forget(user);
        assert!(d.of(user).is_empty());
    }
}
