//! AppState: plain data that `update` changes and the views read.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::api::{
    ApiError, Event, Exchange, Group, LocalTerms, MfaDevice, RateLimit, Role, User, UserApp,
    UserQuery,
};
use crate::bulk::{Listed, Size};
use crate::config::UserUpdateApi;
use crate::tenant::Tenant;

use super::action::{Generation, SavePart};
use super::bulk_flow::BulkState;
use super::columns::{Column, ColumnSpec};
use super::events_state::{EventTypes, EventsState, RunMarksState};
use super::keymap::{Context, Keymap};
use super::list::ListState;
use super::message::Note;
use super::modal::{Modal, Modals};
use super::user_view::{Loaded, Section};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Users,
    /// The user view: fields (the editor) and the other sections.
    Editor,
    Bulk,
    RequestLog,
    Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Warning,
    Error,
}

/// A message over the screen, or on the status line. Errors stay until dismissed; the
/// others fade.
#[derive(Debug, Clone)]
pub struct Toast {
    pub level: Level,
    pub note: Note,
    /// When the clock first saw it (`update` has no clock of its own: the tick after a
    /// message appears starts its time).
    pub seen: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct UsersState {
    /// Every user loaded, in load order, as the list keeps them.
    pub all: Vec<super::users_table::UserRow>,
    /// User id → position in `all`.
    pub index: HashMap<i64, usize>,
    /// Lower-cased text of the visible columns of every user, for the `/` filter.
    pub haystacks: super::users_table::Haystacks,
    /// Indices into `all` that pass the filter, in sort order: the rows of the table.
    pub rows: Vec<usize>,
    /// The cursor over `rows`, the window, and the selected user ids.
    pub list: ListState<i64>,
    pub filter: String,
    pub search: String,
    /// Terms of the search that the API cannot answer, matched over the loaded users.
    pub local_terms: LocalTerms,
    pub query: UserQuery,
    pub generation: Generation,
    pub next_cursor: Option<String>,
    pub loading: bool,
    /// Every page is loaded.
    pub complete: bool,
    /// `L`: where loading every page stands.
    pub load: LoadAll,
    pub pages: usize,
    /// The column sorted by (one of those shown), ascending or not.
    pub sort: Option<(Column, bool)>,
    /// Every loaded user's position in `all`, in sort order (empty until a sort needs it).
    pub sorted: Vec<usize>,
    /// Why the last load failed, shown in the table's place.
    pub error: Option<ApiError>,
}

/// `L`, load every page: measured first, asked about when it costs, then page after page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadAll {
    #[default]
    Off,
    /// `L` came before the first page: the estimate waits for it (its ids' density).
    AwaitingPage,
    /// The worker measures the search and the budget.
    Estimating,
    /// Every page until the last. `size` draws the gauge; `eta` is the time left as the
    /// pacer told it, and the first tick that saw it (the view counts it down from there).
    Loading {
        size: Size,
        eta: Option<(Duration, Option<Instant>)>,
    },
}

impl UsersState {
    /// Forgets every loaded user before a new listing; answers for the old one are
    /// dropped by the new generation.
    pub fn clear_rows(&mut self) {
        self.generation += 1;
        self.all.clear();
        self.index.clear();
        self.sorted.clear();
        self.haystacks = Default::default();
        self.rows.clear();
    }

    /// The id of the user under the cursor.
    pub fn current_id(&self) -> Option<i64> {
        self.rows
            .get(self.list.cursor())
            .and_then(|&i| self.all.get(i))
            .map(|u| u.id)
    }

    /// The users loaded so far, as a listing's estimate counts them (pages come in id
    /// order and `all` keeps it).
    pub fn listed(&self) -> Listed {
        Listed {
            count: self.all.len(),
            first_id: self.all.first().map(|u| u.id),
            last_id: self.all.last().map(|u| u.id),
        }
    }

    /// The ids of the users the table shows, in order.
    pub fn row_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.rows
            .iter()
            .filter_map(|&i| self.all.get(i))
            .map(|u| u.id)
    }
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

