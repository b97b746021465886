//! API /1 users: search with paging, get by id, update.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::IdLists;
use super::auth::{Need, authorize, authorize_user};
use super::envelope::Reject;
use super::envelope::{self, Msg};
use super::event_types::Kind;
use super::events::Happened;
use super::paging::PageRequest;
use super::query::{self, IntSet, Pattern};
use super::state::Shared;
use super::tenant::{INT_FIELDS, STATES, STRING_FIELDS, User};

/// Fields `PUT /api/1/users/:id` may change.
const UPDATABLE: [&str; 22] = [
    "company",
    "department",
    "directory_id",
    "distinguished_name",
    "email",
    "external_id",
    "firstname",
    "group_id",
    "invalid_login_attempts",
    "lastname",
    "locale_code",
    "manager_ad_id",
    "manager_user_id",
    "member_of",
    "notes",
    "openid_name",
    "phone",
    "samaccountname",
    "state",
    "title",
    "username",
    "userprincipalname",
];

const UPDATABLE_INTS: [&str; 6] = [
    "directory_id",
    "group_id",
    "invalid_login_attempts",
    "manager_ad_id",
    "manager_user_id",
    "state",
];

/// A user id from the path: an integer, or 400 "ID is incorrect".
pub(crate) fn parse_id(raw: &str) -> Result<i64, Reject> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| envelope::id_incorrect().into())
}

/// One condition of a user search.
#[derive(Debug, Clone)]
enum Cond {
    Str(String, Pattern),
    Int(String, IntSet),
    Role(IntSet),
    Custom(String, Pattern),
    Since(DateTime<Utc>),
    Until(DateTime<Utc>),
}

impl Cond {
    fn matches(&self, u: &User) -> bool {
        match self {
            Cond::Str(f, p) => p.matches(u.str_field(f)),
            Cond::Int(f, s) => {
                let have: Vec<i64> = u.int_field(f).into_iter().collect();
                s.matches_any(&have)
            }
            Cond::Role(s) => s.matches_any(&u.roles()),
            Cond::Custom(f, p) => p.matches(u.custom.get(f).map(String::as_str)),
            Cond::Since(t) => u.created_at() >= *t,
            Cond::Until(t) => u.created_at() <= *t,
        }
    }
}

/// A date in a query: RFC 3339, a naive date-time (UTC) or a date.
pub(crate) fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    // An unencoded `+01:00` arrives as ` 01:00`.
    if let Ok(t) = DateTime::parse_from_rfc3339(&raw.replacen(' ', "+", 1)) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn search(pairs: &[(String, String)], id_lists: IdLists) -> Result<Vec<Cond>, Reject> {
    let mut conds = Vec::new();
    for (k, v) in pairs {
        let key = k.as_str();
        if key == "id" && v.contains(',') {
            match id_lists {
                IdLists::Accept => {}
                IdLists::Refuse => return Err(envelope::id_incorrect().into()),
                IdLists::Ignore => continue,
            }
        }
        if STRING_FIELDS.contains(&key) {
            conds.push(Cond::Str(key.to_string(), Pattern::parse(v)));
        } else if key == "id" || key == "status" || key == "state" || INT_FIELDS.contains(&key) {
            let set = IntSet::parse(v).ok_or_else(|| {
                if key == "id" {
                    envelope::id_incorrect()
                } else {
                    envelope::error(
                        StatusCode::BAD_REQUEST,
                        Msg::attr(key, format!("{key} is incorrect")),
                    )
                }
            })?;
            conds.push(Cond::Int(key.to_string(), set));
        } else if key == "role_id" {
            let set = IntSet::parse(v).ok_or_else(|| {
                envelope::error(
                    StatusCode::BAD_REQUEST,
                    Msg::attr("role_id", "role_id is incorrect"),
                )
            })?;
            conds.push(Cond::Role(set));
        } else if key == "since" || key == "until" {
            let t = parse_date(v).ok_or_else(|| {
                envelope::error(
                    StatusCode::BAD_REQUEST,
                    Msg::attr(key, format!("{key} is not a valid date")),
                )
            })?;
            conds.push(if key == "since" {
                Cond::Since(t)
            } else {
                Cond::Until(t)
            });
        } else if let Some(name) = key.strip_prefix("custom_attributes.") {
            conds.push(Cond::Custom(name.to_string(), Pattern::parse(v)));
        }
        // Anything else (limit, sort, fields, cursors, unknown keys) does not select.
    }
    Ok(conds)
}

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
    let id_lists = shared.lock().id_lists;
    let conds = match search(&pairs, id_lists) {
        Ok(c) => c,
        Err(r) => return r.into(),
    };
    let req = match PageRequest::parse(&pairs) {
        Ok(r) => r,
        Err(r) => return r.into(),
    };
    let fields = query::fields(&pairs);

    let st = shared.lock();
    let mut items: Vec<(i64, &User)> = st
        .tenant
        .users
        .values()
        .filter(|u| conds.iter().all(|c| c.matches(u)))
        .map(|u| (u.id, u))
        .collect();
    req.sort(&mut items);
    let page = req.window(items);
    let pagination = req.pagination(&page, &format!("{}/api/1/users", shared.base_url), &pairs);
    let shortnames = st.tenant.shortnames();
    let data: Vec<Value> = page
        .items
        .iter()
        .map(|(_, u)| query::project(u.to_json(&shortnames), &fields))
        .collect();
    envelope::ok_list(data, pagination, &granted.rate)
}

