//! Spreadsheet formula injection. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is run as a formula by Excel, LibreOffice and Google Sheets, and a user
//! record is text anyone in the directory may have typed. Every CSV we write puts an
//! apostrophe before such a cell (OWASP's advice; the spreadsheet shows the text), and
//! the desired-state reader takes exactly that apostrophe off again, so an exported file
//! applied unchanged changes nothing.
//!
//! The rule both ways: a value that starts with a trigger, or with an apostrophe followed
//! by a trigger or another apostrophe, is written with one more apostrophe in front; a
//! cell that starts with an apostrophe followed by a trigger or an apostrophe is read
//! without its first apostrophe. Any other apostrophe (`'hello`) is plain text both ways.

use std::borrow::Cow;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn guarded_start(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if TRIGGERS.contains(&c) => true,
        Some('\'') => chars
            .next()
            .is_some_and(|c| c == '\'' || TRIGGERS.contains(&c)),
        _ => false,
    }
}

/// The cell to write for `value`.
pub fn guard(value: &str) -> Cow<'_, str> {
    if guarded_start(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// The value a read cell stands for.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with('\'') || rest.starts_with(TRIGGERS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_guarded_and_come_back_whole() {
        for (value, written) in [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+1-745-555-7853", "'+1-745-555-7853"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("''", "'''"),
        ] {
            assert_eq!(guard(value), written, "{value:?}");
            assert_eq!(unguard(written), value, "{written:?}");
        }
        for plain in ["", "Ann", "'hello", "'", "a=b", "x-1", "O'Brien"] {
            assert_eq!(guard(plain), plain);
            assert_eq!(unguard(plain), plain);
        }
    }
}
