//! The reads a plan is made from: the current values of its targets (only documented
//! calls: /2 `user_ids=`, a role's members, or one `GET` per user on /1; a user's MFA
//! devices from `GET /api/2/mfa/users/:id/devices` when factors are removed) and the
//! users a search finds; [`prepare`], which reads and then diffs; and [`read_values`],
//! the runner's re-read of one user before a resend.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::listing::{Listed, Size};
use super::pacing::Pacer;
use super::plan::{Desired, Plan, Target, UnknownUser, fields_for};
use super::user_calls::{paced, read_with_retry};
use super::values::{Device, Values};
use super::versions::Versions;
use crate::api::{ApiError, Client, MAX_LIMIT, MfaDevice, RetryPolicy, Search, User};

/// Why a plan could not be made.
#[derive(Debug, Clone)]
pub enum PrepareError {
    /// Ids the tenant does not know.
    Unknown(Vec<UnknownUser>),
    Api(ApiError),
    /// The changes need API /2 (unlock, MFA factors) and the work is on /1: why, in words.
    NeedsV2(String),
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Unknown(u) => write!(
                f,
                "unknown user(s): {}",
                u.iter()
                    .map(|x| x.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PrepareError::Api(e) => write!(f, "{e}"),
            PrepareError::NeedsV2(why) => f.write_str(why),
        }
    }
}

/// What a plan must read of its users: these `fields`, whether each has these roles, and
/// (when factors are removed) each user's MFA devices.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Needs {
    pub fields: Vec<String>,
    pub roles: BTreeSet<i64>,
    pub devices: bool,
}

impl Needs {
    /// What reading the users for `desired` takes.
    pub fn of<'a>(desired: impl IntoIterator<Item = &'a Desired> + Clone) -> Needs {
        Needs {
            fields: fields_for(desired.clone()),
            roles: desired
                .clone()
                .into_iter()
                .flat_map(|d| d.add_roles.iter().chain(d.remove_roles.iter()))
                .copied()
                .collect(),
            devices: desired
                .into_iter()
                .any(|d| !d.lifecycle.remove_factors.is_empty()),
        }
    }
}

/// Refuses, in words, changes that only API /2 can make when the work is on /1 (`api =
/// "v1"`, or /2 refused earlier); before anything is read or sent.
pub fn check_versions<'a>(
    desired: impl IntoIterator<Item = &'a Desired>,
    versions: &Versions,
) -> Result<(), PrepareError> {
    if versions.use_v2() {
        return Ok(());
    }
    match desired.into_iter().find_map(|d| d.lifecycle.needs_v2()) {
        Some(what) => Err(PrepareError::NeedsV2(versions.v2_only(what))),
        None => Ok(()),
    }
}

/// The users as they are now; ids the tenant said it does not know (a 404 on the user
/// itself, never the absence from a list).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Current {
    pub users: HashMap<i64, User>,
    pub unknown: Vec<i64>,
    /// Each user's MFA devices, when [`Needs::devices`].
    pub devices: HashMap<i64, Vec<MfaDevice>>,
}

/// Targets → plan: the users read fresh, then the diff in the fewest calls the API
/// versions in use allow.
pub async fn prepare(
    client: &Client,
    pacer: Option<&Pacer>,
    targets: &[Target],
    versions: &Versions,
) -> Result<Plan, PrepareError> {
    check_versions(targets.iter().map(|t| &t.desired), versions)?;
    let needs = Needs::of(targets.iter().map(|t| &t.desired));
    let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
    let current = fetch_current(client, pacer, &ids, &needs, versions)
        .await
        .map_err(PrepareError::Api)?;
    // The reads may have fallen back to /1 on the way.
    check_versions(targets.iter().map(|t| &t.desired), versions)?;
    Plan::build_with(targets, &current.users, &current.devices, versions.mode())
        .map_err(PrepareError::Unknown)
}

/// Reads `ids` as they are now, only through documented calls. With /2: `user_ids=` in
/// batches of 50, each role's members from `/api/2/roles/:id/users`, and every id a list
/// left out confirmed one by one (a 404 makes it unknown). With /1 (or once /2 was
/// refused): `GET /api/1/users/:id` for each.
pub async fn fetch_current(
    client: &Client,
    pacer: Option<&Pacer>,
    ids: &[i64],
    needs: &Needs,
    versions: &Versions,
) -> Result<Current, ApiError> {
    let mut unique: Vec<i64> = Vec::with_capacity(ids.len());
    let mut seen = BTreeSet::new();
    for id in ids {
        if seen.insert(*id) {
            unique.push(*id);
        }
    }
    let mut current = None;
    if versions.use_v2() {
        match fetch_v2(client, pacer, &unique, needs).await {
            Ok(c) => current = Some(c),
            Err(e) if versions.refused(&e).is_some() => {}
            Err(e) => return Err(e),
        }
    }
    let mut current = match current {
        Some(c) => c,
        None => fetch_v1(client, pacer, &unique).await?,
    };
    // Devices are on /2 alone: after a fallback the plan is refused in words instead.
    if needs.devices && versions.use_v2() {
        let ids: Vec<i64> = unique
            .iter()
            .filter(|id| current.users.contains_key(id))
            .copied()
            .collect();
        current.devices = read_devices(client, pacer, &ids).await?;
    }
    Ok(current)
}

/// Each user's MFA devices: one `GET /api/2/mfa/users/:id/devices` a user (there is no
/// list of many users' devices), a few at once.
pub async fn read_devices(
    client: &Client,
    pacer: Option<&Pacer>,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<MfaDevice>>, ApiError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(V1_READS) {
        let reads = chunk.iter().map(|id| async move {
            (
                *id,
                read_with_retry(pacer, || client.mfa_devices(*id)).await,
            )
        });
        for (id, answer) in futures::future::join_all(reads).await {
            out.insert(id, answer?);
        }
    }
    Ok(out)
}

