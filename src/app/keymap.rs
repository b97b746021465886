//! Keys as data: per screen, action → keys; defaults compiled in, overrides from config,
//! and the `?` help generated from the same table.
//!
//! Plain keys only (they survive PuTTY and tmux): no Ctrl+Shift, no Ctrl+Enter.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where a binding applies. `Global` is consulted after the screen's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Users,
    /// The user view's first section: fields and custom attributes, edited in place.
    Editor,
    /// The user view's other sections: roles, apps, MFA factors, recent events.
    UserView,
    /// The tenant's events.
    Events,
    RequestLog,
    /// The bulk screen's change form and preview.
    Bulk,
    /// The bulk screen while a run is shown.
    BulkRun,
    /// The bulk screen's past runs and a run's journal.
    BulkRuns,
    /// The `?` help.
    HelpBox,
    /// A yes/no question.
    Ask,
    /// While typing: only these keys are not text.
    Input,
    /// A list to pick from.
    Pick,
    /// One record shown whole (an event).
    Detail,
    /// The users list's column chooser (`:columns`).
    Columns,
}

impl Context {
    pub const ALL: [Context; 15] = [
        Context::Global,
        Context::Users,
        Context::Editor,
        Context::UserView,
        Context::Events,
        Context::RequestLog,
        Context::Bulk,
        Context::BulkRun,
        Context::BulkRuns,
        Context::Input,
        Context::Pick,
        Context::Columns,
        Context::Ask,
        Context::Detail,
        Context::HelpBox,
    ];

    /// The name used in `[keys.<name>]`.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Users => "users",
            Context::Editor => "editor",
            Context::UserView => "user_view",
            Context::Events => "events",
            Context::RequestLog => "request_log",
            Context::Bulk => "bulk",
            Context::BulkRun => "bulk_run",
            Context::BulkRuns => "bulk_runs",
            Context::HelpBox => "help",
            Context::Ask => "ask",
            Context::Input => "input",
            Context::Pick => "pick",
            Context::Detail => "detail",
            Context::Columns => "columns",
        }
    }

    /// Whether keys this table lacks fall back to the global table. Text inputs and
    /// questions take only their own keys: a global `q` must stay a letter while typing.
    pub fn falls_back(self) -> bool {
        !matches!(self, Context::Input | Context::Ask)
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Users => "Users",
            Context::Editor => "User view: fields and custom attributes",
            Context::UserView => "User view: roles, apps, MFA factors, events",
            Context::Events => "Events",
            Context::RequestLog => "Request log",
            Context::Bulk => "Bulk edits: changes and preview",
            Context::BulkRun => "Bulk edits: a run",
            Context::BulkRuns => "Bulk edits: past runs",
            Context::HelpBox => "This help",
            Context::Ask => "A question",
            Context::Input => "While typing (every other key is text)",
            Context::Pick => "A list to pick from",
            Context::Detail => "An event shown whole",
            Context::Columns => "Choosing the list's columns (:columns)",
        }
    }
}

macro_rules! key_actions {
    ($($variant:ident => $name:literal, $help:literal, $writes:literal;)*) => {
        /// Everything a key can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum KeyAction { $($variant),* }

        impl KeyAction {
            pub const ALL: &'static [KeyAction] = &[$(KeyAction::$variant),*];
            /// The name used in the config file.
            pub fn name(self) -> &'static str { match self { $(KeyAction::$variant => $name),* } }
            pub fn help(self) -> &'static str { match self { $(KeyAction::$variant => $help),* } }
            /// Whether the action changes the tenant: not bound at all in read-only mode.
            pub fn writes(self) -> bool { match self { $(KeyAction::$variant => $writes),* } }
            pub fn from_name(name: &str) -> Option<KeyAction> {
                match name { $($name => Some(KeyAction::$variant),)* _ => None }
            }
        }
    };
}

