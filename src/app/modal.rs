//! The modal stack: whatever owns the keyboard besides the screen itself, newest on top.
//! Help, a yes/no question, a text input, a picker: the top one gets every key but the
//! force-quit, and each is closed through one path (`update::modal`).

use ratatui_textarea::TextArea;

use crate::api::Event;
use crate::bulk::Cost;

use super::action::Generation;
use super::actions::ActionKind;
use super::columns::{Column, ColumnSpec};
use super::events_state::WindowChoice;
use super::list::ListState;
use super::message::Note;
use super::state::{ChangeKind, RowKey};

/// A one-line text input.
pub type LineInput = TextArea<'static>;

pub fn line_input(text: &str) -> LineInput {
    let mut input = TextArea::new(vec![text.to_string()]);
    input.move_cursor(ratatui_textarea::CursorMove::End);
    input
}

pub fn input_text(input: &LineInput) -> String {
    input.lines().first().cloned().unwrap_or_default()
}

#[derive(Debug)]
pub enum Modal {
    /// The `?` help, scrolled this far.
    Help {
        scroll: u16,
    },
    /// A yes/no question; "no" has the focus.
    Ask(Question),
    Input(Box<Input>),
    Pick(Box<Pick>),
    /// One event, every key it came with.
    Event(Box<EventDetail>),
    /// `:columns`: the users list's columns, chosen, ordered and sized.
    Columns(Box<ColumnChooser>),
}

/// The column chooser: every column on offer, the shown ones first in their order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnChooser {
    pub rows: Vec<ChooserRow>,
    /// The cursor.
    pub list: ListState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChooserRow {
    pub column: Column,
    /// Shown (Space toggles).
    pub on: bool,
    pub width: Option<u16>,
}

impl ColumnChooser {
    /// `shown` first, in order and checked; then every other column on offer.
    pub fn new(shown: &[ColumnSpec], offer: Vec<Column>) -> ColumnChooser {
        let mut rows: Vec<ChooserRow> = shown
            .iter()
            .map(|s| ChooserRow {
                column: s.column.clone(),
                on: true,
                width: s.width,
            })
            .collect();
        for column in offer {
            if !rows.iter().any(|r| r.column == column) {
                rows.push(ChooserRow {
                    column,
                    on: false,
                    width: None,
                });
            }
        }
        ColumnChooser {
            rows,
            list: ListState::default(),
        }
    }

    /// The checked rows, in their order.
    pub fn chosen(&self) -> Vec<ColumnSpec> {
        self.rows
            .iter()
            .filter(|r| r.on)
            .map(|r| ColumnSpec {
                column: r.column.clone(),
                width: r.width,
            })
            .collect()
    }
}

/// An event shown whole, with what the console knows beside it.
#[derive(Debug, Clone)]
pub struct EventDetail {
    pub event: Event,
    /// The type's name, from the tenant's types.
    pub type_name: String,
    /// The bulk run of ours that caused it.
    pub run: Option<String>,
    /// Lines scrolled.
    pub scroll: u16,
}

/// A question that blocks other keys until answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Quit although requests (or a bulk run) are in flight.
    Quit,
    /// Leave the editor with unsaved changes.
    DiscardEdits,
    /// Cancel the running bulk run (it can be resumed).
    CancelRun,
    /// Load every page of the search although it spends a good part of the rate budget.
    LoadAll { generation: Generation, cost: Cost },
    /// Remove an MFA factor of a user (it cannot be undone).
    RemoveFactor {
        user: i64,
        /// The user as the question names them.
        user_name: String,
        device_id: String,
        /// The factor as the question names it.
        name: String,
    },
    /// Send a logged write again.
    Resend {
        what: String,
        method: String,
        url: String,
        body: Option<String>,
    },
}

