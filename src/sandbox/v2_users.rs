//! API /2 users: list, get, create, update, delete, unlock. Bare JSON answers;
//! the user object is the one /1 renders (same keys, custom attributes included).
//!
//! **Choices**: `POST /api/2/users` answers 201 with the new user (it needs
//! `email` or `username`; a new user is Active and Approved unless the body
//! says otherwise); `DELETE` answers 204 and nobody may delete the account
//! owner (403); every accepted `PUT` bumps `updated_at`, even when no value
//! changed; `POST /api/2/users/:id/unlock` answers `{"message":"User
//! unlocked"}`, sets status 1, clears `locked_until` and the failed login
//! count. Every write records an event (`event_types`); a delete also removes
//! the user's MFA devices and session count (`lifecycle::remove_user`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::auth::Need;
use super::envelope::Reject;
use super::event_types::Kind;
use super::events::Happened;
use super::lifecycle::{self, OWNER_UNDELETABLE};
use super::mappings::{self, When};
use super::state::Shared;
use super::tenant::User;
use super::v2_errors::{
    self as v2, Pass, Problem, existing_user, gate, gate_user, no_content, ok, owner_guard,
};
use super::v2_paging::{self, PageAsk, Position};
use super::v2_search::{self, Search};
use super::v2_user_body::{self as body, Change};

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

/// Query keys of a write: `mappings` and `validate_policy` (accepted, no policy to check).
fn write_query(uri: &Uri) -> Result<When, Reject> {
    let pairs = v2::query(uri, |k| k == "mappings" || k == "validate_policy")?;
    mappings::when(&pairs)
}

fn object(bytes: &[u8]) -> Result<Map<String, Value>, Reject> {
    match v2::json_body(bytes)? {
        Value::Object(m) => Ok(m),
        _ => Err(v2::json_not_valid().into()),
    }
}

fn render(shared: &Shared, id: i64) -> Result<Value, Reject> {
    let st = shared.lock();
    let user = st
        .tenant
        .users
        .get(&id)
        .ok_or_else(|| Reject::from(v2::user_not_found(id)))?;
    Ok(user.to_json(&st.tenant.shortnames()))
}

/// `GET /api/2/users`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer(list_users(&shared, &headers, &uri))
}

fn list_users(shared: &Shared, headers: &HeaderMap, uri: &Uri) -> Result<Response, Reject> {
    let pass = gate(shared, headers, Need::Read)?;
    let pairs = v2::query(uri, v2_search::allowed)?;
    let ask = PageAsk::parse(&pairs, "users", shared.cursor_key)?;
    let search = Search::parse(&ask.query)?;
    let st = shared.lock();
    let shortnames = st.tenant.shortnames();
    let mut items: Vec<(Position, &User)> = st
        .tenant
        .users
        .values()
        .filter(|u| search.matches(u))
        .map(|u| (search.position(u), u))
        .collect();
    v2_paging::sort(&mut items, search.descending);
    let window = ask.window(items, search.descending);
    let data: Vec<Value> = window
        .items
        .iter()
        .map(|u| search.project(u.to_json(&shortnames)))
        .collect();
    let mut resp = ok(StatusCode::OK, &Value::Array(data), &pass);
    let base = format!("{}/api/2/users", shared.base_url);
    ask.headers(&mut resp, &window, &base, shared.cursor_key);
    Ok(resp)
}

/// `GET /api/2/users/:id`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::Read, &raw_id)?;
        v2::query(&uri, |_| false)?;
        Ok(ok(StatusCode::OK, &render(&shared, id)?, &pass))
    })())
}

/// `POST /api/2/users`: 201 with the new user.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer(create_user(&shared, &headers, &uri, &bytes))
}

