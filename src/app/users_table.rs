//! The data side of the user list: its columns, the `/` filter and the sort.
//!
//! Users stay in one `Vec`; the table's rows are indices into it, so filtering and sorting
//! 100,000 users moves integers, not users, and a frame builds only the rows it shows.

use crate::api::{
    FieldValue, LocalField, SearchFields, ServerField, ServerValue, User, state_name, status_name,
};

use super::columns::{Column, ColumnSpec, Field};
use super::state::UsersState;

/// A user as the list keeps it: the fields its columns can show and the console's search
/// terms match, nothing else. A whole `User` is ~3 KB in memory; 100,000 of these stay small.
/// The editor reads the whole user when it opens one. Every column on offer (any core
/// field of [`Field`], any custom attribute) is read from here, so choosing columns never
/// reads the users again.
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

fn packed(user: &User) -> Box<str> {
    fn push(out: &mut String, text: &str) {
        out.extend(text.chars().map(|c| match c {
            '\u{1e}' | '\u{1f}' => ' ',
            c => c,
        }));
    }
    let mut out = String::with_capacity(192);
    let texts = [
        &user.username,
        &user.firstname,
        &user.lastname,
        &user.samaccountname,
        &user.userprincipalname,
        &user.external_id,
        &user.created_at,
        &user.updated_at,
        &user.locked_until,
    ];
    for text in texts {
        push(&mut out, text.as_deref().unwrap_or_default());
        out.push('\u{1f}');
    }
    for n in [user.directory_id, user.manager_ad_id, user.group_id] {
        if let Some(n) = n {
            out.push_str(&n.to_string());
        }
        out.push('\u{1f}');
    }
    for (i, id) in user.role_id.iter().flatten().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    for (name, value) in &user.custom_attributes {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push('\u{1f}');
            push(&mut out, name);
            out.push('\u{1e}');
            push(&mut out, value);
        }
    }
    out.into_boxed_str()
}

impl UserRow {
    pub fn new(user: &User) -> UserRow {
        let text = |v: &Option<String>| v.as_deref().unwrap_or_default().into();
        UserRow {
            id: user.id,
            name: user.display_name().into(),
            email: text(&user.email),
            status: user.status,
            state: user.state,
            department: text(&user.department),
            title: text(&user.title),
            company: text(&user.company),
            phone: text(&user.phone),
            more: packed(user),
        }
    }

    fn more(&self, i: usize) -> &str {
        self.more.split('\u{1f}').nth(i).unwrap_or_default()
    }

    /// A fixed part of [`UserRow::more`] by name.
    fn more_of(&self, name: &str) -> &str {
        MORE.iter()
            .position(|m| *m == name)
            .map_or("", |i| self.more(i))
    }

