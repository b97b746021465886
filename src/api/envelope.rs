//! The /1 status envelope and every other failure (the v3 error page is read
//! beside the v3 client, in `legacy_v3/error_page.rs`), folded into one [`ApiError`] that says which request failed, why, and
//! what the user can do next.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

/// How many characters of an unexpected body an error quotes.
const BODY_START_CHARS: usize = 200;

/// The `message` of a /1 status envelope: plain text, or an
/// `{"attribute", "description"}` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeMessage {
    Text(String),
    Attribute {
        attribute: String,
        description: String,
    },
}

impl fmt::Display for EnvelopeMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeMessage::Text(t) => f.write_str(t),
            EnvelopeMessage::Attribute {
                attribute,
                description,
            } => write!(f, "{attribute}: {description}"),
        }
    }
}

/// What went wrong, in the form the server (or the network) reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// A /1 status envelope with `"error": true` (or a non-2xx status).
    Envelope {
        http_status: u16,
        code: i64,
        error_type: String,
        message: EnvelopeMessage,
    },
    /// A v3 `<error><title/><message/></error>`, usually inside an HTML page.
    V3 {
        http_status: u16,
        title: String,
        message: String,
    },
    /// HTTP 429: the hourly budget is spent.
    RateLimited {
        http_status: u16,
        reset: Option<Duration>,
        body_start: String,
    },
    /// A body that is not what the API documents: a proxy's HTML, empty, truncated, not JSON.
    UnexpectedBody {
        http_status: u16,
        content_type: Option<String>,
        body_start: String,
    },
    /// No (complete) HTTP answer: DNS, connect, TLS, timeout, dropped connection.
    Transport {
        message: String,
        timeout: bool,
        connect: bool,
    },
    /// Valid JSON, but not the shape the endpoint documents.
    Decode { http_status: u16, message: String },
    /// The client was set up (or asked) wrongly; nothing was sent.
    Config(String),
}

