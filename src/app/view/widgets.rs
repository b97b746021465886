//! Small pieces shared by the screens.

use std::borrow::Cow;

use ratatui::text::Span;

use crate::app::keymap::{Context, KeyAction, Keymap};
use crate::sanitize;
use crate::theme::Theme;

/// Text from the API, safe to draw.
pub fn safe(text: &str) -> Cow<'_, str> {
    sanitize::for_terminal(text)
}

/// Owned safe text, for cells.
pub fn safe_owned(text: &str) -> String {
    sanitize::for_terminal(text).into_owned()
}

/// The first key of an action as hints name it (the user's own binding), or the action's
/// name in brackets when nothing is bound to it.
pub fn key(keymap: &Keymap, context: Context, action: KeyAction) -> String {
    let key = keymap.key(context, action);
    if key.is_empty() {
        format!("[{}]", action.name())
    } else {
        key
    }
}

/// A key line: the keys of each entry's actions (joined by "/") in the key style, then what
/// they do. An entry whose actions have no key in this mode (read-only) is left out.
pub fn key_line(
    keymap: &Keymap,
    theme: &Theme,
    entries: &[(Context, &[KeyAction], &str)],
) -> Vec<Span<'static>> {
    let mut spans = vec![Span::raw(" ")];
    for (context, actions, label) in entries {
        let keys: Vec<String> = actions
            .iter()
            .map(|a| keymap.key(*context, *a))
            .filter(|k| !k.is_empty())
            .collect();
        if keys.is_empty() {
            continue;
        }
        let key = keys.join("/");
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {label}  "), theme.muted));
    }
    spans
}

/// Display columns a text takes.
fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` wrapped at word boundaries into lines of at most `width` columns (a word longer
/// than a line is cut): what a box must be tall enough to show.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width_of(word);
        if used > 0 && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        for c in word.chars() {
            let mut buf = [0u8; 4];
            let cw = width_of(c.encode_utf8(&mut buf));
            if used > 0 && used + cw > width {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Ends a line with "…" within `width` columns: more text follows than is shown.
pub fn end_with_ellipsis(line: &mut String, width: usize) {
    while !line.is_empty() && width_of(line) + 1 > width {
        line.pop();
    }
    line.push('…');
}

/// The spinner's frame: plain ASCII survives every font a jump host may have.
pub fn spinner(tick: usize) -> char {
    ['|', '/', '-', '\\'][tick % 4]
}

/// 4988 → "4,988" (shared with the command line's progress lines).
pub use crate::bulk::thousands;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word_and_fits_the_width() {
        let text = "GET https://api.us.onelogin.com/api/1/users?limit=50 → 429 Too Many Requests: the hourly API budget is spent; it refills in 1,234 s";
        for width in [20, 40, 70] {
            let lines = wrap(text, width);
            assert!(lines.iter().all(|l| width_of(l) <= width), "{lines:?}");
            let squeeze = |s: &str| s.replace(' ', "");
            assert_eq!(squeeze(&lines.concat()), squeeze(text), "at {width}");
        }
        assert_eq!(
            wrap(text, 70).join(" "),
            text,
            "words are cut only when too long"
        );
        // A word longer than the line is cut, not lost.
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 10), vec![""]);
        let mut line = "abcdef".to_string();
        end_with_ellipsis(&mut line, 4);
        assert_eq!(line, "abc…");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(4988), "4,988");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
