//! `:view` and `:theme`: saved views of the users list (search + `/` filter + sort +
//! columns, per profile, in the config file), and the theme switched at once. The file
//! and the theme are the loop's work (`Command::SaveView`, `Command::SetTheme`); what
//! they answer comes back as actions.

use super::modal::Rejected;
use super::*;
use crate::app::palette::ViewOrder;
use crate::app::views::{self, Resolved};
use crate::config::ViewFile;

fn refused(text: String) -> Rejected {
    Rejected {
        note: Box::new(Note::Text(text)),
        inline: true,
    }
}

fn names(state: &AppState) -> String {
    let names: Vec<&str> = state.prefs.views.keys().map(String::as_str).collect();
    if names.is_empty() {
        "none yet (`view save NAME` saves the list as it is)".into()
    } else {
        names.join(", ")
    }
}

pub(super) fn order(state: &mut AppState, order: ViewOrder) -> Result<Vec<Command>, Rejected> {
    match order {
        ViewOrder::List => {
            let words = format!(
                "Views of profile `{}`: {}",
                state.tenant.profile,
                names(state)
            );
            status(state, Level::Info, Note::Text(words));
            Ok(Vec::new())
        }
        ViewOrder::Save(name) => save(state, &name),
        ViewOrder::Load(name) => load(state, &name),
    }
}

/// `:view save NAME`: the list as it is, to the config file (the loop writes it).
fn save(state: &mut AppState, name: &str) -> Result<Vec<Command>, Rejected> {
    views::check_name(name).map_err(refused)?;
    let Some(file) = state.prefs.config_file.clone() else {
        return Err(refused(
            "there is no config folder to save views in (no home folder): start with --config FILE"
                .into(),
        ));
    };
    Ok(vec![Command::SaveView {
        file,
        profile: state.tenant.profile.clone(),
        name: name.to_string(),
        view: views::current(state),
    }])
}

/// The file answered: the view is known (Tab, `:view NAME`) once it is written.
pub(super) fn on_saved(
    state: &mut AppState,
    name: String,
    view: ViewFile,
    result: Result<String, String>,
) {
    match result {
        Ok(path) => {
            state.prefs.views.insert(name.clone(), view);
            let words = format!(
                "Saved view `{name}` of profile `{}` in {path}",
                state.tenant.profile
            );
            toast(state, Level::Success, Note::Text(words));
        }
        Err(e) => failed(state, Doing::Write, Failure::Local(e)),
    }
}

/// `:view NAME`: the view's columns, sort and filter at once, its search as `s` runs it.
fn load(state: &mut AppState, name: &str) -> Result<Vec<Command>, Rejected> {
    let Some(view) = state.prefs.views.get(name) else {
        return Err(refused(format!("no view `{name}`: {}", names(state))));
    };
    let resolved =
        views::resolve(view, &state.columns).map_err(|e| refused(format!("view `{name}`: {e}")))?;
    let mut commands = super::leave_to(state, Screen::Users);
    commands.extend(apply(state, resolved)?);
    status(state, Level::Info, Note::Text(format!("View `{name}`")));
    Ok(commands)
}

/// Applies a checked view: columns and sort first, then the filter; the search runs
/// when it differs from the one shown (a new search reads the users again).
fn apply(state: &mut AppState, view: Resolved) -> Result<Vec<Command>, Rejected> {
    preset(state, view.clone());
    if view.search == state.users.search {
        users::refilter_users(state);
        return Ok(Vec::new());
    }
    users::search(state, &view.search)
}

/// Sets a view's columns, sort and filter, without a refilter or a search (those come
/// with the users: at start, before the first page is asked for).
fn preset(state: &mut AppState, view: Resolved) {
    if let Some(columns) = view.columns {
        super::columns::set(state, columns);
    }
    users_table::set_sort(&mut state.users, view.sort);
    state.users.filter = view.filter;
}

/// `--view NAME` at start (checked by `views::check`), before the first users are asked
/// for: the search becomes the query those first pages are read with (over a complete
/// cache, it is matched there). A part that does not read is left out.
pub fn start_with(state: &mut AppState, view: &ViewFile) {
    let Ok(view) = views::resolve(view, &state.columns) else {
        return;
    };
    let search = view.search.clone();
    preset(state, view);
    if let Ok(parsed) = crate::api::Search::parse(&search)
        && !search.is_empty()
    {
        let (query, local) = parsed.into_parts();
        state.users.search = search;
        state.users.query = query;
        state.users.local_terms = local;
    }
}

/// `:theme NAME`: a name the console knows is switched by the loop; another is refused
/// here, with the names there are.
pub(super) fn theme(state: &mut AppState, name: &str) -> Result<Vec<Command>, Rejected> {
    if !state.prefs.themes.iter().any(|t| t == name) {
        return Err(refused(format!(
            "no theme `{name}`: {}",
            state.prefs.themes.join(", ")
        )));
    }
    Ok(vec![Command::SetTheme {
        name: name.to_string(),
        dir: state.prefs.themes_dir.clone(),
    }])
}

pub(super) fn on_theme(state: &mut AppState, name: String, result: Result<(), String>) {
    match result {
        Ok(()) => {
            state.prefs.theme = name.clone();
            status(state, Level::Info, Note::Text(format!("Theme `{name}`")));
        }
        Err(e) => failed(state, Doing::Write, Failure::Local(e)),
    }
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;
