//! A user as the list keeps it ([`UserRow`]), the text the `/` filter scans
//! ([`Haystacks`]), and rows made ahead in a [`RowBatch`]: the worker builds the cache's
//! 100,000 rows and their text off the console's thread, straight from the file's columns
//! (no `User` on the way), and the list takes them over as they are.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::columns::ColumnSpec;
use super::users_table::cell;
use crate::api::{
    FieldValue, LocalField, SearchFields, ServerField, ServerValue, User, write_display_name,
};
use crate::cache::CachedRow;

/// A user as the list keeps it: the fields its columns can show and the console's search
/// terms match, nothing else. A whole `User` is ~3 KB in memory; 100,000 of these stay small.
/// The editor reads the whole user when it opens one. Every column on offer (any core
/// field of `columns::Field`, any custom attribute) is read from here, so choosing columns
/// never reads the users again.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub name: Box<str>,
    pub email: Box<str>,
    pub status: Option<i64>,
    pub state: Option<i64>,
    pub department: Box<str>,
    pub title: Box<str>,
    pub company: Box<str>,
    pub phone: Box<str>,
    /// What the server's terms read when they are matched over a complete cache, packed
    /// in one string (one allocation a user): [`MORE`] in order, then every custom
    /// attribute as `name` \x1e `value`, all separated by \x1f.
    pub more: Box<str>,
}

/// The fixed parts of [`UserRow::more`], in order.
const MORE: [&str; 13] = [
    "username",
    "firstname",
    "lastname",
    "samaccountname",
    "userprincipalname",
    "external_id",
    "created_at",
    "updated_at",
    "locked_until",
    "directory_id",
    "manager_ad_id",
    "group_id",
    "role_id",
];

/// Role ids as either source holds them.
enum Roles<'a> {
    Ids(Option<&'a [i64]>),
    /// The cache's comma-joined ids.
    Text(Option<&'a str>),
}

/// What a row is made of, borrowed from where it was read (a `User` from the API, a
/// row of the cache): one way to make a row from either.
struct Parts<'a> {
    id: i64,
    email: Option<&'a str>,
    username: Option<&'a str>,
    firstname: Option<&'a str>,
    lastname: Option<&'a str>,
    samaccountname: Option<&'a str>,
    userprincipalname: Option<&'a str>,
    external_id: Option<&'a str>,
    department: Option<&'a str>,
    title: Option<&'a str>,
    company: Option<&'a str>,
    phone: Option<&'a str>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    locked_until: Option<&'a str>,
    status: Option<i64>,
    state: Option<i64>,
    directory_id: Option<i64>,
    manager_ad_id: Option<i64>,
    group_id: Option<i64>,
    roles: Roles<'a>,
    /// Every custom attribute, by name (sorted, as a `User` and the file keep them).
    custom: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Parts<'a> {
    fn of_user(u: &'a User) -> Parts<'a> {
        Parts {
            id: u.id,
            email: u.email.as_deref(),
            username: u.username.as_deref(),
            firstname: u.firstname.as_deref(),
            lastname: u.lastname.as_deref(),
            samaccountname: u.samaccountname.as_deref(),
            userprincipalname: u.userprincipalname.as_deref(),
            external_id: u.external_id.as_deref(),
            department: u.department.as_deref(),
            title: u.title.as_deref(),
            company: u.company.as_deref(),
            phone: u.phone.as_deref(),
            created_at: u.created_at.as_deref(),
            updated_at: u.updated_at.as_deref(),
            locked_until: u.locked_until.as_deref(),
            status: u.status,
            state: u.state,
            directory_id: u.directory_id,
            manager_ad_id: u.manager_ad_id,
            group_id: u.group_id,
            roles: Roles::Ids(u.role_id.as_deref()),
            custom: u
                .custom_attributes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_deref()))
                .collect(),
        }
    }

    fn of_cached(r: &CachedRow<'a>, custom: Vec<(&'a str, Option<&'a str>)>) -> Parts<'a> {
        Parts {
            id: r.id,
            email: r.email,
            username: r.username,
            firstname: r.firstname,
            lastname: r.lastname,
            samaccountname: r.samaccountname,
            userprincipalname: r.userprincipalname,
            external_id: r.external_id,
            department: r.department,
            title: r.title,
            company: r.company,
            phone: r.phone,
            created_at: r.created_at,
            updated_at: r.updated_at,
            locked_until: r.locked_until,
            status: r.status,
            state: r.state,
            directory_id: r.directory_id,
            manager_ad_id: r.manager_ad_id,
            group_id: r.group_id,
            roles: Roles::Text(r.roles),
            custom,
        }
    }

    /// The row's `more`, made in `out` (cleared first).
    fn packed(&self, out: &mut String) -> Box<str> {
        fn push(out: &mut String, text: &str) {
            if text.contains(['\u{1e}', '\u{1f}']) {
                out.extend(text.chars().map(|c| match c {
                    '\u{1e}' | '\u{1f}' => ' ',
                    c => c,
                }));
            } else {
                out.push_str(text);
            }
        }
        out.clear();
        let texts = [
            self.username,
            self.firstname,
            self.lastname,
            self.samaccountname,
            self.userprincipalname,
            self.external_id,
            self.created_at,
            self.updated_at,
            self.locked_until,
        ];
        for text in texts {
            push(out, text.unwrap_or_default());
            out.push('\u{1f}');
        }
        for n in [self.directory_id, self.manager_ad_id, self.group_id] {
            if let Some(n) = n {
                let _ = write!(out, "{n}");
            }
            out.push('\u{1f}');
        }
        match self.roles {
            Roles::Ids(ids) => push_ids(out, ids.into_iter().flatten().copied()),
            // The file holds the ids as this build wrote them; anything else is read as ids.
            Roles::Text(Some(t))
                if t.split(',')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) =>
            {
                out.push_str(t);
            }
            Roles::Text(t) => push_ids(
                out,
                t.unwrap_or_default()
                    .split(',')
                    .filter_map(|p| p.trim().parse::<i64>().ok()),
            ),
        }
        for (name, value) in &self.custom {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                out.push('\u{1f}');
                push(out, name);
                out.push('\u{1e}');
                push(out, value);
            }
        }
        Box::from(out.as_str())
    }

    /// The row; `scratch` is a buffer to make its texts in (reused from row to row).
    fn row(&self, scratch: &mut String) -> UserRow {
        let text = |v: Option<&str>| Box::from(v.unwrap_or_default());
        scratch.clear();
        write_display_name(
            scratch,
            self.id,
            self.firstname,
            self.lastname,
            self.username,
            self.email,
        );
        let name = Box::from(scratch.as_str());
        UserRow {
            id: self.id,
            name,
            email: text(self.email),
            status: self.status,
            state: self.state,
            department: text(self.department),
            title: text(self.title),
            company: text(self.company),
            phone: text(self.phone),
            more: self.packed(scratch),
        }
    }
}

