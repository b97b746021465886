//! The console without a screen, for integration tests: state + update + the real worker on
//! a real client against an in-process sandbox. Work is waited for through the in-flight
//! count (the busy/idle signal), never a sleep.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onelogin_tui::api::{Client, ClientConfig};
use onelogin_tui::app::action::{Action, Command};
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, Level, StateConfig};
use onelogin_tui::app::update::{start, update};
use onelogin_tui::app::view::words::note_text;
use onelogin_tui::bulk::{BulkService, RunOptions};
use onelogin_tui::config::UserUpdateApi;
use onelogin_tui::sandbox::{Credential, Sandbox, SandboxConfig, Scope};
use onelogin_tui::tenant::Tenant;
use onelogin_tui::worker::Worker;
use tokio::sync::mpsc;

pub struct Console {
    pub state: AppState,
    pub worker: Worker,
    actions: mpsc::UnboundedReceiver<Action>,
    /// The journal folder when the test gave none: private to this console.
    _runs: Option<tempfile::TempDir>,
}

/// A sandbox of `users` on an ephemeral loopback port.
pub async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// The sandbox as the console names its tenant (profile `sandbox`).
pub fn tenant(sandbox: &Sandbox) -> Tenant {
    Tenant::new("sandbox", &reqwest::Url::parse(&sandbox.url()).unwrap())
}

pub fn client(sandbox: &Sandbox, credential: &Credential) -> Client {
    let url = reqwest::Url::parse(&sandbox.url()).unwrap();
    let config = ClientConfig::new(
        url,
        credential.client_id.clone(),
        credential.client_secret.clone().into(),
    );
    Client::new(config).unwrap()
}

pub fn manage_all(sandbox: &Sandbox) -> Client {
    client(sandbox, &sandbox.credential(Scope::ManageAll))
}

impl Console {
    /// A console on `credential`; bulk runs are journaled in `runs` (a folder of its own
    /// when `None`).
    pub fn new(sandbox: &Sandbox, credential: &Credential, runs: Option<&Path>) -> Console {
        let (tx, actions) = mpsc::unbounded_channel();
        let own = match runs {
            Some(_) => None,
            None => Some(tempfile::tempdir().unwrap()),
        };
        let runs_dir = runs
            .or(own.as_ref().map(|d| d.path()))
            .unwrap()
            .to_path_buf();
        let bulk = BulkService::new(
            client(sandbox, credential),
            tenant(sandbox),
            runs_dir,
            RunOptions::default(),
        );
        let worker = Worker::new(bulk, tx, 4);
        let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
        let state = AppState::new(StateConfig {
            tenant: tenant(sandbox),
            read_only: false,
            protected: false,
            user_update: UserUpdateApi::V1,
            columns: onelogin_tui::app::columns::with_custom(&[]),
            request_log_capacity: 100,
            keymap,
            width: 120,
            height: 40,
            band: None,
        });
        Console {
            state,
            worker,
            actions,
            _runs: own,
        }
    }

    pub fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            self.worker.spawn(command);
        }
    }

    /// What the console does first: fields, roles, groups, the first page.
    pub async fn start(&mut self) {
        let commands = start(&mut self.state);
        self.run(commands);
        self.settle().await;
    }

    /// Feeds outcomes back until nothing is in flight (a bulk run counts until it ends),
    /// then the notes that trail the last outcome.
    pub async fn settle(&mut self) {
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

    pub async fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        let commands = update(&mut self.state, Action::Key(KeyEvent::new(code, modifiers)));
        self.run(commands);
        self.settle().await;
    }

    pub async fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE).await;
        }
    }

    /// The error messages on screen (they stay until read).
    pub fn errors(&self) -> Vec<String> {
        self.state
            .toasts
            .iter()
            .filter(|t| t.level == Level::Error)
            .map(|t| note_text(&t.note, &self.state.keymap))
            .collect()
    }

    /// The status line's message, as the console words it.
    pub fn status_text(&self) -> Option<String> {
        self.state
            .status
            .as_ref()
            .map(|s| note_text(&s.note, &self.state.keymap))
    }
}
