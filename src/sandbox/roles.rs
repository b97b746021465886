//! Roles and groups: lists, a user's roles, add_roles / remove_roles.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{Need, authorize, authorize_user};
use super::envelope::{self, Msg, Order};
use super::event_types::Kind;
use super::events::Happened;
use super::paging::PageRequest;
use super::query::{self, IntSet, Pattern};
use super::state::Shared;

/// A paged list of `(id, name)` items, searchable by `name` and `id`.
fn named_list(
    shared: &Shared,
    headers: &HeaderMap,
    uri: &Uri,
    path: &str,
    items: impl Fn(&super::tenant::Tenant) -> Vec<(i64, String)>,
    render: impl Fn(i64, &str) -> Value,
) -> Response {
    let granted = match authorize(shared, headers, Need::Read) {
        Ok(g) => g,
        Err(r) => return r.into(),
    };
    let Some(pairs) = query::pairs(uri) else {
        return envelope::bad_request("Query string is not valid");
    };
    let mut names: Vec<Pattern> = Vec::new();
    let mut ids: Vec<IntSet> = Vec::new();
    for (k, v) in &pairs {
        match k.as_str() {
            "name" => names.push(Pattern::parse(v)),
            "id" => match IntSet::parse(v) {
                Some(s) => ids.push(s),
                None => return envelope::id_incorrect(),
            },
            _ => {}
        }
    }
    let req = match PageRequest::parse(&pairs) {
        Ok(r) => r,
        Err(r) => return r.into(),
    };
    let all = items(&shared.lock().tenant);
    let mut selected: Vec<(i64, String)> = all
        .into_iter()
        .filter(|(id, name)| {
            names.iter().all(|p| p.matches(Some(name))) && ids.iter().all(|s| s.matches_any(&[*id]))
        })
        .collect();
    req.sort(&mut selected);
    let page = req.window(selected);
    let pagination = req.pagination(&page, &format!("{}{path}", shared.base_url), &pairs);
    let data = page
        .items
        .iter()
        .map(|(id, name)| render(*id, name))
        .collect();
    envelope::ok_list(data, pagination, &granted.rate)
}

/// `GET /api/1/roles` → `[{"id","name"}]`.
pub(crate) async fn list_roles(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    named_list(
        &shared,
        &headers,
        &uri,
        "/api/1/roles",
        |t| t.roles.iter().map(|r| (r.id, r.name.clone())).collect(),
        |id, name| json!({ "id": id, "name": name }),
    )
}

/// `GET /api/1/groups` → `[{"id","name","reference":null}]`.
pub(crate) async fn list_groups(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    named_list(
        &shared,
        &headers,
        &uri,
        "/api/1/groups",
        |t| t.groups.iter().map(|g| (g.id, g.name.clone())).collect(),
        |id, name| json!({ "id": id, "name": name, "reference": null }),
    )
}

/// `GET /api/1/users/:id/roles` → `data: [[ids]]`.
pub(crate) async fn user_roles(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (granted, id) = match authorize_user(&shared, &headers, Need::Read, &raw_id) {
        Ok(gate) => gate,
        Err(r) => return r.into(),
    };
    let st = shared.lock();
    match st.tenant.users.get(&id) {
        Some(u) => envelope::ok_data(json!([u.roles()]), Some(&granted.rate)),
        None => envelope::user_not_found(id),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
}

pub(crate) async fn add_roles(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    change_roles(&shared, &raw_id, &headers, &body, Op::Add)
}

pub(crate) async fn remove_roles(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    change_roles(&shared, &raw_id, &headers, &body, Op::Remove)
}

/// `[1, 2, 3]`: ids joined by comma and space.
fn id_list(ids: &[i64]) -> String {
    let parts: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("[{}]", parts.join(", "))
}

fn change_roles(
    shared: &Shared,
    raw_id: &str,
    headers: &HeaderMap,
    body: &[u8],
    op: Op,
) -> Response {
    let (granted, id) = match authorize_user(shared, headers, Need::ManageAll, raw_id) {
        Ok(gate) => gate,
        Err(r) => return r.into(),
    };
    let mut st = shared.lock();
    if !st.tenant.users.contains_key(&id) {
        return envelope::user_not_found(id);
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return envelope::json_not_valid();
    };
    let list = match body.get("role_id_array") {
        None | Some(Value::Null) => return envelope::bad_request("role_id_array is empty"),
        Some(Value::Array(a)) if a.is_empty() => {
            return envelope::bad_request("role_id_array is empty");
        }
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return envelope::error(
                StatusCode::BAD_REQUEST,
                Msg::attr(
                    "role_id_array",
                    "role_id_array has incorrect data type. It should be -> array",
                ),
            );
        }
    };
    let all = st.tenant.role_ids();
    let subset_error = || {
        envelope::bad_request(&format!(
            "role_id_array should be a subset of -> {}",
            id_list(&all)
        ))
    };
    let mut wanted: Vec<i64> = Vec::new();
    for v in &list {
        match v.as_i64() {
            Some(r) if st.tenant.has_role(r) => {
                if !wanted.contains(&r) {
                    wanted.push(r);
                }
            }
            _ => return subset_error(),
        }
    }
    let Some(user) = st.tenant.users.get_mut(&id) else {
        return envelope::user_not_found(id);
    };
    let mut roles = user.roles();
    let kind = match op {
        Op::Add => {
            if wanted.iter().any(|r| roles.contains(r)) {
                return envelope::bad_request(
                    "input role_id_array is already included as user roles",
                );
            }
            roles.extend(&wanted);
            roles.sort_unstable();
            Kind::RoleAssigned
        }
        Op::Remove => {
            if wanted.iter().any(|r| !roles.contains(r)) {
                return envelope::bad_request("input role_id_array is not included as user roles");
            }
            roles.retain(|r| !wanted.contains(r));
            Kind::RoleRemoved
        }
    };
    user.role_id = Some(roles);
    user.touch();
    for r in wanted {
        st.record(Happened::by(granted.client, kind, id).role(r));
    }
    st.wrote(&[id]);
    envelope::ok_status(Order::Natural, Some(&granted.rate))
}
