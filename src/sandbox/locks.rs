//! Locks that end: `lock_user` sets status 3 (Locked) and `locked_until`;
//! once that time has passed the user reads as Active again.
//!
//! **Choices**: `locked_until: 0` means the account policy's lock time, which
//! is [`POLICY_MINUTES`] (30) minutes. An ended lock sets status 1 and clears
//! `locked_until` lazily, before any API call is answered (the gate calls
//! [`State::settle_locks`]); it is not an edit (no `updated_at`, no event).
//! A lock that something else has since changed (an unlock, a new lock, a
//! status written through PUT) is left alone. The seeded tenant's locked users
//! are locked with no end (`locked_until` null) until an admin unlocks them.
//! How long a "minute" lasts is a setting (`SandboxConfig::lock_minute`), so
//! tests can watch a lock end.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::state::State;
use super::tenant::Tenant;

/// The account policy's lock time, used for `locked_until: 0`.
pub(crate) const POLICY_MINUTES: i64 = 30;

#[derive(Debug, Clone)]
pub(crate) struct Locks {
    /// (end, user id) of every lock `lock_user` set, soonest first.
    ends: BTreeSet<(DateTime<Utc>, i64)>,
    minute: Duration,
}

impl Locks {
    pub(crate) fn new(minute: Duration) -> Locks {
        Locks {
            ends: BTreeSet::new(),
            minute,
        }
    }

    /// When a lock of `minutes` (0: the policy's) taken at `now` ends; `None` when that
    /// is not a time (a negative or absurd number of minutes).
    pub(crate) fn end(&self, now: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        let minutes = if minutes == 0 {
            POLICY_MINUTES
        } else {
            minutes
        };
        let count = u32::try_from(minutes).ok()?;
        let length = self.minute.checked_mul(count)?;
        now.checked_add_signed(TimeDelta::from_std(length).ok()?)
    }

    pub(crate) fn add(&mut self, id: i64, end: DateTime<Utc>) {
        self.ends.insert((end, id));
    }
}

/// The seeded locked users: locked until an admin unlocks them (see the module's choices).
pub(crate) fn without_end(tenant: &mut Tenant) {
    for u in tenant.users.values_mut().filter(|u| u.status == 3) {
        u.set_time("locked_until", None);
    }
}

impl State {
    /// Ends every lock whose time has passed by `now`.
    pub(crate) fn settle_locks(&mut self, now: DateTime<Utc>) {
        while let Some(&(end, id)) = self.locks.ends.first() {
            if end > now {
                break;
            }
            self.locks.ends.remove(&(end, id));
            if let Some(u) = self.tenant.users.get_mut(&id)
                && u.status == 3
                && u.time("locked_until") == Some(end)
            {
                u.status = 1;
                u.set_time("locked_until", None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends() {
        let locks = Locks::new(Duration::from_secs(60));
        let now = Utc::now();
        assert_eq!(locks.end(now, 5), Some(now + TimeDelta::minutes(5)));
        assert_eq!(locks.end(now, 0), Some(now + TimeDelta::minutes(30)));
        assert_eq!(locks.end(now, -1), None);
        assert_eq!(locks.end(now, i64::MAX), None);
    }
}
