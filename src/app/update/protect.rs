//! The protected tenant's gate (app/protect.rs): writes held until the profile's name is
//! typed, and each held write answered as not sent when it is not.

use super::modal::Rejected;
use super::*;
use crate::app::protect::held_words;
use crate::bulk::BulkError;

/// Holds the writes among `commands` and asks for the profile's name; the other commands
/// go on. Writes pass once when the name was typed in this very update.
pub(super) fn gate(state: &mut AppState, commands: &mut Vec<Command>) {
    if !state.protect.on || std::mem::take(&mut state.protect.granted) {
        return;
    }
    if !commands.iter().any(Command::is_write) {
        return;
    }
    let (writes, rest): (Vec<Command>, Vec<Command>) = std::mem::take(commands)
        .into_iter()
        .partition(Command::is_write);
    *commands = rest;
    let asking = !state.protect.held.is_empty();
    state.protect.held.extend(writes);
    if !asking {
        modal::input(state, InputFor::TenantName, "");
    }
}

/// Enter in the name box: the profile's name sends what is held; anything else is refused
/// in the box and nothing is sent.
pub(super) fn commit_name(state: &mut AppState, text: &str) -> Result<Vec<Command>, Rejected> {
    let typed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = state.tenant.profile.clone();
    if typed != name {
        let note = if typed.is_empty() {
            Note::Hint(Hint::TypeToConfirm(name))
        } else {
            Note::Text(format!("{typed:?} is not {name:?}: nothing was sent"))
        };
        return Err(Rejected {
            note: Box::new(note),
            inline: true,
        });
    }
    state.protect.granted = true;
    let held = std::mem::take(&mut state.protect.held);
    status(
        state,
        Level::Info,
        Note::Text(format!("Sending to {name}: {}", held_words(&held))),
    );
    Ok(held)
}

/// Esc in the name box: nothing is sent, and every held write is answered as not sent, so
/// the screens that wait for it (a save, a removal) stop waiting and keep what was typed.
pub(super) fn dropped(state: &mut AppState) -> Vec<Command> {
    let held = std::mem::take(&mut state.protect.held);
    let why = format!(
        "not sent: profile `{}` is protected and its name was not typed",
        state.tenant.profile
    );
    let mut commands = Vec::new();
    for command in held {
        if let Some(outcome) = not_sent(command, &why) {
            // The outcome answers a command that was never counted as in flight.
            state.in_flight += 1;
            commands.extend(on_outcome(state, outcome));
        }
    }
    commands
}

/// The answer a write gets when it is not sent.
fn not_sent(command: Command, why: &str) -> Option<Outcome> {
    let error = || ApiError::config(why);
    Some(match command {
        Command::SetCustomAttributes { id, .. } => Outcome::Saved {
            id,
            part: SavePart::CustomAttributes,
            result: Err(error()),
        },
        Command::UpdateUser { id, .. } | Command::UpdateUserV3 { id, .. } => Outcome::Saved {
            id,
            part: SavePart::Fields,
            result: Err(error()),
        },
        Command::AddRoles { id, .. } => Outcome::Saved {
            id,
            part: SavePart::AddRoles,
            result: Err(error()),
        },
        Command::RemoveRoles { id, .. } => Outcome::Saved {
            id,
            part: SavePart::RemoveRoles,
            result: Err(error()),
        },
        Command::RemoveFactor {
            id,
            device_id,
            name,
        } => Outcome::FactorRemoved {
            id,
            device_id,
            name,
            result: Err(error()),
        },
        Command::BulkStart(_) => Outcome::BulkFinished(Err(BulkError::Invalid(why.to_string()))),
        Command::Resend { what, .. } => Outcome::Resent {
            what,
            result: Err(error()),
        },
        _ => return None,
    })
}

#[cfg(test)]
#[path = "protect_tests.rs"]
mod tests;
