//! The user cache with 100,000 users, against a sandbox tenant of that size:
//!
//! - the first fill (its calls and time) and the file's size;
//! - refreshes: nothing changed, 500 users changed, 30 users deleted (calls each, as
//!   `cache refresh` counts them);
//! - process start → first frame with users, and → the whole list searchable (the header
//!   counts every cached user), the release binary in tmux at 120x40 behind a FIFO as in
//!   `start.rs`; the console's resident memory once the list is whole;
//! - a console-side term typed in the search box over 100,000 cached users
//!   (`department:Sales title:*Engineer*`, each keystroke update + draw), p50 / p99.
//!
//! Prints `BENCH cache_* …`; `BENCH cache_start skipped …` without tmux.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use futures::StreamExt;
use onelogin_tui::api::{Client, ClientConfig, Mappings, V2UserUpdate};
use onelogin_tui::app::action::{Action, Outcome};
use onelogin_tui::app::cache_state::CacheOpened;
use onelogin_tui::app::keymap::Keymap;
use onelogin_tui::app::state::{AppState, StateConfig};
use onelogin_tui::app::update::{CACHE_CHUNK, CACHE_FIRST, start, update};
use onelogin_tui::app::view;
use onelogin_tui::cache::sync::{SyncOptions, SyncReport, refresh};
use onelogin_tui::cache::{CacheKey, Store};
use onelogin_tui::config::{ApiMode, UserUpdateApi};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;
use onelogin_tui::theme::{ColorDepth, Theme};
use onelogin_tui::worker::cached_rows;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use secrecy::SecretString;

use common::{key, ms, percentile, report};

const USERS: usize = 100_000;
const RUNS: usize = 5;
const POLL: Duration = Duration::from_millis(2);
const TERM: &str = "department:Sales title:*Engineer*";

struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self, session: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", session]).stdout)
            .into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn resident_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// One start: (first frame with users, the whole list searchable, resident bytes then).
fn one_start(
    tmux: &Tmux,
    home: &std::path::Path,
    url: &str,
    run: usize,
    whole: &str,
) -> (Duration, Duration, u64) {
    let bin = env!("CARGO_BIN_EXE_onelogin-tui");
    let fifo = home.join(format!("go-{run}"));
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let c = SandboxConfig::default();
    let session = format!("cache{run}");
    let command = format!(
        "read go < {fifo}; cd {home} && exec env -u NO_COLOR HOME={home} XDG_CONFIG_HOME={home}/config \
         XDG_STATE_HOME={home}/state XDG_CACHE_HOME={home}/cache TERM=xterm-256color \
         ONELOGIN_API_URL={url} ONELOGIN_CLIENT_ID={id} ONELOGIN_CLIENT_SECRET={secret} {bin}",
        fifo = fifo.display(),
        home = home.display(),
        id = c.client_id,
        secret = c.client_secret,
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pid = String::from_utf8_lossy(
        &tmux
            .run(&["display-message", "-p", "-t", &session, "#{pane_pid}"])
            .stdout,
    )
    .trim()
    .to_string();
    let mut go = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let t0 = Instant::now();
    go.write_all(b"\n").unwrap();
    drop(go);
    let deadline = t0 + Duration::from_secs(30);
    let mut first = None;
    let all = loop {
        let screen = tmux.screen(&session);
        if first.is_none() && screen.contains("@example.com") {
            first = Some(t0.elapsed());
        }
        if screen.contains(whole) {
            break t0.elapsed();
        }
        assert!(Instant::now() < deadline, "not whole after 30 s:\n{screen}");
        std::thread::sleep(POLL);
    };
    let rss = resident_of(&pid).unwrap_or(0);
    let _ = tmux.run(&["kill-session", "-t", &session]);
    (first.unwrap_or(all), all, rss)
}

fn start_figures(home: &std::path::Path, url: &str, users: u64) {
    let tmux_ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !tmux_ok {
        println!("BENCH cache_start skipped tmux-not-found");
        return;
    }
    let tmux = Tmux {
        socket: home.join("tmux.sock"),
    };
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "keep",
        "-x",
        "120",
        "-y",
        "40",
        "sleep 3600",
    ]);
    assert!(out.status.success());
    let whole = format!("{users} of {users} users");
    let mut firsts = Vec::new();
    let mut wholes = Vec::new();
    let mut rss = Vec::new();
    for run in 0..=RUNS {
        let (first, all, bytes) = one_start(&tmux, home, url, run, &whole);
        eprintln!(
            "start {run}: first frame {:.0} ms, whole {:.0} ms, {:.1} MB",
            ms(first),
            ms(all),
            bytes as f64 / 1e6
        );
        if run > 0 {
            firsts.push(first);
            wholes.push(all);
            rss.push(bytes);
        }
    }
    report(
        "cache_start_first_frame_p50",
        ms(percentile(&firsts, 50.0)),
        "ms",
    );
    report(
        "cache_start_first_frame_max",
        ms(percentile(&firsts, 100.0)),
        "ms",
    );
    report(
        "cache_start_whole_list_p50",
        ms(percentile(&wholes, 50.0)),
        "ms",
    );
    report(
        "cache_start_whole_list_max",
        ms(percentile(&wholes, 100.0)),
        "ms",
    );
    rss.sort_unstable();
    report("cache_resident_mb", rss[rss.len() / 2] as f64 / 1e6, "MB");
}

