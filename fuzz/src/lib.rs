//! The fuzz targets' bodies and their oracles, one function per target.
//!
//! Each takes the raw bytes a fuzzer (or a corpus file) gives, runs the console's own
//! readers on them through `onelogin_tui::fuzzing` and the public parsers, and panics when
//! an oracle fails. `fuzz/fuzz_targets/*.rs` call these under libFuzzer (nightly);
//! `tests/fuzz_corpus.rs` includes this file and calls the same functions on every corpus
//! and regression file under stable `cargo test`.
//!
//! An answer file is written as a person would read it: the status on the first line, then
//! `Name: value` header lines, a blank line, and the body:
//!
//! ```text
//! 401
//! Content-Type: application/json
//!
//! {"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}
//! ```

use onelogin_tui::api::{ApiError, ErrorKind, Event, Search, User, V3_ELEMENTS, V3UserUpdate};
use onelogin_tui::bulk::CsvInput;
use onelogin_tui::fuzzing;
use onelogin_tui::sanitize::{for_terminal, one_line};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// One target's body: the bytes of one input; a panic is a finding.
pub type Target = fn(&[u8]);

/// The targets, by the name of their folder under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("api_answer", api_answer),
    ("v3_xml", v3_xml),
    ("csv_in", csv_in),
    ("search", search),
    ("config", config),
    ("sanitize", sanitize),
];

// ---------------------------------------------------------------------------------------
// The terminal oracle: written from the Unicode tables and the terminals' own rules, not
// from `sanitize.rs`.

/// A character a terminal would act on, or that would hide or reorder the text around it:
/// C0 controls (ESC among them), DEL, C1 controls (a one-byte CSI on some terminals), the
/// bidirectional marks, embeddings, overrides and isolates (Trojan Source), every other
/// format character (they draw nothing: zero-width spaces, tag characters, …) except the
/// zero-width joiner that emoji sequences need (the sanitizer documents that it keeps it),
/// and the Unicode line and paragraph separators.
pub fn acts_on_terminal(c: char) -> bool {
    let cp = u32::from(c);
    let c0_del_c1 = cp < 0x20 || (0x7F..=0x9F).contains(&cp);
    let bidi = matches!(
        cp,
        0x061C | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069
    );
    let category = c.general_category();
    let format = category == GeneralCategory::Format && c != '\u{200D}';
    let separator = matches!(
        category,
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
    );
    c0_del_c1 || bidi || format || separator
}

/// Panics when `shown` holds a character the terminal would act on (`allowed` aside).
#[track_caller]
pub fn assert_terminal_safe(what: &str, shown: &str, allowed: &[char]) {
    if let Some((at, c)) = shown
        .char_indices()
        .find(|(_, c)| acts_on_terminal(*c) && !allowed.contains(c))
    {
        panic!(
            "{what}: U+{:04X} at byte {at} reaches the terminal in {shown:?}",
            u32::from(c)
        );
    }
}

// ---------------------------------------------------------------------------------------
// Answers: status line, headers, blank line, body.

/// An answer read from a corpus file (see the module's words).
pub struct Answer<'a> {
    pub status: u16,
    pub headers: Vec<(&'a [u8], &'a [u8])>,
    /// As the client reads a body: UTF-8, a bad byte replaced.
    pub body: String,
}

fn split_once<'a>(data: &'a [u8], sep: &[u8]) -> Option<(&'a [u8], &'a [u8])> {
    let at = data.windows(sep.len()).position(|w| w == sep)?;
    Some((&data[..at], &data[at + sep.len()..]))
}

impl<'a> Answer<'a> {
    pub fn read(data: &'a [u8]) -> Answer<'a> {
        let (first, rest) = split_once(data, b"\n").unwrap_or((data, b""));
        // Any number the HTTP layer accepts (100..=999); anything else reads as 200.
        let status = std::str::from_utf8(first)
            .ok()
            .and_then(|t| t.trim().parse::<u16>().ok())
            .filter(|s| (100..=999).contains(s))
            .unwrap_or(200);
        let (head, body) = split_once(rest, b"\n\n").unwrap_or((b"", rest));
        let headers = head
            .split(|b| *b == b'\n')
            .filter_map(|line| {
                let at = line.iter().position(|b| *b == b':')?;
                let value = &line[at + 1..];
                let start = value.iter().position(|b| *b != b' ').unwrap_or(value.len());
                Some((&line[..at], &value[start..]))
            })
            .collect();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(body).into_owned(),
        }
    }
}

