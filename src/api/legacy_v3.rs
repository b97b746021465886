//! The deprecated v3 XML API (seed 001): update a user with an XML `<user>`
//! over basic auth `api_key:x`, read one back. Errors arrive as HTML pages
//! holding `<error><title/><message/></error>`.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event};
use reqwest::Method;

use reqwest::header::HeaderMap;

use super::client::{Auth, Client, Request, XML};

use super::envelope::{ApiError, ErrorKind, rate_limited, unexpected_body};

mod error_page;
use error_page::parse_v3_error;

/// The `<user>` elements v3 updates, as the seed names them.
pub const V3_ELEMENTS: &[&str] = &[
    "company",
    "department",
    "directory-id",
    "distinguished-name",
    "email",
    "external-id",
    "firstname",
    "group-id",
    "invalid-login-attempts",
    "lastname",
    "member-of",
    "openid-name",
    "phone",
    "samaccountname",
    "status",
    "title",
    "username",
    "userprincipalname",
];

const CUSTOM_PREFIX: &str = "custom_attribute_";

pub const NO_API_KEY: &str = "no v3 API key: set ONELOGIN_API_KEY or api_key in the profile";

/// A v3 user update: fields, optionally the full role list, custom attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct V3UserUpdate {
    /// (name as given, value); names are checked and hyphenated by `to_xml`.
    fields: Vec<(String, String)>,
    roles: Option<Vec<i64>>,
    custom_attributes: Vec<(String, String)>,
}

/// `group_id` / `group-id` → `group-id`.
fn element_name(field: &str) -> String {
    field.trim().replace('_', "-")
}

/// A custom attribute shortname usable in `custom_attribute_<name>`: XML name
/// characters only, no namespace colon.
fn valid_shortname(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Characters XML 1.0 cannot carry at all (even escaped).
fn xml_safe(value: &str) -> bool {
    value
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

impl V3UserUpdate {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a field by v3 element name or /1 field name (`group_id` or
    /// `group-id`). `custom_attributes.X` and `custom_attribute_X` set custom
    /// attribute `X`. Later values replace earlier ones.
    pub fn set(&mut self, field: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        if let Some(name) = field
            .strip_prefix("custom_attributes.")
            .or_else(|| field.strip_prefix(CUSTOM_PREFIX))
        {
            return self.custom_attribute(name, value);
        }
        let key = element_name(field);
        match self.fields.iter_mut().find(|(k, _)| element_name(k) == key) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((field.to_string(), value)),
        }
        self
    }

    /// Builder form of [`set`](Self::set).
    pub fn with(mut self, field: &str, value: impl Into<String>) -> Self {
        self.set(field, value);
        self
    }

    /// Send `<roles type='array'>` with exactly these role ids.
    pub fn roles(&mut self, role_ids: &[i64]) -> &mut Self {
        self.roles = Some(role_ids.to_vec());
        self
    }

    /// Set custom attribute `name` (its shortname).
    pub fn custom_attribute(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.custom_attributes.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.custom_attributes.push((name.to_string(), value)),
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.roles.is_none() && self.custom_attributes.is_empty()
    }

    /// Check every name and value, then write the `<user>` body. Values are
    /// escaped (`< > & " '`) by quick-xml.
    pub fn to_xml(&self) -> Result<String, String> {
        if self.is_empty() {
            return Err("the v3 update is empty: set at least one field".into());
        }
        let mut elements = Vec::with_capacity(self.fields.len());
        for (field, value) in &self.fields {
            let name = element_name(field);
            if !V3_ELEMENTS.contains(&name.as_str()) {
                return Err(format!(
                    "`{field}` is not a field the v3 API updates; valid: {}",
                    V3_ELEMENTS.join(", ")
                ));
            }
            if !xml_safe(value) {
                return Err(format!(
                    "the value of `{field}` holds a control character XML cannot carry"
                ));
            }
            elements.push((name, value));
        }
        for (name, value) in &self.custom_attributes {
            if !valid_shortname(name) {
                return Err(format!(
                    "custom attribute `{name}` cannot be sent as an XML element name (letters, digits, `_`, `-`, `.` only)"
                ));
            }
            if !xml_safe(value) {
                return Err(format!(
                    "the value of custom attribute `{name}` holds a control character XML cannot carry"
                ));
            }
        }

        let mut w = Writer::new(Vec::new());
        let io = |e: std::io::Error| format!("cannot write XML: {e}");
        w.write_event(Event::Start(BytesStart::new("user")))
            .map_err(io)?;
        for (name, value) in elements {
            w.create_element(name.as_str())
                .write_text_content(BytesText::new(value))
                .map_err(io)?;
        }
        if let Some(roles) = &self.roles {
            // Written as the seed writes it: single-quoted attribute.
            w.write_event(Event::Start(BytesStart::from_content(
                "roles type='array'",
                5,
            )))
            .map_err(io)?;
            for id in roles {
                w.create_element("role")
                    .write_text_content(BytesText::new(&id.to_string()))
                    .map_err(io)?;
            }
            w.write_event(Event::End(BytesEnd::new("roles")))
                .map_err(io)?;
        }
        for (name, value) in &self.custom_attributes {
            w.create_element(format!("{CUSTOM_PREFIX}{name}").as_str())
                .write_text_content(BytesText::new(value))
                .map_err(io)?;
        }
        w.write_event(Event::End(BytesEnd::new("user")))
            .map_err(io)?;
        String::from_utf8(w.into_inner()).map_err(|e| format!("cannot write XML: {e}"))
    }
}

/// A user as v3 XML returns it. Element names are kept as sent (hyphenated);
/// `nil="true"` elements are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct V3User {
    pub fields: BTreeMap<String, Option<String>>,
    pub roles: Vec<i64>,
    pub custom_attributes: BTreeMap<String, Option<String>>,
}

impl V3User {
    /// A field by element name or /1 name (`group_id` finds `group-id`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .or_else(|| self.fields.get(&element_name(name)))
            .and_then(|v| v.as_deref())
    }

    pub fn id(&self) -> Option<i64> {
        self.field("id").and_then(|s| s.trim().parse().ok())
    }
}

