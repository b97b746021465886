//! The deprecated v3 XML API (seed 001): `PUT` and `GET /api/v3/users/{id}.xml`
//! over basic auth `<api_key>:x`; errors are OneLogin's HTML error page.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;

use super::envelope::Reject;
use super::event_types::Kind;
use super::events::{Happened, role_changes};
use super::query;
use super::state::Shared;
use super::tenant::{INT_FIELDS, STATUSES, STRING_FIELDS, TIME_FIELDS, User, format_time};
use super::xml::{self, Element};

/// String fields a v3 update may set (underscored, as the user model names them).
const V3_STRINGS: [&str; 14] = [
    "company",
    "department",
    "distinguished_name",
    "email",
    "external_id",
    "firstname",
    "lastname",
    "member_of",
    "openid_name",
    "phone",
    "samaccountname",
    "title",
    "username",
    "userprincipalname",
];
/// Integer fields a v3 update may set.
const V3_INTS: [&str; 4] = [
    "directory_id",
    "group_id",
    "invalid_login_attempts",
    "status",
];

const CUSTOM_PREFIX: &str = "custom_attribute_";

/// OneLogin's HTML error page, as the seed shows it, around `title`/`message`.
pub(crate) fn error_page(code: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>
<html lang='en' xml:lang='en' xmlns='http://www.w3.org/1999/xhtml'>
    <head>
        <meta content='text/html; charset=utf-8' http-equiv='Content-Type'>
            <link href=\"/assets/application-0373b4078442527cc69b75ecc666d7b9.css\" 
             media=\"screen\" 
             rel=\"stylesheet\" type=\"text/css\" />
            <script src=\"/assets/login-92e9ee5d1d9afbcc0868943aee337938.js\" 
             type=\"text/javascript\"></script>
            <title>OneLogin</title>
    </head>
    <body class='error-layout'>
        <input id='app_revision' type='hidden' value='5bfacb24a1cbfeb3359282dc5b8d2b2a'>
        <div class='box'>
            <img alt=\"Onelogin_logo\" src=\"/images/client/onelogin_logo.png\" />
            <div>
                <error>
                    <title>{}</title>
                    <message>{}</message>
                </error>
            </div>
        </div>
    </body>
</html>
",
        xml::escape_text(title),
        xml::escape_text(message)
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp
}

fn invalid(code: StatusCode, message: &str) -> Response {
    error_page(code, "Invalid Request", message)
}

fn reject(code: StatusCode, message: &str) -> Reject {
    invalid(code, message).into()
}

fn not_found(raw_id: &str) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Record Not Found",
        &format!("No user found by id '{raw_id}'"),
    )
}

/// Basic auth: the user name is the API key (the password is conventionally `x`).
fn check_key(shared: &Shared, headers: &HeaderMap) -> Result<(), Reject> {
    let unauthorized = || {
        let mut r = error_page(
            StatusCode::UNAUTHORIZED,
            "Unauthorized Access",
            "You must provide a valid API key as the user name of HTTP basic authentication",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"OneLogin API\""),
        );
        r
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .ok_or_else(unauthorized)?;
    let encoded = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("basic "))
        .map(|_| value[6..].trim())
        .ok_or_else(unauthorized)?;
    let decoded = STANDARD.decode(encoded).map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let key = text.split_once(':').map_or(text.as_str(), |(k, _)| k);
    if key.is_empty() || key != shared.lock().api_key {
        return Err(unauthorized().into());
    }
    Ok(())
}

/// `123.xml` → `123`.
fn strip_xml(file: &str) -> &str {
    file.strip_suffix(".xml").unwrap_or(file)
}

