//! The CSV desired-state file: checked completely before any write.
//!
//! Header: a key column (`id`, else `email`, else `username`), then
//! `custom_attributes.<shortname>` and core-field columns ([`UPDATABLE_FIELDS`]).
//! A cell's value is set; an empty cell clears (sends `""`) unless
//! `keep_empty`; absent columns are left alone. UTF-8, with or without BOM.
//! Every problem is reported with its line and column: unknown columns or
//! attributes, duplicate keys, bad ids, bad numbers, unknown users.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;

use futures::stream::{self, StreamExt};

use super::journal::{Source, SourceRow};
use super::pacing::Pacer;
use super::plan::{Desired, Needs, Target, fetch_current, typed_field};
use super::versions::Versions;
use crate::api::{ApiError, Client, UPDATABLE_FIELDS, User, UserQuery};

/// How rows name their user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyColumn {
    Id,
    Email,
    Username,
}

impl KeyColumn {
    pub fn name(self) -> &'static str {
        match self {
            KeyColumn::Id => "id",
            KeyColumn::Email => "email",
            KeyColumn::Username => "username",
        }
    }
}

/// What a column means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Key,
    /// `custom_attributes.<shortname>`.
    Attribute(String),
    /// A core field.
    Field(String),
    /// Read for its key alone (a lifecycle verb's `--csv`): any other column is kept
    /// for the result files and otherwise left alone.
    Ignored,
}

/// One data row.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRow {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub cells: Vec<String>,
    /// The user id, once known (parsed for `id` keys, resolved for the others).
    pub id: Option<i64>,
}

/// A checked CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvInput {
    pub path: Option<PathBuf>,
    pub headers: Vec<String>,
    pub key: KeyColumn,
    pub key_index: usize,
    pub columns: Vec<Column>,
    pub rows: Vec<CsvRow>,
    pub keep_empty: bool,
}

/// One reason a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: Option<u64>,
    pub column: Option<String>,
    pub message: String,
}

impl Refusal {
    pub fn new(line: Option<u64>, column: Option<&str>, message: impl Into<String>) -> Refusal {
        Refusal {
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.column) {
            // A column is named as the file wrote it: cleaned like every other quote.
            (Some(l), Some(c)) => write!(f, "line {l}, column `{}`: ", show(c))?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            (None, Some(c)) => write!(f, "column `{}`: ", show(c))?,
            (None, None) => {}
        }
        f.write_str(&crate::sanitize::for_terminal(&self.message))
    }
}

/// Every reason a file is refused (nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusals(pub Vec<Refusal>);

/// How many refusals a message lists before "… and N more".
const SHOWN: usize = 20;

