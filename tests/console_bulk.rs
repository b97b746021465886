//! The bulk screen end to end, without a terminal: state + update + the real worker against
//! a real in-process sandbox. Select 20 users, set AWS_Role, preview, type the number, run,
//! read every user back; then undo from past runs and read the before-values back.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onelogin_tui::api::{Client, ClientConfig};
use onelogin_tui::app::action::{Action, Command, PlanKind};
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, BulkView, Level, RunPhase, Screen, StateConfig};
use onelogin_tui::app::update::{start, update};
use onelogin_tui::bulk::RunOptions;
use onelogin_tui::config::UserUpdateApi;
use onelogin_tui::sandbox::{Sandbox, SandboxConfig, Scope};
use onelogin_tui::worker::{BulkConfig, Worker};
use tokio::sync::mpsc;

struct Console {
    state: AppState,
    worker: Worker,
    actions: mpsc::UnboundedReceiver<Action>,
}

impl Console {
    fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            self.worker.spawn(command);
        }
    }

    /// Feeds outcomes back until nothing is in flight (a bulk run counts until it ends).
    async fn settle(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.state.in_flight > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let action = tokio::time::timeout(left, self.actions.recv())
                .await
                .expect("work never finished")
                .unwrap();
            let commands = update(&mut self.state, action);
            self.run(commands);
        }
        while let Ok(action) = self.actions.try_recv() {
            let commands = update(&mut self.state, action);
            self.run(commands);
        }
    }

    async fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let commands = update(&mut self.state, Action::Key(KeyEvent::new(code, modifiers)));
        self.run(commands);
        self.settle().await;
    }

    async fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE).await;
        }
    }

    fn errors(&self) -> Vec<String> {
        self.state
            .toasts
            .iter()
            .filter(|t| t.level == Level::Error)
            .map(|t| t.text.clone())
            .collect()
    }

    /// Ctrl+S on the preview, then the number typed, then Enter; waits for the run to end.
    async fn confirm_and_run(&mut self, users: usize) {
        self.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;
        assert!(self.state.bulk.confirm.is_some());
        self.keys(&users.to_string()).await;
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
        assert_eq!(self.state.bulk.view, BulkView::Run);
        let run = self.state.bulk.run.as_ref().unwrap();
        assert_eq!(run.phase, RunPhase::Finished, "settle waits for the end");
        let end = run.end.clone().unwrap().unwrap();
        assert_eq!(
            (end.done, end.failed, end.not_done),
            (users, 0, 0),
            "{end:?}"
        );
        assert_eq!(run.stats.done, users, "the progress reached the state");
    }
}

fn client(sandbox: &Sandbox) -> Client {
    let credential = sandbox.credential(Scope::ManageAll);
    let url = reqwest::Url::parse(&sandbox.url()).unwrap();
    Client::new(ClientConfig::new(
        url,
        credential.client_id.clone(),
        credential.client_secret.clone().into(),
    ))
    .unwrap()
}

async fn aws_role(client: &Client, id: i64) -> String {
    let user = client.get_user(id).await.unwrap();
    user.custom_attributes
        .get("AWS_Role")
        .cloned()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test]
async fn select_set_preview_confirm_run_then_undo_from_past_runs() {
    let sandbox = Sandbox::start(
        SandboxConfig {
            users: 60,
            ..SandboxConfig::default()
        },
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let runs = tempfile::tempdir().unwrap();
    let tenant = sandbox
        .url()
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/').to_string())
        .unwrap();
    let (tx, actions) = mpsc::unbounded_channel();
    let worker = Worker::new(client(&sandbox), tx, 4).with_bulk(BulkConfig {
        runs_dir: runs.path().to_path_buf(),
        options: RunOptions::default(),
        profile: "sandbox".into(),
        tenant: tenant.clone(),
    });
    let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
    let state = AppState::new(StateConfig {
        profile: "sandbox".into(),
        host: tenant,
        read_only: false,
        user_update: UserUpdateApi::V1,
        columns: vec![],
        request_log_capacity: 100,
        keymap,
        width: 120,
        height: 40,
    });
    let mut console = Console {
        state,
        worker,
        actions,
    };
    let commands = start(&mut console.state);
    console.run(commands);
    console.settle().await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());

    // Select 20 users on the users screen.
    for _ in 0..20 {
        console.key(KeyCode::Char(' '), KeyModifiers::NONE).await;
        if !console.state.users.marks.len().is_multiple_of(20) {
            console.key(KeyCode::Char('j'), KeyModifiers::NONE).await;
        }
    }
    let mut ids: Vec<i64> = console.state.users.marks.iter().copied().collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 20);
    let reader = client(&sandbox);
    let mut before = BTreeMap::new();
    for id in &ids {
        before.insert(*id, aws_role(&reader, *id).await);
    }

    // 2 → a → AWS_Role → value → p.
    console.key(KeyCode::Char('2'), KeyModifiers::NONE).await;
    assert_eq!(console.state.screen, Screen::Bulk);
    console.key(KeyCode::Char('a'), KeyModifiers::NONE).await;
    let index = console
        .state
        .fields
        .iter()
        .position(|f| f == "AWS_Role")
        .unwrap();
    for _ in 0..index {
        console.key(KeyCode::Char('j'), KeyModifiers::NONE).await;
    }
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    console.keys("Bulk-Admin").await;
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert_eq!(console.state.bulk.changes.len(), 1);
    console.key(KeyCode::Char('p'), KeyModifiers::NONE).await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let preview = console.state.bulk.preview.as_ref().expect("a preview");
    let plan = &preview.ready.plan;
    let already = before.values().filter(|v| *v == "Bulk-Admin").count();
    assert_eq!(plan.users.len(), 20 - already);
    assert_eq!(plan.unchanged.len(), already);
    assert_eq!(plan.calls(), plan.users.len(), "one call per user changed");
    // Current values are read fresh: 20 users, one list call.
    assert_eq!(preview.ready.reads, 1, "ceil(20/50) reads");
    let changed = plan.users.len();

    console.confirm_and_run(changed).await;
    for id in &ids {
        assert_eq!(aws_role(&reader, *id).await, "Bulk-Admin", "user {id}");
    }

    // Past runs: the newest is ours, finished; u plans its undo.
    console.key(KeyCode::Char('h'), KeyModifiers::NONE).await;
    assert_eq!(console.state.bulk.view, BulkView::Runs);
    let row = console.state.bulk.runs.first().unwrap().clone();
    assert!(row.finished);
    assert_eq!((row.users, row.done, row.failed), (changed, changed, 0));
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    let journal = console.state.bulk.journal.as_ref().expect("the journal");
    assert_eq!(journal.rows.len(), changed);
    assert!(journal.rows.iter().all(|r| r.status == "done"));
    console.key(KeyCode::Char('u'), KeyModifiers::NONE).await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let preview = console
        .state
        .bulk
        .preview
        .as_ref()
        .expect("an undo preview");
    assert!(
        matches!(&preview.ready.kind, PlanKind::Undo { of, conflicts } if *of == row.run && conflicts.is_empty())
    );
    assert_eq!(preview.ready.plan.users.len(), changed);

    console.confirm_and_run(changed).await;
    for id in &ids {
        assert_eq!(&aws_role(&reader, *id).await, &before[id], "user {id}");
    }
    assert!(console.errors().is_empty(), "{:?}", console.errors());
}
