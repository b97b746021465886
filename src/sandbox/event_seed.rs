//! The events a seeded tenant starts with: logins, failed logins, password
//! changes and lockouts of its users, so the events screen has a history.
//!
//! **Choices**: six events per user, at most [`MAX_SEEDED`]; spread over the
//! [`DAYS`] days before the sandbox started (dated relative to the start, so
//! the history is recent; everything else about it follows from the seed);
//! every seeded locked user has one lockout. Logins and failed logins come
//! from documentation addresses (203.0.113.0/24, 198.51.100.0/24) and carry a
//! `risk_score`; a tenth of password changes are made by the account owner.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::event_types::Kind;
use super::events::{Event, FIRST_EVENT_ID, display_name};
use super::tenant::{Tenant, User};

pub(crate) const MAX_SEEDED: usize = 3_000;
pub(crate) const DAYS: i64 = 30;

/// The history of `tenant`, oldest first, ids from `FIRST_EVENT_ID`, all before `start`.
pub(crate) fn history(seed: u64, tenant: &Tenant, start: DateTime<Utc>) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0e7e_17e7_5eed_0001);
    let users: Vec<&User> = tenant.users.values().collect();
    if users.is_empty() {
        return Vec::new();
    }
    let owner = tenant.owner_id.and_then(|id| tenant.users.get(&id));
    let span_ms = DAYS * 24 * 3600 * 1000;
    let at =
        |rng: &mut StdRng| start - ChronoDuration::milliseconds(rng.random_range(60_000..span_ms));

    let mut events: Vec<Event> = Vec::new();
    // Lockouts first, so they are never crowded out by the cap.
    for u in users.iter().filter(|u| u.status == 3) {
        let created_at = at(&mut rng);
        events.push(Event {
            created_at,
            event_type_id: Kind::LockedOut.id(),
            actor_system: Some("OneLogin"),
            notes: Some("Too many failed login attempts".into()),
            ..about(u)
        });
    }
    let count = (users.len() * 6)
        .min(MAX_SEEDED)
        .saturating_sub(events.len());
    for _ in 0..count {
        let u = users[rng.random_range(0..users.len())];
        let roll = rng.random_range(0..100);
        let created_at = at(&mut rng);
        let ip = if rng.random_bool(0.5) {
            format!("203.0.113.{}", rng.random_range(1..255))
        } else {
            format!("198.51.100.{}", rng.random_range(1..255))
        };
        let mut e = Event {
            created_at,
            ipaddr: Some(ip),
            actor_user_id: Some(u.id),
            actor_user_name: Some(display_name(u)),
            ..about(u)
        };
        if roll < 70 {
            e.event_type_id = Kind::LoggedIn.id();
            e.risk_score = Some(if rng.random_bool(0.03) {
                rng.random_range(60..95)
            } else {
                rng.random_range(0..30)
            });
        } else if roll < 90 {
            e.event_type_id = Kind::LoginFailed.id();
            e.notes = Some("Incorrect password".into());
            e.risk_score = Some(rng.random_range(10..80));
        } else {
            e.event_type_id = Kind::PasswordChanged.id();
            if let Some(o) = owner.filter(|_| rng.random_bool(0.1)) {
                e.actor_user_id = Some(o.id);
                e.actor_user_name = Some(display_name(o));
            }
        }
        events.push(e);
    }
    events.sort_by_key(|e| e.created_at);
    for (i, e) in events.iter_mut().enumerate() {
        e.id = FIRST_EVENT_ID + i as i64;
    }
    events
}

/// The parts of an event that name its user.
fn about(u: &User) -> Event {
    Event {
        user_id: Some(u.id),
        user_name: Some(display_name(u)),
        directory_id: u.int_field("directory_id"),
        ..Event::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_bounded_and_in_the_past() {
        let t = Tenant::seeded(3, 300);
        let start = Utc::now();
        let a = history(3, &t, start);
        let b = history(3, &t, start);
        assert_eq!(a, b);
        assert_eq!(a.len(), 1_800);
        assert!(a.iter().all(|e| e.created_at < start));
        assert!(
            a.windows(2)
                .all(|w| w[0].id < w[1].id && w[0].created_at <= w[1].created_at)
        );
        let locked = t.users.values().filter(|u| u.status == 3).count();
        let lockouts = a
            .iter()
            .filter(|e| e.event_type_id == Kind::LockedOut.id())
            .count();
        assert_eq!(lockouts, locked);
        assert!(history(3, &Tenant::seeded(3, 2_000), start).len() <= MAX_SEEDED);
    }
}
