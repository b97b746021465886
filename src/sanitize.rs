//! Text from the API is data, never terminal control.
//!
//! Every string that came from outside is passed through [`for_terminal`] before it is drawn
//! or printed: C0 and C1 control characters become visible symbols (so no ESC, CSI, OSC or
//! BEL reaches the terminal); bidirectional overrides and isolates, and format characters that
//! draw nothing, are shown as their code point instead of reordering or hiding text.
//! [`one_line`] is the same cleaning for text that must stay on one line (error messages).
//! This is the only place that decides what is safe: other code may cut or trim, not clean.

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

/// Whitespace runs (line breaks, tabs, Unicode line separators) become one space, then
/// [`for_terminal`]: the text stays on one line and carries no control.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for_terminal(&joined).into_owned()
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || is_invisible_format(c)
}

/// Characters that draw nothing and so hide or smuggle text: the format characters
/// (soft hyphen, zero-width space, word joiner, byte-order mark, interlinear annotation,
/// the deprecated shaping controls, Arabic/Syriac marks, the invisible tag characters) and
/// the line and paragraph separators. The zero-width joiner stays: emoji sequences need it.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{0600}'..='\u{0605}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{180E}'
        | '\u{200B}'
        | '\u{200C}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
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
        let all: String = (0u32..0x3000)
            .chain(0xE0000..0xE0080)
            .filter_map(char::from_u32)
            .collect();
        for shown in [for_terminal(&all).into_owned(), one_line(&all)] {
            assert!(!shown.chars().any(needs_escape));
        }
    }

    /// Every character that reorders text (Trojan Source) is named, never passed on.
    #[test]
    fn every_bidi_control_is_named() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}',
        ]
        .into_iter()
        .chain([
            '\u{2067}', '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
        ]) {
            let shown = one_line(&format!("a{c}b"));
            assert_eq!(shown, format!("a<U+{:04X}>b", c as u32));
        }
    }

    /// Strings an attacker would put in a user's name or a server message.
    #[test]
    fn hostile_strings_carry_no_control_and_no_bidi() {
        let hostile = [
            "\u{1b}[2J\u{1b}[H\u{1b}[31mrm -rf\u{1b}[0m",
            "\u{1b}]52;c;Y3VybCBldmlsLnNoIHwgc2g=\u{7}",
            "\u{1b}]52;c;Y3VybA==\u{1b}\\",
            "\u{1b}]8;;https://evil.example\u{1b}\\click\u{1b}]8;;\u{1b}\\",
            "\u{9b}2J\u{9d}0;title\u{9c}",
            "admin\u{202E}gpj.exe",
            "\u{2067}if (isAdmin)\u{2069} {",
            "tag\u{E0041}\u{E0042}smuggled",
            "line\u{2028}break\u{85}next",
        ];
        for text in hostile {
            for shown in [for_terminal(text).into_owned(), one_line(text)] {
                assert!(
                    !shown
                        .chars()
                        .any(|c| c.is_control() || is_bidi_control(c) || is_invisible_format(c)),
                    "{text:?} → {shown:?}"
                );
            }
        }
        assert_eq!(
            one_line("\u{1b}]52;c;eA==\u{7}\n  next\tline"),
            "␛]52;c;eA==␇ next line"
        );
    }
}