/// A failed API call: what went wrong and which request it answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ApiError {
    pub kind: ErrorKind,
    /// HTTP method of the request, empty when no request was made.
    pub method: String,
    /// Full URL of the request, empty when no request was made.
    pub url: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, method: impl Into<String>, url: impl Into<String>) -> Self {
        ApiError {
            kind,
            method: method.into(),
            url: url.into(),
        }
    }

    /// A configuration error not tied to any request.
    pub fn config(message: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Config(message.into()), "", "")
    }

    /// The HTTP status of the answer, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Envelope { http_status, .. }
            | ErrorKind::V3 { http_status, .. }
            | ErrorKind::RateLimited { http_status, .. }
            | ErrorKind::UnexpectedBody { http_status, .. }
            | ErrorKind::Decode { http_status, .. } => Some(*http_status),
            ErrorKind::Transport { .. } | ErrorKind::Config(_) => None,
        }
    }

    /// The server's own words: the envelope message (`attribute: description`
    /// for object messages) or the v3 error message.
    pub fn envelope_message(&self) -> Option<String> {
        match &self.kind {
            ErrorKind::Envelope { message, .. } => Some(message.to_string()),
            ErrorKind::V3 { title, message, .. } => Some(format!("{title}: {message}")),
            _ => None,
        }
    }

    /// Worth trying again later: server errors, rate limiting, network trouble.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Transport { .. } | ErrorKind::RateLimited { .. } => true,
            ErrorKind::Config(_) => false,
            _ => self.http_status().is_some_and(|s| s >= 500 || s == 429),
        }
    }

    /// A 401 "Authentication Failure": the token (or the client credentials)
    /// were refused. A fresh token may help; "Insufficient Permission" is not this.
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            &self.kind,
            ErrorKind::Envelope { http_status: 401, message: EnvelopeMessage::Text(t), .. }
                if t.trim().eq_ignore_ascii_case("Authentication Failure")
        )
    }

    /// A 401 "Insufficient Permission": the credential's scope is too low.
    pub fn is_insufficient_permission(&self) -> bool {
        matches!(
            &self.kind,
            ErrorKind::Envelope { http_status: 401, message: EnvelopeMessage::Text(t), .. }
                if t.trim().eq_ignore_ascii_case("Insufficient Permission")
        )
    }

    /// How long to wait before trying again, when the server said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.kind {
            ErrorKind::RateLimited { reset, .. } => *reset,
            _ => None,
        }
    }

    /// The path (and query) of the failed request, for one-line messages.
    pub fn path(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(u) => match u.query() {
                Some(q) => format!("{}?{}", u.path(), q),
                None => u.path().to_string(),
            },
            Err(_) => self.url.clone(),
        }
    }

    /// What the user should do next (the table in `hints.rs`).
    pub fn hint(&self) -> &'static str {
        super::hints::hint(&self.kind)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.method.is_empty() {
            write!(f, "{} {} → ", self.method, self.path())?;
        }
        match &self.kind {
            ErrorKind::Envelope {
                http_status,
                code,
                error_type,
                message,
            } => {
                write!(f, "{http_status}")?;
                if !error_type.is_empty() {
                    write!(f, " {}", one_line(error_type))?;
                }
                if *code != i64::from(*http_status) {
                    write!(f, " (code {code})")?;
                }
                write!(f, ": {}", one_line(&message.to_string()))?;
            }
            ErrorKind::V3 {
                http_status,
                title,
                message,
            } => write!(
                f,
                "{http_status} {}: {}",
                one_line(title),
                one_line(message)
            )?,
            ErrorKind::RateLimited {
                http_status, reset, ..
            } => {
                write!(f, "{http_status} rate limited")?;
                if let Some(r) = reset {
                    write!(f, " (resets in {}s)", r.as_secs())?;
                }
            }
            ErrorKind::UnexpectedBody {
                http_status,
                content_type,
                body_start,
            } => {
                let ct = content_type.as_deref().unwrap_or("no content type");
                if body_start.is_empty() {
                    write!(f, "{http_status} with an empty body ({ct})")?;
                } else {
                    write!(f, "{http_status} unexpected {ct} body: \"{body_start}\"")?;
                }
            }
            ErrorKind::Transport {
                message,
                timeout,
                connect,
            } => {
                let what = if *timeout {
                    "timed out"
                } else if *connect {
                    "connection failed"
                } else {
                    "network error"
                };
                write!(f, "{what}: {}", one_line(message))?;
            }
            ErrorKind::Decode {
                http_status,
                message,
            } => write!(f, "{http_status} unexpected answer: {}", one_line(message))?,
            ErrorKind::Config(m) => write!(f, "configuration: {}", one_line(m))?,
        }
        write!(f, " — {}", self.hint())
    }
}

use crate::sanitize::one_line;

/// The first ~200 characters of a body, on one line, cleaned by the one sanitizer.
pub(crate) fn body_start(body: &str) -> String {
    let mut chars = body.chars();
    let start: String = chars.by_ref().take(BODY_START_CHARS).collect();
    let mut out = one_line(&start);
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Seconds from `Retry-After` or `X-RateLimit-Reset`, if either parses.
pub(crate) fn reset_from_headers(headers: &HeaderMap) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"]
        .iter()
        .find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        })
}

