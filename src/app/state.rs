//! AppState: plain data that `update` changes and the views read.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use ratatui_textarea::TextArea;

use crate::api::{Exchange, Group, LocalTerms, RateLimit, Role, User, UserQuery};
use crate::config::UserUpdateApi;

use super::action::{Generation, SavePart};
use super::keymap::{Context, Keymap};
use crate::bulk::{BulkError, Change, Preview, ProgressStats, RunInfo, RunReport};
use crate::tenant::Tenant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Users,
    Editor,
    Bulk,
    RequestLog,
}

impl Screen {
    pub fn context(self) -> Context {
        match self {
            Screen::Users => Context::Users,
            Screen::Editor => Context::Editor,
            Screen::Bulk => Context::Bulk,
            Screen::RequestLog => Context::RequestLog,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// A message over the screen. Errors stay until dismissed; others fade.
#[derive(Debug, Clone)]
pub struct Toast {
    pub level: Level,
    pub text: String,
    pub created: Instant,
}

/// A question that blocks other keys until answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Quit although requests are in flight.
    Quit,
    /// Leave the editor with unsaved changes.
    DiscardEdits,
    /// Cancel the running bulk run (it can be resumed).
    CancelRun,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Id,
    Name,
    Email,
    Status,
    Department,
    /// One of the configured custom attribute columns.
    Custom(usize),
}

/// A one-line text input: filter, search, or a value being edited.
pub type LineInput = TextArea<'static>;

pub fn line_input(text: &str) -> LineInput {
    let mut input = TextArea::new(vec![text.to_string()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input
}

pub fn input_text(input: &LineInput) -> String {
    input.lines().first().cloned().unwrap_or_default()
}

#[derive(Debug, Default)]
pub struct UsersState {
    /// Every user loaded, in load order, as the list keeps them.
    pub all: Vec<super::users_table::UserRow>,
    /// User id → position in `all`.
    pub index: std::collections::HashMap<i64, usize>,
    /// Lower-cased text of the visible columns of every user, for the `/` filter.
    pub haystacks: super::users_table::Haystacks,
    /// Indices into `all` that pass the filter, in sort order: the rows of the table.
    pub rows: Vec<usize>,
    /// Selected user ids.
    pub marks: HashSet<i64>,
    pub cursor: usize,
    /// First row drawn.
    pub offset: usize,
    pub filter: String,
    pub filter_input: Option<LineInput>,
    pub search: String,
    pub search_input: Option<LineInput>,
    /// Terms of the search that the API cannot answer, matched over the loaded users.
    pub local_terms: LocalTerms,
    pub query: UserQuery,
    pub generation: Generation,
    pub next_cursor: Option<String>,
    pub loading: bool,
    /// Every page is loaded.
    pub complete: bool,
    /// `L`: keep loading pages until the last.
    pub load_all: bool,
    /// The highest id the search matches, for the load-all gauge (pages come in id order).
    pub last_id: Option<i64>,
    pub pages: usize,
    pub sort: Option<(SortColumn, bool)>,
    /// Every loaded user's position in `all`, in sort order (empty until a sort needs it).
    pub sorted: Vec<usize>,
    /// Why the last load failed, shown in the table's place.
    pub error: Option<String>,
}

/// A row of the editor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    /// A core field by its API name; `editable` is false for read-only ones.
    Field(&'static str),
    Attribute(String),
    Group,
    Roles,
}

impl RowKey {
    pub fn label(&self) -> String {
        match self {
            RowKey::Field(name) => (*name).to_string(),
            RowKey::Attribute(name) => name.clone(),
            RowKey::Group => "group".into(),
            RowKey::Roles => "roles".into(),
        }
    }
}

/// An unsaved change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// A new text value; for a custom attribute `""` clears it.
    Text(String),
    /// Group id, or none.
    Group(Option<i64>),
    /// The full new set of role ids.
    Roles(BTreeSet<i64>),
}

/// A picker over a list (roles: many; group: one).
#[derive(Debug, Clone)]
pub struct Picker {
    pub key: RowKey,
    /// (id, name)
    pub options: Vec<(i64, String)>,
    pub chosen: BTreeSet<i64>,
    pub cursor: usize,
    pub multi: bool,
}

#[derive(Debug)]
pub struct EditorState {
    pub id: i64,
    pub user: Option<User>,
    pub roles: Option<Vec<i64>>,
    pub loading: bool,
    pub error: Option<String>,
    pub cursor: usize,
    pub offset: usize,
    pub pending: BTreeMap<RowKey, Pending>,
    pub editing: Option<(RowKey, LineInput)>,
    pub picker: Option<Picker>,
    /// Calls of the last save still in flight.
    pub saving: HashSet<SavePart>,
    /// What the last save's calls answered.
    pub save_results: Vec<(SavePart, Result<(), String>)>,
}

impl EditorState {
    pub fn new(id: i64, user: Option<User>) -> EditorState {
        EditorState {
            id,
            user,
            roles: None,
            loading: true,
            error: None,
            cursor: 0,
            offset: 0,
            pending: BTreeMap::new(),
            editing: None,
            picker: None,
            saving: HashSet::new(),
            save_results: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct RequestLogState {
    pub entries: VecDeque<Arc<Exchange>>,
    pub capacity: usize,
    /// Sequence number of `entries[0]`: positions stay valid as old entries fall off.
    pub base: u64,
    /// Sequence numbers that pass the filter.
    pub rows: Vec<u64>,
    pub cursor: usize,
    pub offset: usize,
    pub follow: bool,
    pub filter: String,
    pub filter_input: Option<LineInput>,
    pub errors_only: bool,
    /// Sequence number of the exchange open in the detail view, and its scroll.
    pub detail: Option<(u64, u16)>,
    /// Exchanges lost because the console fell behind the feed.
    pub missed: u64,
}

impl RequestLogState {
    pub fn new(capacity: usize) -> RequestLogState {
        RequestLogState {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            base: 0,
            rows: Vec::new(),
            cursor: 0,
            offset: 0,
            follow: true,
            filter: String::new(),
            filter_input: None,
            errors_only: false,
            detail: None,
            missed: 0,
        }
    }

    pub fn get(&self, seq: u64) -> Option<&Arc<Exchange>> {
        seq.checked_sub(self.base)
            .and_then(|i| self.entries.get(i as usize))
    }
}

/// Which part of the bulk screen is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkView {
    /// The list of changes being built.
    Form,
    /// Each user's before → after, and the totals.
    Preview,
    /// The run: gauge, counters, failures.
    Run,
    /// The journal folder.
    Runs,
    /// One run's journal.
    Journal,
}

/// The kinds of change the form adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    SetAttribute,
    ClearAttribute,
    SetField,
    AddRole,
    RemoveRole,
}

impl ChangeKind {
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::SetAttribute => "set a custom attribute",
            ChangeKind::ClearAttribute => "clear a custom attribute",
            ChangeKind::SetField => "set a user field",
            ChangeKind::AddRole => "give a role",
            ChangeKind::RemoveRole => "take a role away",
        }
    }
}

/// A change being added: first pick what, then (for values) type it.
// One at a time, moved rarely: boxing the text area would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum ChangeForm {
    /// Options are (value, label): shortnames, field names, or role ids.
    Pick {
        kind: ChangeKind,
        options: Vec<(String, String)>,
        cursor: usize,
    },
    Value {
        kind: ChangeKind,
        name: String,
        input: LineInput,
    },
}

/// What the typed confirmation is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmWhat {
    /// The previewed plan (apply or undo).
    Preview,
    /// An unfinished run, picked up again.
    Resume {
        path: std::path::PathBuf,
        run: String,
    },
}

