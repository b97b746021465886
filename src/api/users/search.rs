//! The one search grammar: the console's `s` box, `export --search` and anything else that
//! takes a search read it here. Space-separated `key:value` terms, double quotes around a
//! value with spaces, `\"` inside quotes. Terms API /1 can search go to the server as a
//! [`UserQuery`]; terms on fields it cannot search ([`LOCAL_SEARCH_FIELDS`]) are matched
//! over the listed users by [`Search::matches`], in the API's pattern language.

use super::query::{SEARCH_PARAMS, SortOrder, UserQuery};
use super::search_local::{ServerField, ServerTerm, ServerValue};
use super::user::{User, state_name, status_name};

/// User fields API /1 cannot search: a search names them and they are matched over the
/// listed users (a tenant may ignore an unknown parameter and answer everyone).
pub const LOCAL_SEARCH_FIELDS: &[&str] =
    &["department", "title", "company", "phone", "status", "state"];

/// One of [`LOCAL_SEARCH_FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalField {
    Department,
    Title,
    Company,
    Phone,
    Status,
    State,
}

impl LocalField {
    const ALL: [LocalField; 6] = [
        LocalField::Department,
        LocalField::Title,
        LocalField::Company,
        LocalField::Phone,
        LocalField::Status,
        LocalField::State,
    ];

    /// The API's name of the field.
    pub fn name(self) -> &'static str {
        match self {
            LocalField::Department => "department",
            LocalField::Title => "title",
            LocalField::Company => "company",
            LocalField::Phone => "phone",
            LocalField::Status => "status",
            LocalField::State => "state",
        }
    }

    fn from_name(name: &str) -> Option<LocalField> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A local field's value: text ("" when unset), or a status/state code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    Text(&'a str),
    Code(Option<i64>),
}

/// What a user-like value shows to the local terms of a search: the API's `User` and the
/// console's slimmer row both answer, so the local rule is written once.
pub trait SearchFields {
    fn search_field(&self, field: LocalField) -> FieldValue<'_>;
    /// What a server term sees, when the server's terms are matched here (a complete cache).
    fn server_field(&self, field: &ServerField) -> ServerValue<'_>;
}

impl SearchFields for User {
    fn search_field(&self, field: LocalField) -> FieldValue<'_> {
        fn text(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or_default()
        }
        match field {
            LocalField::Department => FieldValue::Text(text(&self.department)),
            LocalField::Title => FieldValue::Text(text(&self.title)),
            LocalField::Company => FieldValue::Text(text(&self.company)),
            LocalField::Phone => FieldValue::Text(text(&self.phone)),
            LocalField::Status => FieldValue::Code(self.status),
            LocalField::State => FieldValue::Code(self.state),
        }
    }

    fn server_field(&self, field: &ServerField) -> ServerValue<'_> {
        fn text(v: &Option<String>) -> ServerValue<'_> {
            ServerValue::Text(v.as_deref().unwrap_or_default())
        }
        let int = |v: Option<i64>| ServerValue::Ints(v.into_iter().collect());
        match field {
            ServerField::Email => text(&self.email),
            ServerField::Username => text(&self.username),
            ServerField::Firstname => text(&self.firstname),
            ServerField::Lastname => text(&self.lastname),
            ServerField::Samaccountname => text(&self.samaccountname),
            ServerField::Userprincipalname => text(&self.userprincipalname),
            ServerField::ExternalId => text(&self.external_id),
            ServerField::Id => int(Some(self.id)),
            ServerField::DirectoryId => int(self.directory_id),
            ServerField::ManagerAdId => int(self.manager_ad_id),
            ServerField::RoleId => ServerValue::Ints(self.role_id.clone().unwrap_or_default()),
            ServerField::CreatedAt => {
                ServerValue::Time(self.created_at.as_deref().unwrap_or_default())
            }
            ServerField::Custom(name) => ServerValue::Text(
                self.custom_attributes
                    .get(name)
                    .and_then(|v| v.as_deref())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// The API's pattern language on one value: `kat*`, `*@example.com`, `*mid*`, exact
/// otherwise, `!` in front negates; case does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    negated: bool,
    /// The lower-cased pieces between the `*`s (one piece: an exact match).
    pieces: Vec<String>,
}

impl Pattern {
    pub fn parse(raw: &str) -> Pattern {
        let (negated, body) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        Pattern {
            negated,
            pieces: body.to_lowercase().split('*').map(str::to_string).collect(),
        }
    }

    pub fn matches(&self, value: &str) -> bool {
        self.hits(value) != self.negated
    }

    /// The match before negation.
    fn hits(&self, value: &str) -> bool {
        // Already lower case (the console's search buffer): as it is.
        if value
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            return self.hits_lower(value);
        }
        // Lower-cased into a buffer kept per thread: a keystroke over 100,000 users
        // matches without allocating.
        thread_local! {
            static LOWER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        LOWER.with(|buf| match buf.try_borrow_mut() {
            Ok(mut buf) => {
                buf.clear();
                if value.is_ascii() {
                    buf.extend(value.chars().map(|c| c.to_ascii_lowercase()));
                } else {
                    buf.push_str(&value.to_lowercase());
                }
                self.hits_lower(&buf)
            }
            Err(_) => self.hits_lower(&value.to_lowercase()),
        })
    }

    fn hits_lower(&self, value: &str) -> bool {
        let (first, rest) = match self.pieces.split_first() {
            Some(split) => split,
            None => return value.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return value == first.as_str();
        };
        let Some(mut tail) = value.strip_prefix(first.as_str()) else {
            return false;
        };
        for piece in middle {
            match tail.find(piece.as_str()) {
                Some(at) => tail = &tail[at + piece.len()..],
                None => return false,
            }
        }
        tail.ends_with(last.as_str())
    }
}

/// A term matched over the listed users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTerm {
    pub field: LocalField,
    pub pattern: Pattern,
}

