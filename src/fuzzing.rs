//! Entry points for the fuzz targets (`fuzz/`) and their corpus replay
//! (`tests/fuzz_corpus.rs`): the crate's own readers of outside text, reachable from
//! outside the crate, so that both callers run exactly what the client and the settings
//! run. Pure: no file, no socket, no environment. Not an API: for those two callers only.
//!
//! The CSV reader ([`crate::bulk::csv_in::CsvInput`]), the search grammar
//! ([`crate::api::Search`]), the v3 `<user>` reader ([`crate::api::parse_v3_user`]) and the
//! sanitizer ([`crate::sanitize`]) are public already and are called directly.

use std::path::{Path, PathBuf};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::api::{ErrorKind, V3User};
use crate::config::{AppDirs, ConfigError, Overrides, Settings};

/// Headers as an answer carries them. A pair HTTP cannot carry (a bad name, a control
/// character in the value) is left out, as the HTTP layer refuses it before the client reads.
pub fn header_map<'a>(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            map.append(name, value);
        }
    }
    map
}

/// An API /1 answer as the client reads it: its JSON, or the error it carries.
pub fn answer_v1(status: u16, headers: &HeaderMap, body: &str) -> Result<Value, ErrorKind> {
    crate::api::decode_json(status, headers, body)
}

/// An API /2 answer as the client reads it (`empty_ok`: the call may answer with no body).
pub fn answer_v2(
    status: u16,
    headers: &HeaderMap,
    body: &str,
    empty_ok: bool,
) -> Result<Value, ErrorKind> {
    crate::api::decode_v2(status, headers, body, empty_ok)
}

/// A v3 answer to an update: `Ok` for a success, else its error (an HTML error page, …).
pub fn answer_v3(status: u16, headers: &HeaderMap, body: &str) -> Result<(), ErrorKind> {
    crate::api::v3_answer(status, headers, body)
}

/// A v3 answer to a read: the `<user>`, or why there is none.
pub fn answer_v3_user(status: u16, headers: &HeaderMap, body: &str) -> Result<V3User, ErrorKind> {
    crate::api::v3_user_answer(status, headers, body)
}

/// The settings a config file's text gives, over the built-in defaults, with an empty
/// environment and no flags (the file's mode is not read: there is no file).
pub fn settings_from_text(text: &str) -> Result<Settings, ConfigError> {
    let root = PathBuf::from("/nonexistent/onelogin-tui-fuzz");
    let dirs = AppDirs {
        config: Some(root.join("config")),
        state: root.join("state"),
        cache: root.join("cache"),
    };
    Settings::from_file_text(
        &Overrides::default(),
        &|_| None,
        dirs,
        Some((Path::new("config.toml"), text)),
    )
}
