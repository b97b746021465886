//! One request/response pair, redacted and timed: the request log's unit.
//!
//! Everything here is redacted *before* it is stored, so an `Exchange` can be
//! shown, logged, exported or copied as curl without leaking a secret.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Bodies longer than this are cut (with a marker) before they are stored.
pub const BODY_CAP: usize = 256 * 1024;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// JSON keys whose string values are secrets.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "password",
    "api_key",
];

/// Headers whose whole value is a secret (Authorization is handled apart to keep its scheme).
const SECRET_HEADERS: &[&str] = &["cookie", "set-cookie", "proxy-authorization", "x-api-key"];

/// Headers that mean nothing in a curl command line.
const CURL_SKIP: &[&str] = &[
    "content-length",
    "host",
    "accept-encoding",
    "user-agent",
    "connection",
];

#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// Monotonic within one client.
    pub id: u64,
    pub started_at: DateTime<Utc>,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    /// None when no answer arrived (transport error before the status line).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    #[serde(rename = "duration_ms", serialize_with = "serialize_ms")]
    pub duration: Duration,
    /// Transport error text, when the exchange did not complete.
    pub error: Option<String>,
}

/// Path and query of a URL (`/api/1/users?limit=50`): what one-line messages and the
/// request log show of a request; the URL as given when it does not parse.
pub(crate) fn path_and_query(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{}", u.path(), q),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

/// The path alone (`/api/1/users`, no query): what the log's `path:` filter and a re-send's
/// rules look at; the URL as given when it does not parse.
pub fn url_path(url: &str) -> String {
    reqwest::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.path().to_string())
}

fn serialize_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

impl Exchange {
    /// Path and query of the URL (`/api/1/users?limit=50`).
    pub fn path(&self) -> String {
        path_and_query(&self.url)
    }

