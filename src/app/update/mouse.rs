//! The mouse (`[ui] mouse = true`): a click on a tab opens its screen, a click on a row of
//! the users list, the request log or the events moves the cursor there, the wheel moves
//! it as ↑/↓ do. Where things are comes from `layout.rs`, the numbers the view draws
//! with. The keyboard does all of it without the mouse; a box on the modal stack takes
//! keys only.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::*;
use crate::app::list::ListState;

/// Rows the wheel moves per notch.
const WHEEL_ROWS: usize = 3;

pub(super) fn on_mouse(state: &mut AppState, event: MouseEvent) -> Vec<Command> {
    if !state.modals.is_empty()
        || state.width < layout::MIN_WIDTH
        || state.height < layout::MIN_HEIGHT
    {
        return Vec::new();
    }
    let area = Rect::new(0, 0, state.width, state.height);
    let [tabs, body, _] = layout::screen(area);
    let at = Position::new(event.column, event.row);
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) if tabs.contains(at) => {
            match layout::tab_at(state, event.column) {
                Some(screen) => leave_to(state, screen),
                None => Vec::new(),
            }
        }
        MouseEventKind::Down(MouseButton::Left) if body.contains(at) => click(state, body, at.y),
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let action = if event.kind == MouseEventKind::ScrollDown {
                KeyAction::Down
            } else {
                KeyAction::Up
            };
            let mut commands = Vec::new();
            for _ in 0..WHEEL_ROWS {
                commands.extend(screen_key(state, action));
            }
            commands
        }
        _ => Vec::new(),
    }
}

/// Row `y` of a table whose header is the first line of `table`, over a list whose
/// window starts at `offset`: the row's position, if one is drawn there.
fn row_at(table: Rect, offset: usize, len: usize, y: u16) -> Option<usize> {
    let first = table.y.checked_add(1)?;
    if y < first || y >= table.y.saturating_add(table.height) {
        return None;
    }
    let i = offset + usize::from(y - first);
    (i < len).then_some(i)
}

fn select<K: Ord + Clone>(list: &mut ListState<K>, table: Rect, len: usize, y: u16) -> bool {
    let height = layout::rows_under_header(table);
    match row_at(table, list.window(len, height).start, len, y) {
        Some(i) => {
            list.select(i, len, height);
            true
        }
        None => false,
    }
}

fn click(state: &mut AppState, body: Rect, y: u16) -> Vec<Command> {
    match state.screen {
        Screen::Users => {
            let [_, table] = layout::info_and_list(body);
            let len = state.users.rows.len();
            if select(&mut state.users.list, table, len, y) {
                return users::prefetch(state);
            }
        }
        Screen::RequestLog if state.log.detail.is_none() => {
            let [_, table] = layout::info_and_list(body);
            let len = state.log.rows.len();
            if select(&mut state.log.list, table, len, y) {
                // A row picked by hand: the log stops following the newest.
                state.log.follow = false;
            }
        }
        Screen::Events => {
            let [_, _, table] = layout::events(body);
            let len = state.events.rows.len();
            select(&mut state.events.list, table, len, y);
        }
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::app::update_tests::loaded;

    fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Action {
        Action::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    }

    #[test]
    fn a_click_moves_the_cursor_and_the_wheel_scrolls() {
        let mut state = loaded(30, None);
        // 120x40: the tab line, the info line, the header; the fourth row on screen.
        update(
            &mut state,
            mouse(MouseEventKind::Down(MouseButton::Left), 10, 6),
        );
        assert_eq!(state.users.list.cursor(), 3);
        update(&mut state, mouse(MouseEventKind::ScrollDown, 10, 20));
        assert_eq!(state.users.list.cursor(), 6);
        update(&mut state, mouse(MouseEventKind::ScrollUp, 10, 20));
        assert_eq!(state.users.list.cursor(), 3);
        // Below the last row: nothing moves.
        update(
            &mut state,
            mouse(MouseEventKind::Down(MouseButton::Left), 10, 38),
        );
        assert_eq!(state.users.list.cursor(), 3);
    }

    #[test]
    fn a_click_on_a_tab_opens_its_screen() {
        let mut state = loaded(3, None);
        let (lead, tabs) = layout::tabs(&state);
        // " onelogin-tui " + " " + " 1 Users " + " " → the bulk tab's first column.
        let x = lead.len() + 1 + tabs[0].1.len() + 1;
        let x = u16::try_from(x).unwrap();
        update(
            &mut state,
            mouse(MouseEventKind::Down(MouseButton::Left), x + 1, 0),
        );
        assert_eq!(state.screen, Screen::Bulk);
        update(
            &mut state,
            mouse(MouseEventKind::Down(MouseButton::Left), 3, 0),
        );
        assert_eq!(state.screen, Screen::Bulk, "the program's name is no tab");
    }
}
