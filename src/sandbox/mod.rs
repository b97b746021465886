//! A OneLogin tenant on loopback, following ONELOGIN_API.md.
//!
//! The sandbox is a second, independent implementation of the contract: it
//! shares no types with `crate::api`. It serves API /1 (JSON, OAuth2 bearer
//! tokens, the status envelope), API /2 (bare JSON, its own error object,
//! header paging; the `v2_*` modules), the token endpoints and the deprecated
//! v3 XML user update, over a seeded, deterministic tenant, with one rate
//! limit for /1 and /2, latency and fault injection that tests can tune at
//! run time.

mod apps;
mod attributes;
mod auth;
mod conn;
mod custom_fields;
mod envelope;
mod event_seed;
mod event_types;
mod events;
mod events_list;
mod fault_kinds;
mod faults;
mod hostile;
mod legacy_v3;
mod lifecycle;
mod locks;
mod mappings;
mod mfa;
mod mix;
mod names;
mod oauth;
mod paging;
mod query;
mod rate_limit;
mod roles;
mod router;
mod state;
mod tenant;
mod users;
mod v2_errors;
mod v2_fields;
mod v2_paging;
mod v2_roles;
mod v2_search;
mod v2_user_body;
mod v2_users;
mod write_log;
mod xml;

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use conn::{Conn, FaultListener};
use state::Shared;

pub use fault_kinds::{DEFAULT_SPIKE, Faults, Window};
pub use write_log::Write;

/// The scope an API credential pair was created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    ReadUsers,
    ManageUsers,
    ReadAll,
    ManageAll,
}

impl Scope {
    /// Every scope, weakest first.
    pub const ALL: [Scope; 4] = [
        Scope::ReadUsers,
        Scope::ManageUsers,
        Scope::ReadAll,
        Scope::ManageAll,
    ];

    fn slug(self) -> &'static str {
        match self {
            Scope::ReadUsers => "read-users",
            Scope::ManageUsers => "manage-users",
            Scope::ReadAll => "read-all",
            Scope::ManageAll => "manage-all",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::ReadUsers => "Read Users",
            Scope::ManageUsers => "Manage users",
            Scope::ReadAll => "Read All",
            Scope::ManageAll => "Manage All",
        })
    }
}

/// An API credential pair of the sandbox tenant.
#[derive(Debug, Clone)]
pub struct Credential {
    pub scope: Scope,
    pub client_id: String,
    pub client_secret: String,
}

/// How the sandbox tenant is built and how it behaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed of the tenant data and of the fault sequence.
    pub seed: u64,
    /// Number of users in the tenant.
    pub users: usize,
    /// The Manage All client id.
    pub client_id: String,
    /// The Manage All client secret.
    pub client_secret: String,
    /// The v3 API key (basic auth user name).
    pub api_key: String,
    /// Lifetime of an access token; `expires_in` is this in seconds (at least 1).
    pub token_ttl: Duration,
    /// Calls allowed per window on API /1.
    pub rate_limit: u32,
    /// Length of the fixed rate-limit window.
    pub rate_window: Duration,
    /// Added to every answer.
    pub latency: Duration,
    /// Share (0.0..=1.0) of `/api/` answers turned into faults.
    pub fault_rate: f64,
    /// The fault kinds beside `fault_rate` (resets, truncated and non-JSON bodies, latency
    /// spikes, 429 storms, token revocation, outages); all off by default.
    pub faults: Faults,
    /// What `GET /api/1/users?id=1,2,3` does with a comma list (no document says `id` takes one).
    pub id_lists: IdLists,
    /// Whether successful API /2 answers carry `X-RateLimit-*` (not on record either way).
    pub v2_rate_headers: bool,
    /// Whether API /2 is served at all; off, every /2 path is 404 "No Route Exists", as for a
    /// credential or tenant without /2.
    pub serve_v2: bool,
    /// Role mappings that `PUT`/`POST /api/2/users` run (`mappings=sync|async|disabled`).
    pub role_mappings: Vec<RoleMapping>,
    /// How long after the answer a `mappings=async` write applies its role mappings.
    pub mapping_delay: Duration,
    /// How long one minute of `lock_user`'s `locked_until` lasts (a minute; tests shorten it
    /// to watch a lock end).
    pub lock_minute: Duration,
}

/// What `GET /api/1/users` does with a comma list in `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdLists {
    /// Selects every listed id (the sandbox's historical behaviour).
    Accept,
    /// A list → 400 with the documented object message
    /// `{"attribute":"id","description":"ID is incorrect"}`; a single id still selects.
    /// The default: a strict reading of a document that never says `id` takes a list.
    #[default]
    Refuse,
    /// A list is treated as if `id` were absent (the first page of every user), as a server
    /// that does not know lists might; a single id still selects.
    Ignore,
}

impl std::str::FromStr for IdLists {
    type Err = String;

