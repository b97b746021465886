//! Text from the API is data, never terminal control.
//!
//! Every string that came from outside is passed through [`for_terminal`] before it is drawn
//! or printed: C0 and C1 control characters become visible symbols (so no ESC, CSI, OSC or
//! BEL reaches the terminal); bidirectional overrides and isolates, and format characters that
//! draw nothing, are shown as their code point instead of reordering or hiding text.

use std::borrow::Cow;

/// Makes `text` safe to draw; borrows when nothing needed changing (the common case).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible_format(c)
}

/// Format characters that draw nothing and so hide text (zero-width space, word joiner,
/// byte-order mark …). The zero-width joiner stays: emoji sequences need it.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{200C}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Characters that reorder the text around them (Trojan Source, CVE-2021-42574).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn push_visible(out: &mut String, c: char) {
    match c {
        // C0 controls have a picture each in the Control Pictures block: ESC → ␛, BEL → ␇.
        '\u{0}'..='\u{1F}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
        '\u{7F}' => out.push('␡'),
        c if c.is_control() || is_bidi_control(c) || is_invisible_format(c) => {
            out.push_str(&format!("<U+{:04X}>", c as u32));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        let text = "Zoë Ångström — 東京 👩‍💻";
        assert!(matches!(for_terminal(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn escape_sequences_become_visible_text() {
        let osc52 = "\u{1b}]52;c;aGVsbG8=\u{7}Mallory";
        let shown = for_terminal(osc52);
        assert_eq!(shown, "␛]52;c;aGVsbG8=␇Mallory");
        assert_eq!(for_terminal("\u{1b}[2J"), "␛[2J");
        assert_eq!(for_terminal("a\r\nb\tc"), "a␍␊b␉c");
        assert_eq!(for_terminal("del\u{7f}"), "del␡");
    }

    #[test]
    fn c1_controls_and_bidi_overrides_are_named() {
        // U+009B is a one-byte CSI on terminals that honour C1.
        assert_eq!(for_terminal("x\u{9b}2J"), "x<U+009B>2J");
        assert_eq!(for_terminal("\u{202e}evil"), "<U+202E>evil");
        assert_eq!(for_terminal("a\u{2066}b\u{2069}"), "a<U+2066>b<U+2069>");
        assert_eq!(
            for_terminal("Zero\u{200b}Width\u{feff}"),
            "Zero<U+200B>Width<U+FEFF>"
        );
    }

    #[test]
    fn nothing_that_reaches_the_terminal_is_a_control() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let shown = for_terminal(&all);
        assert!(!shown.chars().any(needs_escape));
    }
}