key_actions! {
    Quit => "quit", "back; quit from the user list", false;
    ForceQuit => "force_quit", "quit now", false;
    Help => "help", "this help", false;
    ScreenUsers => "screen_users", "users screen", false;
    ScreenBulk => "screen_bulk", "bulk edits screen", false;
    ScreenLog => "screen_request_log", "request log screen", false;
    ScreenEvents => "screen_events", "events screen", false;
    NextScreen => "next_screen", "next screen", false;
    Dismiss => "dismiss", "close a message or go back", false;
    Up => "up", "move up", false;
    Down => "down", "move down", false;
    PageUp => "page_up", "page up", false;
    PageDown => "page_down", "page down", false;
    Top => "top", "first row", false;
    Bottom => "bottom", "last row", false;
    Open => "open", "open", false;
    Filter => "filter", "filter what is loaded, as you type", false;
    Search => "search", "search the tenant (email:kat* department:Sales …)", false;
    LoadAll => "load_all", "load every page", false;
    Refresh => "refresh", "read again from the tenant (users: refresh the cache)", false;
    SortNext => "sort_next", "sort by the next column", false;
    SortReverse => "sort_reverse", "reverse the sort", false;
    ToggleMark => "toggle_select", "select / unselect the row", false;
    MarkAll => "select_all", "select every filtered user", false;
    ClearMarks => "clear_selection", "clear the selection", false;
    InvertMarks => "invert_selection", "invert the selection", false;
    Edit => "edit", "edit the value", true;
    ClearValue => "clear_value", "clear the custom attribute", true;
    Revert => "revert", "undo the pending change of the row", true;
    Save => "save", "save every pending change", true;
    Palette => "command_line", "the command line (verbs as the CLI's)", false;
    Complete => "complete", "complete the verb or its argument (command line)", false;
    Older => "older", "the line run before (command line)", false;
    Newer => "newer", "the line run after (command line)", false;
    JumpBack => "back", "back to the screen or user seen before", false;
    JumpForward => "forward", "forward again (after going back)", false;
    JumpToggle => "toggle_last", "to the screen or user seen last, and back again", false;
    NextSection => "next_section", "next section of the user", false;
    PrevSection => "previous_section", "previous section of the user", false;
    RemoveFactor => "remove_factor", "remove the MFA factor under the cursor (asks)", true;
    UserEvents => "user_events", "this user's events on the events screen", false;
    Actions => "actions", "lock, unlock, log out, state, MFA factors, delete (preview first)", true;
    FilterUser => "filter_user", "events of one user (an id; empty: every user)", false;
    FilterTypes => "filter_types", "events of some types (picked from the tenant's)", false;
    FilterWindow => "filter_window", "a time window: last hour, day, week, or dates", false;
    ClearFilters => "clear_filters", "clear every filter", false;
    NextPage => "next_page", "load the next (older) page", false;
    Live => "live", "follow new events (polls within the rate budget)", false;
    Follow => "follow", "follow new requests", false;
    ErrorsOnly => "errors_only", "errors only", false;
    CopyCurl => "copy_curl", "copy as a curl command (OSC 52)", false;
    WriteLog => "write_log", "write the log as JSONL", false;
    WriteHar => "write_har", "write the log (as filtered) as a HAR 1.2 file", false;
    Resend => "resend", "send the request again (a write asks first; not in read-only)", false;
    BulkSetAttribute => "set_attribute", "add a change: set a custom attribute", false;
    BulkClearAttribute => "clear_attribute", "add a change: clear a custom attribute", false;
    BulkSetField => "set_field", "add a change: set a user field", false;
    BulkAddRole => "add_role", "add a change: give a role", false;
    BulkRemoveRole => "remove_role", "add a change: take a role away", false;
    BulkDeleteChange => "delete_change", "remove the change under the cursor", false;
    BulkPreview => "preview", "preview each user's before → after", false;
    BulkApply => "apply", "apply the preview (asks for the number of users)", true;
    PastRuns => "past_runs", "past runs and their journals", false;
    BulkPause => "pause", "pause / resume the run", false;
    BulkCancel => "cancel_run", "cancel the run (asks; it can be resumed)", false;
    MoreConcurrency => "more_concurrency", "more users at once", false;
    LessConcurrency => "less_concurrency", "fewer users at once", false;
    UndoRun => "undo_run", "undo the run (preview, then asks)", true;
    ResumeRun => "resume_run", "resume the unfinished run (asks)", true;
    Yes => "yes", "yes", false;
    No => "no", "no (what Enter answers)", false;
    Commit => "commit", "keep what was typed", false;
    Cancel => "cancel", "cancel", false;
    ClearLine => "clear_line", "clear the line", false;
    ToggleChoice => "toggle_choice", "choose / unchoose the row", false;
    Choose => "choose", "take the choice", false;
    MoveUp => "move_up", "move the column up (left in the list)", false;
    MoveDown => "move_down", "move the column down (right in the list)", false;
    Wider => "wider", "make the column wider (a fixed width)", false;
    Narrower => "narrower", "make the column narrower (a fixed width)", false;
    AutoWidth => "auto_width", "no fixed width: the columns share the room", false;
    Close => "close", "close", false;
}

