//! API /2 custom attribute definitions: `GET /api/2/users/custom_attributes`
//! → `[{"id","name","shortname"}]`; create, update and delete with
//! `{"user_field": {"name","shortname"}}`.
//!
//! **Choices**: reads need any scope, changes Manage All (they change the
//! account, not a user); create answers 201 and update 200 with the
//! definition, delete 204 (every user's value goes with it); a body without a
//! `user_field` object → 400 "Expected user_field object in request"; a
//! blank `name`/`shortname` on create → 422 "can't be blank"; a shortname
//! other than letters, digits and `_` → 422 "may only contain letters,
//! digits and underscores"; a taken shortname → 422 "has already been
//! taken"; an unknown id → 404 "Custom attribute for id N was not found".

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::auth::Need;
use super::custom_fields::FieldDef;
use super::envelope::Reject;
use super::state::Shared;
use super::tenant::Tenant;
use super::v2_errors::{self as v2, Problem, gate, gate_user, no_content, ok};

fn to_value(f: &FieldDef) -> Value {
    json!({ "id": f.id, "name": f.name, "shortname": f.shortname })
}

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

fn not_found(id: i64) -> Reject {
    v2::error(
        StatusCode::NOT_FOUND,
        format!("Custom attribute for id {id} was not found"),
    )
    .into()
}

/// The `user_field` object of a body.
fn user_field(bytes: &[u8]) -> Result<Map<String, Value>, Reject> {
    match v2::json_body(bytes)?.get("user_field") {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err(v2::bad_request("Expected user_field object in request").into()),
    }
}

/// `name` and `shortname` of a `user_field`; `None` when absent. `id` is the
/// definition being changed (none for a create).
fn names(
    f: &Map<String, Value>,
    tenant: &Tenant,
    id: Option<i64>,
) -> Result<(Option<String>, Option<String>), Reject> {
    let mut problems = Vec::new();
    let mut text = |key: &str| match f.get(key) {
        None | Some(Value::Null) if id.is_some() => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            problems.push(Problem::new(key, "can't be blank"));
            None
        }
        Some(_) => {
            problems.push(Problem::new(key, "must be a string"));
            None
        }
    };
    let name = text("name");
    let shortname = text("shortname");
    if let Some(s) = &shortname {
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            problems.push(Problem::new(
                "shortname",
                "may only contain letters, digits and underscores",
            ));
        } else if tenant
            .fields
            .iter()
            .any(|d| d.shortname == *s && Some(d.id) != id)
        {
            problems.push(Problem::new("shortname", "has already been taken"));
        }
    }
    if problems.is_empty() {
        Ok((name, shortname))
    } else {
        Err(v2::unprocessable(&problems).into())
    }
}

/// `GET /api/2/users/custom_attributes`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let pass = gate(&shared, &headers, Need::Read)?;
        v2::query(&uri, |_| false)?;
        let defs: Vec<Value> = shared.lock().tenant.fields.iter().map(to_value).collect();
        Ok(ok(StatusCode::OK, &Value::Array(defs), &pass))
    })())
}

/// `POST /api/2/users/custom_attributes`: 201 with the definition.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer((|| {
        let pass = gate(&shared, &headers, Need::ManageAll)?;
        v2::query(&uri, |_| false)?;
        let f = user_field(&bytes)?;
        let mut st = shared.lock();
        let (Some(name), Some(shortname)) = names(&f, &st.tenant, None)? else {
            return Err(v2::bad_request("Expected user_field object in request").into());
        };
        let def = st.tenant.define_field(&name, &shortname);
        st.wrote(&[]);
        Ok(ok(StatusCode::CREATED, &to_value(&def), &pass))
    })())
}

/// `PUT /api/2/users/custom_attributes/:id`: 200 with the definition.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    bytes: Bytes,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::ManageAll, &raw_id)?;
        v2::query(&uri, |_| false)?;
        if shared.lock().tenant.field(id).is_none() {
            return Err(not_found(id));
        }
        let f = user_field(&bytes)?;
        let mut st = shared.lock();
        let (name, shortname) = names(&f, &st.tenant, Some(id))?;
        let def = st
            .tenant
            .redefine_field(id, name.as_deref(), shortname.as_deref())
            .ok_or_else(|| not_found(id))?;
        st.wrote(&[]);
        Ok(ok(StatusCode::OK, &to_value(&def), &pass))
    })())
}

/// `DELETE /api/2/users/custom_attributes/:id`: 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::ManageAll, &raw_id)?;
        v2::query(&uri, |_| false)?;
        let mut st = shared.lock();
        let shortname = st
            .tenant
            .field(id)
            .map(|d| d.shortname.clone())
            .ok_or_else(|| not_found(id))?;
        st.tenant.remove_field(&shortname);
        st.wrote(&[]);
        Ok(no_content(&pass))
    })())
}
