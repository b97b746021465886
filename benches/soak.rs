//! Soak: the console on the request log, following, while a bulk run of 5,000 users goes
//! through a sandbox tenant that answers every call 20 ms late.
//!
//! The console is the real one without a terminal: its state, `update`, the worker on a
//! real client, and `view::draw` into a 120x40 buffer at most 30 times a second, as the
//! event loop draws. The tenant is `onelogin-tui sandbox` in a process of its own, so the
//! resident memory read here (VmRSS) is the console's alone.
//!
//! Prints the resident memory one minute in and the highest after it (growth ≤ 10%: the
//! request log keeps `SOAK_CAPACITY` exchanges, 2,000 here, so it is full within the first
//! minute and stops growing), and the frame time p50/p99/max (p99 ≤ 2 ms).
//! `SOAK_USERS`, `SOAK_LATENCY_MS`, `SOAK_CAPACITY`, `SOAK_CONCURRENCY` change the sizes.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use onelogin_tui::api::{Client, ClientConfig, UserQuery};
use onelogin_tui::app::action::{Action, Command, Outcome};
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, StateConfig};
use onelogin_tui::app::update::update;
use onelogin_tui::app::view;
use onelogin_tui::bulk::plan::Change;
use onelogin_tui::bulk::{BulkService, RunOptions, Work};
use onelogin_tui::config::UserUpdateApi;
use onelogin_tui::tenant::Tenant;
use onelogin_tui::theme::{ColorDepth, Theme};
use onelogin_tui::worker::Worker;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;
use tokio::sync::{broadcast, mpsc};

use common::{ms, percentile, report, resident_bytes};

