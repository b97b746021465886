//! How the console words what it tells the user: a note and its typed error become one
//! line of text, and every key it names is the user's own binding.

use crate::app::keymap::{Context, KeyAction, Keymap};
use crate::app::message::{Doing, Failure, Hint, Note};
use crate::bulk::{BulkError, Cost, RunReport, Size, duration_text, thousands};

use super::widgets::key;

/// The words of a note (raw: draw them through `safe`).
pub fn note_text(note: &Note, keymap: &Keymap) -> String {
    match note {
        Note::Text(text) => text.clone(),
        Note::Failed { doing, error } => failed_text(doing, error),
        Note::Hint(hint) => hint_text(hint, keymap),
        Note::RunEnded(report) => run_ended(report, keymap),
        Note::Paced { wait, reason } => {
            format!("Reads wait {}: {}", duration_text(*wait), reason.describe())
        }
    }
}

fn failed_text(doing: &Doing, error: &Failure) -> String {
    // A run of another tenant is not a failure of what was asked: say what to do.
    if let Failure::Bulk(BulkError::OtherTenant(o)) = error {
        return format!(
            "Run {} was made on tenant {}, this console is on {}: start the console with that profile",
            o.run, o.made_on, o.here
        );
    }
    let e = failure_text(error);
    match doing {
        Doing::LoadFields => format!("Loading custom attribute fields failed: {e}"),
        Doing::LoadRoles => format!("Loading roles failed: {e}"),
        Doing::LoadGroups => format!("Loading groups failed: {e}"),
        Doing::LoadUsers => format!("Loading users failed: {e}"),
        Doing::MeasureSearch => format!("Measuring the search to load every page failed: {e}"),
        Doing::LoadUser(id) => format!("Loading user {id} failed: {e}"),
        Doing::LoadSection { id, section } => {
            format!("Loading {} of user {id} failed: {e}", section.what())
        }
        Doing::RemoveFactor { id, name } => {
            format!("Removing the MFA factor {name} of user {id} failed: {e}")
        }
        Doing::LoadEventTypes => format!("Loading the event types failed: {e}"),
        Doing::LoadEvents => format!("Loading events failed: {e}"),
        Doing::PollEvents => format!("Asking for new events failed (live updates are off): {e}"),
        Doing::Save { id, part, fields } if fields.is_empty() => {
            format!("Saving {} of user {id} failed: {e}", part.label())
        }
        Doing::Save { id, part, fields } => {
            format!(
                "Saving {} ({fields}) of user {id} failed: {e}",
                part.label()
            )
        }
        Doing::Search => format!("Search: {e}"),
        Doing::Value(field) => format!("{field}: {e}"),
        Doing::Preview => format!("Preview failed: {e}"),
        Doing::ReadRuns => format!("Reading past runs failed: {e}"),
        Doing::ReadJournal => format!("Reading the journal failed: {e}"),
        Doing::StartRun => format!("The bulk run did not start: {e}"),
        Doing::Copy => format!("Copy failed: {e}"),
        Doing::Write => e,
        Doing::Resend(what) => format!("Sending {what} again failed: {e}"),
    }
}

/// An error on its own.
pub fn failure_text(error: &Failure) -> String {
    match error {
        Failure::Api(e) => e.to_string(),
        Failure::Bulk(e) => e.to_string(),
        Failure::Invalid(text) | Failure::Local(text) => text.clone(),
    }
}