/// "Type the number of users to confirm": Cancel is what Esc and a wrong number do.
#[derive(Debug)]
pub struct BulkConfirm {
    pub what: ConfirmWhat,
    pub users: usize,
    pub input: LineInput,
    pub error: Option<String>,
}

/// A preview on screen.
#[derive(Debug)]
pub struct BulkPreview {
    pub ready: Preview,
    /// Users targeted (selection or the run undone).
    pub targets: usize,
    pub cursor: usize,
    pub offset: usize,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    Starting,
    Running,
    Paused,
    Cancelling,
    Finished,
}

/// A run being watched (the worker holds its handle; this is plain data).
#[derive(Debug)]
pub struct BulkRunView {
    /// Known once the run reports it started.
    pub run: Option<String>,
    pub title: String,
    pub users: usize,
    pub calls: usize,
    pub stats: ProgressStats,
    pub phase: RunPhase,
    /// (id, label, message), in the order they failed.
    pub failures: Vec<(i64, String, String)>,
    pub waiting: Option<String>,
    pub end: Option<Result<RunReport, BulkError>>,
    pub offset: usize,
}

/// One user of a journal, as the journal view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRow {
    pub id: i64,
    pub label: String,
    pub status: String,
    /// (key, before, after)
    pub changes: Vec<(String, String, String)>,
}