#[derive(Debug)]
pub struct EditorState {
    pub id: i64,
    /// The section shown.
    pub section: Section,
    pub user: Option<User>,
    /// The user's role ids: read beside the user (the fields show and edit them too).
    pub roles: Option<Vec<i64>>,
    /// The user is being read.
    pub loading: bool,
    /// Why reading the user failed.
    pub error: Option<ApiError>,
    pub roles_loading: bool,
    pub roles_error: Option<ApiError>,
    /// The cursor of the roles section.
    pub roles_list: ListState,
    pub apps: Loaded<UserApp>,
    pub factors: Loaded<MfaDevice>,
    /// The factor whose removal is in flight (its device id).
    pub removing: Option<String>,
    /// The user's newest events.
    pub events: Loaded<Event>,
    /// The editor's rows.
    pub list: ListState,
    pub pending: BTreeMap<RowKey, Pending>,
    /// Calls of the last save still in flight.
    pub saving: BTreeSet<SavePart>,
    /// Which calls of the last save answered, and whether they succeeded.
    pub save_results: Vec<(SavePart, bool)>,
}

impl EditorState {
    pub fn new(id: i64) -> EditorState {
        EditorState {
            id,
            section: Section::Fields,
            user: None,
            roles: None,
            loading: true,
            error: None,
            roles_loading: true,
            roles_error: None,
            roles_list: ListState::default(),
            apps: Loaded::default(),
            factors: Loaded::default(),
            removing: None,
            events: Loaded::default(),
            list: ListState::default(),
            pending: BTreeMap::new(),
            saving: BTreeSet::new(),
            save_results: Vec::new(),
        }
    }
}

/// One exchange of the request log open whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detail {
    /// Its sequence number.
    pub seq: u64,
    /// Lines scrolled.
    pub scroll: u16,
}

#[derive(Debug)]
pub struct RequestLogState {
    pub entries: VecDeque<Arc<Exchange>>,
    pub capacity: usize,
    /// Sequence number of `entries[0]`: positions stay valid as old entries fall off.
    pub base: u64,
    /// Sequence numbers that pass the filter.
    pub rows: Vec<u64>,
    pub list: ListState,
    pub follow: bool,
    pub filter: String,
    pub errors_only: bool,
    pub detail: Option<Detail>,
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
            list: ListState::default(),
            follow: true,
            filter: String::new(),
            errors_only: false,
            detail: None,
            missed: 0,
        }
    }

    pub fn get(&self, seq: u64) -> Option<&Arc<Exchange>> {
        seq.checked_sub(self.base)
            .and_then(|i| self.entries.get(usize::try_from(i).ok()?))
    }
}

/// The kinds of change the bulk form adds.
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

/// Everything the console shows.
#[derive(Debug)]
pub struct AppState {
    pub screen: Screen,
    pub tenant: Tenant,
    pub read_only: bool,
    /// `protected = true`: writes wait for the profile's name to be typed.
    pub protect: super::protect::Protect,
    /// The profile's band behind the tenant's name (`color` in the profile).
    pub band: Option<ratatui::style::Style>,
    pub user_update: UserUpdateApi,
    pub keymap: Keymap,
    /// The users list's columns, in order (`:columns`, a view, `[ui] user_columns`).
    pub columns: Vec<ColumnSpec>,
    pub users: UsersState,
    pub editor: Option<EditorState>,
    pub log: RequestLogState,
    pub bulk: BulkState,
    pub events: EventsState,
    /// Read once a session, for every screen that names an event's type.
    pub event_types: EventTypes,
    /// Which events our bulk runs caused.
    pub run_marks: RunMarksState,
    /// The tenant's user cache, as the console uses it.
    pub cache: super::cache_state::CacheState,
    /// Screens and users visited, for `[`, `]` and `-`.
    pub jumps: super::jumps::Jumps,
    /// The `:` command line's history and completions.
    pub palette: super::palette::Palette,
    /// The profiles `:profile` offers: the config file's, and those open in the console.
    pub profiles: Vec<String>,
    /// Other profiles open in the console whose bulk run is going (quitting stops them).
    pub runs_elsewhere: Vec<String>,
    /// Saved views, themes and the config file, as `:view`, `:theme` and Tab know them.
    pub prefs: super::views::Prefs,
    /// The tenant's custom attribute fields.
    pub fields: Vec<String>,
    pub roles: Vec<Role>,
    pub groups: Vec<Group>,
    pub rate: Option<RateLimit>,
    /// Commands sent to the worker and not answered yet.
    pub in_flight: usize,
    /// The newest message, on the status line until it fades (errors: until dismissed).
    pub status: Option<Toast>,
    pub toasts: Vec<Toast>,
    /// Whatever owns the keyboard besides the screen.
    pub modals: Modals,
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
    /// The profile is `protected`.
    pub protected: bool,
    pub user_update: UserUpdateApi,
    /// The users list's columns at start.
    pub columns: Vec<ColumnSpec>,
    pub request_log_capacity: usize,
    pub keymap: Keymap,
    pub width: u16,
    pub height: u16,
    /// The profile's band behind the tenant's name, if it sets a colour.
    pub band: Option<ratatui::style::Style>,
}