    /// A request header by (case-insensitive) name.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        header(&self.request_headers, name)
    }

    /// A response header by (case-insensitive) name.
    pub fn response_header(&self, name: &str) -> Option<&str> {
        header(&self.response_headers, name)
    }

    /// The request as a curl command a user can paste into a shell. Secrets
    /// appear as `$ONELOGIN_TOKEN`, `$ONELOGIN_CLIENT_ID`/`$ONELOGIN_CLIENT_SECRET`
    /// and `$ONELOGIN_API_KEY`, in double quotes so the shell expands them.
    /// One line; everything else single-quoted.
    pub fn to_curl(&self) -> String {
        let mut out = format!("curl -X {} {}", self.method, shell_quote(&self.url));
        for (name, value) in &self.request_headers {
            let lname = name.to_ascii_lowercase();
            if CURL_SKIP.contains(&lname.as_str()) {
                continue;
            }
            let name = title_case(name);
            out.push(' ');
            if lname == "authorization" {
                out.push_str(&curl_authorization(&name, value));
            } else {
                out.push_str("-H ");
                out.push_str(&shell_quote(&format!("{name}: {value}")));
            }
        }
        if let Some(body) = &self.request_body {
            out.push_str(" -d ");
            out.push_str(&shell_quote(body));
        }
        out
    }

    /// One JSON line for log files and exports.
    pub fn to_jsonl(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            // Cannot really happen (all fields are plain data); keep the line valid JSON anyway.
            serde_json::json!({"id": self.id, "serialize_error": e.to_string()}).to_string()
        })
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `content-type` → `Content-Type` (reqwest stores names lowercased).
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut cs = part.chars();
            match cs.next() {
                Some(first) => first.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `'…'` with embedded single quotes as `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Escape for inside shell double quotes.
fn dquote_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn curl_authorization(name: &str, value: &str) -> String {
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("basic") {
        return "-u \"$ONELOGIN_API_KEY:x\"".to_string();
    }
    if lower.contains("client_id") {
        return format!(
            "-H \"{}: client_id:$ONELOGIN_CLIENT_ID, client_secret:$ONELOGIN_CLIENT_SECRET\"",
            dquote_escape(name)
        );
    }
    if let Some(prefix) = value.strip_suffix(REDACTED) {
        // `bearer:[REDACTED]` → `bearer:$ONELOGIN_TOKEN`, keeping the scheme as sent.
        return format!(
            "-H \"{}: {}$ONELOGIN_TOKEN\"",
            dquote_escape(name),
            dquote_escape(prefix)
        );
    }
    format!("-H {}", shell_quote(&format!("{name}: {value}")))
}

/// Redact one header value by header name.
pub fn redact_header(name: &str, value: &str) -> String {
    let lname = name.to_ascii_lowercase();
    if lname == "authorization" {
        return redact_authorization(value);
    }
    if SECRET_HEADERS.contains(&lname.as_str()) {
        return REDACTED.to_string();
    }
    value.to_string()
}

/// Keep the scheme (so the log shows which form was sent), drop the secret.
pub fn redact_authorization(value: &str) -> String {
    let trimmed = value.trim_start();
    let lower = trimmed.to_ascii_lowercase();
    if lower.contains("client_id") || lower.contains("client_secret") {
        return format!("client_id:{REDACTED}, client_secret:{REDACTED}");
    }
    for scheme in ["bearer", "basic"] {
        if lower.starts_with(scheme) {
            // Scheme plus its separator (`:`, `: `, ` `) as sent.
            let sep_len = trimmed[scheme.len()..]
                .chars()
                .take_while(|c| *c == ':' || *c == ' ')
                .count();
            return format!("{}{REDACTED}", &trimmed[..scheme.len() + sep_len]);
        }
    }
    REDACTED.to_string()
}

/// Replace the string values of secret JSON keys with `"[REDACTED]"`.
///
/// Works on the text (not a parsed value) so it also covers truncated or
/// otherwise broken JSON, and keeps the original formatting.
pub fn redact_body(body: &str) -> String {
    let mut out = body.to_string();
    for key in SECRET_KEYS {
        out = redact_key(&out, key);
    }
    out
}

fn redact_key(body: &str, key: &str) -> String {
    let needle = format!("\"{key}\"");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find(&needle) {
        let after_key = i + needle.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        // Expect whitespace, ':', whitespace, then a value.
        let ws1 = rest.len() - rest.trim_start().len();
        let Some(after_colon) = rest[ws1..].strip_prefix(':') else {
            continue;
        };
        let ws2 = after_colon.len() - after_colon.trim_start().len();
        let value = &after_colon[ws2..];
        let head_len = ws1 + 1 + ws2;
        if let Some(s) = value.strip_prefix('"') {
            // String value: find the closing unescaped quote (or the end, if truncated).
            let mut end = s.len();
            let mut escaped = false;
            for (j, c) in s.char_indices() {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    end = j;
                    break;
                }
            }
            out.push_str(&rest[..head_len]);
            out.push('"');
            out.push_str(REDACTED);
            out.push('"');
            let consumed = head_len + 1 + (end + 1).min(s.len());
            rest = &rest[consumed.min(rest.len())..];
        } else if value.starts_with("null") {
            // Nothing secret in a null.
            continue;
        } else {
            // A bare value (number etc.): replace up to the next delimiter.
            let end = value.find([',', '}', ']', '\n']).unwrap_or(value.len());
            out.push_str(&rest[..head_len]);
            out.push('"');
            out.push_str(REDACTED);
            out.push('"');
            rest = &rest[head_len + end..];
        }
    }
    out.push_str(rest);
    out
}

/// Redact, then cap at [`BODY_CAP`] bytes with a marker.
pub fn prepare_body(body: &str) -> String {
    let redacted = redact_body(body);
    if redacted.len() <= BODY_CAP {
        return redacted;
    }
    let mut cut = BODY_CAP;
    while !redacted.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}\n…[truncated: {} bytes in total, {} shown]",
        &redacted[..cut],
        redacted.len(),
        cut
    )
}

/// Redact a URL's query parameters that carry secrets (none of ours do, but a
/// `send_raw` caller might).
pub fn redact_url(url: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(url) else {
        return url.to_string();
    };
    if u.password().is_some() {
        let _ = u.set_password(Some(REDACTED));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_KEYS.contains(&k.as_ref());
                (
                    k.into_owned(),
                    if secret {
                        REDACTED.to_string()
                    } else {
                        v.into_owned()
                    },
                )
            })
            .collect();
        if pairs.iter().any(|(k, _)| SECRET_KEYS.contains(&k.as_str())) {
            u.query_pairs_mut().clear().extend_pairs(pairs);
        } else {
            return url.to_string();
        }
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Exchange {
        Exchange {
            id: 7,
            started_at: DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            method: "PUT".into(),
            url: "https://api.us.onelogin.com/api/1/users/42/set_custom_attributes".into(),
            request_headers: vec![
                (
                    "authorization".into(),
                    redact_header("authorization", "bearer:tok123"),
                ),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: Some(r#"{"custom_attributes":{"skype":"o'brien"}}"#.into()),
            status: Some(200),
            response_headers: vec![("x-ratelimit-remaining".into(), "4999".into())],
            response_body: Some(r#"{"status":{"error":false}}"#.into()),
            duration: Duration::from_micros(12_500),
            error: None,
        }
    }

    #[test]
    fn authorization_forms_are_redacted() {
        assert_eq!(redact_authorization("bearer:abc.def"), "bearer:[REDACTED]");
        assert_eq!(redact_authorization("bearer: abc"), "bearer: [REDACTED]");
        assert_eq!(redact_authorization("Bearer abc"), "Bearer [REDACTED]");
        assert_eq!(redact_authorization("Basic eDp5"), "Basic [REDACTED]");
        assert_eq!(
            redact_authorization("client_id:myid, client_secret:s3cr3t"),
            "client_id:[REDACTED], client_secret:[REDACTED]"
        );
        assert_eq!(
            redact_authorization("client_id:myid,client_secret:s3cr3t"),
            "client_id:[REDACTED], client_secret:[REDACTED]"
        );
        assert_eq!(redact_authorization("weird-token-only"), "[REDACTED]");
        assert_eq!(redact_header("Cookie", "session=abc"), "[REDACTED]");
        assert_eq!(
            redact_header("Set-Cookie", "session=abc; Path=/"),
            "[REDACTED]"
        );
        assert_eq!(
            redact_header("Content-Type", "application/json"),
            "application/json"
        );
    }

    #[test]
    fn token_bodies_are_redacted() {
        let body = r#"{"access_token":"AT-secret-1","created_at":"2024-05-01T10:00:00.000Z","expires_in":36000,"refresh_token": "RT-secret-2","token_type":"bearer","account_id":555}"#;
        let r = redact_body(body);
        assert!(!r.contains("AT-secret-1"), "{r}");
        assert!(!r.contains("RT-secret-2"), "{r}");
        assert!(r.contains(r#""access_token":"[REDACTED]""#));
        assert!(r.contains(r#""refresh_token": "[REDACTED]""#));
        assert!(r.contains(r#""expires_in":36000"#));
        let v: serde_json::Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["account_id"], 555);

        // Wrapped form, pretty-printed, with escapes in the value.
        let wrapped = "{\"status\":{\"error\":false},\"data\":[{\n  \"access_token\" : \"a\\\"b-secret\",\n  \"refresh_token\" : null}]}";
        let r = redact_body(wrapped);
        assert!(!r.contains("b-secret"), "{r}");
        serde_json::from_str::<serde_json::Value>(&r).unwrap();

        // Revoke request and truncated bodies.
        let r = redact_body(r#"{"access_token": "revoke-me"}"#);
        assert_eq!(r, r#"{"access_token": "[REDACTED]"}"#);
        let r = redact_body(r#"{"access_token":"trunc-secr"#);
        assert!(!r.contains("trunc-secr"), "{r}");
        let r = redact_body(r#"{"access_token":12345,"x":1}"#);
        assert!(!r.contains("12345"), "{r}");
    }

    #[test]
    fn no_secret_survives_an_exchange() {
        let secrets = ["tok123", "s3cr3t", "AT-1", "myid", "eDp5"];
        let e = Exchange {
            request_headers: vec![
                (
                    "authorization".into(),
                    redact_header("authorization", "client_id:myid, client_secret:s3cr3t"),
                ),
                ("cookie".into(), redact_header("cookie", "a=tok123")),
                (
                    "x-extra".into(),
                    redact_header("authorization", "Basic eDp5"),
                ),
            ],
            request_body: Some(prepare_body(r#"{"access_token":"tok123"}"#)),
            response_body: Some(prepare_body(
                r#"{"access_token":"AT-1","refresh_token":"s3cr3t"}"#,
            )),
            url: redact_url("https://x.example/p?access_token=tok123&a=1"),
            ..sample()
        };
        for text in [e.to_jsonl(), e.to_curl(), format!("{e:?}")] {
            for s in secrets {
                assert!(!text.contains(s), "{s} leaked in {text}");
            }
        }
    }

    #[test]
    fn bodies_are_capped() {
        let big = "é".repeat(BODY_CAP);
        let p = prepare_body(&big);
        assert!(p.len() < BODY_CAP + 100);
        assert!(p.contains("…[truncated: "));
    }

    #[test]
    fn curl_rendering() {
        let e = sample();
        assert_eq!(
            e.to_curl(),
            "curl -X PUT 'https://api.us.onelogin.com/api/1/users/42/set_custom_attributes' -H \"Authorization: bearer:$ONELOGIN_TOKEN\" -H 'Content-Type: application/json' -d '{\"custom_attributes\":{\"skype\":\"o'\\''brien\"}}'"
        );
        let token = Exchange {
            method: "POST".into(),
            request_headers: vec![(
                "authorization".into(),
                redact_authorization("client_id:a, client_secret:b"),
            )],
            request_body: Some(r#"{"grant_type":"client_credentials"}"#.into()),
            ..sample()
        };
        assert!(token.to_curl().contains(
            "-H \"Authorization: client_id:$ONELOGIN_CLIENT_ID, client_secret:$ONELOGIN_CLIENT_SECRET\""
        ));
        let v3 = Exchange {
            request_headers: vec![("authorization".into(), redact_authorization("Basic abc"))],
            ..sample()
        };
        assert!(v3.to_curl().contains("-u \"$ONELOGIN_API_KEY:x\""));
    }

    #[test]
    fn jsonl_and_path() {
        let e = sample();
        let line = e.to_jsonl();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["duration_ms"], 12.5);
        assert_eq!(v["status"], 200);
        assert_eq!(v["request_headers"][1][0], "content-type");
        assert_eq!(e.path(), "/api/1/users/42/set_custom_attributes");
        assert_eq!(e.response_header("X-RateLimit-Remaining"), Some("4999"));
    }
}
