//! The tenant's data: users, groups, roles, custom attribute fields, seeded
//! deterministically from a `u64`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use super::custom_fields::{FIRST_FIELD_ID, FieldDef};
use super::hostile;
use super::names;

/// String fields of a user, in the order they are rendered.
pub(crate) const STRING_FIELDS: [&str; 17] = [
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
    "notes",
    "openid_name",
    "locale_code",
];

/// Nullable integer fields of a user.
pub(crate) const INT_FIELDS: [&str; 6] = [
    "group_id",
    "directory_id",
    "trusted_idp_id",
    "manager_ad_id",
    "manager_user_id",
    "invalid_login_attempts",
];

/// Timestamp fields of a user.
pub(crate) const TIME_FIELDS: [&str; 7] = [
    "activated_at",
    "created_at",
    "updated_at",
    "password_changed_at",
    "invitation_sent_at",
    "last_login",
    "locked_until",
];

/// Valid `status` values (there is no 6).
pub(crate) const STATUSES: [i64; 8] = [0, 1, 2, 3, 4, 5, 7, 8];
/// Valid `state` values.
pub(crate) const STATES: [i64; 4] = [0, 1, 2, 3];

/// `2016-01-21T09:20:15.990Z`.
pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub(crate) id: i64,
    strings: [Option<String>; 17],
    ints: [Option<i64>; 6],
    pub(crate) status: i64,
    pub(crate) state: i64,
    pub(crate) role_id: Option<Vec<i64>>,
    /// Set values only; unset fields render as null.
    pub(crate) custom: HashMap<String, String>,
    times: [Option<DateTime<Utc>>; 7],
}

fn index_of(list: &[&str], name: &str) -> Option<usize> {
    list.iter().position(|f| *f == name)
}

impl User {
    pub(crate) fn blank(id: i64, created: DateTime<Utc>) -> User {
        let mut u = User {
            id,
            strings: Default::default(),
            ints: Default::default(),
            status: 1,
            state: 1,
            role_id: Some(Vec::new()),
            custom: HashMap::new(),
            times: Default::default(),
        };
        u.set_time("created_at", Some(created));
        u.set_time("updated_at", Some(created));
        u
    }

    /// The value of a string field; `None` when null or not a string field.
    pub(crate) fn str_field(&self, name: &str) -> Option<&str> {
        index_of(&STRING_FIELDS, name).and_then(|i| self.strings[i].as_deref())
    }

    /// The slot of a string field, `None` when `name` is not one.
    pub(crate) fn str_slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        index_of(&STRING_FIELDS, name).map(|i| &mut self.strings[i])
    }

    pub(crate) fn set_str(&mut self, name: &str, value: Option<&str>) {
        if let Some(slot) = self.str_slot(name) {
            *slot = value.map(str::to_string);
        }
    }

    pub(crate) fn int_field(&self, name: &str) -> Option<i64> {
        match name {
            "id" => Some(self.id),
            "status" => Some(self.status),
            "state" => Some(self.state),
            _ => index_of(&INT_FIELDS, name).and_then(|i| self.ints[i]),
        }
    }

    pub(crate) fn int_slot(&mut self, name: &str) -> Option<&mut Option<i64>> {
        index_of(&INT_FIELDS, name).map(|i| &mut self.ints[i])
    }

    pub(crate) fn set_int(&mut self, name: &str, value: Option<i64>) {
        if let Some(slot) = self.int_slot(name) {
            *slot = value;
        }
    }

    pub(crate) fn time(&self, name: &str) -> Option<DateTime<Utc>> {
        index_of(&TIME_FIELDS, name).and_then(|i| self.times[i])
    }

    pub(crate) fn set_time(&mut self, name: &str, value: Option<DateTime<Utc>>) {
        if let Some(i) = index_of(&TIME_FIELDS, name) {
            self.times[i] = value;
        }
    }

    pub(crate) fn created_at(&self) -> DateTime<Utc> {
        self.time("created_at").unwrap_or_default()
    }

    /// Marks a change: `updated_at` moves to now (and never backwards).
    pub(crate) fn touch(&mut self) {
        let now = Utc::now();
        let prev = self.time("updated_at").unwrap_or_default();
        let next = if now > prev {
            now
        } else {
            prev + ChronoDuration::milliseconds(1)
        };
        self.set_time("updated_at", Some(next));
    }

    pub(crate) fn roles(&self) -> Vec<i64> {
        self.role_id.clone().unwrap_or_default()
    }

    /// The user as API /1 renders it. `fields` is the tenant's field list.
    pub(crate) fn to_json(&self, fields: &[String]) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        for (i, name) in STRING_FIELDS.iter().enumerate() {
            m.insert((*name).into(), json!(self.strings[i]));
        }
        m.insert("status".into(), json!(self.status));
        m.insert("state".into(), json!(self.state));
        for (i, name) in INT_FIELDS.iter().enumerate() {
            m.insert((*name).into(), json!(self.ints[i]));
        }
        m.insert("role_id".into(), json!(self.role_id));
        for (i, name) in TIME_FIELDS.iter().enumerate() {
            m.insert(
                (*name).into(),
                json!(self.times[i].as_ref().map(format_time)),
            );
        }
        let mut custom = Map::new();
        for f in fields {
            custom.insert(f.clone(), json!(self.custom.get(f)));
        }
        m.insert("custom_attributes".into(), Value::Object(custom));
        Value::Object(m)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) id: i64,
    pub(crate) name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Role {
    pub(crate) id: i64,
    pub(crate) name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub(crate) users: BTreeMap<i64, User>,
    pub(crate) groups: Vec<Group>,
    pub(crate) roles: Vec<Role>,
    /// Custom attribute fields, in order (see `custom_fields`).
    pub(crate) fields: Vec<FieldDef>,
    /// The account owner: Manage users credentials may not change it (403).
    pub(crate) owner_id: Option<i64>,
}

