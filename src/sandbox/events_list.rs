//! `GET /api/1/events`: the event log, filtered and cursor-paged like the /1
//! user list (`paging`): `pagination` in the body, up to 50 a page.
//!
//! Filters: `id`, `event_type_id`, `user_id`, `directory_id` (an integer or a
//! comma list, as the docs show for `event_type_id`), `client_id` and
//! `resolution` (exact), `since` and `until` (ISO-8601, on `created_at`).
//! `limit`, `sort=+id|-id`, `fields=a,b` (`id` always kept), `after_cursor`,
//! `before_cursor` shape the page.
//!
//! **Choices**: newest first unless `sort=+id` (what an admin looks for
//! first; the docs name no default); `sort=±created_at` is the same order as
//! `±id` (ids grow with time); `since` and `until` are inclusive; `page` →
//! 400 `{"attribute":"page","description":"page is not supported, use
//! after_cursor"}`; a filter that is not an integer → 400 `{"attribute":
//! "<key>","description":"<key> is incorrect"}` (`id`: "ID is incorrect"); a
//! date that is not one → 400 `"<key> is not a valid date"`; any other
//! parameter is ignored, as the user list does. Any scope may read events (the
//! Get Events page lists all four).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::auth::{Need, authorize};
use super::envelope::{self, Msg, Reject};
use super::events::Event;
use super::paging::PageRequest;
use super::query::{self, IntSet};
use super::state::Shared;
use super::users::parse_date;

/// One condition of an event search.
#[derive(Debug, Clone)]
enum Cond {
    Int(&'static str, IntSet),
    Text(&'static str, String),
    Since(DateTime<Utc>),
    Until(DateTime<Utc>),
}

const INT_KEYS: [&str; 4] = ["id", "event_type_id", "user_id", "directory_id"];
const TEXT_KEYS: [&str; 2] = ["client_id", "resolution"];

fn int_of(e: &Event, key: &str) -> Option<i64> {
    match key {
        "id" => Some(e.id),
        "event_type_id" => Some(e.event_type_id),
        "user_id" => e.user_id,
        "directory_id" => e.directory_id,
        _ => None,
    }
}

fn text_of<'a>(e: &'a Event, key: &str) -> Option<&'a str> {
    match key {
        "client_id" => e.client_id.as_deref(),
        "resolution" => e.resolution.as_deref(),
        _ => None,
    }
}

impl Cond {
    fn matches(&self, e: &Event) -> bool {
        match self {
            Cond::Int(key, set) => set.matches_any(&int_of(e, key).into_iter().collect::<Vec<_>>()),
            Cond::Text(key, want) => text_of(e, key) == Some(want.as_str()),
            Cond::Since(t) => e.created_at >= *t,
            Cond::Until(t) => e.created_at <= *t,
        }
    }
}

fn search(pairs: &[(String, String)]) -> Result<Vec<Cond>, Reject> {
    let mut conds = Vec::new();
    for (k, v) in pairs {
        if let Some(key) = INT_KEYS.iter().find(|x| **x == k) {
            let set = IntSet::parse(v).ok_or_else(|| {
                if *key == "id" {
                    envelope::id_incorrect()
                } else {
                    envelope::error(
                        StatusCode::BAD_REQUEST,
                        Msg::attr(*key, format!("{key} is incorrect")),
                    )
                }
            })?;
            conds.push(Cond::Int(key, set));
        } else if let Some(key) = TEXT_KEYS.iter().find(|x| **x == k) {
            conds.push(Cond::Text(key, v.clone()));
        } else if k == "since" || k == "until" {
            let t = parse_date(v).ok_or_else(|| {
                envelope::error(
                    StatusCode::BAD_REQUEST,
                    Msg::attr(k.as_str(), format!("{k} is not a valid date")),
                )
            })?;
            conds.push(if k == "since" {
                Cond::Since(t)
            } else {
                Cond::Until(t)
            });
        } else if k == "page" {
            return Err(envelope::error(
                StatusCode::BAD_REQUEST,
                Msg::attr("page", "page is not supported, use after_cursor"),
            )
            .into());
        }
    }
    Ok(conds)
}

/// `sort=±created_at` read as `sort=±id`: the same order.
fn by_id(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| {
            if k == "sort" && v.trim().ends_with("created_at") {
                let v = v.replacen("created_at", "id", 1);
                (k, v)
            } else {
                (k, v)
            }
        })
        .collect()
}

/// `GET /api/1/events`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let granted = match authorize(&shared, &headers, Need::Read) {
        Ok(g) => g,
        Err(r) => return r.into(),
    };
    let Some(pairs) = query::pairs(&uri) else {
        return envelope::bad_request("Query string is not valid");
    };
    let pairs = by_id(pairs);
    let conds = match search(&pairs) {
        Ok(c) => c,
        Err(r) => return r.into(),
    };
    let req = match PageRequest::parse_sorted(&pairs, true) {
        Ok(r) => r,
        Err(r) => return r.into(),
    };
    let fields = query::fields(&pairs);
    let st = shared.lock();
    let mut items: Vec<(i64, &Event)> = st
        .events
        .iter()
        .filter(|e| conds.iter().all(|c| c.matches(e)))
        .map(|e| (e.id, e))
        .collect();
    req.sort(&mut items);
    let page = req.window(items);
    let pagination = req.pagination(&page, &format!("{}/api/1/events", shared.base_url), &pairs);
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|(_, e)| query::project(e.to_json(st.account_id), &fields))
        .collect();
    envelope::ok_list(data, pagination, &granted.rate)
}
