//! The TUI: plain state, a pure update function, views; and the loop that joins them.
//!
//! One `select!` over the terminal's events, the worker's outcomes, the exchange feed and a
//! timer. Queued events are drained before a frame is drawn; a frame is drawn only when
//! something changed, at most 30 a second, and none at all while idle.

pub mod action;
pub mod actions;
pub mod bulk_flow;
pub mod bulk_rows;
pub mod cache_state;
pub mod editor_rows;
pub mod events_state;
pub mod jumps;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod message;
pub mod modal;
pub mod palette;
pub mod request_log;
pub mod state;
pub mod update;
pub mod user_row;
pub mod user_view;
pub mod users_table;
pub mod view;

#[cfg(test)]
mod actions_tests;
#[cfg(test)]
mod bulk_tests;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod view_tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::{broadcast, mpsc};

use crate::api::Client;
use crate::config::Settings;
use crate::terminal::Tui;
use crate::theme::{ColorDepth, Theme};
use crate::worker::Worker;

use action::{Action, Command};
use keymap::Keymap;
use state::{AppState, Level, StateConfig};

/// The shortest time between two frames: 30 a second at most.
const FRAME: Duration = Duration::from_millis(33);
/// The spinner's and the toasts' clock, only while they need it.
const TICK: Duration = Duration::from_millis(250);
/// How many queued events are folded into one frame at most.
const DRAIN_LIMIT: usize = 512;
/// Calls the console keeps in flight at once.
const CONCURRENCY: usize = 6;

/// Loads the theme the settings name, honouring NO_COLOR and the terminal's colour depth.
pub fn load_theme(settings: &Settings) -> Result<Theme, String> {
    let env = |name: &str| std::env::var(name).ok();
    let no_color = crate::theme::no_color_requested(&env);
    let depth = ColorDepth::detect(&env);
    let themes_dir = settings.dirs.themes();
    Theme::load(&settings.ui.theme, themes_dir.as_deref(), depth, no_color)
        .map_err(|e| e.to_string())
}

/// The profile's band, checked before the terminal is taken over: a bad colour is said in
/// words at start.
fn load_band(settings: &Settings) -> Result<Option<ratatui::style::Style>, String> {
    let env = |name: &str| std::env::var(name).ok();
    settings
        .color
        .as_deref()
        .map(|text| {
            crate::theme::Theme::band(
                text,
                ColorDepth::detect(&env),
                crate::theme::no_color_requested(&env),
            )
            .map_err(|e| format!("profile `{}`: color: {e}", settings.profile))
        })
        .transpose()
}

/// Runs the console until the user quits.
pub async fn run(settings: &Settings, client: Client) -> Result<(), String> {
    let theme = load_theme(settings)?;
    let band = load_band(settings)?;
    let (keymap, problems) = Keymap::new(&settings.keys, settings.read_only);
    let mut tui = Tui::enter().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    let size = tui.size().map_err(|e| e.to_string())?;
    let tenant = crate::tenant::Tenant::new(&settings.profile, client.base_url());
    let mut state = AppState::new(StateConfig {
        tenant: tenant.clone(),
        read_only: settings.read_only,
        user_update: settings.connection.user_update,
        columns: settings.ui.columns.clone(),
        request_log_capacity: settings.ui.request_log_capacity,
        keymap,
        width: size.width,
        height: size.height,
        band,
    });
    for problem in problems {
        update::toast(&mut state, Level::Warning, message::Note::Text(problem));
    }
    // The user cache: one file per tenant and credential (none without a client id).
    let cache_key = settings
        .cache
        .then(|| client.config().client_id.clone())
        .map(|id| crate::cache::CacheKey::new(tenant.clone(), &id));
    state.cache.enabled = cache_key.is_some();
    state.cache.v1 = settings.connection.api == crate::config::ApiMode::V1;
    let bulk = crate::bulk::BulkService::new(
        client.clone(),
        tenant,
        crate::bulk::runs_dir(),
        crate::bulk::RunOptions::from_settings(&settings.bulk),
    )
    .with_api(settings.connection.api);
    let cache = cache_key.map(|key| (settings.dirs.cache.clone(), key, settings.connection.api));
    let result = event_loop(&mut tui, &mut state, &theme, client, bulk, cache).await;
    let restored = tui.restore();
    result?;
    restored.map_err(|e| e.to_string())
}

/// How long quitting waits for a bulk run's calls in flight to finish.
const BULK_STOP: Duration = Duration::from_secs(30);

async fn event_loop(
    tui: &mut Tui,
    state: &mut AppState,
    theme: &Theme,
    client: Client,
    bulk: crate::bulk::BulkService,
    cache: Option<(PathBuf, crate::cache::CacheKey, crate::config::ApiMode)>,
) -> Result<(), String> {
    let (tx, outcomes) = mpsc::unbounded_channel();
    let mut worker = Worker::new(bulk, tx, CONCURRENCY);
    if let Some((dir, key, api)) = cache {
        worker = worker.with_cache(dir, key, api);
    }
    let result = console_loop(tui, state, theme, &client, &worker, outcomes).await;
    // A bulk run stops cleanly: the calls in flight finish, the journal is flushed, and
    // the run can be resumed (2, then r).
    if worker.bulk_running() {
        update::toast(
            state,
            Level::Warning,
            message::Note::text("Stopping the bulk run: finishing the calls in flight…"),
        );
        let _ = tui.draw(|frame| view::draw(frame, state, theme));
        worker.stop_bulk(BULK_STOP).await;
    }
    result
}

