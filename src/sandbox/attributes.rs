//! Custom attribute fields and `set_custom_attributes` (seed 000).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::auth::{Need, authorize, authorize_user};
use super::envelope::{self, Msg, Order};
use super::event_types::Kind;
use super::events::Happened;
use super::state::Shared;

/// `GET /api/1/users/custom_attributes` → `data: [["AWS_Role","skype",...]]`.
pub(crate) async fn fields(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let granted = match authorize(&shared, &headers, Need::Read) {
        Ok(g) => g,
        Err(r) => return r.into(),
    };
    let fields = shared.lock().tenant.shortnames();
    envelope::ok_data(
        Value::Array(vec![Value::Array(
            fields.into_iter().map(Value::String).collect(),
        )]),
        Some(&granted.rate),
    )
}

/// The seed's errors are printed with their keys in alphabetical order.
fn seed_error(message: String) -> Response {
    envelope::error_ordered(
        StatusCode::BAD_REQUEST,
        Msg::Text(message),
        Order::Alphabetical,
    )
}

/// `[AWS_Role skype messenger ]`: each name followed by a space.
pub(crate) fn field_list(fields: &[String]) -> String {
    let mut s = String::from("[");
    for f in fields {
        s.push_str(f);
        s.push(' ');
    }
    s.push(']');
    s
}

/// `PUT /api/1/users/:id/set_custom_attributes`.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (granted, id) = match authorize_user(&shared, &headers, Need::ManageUsers, &raw_id) {
        Ok(gate) => gate,
        Err(r) => return r.into(),
    };
    let mut st = shared.lock();
    if !st.tenant.users.contains_key(&id) {
        return envelope::error_ordered(
            StatusCode::NOT_FOUND,
            Msg::Text(format!("User for id {id} was not found")),
            Order::Alphabetical,
        );
    }
    if st.tenant.owner_id == Some(id) && granted.scope != super::Scope::ManageAll {
        return envelope::forbidden_user();
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return seed_error("Input JSON is not valid".into());
    };
    let attrs = match body.get("custom_attributes") {
        None | Some(Value::Null) => return seed_error("custom_attributes is empty".into()),
        Some(Value::Object(m)) if m.is_empty() => {
            return seed_error("custom_attributes is empty".into());
        }
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return seed_error("Input JSON is not valid".into()),
    };
    let mut updates: Vec<(String, Option<String>)> = Vec::new();
    for (name, value) in &attrs {
        if !st.tenant.has_field(name) {
            return seed_error(format!(
                "input custom_attributes is not valid. Valid custom_attributes -> {}",
                field_list(&st.tenant.shortnames())
            ));
        }
        let v = match value {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => return seed_error("Input JSON is not valid".into()),
        };
        updates.push((name.clone(), v));
    }
    let Some(user) = st.tenant.users.get_mut(&id) else {
        return envelope::user_not_found(id);
    };
    let before = user.custom.clone();
    let named: Vec<String> = updates
        .iter()
        .map(|(name, _)| format!("custom_attributes.{name}"))
        .collect();
    for (name, v) in updates {
        match v {
            Some(v) => user.custom.insert(name, v),
            None => user.custom.remove(&name),
        };
    }
    if user.custom != before {
        user.touch();
    }
    st.record(Happened::by(granted.client, Kind::Updated, id).notes(named.join(", ")));
    st.wrote(&[id]);
    envelope::ok_status(Order::Alphabetical, Some(&granted.rate))
}
