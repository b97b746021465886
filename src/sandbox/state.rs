//! The sandbox's shared mutable state: one mutex, never held across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::Utc;

use super::auth::AuthState;
use super::conn::Gate;
use super::event_seed;
use super::events::EventLog;
use super::faults::FaultState;
use super::locks::{self, Locks};
use super::mfa::Devices;
use super::rate_limit::RateLimiter;
use super::tenant::Tenant;
use super::write_log::Write;
use super::{IdLists, RoleMapping, SandboxConfig, SandboxStats};

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Seed of the tenant and of the fault sequence.
    pub(crate) seed: u64,
    /// `http://127.0.0.1:PORT`, for pagination links.
    pub(crate) base_url: String,
    /// Keys the /2 cursors, so a cursor the sandbox did not issue is refused.
    pub(crate) cursor_key: u64,
    /// The outage switch the listener obeys.
    pub(crate) gate: Arc<Gate>,
}

pub(crate) struct State {
    pub(crate) tenant: Tenant,
    pub(crate) auth: AuthState,
    pub(crate) rate: RateLimiter,
    pub(crate) faults: FaultState,
    pub(crate) stats: SandboxStats,
    pub(crate) latency: Duration,
    pub(crate) api_key: String,
    pub(crate) token_ttl: Duration,
    pub(crate) account_id: i64,
    pub(crate) id_lists: IdLists,
    pub(crate) v2_rate_headers: bool,
    pub(crate) serve_v2: bool,
    pub(crate) role_mappings: Vec<RoleMapping>,
    pub(crate) mapping_delay: Duration,
    /// The highest user id ever given out: a deleted user's id is never reused.
    pub(crate) last_user_id: i64,
    /// What happened to users, oldest first.
    pub(crate) events: EventLog,
    /// MFA devices (derived from the seed, minus those removed).
    pub(crate) devices: Devices,
    /// Locks `lock_user` set, and when they end.
    pub(crate) locks: Locks,
    /// Per user: how many times `logout` ended their sessions.
    pub(crate) sessions_ended: HashMap<i64, u64>,
    /// Every user a write changed, oldest first (bounded; `write_log.rs`).
    pub(crate) write_log: Vec<Write>,
}

impl Shared {
    pub(crate) fn new(config: &SandboxConfig, base_url: String) -> Shared {
        let mut tenant = Tenant::seeded(config.seed, config.users);
        locks::without_end(&mut tenant);
        let last_user_id = tenant.users.keys().next_back().copied().unwrap_or(10_000);
        let history = event_seed::history(config.seed, &tenant, Utc::now());
        let state = State {
            tenant,
            auth: AuthState::new(&config.client_id, &config.client_secret),
            rate: RateLimiter::new(config.rate_limit, config.rate_window),
            faults: FaultState::new(config.fault_rate, config.faults.clone()),
            stats: SandboxStats::default(),
            latency: config.latency,
            api_key: config.api_key.clone(),
            token_ttl: config.token_ttl,
            account_id: 100_000 + (config.seed % 900_000) as i64,
            id_lists: config.id_lists,
            v2_rate_headers: config.v2_rate_headers,
            serve_v2: config.serve_v2,
            role_mappings: config.role_mappings.clone(),
            mapping_delay: config.mapping_delay,
            last_user_id,
            events: EventLog::new(history),
            devices: Devices::new(config.seed, last_user_id),
            locks: Locks::new(config.lock_minute),
            sessions_ended: HashMap::new(),
            write_log: Vec::new(),
        };
        Shared {
            state: Mutex::new(state),
            seed: config.seed,
            base_url,
            cursor_key: rand::random(),
            gate: Gate::new(),
        }
    }

    /// Locks the state. A panic elsewhere does not make the tenant unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