fn hint_text(hint: &Hint, keymap: &Keymap) -> String {
    let k = |context, action| key(keymap, context, action);
    use Context::{Bulk, BulkRuns, Editor, Events, Global, Users};
    match hint {
        Hint::RunGoesOn => format!(
            "The bulk run goes on in the background: {} shows it",
            k(Global, KeyAction::ScreenBulk)
        ),
        Hint::PreviewFirst => format!(
            "Preview first ({}): nothing is applied unseen",
            k(Bulk, KeyAction::BulkPreview)
        ),
        Hint::NoSelection => format!(
            "No users selected: on the users screen ({}), {} selects a row, {} every filtered user",
            k(Global, KeyAction::ScreenUsers),
            k(Users, KeyAction::ToggleMark),
            k(Users, KeyAction::MarkAll)
        ),
        Hint::NoChanges => format!(
            "No changes yet: {} set attribute, {} clear, {} field, {} give role, {} take role",
            k(Bulk, KeyAction::BulkSetAttribute),
            k(Bulk, KeyAction::BulkClearAttribute),
            k(Bulk, KeyAction::BulkSetField),
            k(Bulk, KeyAction::BulkAddRole),
            k(Bulk, KeyAction::BulkRemoveRole)
        ),
        Hint::Cancelling => format!(
            "Cancelling: the calls in flight finish, then the run stops ({} on past runs resumes it)",
            k(BulkRuns, KeyAction::ResumeRun)
        ),
        Hint::UnfinishedRun {
            run,
            left,
            users,
            read_only,
        } => {
            let how = if *read_only {
                "(read-only: resume it without --read-only)".to_string()
            } else {
                format!(
                    "{} then {} resumes it",
                    k(Global, KeyAction::ScreenBulk),
                    k(BulkRuns, KeyAction::ResumeRun)
                )
            };
            format!("Unfinished bulk run {run} ({left} of {users} user(s) left): {how}")
        }
        Hint::SaveOrUndoFirst => format!(
            "Save ({}) or undo ({}) the pending changes before reloading",
            k(Editor, KeyAction::Save),
            k(Editor, KeyAction::Revert)
        ),
        Hint::ClearsAttributesOnly => format!(
            "{} clears custom attributes; edit a field with {}",
            k(Editor, KeyAction::ClearValue),
            k(Editor, KeyAction::Edit)
        ),
        Hint::UnsavedChanges => format!(
            "Unsaved changes: save them ({}) or leave the editor ({})",
            k(Editor, KeyAction::Save),
            k(Global, KeyAction::Quit)
        ),
        Hint::TypeToConfirm(answer) => format!(
            "Type {answer} to confirm, or {} to cancel",
            k(Context::Input, KeyAction::Cancel)
        ),
        Hint::ManyNewEvents(n) => format!(
            "More than {n} new events since the last look: {} reloads the newest",
            k(Events, KeyAction::Refresh)
        ),
        Hint::TypesNotLoaded { failed: true } => format!(
            "The event types could not be read: {} on the events screen tries again",
            k(Events, KeyAction::Refresh)
        ),
        Hint::TypesNotLoaded { failed: false } => {
            "The event types are still loading: try again in a moment".to_string()
        }
        Hint::LocalTerms(names) => format!(
            "{} matched in the console over loaded pages (API /1 cannot search it): {} loads every page",
            names.join(", "),
            k(Users, KeyAction::LoadAll)
        ),
    }
}

fn run_ended(r: &RunReport, keymap: &Keymap) -> String {
    let mut text = format!(
        "Run {}: {} done, {} failed, {} not done, {} call(s) in {}",
        r.run,
        r.done,
        r.failed,
        r.not_done,
        r.calls_sent,
        duration_text(r.elapsed)
    );
    if let Some(e) = &r.journal_error {
        text.push_str(&format!("; the journal failed: {e}"));
    }
    if r.not_done > 0 {
        text.push_str(&format!(
            ": {} on past runs ({}) resumes it",
            key(keymap, Context::BulkRuns, KeyAction::ResumeRun),
            key(keymap, Context::BulkRun, KeyAction::PastRuns)
        ));
    }
    text
}

/// The question before `L` spends a good part of the rate budget: what it costs, how long
/// it takes (the keys to answer are drawn under it, from the keymap).
pub fn load_all_question(cost: &Cost) -> Vec<String> {
    let calls = thousands(cost.calls);
    let spend = match (cost.left, cost.percent()) {
        (Some(left), Some(p)) if p > 100 => format!(
            "≈ {calls} calls, more than the {} left this hour",
            thousands(left.into())
        ),
        (Some(_), Some(p)) => format!("≈ {calls} calls, {p}% of what is left this hour"),
        _ => format!("≈ {calls} calls; the rate budget is not known"),
    };
    let refill = cost
        .resets_in
        .map(|d| format!(" (it refills in {})", duration_text(d)))
        .unwrap_or_default();
    let size = match cost.size {
        Size::Total(n) => format!("{} users in this search", thousands(n)),
        Size::LastId(_) => "Counted from the id range (API /1 gives no total)".to_string(),
    };
    vec![
        "Load every page of this search?".to_string(),
        format!("{spend}{refill}."),
        format!("{size}; about {} at this pace.", duration_text(cost.eta)),
    ]
}