/// Positions (0-based, in id order) of the hostile users: all on page 1.
pub(crate) const HOSTILE_AT: [usize; 3] = [2, 16, 29];

impl Tenant {
    pub(crate) fn seeded(seed: u64, count: usize) -> Tenant {
        let mut rng = StdRng::seed_from_u64(seed);
        let groups: Vec<Group> = names::GROUPS
            .iter()
            .map(|(id, name)| Group {
                id: *id,
                name: (*name).to_string(),
            })
            .collect();
        let roles: Vec<Role> = names::ROLES
            .iter()
            .map(|(id, name)| Role {
                id: *id,
                name: (*name).to_string(),
            })
            .collect();
        let fields: Vec<FieldDef> = names::CUSTOM_FIELDS
            .iter()
            .enumerate()
            .map(|(i, (shortname, name))| FieldDef {
                id: FIRST_FIELD_ID + i as i64,
                name: (*name).to_string(),
                shortname: (*shortname).to_string(),
            })
            .collect();

        let start = Utc
            .with_ymd_and_hms(2015, 3, 2, 8, 0, 0)
            .single()
            .unwrap_or_default();
        // Accounts are created over about eight years.
        let span_secs: i64 = 8 * 365 * 24 * 3600;
        let step_max = (2 * span_secs / count.max(1) as i64).max(2);

        let mut users = BTreeMap::new();
        let mut taken: HashMap<String, u32> = HashMap::new();
        let mut ids: Vec<i64> = Vec::with_capacity(count);
        let mut id = 10_001_i64;
        let mut created = start;
        for i in 0..count {
            if i > 0 {
                id += 1 + rng.random_range(0..3_i64);
            }
            created += ChronoDuration::seconds(rng.random_range(1..step_max))
                + ChronoDuration::milliseconds(rng.random_range(0..1000));
            let mut user = User::blank(id, created);
            fill_random(&mut user, &mut rng, &mut taken, &groups, &roles, &ids);
            if i == 0 {
                make_owner(&mut user, &roles);
            }
            if let Some(which) = HOSTILE_AT.iter().position(|p| *p == i) {
                hostile::apply(which, &mut user);
            }
            ids.push(id);
            users.insert(id, user);
        }
        let owner_id = ids.first().copied();
        Tenant {
            users,
            groups,
            roles,
            fields,
            owner_id,
        }
    }

    pub(crate) fn role_ids(&self) -> Vec<i64> {
        self.roles.iter().map(|r| r.id).collect()
    }

    pub(crate) fn has_group(&self, id: i64) -> bool {
        self.groups.iter().any(|g| g.id == id)
    }