impl LocalTerm {
    fn matches(&self, user: &impl SearchFields) -> bool {
        let hit = match user.search_field(self.field) {
            FieldValue::Text(text) => self.pattern.hits(text),
            // `status:1`, `status:active`, `status:"password expired"`, `status:expired`.
            FieldValue::Code(code) => {
                let name = match (self.field, code) {
                    (_, None) => "",
                    (LocalField::Status, Some(c)) => status_name(c),
                    (_, Some(c)) => state_name(c),
                };
                let number = code.map(|c| c.to_string()).unwrap_or_default();
                self.pattern.hits(&number)
                    || self.pattern.hits(name)
                    || name.split(' ').any(|word| self.pattern.hits(word))
            }
        };
        // Negation applies to the whole field: `status:!1` drops the active users.
        hit != self.pattern.negated
    }
}

/// The local terms of a search; a user must match all of them. Over a complete cache
/// they also hold the server's terms ([`Search::whole_local`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalTerms(Vec<LocalTerm>, Vec<ServerTerm>);

impl LocalTerms {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.is_empty()
    }

    /// Whether the server's terms are matched here too.
    pub fn has_server_terms(&self) -> bool {
        !self.1.is_empty()
    }

    pub fn terms(&self) -> &[LocalTerm] {
        &self.0
    }

    /// The fields named, in order, each once.
    pub fn field_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = Vec::new();
        for term in &self.0 {
            if !names.contains(&term.field.name()) {
                names.push(term.field.name());
            }
        }
        names
    }

    pub fn matches(&self, user: &impl SearchFields) -> bool {
        self.0.iter().all(|term| term.matches(user))
            && self
                .1
                .iter()
                .all(|term| term.matches(user.server_field(&term.field)))
    }
}

/// A parsed search: what the API answers, and what is matched over its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    server: UserQuery,
    local: LocalTerms,
}

impl Search {
    /// Reads the search text. Errors name the term and say what to type instead.
    pub fn parse(text: &str) -> Result<Search, String> {
        let mut search = Search::default();
        for (key, value) in terms(text)? {
            match LocalField::from_name(&key) {
                Some(field) => search.local.0.push(LocalTerm {
                    field,
                    pattern: Pattern::parse(&value),
                }),
                None => search.server = server_term(search.server, &key, value)?,
            }
        }
        // A `fields:` term narrows the answer: it must still carry what the local terms read.
        if let Some(fields) = search.server.get("fields") {
            let mut fields: Vec<String> = fields.split(',').map(str::to_string).collect();
            search.add_local_fields(&mut fields);
            search.server = search.server.param("fields", fields.join(","));
        }
        Ok(search)
    }

