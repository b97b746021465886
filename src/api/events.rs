//! The audit trail on API /1: `GET /api/1/events` (filters, cursor pages) and the event
//! types, whose names are read from `GET /api/1/events/types`, never written here.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use futures::stream::BoxStream;
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::client::{Client, Request};
use super::envelope::{ApiError, lenient_int};
use super::page::{Page, Params, cursors, data_list, every_page, path_with_query};
use super::roles::{de_id, de_text};
use super::users::{MAX_LIMIT, SortOrder, de_int, de_string};

const EVENTS: &str = "/api/1/events";

/// One event as `GET /api/1/events` lists it. Every key the contract names has a field;
/// all but `id` may be absent or null, ids may arrive as numbers or numeric strings, and
/// keys the contract does not name are kept in `extra`, so [`Event::to_map`] shows the
/// whole event. **Choice** (the documents call the ids integers): an id that is no
/// integer at all reads as absent rather than failing the page. `event_type_id` is 0
/// when the server sent none (e.g. `fields=` left it out).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Event {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    /// As the server sent it (UTC ISO-8601 with milliseconds); see [`Event::created_at_utc`].
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub account_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub user_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub user_name: Option<String>,
    #[serde(default, deserialize_with = "de_type_id")]
    pub event_type_id: i64,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub notes: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub ipaddr: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub actor_user_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub actor_user_name: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub assuming_acting_user_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub role_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub role_name: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub app_id: Option<i64>,
    /// Also read from `app-name`, as the event resource page spells it once.
    #[serde(
        default,
        alias = "app-name",
        deserialize_with = "de_string",
        skip_serializing_if = "none"
    )]
    pub app_name: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub group_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub group_name: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub otp_device_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub otp_device_name: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub policy_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub policy_name: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub actor_system: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub custom_message: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub directory_sync_run_id: Option<i64>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub directory_id: Option<i64>,
    /// Text: the documents do not say whether it is a number or a word.
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub resolution: Option<String>,
    /// The OAuth client id of the credential whose call made the event.
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub resource_type_id: Option<i64>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub error_description: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub proxy_ip: Option<String>,
    #[serde(default, deserialize_with = "de_int", skip_serializing_if = "none")]
    pub risk_score: Option<i64>,
    /// As text (a list arrives in its JSON form).
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub risk_reasons: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub risk_cookie_id: Option<String>,
    #[serde(default, deserialize_with = "de_string", skip_serializing_if = "none")]
    pub browser_fingerprint: Option<String>,
    /// Keys the contract does not name, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn none<T>(v: &Option<T>) -> bool {
    v.is_none()
}

fn de_type_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(lenient_int(&Value::deserialize(d)?).unwrap_or(0))
}

impl Event {
    /// `created_at` as a time, when it reads as one (RFC 3339, or ISO-8601 without a
    /// zone, taken as UTC as the documents say every event time is).
    pub fn created_at_utc(&self) -> Option<DateTime<Utc>> {
        self.created_at.as_deref().and_then(parse_utc)
    }

    /// Every field the event has, in the contract's order, then the keys it does not
    /// name: what "show the whole event" shows. Absent and null fields are left out.
    pub fn to_map(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

/// A UTC time from RFC 3339 (`2016-01-21T09:20:15.990Z`, any offset), or from ISO-8601
/// without a zone (`T` or a space between date and time), taken as UTC.
pub(crate) fn parse_utc(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
}

/// One kind of event: `GET /api/1/events/types`. Names and descriptions are the
/// server's; the console shows them rather than a table of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventType {
    #[serde(deserialize_with = "de_id")]
    pub id: i64,
    #[serde(default, deserialize_with = "de_text")]
    pub name: String,
    #[serde(default, deserialize_with = "de_string")]
    pub description: Option<String>,
}

/// Query parameters of `GET /api/1/events`, in the order they were set; setting one
/// again replaces its value. There is no way to set `page`: the events list refuses it
/// (pages go by cursor, given to [`Client::list_events_page`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventQuery {
    params: Params,
}

impl EventQuery {
    pub fn new() -> Self {
        Self::default()
    }

    /// Events created after this time (`2024-05-01T00:00:00.000Z`: RFC 3339 / ISO-8601
    /// text, sent as given).
    pub fn since(self, time: impl fmt::Display) -> Self {
        self.param("since", time.to_string())
    }

