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

use crate::api::{ApiError, Client, UPDATABLE_FIELDS, User, UserUpdate};

pub use super::plan_reads::{PrepareError, fetch_current, prepare, search_targets};

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
            }
        }
        Ok(d)
    }

    pub fn is_empty(&self) -> bool {
        self.custom_attributes.is_empty()
            && self.fields.is_empty()
            && self.add_roles.is_empty()
            && self.remove_roles.is_empty()
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
        for f in d.fields.keys() {
            if !out.contains(f) {
                out.push(f.clone());
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

/// The values of a user a plan touches (before, after, or as read now).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Values {
    /// Shortname → value, `""` for unset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    /// Core field → JSON value as `PUT` sends it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Value>,
    /// Every role id of the user, sorted; only when roles change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<i64>>,
}

fn attr_of(user: &User, name: &str) -> String {
    user.custom_attributes
        .get(name)
        .cloned()
        .flatten()
        .unwrap_or_default()
}

fn field_of(user: &User, name: &str) -> Value {
    let text = user.field(name).unwrap_or_default();
    typed_field(name, &text).unwrap_or(Value::Null)
}

fn roles_of(user: &User) -> Vec<i64> {
    let mut r = user.role_id.clone().unwrap_or_default();
    r.sort_unstable();
    r.dedup();
    r
}

impl Values {
    /// Reads from `user` the same keys `like` holds.
    pub fn of_user(user: &User, like: &Values) -> Values {
        Values {
            custom_attributes: like
                .custom_attributes
                .keys()
                .map(|k| (k.clone(), attr_of(user, k)))
                .collect(),
            fields: like
                .fields
                .keys()
                .map(|k| (k.clone(), field_of(user, k)))
                .collect(),
            roles: like.roles.as_ref().map(|_| roles_of(user)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.custom_attributes.is_empty() && self.fields.is_empty() && self.roles.is_none()
    }

    /// Each key as `name: value` text, for previews and reports.
    pub fn describe(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .custom_attributes
            .iter()
            .map(|(k, v)| (format!("custom_attributes.{k}"), show_text(v)))
            .collect();
        out.extend(self.fields.iter().map(|(k, v)| (k.clone(), show_value(v))));
        if let Some(r) = &self.roles {
            out.push(("roles".into(), format!("{r:?}")));
        }
        out
    }
}

fn show_text(v: &str) -> String {
    if v.is_empty() {
        "(empty)".into()
    } else {
        format!("{v:?}")
    }
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(empty)".into(),
        Value::String(s) => show_text(s),
        other => other.to_string(),
    }
}

/// One API call of a user's plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// `PUT /api/1/users/:id/set_custom_attributes`, all attributes at once.
    SetCustomAttributes { values: BTreeMap<String, String> },
    /// `PUT /api/1/users/:id`, all core fields at once.
    UpdateUser { fields: BTreeMap<String, Value> },
    /// `PUT /api/1/users/:id/add_roles`.
    AddRoles { ids: Vec<i64> },
    /// `PUT /api/1/users/:id/remove_roles`.
    RemoveRoles { ids: Vec<i64> },
}

impl Call {
    /// `PUT /api/1/users/42/add_roles`.
    pub fn describe(&self, id: i64) -> String {
        match self {
            Call::SetCustomAttributes { .. } => {
                format!("PUT /api/1/users/{id}/set_custom_attributes")
            }
            Call::UpdateUser { .. } => format!("PUT /api/1/users/{id}"),
            Call::AddRoles { .. } => format!("PUT /api/1/users/{id}/add_roles"),
            Call::RemoveRoles { .. } => format!("PUT /api/1/users/{id}/remove_roles"),
        }
    }

    /// What of this call is still to do, given the user's values now; `None`
    /// when it is already done (e.g. its answer was lost after it was applied).
    /// Calls are idempotent except role changes, which the API refuses to
    /// repeat: those shrink to the roles still missing (or still present).
    pub fn remaining(&self, now: &Values) -> Option<Call> {
        let call = match self {
            Call::SetCustomAttributes { values } => Call::SetCustomAttributes {
                values: values
                    .iter()
                    .filter(|(k, v)| now.custom_attributes.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            Call::UpdateUser { fields } => Call::UpdateUser {
                fields: fields
                    .iter()
                    .filter(|(k, v)| now.fields.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            Call::AddRoles { ids } => {
                let have = now.roles.clone().unwrap_or_default();
                Call::AddRoles {
                    ids: ids.iter().filter(|i| !have.contains(i)).copied().collect(),
                }
            }
            Call::RemoveRoles { ids } => {
                let have = now.roles.clone().unwrap_or_default();
                Call::RemoveRoles {
                    ids: ids.iter().filter(|i| have.contains(i)).copied().collect(),
                }
            }
        };
        (!call.is_empty()).then_some(call)
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Call::SetCustomAttributes { values } => values.is_empty(),
            Call::UpdateUser { fields } => fields.is_empty(),
            Call::AddRoles { ids } | Call::RemoveRoles { ids } => ids.is_empty(),
        }
    }

    /// A template of the keys this call touches, for [`Values::of_user`].
    pub fn keys(&self) -> Values {
        let mut v = Values::default();
        match self {
            Call::SetCustomAttributes { values } => {
                v.custom_attributes = values.keys().map(|k| (k.clone(), String::new())).collect();
            }
            Call::UpdateUser { fields } => {
                v.fields = fields.keys().map(|k| (k.clone(), Value::Null)).collect();
            }
            Call::AddRoles { .. } | Call::RemoveRoles { .. } => v.roles = Some(Vec::new()),
        }
        v
    }

    /// Sends the call once.
    pub async fn send(&self, client: &Client, id: i64) -> Result<(), ApiError> {
        match self {
            Call::SetCustomAttributes { values } => client.set_custom_attributes(id, values).await,
            Call::UpdateUser { fields } => {
                let mut u = UserUpdate::new();
                for (k, v) in fields {
                    u.set(k, v.clone());
                }
                client.update_user(id, &u).await.map(|_| ())
            }
            Call::AddRoles { ids } => client.add_roles(id, ids).await,
            Call::RemoveRoles { ids } => client.remove_roles(id, ids).await,
        }
    }
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

/// One user's plan from its current values; `None` when nothing changes.
pub fn plan_user(user: &User, desired: &Desired, row: Option<usize>) -> Option<UserPlan> {
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
    if !attrs.is_empty() {
        calls.push(Call::SetCustomAttributes { values: attrs });
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
    if !fields.is_empty() {
        calls.push(Call::UpdateUser { fields });
    }

    if desired.touches_roles() {
        let have = roles_of(user);
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
            if !add.is_empty() {
                calls.push(Call::AddRoles { ids: add });
            }
            if !remove.is_empty() {
                calls.push(Call::RemoveRoles { ids: remove });
            }
        }
    }

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
            match plan_user(user, &t.desired, t.row) {
                Some(up) => plan.users.push(up),
                None => plan.unchanged.push(t.id),
            }
        }
        Ok(plan)
    }

    /// Every target id, in order: the snapshot of a selection × the same changes.
    pub fn uniform(ids: &[i64], changes: &[Change]) -> Result<Vec<Target>, String> {
        let desired = Desired::from_changes(changes)?;
        Ok(ids
            .iter()
            .map(|id| Target {
                id: *id,
                desired: desired.clone(),
                row: None,
            })
            .collect())
    }

    pub fn calls(&self) -> usize {
        self.users.iter().map(|u| u.calls.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
