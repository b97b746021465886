//! The reads a plan is made from: the current values of its targets and the users a
//! search finds, in `ceil(N/50)` list calls with `fields=`; and [`prepare`], which reads
//! and then diffs.

use std::collections::HashMap;
use std::fmt;

use super::pacing::Pacer;
use super::plan::{Plan, Target, UnknownUser, fields_for};
use crate::api::{ApiError, Client, MAX_LIMIT, Search, User, UserQuery};

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

/// Targets → plan: current values from `loaded` (what the console holds,
/// when it holds every field the changes touch), the rest read in
/// `ceil(N/50)` list calls; then the diff.
pub async fn prepare(
    client: &Client,
    pacer: Option<&Pacer>,
    targets: &[Target],
    loaded: &HashMap<i64, User>,
) -> Result<Plan, PrepareError> {
    let fields = fields_for(targets.iter().map(|t| &t.desired));
    let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
    let current = fetch_current(client, pacer, &ids, &fields, loaded)
        .await
        .map_err(PrepareError::Api)?;
    Plan::build(targets, &current).map_err(PrepareError::Unknown)
}

/// Reads the current values of `ids` in `ceil(N/50)` list calls
/// (`id=a,b,…&fields=…&limit=50`), skipping ids already in `loaded`. Ids the
/// tenant does not know are simply absent from the answer.
pub async fn fetch_current(
    client: &Client,
    pacer: Option<&Pacer>,
    ids: &[i64],
    fields: &[String],
    loaded: &HashMap<i64, User>,
) -> Result<HashMap<i64, User>, ApiError> {
    let mut out: HashMap<i64, User> = HashMap::new();
    let mut missing: Vec<i64> = Vec::new();
    for id in ids {
        match loaded.get(id) {
            Some(u) => {
                out.insert(*id, u.clone());
            }
            None if !missing.contains(id) => missing.push(*id),
            None => {}
        }
    }
    let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    for chunk in missing.chunks(MAX_LIMIT as usize) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let query = UserQuery::new()
            .id(list)
            .fields(&field_refs)
            .limit(MAX_LIMIT);
        let page =
            super::execute::read_with_retry(pacer, || client.list_users_page(&query, None)).await?;
        for u in page.items {
            if chunk.contains(&u.id) {
                out.insert(u.id, u);
            }
        }
    }
    Ok(out)
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
    let fields = search.fields_with_local(fields);
    let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    let query = search.server().clone().fields(&field_refs).limit(MAX_LIMIT);
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = super::execute::read_with_retry(pacer, || {
            client.list_users_page(&query, cursor.as_deref())
        })
        .await?;
        out.extend(page.items.into_iter().filter(|u| search.matches(u)));
        match page.after_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => return Ok(out),
        }
    }
}
