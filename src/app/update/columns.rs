//! `:columns`: the users list's columns, from the command line or the chooser. The rows
//! hold every column on offer, so a change reads nothing again: the `/` filter's text is
//! made anew from the rows, the sort follows the columns, the cursor stays on its user.

use super::modal::Rejected;
use super::*;
use crate::app::columns::{self, Column, ColumnSpec};
use crate::app::modal::ColumnChooser;
use crate::app::palette::ColumnsOrder;

fn refused(text: String) -> Rejected {
    Rejected {
        note: Box::new(Note::Text(text)),
        inline: true,
    }
}

/// Every column on offer: the core fields and the tenant's attributes (and any attribute
/// shown that the tenant's list does not name, so it can be taken away).
pub(super) fn offer(state: &AppState) -> Vec<Column> {
    let mut offer = columns::every_column(&state.fields);
    for spec in &state.columns {
        if !offer.contains(&spec.column) {
            offer.push(spec.column.clone());
        }
    }
    offer
}

/// A line of `:columns`.
pub(super) fn order(state: &mut AppState, order: ColumnsOrder) -> Result<Vec<Command>, Rejected> {
    let resolve = |names: &[String], state: &AppState| {
        names
            .iter()
            .map(|n| columns::resolve(n, &state.fields))
            .collect::<Result<Vec<_>, _>>()
            .map_err(refused)
    };
    let specs = match order {
        ColumnsOrder::Choose => {
            let chooser = ColumnChooser::new(&state.columns, offer(state));
            state.modals.push(Modal::Columns(Box::new(chooser)));
            return Ok(Vec::new());
        }
        ColumnsOrder::Add(names) => {
            let added = resolve(&names, state)?;
            let mut specs = state.columns.clone();
            for spec in added {
                // Added again: its new width, where it stands.
                match specs.iter_mut().find(|s| s.column == spec.column) {
                    Some(shown) => shown.width = spec.width.or(shown.width),
                    None => specs.push(spec),
                }
            }
            specs
        }
        ColumnsOrder::Remove(names) => {
            // By the name shown (an attribute the tenant no longer has goes too).
            let mut specs = state.columns.clone();
            for name in &names {
                let name = name.split(':').next().unwrap_or_default();
                let Some(at) = specs
                    .iter()
                    .position(|s| s.column.name() == name || s.column.title() == name)
                else {
                    return Err(refused(format!(
                        "`{name}` is not shown: {}",
                        shown_names(state)
                    )));
                };
                specs.remove(at);
            }
            specs
        }
        ColumnsOrder::Set(names) => resolve(&names, state)?,
        ColumnsOrder::Reset => state.prefs.default_columns.clone(),
    };
    if specs.is_empty() {
        return Err(refused("the list needs at least one column".into()));
    }
    set(state, specs);
    Ok(Vec::new())
}

fn shown_names(state: &AppState) -> String {
    state
        .columns
        .iter()
        .map(|s| s.column.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Shows `specs` (a column named twice, once); says what changed on the status line.
pub(super) fn set(state: &mut AppState, mut specs: Vec<ColumnSpec>) {
    columns::dedup(&mut specs);
    if specs == state.columns {
        return;
    }
    state.columns = specs;
    users_table::set_columns(&mut state.users, &state.columns);
    // The sort follows the columns: a column no longer shown sorts no more.
    let sorted_gone = state
        .users
        .sort
        .as_ref()
        .is_some_and(|(c, _)| !state.columns.iter().any(|s| &s.column == c));
    if sorted_gone {
        users_table::set_sort(&mut state.users, None);
    }
    users::refilter_users(state);
    let words = format!("Columns: {}", shown_names(state));
    status(state, Level::Info, Note::Text(words));
}

/// Whether the chooser on top may be applied (a column is checked); says why not.
pub(super) fn can_apply(state: &mut AppState) -> bool {
    let any = matches!(state.modals.top(), Some(Modal::Columns(c)) if c.rows.iter().any(|r| r.on));
    if !any {
        let toggle = state.keymap.key(Context::Columns, KeyAction::ToggleChoice);
        let words = format!("Choose at least one column ({toggle})");
        status(state, Level::Warning, Note::Text(words));
    }
    any
}

/// A key in the chooser other than apply and cancel (`update::modal` closes it): move,
/// toggle, move a column, size it.
pub(super) fn key(state: &mut AppState, action: Option<KeyAction>) {
    let Some(Modal::Columns(chooser)) = state.modals.top() else {
        return;
    };
    let len = chooser.rows.len();
    let height = layout::rows(state, ListId::Chooser(len));
    let Some(Modal::Columns(chooser)) = state.modals.top_mut() else {
        return;
    };
    let at = chooser.list.cursor();
    match action {
        Some(KeyAction::ToggleChoice) => {
            if let Some(row) = chooser.rows.get_mut(at) {
                row.on = !row.on;
            }
        }
        Some(KeyAction::MoveUp) if at > 0 && at < len => {
            chooser.rows.swap(at, at - 1);
            chooser.list.select(at - 1, len, height);
        }
        Some(KeyAction::MoveDown) if at + 1 < len => {
            chooser.rows.swap(at, at + 1);
            chooser.list.select(at + 1, len, height);
        }
        Some(action @ (KeyAction::Wider | KeyAction::Narrower)) => {
            if let Some(row) = chooser.rows.get_mut(at) {
                let start = u16::try_from(row.column.title().chars().count())
                    .unwrap_or(columns::MAX_WIDTH)
                    .max(10);
                row.width = columns::step_width(row.width, action == KeyAction::Wider, start);
                row.on = true;
            }
        }
        Some(KeyAction::AutoWidth) => {
            if let Some(row) = chooser.rows.get_mut(at) {
                row.width = None;
            }
        }
        Some(action) => {
            chooser.list.key(action, len, height);
        }
        None => {}
    }
}

#[cfg(test)]
#[path = "columns_tests.rs"]
mod tests;
