//! The user view's sections: what each shows, and the state of one loaded on demand
//! (its rows, its spinner, its own error: a failure in one never hides another).

use crate::api::ApiError;

use super::list::ListState;

/// The sections of the user view, in the order `]` walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Section {
    /// Fields and custom attributes: the editor.
    #[default]
    Fields,
    Roles,
    Apps,
    Factors,
    Events,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Fields,
        Section::Roles,
        Section::Apps,
        Section::Factors,
        Section::Events,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Fields => "Fields",
            Section::Roles => "Roles",
            Section::Apps => "Apps",
            Section::Factors => "MFA factors",
            Section::Events => "Events",
        }
    }

    /// What loading it reads, for messages: "Loading the apps of user 7 failed".
    pub fn what(self) -> &'static str {
        match self {
            Section::Fields => "the fields",
            Section::Roles => "the roles",
            Section::Apps => "the apps",
            Section::Factors => "the MFA factors",
            Section::Events => "the recent events",
        }
    }

    /// The next section, round the end.
    pub fn next(self) -> Section {
        let i = Section::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Section::ALL[(i + 1) % Section::ALL.len()]
    }

    pub fn previous(self) -> Section {
        let i = Section::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Section::ALL[(i + Section::ALL.len() - 1) % Section::ALL.len()]
    }
}

/// A section's rows, read when it is first shown: `None` until they came.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub items: Option<Vec<T>>,
    pub loading: bool,
    pub error: Option<ApiError>,
    pub list: ListState,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded {
            items: None,
            loading: false,
            error: None,
            list: ListState::default(),
        }
    }
}

impl<T> Loaded<T> {
    /// Never asked for (or forgotten since): showing it asks.
    pub fn wanted(&self) -> bool {
        self.items.is_none() && !self.loading && self.error.is_none()
    }

    /// A load starts: the spinner turns, the old error goes; false when one is running.
    pub fn start(&mut self) -> bool {
        if self.loading {
            return false;
        }
        self.loading = true;
        self.error = None;
        true
    }

    /// The answer came: rows, or the error (the rows shown before stay).
    pub fn finish(&mut self, result: Result<Vec<T>, ApiError>) {
        self.loading = false;
        match result {
            Ok(items) => {
                self.items = Some(items);
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    pub fn len(&self) -> usize {
        self.items.as_ref().map_or(0, Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row under the cursor.
    pub fn current(&self) -> Option<&T> {
        self.items.as_ref()?.get(self.list.cursor())
    }
}
