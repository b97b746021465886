//! Targets × changes → a plan: each user's before → after values and the
//! fewest calls that turn one into the other.
//!
//! The pure part ([`Desired`], [`Values`], [`Plan::build`], [`Call::remaining`])
//! knows no network; [`fetch_current`] and [`search_targets`] read what a plan
//! needs in `ceil(N/50)` list calls with `fields=`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::call::ROLE_BATCH;
use super::values::{attr_of, field_of, roles_of};
use crate::api::{MfaDevice, UPDATABLE_FIELDS, USER_STATES, User, UserUpdate, state_name};
use crate::config::ApiMode;

pub use super::call::Call;
pub use super::lifecycle::{
    Factors, Irreversible, Lifecycle, Lockout, confirm_answer, irreversible_text, parse_state,
};
pub use super::plan_reads::{
    Current, Needs, PrepareError, fetch_current, list_search, prepare, search_targets,
};
pub use super::values::{Device, Values};

/// One change, as the console offers it: applied to every target of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Set a custom attribute (by shortname) to a value.
    SetAttribute { name: String, value: String },
    /// Clear a custom attribute (sends `""`).
    ClearAttribute { name: String },
    /// Set a core field (one of [`UPDATABLE_FIELDS`]) from text; integer
    /// fields take a number, empty text clears.
    SetField { name: String, value: String },
    /// Give roles.
    AddRoles { ids: Vec<i64> },
    /// Take roles away.
    RemoveRoles { ids: Vec<i64> },
    /// Lock the account for `minutes` (0: the account policy's lock time).
    Lock { minutes: u32 },
    /// Unlock the account (API /2 only).
    Unlock,
    /// End the user's OneLogin sessions (cannot be undone).
    Logout,
    /// Set the state: 0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed.
    SetState { state: i64 },
    /// Remove MFA factors (API /2 only; cannot be undone).
    RemoveFactor { factors: Factors },
    /// Delete the user for good (cannot be undone).
    Delete,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::SetAttribute { name, value } => {
                write!(f, "custom_attributes.{name} = {value:?}")
            }
            Change::ClearAttribute { name } => write!(f, "clear custom_attributes.{name}"),
            Change::SetField { name, value } => write!(f, "{name} = {value:?}"),
            Change::AddRoles { ids } => write!(f, "add roles {ids:?}"),
            Change::RemoveRoles { ids } => write!(f, "remove roles {ids:?}"),
            Change::Lock { minutes: 0 } => f.write_str("lock (for the account policy's lock time)"),
            Change::Lock { minutes } => write!(f, "lock for {minutes} minute(s)"),
            Change::Unlock => f.write_str("unlock"),
            Change::Logout => f.write_str("log out (end every session)"),
            Change::SetState { state } => write!(f, "state = {state} {}", state_name(*state)),
            Change::RemoveFactor { factors } => write!(f, "remove {factors}"),
            Change::Delete => f.write_str("delete the user"),
        }
    }
}

/// What one user should end up with: only the named keys; the rest is left alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desired {
    /// Shortname → value; `""` clears.
    pub custom_attributes: BTreeMap<String, String>,
    /// Core field → the JSON value `PUT` sends (typed like the API wants it).
    pub fields: BTreeMap<String, Value>,
    pub add_roles: BTreeSet<i64>,
    pub remove_roles: BTreeSet<i64>,
    /// State, lock, sessions, factors, the user itself.
    pub lifecycle: Lifecycle,
}

/// A core field's text as the JSON value `PUT /api/1/users/:id` sends:
/// integers for the integer fields (empty → null), strings for the rest.
pub fn typed_field(name: &str, text: &str) -> Result<Value, String> {
    if !UPDATABLE_FIELDS.contains(&name) {
        return Err(format!(
            "`{name}` cannot be changed through the API; updatable fields: {}",
            UPDATABLE_FIELDS.join(", ")
        ));
    }
    let mut u = UserUpdate::new();
    u.set_text(name, text)?;
    Ok(u.get(name).cloned().unwrap_or(Value::Null))
}

