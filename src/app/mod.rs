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
pub mod columns;
pub mod contexts;
pub mod editor_rows;
pub mod events_state;
mod files;
pub mod jumps;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod message;
pub mod modal;
pub mod palette;
pub mod protect;
pub mod request_log;
pub mod state;
pub mod update;
pub mod user_row;
pub mod user_view;
pub mod users_table;
pub mod view;
pub mod views;

#[cfg(test)]
mod actions_tests;
#[cfg(test)]
pub(crate) mod bulk_tests;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod view_tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::api::Client;
use crate::config::Settings;
use crate::terminal::Tui;
use crate::theme::{ColorDepth, Theme};

use action::{Action, Command};
use contexts::{Context, OpenProfile};
use message::Note;
use state::Level;

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
/// words at start (and when `:profile` opens the profile).
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

/// Runs the console until the user quits. `open` opens another profile for `:profile`.
pub async fn run(settings: &Settings, client: Client, open: &OpenProfile) -> Result<(), String> {
    let theme = load_theme(settings)?;
    // Said in words before the terminal is taken over: a bad colour, a bad column, an
    // unknown view.
    load_band(settings)?;
    let columns = columns::from_settings(&settings.ui.user_columns, &settings.ui.columns)?;
    let start_view = settings.start_view()?;
    if let Some((name, view)) = &start_view {
        views::check(view, &columns).map_err(|e| format!("--view {name}: {e}"))?;
    }
    let mut tui = Tui::enter().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    if settings.ui.mouse {
        tui.enable_mouse()
            .map_err(|e| format!("cannot turn the mouse on: {e}"))?;
    }
    let size = tui.size().map_err(|e| e.to_string())?;
    let (tagged, answers) = mpsc::unbounded_channel();
    let result = match Context::open(
        settings.clone(),
        client,
        (size.width, size.height),
        0,
        &tagged,
    ) {
        Ok(mut first) => {
            if let Some((_, view)) = &start_view {
                // Checked above; set before the first users are asked for.
                update::start_with_view(&mut first.state, view);
            }
            let mut console = Console {
                contexts: vec![first],
                active: 0,
                theme,
                tagged,
                open,
            };
            console.refresh_profiles();
            let result = console.run(&mut tui, answers).await;
            console.stop_runs(&mut tui).await;
            result
        }
        Err(e) => Err(e),
    };
    let restored = tui.restore();
    result?;
    restored.map_err(|e| e.to_string())
}

/// How long quitting waits for a bulk run's calls in flight to finish.
const BULK_STOP: Duration = Duration::from_secs(30);

/// What handling an action asks of the loop.
enum Next {
    Stay,
    Quit,
    Switch(String),
}

/// Every open context, the one shown, and what they share (the theme, the answers'
/// channel, the way to open another profile).
struct Console<'a> {
    contexts: Vec<Context>,
    active: usize,
    theme: Theme,
    tagged: mpsc::UnboundedSender<contexts::Tagged>,
    open: &'a OpenProfile,
}