fn push_ids(out: &mut String, ids: impl Iterator<Item = i64>) {
    for (i, id) in ids.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
}

/// Custom attributes as the file keeps them (a JSON object of strings or nulls), read in
/// order and borrowed from the text: no map, no copies (fails on escapes: then owned).
struct Attrs<'a>(Vec<(&'a str, Option<&'a str>)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Attrs<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Pairs<'a> {
            type Value = Attrs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of custom attributes")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Attrs<'a>, M::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(pair) = map.next_entry::<&'de str, Option<&'de str>>()? {
                    out.push(pair);
                }
                Ok(Attrs(out))
            }
        }
        d.deserialize_map(Pairs(std::marker::PhantomData))
    }
}

impl UserRow {
    pub fn new(user: &User) -> UserRow {
        Parts::of_user(user).row(&mut String::new())
    }

    /// A row of the cache (its custom attributes are a JSON object); `scratch` as for
    /// [`Parts::row`].
    fn of_cached(row: &CachedRow<'_>, scratch: &mut String) -> UserRow {
        let text = row.custom.unwrap_or("{}");
        // Borrowed from the row when the JSON has no escapes (nearly always), else owned.
        let owned: BTreeMap<String, Option<String>>;
        let attrs = match serde_json::from_str::<Attrs<'_>>(text) {
            Ok(Attrs(mut attrs)) => {
                if !attrs.is_sorted_by(|a, b| a.0 <= b.0) {
                    attrs.sort_by(|a, b| a.0.cmp(b.0));
                }
                attrs
            }
            Err(_) => {
                owned = serde_json::from_str(text).unwrap_or_default();
                owned
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_deref()))
                    .collect()
            }
        };
        Parts::of_cached(row, attrs).row(scratch)
    }

    fn more(&self, i: usize) -> &str {
        self.more.split('\u{1f}').nth(i).unwrap_or_default()
    }

    /// A fixed part of [`UserRow::more`] by name.
    pub(super) fn more_of(&self, name: &str) -> &str {
        MORE.iter()
            .position(|m| *m == name)
            .map_or("", |i| self.more(i))
    }

    /// A custom attribute's value ("" when unset).
    pub(super) fn custom(&self, name: &str) -> &str {
        self.more
            .split('\u{1f}')
            .skip(MORE.len())
            .find_map(|p| {
                p.split_once('\u{1e}')
                    .filter(|(n, _)| *n == name)
                    .map(|(_, v)| v)
            })
            .unwrap_or_default()
    }
}

