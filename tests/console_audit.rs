//! The user view's sections and the events screen end to end, without a terminal: state +
//! update + the real worker against a real in-process sandbox. Opening a user reads only
//! its fields and roles; apps, MFA factors and events load as each section is shown; a
//! factor removed is gone from the tenant and from the list; an event a bulk run caused
//! is marked with the run's name on the events screen.

// A test that cannot go on has failed: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod console_common;

use console_common::{Console, manage_all};
use crossterm::event::{KeyCode, KeyModifiers};
use onelogin_tui::app::action::Action;
use onelogin_tui::app::bulk_flow::BulkFlow;
use onelogin_tui::app::modal::{Modal, Question};
use onelogin_tui::app::state::{Level, Screen};
use onelogin_tui::app::update::update;
use onelogin_tui::app::user_view::Section;
use onelogin_tui::sandbox::{SandboxConfig, Scope};

fn plain(c: char) -> (KeyCode, KeyModifiers) {
    (KeyCode::Char(c), KeyModifiers::NONE)
}

impl Console {
    async fn press(&mut self, c: char) {
        let (code, modifiers) = plain(c);
        self.key(code, modifiers).await;
    }

    async fn enter(&mut self) {
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
    }

    /// Puts the users list's cursor on user `id`.
    async fn cursor_on(&mut self, id: i64) {
        self.press('g').await;
        while self.state.users.current_id() != Some(id) {
            self.press('j').await;
        }
    }

    fn section(&self) -> Section {
        self.state.editor.as_ref().unwrap().section
    }
}

