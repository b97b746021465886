//! Lifecycle changes on the desired-state model: a user's state, its lock, its
//! sessions, its MFA factors, the user itself. What a user should end up with is
//! diffed against what it has, so a user already there costs no write, and the calls
//! come in one order: state, lock or unlock, logout, factors, delete last.
//!
//! Logout, factor removal and delete have no inverse: [`Irreversible`] names them, so
//! previews can say before a run what its undo will not restore.

use serde::{Deserialize, Serialize};

use super::call::Call;
use super::values::{Device, NOT_READ, Values};
use crate::api::{MfaDevice, USER_STATES, User, state_name};

/// `status` of a locked account.
pub const LOCKED: i64 = 3;
/// `status` of an active account, which an unlock sets.
pub const ACTIVE: i64 = 1;

/// Locked or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "lock", rename_all = "snake_case")]
pub enum Lockout {
    /// Locked for `minutes` (0: the account policy's lock time).
    Lock {
        minutes: u32,
    },
    Unlock,
}

/// Which MFA factors a removal takes from each user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "which", rename_all = "snake_case")]
pub enum Factors {
    /// Every factor the user has.
    All,
    /// Those of one type, as `type_display_name` or `auth_factor_name` reads
    /// ("SMS", "Google Authenticator"), case aside.
    Type { name: String },
    /// One device by its id: only for a single user (a device belongs to one user).
    Device { device_id: String },
}

impl Factors {
    pub fn matches(&self, d: &MfaDevice) -> bool {
        match self {
            Factors::All => true,
            Factors::Type { name } => [&d.type_display_name, &d.auth_factor_name]
                .into_iter()
                .flatten()
                .any(|t| t.trim().eq_ignore_ascii_case(name.trim())),
            Factors::Device { device_id } => d.device_id == *device_id,
        }
    }
}

impl std::fmt::Display for Factors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Factors::All => f.write_str("every MFA factor"),
            Factors::Type { name } => write!(f, "the {name:?} MFA factors"),
            Factors::Device { device_id } => write!(f, "MFA device {device_id}"),
        }
    }
}

/// What a run did that no undo brings back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Irreversible {
    Delete,
    FactorRemoval,
    Logout,
}

impl Irreversible {
    /// "37 deletes", "1 factor removal", "5 logouts".
    pub fn count_text(self, n: usize) -> String {
        let (one, many) = match self {
            Irreversible::Delete => ("delete", "deletes"),
            Irreversible::FactorRemoval => ("factor removal", "factor removals"),
            Irreversible::Logout => ("logout", "logouts"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

impl Irreversible {
    /// The word typed after the count to confirm it: "37 delete".
    pub fn confirm_word(self) -> &'static str {
        match self {
            Irreversible::Delete => "delete",
            Irreversible::FactorRemoval => "remove",
            Irreversible::Logout => "logout",
        }
    }
}

/// What confirms a run over `users` users: the count, and when something cannot be
/// undone, the word of the gravest of it ("37 delete", "5 logout"): one more thing to
/// type than a change an undo brings back.
pub fn confirm_answer(users: usize, counts: &[(Irreversible, usize)]) -> String {
    match counts.iter().filter(|(_, n)| *n > 0).map(|(k, _)| *k).min() {
        Some(gravest) => format!("{users} {}", gravest.confirm_word()),
        None => users.to_string(),
    }
}

/// "cannot be undone: 37 deletes, 2 factor removals, 5 logouts"; `None` when nothing is
/// irreversible.
pub fn irreversible_text(counts: &[(Irreversible, usize)]) -> Option<String> {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| k.count_text(*n))
        .collect();
    (!parts.is_empty()).then(|| format!("cannot be undone: {}", parts.join(", ")))
}

/// Counts of `calls` by what cannot be undone, in a stable order (deletes first).
pub fn count_irreversible<'a>(
    calls: impl IntoIterator<Item = &'a Call>,
) -> Vec<(Irreversible, usize)> {
    let mut counts: std::collections::BTreeMap<Irreversible, usize> = Default::default();
    for call in calls {
        if let Some(k) = call.irreversible() {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

/// A state by name (`approved`, …) or number (0–3), as the command line takes it.
pub fn parse_state(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(n) = t.parse::<i64>()
        && USER_STATES.contains(&n)
    {
        return Ok(n);
    }
    USER_STATES
        .into_iter()
        .find(|s| state_name(*s).eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            format!(
                "`{t}` is not a user state: use {}",
                USER_STATES
                    .map(|s| format!("{} ({s})", state_name(s).to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// What a user's lifecycle should become (the lifecycle part of a `Desired`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lifecycle {
    pub state: Option<i64>,
    pub lock: Option<Lockout>,
    pub logout: bool,
    pub remove_factors: Vec<Factors>,
    pub delete: bool,
}

impl Lifecycle {
    pub fn is_empty(&self) -> bool {
        *self == Lifecycle::default()
    }

    /// What of it only API /2 can do, in words ("unlocking"), if anything.
    pub fn needs_v2(&self) -> Option<&'static str> {
        if self.lock == Some(Lockout::Unlock) {
            Some("unlocking")
        } else if !self.remove_factors.is_empty() {
            Some("removing MFA factors")
        } else {
            None
        }
    }

    /// The user fields reading the users for it takes.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.state.is_some() {
            out.push("state");
        }
        if self.lock.is_some() {
            out.extend(["status", "locked_until"]);
        }
        out
    }

    /// The calls that take `user` (with `devices`, read when factors are removed) there,
    /// with before → after of what they change. Nothing for a user already there.
    pub fn plan(
        &self,
        user: &User,
        devices: Option<&[MfaDevice]>,
        before: &mut Values,
        after: &mut Values,
        calls: &mut Vec<Call>,
    ) {
        if let Some(want) = self.state
            && user.state != Some(want)
        {
            before.state = Some(user.state.unwrap_or(NOT_READ));
            after.state = Some(want);
            calls.push(Call::SetState { state: want });
        }
        let status = user.status;
        match self.lock {
            Some(Lockout::Lock { minutes }) if status != Some(LOCKED) => {
                before.status = Some(status.unwrap_or(NOT_READ));
                before.locked_until = user.locked_until.clone();
                after.status = Some(LOCKED);
                calls.push(Call::LockUser { minutes });
            }
            // Only a status read as something else than Locked is already unlocked.
            Some(Lockout::Unlock) if status.is_none_or(|s| s == LOCKED) => {
                before.status = Some(status.unwrap_or(NOT_READ));
                before.locked_until = user.locked_until.clone();
                after.status = Some(ACTIVE);
                calls.push(Call::UnlockUser);
            }
            _ => {}
        }
        if self.logout {
            calls.push(Call::Logout);
        }
        if !self.remove_factors.is_empty()
            && let Some(devices) = devices
        {
            let gone: Vec<&MfaDevice> = devices
                .iter()
                .filter(|d| self.remove_factors.iter().any(|f| f.matches(d)))
                .collect();
            if !gone.is_empty() {
                before.devices = Some(gone.iter().map(|d| Device::of(d)).collect());
                after.devices = Some(Vec::new());
                calls.extend(gone.iter().map(|d| Call::RemoveDevice {
                    device_id: d.device_id.clone(),
                }));
            }
        }
        if self.delete {
            before.exists = Some(true);
            after.exists = Some(false);
            calls.push(Call::DeleteUser);
        }
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
