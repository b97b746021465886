//! The console's figures: frame time, filter keystroke time and bytes to the terminal,
//! on the users screen at 120x40 with 100,000 users loaded through `update()`.
//!
//! Prints `BENCH <name> <value> <unit>` lines. Times are update + draw of one key, taken
//! after a warm-up, as p50 and p99 over thousands of frames.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use onelogin_tui::app::action::Action;
use onelogin_tui::app::state::AppState;
use onelogin_tui::app::update::update;
use onelogin_tui::app::view;
use onelogin_tui::terminal::{draw_synchronized, measuring_terminal, repaint_synchronized};
use onelogin_tui::theme::{ColorDepth, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::{USERS, ch, key, load_users, ms, percentile, percentile_usize, report};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
/// Frames per batch; the figures are the median of `BATCHES` batches after one warm-up batch.
const FRAMES: usize = 2_000;
const BATCHES: usize = 5;
/// Words typed into `/`: common, rare, and matching nobody.
const WORDS: &[&str] = &[
    "kat",
    "example.com",
    "sales",
    "okafor",
    "cc-12",
    "admin",
    "99",
    "zzz",
    "maría",
    "dev",
    "o'brien",
    "engineering",
    "1234",
    "ingrid.rossi",
    "@",
    "e",
];

fn loaded() -> AppState {
    let mut state = common::empty_state(WIDTH, HEIGHT);
    let t = Instant::now();
    load_users(&mut state, USERS);
    eprintln!(
        "loaded {} users through update() in {:.0} ms",
        state.users.all.len(),
        ms(t.elapsed())
    );
    assert_eq!(state.users.all.len(), USERS);
    assert_eq!(state.users.rows.len(), USERS);
    state
}

fn theme() -> Theme {
    Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap()
}

/// Update + draw of one action, timed.
fn step(
    state: &mut AppState,
    terminal: &mut Terminal<TestBackend>,
    theme: &Theme,
    action: Action,
) -> Duration {
    let t = Instant::now();
    let _ = update(state, action);
    terminal
        .draw(|frame| view::draw(frame, state, theme))
        .unwrap();
    t.elapsed()
}

/// p50 and p99 of `batches` batches; the figure is the median batch, so one batch that
/// another process preempted does not make the figure (every batch goes to stderr).
fn summarize(name: &str, batches: &[Vec<Duration>]) {
    let mut p50: Vec<Duration> = batches.iter().map(|b| percentile(b, 50.0)).collect();
    let mut p99: Vec<Duration> = batches.iter().map(|b| percentile(b, 99.0)).collect();
    eprintln!(
        "{name}: p99 per batch {:?} ms; p99 over all {:.3} ms",
        p99.iter()
            .map(|d| (ms(*d) * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        ms(percentile(&batches.concat(), 99.0))
    );
    p50.sort_unstable();
    p99.sort_unstable();
    report(&format!("{name}_p50"), ms(p50[p50.len() / 2]), "ms");
    report(&format!("{name}_p99"), ms(p99[p99.len() / 2]), "ms");
}

fn frame_times(state: &mut AppState, theme: &Theme) {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal
        .draw(|frame| view::draw(frame, state, theme))
        .unwrap();
    let mut batches = Vec::new();
    for batch in 0..=BATCHES {
        let mut samples = Vec::with_capacity(FRAMES);
        for i in 0..FRAMES {
            // Down the list, a page down now and then.
            let action = match i % 100 {
                99 => key(KeyCode::PageDown),
                _ => ch('j'),
            };
            samples.push(step(state, &mut terminal, theme, action));
        }
        // The first batch warms up.
        if batch > 0 {
            batches.push(samples);
        }
    }
    assert!(state.users.list.cursor() > FRAMES, "the cursor moved");
    summarize("frame", &batches);
    update(state, key(KeyCode::Home));
}

fn filter_times(state: &mut AppState, theme: &Theme, name: &str) {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    let mut batches = Vec::new();
    for round in 0..=BATCHES {
        let mut samples = Vec::new();
        for word in WORDS {
            update(state, ch('/'));
            // Type the word, then erase it: every keystroke refilters 100,000 users.
            let mut keys: Vec<Action> = word.chars().map(ch).collect();
            keys.extend(word.chars().map(|_| key(KeyCode::Backspace)));
            for action in keys {
                let took = step(state, &mut terminal, theme, action);
                if round > 0 {
                    samples.push(took);
                }
            }
            update(state, key(KeyCode::Esc));
            assert_eq!(state.users.rows.len(), USERS);
        }
        if round > 0 {
            batches.push(samples);
        }
    }
    summarize(name, &batches);
    update(state, key(KeyCode::Home));
}

fn bytes(state: &mut AppState, theme: &Theme) {
    let (mut terminal, counter) = measuring_terminal(WIDTH, HEIGHT).unwrap();
    draw_synchronized(&mut terminal, |f| view::draw(f, state, theme)).unwrap();
    counter.reset();
    repaint_synchronized(&mut terminal, |f| view::draw(f, state, theme)).unwrap();
    let full = counter.bytes();

    let mut measure = |state: &mut AppState, action: Action| {
        let _ = update(state, action);
        counter.reset();
        draw_synchronized(&mut terminal, |f| view::draw(f, state, theme)).unwrap();
        counter.bytes()
    };
    // Inside the page: down to the last row shown and back up, the view stays put.
    let shown = usize::from(HEIGHT) - 5;
    let mut moves = Vec::new();
    for _ in 0..20 {
        moves.extend((0..shown).map(|_| measure(state, ch('j'))));
        moves.extend((0..shown).map(|_| measure(state, ch('k'))));
    }
    assert_eq!(state.users.list.offset(), 0, "the view did not scroll");
    // Walking down past the last row shown: the window jumps half a page when the cursor
    // leaves it, so most moves only move the cursor and some rewrite the table.
    let scrolls: Vec<usize> = (0..500).map(|_| measure(state, ch('j'))).collect();
    assert!(state.users.list.offset() > 400, "the view scrolled");
    let pages: Vec<usize> = (0..200)
        .map(|_| measure(state, key(KeyCode::PageDown)))
        .collect();
    measure(state, key(KeyCode::Home));
    let mut keys = Vec::new();
    for word in WORDS {
        measure(state, ch('/'));
        keys.extend(word.chars().map(|c| measure(state, ch(c))));
        keys.extend(
            word.chars()
                .map(|_| measure(state, key(KeyCode::Backspace))),
        );
        measure(state, key(KeyCode::Esc));
        measure(state, key(KeyCode::Home));
    }
    let cursor = percentile_usize(&moves, 50.0);
    // The mean is what a walk costs the link; the max is the worst single key (a jump).
    let scroll = scrolls.iter().sum::<usize>() / scrolls.len().max(1);
    report("bytes_full_redraw", full as f64, "B");
    report("bytes_cursor_move_p50", cursor as f64, "B");
    report(
        "bytes_cursor_move_max",
        percentile_usize(&moves, 100.0) as f64,
        "B",
    );
    report(
        "bytes_cursor_move_ratio",
        cursor as f64 / full.max(1) as f64,
        "of_full",
    );
    report("bytes_cursor_walk_mean", scroll as f64, "B");
    report(
        "bytes_cursor_walk_max",
        percentile_usize(&scrolls, 100.0) as f64,
        "B",
    );
    report(
        "bytes_cursor_walk_ratio",
        scroll as f64 / full.max(1) as f64,
        "of_full",
    );
    report(
        "bytes_page_down_p50",
        percentile_usize(&pages, 50.0) as f64,
        "B",
    );
    report(
        "bytes_filter_key_p50",
        percentile_usize(&keys, 50.0) as f64,
        "B",
    );
    report(
        "bytes_filter_key_max",
        percentile_usize(&keys, 100.0) as f64,
        "B",
    );
}

fn main() {
    // `cargo bench -- <filter>` and libtest flags are accepted and ignored.
    let theme = theme();
    let mut state = loaded();
    frame_times(&mut state, &theme);
    filter_times(&mut state, &theme, "filter_key");
    // The same with the list sorted by name (`o` twice): the filter keeps the sort.
    update(&mut state, ch('o'));
    update(&mut state, ch('o'));
    assert!(state.users.sort.is_some(), "sorted");
    filter_times(&mut state, &theme, "filter_key_sorted");
    while state.users.sort.is_some() {
        update(&mut state, ch('o'));
    }
    // The cursor stayed on its user through the sorts: back to the top.
    update(&mut state, key(KeyCode::Home));
    bytes(&mut state, &theme);
}