    pub(crate) fn has_role(&self, id: i64) -> bool {
        self.roles.iter().any(|r| r.id == id)
    }

    /// Whether another user than `id` already uses `value` (case-insensitive)
    /// in `field` (`email` or `username`).
    pub(crate) fn taken(&self, field: &str, value: &str, id: i64) -> bool {
        if value.is_empty() {
            return false;
        }
        self.users.values().any(|u| {
            u.id != id
                && u.str_field(field)
                    .is_some_and(|v| v.to_lowercase() == value.to_lowercase())
        })
    }
}

fn pick<'a, R: Rng>(rng: &mut R, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn weighted<R: Rng>(rng: &mut R, table: &[(i64, u32)]) -> i64 {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (v, w) in table {
        if roll < *w {
            return *v;
        }
        roll -= w;
    }
    table.first().map(|(v, _)| *v).unwrap_or_default()
}

fn later<R: Rng>(rng: &mut R, t: DateTime<Utc>, max_days: i64) -> DateTime<Utc> {
    t + ChronoDuration::seconds(rng.random_range(60..max_days.max(1) * 86_400 + 120))
        + ChronoDuration::milliseconds(rng.random_range(0..1000))
}

fn fill_random(
    u: &mut User,
    rng: &mut StdRng,
    taken: &mut HashMap<String, u32>,
    groups: &[Group],
    roles: &[Role],
    earlier_ids: &[i64],
) {
    let first = pick(rng, names::FIRST_NAMES);
    let last = pick(rng, names::LAST_NAMES);
    let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
    let n = taken.entry(base.clone()).or_insert(0);
    *n += 1;
    let local = if *n == 1 { base } else { format!("{base}{n}") };
    let email = format!("{local}@example.com");
    let created = u.created_at();

    u.set_str("firstname", Some(first));
    u.set_str("lastname", Some(last));
    u.set_str("email", Some(&email));
    u.set_str("username", Some(&local));
    let department = pick(rng, names::DEPARTMENTS);
    u.set_str("department", Some(department));
    u.set_str("title", Some(pick(rng, names::TITLES)));
    u.set_str("company", Some(pick(rng, names::COMPANIES)));
    let phone = format!(
        "+1-{}-555-{:04}",
        rng.random_range(201..990),
        rng.random_range(0..10_000)
    );
    u.set_str(
        "phone",
        if rng.random_bool(0.8) {
            Some(&phone)
        } else {
            Some("")
        },
    );
    u.set_str(
        "comment",
        if rng.random_bool(0.5) { Some("") } else { None },
    );
    u.set_str("openid_name", Some(&local));
    u.set_str(
        "locale_code",
        if rng.random_bool(0.3) {
            Some("en")
        } else {
            None
        },
    );
    let external = format!("ext-{:06}", rng.random_range(0..1_000_000));
    u.set_str(
        "external_id",
        if rng.random_bool(0.4) {
            Some(&external)
        } else {
            None
        },
    );

    // A third of the users come from Active Directory.
    if rng.random_bool(0.33) {
        u.set_int("directory_id", Some(77_001));
        let sam = format!("{}{}", &first[..1].to_lowercase(), last.to_lowercase());
        u.set_str("samaccountname", Some(&sam));
        u.set_str("userprincipalname", Some(&email));
        u.set_str(
            "distinguished_name",
            Some(&format!(
                "CN={first} {last},OU={department},DC=example,DC=com"
            )),
        );
        u.set_str(
            "member_of",
            Some(&format!("CN={department},OU=Groups,DC=example,DC=com")),
        );
        u.set_int("manager_ad_id", Some(rng.random_range(5_000..5_200)));
    } else {
        u.set_str("samaccountname", None);
        u.set_str("userprincipalname", None);
        u.set_str("distinguished_name", None);
        u.set_str(
            "member_of",
            if rng.random_bool(0.5) { Some("") } else { None },
        );
    }
    if !earlier_ids.is_empty() && rng.random_bool(0.4) {
        let m = earlier_ids[rng.random_range(0..earlier_ids.len())];
        u.set_int("manager_user_id", Some(m));
    }
    u.set_int(
        "invalid_login_attempts",
        Some(weighted(rng, &[(0, 90), (1, 6), (2, 3), (5, 1)])),
    );

    u.status = weighted(
        rng,
        &[
            (1, 80),
            (0, 5),
            (2, 4),
            (3, 3),
            (4, 3),
            (5, 2),
            (7, 2),
            (8, 1),
        ],
    );
    u.state = weighted(rng, &[(1, 90), (0, 4), (2, 3), (3, 3)]);
    u.set_int(
        "group_id",
        if rng.random_bool(0.8) {
            Some(groups[rng.random_range(0..groups.len())].id)
        } else {
            None
        },
    );
    u.role_id = if rng.random_bool(0.05) {
        None
    } else {
        let n = weighted(rng, &[(0, 15), (1, 50), (2, 25), (3, 10)]) as usize;
        let mut ids: Vec<i64> = Vec::new();
        for _ in 0..n {
            let r = roles[rng.random_range(0..roles.len())].id;
            if !ids.contains(&r) {
                ids.push(r);
            }
        }
        ids.sort_unstable();
        Some(ids)
    };

    // Timestamps.
    let invited = later(rng, created, 2);
    u.set_time(
        "invitation_sent_at",
        if rng.random_bool(0.6) {
            Some(invited)
        } else {
            None
        },
    );
    if u.status != 0 {
        let activated = later(rng, created, 5);
        u.set_time("activated_at", Some(activated));
        u.set_time("password_changed_at", Some(later(rng, activated, 200)));
        if rng.random_bool(0.85) {
            u.set_time("last_login", Some(later(rng, activated, 400)));
        }
    }
    if u.status == 3 {
        u.set_time("locked_until", Some(later(rng, created, 800)));
    }
    let updated = later(rng, created, 500);
    u.set_time("updated_at", Some(updated));

    // Custom attribute values: some set, the rest null.
    if rng.random_bool(0.4) {
        u.custom
            .insert("AWS_Role".into(), pick(rng, names::AWS_ROLES).to_string());
    }
    if rng.random_bool(0.5) {
        u.custom.insert("skype".into(), local.replace('.', "_"));
    }
    if rng.random_bool(0.2) {
        u.custom.insert("messenger".into(), format!("@{local}"));
    }
    if rng.random_bool(0.9) {
        u.custom.insert("employee_id".into(), format!("E{}", u.id));
    }
    if rng.random_bool(0.6) {
        u.custom.insert(
            "cost_center".into(),
            format!("CC-{}", rng.random_range(1000..1100)),
        );
    }
    if rng.random_bool(0.5) {
        u.custom
            .insert("branch".into(), pick(rng, names::BRANCHES).to_string());
    }
}

