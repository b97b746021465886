//! What flows into `update` (Action) and out of it (Command).
//!
//! An `Action` is something the user asked for or a result that came back; a `Command` is
//! work for the worker or the terminal. `update` turns one into the other without I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::api::{
    ApiError, Event, EventQuery, EventType, Exchange, Group, MfaDevice, Page, RateLimit, Role,
    User, UserApp, UserQuery, UserUpdate, V3UserUpdate,
};
use crate::audit::RunMarks;
use crate::bulk::pacing::WaitReason;
use crate::bulk::{
    BulkError, Change, Cost, Listed, Preview, Progress, RunInfo, RunLog, RunReport, Work,
};

use super::cache_state::CacheOpened;
use super::events_state::EventFilter;
use super::user_row::RowBatch;
use crate::cache::CacheError;
use crate::cache::sync::{SyncProgress, SyncReport};
use crate::config::ViewFile;

/// Identifies a request so that a late answer to a superseded one is dropped.
pub type Generation = u64;

// Each action is moved through a channel once; boxing the large outcome would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock, with the time, so `update` stays pure; only sent while something runs or fades.
    Tick(std::time::Instant),
    /// An answer from the worker.
    Outcome(Outcome),
    /// A new entry for the request log.
    Exchange(Arc<Exchange>),
    /// The exchange feed dropped entries because the console fell behind.
    ExchangesMissed(u64),
    /// How a clipboard copy went (the terminal does the copy).
    Copied(Result<String, String>),
    /// How writing a file went.
    Written(Result<String, String>),
    /// How `:view save` went: the path written, or why not.
    ViewSaved {
        name: String,
        view: ViewFile,
        result: Result<String, String>,
    },
    /// How `:theme` went (the loop loaded and switched it).
    ThemeSet {
        name: String,
        result: Result<(), String>,
    },
    /// A click or the wheel (only with `[ui] mouse = true`).
    Mouse(MouseEvent),
}

/// Results of commands, tagged so they land where they were asked for.
#[derive(Debug)]
pub enum Outcome {
    Fields(Result<Vec<String>, ApiError>),
    Roles(Result<Vec<Role>, ApiError>),
    Groups(Result<Vec<Group>, ApiError>),
    UsersPage {
        generation: Generation,
        result: Result<Page<User>, ApiError>,
    },
    /// What loading the rest of the search costs: the answer to `EstimateLoadAll`.
    LoadAllEstimate {
        generation: Generation,
        result: Result<Cost, ApiError>,
    },
    /// How long the rest of a load-all takes, as the console's pacer sees it (not an
    /// answer: it ends no command).
    LoadPace {
        generation: Generation,
        eta: std::time::Duration,
    },
    /// The console's reads wait for the rate budget (not an answer).
    ReadsWaiting {
        wait: std::time::Duration,
        reason: WaitReason,
    },
    User {
        id: i64,
        result: Result<User, ApiError>,
    },
    UserRoles {
        id: i64,
        result: Result<Vec<i64>, ApiError>,
    },
    UserApps {
        id: i64,
        result: Result<Vec<UserApp>, ApiError>,
    },
    UserFactors {
        id: i64,
        result: Result<Vec<MfaDevice>, ApiError>,
    },
    FactorRemoved {
        id: i64,
        device_id: String,
        name: String,
        result: Result<(), ApiError>,
    },
    /// A logged request was sent again; its new exchange is in the log.
    Resent {
        what: String,
        result: Result<(), ApiError>,
    },
    /// A user's newest events (one page).
    UserEvents {
        id: i64,
        result: Result<Vec<Event>, ApiError>,
    },
    EventTypes(Result<Vec<EventType>, ApiError>),
    /// A page of the events screen, with the query it was asked with (times resolved).
    EventsPage {
        generation: Generation,
        query: EventQuery,
        result: Result<Page<Event>, ApiError>,
    },
    /// A page of events newer than the newest shown.
    EventsPolled {
        generation: Generation,
        result: Result<Page<Event>, ApiError>,
    },
    /// The index of our bulk runs, built from their journals.
    RunMarks(Arc<RunMarks>),
    Saved {
        id: i64,
        part: SavePart,
        result: Result<Option<User>, ApiError>,
    },
    RateLimit(Option<RateLimit>),
    /// A bulk plan (or an undo's plan) is ready to preview.
    BulkPlanned {
        generation: Generation,
        result: Result<Preview, BulkError>,
    },
    /// The runs in the journal folder, newest first.
    BulkRuns(Result<Vec<RunInfo>, BulkError>),
    /// One run's journal, read back.
    BulkJournal(Result<RunLog, BulkError>),
    /// A running bulk run reports (not an answer: it does not end the command).
    BulkProgress(Progress),
    /// The bulk run ended (or could not start): the answer to `BulkStart`.
    BulkFinished(Result<RunReport, BulkError>),
    /// The cache file opened, with its first rows: the answer to `CacheOpen`.
    CacheOpened {
        generation: Generation,
        result: Result<CacheOpened, CacheError>,
    },
    /// More cached rows, built for the list: the answer to `CacheLoad`.
    CacheRows {
        generation: Generation,
        result: Result<RowBatch, CacheError>,
    },
    /// How a refresh's listing goes (not an answer).
    CacheProgress(SyncProgress),
    /// A refresh ended: the answer to `CacheRefresh`.
    CacheRefreshed(Result<SyncReport, CacheError>),
    /// After a bulk run, what it wrote was kept in the cache (not an answer: the worker
    /// does it at the end of every run when the profile has a cache).
    CacheWritten(Result<crate::cache::WriteBack, CacheError>),
}

