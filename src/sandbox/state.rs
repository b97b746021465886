//! The sandbox's shared mutable state: one mutex, never held across an await.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::auth::AuthState;
use super::faults::FaultState;
use super::rate_limit::RateLimiter;
use super::tenant::Tenant;
use super::{IdLists, RoleMapping, SandboxConfig, SandboxStats};

pub(crate) struct Shared {
    state: Mutex<State>,
    /// Seed of the tenant and of the fault sequence.
    pub(crate) seed: u64,
    /// `http://127.0.0.1:PORT`, for pagination links.
    pub(crate) base_url: String,
    /// Keys the /2 cursors, so a cursor the sandbox did not issue is refused.
    pub(crate) cursor_key: u64,
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
}

impl Shared {
    pub(crate) fn new(config: &SandboxConfig, base_url: String) -> Shared {
        let tenant = Tenant::seeded(config.seed, config.users);
        let last_user_id = tenant.users.keys().next_back().copied().unwrap_or(10_000);
        let state = State {
            tenant,
            auth: AuthState::new(&config.client_id, &config.client_secret),
            rate: RateLimiter::new(config.rate_limit, config.rate_window),
            faults: FaultState::new(config.fault_rate),
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
        };
        Shared {
            state: Mutex::new(state),
            seed: config.seed,
            base_url,
            cursor_key: rand::random(),
        }
    }

    /// Locks the state. A panic elsewhere does not make the tenant unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