async fn console_loop(
    tui: &mut Tui,
    state: &mut AppState,
    theme: &Theme,
    client: &Client,
    worker: &Worker,
    mut outcomes: mpsc::UnboundedReceiver<Action>,
) -> Result<(), String> {
    let worker = worker.clone();
    let mut exchanges = Some(client.subscribe());
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let hangup = crate::signals::wait_for(crate::signals::CONSOLE);
    tokio::pin!(hangup);

    let commands = update::start(state);
    if dispatch(tui, state, &worker, commands) {
        return Ok(());
    }
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    loop {
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            tui.draw(|frame| view::draw(frame, state, theme))
                .map_err(|e| format!("drawing failed: {e}"))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let draw_at = last_draw.map_or_else(tokio::time::Instant::now, |t| (t + FRAME).into());
        // Biased: input and results already queued are handled before the frame timer, so
        // a burst of keys or answers costs one frame.
        let action = tokio::select! {
            biased;
            event = events.next() => match event {
                Some(Ok(event)) => match to_action(tui, event) { Some(a) => a, None => continue },
                Some(Err(e)) => return Err(format!("reading the terminal failed: {e}")),
                None => return Ok(()),
            },
            Some(action) = outcomes.recv() => action,
            exchange = recv_exchange(&mut exchanges) => exchange,
            _ = &mut hangup => {
                // The SSH link dropped: there is no one to draw for.
                tracing::info!("hangup: leaving");
                return Ok(());
            }
            _ = tokio::time::sleep_until(draw_at), if dirty => continue,
            _ = ticker.tick(), if state.wants_ticks() => Action::Tick(Instant::now()),
        };
        let mut quit = handle(tui, state, &worker, action);
        // Fold the results already queued into this frame. Terminal events are left to the
        // select above: polling crossterm's EventStream outside it (now_or_never) hands its
        // wake thread a waker that nobody listens to, and the next key is never seen.
        for _ in 0..DRAIN_LIMIT {
            if quit {
                break;
            }
            let next = match outcomes.try_recv() {
                Ok(action) => action,
                Err(_) => match try_recv_exchange(&mut exchanges) {
                    Some(action) => action,
                    None => break,
                },
            };
            quit = handle(tui, state, &worker, next);
        }
        if quit {
            return Ok(());
        }
        dirty = true;
    }
}

fn to_action(tui: &mut Tui, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(width, height) => {
            // A resize can leave stale cells behind: repaint everything once.
            let _ = tui.clear();
            Some(Action::Resize { width, height })
        }
        _ => None,
    }
}

async fn recv_exchange(
    feed: &mut Option<broadcast::Receiver<std::sync::Arc<crate::api::Exchange>>>,
) -> Action {
    let Some(receiver) = feed.as_mut() else {
        return std::future::pending().await;
    };
    match receiver.recv().await {
        Ok(exchange) => Action::Exchange(exchange),
        Err(broadcast::error::RecvError::Lagged(n)) => Action::ExchangesMissed(n),
        Err(broadcast::error::RecvError::Closed) => {
            *feed = None;
            std::future::pending().await
        }
    }
}

fn try_recv_exchange(
    feed: &mut Option<broadcast::Receiver<std::sync::Arc<crate::api::Exchange>>>,
) -> Option<Action> {
    match feed.as_mut()?.try_recv() {
        Ok(exchange) => Some(Action::Exchange(exchange)),
        Err(broadcast::error::TryRecvError::Lagged(n)) => Some(Action::ExchangesMissed(n)),
        Err(_) => None,
    }
}

/// Updates the state and carries out the commands; true when the console should end.
fn handle(tui: &mut Tui, state: &mut AppState, worker: &Worker, action: Action) -> bool {
    let commands = update::update(state, action);
    dispatch(tui, state, worker, commands) || state.quit
}

fn dispatch(tui: &mut Tui, state: &mut AppState, worker: &Worker, commands: Vec<Command>) -> bool {
    let mut quit = false;
    for command in commands {
        match command {
            Command::Quit => quit = true,
            Command::Copy { what, text } => {
                let result = tui
                    .copy_to_clipboard(&text)
                    .map(|bytes| format!("{what} ({bytes} bytes, OSC 52)"))
                    .map_err(|e| e.to_string());
                quit |= handle(tui, state, worker, Action::Copied(result));
            }
            Command::WriteExport {
                stem,
                extension,
                contents,
            } => {
                let result = write_export(&stem, &extension, &contents);
                quit |= handle(tui, state, worker, Action::Written(result));
            }
            other => worker.spawn(other),
        }
    }
    quit
}

/// Exports go to the current folder, private to the user: they may hold user data.
fn write_export(stem: &str, extension: &str, contents: &str) -> Result<String, String> {
    use std::io::Write;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let path = PathBuf::from(format!("{stem}-{stamp}.{extension}"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let shown = std::env::current_dir()
        .map(|d| d.join(&path))
        .unwrap_or_else(|_| path.clone());
    options
        .open(&path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .map_err(|e| format!("Cannot write {}: {e}", shown.display()))?;
    Ok(shown.display().to_string())
}