/// An integer that may arrive as a number or a numeric string.
pub(crate) fn lenient_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Read an envelope-ish error object: `{"status": {...}}`, or the bare forms
/// other OneLogin endpoints use (`{"statusCode","name","message"}`,
/// `{"error","error_description"}`).
fn envelope_error(http_status: u16, v: &Value) -> Option<ErrorKind> {
    let obj = v.as_object()?;
    let (src, code_key, type_key) = match obj.get("status") {
        Some(Value::Object(s)) => (s, "code", "type"),
        _ => (obj, "statusCode", "name"),
    };
    let code = src
        .get(code_key)
        .or_else(|| src.get("code"))
        .and_then(lenient_int)
        .unwrap_or(i64::from(http_status));
    let error_type = src
        .get(type_key)
        .or_else(|| src.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = match src.get("message") {
        Some(Value::String(s)) => EnvelopeMessage::Text(s.clone()),
        Some(Value::Object(m)) => {
            let text = |k: &str| match m.get(k) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            EnvelopeMessage::Attribute {
                attribute: text("attribute"),
                description: text("description"),
            }
        }
        Some(Value::Null) | None => {
            // OAuth-style `{"error":"invalid_client","error_description":"…"}`.
            match (src.get("error_description"), src.get("error")) {
                (Some(Value::String(d)), _) => EnvelopeMessage::Text(d.clone()),
                (_, Some(Value::String(e))) => EnvelopeMessage::Text(e.clone()),
                _ => return None,
            }
        }
        Some(other) => EnvelopeMessage::Text(other.to_string()),
    };
    Some(ErrorKind::Envelope {
        http_status,
        code,
        error_type,
        message,
    })
}

/// Whether a `status` object says error: `"error": true`, or failing that a
/// non-success type or an error code.
fn status_says_error(status: &serde_json::Map<String, Value>) -> bool {
    match status.get("error") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        _ => {
            let bad_type = status
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| !t.eq_ignore_ascii_case("success"));
            let bad_code = status
                .get("code")
                .and_then(lenient_int)
                .is_some_and(|c| c >= 400);
            bad_type || bad_code
        }
    }
}

