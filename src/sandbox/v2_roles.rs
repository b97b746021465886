//! API /2 role membership: `GET /api/2/roles/:id/users` (paged like the user
//! list), `POST` and `DELETE` with a bare array of user ids. The same role data
//! `GET /api/1/users/:id/roles` reads. Changes need Manage All.
//!
//! **Choices**: the list items are `{"id","name","email","username"}` (`name`
//! is first and last name), sorted by id; `POST` answers 200 with
//! `[{"id":123},…]`, one per distinct id sent, members already included;
//! `DELETE` answers 204 and ignores ids that are not members; an empty array
//! changes nothing; a body that is not an array → 400 "Expected array in
//! request"; an element that is not an integer → 400 "Expected array of
//! integer user ids in request"; unknown user ids refuse the whole call with a
//! 422 that lists each one (`{"field":"user_id","message":"99 was not
//! found"}`); an unknown role → 404 "Role for id N was not found". Users whose
//! roles change get a new `updated_at`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Need;
use super::envelope::Reject;
use super::event_types::Kind;
use super::events::Happened;
use super::state::Shared;
use super::tenant::User;
use super::v2_errors::{self as v2, Pass, Problem, gate_user, no_content, ok};
use super::v2_paging::{self, PAGING_KEYS, PageAsk, Position, SortKey};

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

/// The gate, then a role that exists.
fn role(
    shared: &Shared,
    headers: &HeaderMap,
    need: Need,
    raw: &str,
) -> Result<(Pass, i64), Reject> {
    let (pass, id) = gate_user(shared, headers, need, raw)?;
    if !shared.lock().tenant.has_role(id) {
        return Err(v2::error(
            StatusCode::NOT_FOUND,
            format!("Role for id {id} was not found"),
        )
        .into());
    }
    Ok((pass, id))
}

fn member(u: &User) -> Value {
    let name = [u.str_field("firstname"), u.str_field("lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<&str>>()
        .join(" ");
    json!({
        "id": u.id,
        "name": name,
        "email": u.str_field("email"),
        "username": u.str_field("username"),
    })
}

/// `GET /api/2/roles/:id/users`.
pub(crate) async fn users(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, role_id) = role(&shared, &headers, Need::Read, &raw_id)?;
        let pairs = v2::query(&uri, |k| PAGING_KEYS.contains(&k))?;
        let scope = format!("roles/{role_id}/users");
        let ask = PageAsk::parse(&pairs, &scope, shared.cursor_key)?;
        let st = shared.lock();
        let mut items: Vec<(Position, &User)> = st
            .tenant
            .users
            .values()
            .filter(|u| u.roles().contains(&role_id))
            .map(|u| ((SortKey::Int(u.id), u.id), u))
            .collect();
        v2_paging::sort(&mut items, false);
        let window = ask.window(items, false);
        let data: Vec<Value> = window.items.iter().map(|u| member(u)).collect();
        let mut resp = ok(StatusCode::OK, &Value::Array(data), &pass);
        let base = format!("{}/api/2/{scope}", shared.base_url);
        ask.headers(&mut resp, &window, &base, shared.cursor_key);
        Ok(resp)
    })())
}

/// The bare array of user ids, distinct, in the order sent.
fn user_ids(bytes: &[u8]) -> Result<Vec<i64>, Reject> {
    let Value::Array(list) = v2::json_body(bytes)? else {
        return Err(v2::bad_request("Expected array in request").into());
    };
    let mut ids: Vec<i64> = Vec::new();
    for v in &list {
        let id = v.as_i64().ok_or_else(|| {
            Reject::from(v2::bad_request(
                "Expected array of integer user ids in request",
            ))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
}

fn change(
    shared: &Shared,
    raw_id: &str,
    headers: &HeaderMap,
    uri: &Uri,
    bytes: &[u8],
    op: Op,
) -> Result<Response, Reject> {
    let (pass, role_id) = role(shared, headers, Need::ManageAll, raw_id)?;
    v2::query(uri, |_| false)?;
    let ids = user_ids(bytes)?;
    let mut st = shared.lock();
    let missing: Vec<Problem> = ids
        .iter()
        .filter(|id| !st.tenant.users.contains_key(id))
        .map(|id| Problem::new("user_id", format!("{id} was not found")))
        .collect();
    if !missing.is_empty() {
        return Err(v2::unprocessable(&missing).into());
    }
    let mut changed = Vec::new();
    for id in &ids {
        let Some(user) = st.tenant.users.get_mut(id) else {
            continue;
        };
        let mut roles = user.roles();
        let has = roles.contains(&role_id);
        let kind = match op {
            Op::Add if !has => {
                roles.push(role_id);
                roles.sort_unstable();
                Kind::RoleAssigned
            }
            Op::Remove if has => {
                roles.retain(|r| *r != role_id);
                Kind::RoleRemoved
            }
            _ => continue,
        };
        user.role_id = Some(roles);
        user.touch();
        // Only users whose roles changed get an event.
        st.record(Happened::by(pass.client, kind, *id).role(role_id));
        changed.push(*id);
    }
    st.wrote(&changed);
    Ok(match op {
        Op::Add => {
            let body: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
            ok(StatusCode::OK, &Value::Array(body), &pass)
        }
        Op::Remove => no_content(&pass),
    })
}

/// `POST /api/2/roles/:id/users`, body `[123, 456]`.
pub(crate) async fn add(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer(change(&shared, &raw_id, &headers, &uri, &bytes, Op::Add))
}

/// `DELETE /api/2/roles/:id/users`, body `[123, 456]`.
pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer(change(&shared, &raw_id, &headers, &uri, &bytes, Op::Remove))
}
