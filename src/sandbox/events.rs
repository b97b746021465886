//! The tenant's event log: every action of the API on a user, and a seeded
//! history (`event_seed`), oldest first, ids and times increasing.
//!
//! **Choices** where the documents are silent: an event an API call causes
//! carries `actor_system: "API"`, the caller's `client_id`, no acting user
//! (a credential is not a user) and no `ipaddr`; `user_name` is the target's
//! first and last name (its email when both are empty), as it was when the
//! event happened; `directory_id` is the target's; `resource_type_id` is null.
//! A v3 XML update (an API key, no OAuth credential) records `actor_system:
//! "API"` and no `client_id`; a role mapping records `"Role mapping"`. A
//! write call records its event even when it changed no value; a refused
//! call records nothing; the end of a lock is not an event.
//! The log keeps the newest [`CAP`] events: memory stays bounded under long
//! bulk runs, and a cursor into dropped events simply finds nothing older.

use std::collections::VecDeque;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::{Map, Value, json};

use super::auth::ClientRef;
use super::event_types::Kind;
use super::state::State;
use super::tenant::{User, format_time};

/// How many events the log keeps.
pub(crate) const CAP: usize = 50_000;

/// The first id the seeded history gives out.
pub(crate) const FIRST_EVENT_ID: i64 = 800_000_001;

/// Every key of an event, in the order the contract lists them.
pub(crate) const KEYS: [&str; 34] = [
    "id",
    "created_at",
    "account_id",
    "user_id",
    "user_name",
    "event_type_id",
    "notes",
    "ipaddr",
    "actor_user_id",
    "actor_user_name",
    "assuming_acting_user_id",
    "role_id",
    "role_name",
    "app_id",
    "app_name",
    "group_id",
    "group_name",
    "otp_device_id",
    "otp_device_name",
    "policy_id",
    "policy_name",
    "actor_system",
    "custom_message",
    "directory_sync_run_id",
    "directory_id",
    "resolution",
    "client_id",
    "resource_type_id",
    "error_description",
    "proxy_ip",
    "risk_score",
    "risk_reasons",
    "risk_cookie_id",
    "browser_fingerprint",
];

/// One event. Keys it does not hold render as null.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Event {
    pub(crate) id: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) event_type_id: i64,
    pub(crate) user_id: Option<i64>,
    pub(crate) user_name: Option<String>,
    pub(crate) notes: Option<String>,
    pub(crate) ipaddr: Option<String>,
    pub(crate) actor_user_id: Option<i64>,
    pub(crate) actor_user_name: Option<String>,
    pub(crate) role: Option<(i64, String)>,
    pub(crate) otp_device: Option<(i64, String)>,
    pub(crate) actor_system: Option<&'static str>,
    pub(crate) directory_id: Option<i64>,
    pub(crate) resolution: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) risk_score: Option<i64>,
}

impl Event {
    /// The event as `GET /api/1/events` renders it: every key of [`KEYS`].
    pub(crate) fn to_json(&self, account_id: i64) -> Value {
        let mut m = Map::new();
        for key in KEYS {
            let v = match key {
                "id" => json!(self.id),
                "created_at" => json!(format_time(&self.created_at)),
                "account_id" => json!(account_id),
                "user_id" => json!(self.user_id),
                "user_name" => json!(self.user_name),
                "event_type_id" => json!(self.event_type_id),
                "notes" => json!(self.notes),
                "ipaddr" => json!(self.ipaddr),
                "actor_user_id" => json!(self.actor_user_id),
                "actor_user_name" => json!(self.actor_user_name),
                "role_id" => json!(self.role.as_ref().map(|r| r.0)),
                "role_name" => json!(self.role.as_ref().map(|r| &r.1)),
                "otp_device_id" => json!(self.otp_device.as_ref().map(|d| d.0)),
                "otp_device_name" => json!(self.otp_device.as_ref().map(|d| &d.1)),
                "actor_system" => json!(self.actor_system),
                "directory_id" => json!(self.directory_id),
                "resolution" => json!(self.resolution),
                "client_id" => json!(self.client_id),
                "risk_score" => json!(self.risk_score),
                _ => Value::Null,
            };
            m.insert(key.to_string(), v);
        }
        Value::Object(m)
    }
}

/// First and last name, or the email when both are empty (as OneLogin names an actor).
pub(crate) fn display_name(u: &User) -> String {
    let name = [u.str_field("firstname"), u.str_field("lastname")]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<&str>>()
        .join(" ");
    if name.is_empty() {
        u.str_field("email")
            .or(u.str_field("username"))
            .unwrap_or_default()
            .to_string()
    } else {
        name
    }
}

/// Roles in `after` and not in `before`, and roles in `before` and not in `after`.
pub(crate) fn role_changes(before: &[i64], after: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let added = after
        .iter()
        .filter(|r| !before.contains(r))
        .copied()
        .collect();
    let removed = before
        .iter()
        .filter(|r| !after.contains(r))
        .copied()
        .collect();
    (added, removed)
}

