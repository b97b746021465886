//! Users whose data carries terminal control sequences, so the console can
//! prove it never lets API text drive the terminal.

use super::tenant::User;

/// OSC 52 (set clipboard), then a name.
pub(crate) const MALLORY_FIRSTNAME: &str = "\u{1b}]52;c;aGVsbG8=\u{7}Mallory";
/// Erase the whole screen.
pub(crate) const MALLORY_LASTNAME: &str = "\u{1b}[2J";
/// Right-to-left override.
pub(crate) const BIDI_FIRSTNAME: &str = "\u{202e}evil";
/// Carriage return, line feed and a bell.
pub(crate) const BELL_TITLE: &str = "Ring\r\nthe\u{7}bell";

/// Turns `user` into hostile user number `which` (0, 1 or 2).
pub(crate) fn apply(which: usize, user: &mut User) {
    match which {
        0 => {
            user.set_str("firstname", Some(MALLORY_FIRSTNAME));
            user.set_str("lastname", Some(MALLORY_LASTNAME));
            user.set_str("email", Some("mallory@example.com"));
            user.set_str("username", Some("mallory"));
            user.set_str("openid_name", Some("mallory"));
            user.set_str(
                "title",
                Some("\u{1b}[31mRed\u{1b}[0m Team \u{1b}]0;pwned\u{7}"),
            );
            user.set_str("company", Some("Evil \u{1b}[5mCorp\u{1b}[0m"));
            user.custom.insert(
                "AWS_Role".into(),
                "\u{1b}]8;;https://evil.example/\u{1b}\\Administrator\u{1b}]8;;\u{1b}\\".into(),
            );
        }
        1 => {
            user.set_str("firstname", Some(BIDI_FIRSTNAME));
            user.set_str("lastname", Some("Override\u{202d}\u{200f}"));
            user.set_str("email", Some("bidi@example.com"));
            user.set_str("username", Some("bidi"));
            user.set_str("openid_name", Some("bidi"));
            user.set_str("title", Some("\u{202e}rotartsinimdA"));
            user.set_str("department", Some("Zero\u{200b}Width\u{feff}"));
            user.custom.insert("skype".into(), "\u{202e}gnp.exe".into());
        }
        _ => {
            user.set_str("firstname", Some("Bell\u{7}"));
            user.set_str("lastname", Some("Ringer\u{8}\u{8}\u{8}"));
            user.set_str("email", Some("bell@example.com"));
            user.set_str("username", Some("bell"));
            user.set_str("openid_name", Some("bell"));
            user.set_str("title", Some(BELL_TITLE));
            user.set_str("comment", Some("line one\r\nline two\u{7f}"));
            user.custom
                .insert("messenger".into(), "@bell\r\n\u{7}\u{1b}[1A".into());
        }
    }
}
