//! Resident memory with 100,000 users loaded into the console through `update()`.
//!
//! A process of its own, so nothing else the benches hold is counted. Prints the resident
//! set (VmRSS) after loading and drawing, and the growth over the empty console.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use onelogin_tui::app::view;
use onelogin_tui::theme::{ColorDepth, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::{USERS, load_users, report, resident_bytes};

const MB: f64 = 1024.0 * 1024.0;

fn main() {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut state = common::empty_state(120, 40);
    terminal
        .draw(|frame| view::draw(frame, &state, &theme))
        .unwrap();
    let before = resident_bytes().expect("VmRSS in /proc/self/status");
    load_users(&mut state, USERS);
    terminal
        .draw(|frame| view::draw(frame, &state, &theme))
        .unwrap();
    let after = resident_bytes().unwrap();
    assert_eq!(state.users.all.len(), USERS);
    eprintln!(
        "memory: a User is {} B inline; Vec<User> capacity {} ({:.0} MB of it); every user keeps every field API /1 sends",
        std::mem::size_of::<onelogin_tui::api::User>(),
        state.users.all.capacity(),
        (state.users.all.capacity() * std::mem::size_of::<onelogin_tui::api::User>()) as f64 / MB
    );
    report("memory_rss_100k_users", after as f64 / MB, "MB");
    report(
        "memory_rss_growth_100k_users",
        after.saturating_sub(before) as f64 / MB,
        "MB",
    );
    report(
        "memory_per_user",
        after.saturating_sub(before) as f64 / USERS as f64,
        "B",
    );
}
