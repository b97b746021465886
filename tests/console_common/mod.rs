//! The console without a screen, for integration tests: state + update + the real worker on
//! a real client against an in-process sandbox. Work is waited for through the in-flight
//! count (the busy/idle signal), never a sleep.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use onelogin_tui::api::{Client, ClientConfig};
use onelogin_tui::app::action::{Action, Command};
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, Level, StateConfig};
use onelogin_tui::app::update::{start, update};
use onelogin_tui::config::UserUpdateApi;
use onelogin_tui::sandbox::{Credential, Sandbox, SandboxConfig, Scope};
use onelogin_tui::worker::{BulkConfig, Worker};
use tokio::sync::mpsc;

pub struct Console {
    pub state: AppState,
    pub worker: Worker,
    actions: mpsc::UnboundedReceiver<Action>,
}

/// A sandbox of `users` on an ephemeral loopback port.
pub async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// The sandbox's host as the console names a tenant: `127.0.0.1:PORT`.
pub fn tenant(sandbox: &Sandbox) -> String {
    let url = sandbox.url();
    url.split_once("://").map_or(url.clone(), |(_, rest)| {
        rest.trim_end_matches('/').to_string()
    })
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
    /// A console on `credential`; with `bulk`, its worker can plan and run bulk edits.
    pub fn new(sandbox: &Sandbox, credential: &Credential, bulk: Option<BulkConfig>) -> Console {
        let (tx, actions) = mpsc::unbounded_channel();
        let mut worker = Worker::new(client(sandbox, credential), tx, 4);
        if let Some(bulk) = bulk {
            worker = worker.with_bulk(bulk);
        }
        let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
        let state = AppState::new(StateConfig {
            profile: "sandbox".into(),
            host: tenant(sandbox),
            read_only: false,
            user_update: UserUpdateApi::V1,
            columns: vec![],
            request_log_capacity: 100,
            keymap,
            width: 120,
            height: 40,
        });
        Console {
            state,
            worker,
            actions,
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
            .map(|t| t.text.clone())
            .collect()
    }
}