impl SearchFields for UserRow {
    fn search_field(&self, field: LocalField) -> FieldValue<'_> {
        match field {
            LocalField::Department => FieldValue::Text(&self.department),
            LocalField::Title => FieldValue::Text(&self.title),
            LocalField::Company => FieldValue::Text(&self.company),
            LocalField::Phone => FieldValue::Text(&self.phone),
            LocalField::Status => FieldValue::Code(self.status),
            LocalField::State => FieldValue::Code(self.state),
        }
    }

    fn server_field(&self, field: &ServerField) -> ServerValue<'_> {
        let ints = |text: &str| {
            ServerValue::Ints(text.split(',').filter_map(|p| p.parse().ok()).collect())
        };
        let at = |name: &str| MORE.iter().position(|m| *m == name).unwrap_or(usize::MAX);
        match field {
            ServerField::Email => ServerValue::Text(&self.email),
            ServerField::Username => ServerValue::Text(self.more(at("username"))),
            ServerField::Firstname => ServerValue::Text(self.more(at("firstname"))),
            ServerField::Lastname => ServerValue::Text(self.more(at("lastname"))),
            ServerField::Samaccountname => ServerValue::Text(self.more(at("samaccountname"))),
            ServerField::Userprincipalname => ServerValue::Text(self.more(at("userprincipalname"))),
            ServerField::ExternalId => ServerValue::Text(self.more(at("external_id"))),
            ServerField::CreatedAt => ServerValue::Time(self.more(at("created_at"))),
            ServerField::Id => ServerValue::Ints(vec![self.id]),
            ServerField::DirectoryId => ints(self.more(at("directory_id"))),
            ServerField::ManagerAdId => ints(self.more(at("manager_ad_id"))),
            ServerField::RoleId => ints(self.more(at("role_id"))),
            ServerField::Custom(name) => ServerValue::Text(self.custom(name)),
        }
    }
}

/// A row as the search terms read it: the text fields from the one lower-cased buffer,
/// the rest from the row.
pub(super) struct Probe<'a> {
    pub(super) row: &'a UserRow,
    pub(super) fields: &'a str,
}

impl SearchFields for Probe<'_> {
    fn search_field(&self, field: LocalField) -> FieldValue<'_> {
        let part = |i: usize| self.fields.split('\u{1f}').nth(i).unwrap_or_default();
        match field {
            LocalField::Department => FieldValue::Text(part(0)),
            LocalField::Title => FieldValue::Text(part(1)),
            LocalField::Company => FieldValue::Text(part(2)),
            LocalField::Phone => FieldValue::Text(part(3)),
            LocalField::Status => FieldValue::Code(self.row.status),
            LocalField::State => FieldValue::Code(self.row.state),
        }
    }

    fn server_field(&self, field: &ServerField) -> ServerValue<'_> {
        self.row.server_field(field)
    }
}

/// `text` lower-cased onto `out` (ASCII in place, without a string of its own).
fn push_lower(out: &mut String, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        if let Some(tail) = out.get_mut(start..) {
            tail.make_ascii_lowercase();
        }
    } else {
        out.push_str(&text.to_lowercase());
    }
}

/// What `/` matches against: the lower-cased text of every user's visible columns, in one
/// buffer. A keystroke scans it front to back; one small string per user, scattered over
/// the heap, made the same scan about 1.5 times slower.
#[derive(Debug, Default)]
pub struct Haystacks {
    text: String,
    /// Each user's slice of `text`, by position in `UsersState::all`.
    spans: Vec<(u32, u32)>,
    /// The text fields console-side search terms read (department, title, company, phone),
    /// lower-cased, one buffer for every user: a search term typed over 100,000 users
    /// scans this instead of following each row's pointers (p99 27 ms → see README).
    fields: String,
    field_spans: Vec<(u32, u32)>,
}