/// What a text input is for: where its text goes on Enter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFor {
    /// The users list's `/` filter, applied as you type.
    UsersFilter,
    /// A search of the tenant.
    UsersSearch,
    /// The request log's `/` filter, applied as you type.
    LogFilter,
    /// A new value for an editor row.
    EditValue(RowKey),
    /// The value of a bulk change being added.
    ChangeValue { kind: ChangeKind, name: String },
    /// The number of users, typed to confirm a bulk run.
    TypedConfirm,
    /// The events screen's `/` filter over the loaded events, applied as you type.
    EventsFilter,
    /// The events of one user: an id.
    EventsUser,
    /// The start of the events' time window: a date.
    EventsSince,
    /// The end of the events' time window: a date.
    EventsUntil,
    /// How many minutes the lock action locks for (0: the account policy's time).
    LockMinutes,
    /// The `:` command line.
    Palette,
    /// The protected profile's name, typed to send the held writes.
    TenantName,
}

#[derive(Debug)]
pub struct Input {
    pub purpose: InputFor,
    pub text: LineInput,
    /// Why the last Enter was refused, shown in the input's box.
    pub error: Option<Note>,
}

impl Input {
    pub fn new(purpose: InputFor, text: &str) -> Input {
        Input {
            purpose,
            text: line_input(text),
            error: None,
        }
    }

    pub fn text(&self) -> String {
        input_text(&self.text)
    }
}

/// A choice a picker offers: typed, never parsed back from its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Role(i64),
    /// A group, or none.
    Group(Option<i64>),
    Attribute(String),
    Field(&'static str),
    EventType(i64),
    Window(WindowChoice),
    /// A lifecycle action (`!`).
    Action(ActionKind),
    /// A user state (0–3), for the set-state action.
    State(i64),
}

/// What a picker is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickFor {
    /// The editor's roles (many).
    Roles,
    /// The editor's group (one).
    Group,
    /// What a bulk change of this kind applies to.
    Change(ChangeKind),
    /// The events screen's types (many).
    EventTypes,
    /// The events screen's time window (one).
    Window,
    /// A lifecycle action for the users `BulkState::action` holds (one).
    Action,
    /// The state those users get (one).
    State,
}

#[derive(Debug)]
pub struct Pick {
    pub purpose: PickFor,
    /// (choice, label)
    pub options: Vec<(Choice, String)>,
    /// The cursor, and the positions chosen.
    pub list: ListState<usize>,
    /// Many choices (Space toggles) or one (Enter takes the row).
    pub multi: bool,
}

impl Pick {
    pub fn chosen(&self) -> Vec<Choice> {
        self.list
            .marks()
            .iter()
            .filter_map(|i| self.options.get(*i).map(|(c, _)| c.clone()))
            .collect()
    }
}

/// The stack. Only `update::modal` pushes onto it and pops from it.
#[derive(Debug, Default)]
pub struct Modals(Vec<Modal>);

impl Modals {
    pub fn push(&mut self, modal: Modal) {
        self.0.push(modal);
    }

    pub fn pop(&mut self) -> Option<Modal> {
        self.0.pop()
    }

    pub fn top(&self) -> Option<&Modal> {
        self.0.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Modal> {
        self.0.last_mut()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Modal> {
        self.0.iter()
    }

    /// The open input for `purpose`, wherever it is in the stack (screens draw theirs inline).
    pub fn input(&self, purpose: &InputFor) -> Option<&Input> {
        self.0.iter().find_map(|m| match m {
            Modal::Input(input) if input.purpose == *purpose => Some(&**input),
            _ => None,
        })
    }

    /// The question being asked, if any.
    pub fn question(&self) -> Option<Question> {
        self.0.iter().rev().find_map(|m| match m {
            Modal::Ask(q) => Some(q.clone()),
            _ => None,
        })
    }

    /// The text input on top, which typing and pasting go to.
    pub fn top_input_mut(&mut self) -> Option<&mut Input> {
        match self.0.last_mut() {
            Some(Modal::Input(input)) => Some(&mut **input),
            _ => None,
        }
    }
}