fn create_user(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    uri: &Uri,
    bytes: &[u8],
) -> Result<Response, Reject> {
    let pass = gate(shared, headers, Need::ManageUsers)?;
    let when = write_query(uri)?;
    let fields = object(bytes)?;
    let id = {
        let mut st = shared.lock();
        let id = st.last_user_id + 1;
        let changes = body::check(&fields, &st.tenant, id).map_err(|p| v2::unprocessable(&p))?;
        let named = changes.iter().any(|c| {
            matches!(c, Change::Str(f, Some(v)) if (f == "email" || f == "username") && !v.trim().is_empty())
        });
        if !named {
            return Err(v2::unprocessable(&[Problem::new("email", "can't be blank")]).into());
        }
        let mut user = User::blank(id, Utc::now());
        body::apply(&mut user, changes);
        st.tenant.users.insert(id, user);
        st.last_user_id = id;
        st.record(Happened::by(pass.client, Kind::Created, id));
        st.wrote(&[id]);
        id
    };
    mappings::run(shared, id, when);
    Ok(ok(StatusCode::CREATED, &render(shared, id)?, &pass))
}

/// `PUT /api/2/users/:id`: core fields and custom attributes in one call.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer(update_user(&shared, &raw_id, &headers, &uri, &bytes))
}

fn update_user(
    shared: &Arc<Shared>,
    raw_id: &str,
    headers: &HeaderMap,
    uri: &Uri,
    bytes: &[u8],
) -> Result<Response, Reject> {
    let (pass, id) = gate_user(shared, headers, Need::ManageUsers, raw_id)?;
    let when = write_query(uri)?;
    existing_user(shared, id)?;
    owner_guard(shared, &pass, id)?;
    let fields = object(bytes)?;
    {
        let mut st = shared.lock();
        let changes = body::check(&fields, &st.tenant, id).map_err(|p| v2::unprocessable(&p))?;
        let user = st
            .tenant
            .users
            .get_mut(&id)
            .ok_or_else(|| Reject::from(v2::user_not_found(id)))?;
        let password_before = user.time("password_changed_at");
        body::apply(user, changes);
        user.touch();
        let password_changed = user.time("password_changed_at") != password_before;
        // Which fields the call named; never a password.
        let notes = fields
            .keys()
            .filter(|k| !k.starts_with("password") && *k != "salt")
            .map(String::as_str)
            .collect::<Vec<&str>>()
            .join(", ");
        st.record(Happened::by(pass.client, Kind::Updated, id).notes(notes));
        if password_changed {
            st.record(Happened::by(pass.client, Kind::PasswordChanged, id));
        }
        st.wrote(&[id]);
    }
    mappings::run(shared, id, when);
    Ok(ok(StatusCode::OK, &render(shared, id)?, &pass))
}

/// `DELETE /api/2/users/:id`: 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::ManageUsers, &raw_id)?;
        v2::query(&uri, |_| false)?;
        existing_user(&shared, id)?;
        owner_guard(&shared, &pass, id)?;
        let mut st = shared.lock();
        if st.tenant.owner_id == Some(id) {
            return Err(v2::error(StatusCode::FORBIDDEN, OWNER_UNDELETABLE).into());
        }
        if !lifecycle::remove_user(&mut st, pass.client, id) {
            return Err(v2::user_not_found(id).into());
        }
        Ok(no_content(&pass))
    })())
}

/// `POST /api/2/users/:id/unlock`: status 1, no lock time.
pub(crate) async fn unlock(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id): (Pass, i64) = gate_user(&shared, &headers, Need::ManageUsers, &raw_id)?;
        v2::query(&uri, |_| false)?;
        existing_user(&shared, id)?;
        owner_guard(&shared, &pass, id)?;
        let mut st = shared.lock();
        let Some(user) = st.tenant.users.get_mut(&id) else {
            return Err(v2::user_not_found(id).into());
        };
        user.status = 1;
        user.set_time("locked_until", None);
        user.set_int("invalid_login_attempts", Some(0));
        user.touch();
        st.record(Happened::by(pass.client, Kind::Unlocked, id));
        st.wrote(&[id]);
        Ok(ok(
            StatusCode::OK,
            &json!({"message": "User unlocked"}),
            &pass,
        ))
    })())
}