fn make_owner(u: &mut User, roles: &[Role]) {
    u.set_str("firstname", Some("Account"));
    u.set_str("lastname", Some("Owner"));
    u.set_str("email", Some("owner@example.com"));
    u.set_str("username", Some("owner"));
    u.set_str("openid_name", Some("owner"));
    u.set_str("title", Some("Account Owner"));
    u.set_str("department", Some("IT"));
    u.status = 1;
    u.state = 1;
    u.role_id = Some(roles.iter().take(2).map(|r| r.id).collect());
    if u.time("activated_at").is_none() {
        let created = u.created_at();
        u.set_time("activated_at", Some(created));
    }
}

/// Every email of a tenant.
#[cfg(test)]
pub(crate) fn emails(t: &Tenant) -> std::collections::HashSet<String> {
    t.users
        .values()
        .filter_map(|u| u.str_field("email").map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_deterministic_and_unique() {
        let a = Tenant::seeded(7, 2000);
        let b = Tenant::seeded(7, 2000);
        assert_eq!(a.users, b.users);
        assert_eq!(emails(&a).len(), 2000);
        let c = Tenant::seeded(8, 2000);
        assert_ne!(a.users, c.users);
        assert!(a.users.values().all(|u| u.status != 6));
        let ids: Vec<i64> = a.users.keys().copied().collect();
        assert_eq!(ids[0], 10_001);
    }

    #[test]
    fn hostile_users_on_page_one() {
        let t = Tenant::seeded(1, 60);
        let first50: Vec<&User> = t.users.values().take(50).collect();
        for email in [
            "mallory@example.com",
            "bidi@example.com",
            "bell@example.com",
        ] {
            assert!(
                first50.iter().any(|u| u.str_field("email") == Some(email)),
                "{email}"
            );
        }
    }
}
