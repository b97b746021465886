//! The query of `GET /api/2/users`: filters, `sort` and `fields`.
//!
//! Filters: `email`, `username`, `firstname`, `lastname`, `samaccountname`,
//! `external_id` (wildcards `*` and negation `!` as on /1, case-insensitive),
//! `directory_id`, `user_ids` (comma list), `app_id`, `custom_attributes.<shortname>`,
//! and the windows `created_since`/`created_until`, `updated_since`/`updated_until`,
//! `last_login_since`/`last_login_until` (ISO-8601, both ends inclusive).
//!
//! **Choices**: the sandbox has no apps, so `app_id` selects nobody; `sort`
//! takes `+field` or `-field` (a bare name is ascending) on any id, string,
//! number or time field, ties broken by id, nulls first; the default is `+id`;
//! a list answer leaves `custom_attributes` out unless `fields` names it; `id`
//! is always returned; unknown names in `fields` are ignored.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::envelope::Reject;
use super::query::{IntSet, Pattern};
use super::tenant::{INT_FIELDS, STRING_FIELDS, TIME_FIELDS, User, format_time};
use super::v2_errors::{bad_request, date};
use super::v2_paging::{PAGING_KEYS, Position, SortKey};

const STRING_FILTERS: [&str; 6] = [
    "email",
    "username",
    "firstname",
    "lastname",
    "samaccountname",
    "external_id",
];

/// Time windows: (parameter, user field, since?).
const WINDOWS: [(&str, &str, bool); 6] = [
    ("created_since", "created_at", true),
    ("created_until", "created_at", false),
    ("updated_since", "updated_at", true),
    ("updated_until", "updated_at", false),
    ("last_login_since", "last_login", true),
    ("last_login_until", "last_login", false),
];

/// Whether `key` may appear in the query of `GET /api/2/users`.
pub(crate) fn allowed(key: &str) -> bool {
    STRING_FILTERS.contains(&key)
        || WINDOWS.iter().any(|(k, _, _)| *k == key)
        || PAGING_KEYS.contains(&key)
        || matches!(
            key,
            "directory_id" | "user_ids" | "app_id" | "fields" | "sort"
        )
        || key
            .strip_prefix("custom_attributes.")
            .is_some_and(|s| !s.is_empty())
}

#[derive(Debug, Clone)]
enum Cond {
    Str(String, Pattern),
    Directory(IntSet),
    Ids(HashSet<i64>),
    NoApp,
    Custom(String, Pattern),
    Time {
        field: &'static str,
        since: bool,
        at: DateTime<Utc>,
    },
}

impl Cond {
    fn matches(&self, u: &User) -> bool {
        match self {
            Cond::Str(f, p) => p.matches(u.str_field(f)),
            Cond::Directory(s) => {
                let have: Vec<i64> = u.int_field("directory_id").into_iter().collect();
                s.matches_any(&have)
            }
            Cond::Ids(ids) => ids.contains(&u.id),
            Cond::NoApp => false,
            Cond::Custom(f, p) => p.matches(u.custom.get(f).map(String::as_str)),
            Cond::Time { field, since, at } => match u.time(field) {
                None => false,
                Some(t) if *since => t >= *at,
                Some(t) => t <= *at,
            },
        }
    }
}

/// A parsed list query.
#[derive(Debug, Clone)]
pub(crate) struct Search {
    conds: Vec<Cond>,
    sort_field: String,
    pub(crate) descending: bool,
    fields: Option<HashSet<String>>,
}

fn is_sortable(f: &str) -> bool {
    f == "id"
        || f == "status"
        || f == "state"
        || STRING_FIELDS.contains(&f)
        || INT_FIELDS.contains(&f)
        || TIME_FIELDS.contains(&f)
}

