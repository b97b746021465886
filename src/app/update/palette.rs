//! `:`: the command line. A line is parsed by `app::palette`; a wrong one stays in the
//! box with the error under it, nothing typed is lost. Verbs go through the same paths
//! as their keys: a lifecycle verb opens the same preview as `!`, read-only mode binds
//! no write (the preview says so and nothing is sent).

use super::modal::{self, Rejected};
use super::*;
use crate::app::palette::{Order, Words, complete, parse};

pub(super) fn open(state: &mut AppState) -> Vec<Command> {
    state.palette.opened();
    modal::input(state, InputFor::Palette, "");
    Vec::new()
}

/// Tab, ↑ and ↓ in the command line (other inputs ignore them).
pub(super) fn key(state: &mut AppState, action: KeyAction) {
    let Some(Modal::Input(input)) = state.modals.top() else {
        return;
    };
    if input.purpose != InputFor::Palette {
        return;
    }
    let line = input.text();
    let replaced = match action {
        KeyAction::Complete => {
            let c = complete(&line, &words(state));
            state.palette.options = c.options;
            Some(c.line)
        }
        KeyAction::Older => state.palette.older().map(str::to_string),
        KeyAction::Newer => Some(state.palette.newer().to_string()),
        _ => None,
    };
    if let (Some(text), Some(input)) = (replaced, state.modals.top_input_mut()) {
        *input = crate::app::modal::Input::new(InputFor::Palette, &text);
    }
}

/// What arguments complete to, from the state.
fn words(state: &AppState) -> Words {
    Words {
        profiles: state.profiles.clone(),
        columns: columns::offer(state).iter().map(|c| c.name()).collect(),
        shown: state.columns.iter().map(|s| s.column.name()).collect(),
        views: state.prefs.views.keys().cloned().collect(),
        themes: state.prefs.themes.clone(),
    }
}

/// Enter: the line runs, or stays with its error.
pub(super) fn run(state: &mut AppState, line: &str) -> Result<Vec<Command>, Rejected> {
    let order = parse(line).map_err(|e| Rejected {
        note: Box::new(Note::Text(e)),
        inline: true,
    })?;
    state.palette.ran(line);
    Ok(match order {
        Order::Profile(name) => vec![Command::SwitchProfile { name }],
        Order::Search(query) => {
            let mut commands = leave_to(state, Screen::Users);
            commands.extend(users::search(state, &query)?);
            commands
        }
        Order::Act(change) => match actions::targets_here(state) {
            Some(targets) => actions::start_for(state, targets, change),
            None => {
                status(state, Level::Info, Note::Hint(Hint::NoSelection));
                Vec::new()
            }
        },
        Order::Screen(screen) => leave_to(state, screen),
        Order::Help => {
            state.modals.push(Modal::Help { scroll: 0 });
            Vec::new()
        }
        Order::Quit => quit_from_anywhere(state),
        Order::Columns(order) => {
            let mut commands = columns::order(state, order)?;
            // The list shows what changed (the chooser opens over any screen).
            if state.modals.is_empty() {
                commands.extend(leave_to(state, Screen::Users));
            }
            commands
        }
        Order::View(order) => views::order(state, order)?,
        Order::Theme(name) => views::theme(state, &name)?,
        Order::Export { path, overwrite } => export::run(state, &path, overwrite)?,
    })
}

/// `:quit` quits from any screen, asking first as `q` on the users list does; unsaved
/// edits are never dropped by it.
fn quit_from_anywhere(state: &mut AppState) -> Vec<Command> {
    if state.editor.as_ref().is_some_and(|e| !e.pending.is_empty()) {
        state.screen = Screen::Editor;
        status(state, Level::Info, Note::Hint(Hint::UnsavedChanges));
        return Vec::new();
    }
    if state.in_flight > 0 || state.runs_going() {
        modal::ask(state, Question::Quit);
        return Vec::new();
    }
    state.quit = true;
    vec![Command::Quit]
}

#[cfg(test)]
#[path = "palette_tests.rs"]
mod tests;