    fn from_str(s: &str) -> Result<IdLists, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "accept" => Ok(IdLists::Accept),
            "refuse" => Ok(IdLists::Refuse),
            "ignore" => Ok(IdLists::Ignore),
            other => Err(format!("{other:?} is not accept, refuse or ignore")),
        }
    }
}

/// A role mapping: users whose `field` equals `value` (case-insensitive) get `role_id`.
/// Mappings only add roles; removing a mapped role is left to an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMapping {
    /// A string field of the user, e.g. `department`.
    pub field: String,
    pub value: String,
    pub role_id: i64,
}

impl RoleMapping {
    /// The seeded tenant's one mapping: department "Engineering" → role "Engineering" (141013).
    pub fn engineering() -> RoleMapping {
        RoleMapping {
            field: "department".to_string(),
            value: "Engineering".to_string(),
            role_id: 141_013,
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 1,
            users: 500,
            client_id: "sandbox-client-id".to_string(),
            client_secret: "sandbox-client-secret".to_string(),
            api_key: "sandbox-api-key".to_string(),
            token_ttl: Duration::from_secs(36_000),
            rate_limit: 5000,
            rate_window: Duration::from_secs(3600),
            latency: Duration::ZERO,
            fault_rate: 0.0,
            faults: Faults::default(),
            // Strict, as a tenant that never heard of lists would be: the client reads many
            // users with /2 `user_ids=` (or one GET each on /1).
            id_lists: IdLists::Refuse,
            v2_rate_headers: true,
            serve_v2: true,
            role_mappings: vec![RoleMapping::engineering()],
            mapping_delay: Duration::from_millis(200),
            lock_minute: Duration::from_secs(60),
        }
    }
}

/// Counters of what the sandbox has served.
#[derive(Debug, Clone, Default)]
pub struct SandboxStats {
    /// Every HTTP request received.
    pub requests: u64,
    /// API /1 calls counted against the rate limit.
    pub api_calls: u64,
    /// 429 answers sent.
    pub rate_limited: u64,
    /// Answers a fault changed (of any kind: the mix, the kinds, storm 429s, outages).
    pub faults: u64,
    /// Write calls that changed the tenant.
    pub writes: u64,
    /// Per user: the write calls that changed it (a /2 role batch counts for each user
    /// whose roles it changed).
    pub writes_by_user: BTreeMap<i64, u64>,
    /// Write answers lost after the change was applied (the caller never heard of it).
    pub answers_lost: u64,
    /// Per user: their writes whose answer was lost after it was applied.
    pub answers_lost_by_user: BTreeMap<i64, u64>,
    /// Connections reset (RST) by the reset kind.
    pub resets: u64,
    /// Bodies cut short.
    pub truncated: u64,
    /// 200s whose body was HTML or no JSON.
    pub garbage: u64,
    /// Answers held back by a latency spike.
    pub spikes: u64,
    /// `/api/` calls refused with 429 by a storm (not counted against the budget).
    pub storm_refused: u64,
    /// Times every issued token was revoked.
    pub revocations: u64,
    /// Outages begun.
    pub outages: u64,
}