fn is_nil(e: &BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| {
        a.key.as_ref() == b"nil" || a.key.as_ref().ends_with(b":nil")
    } && a.value.as_ref() == b"true")
}

/// The value of an empty element (`<title/>`): none when marked nil, else the empty text.
fn empty_value(e: &BytesStart<'_>) -> Option<String> {
    if is_nil(e) { None } else { Some(String::new()) }
}

fn name_of(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// Text of the element just opened, up to its end (nested elements' text included).
fn read_text(reader: &mut Reader<&[u8]>) -> Result<String, String> {
    let mut out = String::new();
    let mut depth = 0usize;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Text(t) => out.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::CData(t) => out.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => out.push_str(&reference_text(&r)),
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(out),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err("the XML ends inside an element".into()),
            _ => {}
        }
    }
}

/// What one `&…;` stands for: character references and the five XML entities through
/// quick-xml, and `&nbsp;` (error pages are HTML). Anything else is kept as written.
fn reference_text(r: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.decode().map(|n| n.into_owned()).unwrap_or_default();
    match resolve_xml_entity(&name) {
        Some(text) => text.to_string(),
        None if name == "nbsp" => "\u{a0}".to_string(),
        None => format!("&{name};"),
    }
}

/// Read one child element (start already consumed) as a value.
fn read_value(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart<'_>,
) -> Result<Option<String>, String> {
    let text = read_text(reader)?;
    Ok(if is_nil(start) { None } else { Some(text) })
}

/// Parse a v3 `<user>` document.
pub fn parse_v3_user(xml: &str) -> Result<V3User, String> {
    let mut reader = Reader::from_str(xml);
    let mut user = V3User::default();
    // Find <user>.
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) if e.name().as_ref() == b"user" => break,
            Event::Empty(e) if e.name().as_ref() == b"user" => return Ok(user),
            Event::Eof => return Err("no <user> element in the answer".into()),
            _ => {}
        }
    }
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = name_of(&e);
                match name.as_str() {
                    "roles" | "role-ids" | "role_ids" => user.roles = read_roles(&mut reader)?,
                    "custom-attributes" | "custom_attributes" => {
                        read_custom_container(&mut reader, &mut user)?;
                    }
                    _ => {
                        let value = read_value(&mut reader, &e)?;
                        match name.strip_prefix(CUSTOM_PREFIX) {
                            Some(attr) => {
                                user.custom_attributes.insert(attr.to_string(), value);
                            }
                            None => {
                                user.fields.insert(name, value);
                            }
                        }
                    }
                }
            }
            Event::Empty(e) => {
                let name = name_of(&e);
                let value = empty_value(&e);
                match name.strip_prefix(CUSTOM_PREFIX) {
                    Some(attr) => {
                        user.custom_attributes.insert(attr.to_string(), value);
                    }
                    None if matches!(
                        name.as_str(),
                        "roles" | "custom-attributes" | "custom_attributes"
                    ) => {}
                    None => {
                        user.fields.insert(name, value);
                    }
                }
            }
            Event::End(_) => return Ok(user),
            Event::Eof => return Err("the XML ends inside <user>".into()),
            _ => {}
        }
    }
}