    /// A custom attribute's value ("" when unset).
    fn custom(&self, name: &str) -> &str {
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
struct Probe<'a> {
    row: &'a UserRow,
    fields: &'a str,
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

/// The text of one cell, unsanitised (the view sanitises what it draws).
pub fn cell(row: &UserRow, column: &Column) -> String {
    let field = match column {
        Column::Custom(name) => return row.custom(name).to_string(),
        Column::Field(field) => *field,
    };
    match field {
        Field::Id => row.id.to_string(),
        Field::Name => row.name.to_string(),
        Field::Email => row.email.to_string(),
        Field::Status => row
            .status
            .map(|s| status_name(s).to_string())
            .unwrap_or_default(),
        Field::State => row
            .state
            .map(|s| state_name(s).to_string())
            .unwrap_or_default(),
        Field::Department => row.department.to_string(),
        Field::Title => row.title.to_string(),
        Field::Company => row.company.to_string(),
        Field::Phone => row.phone.to_string(),
        other => row.more_of(other.name()).to_string(),
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
    fn set(&mut self, index: usize, row: &UserRow, columns: &[ColumnSpec]) {
        let start = self.text.len();
        for spec in columns {
            self.text.push_str(&cell(row, &spec.column).to_lowercase());
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
            self.fields
                .push_str(&text.replace('\u{1f}', " ").to_lowercase());
        }
        let span = (clip(start), clip(self.fields.len()));
        match self.field_spans.get_mut(index) {
            Some(slot) => *slot = span,
            None => self.field_spans.push(span),
        }
    }

    fn fields_of(&self, index: usize) -> &str {
        self.field_spans
            .get(index)
            .and_then(|&(start, end)| self.fields.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    fn get(&self, index: usize) -> &str {
        self.spans
            .get(index)
            .and_then(|&(start, end)| self.text.get(start as usize..end as usize))
            .unwrap_or_default()
    }
}

fn clip(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Adds a page of users; a user already loaded is replaced, not repeated. `columns`: the
/// columns shown, whose text the `/` filter matches.
pub fn append(users: &mut UsersState, page: Vec<User>, columns: &[ColumnSpec]) {
    for user in &page {
        replace_or_push(users, UserRow::new(user), columns);
    }
}

/// Puts a fresher copy of a user in place (after a save or a reload).
pub fn replace(users: &mut UsersState, user: &User, columns: &[ColumnSpec]) {
    if users.index.contains_key(&user.id) {
        replace_or_push(users, UserRow::new(user), columns);
    }
}

/// Other columns are shown: the `/` filter's text is made again from the rows (they hold
/// every column on offer: nothing is read again), and the sort follows at the next refilter.
pub fn set_columns(users: &mut UsersState, columns: &[ColumnSpec]) {
    let mut haystacks = Haystacks::default();
    for (i, row) in users.all.iter().enumerate() {
        haystacks.set(i, row, columns);
    }
    users.haystacks = haystacks;
    users.sorted.clear();
}

fn replace_or_push(users: &mut UsersState, row: UserRow, columns: &[ColumnSpec]) {
    match users.index.get(&row.id) {
        Some(&i) => {
            users.haystacks.set(i, &row, columns);
            users.all[i] = row;
            // A new value may move the user in the sort.
            users.sorted.clear();
        }
        None => {
            let i = users.all.len();
            users.index.insert(row.id, i);
            users.haystacks.set(i, &row, columns);
            users.all.push(row);
        }
    }
}

/// Removes users (deleted on the tenant) from the list; their marks go too. The rows
/// follow at the next refilter.
pub fn remove(users: &mut UsersState, ids: &[i64]) {
    for id in ids {
        let Some(i) = users.index.remove(id) else {
            continue;
        };
        users.all.swap_remove(i);
        if i < users.haystacks.spans.len() {
            users.haystacks.spans.swap_remove(i);
        }
        if i < users.haystacks.field_spans.len() {
            users.haystacks.field_spans.swap_remove(i);
        }
        if let Some(moved) = users.all.get(i) {
            users.index.insert(moved.id, i);
        }
        if users.list.is_marked(id) {
            users.list.toggle(*id);
        }
    }
    users.sorted.clear();
}

/// Recomputes the rows from the filter, walking the users in sort order. The order itself
/// is kept between keystrokes: it is made again only when the sort or the users change, so
/// a `/` keystroke over a sorted 100,000 stays a scan, not a sort.
pub fn refilter(users: &mut UsersState) {
    if users.sort.is_some() && users.sorted.len() != users.all.len() {
        users.sorted = sort_order(users);
    }
    let needle = users.filter.to_lowercase();
    let local = &users.local_terms;
    let everyone = needle.is_empty() && local.is_empty();
    let keep = |&i: &usize| {
        everyone
            || (users.haystacks.get(i).contains(needle.as_str())
                && (local.is_empty()
                    || local.matches(&Probe {
                        row: &users.all[i],
                        fields: users.haystacks.fields_of(i),
                    })))
    };
    let n = users.all.len();
    users.rows = match users.sort {
        None => (0..n).filter(keep).collect(),
        Some(_) if everyone => users.sorted.clone(),
        // Match in storage order (one pass over the haystacks, as unsorted), then walk
        // the sort over the small kept-table: scanning the haystacks in sort order jumps
        // around 10 MB (p99 8-16 ms over 100,000 users, against 3.7 ms this way).
        Some(_) => {
            let kept: Vec<bool> = (0..n).map(|i| keep(&i)).collect();
            users.sorted.iter().copied().filter(|&i| kept[i]).collect()
        }
    };
}

/// Changes the sort; the rows follow at the next refilter.
pub fn set_sort(users: &mut UsersState, sort: Option<(Column, bool)>) {
    users.sort = sort;
    users.sorted.clear();
}

/// Every loaded user's position in `all`, in sort order; ties by id. Each user's sort key is
/// made once (lower-cased text), not once per comparison.
fn sort_order(users: &UsersState) -> Vec<usize> {
    let all = &users.all;
    let mut order: Vec<usize> = (0..all.len()).collect();
    let Some((column, ascending)) = &users.sort else {
        return order;
    };
    match column {
        Column::Field(Field::Id) => order.sort_by_key(|&i| all[i].id),
        Column::Field(Field::Status) => order.sort_by_key(|&i| (all[i].status, all[i].id)),
        Column::Field(Field::State) => order.sort_by_key(|&i| (all[i].state, all[i].id)),
        // Numbers as numbers (an empty cell first), not "10" before "9".
        Column::Field(f) if f.numeric() => {
            order.sort_by_cached_key(|&i| (cell(&all[i], column).parse::<i64>().ok(), all[i].id))
        }
        _ => order.sort_by_cached_key(|&i| (cell(&all[i], column).to_lowercase(), all[i].id)),
    }
    if !ascending {
        order.reverse();
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<ColumnSpec> {
        super::super::columns::with_custom(&[])
    }

    #[test]
    fn the_filter_sees_a_replaced_user_as_it_is_now() {
        let user = |id: i64, email: &str| -> User {
            serde_json::from_value(serde_json::json!({"id": id, "email": email})).unwrap()
        };
        let mut users = UsersState::default();
        append(
            &mut users,
            vec![user(1, "ann@old.example"), user(2, "bob@old.example")],
            &columns(),
        );
        replace(&mut users, &user(1, "ann@new.example"), &columns());
        let matches = |users: &mut UsersState, text: &str| {
            users.filter = text.into();
            refilter(users);
            users
                .rows
                .iter()
                .map(|&i| users.all[i].id)
                .collect::<Vec<_>>()
        };
        assert_eq!(matches(&mut users, "new.example"), vec![1]);
        assert_eq!(matches(&mut users, "old.example"), vec![2]);
        assert_eq!(matches(&mut users, "EXAMPLE"), vec![1, 2]);
    }

    #[test]
    fn the_filter_keeps_the_sort_and_a_changed_user_moves() {
        let user = |id: i64, email: &str| -> User {
            serde_json::from_value(serde_json::json!({"id": id, "email": email})).unwrap()
        };
        let mut users = UsersState::default();
        let page = vec![
            user(1, "cy@x.example"),
            user(2, "Al@x.example"),
            user(3, "bo@y.example"),
        ];
        append(&mut users, page, &columns());
        let ids = |users: &UsersState| {
            users
                .rows
                .iter()
                .map(|&i| users.all[i].id)
                .collect::<Vec<_>>()
        };
        let email = Column::Field(Field::Email);
        set_sort(&mut users, Some((email.clone(), true)));
        refilter(&mut users);
        assert_eq!(ids(&users), vec![2, 3, 1], "case does not matter");
        users.filter = "x.example".into();
        refilter(&mut users);
        assert_eq!(ids(&users), vec![2, 1]);
        replace(&mut users, &user(1, "aa@x.example"), &columns());
        refilter(&mut users);
        assert_eq!(ids(&users), vec![1, 2]);
        set_sort(&mut users, Some((email, false)));
        refilter(&mut users);
        assert_eq!(ids(&users), vec![2, 1]);
        append(&mut users, vec![user(4, "zz@x.example")], &columns());
        refilter(&mut users);
        assert_eq!(ids(&users), vec![4, 2, 1], "a new page joins the sort");
    }
}
