//! `:view`, `:theme` and `:export` as keys: what is saved is the list as it is, a view
//! loaded is the list as it was, a wrong name stays on the line with its error.

use std::path::PathBuf;

use crossterm::event::KeyCode;

use crate::app::action::{Action, Command};
use crate::app::columns::{Column, Field};
use crate::app::modal::{InputFor, Modal};
use crate::app::state::AppState;
use crate::app::update::update;
use crate::app::update_tests::{ch, key, loaded, typed};
use crate::config::ViewFile;

fn run(state: &mut AppState, text: &str) -> Vec<Command> {
    update(state, ch(':'));
    typed(state, text);
    update(state, key(KeyCode::Enter))
}

/// The error under the command line, when the line stayed open.
fn line_error(state: &AppState) -> Option<String> {
    match state.modals.top() {
        Some(Modal::Input(i)) if i.purpose == InputFor::Palette => {
            i.error.as_ref().map(|e| format!("{e:?}"))
        }
        _ => None,
    }
}

fn saved_view(state: &mut AppState) -> ViewFile {
    state.prefs.config_file = Some(PathBuf::from("/tmp/x/config.toml"));
    update(state, ch('/'));
    typed(state, "u2");
    update(state, key(KeyCode::Enter));
    run(state, "columns add custom_attributes.skype");
    update(state, ch('o'));
    let commands = run(state, "view save mine");
    let [
        Command::SaveView {
            file,
            profile,
            name,
            view,
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!(file, &PathBuf::from("/tmp/x/config.toml"));
    assert_eq!((profile.as_str(), name.as_str()), ("test", "mine"));
    view.clone()
}

#[test]
fn a_view_saves_the_list_as_it_is_and_is_known_once_written() {
    let mut state = loaded(5, None);
    let view = saved_view(&mut state);
    assert_eq!(view.filter, "u2");
    assert_eq!(view.sort, "id");
    assert_eq!(
        view.columns.last().map(String::as_str),
        Some("custom_attributes.skype")
    );
    assert!(state.prefs.views.is_empty(), "not before the file says so");
    update(
        &mut state,
        Action::ViewSaved {
            name: "mine".into(),
            view: view.clone(),
            result: Ok("/tmp/x/config.toml".into()),
        },
    );
    assert_eq!(state.prefs.views.get("mine"), Some(&view));
    let said = state.toasts.last().map(|t| format!("{:?}", t.note));
    assert!(said.is_some_and(|s| s.contains("/tmp/x/config.toml")));
}

#[test]
fn loading_a_view_brings_back_its_columns_filter_sort_and_search() {
    let mut state = loaded(5, None);
    let view = ViewFile {
        search: "email:u1*".into(),
        filter: "example".into(),
        sort: "email desc".into(),
        columns: vec!["id".into(), "email:30".into()],
    };
    state.prefs.views.insert("mine".into(), view);
    let commands = run(&mut state, "view mine");
    assert!(state.modals.is_empty(), "{:?}", line_error(&state));
    assert_eq!(state.columns.len(), 2);
    assert_eq!(state.columns[1].width, Some(30));
    assert_eq!(state.users.filter, "example");
    assert_eq!(state.users.sort, Some((Column::Field(Field::Email), false)));
    assert_eq!(state.users.search, "email:u1*");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUsers { .. })),
        "the search reads the users: {commands:?}"
    );
}

#[test]
fn an_unknown_view_or_theme_stays_on_the_line_with_the_names_there_are() {
    let mut state = loaded(2, None);
    state
        .prefs
        .views
        .insert("sales".into(), ViewFile::default());
    assert!(run(&mut state, "view mine").is_empty());
    let e = line_error(&state).unwrap_or_default();
    assert!(e.contains("no view `mine`") && e.contains("sales"), "{e}");
    update(&mut state, key(KeyCode::Esc));

    state.prefs.themes = vec!["dark".into(), "light".into()];
    assert!(run(&mut state, "theme neon").is_empty());
    let e = line_error(&state).unwrap_or_default();
    assert!(e.contains("no theme `neon`") && e.contains("light"), "{e}");
    update(&mut state, key(KeyCode::Esc));

    let commands = run(&mut state, "theme light");
    assert!(
        matches!(&commands[..], [Command::SetTheme { name, .. }] if name == "light"),
        "{commands:?}"
    );
    update(
        &mut state,
        Action::ThemeSet {
            name: "light".into(),
            result: Ok(()),
        },
    );
    assert_eq!(state.prefs.theme, "light");
}

#[test]
fn without_a_config_folder_saving_says_what_to_do() {
    let mut state = loaded(2, None);
    state.prefs.config_file = None;
    assert!(run(&mut state, "view save mine").is_empty());
    let e = line_error(&state).unwrap_or_default();
    assert!(e.contains("--config"), "{e}");
}

#[test]
fn export_writes_the_rows_shown_in_the_columns_shown_formulas_defused() {
    let mut state = loaded(3, None);
    // A user whose department a spreadsheet would run.
    let mut evil = crate::app::update_tests::user(9, "Eve", "eve@example.com", None);
    evil.department = Some("=HYPERLINK(\"http://x\")".into());
    crate::app::users_table::append(&mut state.users, vec![evil], &state.columns.clone());
    run(&mut state, "columns set id,department");
    update(&mut state, ch('/'));
    typed(&mut state, "9");
    update(&mut state, key(KeyCode::Enter));
    let commands = run(&mut state, "export out.csv");
    let [
        Command::ExportCsv {
            path,
            overwrite,
            contents,
            users,
            ..
        },
    ] = &commands[..]
    else {
        panic!("{commands:?}")
    };
    assert_eq!((path.as_str(), *overwrite, *users), ("out.csv", false, 1));
    let text = String::from_utf8(contents.clone()).unwrap();
    assert_eq!(text, "id,department\n9,\"'=HYPERLINK(\"\"http://x\"\")\"\n");
    let commands = run(&mut state, "export! out.csv");
    assert!(matches!(
        &commands[..],
        [Command::ExportCsv {
            overwrite: true,
            ..
        }]
    ));
}