/// What every error the client can build from an answer must hold: its words reach the
/// terminal on one line with no control, whatever the server sent; its questions answer.
fn check_error(kind: ErrorKind, status: u16, url: &str) {
    let e = ApiError::new(kind, "PUT", url);
    let shown = e.to_string();
    assert_terminal_safe("an API error's words", &shown, &[]);
    assert_eq!(e.http_status(), Some(status), "{e:?}");
    let _ = (
        e.is_retryable(),
        e.is_auth_failure(),
        e.is_insufficient_permission(),
    );
    let _ = (
        e.is_no_route(),
        e.retry_after(),
        e.field_problems(),
        e.hint(),
    );
    let _ = e.envelope_message();
    if let ErrorKind::UnexpectedBody { body_start, .. }
    | ErrorKind::RateLimited { body_start, .. } = &e.kind
    {
        // About 200 characters of the body are quoted, each at most `<U+XXXXX>` long.
        assert!(body_start.chars().count() <= 200 * 9 + 1, "{body_start:?}");
    }
}

/// The /1 envelope and /2 error readers, on one answer.
pub fn api_answer(data: &[u8]) {
    let a = Answer::read(data);
    let headers = fuzzing::header_map(a.headers.iter().copied());
    let url = "https://api.us.onelogin.com/api/1/users/42";
    let answers = [
        fuzzing::answer_v1(a.status, &headers, &a.body),
        fuzzing::answer_v2(a.status, &headers, &a.body, false),
        fuzzing::answer_v2(a.status, &headers, &a.body, true),
    ];
    for answer in answers {
        match answer {
            Ok(value) => {
                assert!(
                    (200..300).contains(&a.status),
                    "a {} answer was read as a success",
                    a.status
                );
                read_items(&value);
            }
            Err(kind) => {
                if a.status == 429 {
                    assert!(matches!(kind, ErrorKind::RateLimited { .. }), "{kind:?}");
                }
                check_error(kind, a.status, url);
            }
        }
    }
}

/// The next step of a success: its items read as the lenient `User` and `Event` (a /1
/// `data` list, or a bare /2 list), as the client reads a page.
fn read_items(value: &serde_json::Value) {
    let items = match value.get("data").unwrap_or(value) {
        serde_json::Value::Array(items) => items.as_slice(),
        _ => &[],
    };
    for item in items {
        if let Ok(user) = serde_json::from_value::<User>(item.clone()) {
            let _ = user.display_name();
            for name in [
                "id",
                "email",
                "status",
                "state",
                "role_id",
                "custom_attributes.AWS_Role",
                "x",
            ] {
                let _ = user.field(name);
            }
        }
        if let Ok(event) = serde_json::from_value::<Event>(item.clone()) {
            let _ = (event.created_at_utc(), event.to_map());
        }
    }
}

// ---------------------------------------------------------------------------------------
// v3: the error page scraper and the `<user>` reader, and the writer read back.

/// The v3 answer readers (an update's answer, a read's answer) on one answer; then
/// whatever `<user>` was read is written back as an update and read again, unchanged.
pub fn v3_xml(data: &[u8]) {
    let a = Answer::read(data);
    let headers = fuzzing::header_map(a.headers.iter().copied());
    let url = "https://api.onelogin.com/api/v3/users/42.xml";
    if let Err(kind) = fuzzing::answer_v3(a.status, &headers, &a.body) {
        if let ErrorKind::V3 { title, message, .. } = &kind {
            assert_terminal_safe("a v3 error title", title, &[]);
            assert_terminal_safe("a v3 error message", message, &[]);
        }
        check_error(kind, a.status, url);
    }
    match fuzzing::answer_v3_user(a.status, &headers, &a.body) {
        Ok(user) => {
            assert!((200..300).contains(&a.status), "{}", a.status);
            let _ = (user.id(), user.field("group_id"));
            written_back_reads_the_same(&user);
        }
        Err(kind) => check_error(kind, a.status, url),
    }
    // The reader alone, as a body arrives whatever its status.
    if let Ok(user) = onelogin_tui::api::parse_v3_user(&a.body) {
        written_back_reads_the_same(&user);
    }
}