/// One key with its modifiers, as written in the config: `ctrl+s`, `G`, `enter`, `space`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeySpec {
    pub code: KeyCodeSpec,
    pub ctrl: bool,
    pub alt: bool,
}

/// A comparable subset of crossterm's KeyCode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeSpec {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

impl KeySpec {
    /// A key that types a character: bound in a text input it could not be typed.
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCodeSpec::Char(_)) && !self.ctrl && !self.alt
    }

    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl+") || lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt+") || lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCodeSpec::Enter,
            "esc" | "escape" => KeyCodeSpec::Esc,
            "tab" => KeyCodeSpec::Tab,
            "backtab" | "shift+tab" => KeyCodeSpec::BackTab,
            "backspace" => KeyCodeSpec::Backspace,
            "delete" | "del" => KeyCodeSpec::Delete,
            "insert" | "ins" => KeyCodeSpec::Insert,
            "up" => KeyCodeSpec::Up,
            "down" => KeyCodeSpec::Down,
            "left" => KeyCodeSpec::Left,
            "right" => KeyCodeSpec::Right,
            "home" => KeyCodeSpec::Home,
            "end" => KeyCodeSpec::End,
            "pageup" | "pgup" => KeyCodeSpec::PageUp,
            "pagedown" | "pgdn" => KeyCodeSpec::PageDown,
            "space" => KeyCodeSpec::Char(' '),
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        // Ctrl+letter arrives lower-case from every terminal.
                        KeyCodeSpec::Char(if ctrl { c.to_ascii_lowercase() } else { c })
                    }
                    _ if lower.starts_with('f') => lower[1..]
                        .parse::<u8>()
                        .ok()
                        .filter(|n| (1..=24).contains(n))
                        .map(KeyCodeSpec::F)
                        .ok_or_else(|| format!("unknown key {text:?}"))?,
                    _ => return Err(format!("unknown key {text:?}")),
                }
            }
        };
        Ok(KeySpec { code, ctrl, alt })
    }

    /// The spec of a key event; `None` for releases and keys we never bind.
    pub fn from_event(event: &KeyEvent) -> Option<KeySpec> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeSpec::Char(c),
            KeyCode::F(n) => KeyCodeSpec::F(n),
            KeyCode::Enter => KeyCodeSpec::Enter,
            KeyCode::Esc => KeyCodeSpec::Esc,
            KeyCode::Tab => KeyCodeSpec::Tab,
            KeyCode::BackTab => KeyCodeSpec::BackTab,
            KeyCode::Backspace => KeyCodeSpec::Backspace,
            KeyCode::Delete => KeyCodeSpec::Delete,
            KeyCode::Insert => KeyCodeSpec::Insert,
            KeyCode::Up => KeyCodeSpec::Up,
            KeyCode::Down => KeyCodeSpec::Down,
            KeyCode::Left => KeyCodeSpec::Left,
            KeyCode::Right => KeyCodeSpec::Right,
            KeyCode::Home => KeyCodeSpec::Home,
            KeyCode::End => KeyCodeSpec::End,
            KeyCode::PageUp => KeyCodeSpec::PageUp,
            KeyCode::PageDown => KeyCodeSpec::PageDown,
            _ => return None,
        };
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match code {
            KeyCodeSpec::Char(c) if ctrl => KeyCodeSpec::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Some(KeySpec {
            code,
            ctrl,
            alt: event.modifiers.contains(KeyModifiers::ALT),
        })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        match self.code {
            KeyCodeSpec::Char(' ') => f.write_str("Space"),
            KeyCodeSpec::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCodeSpec::Char(c) => write!(f, "{c}"),
            KeyCodeSpec::F(n) => write!(f, "F{n}"),
            KeyCodeSpec::Enter => f.write_str("Enter"),
            KeyCodeSpec::Esc => f.write_str("Esc"),
            KeyCodeSpec::Tab => f.write_str("Tab"),
            KeyCodeSpec::BackTab => f.write_str("Shift+Tab"),
            KeyCodeSpec::Backspace => f.write_str("Backspace"),
            KeyCodeSpec::Delete => f.write_str("Del"),
            KeyCodeSpec::Insert => f.write_str("Ins"),
            KeyCodeSpec::Up => f.write_str("↑"),
            KeyCodeSpec::Down => f.write_str("↓"),
            KeyCodeSpec::Left => f.write_str("←"),
            KeyCodeSpec::Right => f.write_str("→"),
            KeyCodeSpec::Home => f.write_str("Home"),
            KeyCodeSpec::End => f.write_str("End"),
            KeyCodeSpec::PageUp => f.write_str("PgUp"),
            KeyCodeSpec::PageDown => f.write_str("PgDn"),
        }
    }
}