fn read_roles(reader: &mut Reader<&[u8]>) -> Result<Vec<i64>, String> {
    let mut roles = Vec::new();
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(_) => {
                let text = read_text(reader)?;
                let id = text
                    .trim()
                    .parse()
                    .map_err(|_| format!("role `{}` is not an id", text.trim()))?;
                roles.push(id);
            }
            Event::End(_) => return Ok(roles),
            Event::Eof => return Err("the XML ends inside <roles>".into()),
            _ => {}
        }
    }
}

fn read_custom_container(reader: &mut Reader<&[u8]>, user: &mut V3User) -> Result<(), String> {
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => {
                let name = name_of(&e);
                let value = read_value(reader, &e)?;
                let attr = name
                    .strip_prefix(CUSTOM_PREFIX)
                    .unwrap_or(&name)
                    .to_string();
                user.custom_attributes.insert(attr, value);
            }
            Event::Empty(e) => {
                let name = name_of(&e);
                let value = empty_value(&e);
                let attr = name
                    .strip_prefix(CUSTOM_PREFIX)
                    .unwrap_or(&name)
                    .to_string();
                user.custom_attributes.insert(attr, value);
            }
            Event::End(_) => return Ok(()),
            Event::Eof => return Err("the XML ends inside <custom-attributes>".into()),
            _ => {}
        }
    }
}

/// Any v3 answer that is not a success, as an error; `Ok` for a 2xx.
pub(crate) fn v3_answer(status: u16, headers: &HeaderMap, body: &str) -> Result<(), ErrorKind> {
    if (200..300).contains(&status) {
        // A 200 carrying an error page is still an error.
        return match parse_v3_error(status, body) {
            Some(kind) => Err(kind),
            None => Ok(()),
        };
    }
    if status == 429 {
        return Err(rate_limited(status, headers, body));
    }
    Err(parse_v3_error(status, body).unwrap_or_else(|| unexpected_body(status, headers, body)))
}

/// A v3 answer to `GET …/users/{id}.xml`: the user, or why there is none (an error page,
/// a body that is no `<user>` at all, or a `<user>` the reader cannot follow).
pub(crate) fn v3_user_answer(
    status: u16,
    headers: &HeaderMap,
    body: &str,
) -> Result<V3User, ErrorKind> {
    v3_answer(status, headers, body)?;
    parse_v3_user(body).map_err(|m| {
        if body.trim().is_empty() || !body.contains("<user") {
            unexpected_body(status, headers, body)
        } else {
            ErrorKind::Decode {
                http_status: status,
                message: m,
            }
        }
    })
}

impl Client {
    fn v3_request(&self, method: Method, path_and_query: &str) -> Result<Request, ApiError> {
        let mut req = Request::new(method, Client::url_on(self.v3_base_url(), path_and_query)?);
        req.accept = XML;
        Ok(req)
    }

    /// `PUT {v3}/api/v3/users/{id}.xml` with the update as `<user>` XML.
    pub async fn update_user_v3(&self, id: i64, update: &V3UserUpdate) -> Result<(), ApiError> {
        let mut req = self.v3_request(Method::PUT, &format!("/api/v3/users/{id}.xml"))?;
        let key = self
            .config()
            .api_key
            .clone()
            .ok_or_else(|| req.error(ErrorKind::Config(NO_API_KEY.into())))?;
        // Refuse bad names and values before anything is sent.
        let xml = update
            .to_xml()
            .map_err(|m| req.error(ErrorKind::Config(m)))?;
        req.body = Some(xml);
        req.content_type = Some(XML);
        let resp = self.execute(&req, Auth::ApiKey(&key)).await?;
        v3_answer(resp.status, &resp.headers, &resp.body).map_err(|kind| req.error(kind))
    }

    /// `GET {v3}/api/v3/users/{id}.xml?include_custom_attributes=true`.
    pub async fn get_user_v3(&self, id: i64) -> Result<V3User, ApiError> {
        let req = self.v3_request(
            Method::GET,
            &format!("/api/v3/users/{id}.xml?include_custom_attributes=true"),
        )?;
        let key = self
            .config()
            .api_key
            .clone()
            .ok_or_else(|| req.error(ErrorKind::Config(NO_API_KEY.into())))?;
        let resp = self.execute(&req, Auth::ApiKey(&key)).await?;
        v3_user_answer(resp.status, &resp.headers, &resp.body).map_err(|kind| req.error(kind))
    }
}

#[cfg(test)]
#[path = "legacy_v3_tests.rs"]
mod tests;