/// What the console read from a v3 `<user>` and sends back is what the server reads.
fn written_back_reads_the_same(user: &onelogin_tui::api::V3User) {
    let mut update = V3UserUpdate::new();
    let fields: Vec<(&str, &str)> = user
        .fields
        .iter()
        .filter(|(name, _)| V3_ELEMENTS.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?)))
        .collect();
    for (name, value) in &fields {
        update.set(name, *value);
    }
    let attributes: Vec<(&str, &str)> = user
        .custom_attributes
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?)))
        .collect();
    for (name, value) in &attributes {
        update.custom_attribute(name, *value);
    }
    if !user.roles.is_empty() {
        update.roles(&user.roles);
    }
    // A name or value XML cannot carry is refused before sending: nothing to read back.
    let Ok(xml) = update.to_xml() else { return };
    let back = match onelogin_tui::api::parse_v3_user(&xml) {
        Ok(back) => back,
        Err(e) => panic!("our own update does not read back ({e}): {xml}"),
    };
    for (name, value) in fields {
        assert_eq!(back.field(name), Some(value), "field {name} in {xml}");
    }
    for (name, value) in attributes {
        assert_eq!(
            back.custom_attributes.get(name).and_then(|v| v.as_deref()),
            Some(value),
            "custom attribute {name} in {xml}"
        );
    }
    assert_eq!(back.roles, user.roles, "{xml}");
}

// ---------------------------------------------------------------------------------------
// The CSV desired-state file.

/// Lines in the file as an editor counts them (LF, CRLF and a lone CR each end one).
fn editor_lines(data: &[u8]) -> u64 {
    let mut lines = 1;
    for (i, b) in data.iter().enumerate() {
        match b {
            b'\n' => lines += 1,
            b'\r' if data.get(i + 1) != Some(&b'\n') => lines += 1,
            _ => {}
        }
    }
    lines
}

/// The reader and its checks, with and without `keep_empty`, and for a key file.
pub fn csv_in(data: &[u8]) {
    let lines = editor_lines(data);
    let strict = CsvInput::parse(data, false);
    let keep = CsvInput::parse(data, true);
    let keys = CsvInput::parse_keys(data);
    for read in [&strict, &keep, &keys] {
        match read {
            Ok(input) => {
                assert!(!input.rows.is_empty());
                assert!(input.key_index < input.headers.len());
                let mut last = 1;
                for row in &input.rows {
                    assert_eq!(row.cells.len(), input.headers.len(), "{row:?}");
                    assert!(
                        row.line > last && row.line <= lines,
                        "line {} after {last}",
                        row.line
                    );
                    last = row.line;
                    let _ = input.desired(row);
                }
                let known: Vec<String> = input.attributes().iter().map(|a| a.to_string()).collect();
                assert!(input.check_attributes(&known).is_ok());
                // The tenant's attribute names come from the server: hostile ones too.
                let tenant = [
                    "AWS_Role".to_string(),
                    "\u{1b}]52;c;eA==\u{7}\u{202e}".to_string(),
                ];
                if let Err(refused) = input.check_attributes(&tenant) {
                    assert_terminal_safe("a CSV refusal", &refused.to_string(), &['\n']);
                }
            }
            Err(refused) => {
                assert!(!refused.0.is_empty());
                for r in &refused.0 {
                    if let Some(line) = r.line {
                        assert!(line >= 1 && line <= lines, "line {line} of {lines}: {r}");
                    }
                }
                assert_terminal_safe("a CSV refusal", &refused.to_string(), &['\n']);
            }
        }
    }
    // A file good as it stands is good when empty cells are kept, and as a key file.
    if let Ok(strict) = &strict {
        let Ok(keep) = &keep else {
            panic!("keep_empty refuses what strict accepts: {keep:?}")
        };
        let Ok(keys) = &keys else {
            panic!("a good file is refused as a key file: {keys:?}")
        };
        assert_eq!(strict.rows, keep.rows);
        let ids = |i: &CsvInput| i.rows.iter().map(|r| (r.line, r.id)).collect::<Vec<_>>();
        assert_eq!(ids(strict), ids(keys));
    }
}

// ---------------------------------------------------------------------------------------
// The search grammar.

fn sample_users() -> Vec<User> {
    let json = [
        r#"{"id":42,"email":"Kat@Example.com","username":"kat","firstname":"Kat","lastname":"van Dyke","status":1,"state":1,"department":"Sales","title":"Head of \"IT\"","role_id":[7,9],"created_at":"2024-05-01T10:00:00.000Z","custom_attributes":{"AWS_Role":"Admin"}}"#,
        r#"{"id":7}"#,
    ];
    json.iter()
        .filter_map(|j| serde_json::from_str(j).ok())
        .collect()
}

