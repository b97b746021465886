//! The events screen's state: the filters sent to the API, the events loaded (newest
//! first), the local `/` filter over them, live polling and its pace; the event types
//! (read once a session) and the index of our own bulk runs.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::api::{ApiError, Event, EventQuery, EventType, RateLimit, SortOrder};
use crate::audit::RunMarks;

use super::action::Generation;
use super::list::ListState;

/// Events a page asks for: the documented most.
pub const EVENTS_PAGE: u32 = 50;

/// The start of a time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// This long before the page is asked for (the worker reads the clock).
    Ago(Duration),
    At(DateTime<Utc>),
}

/// What the events screen asks the API for. Empty: every event of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventFilter {
    pub user: Option<i64>,
    /// Event type ids, sorted; empty: every type.
    pub types: Vec<i64>,
    pub since: Option<Since>,
    pub until: Option<DateTime<Utc>>,
}

impl EventFilter {
    pub fn for_user(id: i64) -> EventFilter {
        EventFilter {
            user: Some(id),
            ..EventFilter::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == EventFilter::default()
    }

    /// The query of the first page, newest first, at `now`.
    pub fn query(&self, now: DateTime<Utc>) -> EventQuery {
        let mut query = EventQuery::new().sort(SortOrder::IdDesc).limit(EVENTS_PAGE);
        if let Some(user) = self.user {
            query = query.user_id(user);
        }
        query = query.event_type_ids(&self.types);
        match self.since {
            Some(Since::Ago(ago)) => {
                let ago = chrono::Duration::from_std(ago).unwrap_or(chrono::Duration::zero());
                query = query.since_time(now - ago);
            }
            Some(Since::At(at)) => query = query.since_time(at),
            None => {}
        }
        if let Some(until) = self.until {
            query = query.until_time(until);
        }
        query
    }

    /// Whether new events can still arrive inside the window.
    pub fn open_ended(&self) -> bool {
        self.until.is_none()
    }
}

/// A choice of the time-window picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowChoice {
    AnyTime,
    LastHour,
    LastDay,
    LastWeek,
    /// Type the start.
    TypeSince,
    /// Type the end.
    TypeUntil,
}

impl WindowChoice {
    pub const ALL: [WindowChoice; 6] = [
        WindowChoice::AnyTime,
        WindowChoice::LastHour,
        WindowChoice::LastDay,
        WindowChoice::LastWeek,
        WindowChoice::TypeSince,
        WindowChoice::TypeUntil,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WindowChoice::AnyTime => "any time",
            WindowChoice::LastHour => "the last hour",
            WindowChoice::LastDay => "the last day",
            WindowChoice::LastWeek => "the last week",
            WindowChoice::TypeSince => "since a date… (typed)",
            WindowChoice::TypeUntil => "until a date… (typed)",
        }
    }

    /// The window start it sets, for the relative choices.
    pub fn ago(self) -> Option<Duration> {
        match self {
            WindowChoice::LastHour => Some(Duration::from_secs(3600)),
            WindowChoice::LastDay => Some(Duration::from_secs(86_400)),
            WindowChoice::LastWeek => Some(Duration::from_secs(7 * 86_400)),
            _ => None,
        }
    }
}

/// A date as an admin types it: `2026-11-30`, `2026-11-30 12:02`, `2026-11-30T12:02:35`,
/// or RFC 3339 with any offset. Without an offset it is UTC, as the API's times are.
pub fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    if let Some(t) = formats
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    {
        return Ok(t.and_utc());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!("{text:?} is not a date: write 2026-11-30, 2026-11-30 12:00 or 2026-11-30T12:00:00Z (UTC unless an offset is given)")
        })
}

/// How often the screen asks for new events, from the rate budget left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    Every(Duration),
    /// Under a tenth of the budget is left: no polls until it refills.
    Low {
        remaining: u32,
        limit: u32,
    },
}

/// Every 15 s while half the budget is left, 30 s down to a quarter, 60 s down to a
/// tenth, then off; 30 s while the budget is not known yet. A poll is one call: even
/// at 15 s that is 240 of the 5,000 an hour.
pub fn poll_pace(rate: Option<&RateLimit>) -> Pace {
    let Some(rate) = rate else {
        return Pace::Every(Duration::from_secs(30));
    };
    let (remaining, limit) = (u64::from(rate.remaining), u64::from(rate.limit).max(1));
    if remaining * 10 < limit {
        Pace::Low {
            remaining: rate.remaining,
            limit: rate.limit,
        }
    } else if remaining * 2 >= limit {
        Pace::Every(Duration::from_secs(15))
    } else if remaining * 4 >= limit {
        Pace::Every(Duration::from_secs(30))
    } else {
        Pace::Every(Duration::from_secs(60))
    }
}

/// Live updates: the next poll and the one in flight.
#[derive(Debug, Clone, Default)]
pub struct Poll {
    /// When the next poll is due (set by the first tick after the last one ended).
    pub due: Option<Instant>,
    pub in_flight: bool,
    /// Pages of new events read by this poll (a long absence may need more than one).
    pub pages: usize,
    /// Poll at the next tick: the screen was just shown again.
    pub now: bool,
}

/// How many pages one poll reads at most before it asks for a reload instead.
pub const POLL_PAGES: usize = 10;