impl AppState {
    pub fn new(config: StateConfig) -> AppState {
        AppState {
            screen: Screen::Users,
            tenant: config.tenant,
            read_only: config.read_only,
            protect: super::protect::Protect {
                on: config.protected,
                ..Default::default()
            },
            band: config.band,
            user_update: config.user_update,
            keymap: config.keymap,
            columns: config.columns.clone(),
            users: UsersState::default(),
            editor: None,
            log: RequestLogState::new(config.request_log_capacity),
            bulk: BulkState::default(),
            events: EventsState::default(),
            event_types: EventTypes::default(),
            run_marks: RunMarksState::default(),
            cache: Default::default(),
            jumps: super::jumps::Jumps::default(),
            palette: super::palette::Palette::default(),
            profiles: Vec::new(),
            runs_elsewhere: Vec::new(),
            prefs: super::views::Prefs {
                default_columns: config.columns.clone(),
                ..Default::default()
            },
            fields: Vec::new(),
            roles: Vec::new(),
            groups: Vec::new(),
            rate: None,
            in_flight: 0,
            status: None,
            toasts: Vec::new(),
            modals: Modals::default(),
            width: config.width,
            height: config.height,
            spinner: 0,
            now: Instant::now(),
            quit: false,
        }
    }

    /// The key table of the screen (and the bulk screen's step) in force.
    pub fn context(&self) -> Context {
        match self.screen {
            Screen::Users => Context::Users,
            Screen::Editor => match self.editor.as_ref().map(|e| e.section) {
                Some(Section::Fields) | None => Context::Editor,
                Some(_) => Context::UserView,
            },
            Screen::Events => Context::Events,
            Screen::RequestLog => Context::RequestLog,
            Screen::Bulk => self.bulk.flow.context(),
        }
    }

    /// The key table of whatever owns the keyboard: the top modal, else the screen.
    pub fn key_context(&self) -> Context {
        match self.modals.top() {
            Some(Modal::Help { .. }) => Context::HelpBox,
            Some(Modal::Ask(_)) => Context::Ask,
            Some(Modal::Input(_)) => Context::Input,
            Some(Modal::Pick(_)) => Context::Pick,
            Some(Modal::Event(_)) => Context::Detail,
            Some(Modal::Columns(_)) => Context::Columns,
            None => self.context(),
        }
    }

    /// A bulk run is going here or in another profile's context: quitting asks first.
    pub fn runs_going(&self) -> bool {
        self.bulk.running() || !self.runs_elsewhere.is_empty()
    }

    /// Whether the clock should tick: something runs, a message must fade, or the events
    /// screen follows new events (its polls are timed by ticks).
    pub fn wants_ticks(&self) -> bool {
        self.in_flight > 0
            || (self.screen == Screen::Events && self.events.live)
            || self.toasts.iter().any(|t| t.level != Level::Error)
            || self
                .status
                .as_ref()
                .is_some_and(|s| s.level != Level::Error)
    }
}
