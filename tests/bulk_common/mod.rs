//! Shared helpers for the bulk tests: an in-process sandbox, a client on it,
//! and a plan run through the engine with a journal in a temp folder.
// Test helpers: a panic here is a failed assertion, as in the tests themselves
// (clippy.toml allows unwrap in #[test] functions, not in helper modules).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use onelogin_tui::api::{Client, ClientConfig, Search, User};
use onelogin_tui::bulk::execute::{RunOptions, RunSummary, Runner, UserWork};
use onelogin_tui::bulk::journal::{Journal, RunKind, RunMeta};
use onelogin_tui::bulk::plan::{Plan, search_targets};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;

pub async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A client with the sandbox's Manage All credentials.
pub fn client(sb: &Sandbox) -> Client {
    let c = SandboxConfig::default();
    let cfg = ClientConfig::new(
        reqwest::Url::parse(&sb.url()).unwrap(),
        c.client_id,
        SecretString::from(c.client_secret),
    );
    Client::new(cfg).unwrap()
}

/// Every user, with these fields.
pub async fn all_users(client: &Client, fields: &[&str]) -> Vec<User> {
    let fields: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    search_targets(client, None, &Search::default(), &fields)
        .await
        .unwrap()
}

pub fn meta(kind: RunKind, sb: &Sandbox) -> RunMeta {
    let tenant =
        onelogin_tui::tenant::Tenant::new("test", &reqwest::Url::parse(&sb.url()).unwrap());
    RunMeta::new(kind, &tenant)
}

/// Journals and runs a whole plan.
pub async fn run_plan(
    client: &Client,
    sb: &Sandbox,
    dir: &Path,
    plan: &Plan,
    concurrency: usize,
) -> RunSummary {
    let journal = Journal::create(dir, meta(RunKind::Apply, sb), &plan.users).unwrap();
    let work = plan.users.iter().cloned().map(UserWork::fresh).collect();
    Runner::new(
        client.clone(),
        journal,
        RunOptions {
            concurrency,
            max_budget_share: 0.8,
        },
    )
    .run(work)
    .await
}

pub fn by_id(users: Vec<User>) -> HashMap<i64, User> {
    users.into_iter().map(|u| (u.id, u)).collect()
}

/// The real binary in an isolated home: its own state, config and cwd, the
/// tenant from the environment.
pub struct Cli {
    pub home: tempfile::TempDir,
    pub url: String,
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Cli {
    pub fn new(url: &str) -> Cli {
        Cli {
            home: tempfile::tempdir().unwrap(),
            url: url.to_string(),
        }
    }

    pub fn path(&self, name: &str) -> std::path::PathBuf {
        self.home.path().join(name)
    }

    pub fn runs_dir(&self) -> std::path::PathBuf {
        self.home.path().join("state/onelogin-tui/runs")
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let c = SandboxConfig::default();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_onelogin-tui"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("ONELOGIN_CLIENT_ID", c.client_id)
            .env("ONELOGIN_CLIENT_SECRET", c.client_secret)
            .env("ONELOGIN_API_URL", &self.url)
            .current_dir(self.home.path())
            .args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().await.unwrap();
        let o = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        eprintln!(
            "$ onelogin-tui {}\n→ exit {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            o.code,
            tail(&o.stdout),
            tail(&o.stderr)
        );
        o
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(25);
    let mut out = lines[start..].join("\n");
    out.push('\n');
    out
}