/// The events, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct EventLog {
    events: VecDeque<Event>,
    next_id: i64,
}

impl EventLog {
    /// A log holding `history` (oldest first, ids from [`FIRST_EVENT_ID`] up).
    pub(crate) fn new(history: Vec<Event>) -> EventLog {
        let next_id = history.last().map_or(FIRST_EVENT_ID, |e| e.id + 1);
        let mut log = EventLog {
            events: VecDeque::with_capacity(history.len()),
            next_id,
        };
        for e in history {
            log.keep(e);
        }
        log
    }

    fn keep(&mut self, e: Event) {
        if self.events.len() >= CAP {
            self.events.pop_front();
        }
        self.events.push_back(e);
    }

    /// Appends `e` with the next id, dated now (never before the last event); its id.
    pub(crate) fn push(&mut self, mut e: Event) -> i64 {
        let now = Utc::now();
        let last = self.events.back().map(|e| e.created_at);
        e.created_at = match last {
            Some(last) if last > now => last + ChronoDuration::milliseconds(1),
            _ => now,
        };
        e.id = self.next_id;
        self.next_id += 1;
        self.keep(e);
        self.next_id - 1
    }

    /// Every event kept, oldest first.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Event> {
        self.events.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }
}

/// What an action did, before the log dates and numbers it.
#[derive(Debug, Clone)]
pub(crate) struct Happened {
    kind: Kind,
    user_id: i64,
    client: Option<ClientRef>,
    system: &'static str,
    role_id: Option<i64>,
    otp_device: Option<(i64, String)>,
    notes: Option<String>,
}

impl Happened {
    /// An API call by the credential `client` on user `user_id`.
    pub(crate) fn by(client: ClientRef, kind: Kind, user_id: i64) -> Happened {
        Happened {
            kind,
            user_id,
            client: Some(client),
            system: "API",
            role_id: None,
            otp_device: None,
            notes: None,
        }
    }

    /// A change no OAuth credential made: `system` names who did (the v3 API key, a
    /// role mapping).
    pub(crate) fn by_system(system: &'static str, kind: Kind, user_id: i64) -> Happened {
        Happened {
            kind,
            user_id,
            client: None,
            system,
            role_id: None,
            otp_device: None,
            notes: None,
        }
    }

    pub(crate) fn role(mut self, role_id: i64) -> Happened {
        self.role_id = Some(role_id);
        self
    }

    pub(crate) fn device(mut self, id: i64, name: &str) -> Happened {
        self.otp_device = Some((id, name.to_string()));
        self
    }

    pub(crate) fn notes(mut self, notes: impl Into<String>) -> Happened {
        self.notes = Some(notes.into());
        self
    }
}

impl State {
    /// Records what an action did to a user that still exists (call it before a delete).
    pub(crate) fn record(&mut self, h: Happened) {
        let user = self.tenant.users.get(&h.user_id);
        let role = h.role_id.map(|id| {
            let name = self
                .tenant
                .roles
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (id, name)
        });
        let event = Event {
            event_type_id: h.kind.id(),
            user_id: Some(h.user_id),
            user_name: user.map(display_name),
            notes: h.notes,
            role,
            otp_device: h.otp_device,
            actor_system: Some(h.system),
            directory_id: user.and_then(|u| u.int_field("directory_id")),
            client_id: h
                .client
                .and_then(|c| self.auth.client_id(c))
                .map(str::to_string),
            ..Event::default()
        };
        self.events.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times_increase_and_the_cap_holds() {
        let old = Utc::now() + ChronoDuration::hours(1);
        let mut log = EventLog::new(vec![Event {
            id: FIRST_EVENT_ID,
            created_at: old,
            ..Event::default()
        }]);
        let a = log.push(Event::default());
        let b = log.push(Event::default());
        assert_eq!((a, b), (FIRST_EVENT_ID + 1, FIRST_EVENT_ID + 2));
        let times: Vec<DateTime<Utc>> = log.iter().map(|e| e.created_at).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        for _ in 0..CAP {
            log.push(Event::default());
        }
        assert_eq!(log.len(), CAP);
        assert_eq!(
            log.iter().next_back().map(|e| e.id),
            Some(FIRST_EVENT_ID + 2 + CAP as i64)
        );
    }

    #[test]
    fn every_key_renders() {
        let e = Event {
            id: 5,
            role: Some((1, "r".into())),
            ..Event::default()
        };
        let v = e.to_json(7);
        assert_eq!(v.as_object().map(Map::len), Some(KEYS.len()));
        assert_eq!(v["account_id"], 7);
        assert_eq!(v["role_name"], "r");
        assert!(v["app_id"].is_null());
    }
}