/// The compiled-in bindings: (context, action, keys).
const DEFAULTS: &[(Context, KeyAction, &[&str])] = {
    use Context::*;
    use KeyAction::*;
    &[
        (Global, Quit, &["q"]),
        (Global, ForceQuit, &["ctrl+c"]),
        (Global, Help, &["?", "f1"]),
        (Global, ScreenUsers, &["1"]),
        (Global, ScreenBulk, &["2"]),
        (Global, ScreenLog, &["3"]),
        (Global, ScreenEvents, &["4"]),
        (Global, NextScreen, &["tab"]),
        (Global, Palette, &[":"]),
        (Global, JumpBack, &["["]),
        (Global, JumpForward, &["]"]),
        (Global, JumpToggle, &["-"]),
        (Global, Dismiss, &["esc"]),
        (Global, Up, &["up", "k"]),
        (Global, Down, &["down", "j"]),
        (Global, PageUp, &["pageup", "ctrl+b", "ctrl+u"]),
        (Global, PageDown, &["pagedown", "ctrl+f", "ctrl+d"]),
        (Global, Top, &["home", "g"]),
        (Global, Bottom, &["end", "G"]),
        (Users, Open, &["enter", "l", "right"]),
        (Users, Filter, &["/"]),
        (Users, Search, &["s"]),
        (Users, LoadAll, &["L"]),
        (Users, Refresh, &["R", "ctrl+r"]),
        (Users, SortNext, &["o"]),
        (Users, SortReverse, &["O"]),
        (Users, ToggleMark, &["space"]),
        (Users, MarkAll, &["a"]),
        (Users, ClearMarks, &["A"]),
        (Users, InvertMarks, &["v"]),
        (Users, UserEvents, &["E"]),
        (Users, Actions, &["!"]),
        (Editor, Edit, &["enter", "e"]),
        (Editor, ClearValue, &["x"]),
        (Editor, Revert, &["u"]),
        (Editor, Save, &["ctrl+s"]),
        (Editor, Refresh, &["r", "R", "ctrl+r"]),
        // Tab moves between the user's sections here, not between screens (1-4 do).
        (Editor, NextSection, &["tab"]),
        (Editor, PrevSection, &["backtab"]),
        (Editor, UserEvents, &["E"]),
        (Editor, Actions, &["!"]),
        (UserView, NextSection, &["tab"]),
        (UserView, PrevSection, &["backtab"]),
        (UserView, Open, &["enter"]),
        (UserView, RemoveFactor, &["d", "delete"]),
        (UserView, Refresh, &["r", "R", "ctrl+r"]),
        (UserView, UserEvents, &["E"]),
        (UserView, Actions, &["!"]),
        (Events, Open, &["enter"]),
        (Events, Filter, &["/"]),
        (Events, FilterUser, &["u"]),
        (Events, FilterTypes, &["t"]),
        (Events, FilterWindow, &["w"]),
        (Events, ClearFilters, &["x"]),
        (Events, Live, &["f"]),
        (Events, NextPage, &["n"]),
        (Events, Refresh, &["r", "R", "ctrl+r"]),
        (RequestLog, Open, &["enter"]),
        (RequestLog, Filter, &["/"]),
        (RequestLog, Follow, &["f"]),
        (RequestLog, ErrorsOnly, &["e"]),
        (RequestLog, CopyCurl, &["c"]),
        (RequestLog, WriteLog, &["w"]),
        (RequestLog, WriteHar, &["W"]),
        (RequestLog, Resend, &["r"]),
        (Bulk, BulkSetAttribute, &["a"]),
        (Bulk, BulkClearAttribute, &["x"]),
        (Bulk, BulkSetField, &["f"]),
        (Bulk, BulkAddRole, &["+"]),
        (Bulk, BulkRemoveRole, &["-"]),
        (Bulk, BulkDeleteChange, &["d", "delete"]),
        (Bulk, BulkPreview, &["p", "enter"]),
        (Bulk, BulkApply, &["ctrl+s"]),
        (Bulk, PastRuns, &["h"]),
        (BulkRun, BulkPause, &["space"]),
        (BulkRun, BulkCancel, &["c"]),
        (BulkRun, MoreConcurrency, &["+"]),
        (BulkRun, LessConcurrency, &["-"]),
        (BulkRun, PastRuns, &["h"]),
        (BulkRuns, Open, &["enter"]),
        (BulkRuns, UndoRun, &["u"]),
        (BulkRuns, ResumeRun, &["r"]),
        (BulkRuns, Refresh, &["R", "ctrl+r"]),
        (Input, Commit, &["enter"]),
        (Input, Cancel, &["esc"]),
        (Input, ClearLine, &["ctrl+u"]),
        (Input, Complete, &["tab"]),
        (Input, Older, &["up"]),
        (Input, Newer, &["down"]),
        (Pick, ToggleChoice, &["space"]),
        (Pick, Choose, &["enter"]),
        (Pick, Cancel, &["esc"]),
        (Columns, ToggleChoice, &["space"]),
        (Columns, Choose, &["enter"]),
        (Columns, Cancel, &["esc"]),
        (Columns, MoveUp, &["K"]),
        (Columns, MoveDown, &["J"]),
        (Columns, Wider, &["+", "="]),
        (Columns, Narrower, &["-"]),
        (Columns, AutoWidth, &["0"]),
        (Ask, Yes, &["y", "Y"]),
        (Ask, No, &["n", "N", "esc", "enter"]),
        (Detail, Close, &["esc", "enter", "q"]),
        (HelpBox, Close, &["?", "f1", "q", "esc", "enter"]),
    ]
};