/// A running sandbox tenant.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Binds `listen` (use 127.0.0.1:0 for an ephemeral port), spawns the
    /// server on the current tokio runtime, returns once it accepts connections.
    pub async fn start(config: SandboxConfig, listen: SocketAddr) -> std::io::Result<Sandbox> {
        let listener = conn::bind(listen)?;
        let addr = listener.local_addr()?;
        let url = format!("http://{}", reachable(addr));
        let shared = Arc::new(Shared::new(&config, url.clone()));
        let listener = FaultListener::new(listener, addr, shared.gate.clone());
        let app = router::build(shared.clone()).into_make_service_with_connect_info::<Conn>();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%url, "sandbox listening");
        Ok(Sandbox {
            shared,
            addr,
            url,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Every credential pair, at least one per scope.
    pub fn credentials(&self) -> Vec<Credential> {
        self.shared.lock().auth.credentials().to_vec()
    }

    /// The first credential pair of `scope`.
    pub fn credential(&self, scope: Scope) -> Credential {
        let mut st = self.shared.lock();
        match st.auth.credentials().iter().find(|c| c.scope == scope) {
            Some(c) => c.clone(),
            None => st.auth.add_random(scope),
        }
    }

    /// Creates a fresh credential pair of `scope`.
    pub fn add_credential(&self, scope: Scope) -> Credential {
        self.shared.lock().auth.add_random(scope)
    }

    /// The v3 API key.
    pub fn api_key(&self) -> String {
        self.shared.lock().api_key.clone()
    }

    /// The tenant's custom attribute field shortnames, in order.
    pub fn custom_attribute_fields(&self) -> Vec<String> {
        self.shared.lock().tenant.shortnames()
    }

    /// Adds a custom attribute field (no-op if it exists); every user has it unset.
    pub fn add_custom_attribute_field(&self, shortname: &str) {
        self.shared.lock().tenant.add_field(shortname);
    }

    /// Removes a custom attribute field and every value of it.
    pub fn remove_custom_attribute_field(&self, shortname: &str) -> bool {
        self.shared.lock().tenant.remove_field(shortname)
    }

    /// Every issued access token now answers 401 "Authentication Failure".
    pub fn expire_all_tokens(&self) {
        self.shared.lock().auth.expire_all();
    }

    /// Share (0.0..=1.0) of `/api/` answers turned into faults from now on.
    pub fn set_fault_rate(&self, rate: f64) {
        self.shared.lock().faults.set_rate(rate);
    }

    /// The fault kinds beside the rate from now on; their windows count `/api/` requests
    /// from here.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.lock().faults.set_kinds(faults);
    }

    /// The fault kinds in force.
    pub fn faults(&self) -> Faults {
        self.shared.lock().faults.kinds.faults().clone()
    }

    /// A 429 storm from now for `length`: every `/api/` call refused; `headers`: with
    /// `X-RateLimit-*` saying the budget is spent until it ends.
    pub fn storm(&self, length: Duration, headers: bool) {
        let mut st = self.shared.lock();
        st.faults
            .kinds
            .storm_now(std::time::Instant::now(), length, headers);
    }

    /// An outage from now: once the answers in hand are out, every connection drops and
    /// the listener is closed (connections refused) for `length`, then bound again.
    pub fn outage(&self, length: Duration) {
        if self.shared.gate.begin_outage(length) {
            self.shared.lock().stats.outages += 1;
        }
    }

    /// Every user a write changed since the start, oldest first (the newest 200,000).
    pub fn write_log(&self) -> Vec<Write> {
        self.shared.lock().write_log.clone()
    }

    /// Delay added to every answer from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.lock().latency = latency;
    }

    /// The user as `GET /api/1/users/:id` returns it.
    pub fn user_json(&self, id: i64) -> Option<serde_json::Value> {
        let mut st = self.shared.lock();
        st.settle_locks(chrono::Utc::now());
        st.tenant
            .users
            .get(&id)
            .map(|u| u.to_json(&st.tenant.shortnames()))
    }

    /// How many times `PUT /api/1/users/:id/logout` ended the user's sessions.
    pub fn sessions_ended(&self, id: i64) -> u64 {
        self.shared
            .lock()
            .sessions_ended
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    /// How many events the tenant's log holds (seeded history included).
    pub fn event_count(&self) -> usize {
        self.shared.lock().events.len()
    }

    /// Counters so far.
    pub fn stats(&self) -> SandboxStats {
        self.shared.lock().stats.clone()
    }

    /// Human text: where it listens, what it holds, how to sign in.
    pub fn summary(&self) -> String {
        let st = self.shared.lock();
        let mut out = String::new();
        out.push_str(&format!("OneLogin sandbox listening on {}\n", self.url));
        out.push_str(&format!(
            "tenant: {} users, {} custom attribute fields ({}), {} roles, {} groups, {} apps, {} events\n",
            st.tenant.users.len(),
            st.tenant.fields.len(),
            st.tenant.shortnames().join(", "),
            st.tenant.roles.len(),
            st.tenant.groups.len(),
            apps::CATALOG.len(),
            st.events.len(),
        ));
        if let Some(owner) = st.tenant.owner_id {
            out.push_str(&format!(
                "account owner: user {owner} (owner@example.com): Manage users credentials get 403 on it\n"
            ));
        }
        out.push_str("API credentials (scope: client_id / client_secret):\n");
        for c in st.auth.credentials() {
            out.push_str(&format!(
                "  {:<13} {} / {}\n",
                format!("{}:", c.scope),
                c.client_id,
                c.client_secret
            ));
        }
        out.push_str(&format!("v3 API key: {}\n", st.api_key));
        out.push_str(&format!(
            "rate limit: {} calls per {} s; token lifetime {} s; latency {} ms; fault rate {}\n",
            st.rate.limit(),
            st.rate.window().as_secs_f64(),
            st.token_ttl.as_secs().max(1),
            st.latency.as_millis(),
            st.faults.rate(),
        ));
        out.push_str(&format!(
            "fault kinds: {}\n",
            st.faults.kinds.faults().describe()
        ));
        let mappings: Vec<String> = st
            .role_mappings
            .iter()
            .map(|m| format!("{} = {} → role {}", m.field, m.value, m.role_id))
            .collect();
        out.push_str(&format!(
            "id lists on /api/1/users: {}; API /2: {}; /2 rate-limit headers: {}; role mappings: {} (async after {} ms)\n",
            match st.id_lists {
                IdLists::Accept => "accept",
                IdLists::Refuse => "refuse",
                IdLists::Ignore => "ignore",
            },
            if st.serve_v2 { "served" } else { "not served" },
            if st.v2_rate_headers { "on" } else { "off" },
            if mappings.is_empty() {
                "none".to_string()
            } else {
                mappings.join(", ")
            },
            st.mapping_delay.as_millis(),
        ));
        out
    }

    /// Stops accepting, lets answers in flight finish, then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url).finish()
    }
}

/// An address a local client can dial: an unspecified bind becomes loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