impl Haystacks {
    /// Adds (or, for a user already there, replaces) a user's text. A replaced text stays
    /// in the buffer unused: replacements come one save at a time.
    pub(super) fn set(&mut self, index: usize, row: &UserRow, columns: &[ColumnSpec]) {
        let start = self.text.len();
        for spec in columns {
            push_lower(&mut self.text, &cell(row, &spec.column));
            // A separator that nobody types keeps matches inside one column.
            self.text.push('\u{1f}');
        }
        // u32 offsets keep spans small; past 4 GiB of text (millions of users) the text is
        // clipped rather than wrapped.
        let span = (clip(start), clip(self.text.len()));
        match self.spans.get_mut(index) {
            Some(slot) => *slot = span,
            None => self.spans.push(span),
        }
        let start = self.fields.len();
        for (i, text) in [&row.department, &row.title, &row.company, &row.phone]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                self.fields.push('\u{1f}');
            }
            if text.contains('\u{1f}') {
                push_lower(&mut self.fields, &text.replace('\u{1f}', " "));
            } else {
                push_lower(&mut self.fields, text);
            }
        }
        let span = (clip(start), clip(self.fields.len()));
        match self.field_spans.get_mut(index) {
            Some(slot) => *slot = span,
            None => self.field_spans.push(span),
        }
    }

    pub(super) fn fields_of(&self, index: usize) -> &str {
        self.field_spans
            .get(index)
            .and_then(|&(start, end)| self.fields.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    pub(super) fn get(&self, index: usize) -> &str {
        self.spans
            .get(index)
            .and_then(|&(start, end)| self.text.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    /// Forgets the user at `index`; the last one takes its place (as `Vec::swap_remove`).
    pub(super) fn swap_remove(&mut self, index: usize) {
        if index < self.spans.len() {
            self.spans.swap_remove(index);
        }
        if index < self.field_spans.len() {
            self.field_spans.swap_remove(index);
        }
    }

    /// Room for `more` users' text after the `users` there, at their mean size (and
    /// a tenth more).
    pub(super) fn reserve(&mut self, users: usize, more: usize) {
        let room = |len: usize| (len / users.max(1)).saturating_mul(more) / 10 * 11;
        self.text.reserve_exact(room(self.text.len()));
        self.fields.reserve_exact(room(self.fields.len()));
        self.spans.reserve_exact(more);
        self.field_spans.reserve_exact(more);
    }

    /// Takes `other`'s text in: the offsets to add to its spans (text, fields).
    pub(super) fn take_text(&mut self, other: &Haystacks) -> (u32, u32) {
        let offsets = (clip(self.text.len()), clip(self.fields.len()));
        self.text.push_str(&other.text);
        self.fields.push_str(&other.fields);
        offsets
    }

    /// Adds the next user's spans: `other`'s user `k`, its text taken at `offsets`.
    pub(super) fn push_from(&mut self, other: &Haystacks, k: usize, offsets: (u32, u32)) {
        let moved = |(a, b): (u32, u32), by: u32| (a.saturating_add(by), b.saturating_add(by));
        self.spans
            .push(other.spans.get(k).map_or((0, 0), |&s| moved(s, offsets.0)));
        self.field_spans.push(
            other
                .field_spans
                .get(k)
                .map_or((0, 0), |&s| moved(s, offsets.1)),
        );
    }
}

fn clip(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Rows made ready for the list, with their filter text: built where the users are read
/// (the worker, for the cache), taken over by [`super::users_table::append_rows`].
#[derive(Debug, Default)]
pub struct RowBatch {
    rows: Vec<UserRow>,
    hay: Haystacks,
    /// The columns shown, whose text the `/` filter matches.
    columns: Vec<ColumnSpec>,
    /// Where each row's texts are made before they get their own allocation.
    scratch: String,
}

impl RowBatch {
    /// An empty batch whose filter text is made of `columns`.
    pub fn new(columns: &[ColumnSpec]) -> RowBatch {
        RowBatch {
            columns: columns.to_vec(),
            ..RowBatch::default()
        }
    }

    pub fn of_users(users: &[User], columns: &[ColumnSpec]) -> RowBatch {
        let mut batch = RowBatch::new(columns);
        for user in users {
            batch.push(UserRow::new(user));
        }
        batch
    }

    /// Adds a row of the cache, as [`crate::cache::Store::read_rows`] hands it over.
    pub fn push_cached(&mut self, row: &CachedRow<'_>) {
        let row = UserRow::of_cached(row, &mut self.scratch);
        self.push(row);
    }

    pub fn push(&mut self, row: UserRow) {
        self.hay.set(self.rows.len(), &row, &self.columns);
        self.rows.push(row);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The id of the last row (the next reading starts after it).
    pub fn last_id(&self) -> Option<i64> {
        self.rows.last().map(|r| r.id)
    }

    /// The rows and the filter text, for the list to take over.
    pub(super) fn into_parts(self) -> (Vec<UserRow>, Haystacks, Vec<ColumnSpec>) {
        (self.rows, self.hay, self.columns)
    }
}

#[cfg(test)]
#[path = "user_row_tests.rs"]
mod tests;
