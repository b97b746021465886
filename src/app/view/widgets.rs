//! Small pieces shared by the screens.

use std::borrow::Cow;

use ratatui::layout::{Constraint, Flex, Layout, Rect};

use crate::sanitize;

/// Text from the API, safe to draw.
pub fn safe(text: &str) -> Cow<'_, str> {
    sanitize::for_terminal(text)
}

/// Owned safe text, for cells.
pub fn safe_owned(text: &str) -> String {
    sanitize::for_terminal(text).into_owned()
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

/// The spinner's frame: plain ASCII survives every font a jump host may have.
pub fn spinner(tick: usize) -> char {
    ['|', '/', '-', '\\'][tick % 4]
}

/// 4988 → "4,988".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(4988), "4,988");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