/// The console's state with every cached user read through `update()`, as the worker
/// hands them over (500, then `CACHE_CHUNK` an answer, each built by the worker's
/// `cached_rows`): the whole time, and the part of it on the console's thread.
fn console_on(store: &Store) -> (AppState, Duration, Duration) {
    let (keymap, _) = Keymap::new(&BTreeMap::new(), false);
    let mut state = AppState::new(StateConfig {
        tenant: Tenant::new(
            "bench",
            &reqwest::Url::parse("http://127.0.0.1:8089").unwrap(),
        ),
        read_only: false,
        protected: false,
        user_update: UserUpdateApi::V1,
        columns: onelogin_tui::app::columns::with_custom(&["AWS_Role"]),
        request_log_capacity: 2_000,
        keymap,
        width: 120,
        height: 40,
        band: None,
    });
    state.cache.enabled = true;
    let t = Instant::now();
    let mut console = Duration::ZERO;
    start(&mut state);
    let sync = store.sync_state().unwrap();
    let rows = cached_rows(store, 0, CACHE_FIRST, &state.columns).unwrap();
    let mut after = rows.last_id().unwrap_or(0);
    let opened = CacheOpened {
        complete: sync.complete,
        last_sync: sync.last_sync,
        users: store.count().unwrap(),
        rows,
    };
    let generation = state.cache.generation;
    let c = Instant::now();
    update(
        &mut state,
        Action::Outcome(Outcome::CacheOpened {
            generation,
            result: Ok(opened),
        }),
    );
    console += c.elapsed();
    loop {
        let rows = cached_rows(store, after, CACHE_CHUNK, &state.columns).unwrap();
        let Some(last) = rows.last_id() else {
            break;
        };
        after = last;
        let n = rows.len();
        let c = Instant::now();
        update(
            &mut state,
            Action::Outcome(Outcome::CacheRows {
                generation,
                result: Ok(rows),
            }),
        );
        console += c.elapsed();
        if n < CACHE_CHUNK {
            break;
        }
    }
    let took = t.elapsed();
    state.in_flight = 0;
    (state, took, console)
}

