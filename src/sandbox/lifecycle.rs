//! API /1 lifecycle calls on one user: `PUT …/lock_user`, `PUT …/logout`,
//! `PUT …/set_state`, `DELETE /api/1/users/:id`. Each answers status-only
//! 200 and records an event (see `event_types`).
//!
//! The gate is the one every /1 user call has: header, token, budget, scope
//! (Manage users or Manage All), an integer id (400 "ID is incorrect"), a user
//! that exists (404 "User for id N was not found"), and Manage All for the
//! account owner (403 "user is not authorized to access this User").
//!
//! **Choices** where the documents are silent:
//! - `lock_user` needs `locked_until`, a JSON integer ≥ 0 (minutes; 0 is the
//!   policy's 30, see `locks`); missing, null, negative, fractional, a string
//!   or more minutes than a date can hold → 400 "locked_until is not valid".
//!   It sets status 3 and `locked_until` (now + the minutes) and bumps
//!   `updated_at`; locking a locked user starts a new lock.
//! - `logout` takes no body (any is ignored) and changes no user field: it
//!   counts one ending of the user's sessions (`Sandbox::sessions_ended`).
//! - `set_state` needs `state`, a JSON integer 0–3; anything else → 400
//!   "state is not valid". `updated_at` moves only when the state changes.
//! - `DELETE` refuses the account owner even with Manage All (403 "The
//!   account owner cannot be deleted", as /2 does); it removes the user, its
//!   role memberships (held on the user), its MFA devices and its session
//!   count; the id is never given out again.
//! - A body that is not a JSON object → 400 "Input JSON is not valid".

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value};

use super::Scope;
use super::auth::{ClientRef, Granted, Need, authorize_user};
use super::envelope::{self, Msg, Order, Reject};
use super::event_types::Kind;
use super::events::Happened;
use super::state::{Shared, State as Tenant};
use super::tenant::{STATES, format_time};

/// What `DELETE` answers for the account owner, on /1 and /2 alike.
pub(crate) const OWNER_UNDELETABLE: &str = "The account owner cannot be deleted";

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

/// The gate of a /1 change of one existing user (see the module's words).
fn gate(shared: &Shared, headers: &HeaderMap, raw_id: &str) -> Result<(Granted, i64), Reject> {
    let (granted, id) = authorize_user(shared, headers, Need::ManageUsers, raw_id)?;
    let st = shared.lock();
    if !st.tenant.users.contains_key(&id) {
        return Err(envelope::user_not_found(id).into());
    }
    if st.tenant.owner_id == Some(id) && granted.scope != Scope::ManageAll {
        return Err(envelope::forbidden_user().into());
    }
    Ok((granted, id))
}

/// The body as a JSON object, or 400 "Input JSON is not valid".
fn object(body: &[u8]) -> Result<Map<String, Value>, Reject> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(envelope::json_not_valid().into()),
    }
}

/// A non-negative JSON integer under `key`, or 400 "<key> is not valid".
fn count(body: &Map<String, Value>, key: &str) -> Result<i64, Reject> {
    body.get(key)
        .and_then(Value::as_i64)
        .filter(|n| *n >= 0)
        .ok_or_else(|| invalid(key))
}

fn invalid(key: &str) -> Reject {
    envelope::bad_request(&format!("{key} is not valid")).into()
}

fn done(granted: &Granted) -> Response {
    envelope::ok_status(Order::Natural, Some(&granted.rate))
}

/// `PUT /api/1/users/:id/lock_user`, body `{"locked_until": MINUTES}`.
pub(crate) async fn lock_user(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        let (granted, id) = gate(&shared, &headers, &raw_id)?;
        let minutes = count(&object(&body)?, "locked_until")?;
        let mut st = shared.lock();
        let end = st
            .locks
            .end(Utc::now(), minutes)
            .ok_or_else(|| invalid("locked_until"))?;
        let user = st
            .tenant
            .users
            .get_mut(&id)
            .ok_or_else(|| Reject::from(envelope::user_not_found(id)))?;
        user.status = 3;
        user.set_time("locked_until", Some(end));
        user.touch();
        st.locks.add(id, end);
        let notes = format!("locked until {}", format_time(&end));
        st.record(Happened::by(granted.client, Kind::LockedByApi, id).notes(notes));
        st.wrote(&[id]);
        Ok(done(&granted))
    })())
}

/// `PUT /api/1/users/:id/logout`: ends the user's sessions.
pub(crate) async fn logout(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    answer((|| {
        let (granted, id) = gate(&shared, &headers, &raw_id)?;
        let mut st = shared.lock();
        if !st.tenant.users.contains_key(&id) {
            return Err(envelope::user_not_found(id).into());
        }
        *st.sessions_ended.entry(id).or_insert(0) += 1;
        st.record(Happened::by(granted.client, Kind::LoggedOut, id));
        st.wrote(&[id]);
        Ok(done(&granted))
    })())
}

/// `PUT /api/1/users/:id/set_state`, body `{"state": 0|1|2|3}`.
pub(crate) async fn set_state(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer((|| {
        let (granted, id) = gate(&shared, &headers, &raw_id)?;
        let state = count(&object(&body)?, "state")?;
        if !STATES.contains(&state) {
            return Err(invalid("state"));
        }
        let mut st = shared.lock();
        let user = st
            .tenant
            .users
            .get_mut(&id)
            .ok_or_else(|| Reject::from(envelope::user_not_found(id)))?;
        let before = user.state;
        if before != state {
            user.state = state;
            user.touch();
        }
        let notes = format!("state {before} -> {state}");
        st.record(Happened::by(granted.client, Kind::StateChanged, id).notes(notes));
        st.wrote(&[id]);
        Ok(done(&granted))
    })())
}

/// `DELETE /api/1/users/:id`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    answer((|| {
        let (granted, id) = gate(&shared, &headers, &raw_id)?;
        let mut st = shared.lock();
        if st.tenant.owner_id == Some(id) {
            return Err(
                envelope::error(StatusCode::FORBIDDEN, Msg::text(OWNER_UNDELETABLE)).into(),
            );
        }
        if !remove_user(&mut st, granted.client, id) {
            return Err(envelope::user_not_found(id).into());
        }
        Ok(done(&granted))
    })())
}

/// Removes user `id` and what hangs on it, recording `DELETED_USER` first (while its name
/// is known); false when there is no such user. /1 and /2 delete through here.
pub(crate) fn remove_user(st: &mut Tenant, client: ClientRef, id: i64) -> bool {
    if !st.tenant.users.contains_key(&id) {
        return false;
    }
    st.record(Happened::by(client, Kind::Deleted, id));
    st.tenant.users.remove(&id);
    st.devices.forget(id);
    st.sessions_ended.remove(&id);
    st.wrote(&[id]);
    true
}
