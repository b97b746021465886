//! The server's terms matched in the console, over a complete cache of the tenant: the
//! same meaning the API gives them (patterns with `*` and `!`, case-insensitive; ids and
//! id lists; `since`/`until` on `created_at`, inclusive), so a search over the cache
//! finds who the tenant would list.

use chrono::{DateTime, Utc};

use super::search::Pattern;

/// A field a server term names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerField {
    Email,
    Username,
    Firstname,
    Lastname,
    Samaccountname,
    Userprincipalname,
    ExternalId,
    Id,
    DirectoryId,
    ManagerAdId,
    RoleId,
    /// `since` / `until`: `created_at`.
    CreatedAt,
    /// `custom_attributes.<shortname>`.
    Custom(String),
}

/// What a user shows to a server term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerValue<'a> {
    Text(&'a str),
    /// Ids (`role_id` may hold several; none: empty).
    Ints(Vec<i64>),
    /// A time as the API writes it, `""` when unset.
    Time(&'a str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    Pattern(Pattern),
    /// `5`, `5,6`, `!5`.
    Ints {
        negate: bool,
        values: Vec<i64>,
    },
    Since(DateTime<Utc>),
    Until(DateTime<Utc>),
}

/// One server term, ready to match locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTerm {
    pub field: ServerField,
    test: Test,
}

impl ServerTerm {
    /// The term `key:value` as the server reads it; `Ok(None)` for keys that shape the
    /// answer (`fields`, `sort`, `limit`) rather than choose users.
    pub fn parse(key: &str, value: &str) -> Result<Option<ServerTerm>, String> {
        let text = |field| Some((field, Test::Pattern(Pattern::parse(value))));
        let ints = |field| -> Result<_, String> {
            let (negate, body) = match value.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, value),
            };
            let values = body
                .split(',')
                .map(|s| s.trim().parse::<i64>())
                .collect::<Result<Vec<i64>, _>>()
                .map_err(|_| format!("{key}:{value} is not an id (or a list of ids)"))?;
            Ok(Some((field, Test::Ints { negate, values })))
        };
        let time = |since: bool| -> Result<_, String> {
            let at = crate::api::parse_utc_time(value)
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                })
                .ok_or_else(|| format!("{key}:{value} is not a date (2024-05-01 or ISO-8601)"))?;
            let test = if since {
                Test::Since(at)
            } else {
                Test::Until(at)
            };
            Ok(Some((ServerField::CreatedAt, test)))
        };
        let found = match key {
            "email" => text(ServerField::Email),
            "username" => text(ServerField::Username),
            "firstname" => text(ServerField::Firstname),
            "lastname" => text(ServerField::Lastname),
            "samaccountname" => text(ServerField::Samaccountname),
            "userprincipalname" => text(ServerField::Userprincipalname),
            "external_id" => text(ServerField::ExternalId),
            "id" => ints(ServerField::Id)?,
            "directory_id" => ints(ServerField::DirectoryId)?,
            "manager_ad_id" => ints(ServerField::ManagerAdId)?,
            "role_id" => ints(ServerField::RoleId)?,
            "since" => time(true)?,
            "until" => time(false)?,
            "fields" | "sort" | "limit" => None,
            _ => match key.strip_prefix("custom_attributes.") {
                Some(name) => text(ServerField::Custom(name.to_string())),
                None => return Err(format!("`{key}` cannot be matched over the cache")),
            },
        };
        Ok(found.map(|(field, test)| ServerTerm { field, test }))
    }

    pub fn matches(&self, value: ServerValue<'_>) -> bool {
        match (&self.test, value) {
            (Test::Pattern(p), ServerValue::Text(t)) => p.matches(t),
            (Test::Ints { negate, values }, ServerValue::Ints(have)) => {
                have.iter().any(|h| values.contains(h)) != *negate
            }
            (Test::Since(at), ServerValue::Time(t)) => {
                crate::api::parse_utc_time(t).is_some_and(|t| t >= *at)
            }
            (Test::Until(at), ServerValue::Time(t)) => {
                crate::api::parse_utc_time(t).is_some_and(|t| t <= *at)
            }
            // A field shown in another form than the term reads: no match.
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(k: &str, v: &str) -> ServerTerm {
        ServerTerm::parse(k, v).unwrap().unwrap()
    }

    #[test]
    fn server_terms_mean_what_the_api_means() {
        assert!(term("email", "kat*").matches(ServerValue::Text("Katherine@x")));
        assert!(!term("email", "!kat*").matches(ServerValue::Text("kat@x")));
        assert!(term("role_id", "7").matches(ServerValue::Ints(vec![3, 7])));
        assert!(term("id", "1,2").matches(ServerValue::Ints(vec![2])));
        assert!(term("directory_id", "!5").matches(ServerValue::Ints(vec![])));
        assert!(!term("role_id", "7").matches(ServerValue::Ints(vec![])));
        let since = term("since", "2024-05-01");
        assert!(since.matches(ServerValue::Time("2024-05-01T00:00:00.000Z")));
        assert!(!since.matches(ServerValue::Time("2024-04-30T23:59:59.999Z")));
        assert!(!since.matches(ServerValue::Time("")));
        assert!(
            term("until", "2024-05-01T00:00:00Z")
                .matches(ServerValue::Time("2023-01-01T00:00:00Z"))
        );
        let custom = term("custom_attributes.AWS_Role", "admin");
        assert_eq!(custom.field, ServerField::Custom("AWS_Role".into()));
        assert!(custom.matches(ServerValue::Text("Admin")));
        assert_eq!(ServerTerm::parse("sort", "-id").unwrap(), None);
        assert!(ServerTerm::parse("role_id", "x").is_err());
        assert!(ServerTerm::parse("since", "soon").is_err());
    }
}