    /// The part API /1 searches.
    pub fn server(&self) -> &UserQuery {
        &self.server
    }

    /// The part matched over the listed users.
    pub fn local(&self) -> &LocalTerms {
        &self.local
    }

    pub fn into_parts(self) -> (UserQuery, LocalTerms) {
        (self.server, self.local)
    }

    /// Every term matched here, the server's too: a search over a complete cache of the
    /// tenant. `fields`, `sort` and `limit` shape an answer and are left out.
    pub fn whole_local(&self) -> Result<LocalTerms, String> {
        let mut terms = self.local.clone();
        for (key, value) in self.server.pairs() {
            if let Some(term) = ServerTerm::parse(key, value)? {
                terms.1.push(term);
            }
        }
        Ok(terms)
    }

    /// Whether a user the server listed passes the local terms.
    pub fn matches(&self, user: &impl SearchFields) -> bool {
        self.local.matches(user)
    }

    /// `fields` (a `fields` parameter) with the fields the local terms read added, so that
    /// narrowing the answer never drops them. Empty stays empty: every field.
    pub fn fields_with_local(&self, fields: &[String]) -> Vec<String> {
        let mut fields = fields.to_vec();
        if !fields.is_empty() {
            self.add_local_fields(&mut fields);
        }
        fields
    }

    fn add_local_fields(&self, fields: &mut Vec<String>) {
        for name in self.local.field_names() {
            if !fields.iter().any(|f| f == name) {
                fields.push(name.to_string());
            }
        }
    }
}

/// Every key a search accepts, for the error that names a wrong one.
fn valid_keys() -> String {
    let mut keys = SEARCH_PARAMS.to_vec();
    keys.extend(["custom_attributes.<shortname>", "fields", "sort", "limit"]);
    format!(
        "{}; matched over the listed users: {}",
        keys.join(", "),
        LOCAL_SEARCH_FIELDS.join(", ")
    )
}

/// The one tokenizer: `key:value` terms, a double-quoted value keeps its spaces and reads
/// `\"` (and `\\`) inside.
fn terms(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(terms);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != ':' && !c.is_whitespace()) {
            key.push(c);
        }
        if chars.next_if_eq(&':').is_none() {
            return Err(format!(
                "`{key}` is not a key:value term: search like email:kat* or lastname:\"van Dyke\""
            ));
        }
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("the quoted value of `{key}` has no closing quote"));
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                value.push(c);
            }
        }
        if value.is_empty() {
            return Err(format!("`{key}:` needs a value"));
        }
        terms.push((key, value));
    }
}