/// A 404 about the user itself (not "No Route Exists"): the user is gone.
pub fn user_gone(e: &ApiError) -> bool {
    e.http_status() == Some(404) && !e.is_no_route()
}

/// User `id`'s values of `keys`, read now (the runner's look before a resend): the user
/// (unless only its devices are looked at), and its MFA devices when `keys` holds
/// devices. A user that is gone reads as [`Values::gone`] when `keys` asks whether it
/// exists (or looks only at devices: a gone user has none); else the 404 is the answer.
pub async fn read_values(
    client: &Client,
    pacer: Option<&Pacer>,
    id: i64,
    keys: &Values,
) -> Result<Values, ApiError> {
    let mut now = if keys.needs_user() {
        match read_with_retry(pacer, || client.get_user(id)).await {
            Ok(user) => Values::of_user(&user, keys),
            Err(e) if keys.exists.is_some() && user_gone(&e) => return Ok(Values::gone()),
            Err(e) => return Err(e),
        }
    } else {
        Values::default()
    };
    if keys.devices.is_some() {
        match read_with_retry(pacer, || client.mfa_devices(id)).await {
            Ok(devices) => now.devices = Some(devices.iter().map(Device::of).collect()),
            Err(e) if user_gone(&e) => return Ok(Values::gone()),
            Err(e) => return Err(e),
        }
    }
    Ok(now)
}

async fn fetch_v2(
    client: &Client,
    pacer: Option<&Pacer>,
    ids: &[i64],
    needs: &Needs,
) -> Result<Current, ApiError> {
    // /2 knows no `role_id` field: role membership is read per role below.
    let fields: Vec<&str> = needs
        .fields
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "role_id")
        .collect();
    let mut current = Current::default();
    for chunk in ids.chunks(MAX_LIMIT as usize) {
        let users = read_with_retry(pacer, || client.users_by_ids(chunk, &fields)).await?;
        for u in users {
            if chunk.contains(&u.id) {
                current.users.insert(u.id, u);
            }
        }
    }
    // A list that left an id out proves nothing: ask for the user itself.
    let missing: Vec<i64> = ids
        .iter()
        .filter(|id| !current.users.contains_key(id))
        .copied()
        .collect();
    for id in missing {
        match read_with_retry(pacer, || client.get_user_v2(id)).await {
            Ok(user) => {
                current.users.insert(id, user);
            }
            Err(e) if e.http_status() == Some(404) => current.unknown.push(id),
            Err(e) => return Err(e),
        }
    }
    if !needs.roles.is_empty() {
        let mut members: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for role in &needs.roles {
            let ids = read_with_retry(pacer, || client.role_user_ids(*role)).await?;
            members.insert(*role, ids.into_iter().collect());
        }
        for user in current.users.values_mut() {
            user.role_id = Some(
                needs
                    .roles
                    .iter()
                    .filter(|r| members.get(r).is_some_and(|m| m.contains(&user.id)))
                    .copied()
                    .collect(),
            );
        }
    }
    Ok(current)
}

/// Reads in flight at once on /1, where each user is its own call.
const V1_READS: usize = 4;

async fn fetch_v1(
    client: &Client,
    pacer: Option<&Pacer>,
    ids: &[i64],
) -> Result<Current, ApiError> {
    let mut current = Current::default();
    for chunk in ids.chunks(V1_READS) {
        let reads = chunk
            .iter()
            .map(|id| async move { (*id, read_with_retry(pacer, || client.get_user(*id)).await) });
        for (id, answer) in futures::future::join_all(reads).await {
            match answer {
                Ok(user) => {
                    current.users.insert(id, user);
                }
                Err(e) if e.http_status() == Some(404) => current.unknown.push(id),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(current)
}

/// Every user a search finds, with `fields`: the snapshot of a search's targets. The
/// server part of the search goes to the API; its local part (`department:Sales`) filters
/// what the API lists, as the console does, so the fields it reads are asked for too.
pub async fn search_targets(
    client: &Client,
    pacer: Option<&Pacer>,
    search: &Search,
    fields: &[String],
) -> Result<Vec<User>, ApiError> {
    list_search(client, pacer, search, fields, None, &mut |_| {}).await
}

/// [`search_targets`] for a long listing: with the search's `size` known, the pacer hears
/// how many pages are left; `on_page` hears what is listed after each page.
pub async fn list_search(
    client: &Client,
    pacer: Option<&Pacer>,
    search: &Search,
    fields: &[String],
    size: Option<Size>,
    on_page: &mut (dyn FnMut(Listed) + Send),
) -> Result<Vec<User>, ApiError> {
    let fields = search.fields_with_local(fields);
    let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    let query = search.server().clone().fields(&field_refs).limit(MAX_LIMIT);
    let mut out = Vec::new();
    let mut listed = Listed::default();
    let mut cursor: Option<String> = None;
    loop {
        let calls_left = size.map_or(1, |s| s.pages_left(listed));
        let calls_left = Some(usize::try_from(calls_left).unwrap_or(usize::MAX));
        let page = paced(pacer, RetryPolicy::BULK, calls_left, || {
            client.list_users_page(&query, cursor.as_deref())
        })
        .await?;
        listed.add(page.items.iter().map(|u| u.id));
        on_page(listed);
        out.extend(page.items.into_iter().filter(|u| search.matches(u)));
        match page.after_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(out),
        }
    }
}