/// The one search grammar: what it sends reads back the same, and it matches users.
pub fn search(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(s) = Search::parse(&text) else { return };
    // The server part's search-box form reads back as the same query.
    let shown = s.server().to_string();
    match Search::parse(&shown) {
        Ok(again) => assert_eq!(again.server(), s.server(), "{text:?} → {shown:?}"),
        Err(e) => panic!("{text:?} → {shown:?} does not read back: {e}"),
    }
    let _ = s.server().to_query_string(Some("cursor"));
    let whole = s.whole_local();
    let with_local = s.fields_with_local(&["email".to_string()]);
    for name in s.local().field_names() {
        assert!(
            with_local.iter().any(|f| f == name),
            "{with_local:?} lacks {name}"
        );
    }
    for user in sample_users() {
        let _ = s.matches(&user);
        if let Ok(terms) = &whole {
            let _ = terms.matches(&user);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The config file.

/// Secret values the file gives (`client_secret`, `api_key`), found without the loader: by
/// the TOML parser, and by the lines that assign one a plain quoted string (which a file
/// TOML refuses still holds). Only values long enough not to be a word of a message, and
/// written once, so that any copy in a message is the secret itself.
fn secrets_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(table) = text.parse::<toml::Table>()
        && let Some(profiles) = table.get("profiles").and_then(|p| p.as_table())
    {
        for profile in profiles.values().filter_map(|p| p.as_table()) {
            for key in ["client_secret", "api_key"] {
                if let Some(s) = profile.get(key).and_then(|v| v.as_str()) {
                    found.push(s.to_string());
                }
            }
        }
    }
    for line in text.lines() {
        let line = line.trim();
        for key in ["client_secret", "api_key"] {
            let Some(rest) = line.strip_prefix(key) else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim();
            if let Some(inner) = rest.strip_prefix('"').and_then(|r| r.strip_suffix('"'))
                && !inner.contains(['"', '\\'])
            {
                found.push(inner.to_string());
            }
        }
    }
    found.retain(|s| s.chars().count() >= 8 && text.matches(s.as_str()).count() <= 1);
    found
}

/// The settings loader over a file's text: it never panics, and no secret the file holds
/// appears in its error or in the settings' debug form.
pub fn config(data: &[u8]) {
    // The loader reads the file as UTF-8 and refuses it otherwise, before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let secrets = secrets_in(text);
    let shown = match fuzzing::settings_from_text(text) {
        Ok(settings) => {
            let (_, problems) =
                onelogin_tui::app::keymap::Keymap::new(&settings.keys, settings.read_only);
            if let Some(color) = &settings.color {
                for depth in ["truecolor", "256", "16", "mono"] {
                    if let Some(depth) = onelogin_tui::theme::ColorDepth::parse(depth) {
                        let _ = onelogin_tui::theme::Theme::band(color, depth, false);
                    }
                }
            }
            format!("{settings:?} {problems:?}")
        }
        Err(e) => e.to_string(),
    };
    for secret in secrets {
        assert!(
            !shown.contains(&secret),
            "the secret {secret:?} is shown: {shown}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The sanitizer.

/// The one sanitizer: nothing that reaches the terminal is a control, a bidi mark or an
/// invisible format character; `one_line` stays on one line; clean text passes unchanged;
/// cleaning twice changes nothing more.
pub fn sanitize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let shown = for_terminal(&text);
    assert_terminal_safe("for_terminal", &shown, &[]);
    let line = one_line(&text);
    assert_terminal_safe("one_line", &line, &[]);
    if let Some(c) = line.chars().find(|c| c.is_whitespace() && *c != ' ') {
        panic!("one_line leaves U+{:04X} in {line:?}", u32::from(c));
    }
    assert!(
        !line.starts_with(' ') && !line.ends_with(' ') && !line.contains("  "),
        "{line:?}"
    );
    if !text.chars().any(acts_on_terminal) {
        assert_eq!(shown, text, "clean text was changed");
    }
    assert_eq!(
        for_terminal(&shown),
        shown,
        "cleaning twice changed {text:?}"
    );
    assert_eq!(one_line(&line), line, "one_line twice changed {text:?}");
}
