//! Filling and refreshing a cache over the API, every call paced like the console's
//! other reads and counted.
//!
//! - **Fill** (the cache is not complete): a full listing, cursor pages of 50 with every
//!   documented field and `custom_attributes` (API /2; /1 with `api = "v1"` or when /2 is
//!   refused). Each page is written with the cursor of the next, so a killed fill resumes
//!   where it stopped; rows the listing did not see are removed at its end.
//! - **Refresh** (complete, API /2): one cheap listing (`fields=id`, one user) for
//!   `Total-Count`; `updated_since` the last refresh minus [`MARGIN`], paged; locks the
//!   cache shows ended since, read again by id; then, when the cache holds more users
//!   than the count, the `DELETED_USER` events since the last refresh (its type id read
//!   by name from `/api/1/events/types`, once), and if the numbers still disagree, an
//!   id-only listing. The mark moves only when all of it is done.
//! - **Refresh without /2**: a full paced /1 listing (resumable the same way).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use super::CacheError;
use super::store::{Store, SyncState, Upserted};
use crate::api::{ApiError, Client, EventQuery, RetryPolicy, User, UserQuery, V2UserQuery};
use crate::bulk::{Pacer, paced, refuses_v2};
use crate::config::ApiMode;

/// How far before the last refresh `updated_since` reaches: clock skew and writes
/// in flight while the last refresh ran.
pub const MARGIN: Duration = Duration::from_secs(120);

/// The name of the event type a deletion leaves (its id is read from the tenant).
pub const DELETED_USER: &str = "DELETED_USER";

/// A /2 listing asks for these (`custom_attributes` included: list answers may leave
/// them out otherwise).
pub const FIELDS: &[&str] = &[
    "id",
    "external_id",
    "email",
    "username",
    "firstname",
    "lastname",
    "distinguished_name",
    "samaccountname",
    "userprincipalname",
    "member_of",
    "phone",
    "company",
    "department",
    "title",
    "comment",
    "openid_name",
    "locale_code",
    "status",
    "state",
    "group_id",
    "role_id",
    "custom_attributes",
    "directory_id",
    "trusted_idp_id",
    "manager_ad_id",
    "manager_user_id",
    "invalid_login_attempts",
    "activated_at",
    "created_at",
    "updated_at",
    "password_changed_at",
    "invitation_sent_at",
    "last_login",
    "locked_until",
];

/// Users a /2 page (and a `user_ids` read) carries.
pub(super) const PAGE: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    pub api: ApiMode,
    pub margin: Duration,
    /// Stop before a fill (or a /1 refresh) of more list calls than this, and say so in
    /// [`SyncReport::needs`]: the console asks first. `None`: no limit (the CLI).
    pub max_listing_calls: Option<u64>,
}

impl SyncOptions {
    pub fn new(api: ApiMode) -> SyncOptions {
        SyncOptions {
            api,
            margin: MARGIN,
            max_listing_calls: None,
        }
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// A full listing: the first fill, or one resumed after a stop.
    Fill { resumed: bool },
    /// `updated_since`, Total-Count and, when needed, deletions.
    Incremental,
    /// A full /1 listing (no /2).
    FullV1 { resumed: bool },
    /// Nothing done: a listing of `calls` would go past the limit given.
    NotStarted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    pub kind: SyncKind,
    /// Calls sent (retries included; the token and rate-limit reads not).
    pub calls: u64,
    pub added: u64,
    pub changed: u64,
    pub deleted: u64,
    /// The users now cached.
    pub users: u64,
    /// The tenant's count, when it said.
    pub total: Option<u64>,
    /// The users added or changed, as written (not kept past [`KEEP_CHANGED`]: then the
    /// caller reads the cache again).
    pub changed_users: Vec<User>,
    /// More changed than kept: read the whole cache again.
    pub reload: bool,
    pub deleted_ids: Vec<i64>,
    /// Calls a listing would need (with `kind` NotStarted).
    pub needs: Option<u64>,
    /// Things the user should know (a /2 refusal, a cursor that had expired).
    pub notes: Vec<String>,
    /// The mark the cache now holds (when the last completed refresh started).
    pub last_sync: Option<DateTime<Utc>>,
    /// The cache holds the whole tenant.
    pub complete: bool,
}

/// Changed users a report carries at most.
pub const KEEP_CHANGED: usize = 5_000;

impl SyncReport {
    fn new(kind: SyncKind) -> SyncReport {
        SyncReport {
            kind,
            calls: 0,
            added: 0,
            changed: 0,
            deleted: 0,
            users: 0,
            total: None,
            changed_users: Vec::new(),
            reload: false,
            deleted_ids: Vec::new(),
            needs: None,
            notes: Vec::new(),
            last_sync: None,
            complete: false,
        }
    }