const FRAME: Duration = Duration::from_millis(33);
const MB: f64 = 1024.0 * 1024.0;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Served {
    child: std::process::Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(users: u64, latency_ms: u64, logs: &std::path::Path) -> Served {
    let mut child = Process::new(env!("CARGO_BIN_EXE_onelogin-tui"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--no-cache"])
        .args(["--users", &users.to_string()])
        .args(["--latency-ms", &latency_ms.to_string()])
        .args(["--rate-limit", "10000000", "--log-level", "warn"])
        .arg("--log-dir")
        .arg(logs)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the sandbox printed its URL")
        .to_string();
    Served { child, url }
}

async fn user_ids(client: &Client) -> Vec<i64> {
    let mut pages = client.list_users(UserQuery::default().fields(&["id"]));
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        ids.extend(page.unwrap().items.iter().map(|u| u.id));
    }
    ids
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let users = setting("SOAK_USERS", 5_000);
    let latency = setting("SOAK_LATENCY_MS", 20);
    let capacity = setting("SOAK_CAPACITY", 2_000) as usize;
    let concurrency = setting("SOAK_CONCURRENCY", 1) as usize;
    let tmp = tempfile::tempdir().unwrap();
    let tenant = serve(users, latency, tmp.path());

    let url = reqwest::Url::parse(&tenant.url).unwrap();
    let mut config = ClientConfig::new(
        url.clone(),
        "sandbox-client-id",
        SecretString::from("sandbox-client-secret".to_string()),
    );
    config.exchange_buffer = capacity.clamp(64, 65_536);
    let client = Client::new(config).unwrap();
    let ids = user_ids(&client).await;
    let ids: Vec<i64> = ids.into_iter().filter(|id| *id != 10_001).collect();

    let (tx, mut actions) = mpsc::unbounded_channel();
    let runs = tmp.path().join("runs");
    let bulk = BulkService::new(
        client.clone(),
        Tenant::new("soak", &url),
        runs,
        RunOptions {
            concurrency,
            max_budget_share: 0.8,
        },
    );
    let worker = Worker::new(bulk, tx, 4);
    let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
    let mut state = AppState::new(StateConfig {
        tenant: Tenant::new("soak", &url),
        read_only: false,
        protected: false,
        user_update: UserUpdateApi::V1,
        columns: vec![],
        request_log_capacity: capacity,
        keymap,
        width: 120,
        height: 40,
        band: None,
    });
    // The request log, following the newest exchange.
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)),
    );
    assert!(state.log.follow);
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let mut exchanges = client.subscribe();
    worker.spawn(Command::BulkPlan {
        generation: 1,
        ids: ids.clone(),
        changes: vec![Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "soak".into(),
        }],
    });
    let started = Instant::now();
    let mut frames = Vec::new();
    let mut memory: Vec<(Duration, u64)> = Vec::new();
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut sample = tokio::time::interval(Duration::from_secs(1));
    let mut draw_at = tokio::time::interval(FRAME);
    let mut run_started = None;
    let report_end = loop {
        tokio::select! {
            Some(action) = actions.recv() => match action {
                Action::Outcome(Outcome::BulkPlanned { result, .. }) => {
                    let preview = result.expect("the plan");
                    eprintln!(
                        "soak: {} users to change, {} calls; concurrency {concurrency}, latency {latency} ms, request log capacity {capacity}",
                        preview.plan.users.len(),
                        preview.plan.calls()
                    );
                    run_started = Some(Instant::now());
                    worker.spawn(Command::BulkStart(Box::new(Work::Plan(Box::new(preview)))));
                }
                Action::Outcome(Outcome::BulkFinished(result)) => break result.expect("the run"),
                other => {
                    for command in update(&mut state, other) {
                        worker.spawn(command);
                    }
                    dirty = true;
                }
            },
            exchange = exchanges.recv() => match exchange {
                Ok(e) => {
                    update(&mut state, Action::Exchange(e));
                    dirty = true;
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    update(&mut state, Action::ExchangesMissed(n));
                }
                Err(broadcast::error::RecvError::Closed) => {}
            },
            _ = draw_at.tick() => {
                if dirty && last_draw.elapsed() >= FRAME {
                    let t = Instant::now();
                    terminal.draw(|frame| view::draw(frame, &state, &theme)).unwrap();
                    frames.push(t.elapsed());
                    last_draw = Instant::now();
                    dirty = false;
                }
            }
            _ = sample.tick() => {
                if let Some(rss) = resident_bytes() {
                    memory.push((started.elapsed(), rss));
                }
            }
        }
    };
    let run_time = run_started.map_or(Duration::ZERO, |t| t.elapsed());
    eprintln!(
        "soak: run {} done, {} failed in {:.1} s; {} exchanges seen, the log keeps {}",
        report_end.done,
        report_end.failed,
        run_time.as_secs_f64(),
        state.log.base + state.log.entries.len() as u64,
        state.log.entries.len()
    );
    let minute = Duration::from_secs(60);
    let at_minute = memory
        .iter()
        .find(|(t, _)| *t >= minute)
        .map(|(_, rss)| *rss);
    let highest_after = memory
        .iter()
        .filter(|(t, _)| *t >= minute)
        .map(|(_, rss)| *rss)
        .max();
    match (at_minute, highest_after) {
        (Some(base), Some(high)) => {
            report("soak_rss_at_1_min", base as f64 / MB, "MB");
            report("soak_rss_highest_after_1_min", high as f64 / MB, "MB");
            report(
                "soak_rss_growth_after_1_min",
                (high as f64 - base as f64) / base as f64 * 100.0,
                "%",
            );
        }
        _ => eprintln!("soak: the run ended within a minute: no growth figure (raise SOAK_USERS)"),
    }
    report("soak_frames", frames.len() as f64, "frames");
    report("soak_frame_p50", ms(percentile(&frames, 0.50)), "ms");
    report("soak_frame_p99", ms(percentile(&frames, 0.99)), "ms");
    report(
        "soak_frame_max",
        ms(frames.iter().max().copied().unwrap_or_default()),
        "ms",
    );
}