    /// Events created before this time (text, sent as given).
    pub fn until(self, time: impl fmt::Display) -> Self {
        self.param("until", time.to_string())
    }

    /// [`since`](Self::since) from a time, written as the API writes its own
    /// (UTC, milliseconds, `Z`).
    pub fn since_time(self, time: DateTime<Utc>) -> Self {
        self.since(time.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// [`until`](Self::until) from a time.
    pub fn until_time(self, time: DateTime<Utc>) -> Self {
        self.until(time.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// `event_type_id=8,13`: events of any of these types (a comma list is documented
    /// for this filter). No ids: no filter.
    pub fn event_type_ids(mut self, ids: &[i64]) -> Self {
        if ids.is_empty() {
            self.params.remove("event_type_id");
            return self;
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>();
        self.param("event_type_id", list.join(","))
    }

    /// Events about this user.
    pub fn user_id(self, id: i64) -> Self {
        self.param("user_id", id.to_string())
    }

    /// Events made through the credential with this OAuth client id.
    pub fn client_id(self, client_id: impl fmt::Display) -> Self {
        self.param("client_id", client_id.to_string())
    }

    pub fn directory_id(self, id: i64) -> Self {
        self.param("directory_id", id.to_string())
    }

    /// The one event with this id.
    pub fn id(self, id: i64) -> Self {
        self.param("id", id.to_string())
    }

    pub fn resolution(self, resolution: impl fmt::Display) -> Self {
        self.param("resolution", resolution.to_string())
    }

    /// Page size, clamped to 1..=50 (the documented most).
    pub fn limit(self, n: u32) -> Self {
        self.param("limit", n.clamp(1, MAX_LIMIT).to_string())
    }

    /// `sort=+id` (oldest first) or `-id` (newest first).
    pub fn sort(self, order: SortOrder) -> Self {
        self.param("sort", order.as_param().to_string())
    }

    /// Only these fields. `id` and `event_type_id` are added when missing: an event is
    /// read by its id, and its type is what a list shows of it.
    pub fn fields(self, fields: &[&str]) -> Self {
        let mut list: Vec<&str> = fields.to_vec();
        for needed in ["event_type_id", "id"] {
            if !list.contains(&needed) {
                list.insert(0, needed);
            }
        }
        self.param("fields", list.join(","))
    }

    fn param(mut self, key: &str, value: String) -> Self {
        self.params.set(key, value);
        self
    }

    /// The value of a parameter, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key)
    }

    pub fn pairs(&self) -> &[(String, String)] {
        self.params.pairs()
    }

    pub fn is_empty(&self) -> bool {
        self.params.pairs().is_empty()
    }

    /// The pairs as sent: the parameters, then the cursor.
    fn wire_pairs<'a>(
        &'a self,
        after_cursor: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.params
            .pairs()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(after_cursor.map(|c| ("after_cursor", c)))
    }
}

impl Client {
    /// One page of events (at most 50): the first of `query`, or the one after `after_cursor`
    /// (sent beside the filters, as on every /1 list).
    pub async fn list_events_page(
        &self,
        query: &EventQuery,
        after_cursor: Option<&str>,
    ) -> Result<Page<Event>, ApiError> {
        let path = path_with_query(EVENTS, query.wire_pairs(after_cursor));
        let req = Request::new(Method::GET, self.url(&path)?);
        let v = self.call(&req).await?;
        let items = data_list::<Event>(&v, &req, "event")?;
        let (after_cursor, before_cursor) = cursors(&v);
        Ok(Page {
            items,
            after_cursor,
            before_cursor,
        })
    }

    /// Every page of `query`, following `after_cursor` until it is null. Ends after the
    /// first error (which is yielded).
    pub fn list_events(
        &self,
        query: EventQuery,
    ) -> BoxStream<'static, Result<Page<Event>, ApiError>> {
        every_page(
            self,
            query,
            |client, query, cursor| async move {
                client.list_events_page(&query, cursor.as_deref()).await
            },
            |page| page.after_cursor.clone(),
        )
    }

    /// Every event type (`GET /api/1/events/types`), following cursors if the answer pages.
    pub async fn event_types(&self) -> Result<Vec<EventType>, ApiError> {
        self.all_pages(&format!("{EVENTS}/types"), Vec::new(), "event type")
            .await
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
