//! The console's flows with the real worker and client against a real sandbox, without a
//! terminal: errors provoked server-side reach the user as messages they can act on, nothing
//! typed is lost, and the console keeps answering keys.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod console_common;

use console_common::Console;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onelogin_tui::app::action::Action;
use onelogin_tui::app::state::{Level, RowKey, Screen};
use onelogin_tui::app::update::update;
use onelogin_tui::sandbox::{Sandbox, SandboxConfig, Scope};

/// The editor flows these tests share.
impl Console {
    async fn open_user(&mut self, email: &str) {
        self.key(KeyCode::Char('/'), KeyModifiers::NONE).await;
        self.keys(email).await;
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
        assert_eq!(self.state.users.rows.len(), 1, "one user matches {email}");
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
        assert_eq!(self.state.screen, Screen::Editor);
        assert!(self.state.editor.as_ref().unwrap().user.is_some());
    }

    async fn edit(&mut self, row: RowKey, value: &str) {
        let rows = onelogin_tui::app::editor_rows::editor_rows(&self.state);
        let index = rows.iter().position(|r| *r == row).unwrap();
        self.key(KeyCode::Char('g'), KeyModifiers::NONE).await;
        for _ in 0..index {
            self.key(KeyCode::Char('j'), KeyModifiers::NONE).await;
        }
        self.key(KeyCode::Char('e'), KeyModifiers::NONE).await;
        // Ctrl+U clears the current value, as in a shell.
        self.key(KeyCode::Char('u'), KeyModifiers::CONTROL).await;
        self.keys(value).await;
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
    }

    async fn save(&mut self) {
        self.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;
    }

    fn pending(&self) -> usize {
        self.state.editor.as_ref().map_or(0, |e| e.pending.len())
    }
}

async fn sandbox() -> Sandbox {
    console_common::sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test]
async fn a_field_removed_server_side_is_named_and_the_edit_kept() {
    let sandbox = sandbox().await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageAll), None);
    console.start().await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    console.open_user("lucia.roberts").await;
    console
        .edit(RowKey::Attribute("skype".into()), "lucia_r")
        .await;
    assert!(sandbox.remove_custom_attribute_field("skype"));
    console.save().await;

    let errors = console.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert!(error.contains("skype"), "names the field: {error}");
    assert!(error.contains("400"), "{error}");
    assert!(
        error.contains(
            "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role messenger"
        ),
        "{error}"
    );
    assert!(error.contains("refresh"), "says what to do: {error}");
    assert_eq!(console.pending(), 1, "the typed value is not lost");

    // The console keeps answering: Esc reads the error, the value can go elsewhere.
    console.key(KeyCode::Esc, KeyModifiers::NONE).await;
    assert!(console.errors().is_empty());
    console.key(KeyCode::Char('u'), KeyModifiers::NONE).await;
    console
        .edit(RowKey::Attribute("AWS_Role".into()), "Reader")
        .await;
    console.save().await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let user = console.state.editor.as_ref().unwrap().id;
    let stored = sandbox.user_json(user).unwrap();
    assert_eq!(stored["custom_attributes"]["AWS_Role"], "Reader");
}

#[tokio::test]
async fn an_expired_token_is_renewed_without_the_user_noticing() {
    let sandbox = sandbox().await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageAll), None);
    console.start().await;
    console.open_user("lucia.roberts").await;
    console
        .edit(RowKey::Attribute("AWS_Role".into()), "Admin")
        .await;
    sandbox.expire_all_tokens();
    console.save().await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    assert_eq!(console.pending(), 0);
    let status = console.state.status.clone().unwrap();
    assert_eq!(status.level, Level::Success, "{:?}", console.status_text());
}

#[tokio::test]
async fn a_credential_with_too_little_scope_is_explained() {
    let sandbox = sandbox().await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ReadUsers), None);
    console.start().await;
    console.open_user("lucia.roberts").await;
    console.edit(RowKey::Field("title"), "Chief").await;
    console.save().await;
    let errors = console.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("401") && errors[0].contains("Insufficient Permission"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("scope"),
        "says what to do: {}",
        errors[0]
    );
    assert_eq!(console.pending(), 1);
}

#[tokio::test]
async fn the_account_owner_is_forbidden_to_a_manage_users_credential() {
    let sandbox = sandbox().await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageUsers), None);
    console.start().await;
    console.open_user("owner@").await;
    console
        .edit(RowKey::Attribute("AWS_Role".into()), "x")
        .await;
    console.save().await;
    let errors = console.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("403")
            && errors[0].contains("user is not authorized to access this User"),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn a_taken_email_is_a_validation_message_on_the_field() {
    let sandbox = sandbox().await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageAll), None);
    console.start().await;
    console.open_user("lucia.roberts").await;
    console
        .edit(RowKey::Field("email"), "ella.brown@example.com")
        .await;
    console.save().await;
    let errors = console.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("422") && errors[0].contains("Value has already been taken"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("email"), "{}", errors[0]);
    assert_eq!(console.pending(), 1);
}

#[tokio::test]
async fn a_spent_budget_is_a_message_and_the_list_stays() {
    let config = SandboxConfig {
        users: 60,
        rate_limit: 5,
        ..SandboxConfig::default()
    };
    let sandbox = console_common::sandbox(config).await;
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageAll), None);
    console.start().await;
    let loaded = console.state.users.all.len();
    assert!(loaded > 0);
    // Each open costs two calls; the budget of 5 runs out.
    for _ in 0..3 {
        let commands = update(
            &mut console.state,
            Action::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        console.run(commands);
        console.settle().await;
        console.key(KeyCode::Char('q'), KeyModifiers::NONE).await;
    }
    let errors = console.errors();
    assert!(errors.iter().any(|e| e.contains("429")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("budget")),
        "says what happened: {errors:?}"
    );
    assert_eq!(
        console.state.users.all.len(),
        loaded,
        "what was loaded stays"
    );
    assert_eq!(console.state.screen, Screen::Users);
}

#[tokio::test]
async fn refused_credentials_are_explained_and_the_console_keeps_running() {
    let sandbox = sandbox().await;
    let mut wrong = sandbox.credential(Scope::ManageAll);
    wrong.client_secret = "not-the-secret".into();
    let mut console = Console::new(&sandbox, &wrong, None);
    console.start().await;
    let errors = console.errors();
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|e| e.contains("401") && e.contains("Authentication Failure")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("client_id / client_secret")),
        "says what to check: {errors:?}"
    );
    let shown = console.state.users.error.clone().unwrap().to_string();
    assert!(shown.contains("Authentication Failure"), "{shown}");
    // Keys still work: help opens, R retries (and fails the same way, politely).
    console.key(KeyCode::Char('?'), KeyModifiers::NONE).await;
    assert!(matches!(
        console.state.modals.top(),
        Some(onelogin_tui::app::modal::Modal::Help { .. })
    ));
    console.key(KeyCode::Esc, KeyModifiers::NONE).await;
    console.key(KeyCode::Char('R'), KeyModifiers::NONE).await;
    assert!(console.state.users.error.is_some());
    assert!(!console.state.quit);
}