#[tokio::test]
async fn a_user_loads_each_section_when_shown_and_a_removed_factor_is_gone() {
    let sandbox = console_common::sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let reader = manage_all(&sandbox);
    let mut console = Console::new(&sandbox, &sandbox.credential(Scope::ManageAll), None);
    console.start().await;
    // A user with an enrolled factor and an app (the sandbox derives both from its seed).
    let mut chosen = None;
    for id in console.state.users.row_ids().collect::<Vec<_>>() {
        let devices = reader.mfa_devices(id).await.unwrap();
        let apps = reader.user_apps(id).await.unwrap();
        if !devices.is_empty() && !apps.is_empty() {
            chosen = Some((id, devices, apps));
            break;
        }
    }
    let (id, devices, apps) = chosen.expect("a seeded user with factors and apps");
    console.cursor_on(id).await;
    console.enter().await;
    assert_eq!(console.state.screen, Screen::Editor);
    {
        let editor = console.state.editor.as_ref().unwrap();
        assert!(editor.user.is_some() && editor.roles.is_some());
        assert!(editor.apps.items.is_none() && editor.factors.items.is_none());
        assert!(
            editor.events.items.is_none(),
            "nothing but fields and roles on Enter"
        );
    }

    // Roles, then apps: read as shown, as the tenant has them.
    console.key(KeyCode::Tab, KeyModifiers::NONE).await;
    assert_eq!(console.section(), Section::Roles);
    console.key(KeyCode::Tab, KeyModifiers::NONE).await;
    let shown: Vec<i64> = console
        .state
        .editor
        .as_ref()
        .unwrap()
        .apps
        .items
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(shown, apps.iter().map(|a| a.id).collect::<Vec<_>>());

    // Factors, then the recent events (named from the tenant's types).
    console.key(KeyCode::Tab, KeyModifiers::NONE).await;
    assert_eq!(console.section(), Section::Factors);
    assert_eq!(
        console.state.editor.as_ref().unwrap().factors.len(),
        devices.len()
    );
    console.key(KeyCode::Tab, KeyModifiers::NONE).await;
    assert_eq!(console.section(), Section::Events);
    assert!(console.state.event_types.loaded);
    let events = user_events(&console);
    assert!(
        events.iter().all(|e| e.user_id == Some(id)),
        "only this user's"
    );
    assert!(events.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert!(console.errors().is_empty(), "{:?}", console.errors());

    // Back to the factors: d asks, naming the factor; y removes it.
    console.key(KeyCode::BackTab, KeyModifiers::SHIFT).await;
    let first = devices.first().unwrap().clone();
    console.press('d').await;
    let Some(Question::RemoveFactor {
        device_id, name, ..
    }) = console.state.modals.question()
    else {
        panic!("no question: {:?}", console.state.modals.question());
    };
    assert_eq!(device_id, first.device_id);
    if let Some(display) = first.user_display_name.as_deref() {
        assert!(name.contains(display), "{name}");
    }
    console.press('y').await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let left = reader.mfa_devices(id).await.unwrap();
    assert!(
        left.iter().all(|d| d.device_id != first.device_id),
        "gone from the tenant"
    );
    let listed = console
        .state
        .editor
        .as_ref()
        .unwrap()
        .factors
        .items
        .clone()
        .unwrap();
    assert_eq!(listed.len(), devices.len() - 1, "the list was read again");
    let done = console
        .state
        .toasts
        .iter()
        .any(|t| t.level == Level::Success);
    assert!(done, "the removal says so");

    // The removal left an event: the events section reads again when shown.
    console.key(KeyCode::Tab, KeyModifiers::NONE).await;
    let events = user_events(&console);
    let newest = events.first().unwrap();
    assert_eq!(
        newest.otp_device_id.map(|d| d.to_string()),
        Some(first.device_id.clone())
    );
    let type_name = console.state.event_types.name(newest.event_type_id);
    assert!(type_name.contains("OTP_DEVICE"), "{type_name}");
}

#[tokio::test]
async fn the_events_screen_marks_what_our_bulk_run_did() {
    let sandbox = console_common::sandbox(SandboxConfig {
        users: 30,
        ..SandboxConfig::default()
    })
    .await;
    let runs = tempfile::tempdir().unwrap();
    let mut console = Console::new(
        &sandbox,
        &sandbox.credential(Scope::ManageAll),
        Some(runs.path()),
    );
    console.start().await;
    // The events screen first: its index holds no run yet.
    console.press('4').await;
    assert_eq!(console.state.screen, Screen::Events);
    assert!(
        !console.state.events.events.is_empty(),
        "the seeded history"
    );
    assert_eq!(console.state.run_marks.index.as_ref().unwrap().runs(), 0);

    // A bulk run over three users: AWS_Role set.
    console.press('1').await;
    let ids: Vec<i64> = console.state.users.row_ids().take(3).collect();
    for _ in 0..3 {
        console.press(' ').await;
    }
    console.press('2').await;
    console.press('a').await;
    let index = console
        .state
        .fields
        .iter()
        .position(|f| f == "AWS_Role")
        .unwrap();
    for _ in 0..index {
        console.press('j').await;
    }
    console.enter().await;
    console.keys("Marked-Run").await;
    console.enter().await;
    console.press('p').await;
    let users = console
        .state
        .bulk
        .flow
        .preview()
        .expect("a preview")
        .preview
        .plan
        .users
        .len();
    assert!(users > 0);
    console.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;
    console.keys(&users.to_string()).await;
    console.enter().await;
    assert!(matches!(console.state.bulk.flow, BulkFlow::Watching));
    let run = console
        .state
        .bulk
        .run
        .as_ref()
        .unwrap()
        .run
        .clone()
        .unwrap();
    assert!(console.errors().is_empty(), "{:?}", console.errors());

    // Back on the events screen: a catch-up poll brings the run's events, and the index,
    // rebuilt after the run, names the run beside each.
    console.press('4').await;
    console.state.events.poll.now = true;
    let commands = update(&mut console.state, Action::Tick(std::time::Instant::now()));
    console.run(commands);
    console.settle().await;
    let index = console.state.run_marks.index.clone().unwrap();
    assert_eq!(index.runs(), 1);
    let ours: Vec<_> = console
        .state
        .events
        .events
        .iter()
        .filter(|e| console.state.run_marks.run_of(e) == Some(run.as_str()))
        .collect();
    assert_eq!(ours.len(), users, "one event a user changed: {ours:?}");
    assert!(ours.iter().all(|e| ids.contains(&e.user_id.unwrap())));
    // The seeded history is older than the run: none of it is marked.
    let marked = console
        .state
        .events
        .events
        .iter()
        .filter(|e| console.state.run_marks.run_of(e).is_some())
        .count();
    assert_eq!(marked, users);
    // The `/` filter finds them by the run's name; Enter shows one whole, run and all.
    console.press('/').await;
    console.keys(&run[..15]).await;
    console.enter().await;
    assert_eq!(console.state.events.rows.len(), users);
    console.enter().await;
    let Some(Modal::Event(detail)) = console.state.modals.top() else {
        panic!("no event shown");
    };
    assert_eq!(detail.run.as_deref(), Some(run.as_str()));
}

/// The events section of the open user, as loaded.
fn user_events(console: &Console) -> Vec<onelogin_tui::api::Event> {
    console
        .state
        .editor
        .as_ref()
        .and_then(|e| e.events.items.clone())
        .expect("the user's events are loaded")
}
