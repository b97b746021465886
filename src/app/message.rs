//! What the console tells the user, kept as data until the view words it: errors stay
//! typed, and words that name a key are written with the user's own bindings.

use crate::api::ApiError;
use crate::bulk::pacing::WaitReason;
use crate::bulk::{BulkError, RunReport};

use super::action::SavePart;
use super::user_view::Section;

/// A message for the status line or a toast.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// Plain words that name no key.
    Text(String),
    /// Something failed: what the console was doing, and the error as it came.
    Failed { doing: Doing, error: Failure },
    /// Words that name keys.
    Hint(Hint),
    /// A bulk run ended.
    RunEnded(RunReport),
    /// The console's reads wait for the rate budget.
    Paced {
        wait: std::time::Duration,
        reason: WaitReason,
    },
}

impl Note {
    pub fn text(text: impl Into<String>) -> Note {
        Note::Text(text.into())
    }
}

/// An error as it came back, for the view to word.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    Api(ApiError),
    Bulk(BulkError),
    /// What the user typed cannot be used: our own words say why.
    Invalid(String),
    /// The terminal or the file system said no (a copy, a file written).
    Local(String),
}

/// What the console was doing when something failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Doing {
    LoadFields,
    LoadRoles,
    LoadGroups,
    LoadUsers,
    /// Measuring a search before loading every page.
    MeasureSearch,
    LoadUser(i64),
    /// Reading a section of the user view (roles, apps, factors, events) of a user.
    LoadSection {
        id: i64,
        section: Section,
    },
    /// Removing the MFA factor `name` of a user.
    RemoveFactor {
        id: i64,
        name: String,
    },
    LoadEventTypes,
    LoadEvents,
    /// Asking for events newer than those shown (live updates stop).
    PollEvents,
    /// Saving a part of a user; `fields` names what it held (the envelope's field first).
    Save {
        id: i64,
        part: SavePart,
        fields: String,
    },
    Search,
    /// Checking a typed value of `field`.
    Value(String),
    Preview,
    ReadRuns,
    ReadJournal,
    StartRun,
    Copy,
    Write,
    /// Sending a logged request again ("PUT /api/1/users/7").
    Resend(String),
}

/// Messages that tell which key to press next.
#[derive(Debug, Clone, PartialEq)]
pub enum Hint {
    /// Leaving the run's view leaves the run going.
    RunGoesOn,
    /// Apply was pressed before a preview.
    PreviewFirst,
    NoSelection,
    NoChanges,
    Cancelling,
    /// An unfinished run of this tenant was found at start.
    UnfinishedRun {
        run: String,
        left: usize,
        users: usize,
        read_only: bool,
    },
    /// A reload would drop the pending changes.
    SaveOrUndoFirst,
    /// Clearing applies to custom attributes only.
    ClearsAttributesOnly,
    /// The editor holds changes not saved.
    UnsavedChanges,
    /// Search terms matched in the console over what is loaded.
    LocalTerms(Vec<String>),
    /// Enter with nothing typed in the typed confirmation: what to type (the number, and
    /// a word when the run cannot be undone).
    TypeToConfirm(String),
    /// A poll found more new events than it reads: a reload shows them.
    ManyNewEvents(usize),
    /// The type picker waits for the tenant's event types.
    TypesNotLoaded {
        failed: bool,
    },
}