/// A term for the server, checked against what API /1 can search.
fn server_term(query: UserQuery, key: &str, value: String) -> Result<UserQuery, String> {
    if SEARCH_PARAMS.contains(&key) {
        return Ok(query.param(key, value));
    }
    if let Some(name) = key.strip_prefix("custom_attributes.") {
        if name.is_empty() {
            return Err("`custom_attributes.` needs a field shortname".into());
        }
        return Ok(query.param(key, value));
    }
    match key {
        "fields" => Ok(query.param("fields", value)),
        "sort" => match value.as_str() {
            "+id" | "id" | "asc" => Ok(query.sort(SortOrder::IdAsc)),
            "-id" | "desc" => Ok(query.sort(SortOrder::IdDesc)),
            other => Err(format!(
                "sort:{other} is not supported: use sort:+id or sort:-id"
            )),
        },
        "limit" => value
            .parse::<u32>()
            .map(|n| query.limit(n))
            .map_err(|_| format!("limit:{value} is not a number (1 to 50)")),
        _ => Err(format!(
            "`{key}` is not searchable; valid keys: {}",
            valid_keys()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(json: serde_json::Value) -> User {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn one_parse_splits_the_server_part_from_the_local_part() {
        let s = Search::parse(
            r#"  email:kat* department:Sales custom_attributes.AWS_Role:Admin title:"Head of \"IT\"" firstname:"Mary Ann" sort:-id limit:10"#,
        )
        .unwrap();
        let q = s.server();
        assert_eq!(q.get("email"), Some("kat*"));
        assert_eq!(q.get("custom_attributes.AWS_Role"), Some("Admin"));
        assert_eq!(q.get("firstname"), Some("Mary Ann"));
        assert_eq!(q.get("sort"), Some("-id"));
        assert_eq!(q.get("limit"), Some("10"));
        assert_eq!(q.get("department"), None);
        assert_eq!(s.local().field_names(), ["department", "title"]);
        assert_eq!(
            s.local().terms()[1].pattern,
            Pattern::parse(r#"Head of "IT""#)
        );
        // The server part's search-box form reads back the same.
        assert_eq!(Search::parse(&q.to_string()).unwrap().server(), q);
        assert!(Search::parse("").unwrap().server().is_empty());
        assert!(Search::parse("").unwrap().local().is_empty());
    }

    #[test]
    fn parse_errors_say_what_to_type() {
        let e = Search::parse("nickname:kat").unwrap_err();
        assert!(e.contains("`nickname` is not searchable"), "{e}");
        assert!(
            e.contains("email") && e.contains("custom_attributes.<shortname>"),
            "{e}"
        );
        assert!(e.contains("department"), "{e}");
        assert!(Search::parse("kat").unwrap_err().contains("key:value"));
        assert!(Search::parse("email:").is_err());
        assert!(Search::parse("department:").is_err());
        assert!(
            Search::parse(r#"title:"open"#)
                .unwrap_err()
                .contains("closing quote")
        );
        assert!(Search::parse("sort:name").is_err());
        assert!(Search::parse("limit:many").is_err());
        assert!(Search::parse("custom_attributes.:x").is_err());
    }

    #[test]
    fn narrowed_fields_still_carry_what_local_terms_read() {
        let s = Search::parse("fields:id,email status:!1 department:Sales").unwrap();
        assert_eq!(s.server().get("fields"), Some("id,email,status,department"));
        let columns = vec!["id".to_string(), "department".to_string()];
        assert_eq!(
            s.fields_with_local(&columns),
            ["id", "department", "status"]
        );
        assert!(
            s.fields_with_local(&[]).is_empty(),
            "no narrowing: every field"
        );
        let plain = Search::parse("email:kat*").unwrap();
        assert_eq!(plain.fields_with_local(&columns), columns);
    }

    #[test]
    fn patterns_follow_the_api() {
        let m = |p: &str, v: &str| Pattern::parse(p).matches(v);
        assert!(m("kat*", "Katherine"));
        assert!(!m("kat*", "akat"));
        assert!(m("*@example.com", "a@EXAMPLE.com"));
        assert!(m("*ale*", "Sales"));
        assert!(m("*mid*", "mid"));
        assert!(!m("*mid*", "mi"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("a*bc*c", "abc"));
        assert!(m("sales", "Sales"));
        assert!(!m("sale", "Sales"));
        assert!(m("!sales", "Finance"));
        assert!(!m("!sales", "Sales"));
        assert!(m("*", ""));
        assert!(m("!x", ""));
    }

    #[test]
    fn local_terms_match_text_and_codes_by_one_rule() {
        let sales = user(serde_json::json!({
            "id": 1, "department": "Sales", "title": "Head of IT", "status": 1, "state": 1
        }));
        let bare = user(serde_json::json!({"id": 2, "status": 4}));
        let m = |text: &str, u: &User| Search::parse(text).unwrap().matches(u);
        assert!(m("department:sales", &sales));
        assert!(!m("department:sales", &bare));
        assert!(m("department:!Sales", &bare), "unset is not Sales");
        assert!(m(r#"department:Sales title:"head of*""#, &sales));
        assert!(
            !m("department:Sales title:CTO", &sales),
            "every term must match"
        );
        assert!(m("status:1", &sales));
        assert!(m("status:active", &sales));
        assert!(m(r#"status:"password expired""#, &bare));
        assert!(m("status:expired", &bare));
        assert!(m("state:approved", &sales));
        assert!(m("state:1", &sales));
        // Negation covers the number and the name alike: the active user is out.
        assert!(!m("status:!1", &sales));
        assert!(!m("status:!active", &sales));
        assert!(m("status:!1", &bare));
        assert!(
            m("email:kat*", &bare),
            "server terms are the server's business"
        );
    }
}
