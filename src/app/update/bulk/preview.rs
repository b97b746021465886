//! The preview, and the typed number that confirms it (or a resume).

use super::super::modal::{self, Rejected};
use super::*;
use crate::app::bulk_flow::PlanFor;

pub(super) fn key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let rows = layout::rows(state, ListId::BulkPreview);
    if let BulkFlow::Preview(preview) = &mut state.bulk.flow {
        let len = preview.rows();
        if preview.list.key(action, len, rows) {
            return Vec::new();
        }
    }
    match action {
        // Again: a preview of the changes or an action is made afresh (an undo's is not).
        KeyAction::BulkPreview => match state.bulk.flow.preview().map(|p| p.of.clone()) {
            Some(of @ PlanFor::Action { .. }) => super::super::actions::plan(state, of),
            Some(PlanFor::Changes) => form::plan(state),
            _ => Vec::new(),
        },
        KeyAction::BulkApply => {
            ask_to_apply(state);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn ask_to_apply(state: &mut AppState) {
    if matches!(state.bulk.flow, BulkFlow::Planning(_)) {
        status(
            state,
            Level::Info,
            Note::text("The preview is not ready yet"),
        );
        return;
    }
    match state.bulk.confirm_plan() {
        Ok(_) => modal::input(state, InputFor::TypedConfirm, ""),
        Err(why) => refused(state, why),
    }
}

/// Enter in the typed confirmation: the right number starts the run; anything else is
/// refused in the box, and nothing is written.
pub(in crate::app::update) fn typed_confirmation(
    state: &mut AppState,
    typed: &str,
) -> Result<Vec<Command>, Rejected> {
    let BulkFlow::Confirming(confirming) = &state.bulk.flow else {
        return Ok(Vec::new());
    };
    let answer = crate::app::protect::confirm_answer(
        confirming.answer(),
        &state.protect,
        &state.tenant.profile,
    );
    if state.read_only {
        state.bulk.cancel_confirm();
        toast(
            state,
            Level::Warning,
            Note::text("Read-only: nothing was written"),
        );
        return Ok(Vec::new());
    }
    // Spaces between the words count once: "20  delete" is "20 delete".
    let typed = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if typed != answer {
        let note = if typed.is_empty() {
            Note::Hint(Hint::TypeToConfirm(answer))
        } else {
            // A bare number reads plainly; words are quoted to show where they end.
            let wanted = if answer.contains(' ') {
                format!("{answer:?}")
            } else {
                answer.clone()
            };
            Note::Text(format!("{typed:?} is not {wanted}: nothing was written"))
        };
        return Err(Rejected {
            note: Box::new(note),
            inline: true,
        });
    }
    match state.bulk.confirmed() {
        Ok(work) => {
            // On a protected tenant the name was typed with the count.
            state.protect.granted = state.protect.on;
            Ok(vec![Command::BulkStart(Box::new(work))])
        }
        Err(why) => {
            refused(state, why);
            Ok(Vec::new())
        }
    }
}
