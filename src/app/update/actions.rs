//! `!`: a lifecycle action on the selection (or the user under the cursor) or on the open
//! user. The picker fixes the users, then the action (and its minutes or state); the
//! change is planned like a bulk edit and the bulk screen shows its preview, where the
//! typed confirmation starts it.

use super::modal::{self, Rejected};
use super::*;
use crate::api::{USER_STATES, state_name};
use crate::app::actions::{ActionKind, ActionTargets, parse_minutes};
use crate::app::bulk_flow::PlanFor;
use crate::bulk::Change;

/// `!` in the users list: the selection, or the user under the cursor when none is marked.
pub(super) fn from_users(state: &mut AppState) -> Vec<Command> {
    match of_users(state) {
        Some(targets) => open(state, targets),
        None => status(state, Level::Info, Note::Hint(Hint::NoSelection)),
    }
    Vec::new()
}

/// `!` in the user view: the open user.
pub(super) fn from_user_view(state: &mut AppState) -> Vec<Command> {
    if let Some(targets) = of_user_view(state) {
        open(state, targets);
    }
    Vec::new()
}

/// The users an action on this screen is for: the open user in the user view, else the
/// selection, else the user under the cursor.
pub(super) fn targets_here(state: &AppState) -> Option<ActionTargets> {
    match state.screen {
        Screen::Editor => of_user_view(state),
        _ => of_users(state),
    }
}

fn of_users(state: &AppState) -> Option<ActionTargets> {
    let users = &state.users;
    let marks = users.list.marks();
    if !marks.is_empty() {
        return Some(ActionTargets {
            ids: marks.iter().copied().collect(),
            label: format!("{} selected user(s)", marks.len()),
        });
    }
    let id = users.current_id()?;
    let name = users
        .index
        .get(&id)
        .and_then(|&i| users.all.get(i))
        .map_or_else(String::new, |u| u.name.to_string());
    Some(one_user(id, &name))
}

fn of_user_view(state: &AppState) -> Option<ActionTargets> {
    let editor = state.editor.as_ref()?;
    let name = editor
        .user
        .as_ref()
        .map_or_else(String::new, |u| u.display_name());
    Some(one_user(editor.id, &name))
}

/// A change for `targets`, straight to its preview (the command line names it whole).
pub(super) fn start_for(
    state: &mut AppState,
    targets: ActionTargets,
    change: Change,
) -> Vec<Command> {
    plan(
        state,
        PlanFor::Action {
            ids: targets.ids,
            change,
        },
    )
}

fn one_user(id: i64, name: &str) -> ActionTargets {
    let label = if name.trim().is_empty() {
        format!("user {id}")
    } else {
        format!("{name} ({id})")
    };
    ActionTargets {
        ids: vec![id],
        label,
    }
}

fn open(state: &mut AppState, targets: ActionTargets) {
    state.bulk.action = Some(targets);
    let options = ActionKind::ALL
        .iter()
        .map(|k| (Choice::Action(*k), k.label().to_string()))
        .collect();
    open_pick(state, PickFor::Action, options, [], 0, false);
}

/// A choice in the action or the state picker.
pub(super) fn picked(state: &mut AppState, choice: Choice) -> Vec<Command> {
    match choice {
        Choice::Action(kind) => match (kind.change(), kind) {
            (Some(change), _) => start(state, change),
            (None, ActionKind::Lock) => {
                modal::input(state, InputFor::LockMinutes, "");
                Vec::new()
            }
            (None, _) => {
                let options = USER_STATES
                    .map(|s| (Choice::State(s), format!("{s} {}", state_name(s))))
                    .collect();
                // Approved (1) first under the cursor: the common answer.
                open_pick(state, PickFor::State, options, [], 1, false);
                Vec::new()
            }
        },
        Choice::State(s) => start(state, Change::SetState { state: s }),
        _ => Vec::new(),
    }
}

/// Enter in the minutes input: a whole number (empty: the policy's time) locks.
pub(super) fn commit_minutes(state: &mut AppState, text: &str) -> Result<Vec<Command>, Rejected> {
    match parse_minutes(text) {
        Ok(minutes) => Ok(start(state, Change::Lock { minutes })),
        Err(why) => Err(Rejected {
            note: Box::new(Note::Text(why)),
            inline: true,
        }),
    }
}

/// The picker or the input was closed without a choice: the action is dropped.
pub(super) fn dropped(state: &mut AppState) {
    if state.bulk.action.take().is_some() {
        status(
            state,
            Level::Info,
            Note::text("Cancelled: nothing was written"),
        );
    }
}

/// The change over the action's users: planned (their values read fresh), then shown as
/// a preview on the bulk screen.
fn start(state: &mut AppState, change: Change) -> Vec<Command> {
    match state.bulk.action.take() {
        Some(targets) => plan(
            state,
            PlanFor::Action {
                ids: targets.ids,
                change,
            },
        ),
        None => Vec::new(),
    }
}

/// Plans `of` (an action) and goes to the bulk screen; also `p` on its preview.
pub(super) fn plan(state: &mut AppState, of: PlanFor) -> Vec<Command> {
    let PlanFor::Action { ids, change } = &of else {
        return Vec::new();
    };
    let (ids, changes) = (ids.clone(), vec![change.clone()]);
    match state.bulk.plan(of) {
        Ok(generation) => {
            state.screen = Screen::Bulk;
            vec![Command::BulkPlan {
                generation,
                ids,
                changes,
            }]
        }
        Err(why) => {
            bulk::refused(state, why);
            Vec::new()
        }
    }
}