#[derive(Debug)]
pub struct EventsState {
    /// Every event loaded, newest first (by id).
    pub events: Vec<Event>,
    pub ids: HashSet<i64>,
    /// Positions in `events` that pass the `/` filter.
    pub rows: Vec<usize>,
    pub list: ListState,
    /// The local `/` filter, over the loaded events.
    pub filter: String,
    /// What is asked of the API.
    pub by: EventFilter,
    pub generation: Generation,
    /// The query of the first page as the worker sent it (times resolved): later pages
    /// and polls repeat it.
    pub query: Option<EventQuery>,
    pub next_cursor: Option<String>,
    pub loading: bool,
    /// The first page was asked for (the screen loads itself when first shown).
    pub started: bool,
    pub error: Option<ApiError>,
    /// Follow new events by polling.
    pub live: bool,
    /// New events a poll put above the cursor while it was not at the top.
    pub unseen: usize,
    pub poll: Poll,
}

impl Default for EventsState {
    fn default() -> Self {
        EventsState {
            events: Vec::new(),
            ids: HashSet::new(),
            rows: Vec::new(),
            list: ListState::default(),
            filter: String::new(),
            by: EventFilter::default(),
            generation: 0,
            query: None,
            next_cursor: None,
            loading: false,
            started: false,
            error: None,
            live: true,
            unseen: 0,
            poll: Poll::default(),
        }
    }
}

impl EventsState {
    /// The event under the cursor.
    pub fn current(&self) -> Option<&Event> {
        self.rows
            .get(self.list.cursor())
            .and_then(|&i| self.events.get(i))
    }

    /// The newest event loaded.
    pub fn newest(&self) -> Option<&Event> {
        self.events.first()
    }
}

/// The tenant's event types, read once a session: id → name.
#[derive(Debug, Default)]
pub struct EventTypes {
    /// Sorted by name, for the picker.
    pub list: Vec<EventType>,
    pub names: HashMap<i64, String>,
    pub loaded: bool,
    pub loading: bool,
    pub error: Option<ApiError>,
}

impl EventTypes {
    pub fn set(&mut self, mut list: Vec<EventType>) {
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        self.names = list.iter().map(|t| (t.id, t.name.clone())).collect();
        self.list = list;
        self.loaded = true;
    }

    /// Ask for them: not loaded, not loading, not failed.
    pub fn wanted(&self) -> bool {
        !self.loaded && !self.loading && self.error.is_none()
    }

    /// The type's name, or its id when the types are not known (yet).
    pub fn name(&self, id: i64) -> String {
        match self.names.get(&id) {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!("type {id}"),
        }
    }
}

/// The index of our bulk runs, built when the events screen first opens and again
/// after a run ends.
#[derive(Debug, Default)]
pub struct RunMarksState {
    pub index: Option<Arc<RunMarks>>,
    pub loading: bool,
    /// A run ended since it was built.
    pub stale: bool,
}

impl RunMarksState {
    /// The run that caused `event`, if one of ours did.
    pub fn run_of<'a>(&'a self, event: &Event) -> Option<&'a str> {
        self.index.as_deref()?.run_of(event)
    }

    pub fn wanted(&self) -> bool {
        !self.loading && (self.index.is_none() || self.stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_dates_read_as_utc_and_bad_ones_say_how_to_write_them() {
        let at = |s: &str| parse_date(s).map(|t| t.to_rfc3339());
        assert_eq!(at("2026-11-30").unwrap(), "2026-11-30T00:00:00+00:00");
        assert_eq!(at("2026-11-30 12:02").unwrap(), "2026-11-30T12:02:00+00:00");
        assert_eq!(
            at(" 2026-11-30T12:02:35.5 ").unwrap(),
            "2026-11-30T12:02:35.500+00:00"
        );
        assert_eq!(
            at("2026-11-30T12:00:00+01:00").unwrap(),
            "2026-11-30T11:00:00+00:00"
        );
        assert!(at("yesterday").unwrap_err().contains("2026-11-30 12:00"));
    }

    #[test]
    fn the_pace_slows_as_the_budget_shrinks_and_stops_when_low() {
        let rate = |remaining| RateLimit {
            limit: 5000,
            remaining,
            reset: Duration::from_secs(600),
            observed_at: Instant::now(),
        };
        let every = |s| Pace::Every(Duration::from_secs(s));
        assert_eq!(poll_pace(None), every(30));
        assert_eq!(poll_pace(Some(&rate(4000))), every(15));
        assert_eq!(poll_pace(Some(&rate(2000))), every(30));
        assert_eq!(poll_pace(Some(&rate(600))), every(60));
        assert_eq!(
            poll_pace(Some(&rate(499))),
            Pace::Low {
                remaining: 499,
                limit: 5000
            }
        );
    }

    #[test]
    fn a_filter_becomes_the_documented_query() {
        let now = parse_date("2026-11-30T12:00:00Z").unwrap();
        let filter = EventFilter {
            user: Some(7),
            types: vec![8, 13],
            since: Some(Since::Ago(Duration::from_secs(3600))),
            until: None,
        };
        let query = filter.query(now);
        assert_eq!(query.get("user_id"), Some("7"));
        assert_eq!(query.get("event_type_id"), Some("8,13"));
        assert_eq!(query.get("since"), Some("2026-11-30T11:00:00.000Z"));
        assert_eq!(query.get("sort"), Some("-id"));
        assert_eq!(query.get("limit"), Some("50"));
        assert!(EventFilter::default().query(now).get("user_id").is_none());
    }
}