impl Search {
    /// Reads the query (paging keys are ignored here).
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<Search, Reject> {
        let mut s = Search {
            conds: Vec::new(),
            sort_field: "id".to_string(),
            descending: false,
            fields: None,
        };
        for (k, v) in pairs {
            let key = k.as_str();
            if STRING_FILTERS.contains(&key) {
                s.conds.push(Cond::Str(key.to_string(), Pattern::parse(v)));
            } else if let Some((_, field, since)) = WINDOWS.iter().find(|(p, _, _)| *p == key) {
                let at = date(key, v)?;
                s.conds.push(Cond::Time {
                    field,
                    since: *since,
                    at,
                });
            } else if let Some(name) = key.strip_prefix("custom_attributes.") {
                s.conds
                    .push(Cond::Custom(name.to_string(), Pattern::parse(v)));
            } else {
                match key {
                    "directory_id" => {
                        let set = IntSet::parse(v).ok_or_else(|| {
                            Reject::from(bad_request("directory_id must be an integer"))
                        })?;
                        s.conds.push(Cond::Directory(set));
                    }
                    "user_ids" => s.conds.push(Cond::Ids(user_ids(v)?)),
                    "app_id" => {
                        if v.trim().parse::<i64>().is_err() {
                            return Err(bad_request("app_id must be an integer").into());
                        }
                        s.conds.push(Cond::NoApp);
                    }
                    "sort" => s.sort(v)?,
                    "fields" => {
                        let names: HashSet<String> = v
                            .split(',')
                            .map(|f| f.trim().to_string())
                            .filter(|f| !f.is_empty())
                            .collect();
                        s.fields = (!names.is_empty()).then_some(names);
                    }
                    _ => {}
                }
            }
        }
        Ok(s)
    }

    fn sort(&mut self, raw: &str) -> Result<(), Reject> {
        // `+` in a query string decodes to a space: "+firstname" arrives as " firstname".
        let raw = raw.trim();
        let (descending, field) = match raw.strip_prefix('-') {
            Some(f) => (true, f),
            None => (false, raw.strip_prefix('+').unwrap_or(raw)),
        };
        let field = field.trim();
        if !is_sortable(field) {
            return Err(bad_request(format!("sort field is not allowed: {field}")).into());
        }
        self.sort_field = field.to_string();
        self.descending = descending;
        Ok(())
    }

    pub(crate) fn matches(&self, u: &User) -> bool {
        self.conds.iter().all(|c| c.matches(u))
    }

    /// Where `u` sits in the sorted list.
    pub(crate) fn position(&self, u: &User) -> Position {
        let f = self.sort_field.as_str();
        let key = if f == "id" {
            SortKey::Int(u.id)
        } else if STRING_FIELDS.contains(&f) {
            u.str_field(f)
                .map_or(SortKey::Null, |s| SortKey::Text(s.to_lowercase()))
        } else if TIME_FIELDS.contains(&f) {
            u.time(f)
                .map_or(SortKey::Null, |t| SortKey::Text(format_time(&t)))
        } else {
            u.int_field(f).map_or(SortKey::Null, SortKey::Int)
        };
        (key, u.id)
    }

    /// A rendered user as a list answer shows it.
    pub(crate) fn project(&self, user: Value) -> Value {
        let Value::Object(map) = user else {
            return user;
        };
        let out: Map<String, Value> = map
            .into_iter()
            .filter(|(k, _)| match &self.fields {
                None => k != "custom_attributes",
                Some(keep) => k == "id" || keep.contains(k.as_str()),
            })
            .collect();
        Value::Object(out)
    }
}

/// `user_ids=1,2,3`: a comma list of integers.
fn user_ids(raw: &str) -> Result<HashSet<i64>, Reject> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().ok())
        .collect::<Option<HashSet<i64>>>()
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| bad_request("user_ids must be a comma separated list of integers").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn keys_and_refusals() {
        for k in [
            "email",
            "user_ids",
            "custom_attributes.skype",
            "updated_since",
            "cursor",
        ] {
            assert!(allowed(k), "{k}");
        }
        for k in [
            "id",
            "since",
            "custom_attributes.",
            "role_id",
            "after_cursor",
        ] {
            assert!(!allowed(k), "{k}");
        }
        for q in [
            p(&[("user_ids", "1,x")]),
            p(&[("user_ids", "")]),
            p(&[("updated_since", "yesterday")]),
            p(&[("sort", "-password")]),
            p(&[("directory_id", "a")]),
        ] {
            assert!(Search::parse(&q).is_err(), "{q:?}");
        }
        let s = Search::parse(&p(&[("sort", " firstname")])).unwrap();
        assert!(!s.descending);
        let s = Search::parse(&p(&[("sort", "-updated_at")])).unwrap();
        assert!(s.descending);
    }
}