/// One change a v3 update asks for.
#[derive(Debug)]
enum Change {
    Str(&'static str, String),
    Int(&'static str, Option<i64>),
    Roles(Vec<i64>),
    Custom(String, Option<String>),
}

fn field_name(element: &str) -> String {
    element.replace('-', "_")
}

/// Reads the `<user>` body into changes, checked against the tenant.
fn changes(root: &Element, shared: &Shared, id: i64) -> Result<Vec<Change>, Reject> {
    if root.name != "user" {
        return Err(reject(
            StatusCode::BAD_REQUEST,
            &format!("The root element must be <user>, not <{}>", root.name),
        ));
    }
    let st = shared.lock();
    let mut out = Vec::new();
    for el in &root.children {
        if let Some(name) = el.name.strip_prefix(CUSTOM_PREFIX) {
            if !st.tenant.has_field(name) {
                return Err(reject(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("Validation failed: Custom attribute {name} does not exist"),
                ));
            }
            let v = el.text.trim();
            let v = (!el.is_nil() && !v.is_empty()).then(|| v.to_string());
            out.push(Change::Custom(name.to_string(), v));
            continue;
        }
        if el.name == "roles" {
            let mut roles = Vec::new();
            for r in &el.children {
                let rid = r
                    .text
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|rid| st.tenant.has_role(*rid));
                match rid {
                    Some(rid) if r.name == "role" => {
                        if !roles.contains(&rid) {
                            roles.push(rid);
                        }
                    }
                    _ => {
                        return Err(reject(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "Validation failed: Role does not exist",
                        ));
                    }
                }
            }
            roles.sort_unstable();
            out.push(Change::Roles(roles));
            continue;
        }
        let name = field_name(&el.name);
        if let Some(f) = V3_STRINGS.iter().find(|f| **f == name) {
            let value = if el.is_nil() {
                String::new()
            } else {
                el.text.clone()
            };
            if (*f == "email" || *f == "username") && st.tenant.taken(f, &value, id) {
                let label = if *f == "email" { "Email" } else { "Username" };
                return Err(reject(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("Validation failed: {label} has already been taken"),
                ));
            }
            out.push(Change::Str(f, value));
        } else if let Some(f) = V3_INTS.iter().find(|f| **f == name) {
            let raw = el.text.trim();
            let parsed = if el.is_nil() || raw.is_empty() {
                Ok(None)
            } else {
                raw.parse::<i64>().map(Some)
            };
            match (*f, parsed) {
                ("status", Ok(Some(s))) if STATUSES.contains(&s) => {
                    out.push(Change::Int(f, Some(s)));
                }
                ("status", _) => {
                    return Err(reject(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Validation failed: Status is not included in the list",
                    ));
                }
                ("group_id", Ok(None)) => out.push(Change::Int(f, None)),
                ("group_id", Ok(Some(g))) if st.tenant.has_group(g) => {
                    out.push(Change::Int(f, Some(g)));
                }
                ("group_id", _) => {
                    return Err(reject(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Validation failed: Group does not exist",
                    ));
                }
                (_, Ok(v)) => out.push(Change::Int(f, v)),
                (_, Err(_)) => {
                    return Err(reject(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("Validation failed: {} is not a number", el.name),
                    ));
                }
            }
        } else {
            return Err(reject(
                StatusCode::BAD_REQUEST,
                &format!("unknown attribute: {}", el.name),
            ));
        }
    }
    Ok(out)
}

/// `PUT /api/v3/users/{id}.xml`: 200 with no body.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_key(&shared, &headers) {
        return r.into();
    }
    let raw_id = strip_xml(&file);
    let Ok(text) = std::str::from_utf8(&body) else {
        return invalid(
            StatusCode::BAD_REQUEST,
            "The request body is not valid UTF-8",
        );
    };
    let root = match xml::parse(text) {
        Ok(r) => r,
        Err(e) => return invalid(StatusCode::BAD_REQUEST, &format!("Malformed XML: {e}")),
    };
    let Ok(id) = raw_id.parse::<i64>() else {
        return not_found(raw_id);
    };
    if !shared.lock().tenant.users.contains_key(&id) {
        return not_found(raw_id);
    }
    let changes = match changes(&root, &shared, id) {
        Ok(c) => c,
        Err(r) => return r.into(),
    };
    let mut st = shared.lock();
    st.settle_locks(Utc::now());
    let Some(user) = st.tenant.users.get_mut(&id) else {
        return not_found(raw_id);
    };
    let before = user.clone();
    for change in changes {
        match change {
            Change::Str(f, v) => user.set_str(f, Some(&v)),
            Change::Int("status", v) => user.status = v.unwrap_or(user.status),
            Change::Int(f, v) => user.set_int(f, v),
            Change::Roles(r) => user.role_id = Some(r),
            Change::Custom(name, Some(v)) => {
                user.custom.insert(name, v);
            }
            Change::Custom(name, None) => {
                user.custom.remove(&name);
            }
        }
    }
    if *user != before {
        user.touch();
    }
    let (added, removed) = role_changes(&before.roles(), &user.roles());
    // The API key is no OAuth credential: these events carry no client_id.
    st.record(Happened::by_system("API", Kind::Updated, id));
    for r in added {
        st.record(Happened::by_system("API", Kind::RoleAssigned, id).role(r));
    }
    for r in removed {
        st.record(Happened::by_system("API", Kind::RoleRemoved, id).role(r));
    }
    st.wrote(&[id]);
    Response::new(Body::empty())
}