/// The resolved key table.
#[derive(Debug, Clone)]
pub struct Keymap {
    table: BTreeMap<(Context, KeySpec), KeyAction>,
    by_action: BTreeMap<(Context, KeyAction), Vec<KeySpec>>,
}

impl Keymap {
    /// Defaults, then overrides (`screen → action → keys`, replacing that action's keys).
    /// Returns the keymap and a message for every override that could not be used.
    pub fn new(
        overrides: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        read_only: bool,
    ) -> (Keymap, Vec<String>) {
        let mut problems = Vec::new();
        let mut by_action: BTreeMap<(Context, KeyAction), Vec<KeySpec>> = BTreeMap::new();
        for (context, action, keys) in DEFAULTS {
            let specs = keys.iter().filter_map(|k| KeySpec::parse(k).ok()).collect();
            by_action.insert((*context, *action), specs);
        }
        for (context_name, actions) in overrides {
            let Some(context) = Context::ALL.into_iter().find(|c| c.name() == context_name) else {
                let names: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
                problems.push(format!(
                    "[keys.{context_name}]: no such screen ({})",
                    names.join(", ")
                ));
                continue;
            };
            for (action_name, keys) in actions {
                let Some(action) = KeyAction::from_name(action_name) else {
                    problems.push(format!(
                        "[keys.{context_name}] {action_name}: no such action"
                    ));
                    continue;
                };
                let mut specs = Vec::new();
                for key in keys {
                    match KeySpec::parse(key) {
                        Ok(spec) if context == Context::Input && spec.is_text() => problems.push(
                            format!(
                                "[keys.input] {action_name}: {spec} would no longer be typed; use a key with Ctrl or Alt, or Enter/Esc"
                            ),
                        ),
                        Ok(spec) => specs.push(spec),
                        Err(e) => {
                            problems.push(format!("[keys.{context_name}] {action_name}: {e}"))
                        }
                    }
                }
                by_action.insert((context, action), specs);
            }
        }
        if read_only {
            by_action.retain(|(_, action), _| !action.writes());
        }
        let mut table = BTreeMap::new();
        for ((context, action), specs) in &by_action {
            for spec in specs {
                if let Some(previous) = table.insert((*context, *spec), *action) {
                    problems.push(format!(
                        "[keys.{}] {spec} is bound to both {} and {}",
                        context.name(),
                        previous.name(),
                        action.name()
                    ));
                }
            }
        }
        (Keymap { table, by_action }, problems)
    }

