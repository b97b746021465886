//! The one list widget's state: a cursor, the window of rows on screen, and the marked
//! items. Every list of the console (users, editor rows, request log, the bulk screen's
//! lists, pickers) keeps one, so moving, scrolling and selecting are written once.

use std::collections::BTreeSet;
use std::ops::Range;

use super::keymap::KeyAction;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState<K: Ord = ()> {
    cursor: usize,
    /// The first row in the window.
    offset: usize,
    marks: BTreeSet<K>,
}

impl<K: Ord> Default for ListState<K> {
    fn default() -> Self {
        ListState {
            cursor: 0,
            offset: 0,
            marks: BTreeSet::new(),
        }
    }
}

impl<K: Ord + Clone> ListState<K> {
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Puts the cursor on row `i` of `len` (clamped) and keeps it in a window of `height`.
    pub fn select(&mut self, i: usize, len: usize, height: usize) {
        self.cursor = i;
        self.clamp(len, height);
    }

    /// Moves for a key (up, down, a page, the ends); false for any other key.
    pub fn key(&mut self, action: KeyAction, len: usize, height: usize) -> bool {
        let last = len.saturating_sub(1);
        self.cursor = match action {
            KeyAction::Up => self.cursor.saturating_sub(1),
            KeyAction::Down => (self.cursor + 1).min(last),
            KeyAction::PageUp => self.cursor.saturating_sub(height.max(1)),
            KeyAction::PageDown => (self.cursor + height.max(1)).min(last),
            KeyAction::Top => 0,
            KeyAction::Bottom => last,
            _ => return false,
        };
        self.clamp(len, height);
        true
    }

    /// After the list or the window changed: the cursor on a row, the row in the window.
    pub fn clamp(&mut self, len: usize, height: usize) {
        self.cursor = self.cursor.min(len.saturating_sub(1));
        self.offset = scroll_offset(self.offset, self.cursor, height.max(1), len);
    }

    /// The rows on screen.
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        let start = self.offset.min(len);
        start..(start + height).min(len)
    }

    pub fn marks(&self) -> &BTreeSet<K> {
        &self.marks
    }

    pub fn is_marked(&self, key: &K) -> bool {
        self.marks.contains(key)
    }

    pub fn toggle(&mut self, key: K) {
        if !self.marks.remove(&key) {
            self.marks.insert(key);
        }
    }

    /// Marks only `key` (a single choice).
    pub fn mark_only(&mut self, key: K) {
        self.marks.clear();
        self.marks.insert(key);
    }

    pub fn mark_all(&mut self, keys: impl IntoIterator<Item = K>) {
        self.marks.extend(keys);
    }

    pub fn invert(&mut self, keys: impl IntoIterator<Item = K>) {
        for key in keys {
            self.toggle(key);
        }
    }

    pub fn clear_marks(&mut self) {
        self.marks.clear();
    }
}

/// Keeps `cursor` inside a window of `height` rows over a list of `len`, the window starting
/// at `offset`. When the cursor leaves the window, the window jumps half its height (the
/// cursor lands mid-window) rather than one row: walking down a long list then rewrites the
/// table once per half page instead of on every key, which is what a slow SSH link feels
/// (a one-row scroll of a 120x40 table rewrites every row, ~3.6 KB).
fn scroll_offset(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    let last_window = len.saturating_sub(height);
    let offset = offset.min(last_window);
    if cursor < offset {
        cursor.saturating_sub(height / 2)
    } else if cursor >= offset + height {
        (cursor + height / 2 + 1)
            .saturating_sub(height)
            .min(last_window)
    } else {
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaving_the_window_jumps_half_a_page_and_never_past_the_end() {
        // Inside the window: nothing moves.
        assert_eq!(scroll_offset(0, 10, 36, 1000), 0);
        // One row past the bottom: the cursor lands mid-window.
        assert_eq!(scroll_offset(0, 36, 36, 1000), 19);
        // One row above the top: the same, upwards.
        assert_eq!(scroll_offset(19, 18, 36, 1000), 0);
        assert_eq!(scroll_offset(100, 99, 36, 1000), 81);
        // The last row sits at the bottom: no empty half page after the end.
        assert_eq!(scroll_offset(0, 999, 36, 1000), 964);
        assert_eq!(scroll_offset(950, 999, 36, 1000), 964);
        // A list shorter than the window never scrolls.
        assert_eq!(scroll_offset(5, 3, 36, 10), 0);
    }

    #[test]
    fn keys_move_the_cursor_and_the_window_follows() {
        let mut list: ListState = ListState::default();
        assert!(list.key(KeyAction::Bottom, 100, 10));
        assert_eq!((list.cursor(), list.offset()), (99, 90));
        assert_eq!(list.window(100, 10), 90..100);
        assert!(list.key(KeyAction::PageUp, 100, 10));
        assert_eq!(list.cursor(), 89);
        assert_eq!(list.offset(), 84, "half a page above");
        assert!(!list.key(KeyAction::Open, 100, 10));
        // The list shrank under the cursor.
        list.clamp(5, 10);
        assert_eq!((list.cursor(), list.offset()), (4, 0));
        // An empty list keeps the cursor at 0.
        list.clamp(0, 10);
        assert_eq!(list.cursor(), 0);
        assert_eq!(list.window(0, 10), 0..0);
    }

    #[test]
    fn marks_toggle_invert_and_clear() {
        let mut list: ListState<i64> = ListState::default();
        list.toggle(3);
        list.mark_all([1, 2]);
        list.toggle(2);
        assert_eq!(list.marks().iter().copied().collect::<Vec<_>>(), vec![1, 3]);
        list.invert([1, 2, 3, 4]);
        assert_eq!(list.marks().iter().copied().collect::<Vec<_>>(), vec![2, 4]);
        list.mark_only(7);
        assert!(list.is_marked(&7) && list.marks().len() == 1);
        list.clear_marks();
        assert!(list.marks().is_empty());
    }
}
