//! The reads a plan is made from: the current values of its targets (only documented
//! calls: /2 `user_ids=`, a role's members, or one `GET` per user on /1) and the users a
//! search finds; and [`prepare`], which reads and then diffs.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use super::listing::{Listed, Size};
use super::pacing::Pacer;
use super::plan::{Desired, Plan, Target, UnknownUser, fields_for};
use super::user_calls::{paced, read_with_retry};
use super::versions::Versions;
use crate::api::{ApiError, Client, MAX_LIMIT, RetryPolicy, Search, User};

/// Why a plan could not be made.
#[derive(Debug, Clone)]
pub enum PrepareError {
    /// Ids the tenant does not know.
    Unknown(Vec<UnknownUser>),
    Api(ApiError),
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
        }
    }
}

/// What a plan must read of its users: these `fields`, and whether each has these roles.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Needs {
    pub fields: Vec<String>,
    pub roles: BTreeSet<i64>,
}

impl Needs {
    /// What reading the users for `desired` takes.
    pub fn of<'a>(desired: impl IntoIterator<Item = &'a Desired> + Clone) -> Needs {
        Needs {
            fields: fields_for(desired.clone()),
            roles: desired
                .into_iter()
                .flat_map(|d| d.add_roles.iter().chain(d.remove_roles.iter()))
                .copied()
                .collect(),
        }
    }
}

/// The users as they are now; ids the tenant said it does not know (a 404 on the user
/// itself, never the absence from a list).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Current {
    pub users: HashMap<i64, User>,
    pub unknown: Vec<i64>,
}

/// Targets → plan: the users read fresh, then the diff in the fewest calls the API
/// versions in use allow.
pub async fn prepare(
    client: &Client,
    pacer: Option<&Pacer>,
    targets: &[Target],
    versions: &Versions,
) -> Result<Plan, PrepareError> {
    let needs = Needs::of(targets.iter().map(|t| &t.desired));
    let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
    let current = fetch_current(client, pacer, &ids, &needs, versions)
        .await
        .map_err(PrepareError::Api)?;
    Plan::build(targets, &current.users, versions.mode()).map_err(PrepareError::Unknown)
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
    if versions.use_v2() {
        match fetch_v2(client, pacer, &unique, needs).await {
            Ok(current) => return Ok(current),
            Err(e) if versions.refused(&e).is_some() => {}
            Err(e) => return Err(e),
        }
    }
    fetch_v1(client, pacer, &unique).await
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