pub(crate) async fn get(
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
        Some(u) => envelope::ok_data(
            Value::Array(vec![u.to_json(&st.tenant.shortnames())]),
            Some(&granted.rate),
        ),
        None => envelope::user_not_found(id),
    }
}

/// One accepted change of a PUT.
enum Change {
    Str(String, Option<String>),
    Int(String, Option<i64>),
}

fn type_error(field: &str, expected: &str) -> Response {
    envelope::error(
        StatusCode::BAD_REQUEST,
        Msg::attr(
            field,
            format!("{field} has incorrect data type. It should be -> {expected}"),
        ),
    )
}

fn unprocessable(message: &str) -> Response {
    envelope::error(StatusCode::UNPROCESSABLE_ENTITY, Msg::text(message))
}

fn as_int(v: &Value) -> Option<Option<i64>> {
    match v {
        Value::Null => Some(None),
        Value::Number(n) => n.as_i64().map(Some),
        Value::String(s) if s.trim().is_empty() => Some(None),
        Value::String(s) => s.trim().parse::<i64>().ok().map(Some),
        _ => None,
    }
}

fn as_string(v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string())),
        _ => None,
    }
}

/// Checks a PUT body against the user model; the changes, or the error answer.
fn changes(body: &Map<String, Value>) -> Result<Vec<Change>, Reject> {
    for key in body.keys() {
        if !UPDATABLE.contains(&key.as_str()) {
            return Err(envelope::error(
                StatusCode::BAD_REQUEST,
                Msg::attr(
                    key.as_str(),
                    format!("{key} is not a valid attribute for user model"),
                ),
            )
            .into());
        }
    }
    let mut out = Vec::new();
    for (key, value) in body {
        if UPDATABLE_INTS.contains(&key.as_str()) {
            let v = as_int(value).ok_or_else(|| type_error(key, "integer"))?;
            out.push(Change::Int(key.clone(), v));
        } else {
            let v = as_string(value).ok_or_else(|| type_error(key, "string"))?;
            out.push(Change::Str(key.clone(), v));
        }
    }
    Ok(out)
}

pub(crate) async fn update(
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
        return envelope::user_not_found(id);
    }
    if st.tenant.owner_id == Some(id) && granted.scope != super::Scope::ManageAll {
        return envelope::forbidden_user();
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return envelope::json_not_valid();
    };
    let changes = match changes(&body) {
        Ok(c) => c,
        Err(r) => return r.into(),
    };
    for change in &changes {
        let problem = match change {
            Change::Int(f, v) if f == "state" && !v.is_some_and(|s| STATES.contains(&s)) => {
                Some("Validation failed: State is not included in the list")
            }
            Change::Int(f, Some(g)) if f == "group_id" && !st.tenant.has_group(*g) => {
                Some("Validation failed: Group does not exist")
            }
            Change::Str(f, Some(v))
                if (f == "email" || f == "username") && st.tenant.taken(f, v, id) =>
            {
                Some("Validation failed: Value has already been taken")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            return unprocessable(problem);
        }
    }
    let fields = st.tenant.shortnames();
    let Some(user) = st.tenant.users.get_mut(&id) else {
        return envelope::user_not_found(id);
    };
    let before = user.clone();
    let mut named: Vec<String> = Vec::new();
    for change in changes {
        match change {
            Change::Int(f, v) if f == "state" => {
                user.state = v.unwrap_or(user.state);
                named.push(f);
            }
            Change::Int(f, v) => {
                user.set_int(&f, v);
                named.push(f);
            }
            Change::Str(f, v) => {
                user.set_str(&f, v.as_deref());
                named.push(f);
            }
        }
    }
    if *user != before {
        user.touch();
    }
    let json = user.to_json(&fields);
    st.record(Happened::by(granted.client, Kind::Updated, id).notes(named.join(", ")));
    st.wrote(&[id]);
    envelope::ok_data(Value::Array(vec![json]), Some(&granted.rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_queries() {
        let want = "2016-01-21T09:20:15.990Z";
        for raw in [
            "2016-01-21T09:20:15.990Z",
            "2016-01-21T10:20:15.990+01:00",
            "2016-01-21T10:20:15.990 01:00",
            "2016-01-21T09:20:15.990",
        ] {
            let t = parse_date(raw).unwrap();
            assert_eq!(super::super::tenant::format_time(&t), want, "{raw}");
        }
        assert!(parse_date("2016-01-21").is_some());
        assert!(parse_date("yesterday").is_none());
    }
}