impl Desired {
    /// The desired state that a list of changes describes (later changes win).
    pub fn from_changes(changes: &[Change]) -> Result<Desired, String> {
        let mut d = Desired::default();
        for c in changes {
            match c {
                Change::SetAttribute { name, value } => {
                    d.custom_attributes.insert(name.clone(), value.clone());
                }
                Change::ClearAttribute { name } => {
                    d.custom_attributes.insert(name.clone(), String::new());
                }
                Change::SetField { name, value } => {
                    d.fields.insert(name.clone(), typed_field(name, value)?);
                }
                Change::AddRoles { ids } => {
                    for id in ids {
                        d.remove_roles.remove(id);
                        d.add_roles.insert(*id);
                    }
                }
                Change::RemoveRoles { ids } => {
                    for id in ids {
                        d.add_roles.remove(id);
                        d.remove_roles.insert(*id);
                    }
                }
                Change::Lock { minutes } => {
                    d.lifecycle.lock = Some(Lockout::Lock { minutes: *minutes });
                }
                Change::Unlock => d.lifecycle.lock = Some(Lockout::Unlock),
                Change::Logout => d.lifecycle.logout = true,
                Change::SetState { state } => {
                    if !USER_STATES.contains(state) {
                        return Err(parse_state(&state.to_string())
                            .err()
                            .unwrap_or_else(|| format!("{state} is not a user state")));
                    }
                    d.lifecycle.state = Some(*state);
                }
                Change::RemoveFactor { factors } => {
                    if let Factors::Device { device_id } = factors
                        && device_id.trim().is_empty()
                    {
                        return Err(
                            "an MFA device id cannot be empty: pick one of the user's devices"
                                .into(),
                        );
                    }
                    if !d.lifecycle.remove_factors.contains(factors) {
                        d.lifecycle.remove_factors.push(factors.clone());
                    }
                }
                Change::Delete => d.lifecycle.delete = true,
            }
        }
        Ok(d)
    }

    pub fn is_empty(&self) -> bool {
        self.custom_attributes.is_empty()
            && self.fields.is_empty()
            && self.add_roles.is_empty()
            && self.remove_roles.is_empty()
            && self.lifecycle.is_empty()
    }

    pub fn touches_roles(&self) -> bool {
        !self.add_roles.is_empty() || !self.remove_roles.is_empty()
    }
}

/// The `fields=` a list call needs to read the current values of `desired`
/// (plus what the preview shows to name a user).
pub fn fields_for<'a>(desired: impl IntoIterator<Item = &'a Desired>) -> Vec<String> {
    let mut out: Vec<String> = ["email", "username", "firstname", "lastname"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut attrs = false;
    let mut roles = false;
    for d in desired {
        attrs |= !d.custom_attributes.is_empty();
        roles |= d.touches_roles();
        let lifecycle = d.lifecycle.fields().into_iter().map(str::to_string);
        for f in d.fields.keys().cloned().chain(lifecycle) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    if attrs {
        out.push("custom_attributes".into());
    }
    if roles {
        out.push("role_id".into());
    }
    out
}

/// One user's part of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPlan {
    pub id: i64,
    /// Email, username or name: how the preview names the user (raw API text).
    pub label: String,
    /// The values the plan changes, as they were.
    pub before: Values,
    /// The same keys, as they will be.
    pub after: Values,
    /// The calls, in order.
    pub calls: Vec<Call>,
    /// Index of the CSV row this user came from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
}

impl UserPlan {
    /// Each change as (key, before, after) text for previews and reports. A logout changes
    /// no value a user record holds, so it gets a line of its own.
    pub fn changes_text(&self) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = self
            .before
            .describe()
            .into_iter()
            .zip(self.after.describe())
            .map(|((key, before), (_, after))| (key, before, after))
            .collect();
        if self.calls.contains(&Call::Logout) {
            out.push(("sessions".into(), "open".into(), "ended".into()));
        }
        out
    }

    /// Every key the plan touches (for roles: each role id it gives or takes), to read the
    /// user again with [`Values::of_user`].
    pub fn keys(&self) -> Values {
        let mut keys = Values::default();
        // The roles its values name (a role already given costs no call but is shown).
        let shown = self
            .before
            .roles
            .iter()
            .chain(self.after.roles.iter())
            .flatten();
        if self.before.roles.is_some() || self.after.roles.is_some() {
            let mut roles: Vec<i64> = shown.copied().collect();
            roles.sort_unstable();
            roles.dedup();
            keys.roles = Some(roles);
        }
        for call in &self.calls {
            let k = call.keys();
            keys.custom_attributes.extend(k.custom_attributes);
            keys.fields.extend(k.fields);
            if let Some(roles) = k.roles {
                let all = keys.roles.get_or_insert_with(Vec::new);
                all.extend(roles);
                all.sort_unstable();
                all.dedup();
            }
            keys.status = keys.status.or(k.status);
            keys.state = keys.state.or(k.state);
            keys.exists = keys.exists.or(k.exists);
            if let Some(devices) = k.devices {
                keys.devices.get_or_insert_with(Vec::new).extend(devices);
            }
        }
        keys
    }
}