impl fmt::Display for Refusals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the file was refused ({} problem(s)); nothing was written:",
            self.0.len()
        )?;
        for r in self.0.iter().take(SHOWN) {
            writeln!(f, "  {r}")?;
        }
        if self.0.len() > SHOWN {
            writeln!(f, "  … and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// Resolving keys failed: the file is refused, or the API could not be read.
#[derive(Debug, Clone)]
pub enum ResolveError {
    Refused(Refusals),
    Api(ApiError),
}

impl From<ApiError> for ResolveError {
    fn from(e: ApiError) -> Self {
        ResolveError::Api(e)
    }
}

fn show(value: &str) -> String {
    crate::sanitize::for_terminal(value).into_owned()
}

/// The line an editor shows for a record, from the record's byte offset.
///
/// The csv crate's own line count is one short after every CRLF (it counts the `\n` of a
/// line end only when it reads the next record) and leaves out skipped blank lines; its
/// byte offset is where the previous record stopped, so the rest of that line end and any
/// blank lines are stepped over first. Offsets only grow, so counting goes on from the last one.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).map_or(self.bytes.len(), |b| b.min(self.bytes.len()));
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        for i in self.at..start.max(self.at) {
            // LF, CRLF and a lone CR each end one line.
            match self.bytes[i] {
                b'\n' => self.line += 1,
                b'\r' if self.bytes.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.at = start.max(self.at);
        self.line
    }
}

impl CsvInput {
    /// Parses and checks what can be checked without the tenant.
    pub fn parse(bytes: &[u8], keep_empty: bool) -> Result<CsvInput, Refusals> {
        Self::parse_with(bytes, keep_empty, false)
    }

    /// A CSV read for its key column alone (`id`, else `email`, else `username`, checked
    /// as [`CsvInput::parse`] checks them); every other column is ignored.
    pub fn parse_keys(bytes: &[u8]) -> Result<CsvInput, Refusals> {
        Self::parse_with(bytes, false, true)
    }

    fn parse_with(bytes: &[u8], keep_empty: bool, keys_only: bool) -> Result<CsvInput, Refusals> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut refusals = Vec::new();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(bytes);
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
            Err(e) => {
                return Err(Refusals(vec![Refusal::new(
                    Some(1),
                    None,
                    format!("cannot read the header: {e}"),
                )]));
            }
        };
        if headers.iter().all(String::is_empty) {
            return Err(Refusals(vec![Refusal::new(
                Some(1),
                None,
                "the file is empty: the first line must be a header (id, email or username, then the columns to set)",
            )]));
        }
        let key = if headers.iter().any(|h| h == "id") {
            KeyColumn::Id
        } else if headers.iter().any(|h| h == "email") {
            KeyColumn::Email
        } else if headers.iter().any(|h| h == "username") {
            KeyColumn::Username
        } else {
            return Err(Refusals(vec![Refusal::new(
                Some(1),
                None,
                "no key column: the header needs `id`, `email` or `username`",
            )]));
        };
        let key_index = headers.iter().position(|h| h == key.name()).unwrap_or(0);
        let mut columns = Vec::with_capacity(headers.len());
        let mut seen = BTreeSet::new();
        for (i, h) in headers.iter().enumerate() {
            if !seen.insert(h.clone()) && (!keys_only || h == key.name()) {
                refusals.push(Refusal::new(Some(1), Some(h), "the column appears twice"));
            }
            let col = if i == key_index {
                Column::Key
            } else if keys_only {
                Column::Ignored
            } else if let Some(name) = h.strip_prefix("custom_attributes.") {
                if name.is_empty() {
                    refusals.push(Refusal::new(
                        Some(1),
                        Some(h),
                        "unknown column: `custom_attributes.` needs a shortname",
                    ));
                }
                Column::Attribute(name.to_string())
            } else if UPDATABLE_FIELDS.contains(&h.as_str()) {
                Column::Field(h.clone())
            } else {
                let what = if h.is_empty() {
                    "a column has no name".to_string()
                } else {
                    format!(
                        "unknown column `{}`: use `custom_attributes.<shortname>` or one of {}",
                        show(h),
                        UPDATABLE_FIELDS.join(", ")
                    )
                };
                refusals.push(Refusal::new(Some(1), Some(h), what));
                Column::Field(h.clone())
            };
            columns.push(col);
        }

        let mut rows = Vec::new();
        let mut keys: HashMap<String, u64> = HashMap::new();
        let mut lines = LineCounter::new(bytes);
        for result in reader.records() {
            let record = match result {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map(|p| lines.line_of(p.byte()));
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!("{len} cells where the header has {expected_len}"),
                        csv::ErrorKind::Utf8 { .. } => {
                            "not UTF-8 text: save the file as UTF-8".to_string()
                        }
                        _ => e.to_string(),
                    };
                    refusals.push(Refusal::new(line, None, message));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
            // A cell we guarded against spreadsheet formulas reads as its value.
            let cells: Vec<String> = record
                .iter()
                .map(|c| super::csv_guard::unguard(c).to_string())
                .collect();
            let raw_key = cells.get(key_index).map(|s| s.trim()).unwrap_or("");
            let mut id = None;
            if raw_key.is_empty() {
                refusals.push(Refusal::new(
                    Some(line),
                    Some(key.name()),
                    "the key is empty",
                ));
            } else {
                match key {
                    KeyColumn::Id => match raw_key.parse::<i64>() {
                        Ok(n) if n > 0 => id = Some(n),
                        _ => refusals.push(Refusal::new(
                            Some(line),
                            Some("id"),
                            format!("bad id `{}`: ids are positive whole numbers", show(raw_key)),
                        )),
                    },
                    KeyColumn::Email | KeyColumn::Username => {
                        if raw_key.contains('*') || raw_key.starts_with('!') {
                            refusals.push(Refusal::new(
                                Some(line),
                                Some(key.name()),
                                format!(
                                    "`{}` is a search pattern, not one {}",
                                    show(raw_key),
                                    key.name()
                                ),
                            ));
                        }
                    }
                }
                let norm = match id {
                    Some(n) => n.to_string(),
                    None => raw_key.to_lowercase(),
                };
                if let Some(first) = keys.get(&norm) {
                    refusals.push(Refusal::new(
                        Some(line),
                        Some(key.name()),
                        format!("duplicate key `{}`: already on line {first}", show(raw_key)),
                    ));
                } else {
                    keys.insert(norm, line);
                }
            }
            for (col, (cell, header)) in columns.iter().zip(cells.iter().zip(&headers)) {
                if let Column::Field(name) = col
                    && UPDATABLE_FIELDS.contains(&name.as_str())
                    && !(cell.is_empty() && keep_empty)
                    && let Err(e) = typed_field(name, cell)
                {
                    refusals.push(Refusal::new(Some(line), Some(header), e));
                }
            }
            rows.push(CsvRow { line, cells, id });
        }
        if refusals.is_empty() && rows.is_empty() {
            refusals.push(Refusal::new(
                None,
                None,
                "the file has a header but no rows",
            ));
        }
        if refusals.is_empty() {
            Ok(CsvInput {
                path: None,
                headers,
                key,
                key_index,
                columns,
                rows,
                keep_empty,
            })
        } else {
            Err(Refusals(refusals))
        }
    }

    /// The custom attribute shortnames the file sets.
    pub fn attributes(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Attribute(a) => Some(a.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Refuses attribute columns the tenant does not have.
    pub fn check_attributes(&self, known: &[String]) -> Result<(), Refusals> {
        let bad: Vec<Refusal> = self
            .columns
            .iter()
            .zip(&self.headers)
            .filter_map(|(c, h)| match c {
                Column::Attribute(a) if !known.iter().any(|k| k == a) => Some(Refusal::new(
                    Some(1),
                    Some(h),
                    format!(
                        "unknown custom attribute `{}`; this tenant has: {}",
                        show(a),
                        show(&known.join(", "))
                    ),
                )),
                _ => None,
            })
            .collect();
        if bad.is_empty() {
            Ok(())
        } else {
            Err(Refusals(bad))
        }
    }

    /// What a row asks for.
    pub fn desired(&self, row: &CsvRow) -> Desired {
        let mut d = Desired::default();
        for (col, cell) in self.columns.iter().zip(&row.cells) {
            if cell.is_empty() && self.keep_empty {
                continue;
            }
            match col {
                Column::Key | Column::Ignored => {}
                Column::Attribute(a) => {
                    d.custom_attributes.insert(a.clone(), cell.clone());
                }
                Column::Field(f) => {
                    if let Ok(v) = typed_field(f, cell) {
                        d.fields.insert(f.clone(), v);
                    }
                }
            }
        }
        d
    }

    fn key_of<'a>(&self, row: &'a CsvRow) -> &'a str {
        row.cells.get(self.key_index).map_or("", |s| s.trim())
    }

    /// Resolves every row to a user (refusing unknown users: a 404 on the user itself)
    /// and reads the current values: `ceil(N/50)` /2 reads for ids (one `GET` each on
    /// /1), one search per row for emails or usernames. Returns the targets and the users.
    pub async fn resolve(
        &mut self,
        client: &Client,
        pacer: Option<&Pacer>,
        fields: &[String],
        versions: &Versions,
    ) -> Result<(Vec<Target>, HashMap<i64, User>), ResolveError> {
        let mut refusals = Vec::new();
        let current: HashMap<i64, User> = match self.key {
            KeyColumn::Id => {
                let ids: Vec<i64> = self.rows.iter().filter_map(|r| r.id).collect();
                let needs = Needs {
                    fields: fields.to_vec(),
                    roles: Default::default(),
                    devices: false,
                };
                let current = fetch_current(client, pacer, &ids, &needs, versions).await?;
                let found = current.users;
                for row in &self.rows {
                    if let Some(id) = row.id
                        && current.unknown.contains(&id)
                    {
                        refusals.push(Refusal::new(
                            Some(row.line),
                            Some("id"),
                            format!("unknown user: no user has id {id}"),
                        ));
                    }
                }
                found
            }
            KeyColumn::Email | KeyColumn::Username => {
                let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
                let key = self.key;
                let lookups = self.rows.iter().enumerate().map(|(i, row)| {
                    let value = self.key_of(row).to_string();
                    let query = match key {
                        KeyColumn::Email => UserQuery::new().email(&value),
                        _ => UserQuery::new().username(&value),
                    }
                    .fields(&field_refs)
                    .limit(2);
                    async move {
                        let page = super::execute::read_with_retry(pacer, || {
                            client.list_users_page(&query, None)
                        })
                        .await;
                        (i, value, page)
                    }
                });
                let results: Vec<_> = stream::iter(lookups).buffer_unordered(4).collect().await;
                let mut found = HashMap::new();
                let mut by_row: Vec<Option<i64>> = vec![None; self.rows.len()];
                for (i, value, page) in results {
                    let line = self.rows.get(i).map(|r| r.line);
                    let page = page?;
                    let hits: Vec<User> = page
                        .items
                        .into_iter()
                        .filter(|u| {
                            u.field(key.name())
                                .is_some_and(|v| v.eq_ignore_ascii_case(&value))
                        })
                        .collect();
                    match hits.as_slice() {
                        [one] => {
                            by_row[i] = Some(one.id);
                            found.insert(one.id, one.clone());
                        }
                        [] => refusals.push(Refusal::new(
                            line,
                            Some(key.name()),
                            format!(
                                "unknown user: no user has {} `{}`",
                                key.name(),
                                show(&value)
                            ),
                        )),
                        many => refusals.push(Refusal::new(
                            line,
                            Some(key.name()),
                            format!(
                                "{} users have {} `{}`: use the id column instead",
                                many.len(),
                                key.name(),
                                show(&value)
                            ),
                        )),
                    }
                }
                let mut first_line: HashMap<i64, u64> = HashMap::new();
                for (row, id) in self.rows.iter_mut().zip(by_row) {
                    row.id = id;
                    if let Some(id) = id
                        && let Some(first) = first_line.insert(id, row.line)
                    {
                        refusals.push(Refusal::new(
                            Some(row.line),
                            Some(key.name()),
                            format!("duplicate key: line {first} names the same user ({id})"),
                        ));
                    }
                }
                found
            }
        };
        if !refusals.is_empty() {
            refusals.sort_by_key(|r| r.line);
            return Err(ResolveError::Refused(Refusals(refusals)));
        }
        let targets = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                row.id.map(|id| Target {
                    id,
                    desired: self.desired(row),
                    row: Some(i),
                })
            })
            .collect();
        Ok((targets, current))
    }

    /// The file's shape and rows, for the journal (after [`resolve`](Self::resolve)).
    pub fn source(&self) -> Source {
        Source {
            path: self.path.as_ref().map(|p| p.display().to_string()),
            headers: self.headers.clone(),
            key_index: self.key_index,
            rows: self
                .rows
                .iter()
                .map(|r| SourceRow {
                    line: r.line,
                    cells: r.cells.clone(),
                    id: r.id.unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
#[path = "csv_in_tests.rs"]
mod tests;