    /// The action for a key in a context: its own binding first, then (where the context
    /// falls back) the global one.
    pub fn lookup(&self, context: Context, key: &KeyEvent) -> Option<KeyAction> {
        let spec = KeySpec::from_event(key)?;
        self.table
            .get(&(context, spec))
            .or_else(|| {
                context
                    .falls_back()
                    .then(|| self.table.get(&(Context::Global, spec)))
                    .flatten()
            })
            .copied()
    }

    /// Whether `key` is bound to `action` in `context` (or globally).
    pub fn is(&self, context: Context, action: KeyAction, key: &KeyEvent) -> bool {
        KeySpec::from_event(key).is_some_and(|spec| {
            self.table.get(&(context, spec)) == Some(&action)
                || self.table.get(&(Context::Global, spec)) == Some(&action)
        })
    }

    fn specs(&self, context: Context, action: KeyAction) -> Option<&Vec<KeySpec>> {
        self.by_action
            .get(&(context, action))
            .or_else(|| self.by_action.get(&(Context::Global, action)))
    }

    /// Every key of an action, for hints: "Enter/e".
    pub fn keys_of(&self, context: Context, action: KeyAction) -> String {
        self.specs(context, action)
            .map(|specs| {
                specs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// The first key of an action, as hints name it ("Ctrl+S"); empty when unbound.
    pub fn key(&self, context: Context, action: KeyAction) -> String {
        self.specs(context, action)
            .and_then(|specs| specs.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// Lines the help takes: a title, the rows and a blank line for each table with keys.
    pub fn help_len(&self) -> usize {
        self.help()
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(_, rows)| rows.len() + 2)
            .sum()
    }

    /// The help: for each context, its actions with their keys, in table order.
    pub fn help(&self) -> Vec<(Context, Vec<(String, &'static str)>)> {
        Context::ALL
            .into_iter()
            .map(|context| {
                let rows = KeyAction::ALL
                    .iter()
                    .filter_map(|action| {
                        let specs = self.by_action.get(&(context, *action))?;
                        if specs.is_empty() {
                            return None;
                        }
                        let keys = specs.iter().map(ToString::to_string).collect::<Vec<_>>();
                        Some((keys.join(" "), action.help()))
                    })
                    .collect();
                (context, rows)
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "keymap_tests.rs"]
mod tests;
