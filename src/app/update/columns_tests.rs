//! `:columns` as keys: the list shows what was asked, the `/` filter and the sort follow
//! the columns, a wrong name stays on the line with its error, the chooser orders and
//! sizes.

use crossterm::event::KeyCode;

use crate::app::columns::{Column, ColumnSpec, Field};
use crate::app::modal::{InputFor, Modal};
use crate::app::state::AppState;
use crate::app::update::update;
use crate::app::update_tests::{ch, key, loaded, typed};

fn run(state: &mut AppState, text: &str) {
    update(state, ch(':'));
    typed(state, text);
    update(state, key(KeyCode::Enter));
}

fn names(state: &AppState) -> Vec<String> {
    state.columns.iter().map(ToString::to_string).collect()
}

fn filtered(state: &mut AppState, text: &str) -> usize {
    update(state, ch('/'));
    typed(state, text);
    update(state, key(KeyCode::Enter));
    let shown = state.users.rows.len();
    update(state, key(KeyCode::Esc));
    shown
}

#[test]
fn added_and_removed_columns_are_what_the_filter_reads() {
    let mut state = loaded(5, None);
    assert_eq!(
        names(&state),
        [
            "id",
            "name",
            "email",
            "status",
            "department",
            "custom_attributes.AWS_Role"
        ]
    );
    assert_eq!(filtered(&mut state, "u3@example"), 1);
    run(&mut state, "columns remove email");
    assert!(state.modals.is_empty(), "done: the line closed");
    assert!(!names(&state).contains(&"email".to_string()));
    assert_eq!(
        filtered(&mut state, "u3@example"),
        0,
        "email is not shown any more"
    );
    run(&mut state, "columns add email:30, custom_attributes.skype");
    assert_eq!(
        state
            .columns
            .iter()
            .find(|c| c.column == Column::Field(Field::Email)),
        Some(&ColumnSpec {
            column: Column::Field(Field::Email),
            width: Some(30)
        })
    );
    assert_eq!(
        names(&state).last().map(String::as_str),
        Some("custom_attributes.skype")
    );
    assert_eq!(filtered(&mut state, "u3@example"), 1);
    run(&mut state, "columns set id,title");
    assert_eq!(names(&state), ["id", "title"]);
    run(&mut state, "columns reset");
    assert_eq!(state.columns, state.prefs.default_columns);
}

#[test]
fn an_attribute_the_tenant_lacks_stays_on_the_line_with_its_error() {
    let mut state = loaded(2, None);
    run(&mut state, "columns add custom_attributes.cost_centre");
    let Some(Modal::Input(input)) = state.modals.top() else {
        panic!("the line stays open");
    };
    assert_eq!(input.purpose, InputFor::Palette);
    assert_eq!(input.text(), "columns add custom_attributes.cost_centre");
    let error = input
        .error
        .as_ref()
        .map(|e| format!("{e:?}"))
        .unwrap_or_default();
    assert!(
        error.contains("no custom attribute `cost_centre`"),
        "{error}"
    );
    assert!(error.contains("skype"), "it names those there are: {error}");
}

#[test]
fn a_column_of_an_attribute_the_tenant_lacks_can_be_taken_away() {
    let mut state = loaded(2, None);
    run(&mut state, "columns add custom_attributes.skype");
    state.fields = vec!["AWS_Role".into()];
    run(&mut state, "columns remove skype");
    assert!(state.modals.is_empty());
    assert!(!names(&state).contains(&"custom_attributes.skype".to_string()));
}

#[test]
fn the_sort_follows_the_columns() {
    let mut state = loaded(3, None);
    // o: id, name, email.
    for _ in 0..3 {
        update(&mut state, ch('o'));
    }
    assert_eq!(state.users.sort, Some((Column::Field(Field::Email), true)));
    run(&mut state, "columns remove email");
    assert_eq!(state.users.sort, None, "a column not shown sorts no more");
}

#[test]
fn tab_completes_the_tenants_attributes() {
    let mut state = loaded(2, None);
    update(&mut state, ch(':'));
    typed(&mut state, "columns add custom_attributes.s");
    update(&mut state, key(KeyCode::Tab));
    let Some(Modal::Input(input)) = state.modals.top() else {
        panic!("the line is open");
    };
    assert_eq!(input.text(), "columns add custom_attributes.skype");
}

#[test]
fn the_chooser_toggles_moves_sizes_and_applies() {
    let mut state = loaded(3, None);
    run(&mut state, "columns");
    let Some(Modal::Columns(chooser)) = state.modals.top() else {
        panic!("the chooser is open");
    };
    assert_eq!(chooser.rows.iter().filter(|r| r.on).count(), 6);
    assert!(
        chooser.rows.len() > 20,
        "every core field and attribute is offered"
    );
    // id off; down to name, move it down past email, wider twice.
    update(&mut state, ch(' '));
    update(&mut state, key(KeyCode::Down));
    update(&mut state, ch('J'));
    update(&mut state, ch('+'));
    update(&mut state, ch('+'));
    // Esc would cancel: nothing is applied before Enter.
    assert_eq!(names(&state)[0], "id");
    update(&mut state, key(KeyCode::Enter));
    assert!(state.modals.is_empty());
    assert_eq!(
        names(&state),
        [
            "email",
            "name:12",
            "status",
            "department",
            "custom_attributes.AWS_Role"
        ]
    );
}

#[test]
fn the_chooser_keeps_at_least_one_column_and_esc_changes_nothing() {
    let mut state = loaded(2, None);
    let before = state.columns.clone();
    run(&mut state, "columns set id");
    run(&mut state, "columns");
    update(&mut state, ch(' '));
    update(&mut state, key(KeyCode::Enter));
    assert!(
        matches!(state.modals.top(), Some(Modal::Columns(_))),
        "nothing checked: it stays open"
    );
    update(&mut state, key(KeyCode::Esc));
    assert!(state.modals.is_empty());
    assert_eq!(names(&state), ["id"]);
    assert_ne!(state.columns, before);
}