/// Targets × changes, diffed against current values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Users with something to change, in target order.
    pub users: Vec<UserPlan>,
    /// Targets already at the desired state: they cost no write.
    pub unchanged: Vec<i64>,
}

/// A target that could not be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownUser {
    pub id: i64,
    pub row: Option<usize>,
}

fn label_of(user: &User) -> String {
    [user.email.as_deref(), user.username.as_deref()]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .map_or_else(|| user.display_name(), str::to_string)
}

/// One user's plan from its current values, in the fewest calls `mode` allows; `None`
/// when nothing changes. MFA factors are not part of a user: see [`plan_user_with`].
pub fn plan_user(
    user: &User,
    desired: &Desired,
    row: Option<usize>,
    mode: ApiMode,
) -> Option<UserPlan> {
    plan_user_with(user, None, desired, row, mode)
}

/// [`plan_user`] with the user's MFA `devices` (read when the plan removes factors;
/// without them no factor is planned). Calls go in one order: fields and attributes,
/// roles, state, lock or unlock, logout, factors, delete last.
pub fn plan_user_with(
    user: &User,
    devices: Option<&[MfaDevice]>,
    desired: &Desired,
    row: Option<usize>,
    mode: ApiMode,
) -> Option<UserPlan> {
    let mut before = Values::default();
    let mut after = Values::default();
    let mut calls = Vec::new();

    let mut attrs = BTreeMap::new();
    for (k, want) in &desired.custom_attributes {
        let have = attr_of(user, k);
        if &have != want {
            before.custom_attributes.insert(k.clone(), have);
            after.custom_attributes.insert(k.clone(), want.clone());
            attrs.insert(k.clone(), want.clone());
        }
    }
    let mut fields = BTreeMap::new();
    for (k, want) in &desired.fields {
        let have = field_of(user, k);
        if &have != want {
            before.fields.insert(k.clone(), have);
            after.fields.insert(k.clone(), want.clone());
            fields.insert(k.clone(), want.clone());
        }
    }
    match mode {
        // Attributes alone keep the seed's own call; anything with fields is one /2 PUT.
        ApiMode::Auto if !fields.is_empty() => calls.push(Call::UpdateUserV2 {
            fields,
            custom_attributes: attrs,
        }),
        _ => {
            if !attrs.is_empty() {
                calls.push(Call::SetCustomAttributes { values: attrs });
            }
            if !fields.is_empty() {
                calls.push(Call::UpdateUser { fields });
            }
        }
    }

    if desired.touches_roles() {
        let touched: BTreeSet<i64> = desired
            .add_roles
            .union(&desired.remove_roles)
            .copied()
            .collect();
        let have: Vec<i64> = roles_of(user)
            .into_iter()
            .filter(|r| touched.contains(r))
            .collect();
        let add: Vec<i64> = desired
            .add_roles
            .iter()
            .filter(|r| !have.contains(r))
            .copied()
            .collect();
        let remove: Vec<i64> = desired
            .remove_roles
            .iter()
            .filter(|r| have.contains(r))
            .copied()
            .collect();
        if !add.is_empty() || !remove.is_empty() {
            let mut want: Vec<i64> = have
                .iter()
                .filter(|r| !remove.contains(r))
                .chain(add.iter())
                .copied()
                .collect();
            want.sort_unstable();
            before.roles = Some(have);
            after.roles = Some(want);
            // A user to delete gets its roles in its own calls, before the delete (the
            // /2 batches would go after it).
            let mode = if desired.lifecycle.delete {
                ApiMode::V1
            } else {
                mode
            };
            match mode {
                ApiMode::Auto => {
                    calls.extend(add.into_iter().map(|role| Call::GrantRole { role }));
                    calls.extend(remove.into_iter().map(|role| Call::RevokeRole { role }));
                }
                ApiMode::V1 => {
                    if !add.is_empty() {
                        calls.push(Call::AddRoles { ids: add });
                    }
                    if !remove.is_empty() {
                        calls.push(Call::RemoveRoles { ids: remove });
                    }
                }
            }
        }
    }
    desired
        .lifecycle
        .plan(user, devices, &mut before, &mut after, &mut calls);

    (!calls.is_empty()).then(|| UserPlan {
        id: user.id,
        label: label_of(user),
        before,
        after,
        calls,
        row,
    })
}