fn keystrokes(state: &mut AppState) {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut step = |state: &mut AppState, action: Action| {
        let t = Instant::now();
        let _ = update(state, action);
        terminal.draw(|f| view::draw(f, state, &theme)).unwrap();
        t.elapsed()
    };
    let mut batches = Vec::new();
    for batch in 0..6 {
        let mut times = Vec::new();
        step(state, common::ch('s'));
        for c in TERM.chars() {
            times.push(step(state, common::ch(c)));
        }
        let matched = state.users.rows.len();
        for _ in TERM.chars() {
            times.push(step(state, key(KeyCode::Backspace)));
        }
        step(state, key(KeyCode::Esc));
        if batch == 0 {
            eprintln!("{TERM}: {matched} of {} users", state.users.all.len());
            continue;
        }
        batches.push(times);
    }
    let mut p50: Vec<Duration> = batches.iter().map(|b| percentile(b, 50.0)).collect();
    let mut p99: Vec<Duration> = batches.iter().map(|b| percentile(b, 99.0)).collect();
    eprintln!(
        "keystroke p99 per batch: {:?} ms",
        p99.iter()
            .map(|d| (ms(*d) * 100.0).round() / 100.0)
            .collect::<Vec<_>>()
    );
    p50.sort_unstable();
    p99.sort_unstable();
    report("cache_search_keystroke_p50", ms(p50[p50.len() / 2]), "ms");
    report("cache_search_keystroke_p99", ms(p99[p99.len() / 2]), "ms");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    let sandbox = runtime
        .block_on(Sandbox::start(
            SandboxConfig {
                users: USERS,
                rate_limit: 1_000_000,
                ..SandboxConfig::default()
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    eprintln!(
        "sandbox of {USERS} users up in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let url = sandbox.url();
    let c = SandboxConfig::default();
    let client = Client::new(ClientConfig::new(
        reqwest::Url::parse(&url).unwrap(),
        c.client_id.clone(),
        SecretString::from(c.client_secret.clone()),
    ))
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cache/onelogin-tui");
    let key = CacheKey::new(
        Tenant::new("default", &reqwest::Url::parse(&url).unwrap()),
        &c.client_id,
    );
    let mut store = Store::open(&dir, &key).unwrap();
    let sync = |store: &mut Store| -> SyncReport {
        runtime
            .block_on(refresh(
                &client,
                None,
                store,
                SyncOptions::new(ApiMode::Auto),
                &|_| {},
            ))
            .unwrap()
    };

    let t = Instant::now();
    let fill = sync(&mut store);
    report("cache_fill_calls", fill.calls as f64, "calls");
    report("cache_fill_s", t.elapsed().as_secs_f64(), "s");
    report(
        "cache_file_mb",
        store.status().unwrap().bytes as f64 / 1e6,
        "MB",
    );
    assert_eq!(fill.users as usize, USERS);

    let quiet = sync(&mut store);
    report("cache_refresh_unchanged_calls", quiet.calls as f64, "calls");

    let ids = store.ids().unwrap();
    let changed: Vec<i64> = ids
        .iter()
        .skip(1)
        .step_by(ids.len() / 500)
        .take(500)
        .copied()
        .collect();
    runtime.block_on(async {
        futures::stream::iter(changed.iter().copied())
            .map(|id| {
                let client = client.clone();
                async move {
                    let up = V2UserUpdate::new().with("title", format!("Bench Engineer {id}"));
                    client
                        .update_user_v2(id, &up, Mappings::Disabled)
                        .await
                        .unwrap();
                }
            })
            .buffer_unordered(8)
            .collect::<Vec<()>>()
            .await
    });
    let five = sync(&mut store);
    eprintln!(
        "500 changed: {five:?}",
        five = (five.calls, five.added, five.changed, five.deleted)
    );
    report(
        "cache_refresh_500_changed_calls",
        five.calls as f64,
        "calls",
    );
    report(
        "cache_refresh_500_changed_users",
        five.changed as f64,
        "users",
    );

    let deleted: Vec<i64> = ids
        .iter()
        .skip(7)
        .step_by(ids.len() / 30)
        .take(30)
        .copied()
        .collect();
    runtime.block_on(async {
        for id in &deleted {
            client.delete_user_v2(*id).await.unwrap();
        }
    });
    let gone = sync(&mut store);
    let left = store.ids().unwrap();
    let still = deleted
        .iter()
        .filter(|id| left.binary_search(id).is_ok())
        .count();
    eprintln!(
        "30 deleted: {} calls ({} of them the 500 changed users listed again: updated_since reaches 2 min back), {} deleted, {still} still cached",
        gone.calls,
        gone.changed + gone.added,
        gone.deleted
    );
    report("cache_refresh_30_deleted_calls", gone.calls as f64, "calls");
    report(
        "cache_refresh_30_deleted_gone",
        (30 - still) as f64,
        "users",
    );
    let after = sync(&mut store);
    report(
        "cache_refresh_after_deletions_calls",
        after.calls as f64,
        "calls",
    );

    let users = store.count().unwrap();
    let (mut state, took, console) = console_on(&store);
    report("cache_whole_list_in_process_ms", ms(took), "ms");
    report("cache_whole_list_console_thread_ms", ms(console), "ms");
    assert_eq!(state.users.rows.len() as u64, users);
    keystrokes(&mut state);
    drop(state);
    drop(store);

    start_figures(home.path(), &url, users);
    runtime.block_on(sandbox.shutdown());
}