#[derive(Debug)]
pub struct JournalView {
    pub run: String,
    pub kind: String,
    pub created: String,
    pub finished: bool,
    pub conflicts: Vec<(i64, String, String)>,
    pub rows: Vec<JournalRow>,
    pub cursor: usize,
    pub offset: usize,
}

#[derive(Debug)]
pub struct BulkState {
    pub view: BulkView,
    pub changes: Vec<Change>,
    pub cursor: usize,
    pub form: Option<ChangeForm>,
    /// A plan is being made; `generation` drops late answers.
    pub planning: bool,
    pub generation: Generation,
    pub preview: Option<BulkPreview>,
    pub confirm: Option<BulkConfirm>,
    pub run: Option<BulkRunView>,
    pub runs: Vec<RunInfo>,
    pub runs_loading: bool,
    pub runs_cursor: usize,
    pub runs_offset: usize,
    pub journal: Option<JournalView>,
    /// The first listing (at start) looks for an unfinished run to offer.
    pub offered_resume: bool,
}

impl Default for BulkState {
    fn default() -> Self {
        BulkState {
            view: BulkView::Form,
            changes: Vec::new(),
            cursor: 0,
            form: None,
            planning: false,
            generation: 0,
            preview: None,
            confirm: None,
            run: None,
            runs: Vec::new(),
            runs_loading: false,
            runs_cursor: 0,
            runs_offset: 0,
            journal: None,
            offered_resume: false,
        }
    }
}

impl BulkState {
    /// A run is going (started and not finished): quitting asks, a second run waits.
    pub fn running(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|r| r.phase != RunPhase::Finished)
    }
}

/// Everything the console shows.
#[derive(Debug)]
pub struct AppState {
    pub screen: Screen,
    pub tenant: Tenant,
    pub read_only: bool,
    pub user_update: UserUpdateApi,
    pub keymap: Keymap,
    /// Custom attribute shortnames shown as columns.
    pub columns: Vec<String>,
    pub users: UsersState,
    pub editor: Option<EditorState>,
    pub log: RequestLogState,
    pub bulk: BulkState,
    /// The tenant's custom attribute fields.
    pub fields: Vec<String>,
    pub roles: Vec<Role>,
    pub groups: Vec<Group>,
    pub rate: Option<RateLimit>,
    /// Commands sent to the worker and not answered yet.
    pub in_flight: usize,
    pub status: Option<(Level, String)>,
    pub toasts: Vec<Toast>,
    pub confirm: Option<Confirm>,
    pub help: Option<u16>,
    pub width: u16,
    pub height: u16,
    pub spinner: usize,
    pub now: Instant,
    pub quit: bool,
}

/// What the state is built from.
#[derive(Debug, Clone)]
pub struct StateConfig {
    pub tenant: Tenant,
    pub read_only: bool,
    pub user_update: UserUpdateApi,
    pub columns: Vec<String>,
    pub request_log_capacity: usize,
    pub keymap: Keymap,
    pub width: u16,
    pub height: u16,
}

impl AppState {
    pub fn new(config: StateConfig) -> AppState {
        AppState {
            screen: Screen::Users,
            tenant: config.tenant,
            read_only: config.read_only,
            user_update: config.user_update,
            keymap: config.keymap,
            columns: config.columns,
            users: UsersState::default(),
            editor: None,
            log: RequestLogState::new(config.request_log_capacity),
            bulk: BulkState::default(),
            fields: Vec::new(),
            roles: Vec::new(),
            groups: Vec::new(),
            rate: None,
            in_flight: 0,
            status: None,
            toasts: Vec::new(),
            confirm: None,
            help: None,
            width: config.width,
            height: config.height,
            spinner: 0,
            now: Instant::now(),
            quit: false,
        }
    }

    /// The key table in force: the screen's, or the bulk screen's part.
    pub fn context(&self) -> Context {
        match (self.screen, self.bulk.view) {
            (Screen::Bulk, BulkView::Run) => Context::BulkRun,
            (Screen::Bulk, BulkView::Runs | BulkView::Journal) => Context::BulkRuns,
            (screen, _) => screen.context(),
        }
    }

    /// Whether the spinner should tick: something is running or a toast must fade.
    pub fn wants_ticks(&self) -> bool {
        self.in_flight > 0 || self.toasts.iter().any(|t| t.level != Level::Error)
    }

    /// Rows of a list: the height less the tabs, the info line, the header and the status bar.
    pub fn list_height(&self) -> usize {
        usize::from(self.height.saturating_sub(4)).max(1)
    }
}