impl Console<'_> {
    fn shown(&mut self) -> &mut Context {
        let i = self.active.min(self.contexts.len().saturating_sub(1));
        &mut self.contexts[i]
    }

    async fn run(
        &mut self,
        tui: &mut Tui,
        mut answers: mpsc::UnboundedReceiver<contexts::Tagged>,
    ) -> Result<(), String> {
        let mut events = EventStream::new();
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let hangup = crate::signals::wait_for(crate::signals::CONSOLE);
        tokio::pin!(hangup);

        if let Next::Quit = self.start(tui, 0) {
            return Ok(());
        }
        let mut dirty = true;
        let mut last_draw: Option<Instant> = None;
        loop {
            if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
                let theme = &self.theme;
                let state = &self.contexts[self.active].state;
                tui.draw(|frame| view::draw(frame, state, theme))
                    .map_err(|e| format!("drawing failed: {e}"))?;
                last_draw = Some(Instant::now());
                dirty = false;
            }
            let draw_at = last_draw.map_or_else(tokio::time::Instant::now, |t| (t + FRAME).into());
            let wants_ticks = self.shown().state.wants_ticks();
            // Biased: input and results already queued are handled before the frame timer,
            // so a burst of keys or answers costs one frame.
            let (index, action) = tokio::select! {
                biased;
                event = events.next() => match event {
                    Some(Ok(event)) => match to_action(tui, event) {
                        Some(a) => (self.active, a),
                        None => continue,
                    },
                    Some(Err(e)) => return Err(format!("reading the terminal failed: {e}")),
                    None => return Ok(()),
                },
                Some(tagged) = answers.recv() => tagged,
                _ = &mut hangup => {
                    // The SSH link dropped: there is no one to draw for.
                    tracing::info!("hangup: leaving");
                    return Ok(());
                }
                _ = tokio::time::sleep_until(draw_at), if dirty => continue,
                _ = ticker.tick(), if wants_ticks => (self.active, Action::Tick(Instant::now())),
            };
            let mut next = self.handle(tui, index, action);
            // Fold the answers already queued into this frame. Terminal events are left to
            // the select above: polling crossterm's EventStream outside it (now_or_never)
            // hands its wake thread a waker that nobody listens to, and the next key is
            // never seen.
            for _ in 0..DRAIN_LIMIT {
                if !matches!(next, Next::Stay) {
                    break;
                }
                let Ok((index, action)) = answers.try_recv() else {
                    break;
                };
                next = self.handle(tui, index, action);
            }
            match next {
                Next::Stay => {}
                Next::Quit => return Ok(()),
                Next::Switch(name) => {
                    if let Next::Quit = self.switch(tui, &name) {
                        return Ok(());
                    }
                }
            }
            dirty = true;
        }
    }

    /// The commands that start context `index`.
    fn start(&mut self, tui: &mut Tui, index: usize) -> Next {
        let commands = update::start(&mut self.contexts[index].state);
        self.dispatch(tui, index, commands)
    }

    /// Updates context `index` with `action` and carries out the commands.
    fn handle(&mut self, tui: &mut Tui, index: usize, action: Action) -> Next {
        if matches!(action, Action::Key(_)) {
            // Quitting asks while another tenant's bulk run is going.
            let elsewhere: Vec<String> = (self.contexts.iter().enumerate())
                .filter(|(i, c)| *i != index && c.worker.bulk_running())
                .map(|(_, c)| c.settings.profile.clone())
                .collect();
            if let Some(context) = self.contexts.get_mut(index) {
                context.state.runs_elsewhere = elsewhere;
            }
        }
        let Some(context) = self.contexts.get_mut(index) else {
            return Next::Stay;
        };
        let commands = update::update(&mut context.state, action);
        match self.dispatch(tui, index, commands) {
            Next::Stay if self.contexts[index].state.quit => Next::Quit,
            next => next,
        }
    }

    fn dispatch(&mut self, tui: &mut Tui, index: usize, commands: Vec<Command>) -> Next {
        let mut next = Next::Stay;
        for command in commands {
            let answer = match command {
                Command::Quit => {
                    next = Next::Quit;
                    continue;
                }
                Command::SwitchProfile { name } => {
                    next = Next::Switch(name);
                    continue;
                }
                Command::Copy { what, text } => Action::Copied(
                    tui.copy_to_clipboard(&text)
                        .map(|bytes| format!("{what} ({bytes} bytes, OSC 52)"))
                        .map_err(|e| e.to_string()),
                ),
                Command::WriteExport {
                    stem,
                    extension,
                    contents,
                } => Action::Written(write_export(&stem, &extension, &contents)),
                Command::SaveView {
                    file,
                    profile,
                    name,
                    view,
                } => {
                    let result = crate::config_edit::save_view(&file, &profile, &name, &view)
                        .map(|path| path.display().to_string());
                    Action::ViewSaved { name, view, result }
                }
                Command::SetTheme { name, dir } => {
                    let result = files::load_theme(&name, dir.as_deref()).map(|loaded| {
                        self.theme = loaded;
                        // Every cell changes colour: paint the whole screen.
                        let _ = tui.clear();
                    });
                    Action::ThemeSet { name, result }
                }
                Command::ExportCsv {
                    path,
                    overwrite,
                    contents,
                    users,
                    all_loaded,
                } => Action::Written(
                    files::write_user_file(&path, overwrite, &contents)
                        .map(|path| files::exported_words(&path, users, all_loaded)),
                ),
                other => {
                    self.contexts[index].worker.spawn(other);
                    continue;
                }
            };
            match self.handle(tui, index, answer) {
                Next::Stay => {}
                other => next = other,
            }
        }
        next
    }

    /// `:profile NAME`: shows the context of that profile, opening it the first time. A
    /// profile that cannot be opened is said in words on the screen that asked.
    fn switch(&mut self, tui: &mut Tui, name: &str) -> Next {
        if let Some(i) = self
            .contexts
            .iter()
            .position(|c| c.settings.profile == name)
        {
            if i == self.active {
                let note = Note::Text(format!("Already on profile {name}"));
                update::toast(&mut self.shown().state, Level::Info, note);
                return Next::Stay;
            }
            self.active = i;
            let size = tui.size().unwrap_or_default();
            let state = &mut self.shown().state;
            // The terminal may have changed size while another tenant was shown.
            update::update(
                state,
                Action::Resize {
                    width: size.width,
                    height: size.height,
                },
            );
            let note = Note::Text(format!("Switched to profile {name}"));
            update::toast(state, Level::Info, note);
            return Next::Stay;
        }
        let size = tui.size().unwrap_or_default();
        let index = self.contexts.len();
        let opened =
            (self.open)(&self.contexts[0].settings, name).and_then(|(settings, client)| {
                Context::open(
                    settings,
                    client,
                    (size.width, size.height),
                    index,
                    &self.tagged,
                )
            });
        match opened {
            Ok(context) => {
                tracing::info!(profile = %name, "profile opened");
                self.contexts.push(context);
                self.active = index;
                self.refresh_profiles();
                let note = Note::Text(format!("Switched to profile {name}"));
                update::toast(&mut self.shown().state, Level::Info, note);
                self.start(tui, index)
            }
            Err(e) => {
                let state = &mut self.shown().state;
                let note = Note::Text(format!("Cannot open profile {name}: {e}"));
                update::toast(state, Level::Error, note);
                Next::Stay
            }
        }
    }

    /// Every context's `:profile` completions.
    fn refresh_profiles(&mut self) {
        let names = contexts::profile_names(&self.contexts);
        for context in &mut self.contexts {
            context.state.profiles = names.clone();
        }
    }

    /// Every context's bulk run stops cleanly: the calls in flight finish, the journal is
    /// flushed, and the run can be resumed (2, then r).
    async fn stop_runs(&mut self, tui: &mut Tui) {
        if !self.contexts.iter().any(|c| c.worker.bulk_running()) {
            return;
        }
        let theme = &self.theme;
        let i = self.active;
        let state = &mut self.contexts[i].state;
        update::toast(
            state,
            Level::Warning,
            message::Note::text("Stopping the bulk run: finishing the calls in flight…"),
        );
        let _ = tui.draw(|frame| view::draw(frame, state, theme));
        for context in &self.contexts {
            if context.worker.bulk_running() {
                context.worker.stop_bulk(BULK_STOP).await;
            }
        }
    }
}

fn to_action(tui: &mut Tui, event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        // Only with `[ui] mouse = true`: the terminal sends none otherwise.
        Event::Mouse(mouse) => Some(Action::Mouse(mouse)),
        Event::Resize(width, height) => {
            // A resize can leave stale cells behind: repaint everything once.
            let _ = tui.clear();
            Some(Action::Resize { width, height })
        }
        _ => None,
    }
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
