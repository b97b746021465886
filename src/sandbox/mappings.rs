//! Role mappings after an API /2 user write, as `mappings=async|sync|disabled`
//! asks: `sync` applies them before the answer, `async` (the default) a
//! configurable delay after it, so a read right after the answer may not show
//! them yet; `disabled` not at all.
//!
//! **Choices**: a mapping only adds its role (never removes one); it runs on
//! `PUT` and `POST /api/2/users`, not on /1 writes; a role it adds bumps the
//! user's `updated_at` and records a `USER_ASSIGNED_ROLE` event whose
//! `actor_system` is "Role mapping" (and no `client_id`).

use std::sync::Arc;

use super::RoleMapping;
use super::envelope::Reject;
use super::event_types::Kind;
use super::events::Happened;
use super::state::{Shared, State};
use super::tenant::Tenant;
use super::v2_errors::bad_request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Async,
    Sync,
    Disabled,
}

/// The `mappings` query option (default async).
pub(crate) fn when(pairs: &[(String, String)]) -> Result<When, Reject> {
    match pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "mappings")
        .map(|(_, v)| v.trim())
    {
        None | Some("async") => Ok(When::Async),
        Some("sync") => Ok(When::Sync),
        Some("disabled") => Ok(When::Disabled),
        Some(other) => Err(bad_request(format!(
            "mappings must be async, sync or disabled, not {other}"
        ))
        .into()),
    }
}

/// Applies every mapping to user `id`; the roles it added.
pub(crate) fn apply(tenant: &mut Tenant, mappings: &[RoleMapping], id: i64) -> Vec<i64> {
    let known: Vec<i64> = tenant.role_ids();
    let Some(user) = tenant.users.get_mut(&id) else {
        return Vec::new();
    };
    let mut roles = user.roles();
    let mut added = Vec::new();
    for m in mappings {
        let hit = user
            .str_field(&m.field)
            .is_some_and(|v| v.eq_ignore_ascii_case(&m.value));
        if hit && known.contains(&m.role_id) && !roles.contains(&m.role_id) {
            roles.push(m.role_id);
            added.push(m.role_id);
        }
    }
    if added.is_empty() {
        return added;
    }
    roles.sort_unstable();
    user.role_id = Some(roles);
    user.touch();
    added
}

/// Applies the mappings to user `id` and records each role added (by the system
/// "Role mapping", no client_id: no credential made the change).
fn apply_and_record(st: &mut State, id: i64) {
    let mappings = st.role_mappings.clone();
    for r in apply(&mut st.tenant, &mappings, id) {
        st.record(Happened::by_system("Role mapping", Kind::RoleAssigned, id).role(r));
    }
}

/// Runs the mappings for user `id` as `when` says. For `Sync` the caller
/// must not hold the lock.
pub(crate) fn run(shared: &Arc<Shared>, id: i64, when: When) {
    match when {
        When::Disabled => {}
        When::Sync => apply_and_record(&mut shared.lock(), id),
        When::Async => {
            let shared = shared.clone();
            tokio::spawn(async move {
                let delay = shared.lock().mapping_delay;
                tokio::time::sleep(delay).await;
                apply_and_record(&mut shared.lock(), id);
            });
        }
    }
}