/// A target: a user id, what it should become, and the CSV row it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: i64,
    pub desired: Desired,
    pub row: Option<usize>,
}

impl Plan {
    /// Diffs every target against `current`. Targets missing from `current`
    /// are returned as unknown users (nothing is planned then).
    pub fn build(
        targets: &[Target],
        current: &HashMap<i64, User>,
        mode: ApiMode,
    ) -> Result<Plan, Vec<UnknownUser>> {
        Plan::build_with(targets, current, &HashMap::new(), mode)
    }

    /// [`Plan::build`] with each user's MFA devices (read when factors are removed).
    pub fn build_with(
        targets: &[Target],
        current: &HashMap<i64, User>,
        devices: &HashMap<i64, Vec<MfaDevice>>,
        mode: ApiMode,
    ) -> Result<Plan, Vec<UnknownUser>> {
        let unknown: Vec<UnknownUser> = targets
            .iter()
            .filter(|t| !current.contains_key(&t.id))
            .map(|t| UnknownUser {
                id: t.id,
                row: t.row,
            })
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        let mut plan = Plan::default();
        let mut seen = std::collections::HashSet::new();
        for t in targets {
            let Some(user) = current.get(&t.id) else {
                continue;
            };
            // A user is planned once (a selection may name it twice).
            if !seen.insert(t.id) {
                continue;
            }
            let devs = devices.get(&t.id).map(Vec::as_slice);
            match plan_user_with(user, devs, &t.desired, t.row, mode) {
                Some(up) => plan.users.push(up),
                None => plan.unchanged.push(t.id),
            }
        }
        Ok(plan)
    }

    /// Every target id, in order: the snapshot of a selection × the same changes.
    pub fn uniform(ids: &[i64], changes: &[Change]) -> Result<Vec<Target>, String> {
        let desired = Desired::from_changes(changes)?;
        let one_device = desired
            .lifecycle
            .remove_factors
            .iter()
            .any(|f| matches!(f, Factors::Device { .. }));
        if one_device && ids.len() != 1 {
            return Err(format!(
                "an MFA device id names one user's device, and {} users are selected: select that user alone, or remove factors by type",
                ids.len()
            ));
        }
        Ok(ids
            .iter()
            .map(|id| Target {
                id: *id,
                desired: desired.clone(),
                row: None,
            })
            .collect())
    }

    /// The calls the plan sends: each user's own, plus one per [`ROLE_BATCH`] users of a
    /// role given or taken through /2.
    pub fn calls(&self) -> usize {
        self.call_summary().iter().map(|(_, n)| n).sum()
    }

    /// Which calls the plan sends and how many of each, in a stable order.
    pub fn call_summary(&self) -> Vec<(String, usize)> {
        let mut per_user: BTreeMap<String, usize> = BTreeMap::new();
        let mut batches: BTreeMap<(i64, bool), usize> = BTreeMap::new();
        for call in self.users.iter().flat_map(|u| &u.calls) {
            match call.batch() {
                Some(key) => *batches.entry(key).or_default() += 1,
                None => *per_user.entry(call.kind()).or_default() += 1,
            }
        }
        let mut out: Vec<(String, usize)> = per_user.into_iter().collect();
        out.extend(batches.into_iter().map(|((role, given), users)| {
            let call = if given {
                Call::GrantRole { role }
            } else {
                Call::RevokeRole { role }
            };
            (call.kind(), users.div_ceil(ROLE_BATCH))
        }));
        out
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// What the plan does that no undo brings back, counted by kind (deletes, factor
    /// removals, logouts), in that order; empty when everything can be undone.
    pub fn irreversible(&self) -> Vec<(Irreversible, usize)> {
        super::lifecycle::count_irreversible(self.users.iter().flat_map(|u| &u.calls))
    }

    /// [`Plan::irreversible`] in words: "cannot be undone: 37 deletes, 5 logouts".
    pub fn irreversible_text(&self) -> Option<String> {
        irreversible_text(&self.irreversible())
    }

    /// What a person types to run it: "37", or "37 delete" (see [`confirm_answer`]).
    pub fn confirm_answer(&self) -> String {
        confirm_answer(self.users.len(), &self.irreversible())
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