/// Steering the running bulk run (no answer comes back but its progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkControl {
    Pause,
    Resume,
    /// Calls in flight finish, the journal is flushed; the run can be resumed.
    Cancel,
    Concurrency(usize),
}

/// The parts of a user that are written by separate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SavePart {
    CustomAttributes,
    Fields,
    AddRoles,
    RemoveRoles,
}

impl SavePart {
    pub fn label(self) -> &'static str {
        match self {
            SavePart::CustomAttributes => "custom attributes",
            SavePart::Fields => "user fields",
            SavePart::AddRoles => "roles added",
            SavePart::RemoveRoles => "roles removed",
        }
    }
}

/// Work that `update` asks for; the worker (API calls) or the loop (terminal, files) does it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadFields,
    LoadRoles,
    LoadGroups,
    LoadUsers {
        generation: Generation,
        query: UserQuery,
        after_cursor: Option<String>,
        /// List calls the load still plans with this one (1: a page on its own), so
        /// the console's pacer can spread them.
        calls_left: u64,
    },
    /// The user's fields and attributes: answers `User`.
    LoadUser {
        id: i64,
    },
    LoadUserRoles {
        id: i64,
    },
    LoadUserApps {
        id: i64,
    },
    LoadUserFactors {
        id: i64,
    },
    /// Remove one MFA factor (`name`: how messages name it).
    RemoveFactor {
        id: i64,
        device_id: String,
        name: String,
    },
    /// The newest page of the user's events.
    LoadUserEvents {
        id: i64,
    },
    LoadEventTypes,
    /// The first page of the events screen.
    LoadEvents {
        generation: Generation,
        filter: EventFilter,
    },
    /// The page after `after_cursor` of `query` (older events).
    LoadMoreEvents {
        generation: Generation,
        query: EventQuery,
        after_cursor: String,
    },
    /// Events newer than those shown: `query` already holds the `since`.
    PollEvents {
        generation: Generation,
        query: EventQuery,
        after_cursor: Option<String>,
    },
    /// Build the index of our bulk runs from their journals: answers `RunMarks`.
    LoadRunMarks,
    /// What loading the rest of a search costs (one call: its `Total-Count` on /2, or its
    /// highest id on /1), after the users `listed`: answers `LoadAllEstimate`.
    EstimateLoadAll {
        generation: Generation,
        query: UserQuery,
        listed: Listed,
    },
    SetCustomAttributes {
        id: i64,
        values: BTreeMap<String, String>,
    },
    UpdateUser {
        id: i64,
        update: UserUpdate,
    },
    UpdateUserV3 {
        id: i64,
        update: V3UserUpdate,
    },
    AddRoles {
        id: i64,
        role_ids: Vec<i64>,
    },
    RemoveRoles {
        id: i64,
        role_ids: Vec<i64>,
    },
    /// Plan `changes` for the users `ids` (their values read afresh): answers `BulkPlanned`.
    BulkPlan {
        generation: Generation,
        ids: Vec<i64>,
        changes: Vec<Change>,
    },
    /// Plan the undo of the run at `path` (users read afresh): answers `BulkPlanned`.
    BulkPlanUndo {
        generation: Generation,
        path: PathBuf,
    },
    /// Start a bulk run in the background: `BulkProgress` while it runs, `BulkFinished` at the end.
    BulkStart(Box<Work>),
    /// Steer the running bulk run.
    BulkControl(BulkControl),
    /// List the runs in the journal folder: answers `BulkRuns`.
    BulkListRuns,
    /// Read one run's journal: answers `BulkJournal`.
    BulkOpenRun {
        path: PathBuf,
    },
    /// Put text on the clipboard through the terminal (OSC 52).
    Copy {
        what: String,
        text: String,
    },
    /// Open the profile's cache and read its first rows: answers `CacheOpened`. The
    /// rows are built for the list with the filter text of these `columns` (those shown).
    CacheOpen {
        generation: Generation,
        columns: Vec<super::columns::ColumnSpec>,
    },
    /// The next cached rows after id `after`: answers `CacheRows`.
    CacheLoad {
        generation: Generation,
        after: i64,
        columns: Vec<super::columns::ColumnSpec>,
    },
    /// Fill or refresh the cache (a listing longer than `limit` calls waits for the
    /// user): `CacheProgress` while it runs, `CacheRefreshed` at the end.
    CacheRefresh {
        limit: Option<u64>,
    },
    /// Keep these users (an answer or a read-back of our writes) in the cache; no answer.
    CacheWrite {
        users: Vec<User>,
    },
    /// Write an export the user asked for (the request log as JSONL) into the export
    /// folder, named `<stem>-<time>.<extension>`.
    WriteExport {
        stem: String,
        extension: String,
        contents: String,
    },
    /// Save `view` as `[profiles.<profile>.views.<name>]` in `file` (created when there
    /// is none): answers `ViewSaved`.
    SaveView {
        file: PathBuf,
        profile: String,
        name: String,
        view: ViewFile,
    },
    /// Load theme `name` (a file of `dir`, else a built-in) and draw with it: answers
    /// `ThemeSet`.
    SetTheme {
        name: String,
        dir: Option<PathBuf>,
    },
    /// `:export`: write `contents` (CSV of `users` users) to `path` as typed (relative to
    /// the current folder, `~` for the home folder), 0600; an existing file only with
    /// `overwrite`. Answers `Written`.
    ExportCsv {
        path: String,
        overwrite: bool,
        contents: Vec<u8>,
        users: usize,
        /// Every page of the search is loaded.
        all_loaded: bool,
    },
    /// Send a logged request again (the request log's `r`); `what`: "GET /api/1/users".
    Resend {
        what: String,
        method: String,
        url: String,
        body: Option<String>,
    },
    /// Switch the console to another profile's tenant (the loop opens it, or shows it
    /// again when it is open already).
    SwitchProfile {
        name: String,
    },
    Quit,
}

/// Methods that only read: re-sent without a question, and in read-only mode too.
pub fn reads_only(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

impl Command {
    /// Whether the command changes the tenant (refused in read-only mode).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Command::SetCustomAttributes { .. }
                | Command::UpdateUser { .. }
                | Command::UpdateUserV3 { .. }
                | Command::AddRoles { .. }
                | Command::RemoveRoles { .. }
                | Command::RemoveFactor { .. }
                | Command::BulkStart(_)
        ) || matches!(self, Command::Resend { method, .. } if !reads_only(method))
    }
}
