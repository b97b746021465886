//! Shared by the benches: the `BENCH` line, percentiles, and a console state with
//! 100,000 users loaded through `update()` as the worker would deliver them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onelogin_tui::api::{Page, User};
use onelogin_tui::app::action::{Action, Outcome};
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, StateConfig};
use onelogin_tui::app::update::{start, update};
use onelogin_tui::config::UserUpdateApi;
use serde_json::json;

/// Users in the console figures.
pub const USERS: usize = 100_000;
/// The API's page size: the console loads users 50 at a time.
pub const PAGE: usize = 50;

/// The one output format of every figure.
pub fn report(name: &str, value: f64, unit: &str) {
    let value = if value.abs() >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    };
    println!("BENCH {name} {value} {unit}");
}

/// The `p`-th percentile (0..=100) of `samples`, nearest rank.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn percentile_usize(samples: &[usize], p: f64) -> usize {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

const FIRST: &[&str] = &[
    "Katherine",
    "James",
    "Aiko",
    "Oluwaseun",
    "María",
    "Lars",
    "Priya",
    "Chen",
    "Fatima",
    "Mateo",
    "Ingrid",
    "Noah",
    "Zanele",
    "Dmitri",
    "Sofia",
    "Kwame",
    "Hannah",
    "Ravi",
    "Elena",
    "Tomás",
    "Yuki",
    "Amara",
    "Pierre",
    "Leila",
];
const LAST: &[&str] = &[
    "Smith",
    "Okafor",
    "Tanaka",
    "García",
    "Johansson",
    "Patel",
    "Wang",
    "Haddad",
    "Rossi",
    "Müller",
    "Nguyen",
    "Kowalski",
    "Mensah",
    "Ivanova",
    "O'Brien",
    "Silva",
    "Cohen",
    "Kim",
    "Dubois",
    "Andersen",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Finance",
    "Support",
    "Marketing",
    "Legal",
    "Operations",
    "IT",
];
const ROLES: &[&str] = &["Admin", "ReadOnly", "Developer", "Billing", "Auditor"];

/// A tenant-like user, built through serde as the API client builds them.
pub fn user(id: usize) -> User {
    // A cheap deterministic spread, so names and departments do not line up with ids.
    let h = id.wrapping_mul(2_654_435_761) >> 7;
    let first = FIRST[h % FIRST.len()];
    let last = LAST[(h / 31) % LAST.len()];
    let role = (!h.is_multiple_of(3)).then(|| ROLES[(h / 7) % ROLES.len()]);
    let email = format!(
        "{}.{}{}@example.com",
        first.to_lowercase(),
        last.to_lowercase().replace('\'', ""),
        id
    );
    let department = DEPARTMENTS[(h / 5) % DEPARTMENTS.len()];
    let name = format!("{first} {last}");
    // Every field API /1 sends for a user, as the sandbox tenant renders it.
    let value = json!({
        "id": id, "external_id": (!h.is_multiple_of(4)).then(|| format!("ext-{h:06}")),
        "email": email, "username": email.trim_end_matches("@example.com"),
        "firstname": first, "lastname": last,
        "distinguished_name": (h.is_multiple_of(2)).then(|| format!("CN={name},OU={department},DC=example,DC=com")),
        "samaccountname": (h.is_multiple_of(2)).then(|| format!("{}{}", &first[..1], last).to_lowercase()),
        "userprincipalname": (h.is_multiple_of(2)).then(|| email.clone()),
        "member_of": format!("CN={department},OU=Groups,DC=example,DC=com"),
        "phone": format!("+1-469-555-{:04}", h % 10_000), "company": "Example Corp",
        "department": department, "title": "Senior Software Engineer",
        "comment": null, "notes": null, "openid_name": email.trim_end_matches("@example.com"),
        "locale_code": (h.is_multiple_of(5)).then_some("en"),
        "status": if h.is_multiple_of(11) { 3 } else { 1 }, "state": 1, "group_id": 401_004,
        "directory_id": (h.is_multiple_of(2)).then_some(77_001), "trusted_idp_id": null,
        "manager_ad_id": (h.is_multiple_of(2)).then_some(5_000 + h % 300), "manager_user_id": 10_001,
        "invalid_login_attempts": 0, "role_id": [],
        "activated_at": "2015-04-10T02:09:33.280Z", "created_at": "2015-04-06T17:40:58.136Z",
        "updated_at": "2015-09-05T06:47:13.260Z", "password_changed_at": "2015-04-18T09:17:13.206Z",
        "invitation_sent_at": "2015-04-07T03:27:11.684Z", "last_login": "2015-11-01T22:21:25.054Z",
        "locked_until": null,
        "custom_attributes": {
            "AWS_Role": role, "skype": null, "messenger": null,
            "employee_id": format!("E{id}"), "cost_center": format!("CC-{}", h % 400),
            "branch": (h.is_multiple_of(3)).then_some("Dublin")
        }
    });
    match serde_json::from_value(value) {
        Ok(user) => user,
        Err(e) => panic!("a bench user does not parse: {e}"),
    }
}

/// A console at `width`×`height`, started, fields answered, no user yet (generation 1).
pub fn empty_state(width: u16, height: u16) -> AppState {
    let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
    let mut state = AppState::new(StateConfig {
        tenant: onelogin_tui::tenant::Tenant::new(
            "bench",
            &reqwest::Url::parse("http://127.0.0.1:8089").expect("a URL"),
        ),
        read_only: false,
        protected: false,
        user_update: UserUpdateApi::V1,
        columns: onelogin_tui::app::columns::with_custom(&["AWS_Role"]),
        request_log_capacity: 2_000,
        keymap,
        width,
        height,
        band: None,
    });
    start(&mut state);
    update(
        &mut state,
        Action::Outcome(Outcome::Fields(Ok(vec![
            "AWS_Role".into(),
            "skype".into(),
            "messenger".into(),
            "employee_id".into(),
            "cost_center".into(),
            "branch".into(),
        ]))),
    );
    state
}

/// Feeds `users` users into `state` page by page as `UsersPage` outcomes, the last page
/// without a cursor (everything loaded), as `L` (load all) does.
pub fn load_users(state: &mut AppState, users: usize) {
    update(state, ch('L'));
    let generation = state.users.generation;
    let mut id = 1;
    while id <= users {
        let end = (id + PAGE).min(users + 1);
        let items: Vec<User> = (id..end).map(user).collect();
        let after_cursor = (end <= users).then(|| format!("cursor-{end}"));
        update(
            state,
            Action::Outcome(Outcome::UsersPage {
                generation,
                result: Ok(Page {
                    items,
                    after_cursor,
                    before_cursor: None,
                }),
            }),
        );
        id = end;
    }
    state.in_flight = 0;
}

/// `VmRSS` of this process, in bytes.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