    fn keep(&mut self, done: Upserted, users: &[User], full: bool) {
        self.added += done.added;
        self.changed += done.changed;
        if full || self.reload || self.changed_users.len() + users.len() > KEEP_CHANGED {
            self.reload = true;
            self.changed_users.clear();
        } else if done.added + done.changed > 0 {
            self.changed_users.extend(users.iter().cloned());
        }
    }
}

/// How a refresh goes, for a watcher: users listed so far, of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub listed: u64,
    pub total: Option<u64>,
    pub calls: u64,
}

type Watch<'a> = &'a (dyn Fn(SyncProgress) + Send + Sync);

/// Calls to the tenant, paced like the console's other reads and counted.
pub(super) struct Syncer<'a> {
    pub(super) client: &'a Client,
    pacer: Option<&'a Pacer>,
    calls: AtomicU64,
    watch: Watch<'a>,
}

impl<'a> Syncer<'a> {
    /// A syncer that nobody watches.
    pub(super) fn new(client: &'a Client, pacer: Option<&'a Pacer>) -> Syncer<'a> {
        Syncer {
            client,
            pacer,
            calls: AtomicU64::new(0),
            watch: &|_| {},
        }
    }

    /// One call through the pacer (spread over `left` when a listing plans more), counted.
    pub(super) async fn call<T, F, Fut>(&self, left: u64, mut f: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let left = usize::try_from(left).ok().filter(|n| *n > 1);
        paced(self.pacer, RetryPolicy::BULK, left, || {
            self.calls.fetch_add(1, Ordering::Relaxed);
            f()
        })
        .await
    }

    pub(super) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn invalid_cursor(e: &ApiError) -> bool {
    e.http_status() == Some(400) && e.to_string().to_ascii_lowercase().contains("cursor")
}