/// Turn a /1 answer into its JSON value or the error it carries.
///
/// - 429 → `RateLimited` whatever the body.
/// - body not JSON (HTML, empty, truncated) → `UnexpectedBody`.
/// - a `status` object saying error, or any non-2xx → `Envelope` (or
///   `UnexpectedBody` if no error can be read from it).
/// - otherwise the whole JSON value (bare answers like the v2 token pass through).
pub(crate) fn decode_json(
    http_status: u16,
    headers: &HeaderMap,
    body: &str,
) -> Result<Value, ErrorKind> {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if http_status == 429 {
        return Err(ErrorKind::RateLimited {
            http_status,
            reset: reset_from_headers(headers),
            body_start: body_start(body),
        });
    }
    let unexpected = || ErrorKind::UnexpectedBody {
        http_status,
        content_type: content_type.clone(),
        body_start: body_start(body),
    };
    let value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return Err(unexpected()),
    };
    let ok_status = (200..300).contains(&http_status);
    let wrapped_error = match value.get("status") {
        Some(Value::Object(s)) => status_says_error(s),
        _ => false,
    };
    if ok_status && !wrapped_error {
        return Ok(value);
    }
    match envelope_error(http_status, &value) {
        Some(kind) => Err(kind),
        None => Err(unexpected()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{CONTENT_TYPE, HeaderValue};

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        h
    }

    fn err(status: u16, body: &str) -> ErrorKind {
        decode_json(status, &json_headers(), body).unwrap_err()
    }

    fn api(kind: ErrorKind) -> ApiError {
        ApiError::new(
            kind,
            "PUT",
            "https://api.us.onelogin.com/api/1/users/42/set_custom_attributes",
        )
    }

    #[test]
    fn success_envelope_is_ok_in_any_key_order() {
        let v = decode_json(
            200,
            &json_headers(),
            r#"{"status":{"type":"success","message":"Success","error":false,"code":200}}"#,
        )
        .unwrap();
        assert_eq!(v["status"]["code"], 200);
    }

    #[test]
    fn seed_000_invalid_attribute_error() {
        let body = r#"{
    "status": {
        "code": 400,
        "error": true,
        "message": "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ]",
        "type": "bad request"
    }
}"#;
        let e = api(err(400, body));
        assert_eq!(
            e.to_string(),
            "PUT /api/1/users/42/set_custom_attributes → 400 bad request: input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ] — a custom attribute field does not exist on this tenant: refresh the field list"
        );
        assert_eq!(e.http_status(), Some(400));
        assert!(!e.is_retryable());
    }

    #[test]
    fn seed_000_every_documented_error() {
        let cases = [
            (400, "custom_attributes is empty", "set at least one"),
            (400, "Input JSON is not valid", "could not read"),
            (
                400,
                "Authorization Information is incorrect",
                "Authorization header is missing or malformed",
            ),
            (401, "Insufficient Permission", "writes need Manage users"),
            (
                401,
                "Authentication Failure",
                "credentials or token were refused",
            ),
            (
                403,
                "user is not authorized to access this User",
                "may not act on this user",
            ),
            (
                404,
                "User for id 88888888 was not found",
                "refresh the list",
            ),
        ];
        for (status, msg, hint) in cases {
            let ty = match status {
                400 => "bad request",
                401 => "Unauthorized",
                403 => "forbidden",
                _ => "not found",
            };
            let body = format!(
                r#"{{"status":{{"error":true,"code":{status},"type":"{ty}","message":"{msg}"}}}}"#
            );
            let e = api(err(status, &body));
            assert_eq!(e.envelope_message().as_deref(), Some(msg));
            assert!(e.hint().contains(hint), "{msg}: {}", e.hint());
            let shown = e.to_string();
            assert!(shown.contains(&format!("{status} {ty}: {msg}")), "{shown}");
            assert!(!shown.contains('\n'));
        }
    }

    #[test]
    fn auth_failure_vs_insufficient_permission() {
        let fail = api(err(
            401,
            r#"{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}"#,
        ));
        assert!(fail.is_auth_failure());
        assert!(!fail.is_insufficient_permission());
        let perm = api(err(
            401,
            r#"{"status":{"message":"Insufficient Permission","type":"Unauthorized","code":401,"error":true}}"#,
        ));
        assert!(!perm.is_auth_failure());
        assert!(perm.is_insufficient_permission());
    }

    #[test]
    fn attribute_message_object() {
        let e = api(err(
            400,
            r#"{"status":{"error":true,"code":400,"type":"bad request","message":{"attribute":"id","description":"ID is incorrect"}}}"#,
        ));
        assert_eq!(e.envelope_message().as_deref(), Some("id: ID is incorrect"));
        assert_eq!(e.hint(), "the user id must be an integer");
        match &e.kind {
            ErrorKind::Envelope { message, .. } => assert_eq!(
                message,
                &EnvelopeMessage::Attribute {
                    attribute: "id".into(),
                    description: "ID is incorrect".into()
                }
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_code_and_type_are_tolerated() {
        match err(
            404,
            r#"{"status":{"error":true,"message":"No Route Exists"}}"#,
        ) {
            ErrorKind::Envelope {
                http_status,
                code,
                error_type,
                message,
            } => {
                assert_eq!((http_status, code), (404, 404));
                assert_eq!(error_type, "");
                assert_eq!(message, EnvelopeMessage::Text("No Route Exists".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_2xx_error_envelope_is_still_an_error() {
        let k = err(
            200,
            r#"{"status":{"error":true,"code":400,"type":"bad request","message":"role_id_array is empty"}}"#,
        );
        assert!(matches!(
            k,
            ErrorKind::Envelope {
                http_status: 200,
                code: 400,
                ..
            }
        ));
        let e = api(k);
        assert!(
            e.to_string()
                .contains("200 bad request (code 400): role_id_array is empty")
        );
    }

    #[test]
    fn non_json_bodies_become_unexpected_body() {
        let html = "<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>";
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let k = decode_json(502, &h, html).unwrap_err();
        match &k {
            ErrorKind::UnexpectedBody {
                http_status,
                content_type,
                body_start,
            } => {
                assert_eq!(*http_status, 502);
                assert_eq!(content_type.as_deref(), Some("text/html"));
                assert!(body_start.starts_with("<html><head><title>502"));
                assert!(!body_start.contains('\n'));
            }
            other => panic!("{other:?}"),
        }
        let e = api(k);
        assert!(e.is_retryable());
        assert!(e.to_string().contains("502 unexpected text/html body"));

        // Empty and truncated 200s.
        assert!(matches!(
            err(200, ""),
            ErrorKind::UnexpectedBody {
                http_status: 200,
                ..
            }
        ));
        assert!(matches!(
            err(
                200,
                r#"{"status":{"error":false,"code":200},"data":[{"id":1"#
            ),
            ErrorKind::UnexpectedBody { .. }
        ));
        let e = api(err(200, ""));
        assert!(e.to_string().contains("200 with an empty body"), "{e}");
    }

    /// Whatever the server says, what the user is shown carries no control or bidi mark.
    #[test]
    fn hostile_server_words_reach_the_screen_as_plain_text() {
        let hostile = "Bad \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{202E}nimda\u{2066}\u{9b}0m\nend";
        let clean = |shown: &str| {
            !shown.chars().any(|c| {
                c.is_control()
                    || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
            })
        };
        let body = serde_json::json!({"status": {"error": true, "code": 400,
            "type": hostile, "message": {"attribute": hostile, "description": hostile}}})
        .to_string();
        let mut html = HeaderMap::new();
        html.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        for kind in [
            err(400, &body),
            err(
                400,
                &serde_json::json!({"status": {"error": true, "message": hostile}}).to_string(),
            ),
            decode_json(502, &html, hostile).unwrap_err(),
            ErrorKind::Transport {
                message: hostile.into(),
                timeout: false,
                connect: false,
            },
            ErrorKind::Decode {
                http_status: 200,
                message: hostile.into(),
            },
            ErrorKind::Config(hostile.into()),
        ] {
            let shown = api(kind).to_string();
            assert!(clean(&shown), "{shown:?}");
            assert!(
                shown.contains("␛]52;c;ZXZpbA==␇") && shown.contains("<U+202E>"),
                "{shown}"
            );
        }
    }

    #[test]
    fn body_start_is_capped_and_clean() {
        let long = format!("\u{1b}[31m{}", "x".repeat(500));
        let s = body_start(&long);
        assert!(!s.contains('\u{1b}'));
        assert!(s.chars().count() <= 201);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn rate_limited_html_429() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        let k = decode_json(429, &h, "<html><body>Too Many Requests</body></html>").unwrap_err();
        let e = api(k);
        assert!(matches!(e.kind, ErrorKind::RateLimited { reset: None, .. }));
        assert!(e.is_retryable());
        assert_eq!(
            e.hint(),
            "the hourly API budget is spent: wait for the reset"
        );
        h.insert("Retry-After", HeaderValue::from_static("120"));
        let e = api(decode_json(429, &h, "").unwrap_err());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert!(e.to_string().contains("429 rate limited (resets in 120s)"));
    }

    #[test]
    fn bare_json_passes_and_other_error_shapes_are_read() {
        let v = decode_json(
            200,
            &json_headers(),
            r#"{"access_token":"x","expires_in":36000}"#,
        )
        .unwrap();
        assert_eq!(v["expires_in"], 36000);
        match err(
            401,
            r#"{"statusCode":401,"name":"Unauthorized","message":"Authentication Failure"}"#,
        ) {
            ErrorKind::Envelope {
                code, error_type, ..
            } => assert_eq!((code, error_type.as_str()), (401, "Unauthorized")),
            other => panic!("{other:?}"),
        }
        match err(
            400,
            r#"{"error":"invalid_client","error_description":"bad secret"}"#,
        ) {
            ErrorKind::Envelope { message, .. } => {
                assert_eq!(message, EnvelopeMessage::Text("bad secret".into()))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            err(500, r#"[1,2]"#),
            ErrorKind::UnexpectedBody { .. }
        ));
    }

    #[test]
    fn transport_and_config_display() {
        let e = ApiError::new(
            ErrorKind::Transport {
                message: "operation timed out".into(),
                timeout: true,
                connect: false,
            },
            "GET",
            "https://api.us.onelogin.com/api/1/users?limit=50",
        );
        assert_eq!(e.http_status(), None);
        assert!(e.is_retryable());
        assert_eq!(
            e.to_string(),
            "GET /api/1/users?limit=50 → timed out: operation timed out — the server did not answer in time: check the network / VPN and retry"
        );
        let c = ApiError::config("no v3 API key");
        assert!(c.to_string().starts_with("configuration: no v3 API key — "));
        assert!(!c.is_retryable());
    }
}