fn element(out: &mut String, name: &str, kind: Option<&str>, value: Option<String>) {
    let name = name.replace('_', "-");
    let ty = kind.map(|k| format!(" type=\"{k}\"")).unwrap_or_default();
    match value {
        Some(v) => out.push_str(&format!("  <{name}{ty}>{}</{name}>\n", xml::escape(&v))),
        None => out.push_str(&format!("  <{name}{ty} nil=\"true\"/>\n")),
    }
}

/// A user as v3 renders it.
fn render(u: &User, fields: &[String], with_custom: bool) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<user>\n");
    element(&mut out, "id", Some("integer"), Some(u.id.to_string()));
    for f in STRING_FIELDS {
        element(&mut out, f, None, u.str_field(f).map(str::to_string));
    }
    element(
        &mut out,
        "status",
        Some("integer"),
        Some(u.status.to_string()),
    );
    element(
        &mut out,
        "state",
        Some("integer"),
        Some(u.state.to_string()),
    );
    for f in INT_FIELDS {
        element(
            &mut out,
            f,
            Some("integer"),
            u.int_field(f).map(|v| v.to_string()),
        );
    }
    for f in TIME_FIELDS {
        element(
            &mut out,
            f,
            Some("datetime"),
            u.time(f).as_ref().map(format_time),
        );
    }
    out.push_str("  <roles type='array'>\n");
    for r in u.roles() {
        out.push_str(&format!("    <role>{r}</role>\n"));
    }
    out.push_str("  </roles>\n");
    if with_custom {
        for f in fields {
            let tag = format!("{CUSTOM_PREFIX}{f}");
            match u.custom.get(f) {
                Some(v) => out.push_str(&format!("  <{tag}>{}</{tag}>\n", xml::escape(v))),
                None => out.push_str(&format!("  <{tag} nil=\"true\"/>\n")),
            }
        }
    }
    out.push_str("</user>\n");
    out
}

/// `GET /api/v3/users/{id}.xml[?include_custom_attributes=true]`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Err(r) = check_key(&shared, &headers) {
        return r.into();
    }
    let raw_id = strip_xml(&file);
    let Ok(id) = raw_id.parse::<i64>() else {
        return not_found(raw_id);
    };
    let with_custom = query::pairs(&uri)
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "include_custom_attributes" && v.eq_ignore_ascii_case("true"));
    let mut st = shared.lock();
    st.settle_locks(Utc::now());
    let Some(user) = st.tenant.users.get(&id) else {
        return not_found(raw_id);
    };
    let mut resp = Response::new(Body::from(render(
        user,
        &st.tenant.shortnames(),
        with_custom,
    )));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    resp
}