/// Fills or refreshes `store` from `client`; see the module's words. `watch` hears every page.
pub async fn refresh(
    client: &Client,
    pacer: Option<&Pacer>,
    store: &mut Store,
    options: SyncOptions,
    watch: Watch<'_>,
) -> Result<SyncReport, CacheError> {
    let s = Syncer {
        client,
        pacer,
        calls: AtomicU64::new(0),
        watch,
    };
    let state = store.sync_state()?;
    let mut v2 = options.api == ApiMode::Auto;
    let mut notes = Vec::new();
    let resuming = state.fill_cursor.is_some();
    // The count first: it sizes a fill, and tells an incremental refresh about deletions.
    let mut total = None;
    if v2 {
        let count = V2UserQuery::new().fields(&["id"]).limit(1);
        match s.call(1, || client.list_users_v2(&count, None)).await {
            Ok(page) => total = page.total_count,
            Err(e) if refuses_v2(&e) => {
                v2 = false;
                notes.push(format!(
                    "API /2 was refused ({e}): the cache is refreshed by a full /1 listing"
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let api = if v2 { "v2" } else { "v1" };
    let full = !state.complete || !v2 || (resuming && state.fill_api.as_deref() == Some(api));
    let mut report = if full {
        let listed = if resuming { store.count()? } else { 0 };
        let pages_left = total.map(|t| t.saturating_sub(listed).div_ceil(PAGE) + 1);
        if let Some(max) = options.max_listing_calls
            && pages_left.is_none_or(|p| p > max)
        {
            let mut r = SyncReport::new(SyncKind::NotStarted);
            r.needs = pages_left;
            r.total = total;
            r.calls = s.calls();
            r.users = store.count()?;
            r.notes = notes;
            let now = store.sync_state()?;
            r.last_sync = now.last_sync;
            r.complete = now.complete;
            return Ok(r);
        }
        full_listing(&s, store, state, v2, total).await?
    } else {
        incremental(&s, store, state, total, options.margin).await?
    };
    report.notes.splice(0..0, notes);
    report.calls = s.calls();
    report.users = store.count()?;
    let now = store.sync_state()?;
    report.last_sync = now.last_sync;
    report.complete = now.complete;
    Ok(report)
}

/// A whole listing (resumed from the stored cursor when it is this API's); rows it did
/// not see are removed at its end.
async fn full_listing(
    s: &Syncer<'_>,
    store: &mut Store,
    mut state: SyncState,
    v2: bool,
    total: Option<u64>,
) -> Result<SyncReport, CacheError> {
    let api = if v2 { "v2" } else { "v1" };
    let resumed = state.fill_cursor.is_some() && state.fill_api.as_deref() == Some(api);
    let kind = match (state.complete && !v2, resumed) {
        (true, r) => SyncKind::FullV1 { resumed: r },
        (false, r) => SyncKind::Fill { resumed: r },
    };
    let mut report = SyncReport::new(kind);
    report.total = total;
    if !resumed {
        state.pass += 1;
        state.fill_cursor = None;
        state.fill_started = Some(Utc::now());
        state.fill_api = Some(api.to_string());
        store.set_sync_state(&state)?;
    }
    let mut listed = if resumed { store.count()? } else { 0 };
    let v2_query = V2UserQuery::new().fields(FIELDS);
    let v1_query = UserQuery::new();
    loop {
        let cursor = state.fill_cursor.clone();
        let left = total.map_or(1, |t| t.saturating_sub(listed).div_ceil(PAGE).max(1));
        let page = if v2 {
            s.call(left, || {
                s.client.list_users_v2(&v2_query, cursor.as_deref())
            })
            .await
            .map(|p| (p.items, p.after_cursor))
        } else {
            s.call(left, || {
                s.client.list_users_page(&v1_query, cursor.as_deref())
            })
            .await
            .map(|p| (p.items, p.after_cursor))
        };
        let (items, next) = match page {
            Ok(page) => page,
            // A stored cursor the tenant no longer takes: list again from the start.
            Err(e) if cursor.is_some() && invalid_cursor(&e) => {
                report
                    .notes
                    .push("the stored cursor had expired: the listing started again".into());
                state.pass += 1;
                state.fill_cursor = None;
                state.fill_started = Some(Utc::now());
                store.set_sync_state(&state)?;
                listed = 0;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        // A repeated cursor would loop forever.
        state.fill_cursor = next.filter(|n| Some(n) != cursor.as_ref());
        let done = store.upsert(&items, state.pass, Some(&state))?;
        report.keep(done, &items, true);
        listed += items.len() as u64;
        (s.watch)(SyncProgress {
            listed,
            total,
            calls: s.calls(),
        });
        if state.fill_cursor.is_none() {
            break;
        }
    }
    let pass = state.pass;
    state.complete = true;
    state.last_sync = state.fill_started.take();
    state.fill_api = None;
    state.last_total = total.or(Some(listed));
    let gone = store.sweep(pass, &state)?;
    report.deleted = gone.len() as u64;
    report.deleted_ids = gone;
    Ok(report)
}

/// `updated_since`, ended locks, deletions: the few calls a complete cache needs.
async fn incremental(
    s: &Syncer<'_>,
    store: &mut Store,
    mut state: SyncState,
    total: Option<u64>,
    margin: Duration,
) -> Result<SyncReport, CacheError> {
    let mut report = SyncReport::new(SyncKind::Incremental);
    report.total = total;
    let start = Utc::now();
    let margin = chrono::Duration::from_std(margin).unwrap_or_default();
    let since = state.last_sync.unwrap_or_default() - margin;
    let query = V2UserQuery::new()
        .updated_since(stamp(since))
        .fields(FIELDS);
    let mut cursor: Option<String> = None;
    let mut listed = 0;
    loop {
        let page = s
            .call(1, || s.client.list_users_v2(&query, cursor.as_deref()))
            .await?;
        let done = store.upsert(&page.items, state.pass, None)?;
        report.keep(done, &page.items, false);
        listed += page.items.len() as u64;
        (s.watch)(SyncProgress {
            listed,
            total: None,
            calls: s.calls(),
        });
        match page.after_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    // A lock that ended by itself may not move `updated_at`: read those users again.
    let ended = store.locks_ended(since, start)?;
    read_by_ids(s, store, &state, &ended, &mut report).await?;
    if let Some(total) = total {
        if store.count()? > total {
            deletions_from_events(s, store, &mut state, since, &mut report).await?;
        }
        if store.count()? != total {
            reconcile_ids(s, store, &state, &mut report).await?;
        }
    }
    state.last_sync = Some(start);
    state.last_total = total;
    // A listing another API had left half done is over: this refresh covered its span.
    state.fill_cursor = None;
    state.fill_started = None;
    state.fill_api = None;
    store.set_sync_state(&state)?;
    Ok(report)
}

/// Users read by id (/2 `user_ids`, 50 a call) and written.
async fn read_by_ids(
    s: &Syncer<'_>,
    store: &mut Store,
    state: &SyncState,
    ids: &[i64],
    report: &mut SyncReport,
) -> Result<(), CacheError> {
    for chunk in ids.chunks(PAGE as usize) {
        let users = s.call(1, || s.client.users_by_ids(chunk, FIELDS)).await?;
        let done = store.upsert(&users, state.pass, None)?;
        report.keep(done, &users, false);
    }
    Ok(())
}

/// The `DELETED_USER` events since `since`: those users leave the cache.
async fn deletions_from_events(
    s: &Syncer<'_>,
    store: &mut Store,
    state: &mut SyncState,
    since: DateTime<Utc>,
    report: &mut SyncReport,
) -> Result<(), CacheError> {
    let type_id = match state.deleted_type_id {
        Some(id) => id,
        None => {
            let types = s.call(1, || s.client.event_types()).await?;
            match types.iter().find(|t| t.name == DELETED_USER) {
                Some(t) => {
                    state.deleted_type_id = Some(t.id);
                    t.id
                }
                None => {
                    report.notes.push(format!(
                        "the tenant names no {DELETED_USER} event type: deletions are found by an id listing"
                    ));
                    return Ok(());
                }
            }
        }
    };
    let query = EventQuery::new()
        .event_type_ids(&[type_id])
        .since_time(since);
    let mut cursor: Option<String> = None;
    let mut ids = Vec::new();
    loop {
        let page = s
            .call(1, || s.client.list_events_page(&query, cursor.as_deref()))
            .await?;
        ids.extend(page.items.iter().filter_map(|e| e.user_id));
        match page.after_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let cached: HashSet<i64> = store.ids()?.into_iter().collect();
    ids.retain(|id| cached.contains(id));
    ids.sort_unstable();
    ids.dedup();
    let n = store.delete(&ids)?;
    report.deleted += n as u64;
    report.deleted_ids.extend(ids);
    Ok(())
}

/// The numbers still disagree: list every id (`fields=id`), remove the cached users it
/// lacks and read the ones the cache lacks.
async fn reconcile_ids(
    s: &Syncer<'_>,
    store: &mut Store,
    state: &SyncState,
    report: &mut SyncReport,
) -> Result<(), CacheError> {
    let query = V2UserQuery::new().fields(&["id"]);
    let mut listed: HashSet<i64> = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let left = report.total.map_or(1, |t| {
            t.saturating_sub(listed.len() as u64).div_ceil(PAGE).max(1)
        });
        let page = s
            .call(left, || s.client.list_users_v2(&query, cursor.as_deref()))
            .await?;
        listed.extend(page.items.iter().map(|u| u.id));
        match page.after_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let cached: HashSet<i64> = store.ids()?.into_iter().collect();
    let mut gone: Vec<i64> = cached.difference(&listed).copied().collect();
    gone.sort_unstable();
    let n = store.delete(&gone)?;
    report.deleted += n as u64;
    report.deleted_ids.extend(gone);
    let mut missing: Vec<i64> = listed.difference(&cached).copied().collect();
    missing.sort_unstable();
    read_by_ids(s, store, state, &missing, report).await
}
