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
    // A yes that did not arrive whole is tried again (the fault matrix's truncated and
    // non-JSON bodies); another status's page is an answer.
    assert!(e.is_retryable());
    assert!(api(err(200, r#"{"status":{"error":false,"#)).is_retryable());
    assert!(api(err(200, "<!DOCTYPE html><html>Just a moment...</html>")).is_retryable());
    assert!(!api(err(404, "<html>Not Found</html>")).is_retryable());
    // A JSON answer of any status that stops short is retried: a 401 cut short may be the
    // token's expiry (the fault matrix met one while every kind was on); an empty 4xx or a
    // whole page is an answer.
    let mut json = HeaderMap::new();
    json.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let cut = decode_json(
        401,
        &json,
        r#"{"status":{"error":true,"code":401,"type":"Una"#,
    );
    assert!(api(cut.unwrap_err()).is_retryable());
    assert!(!api(decode_json(404, &json, "").unwrap_err()).is_retryable());
    assert!(!api(decode_json(403, &json, "<html>Forbidden</html>").unwrap_err()).is_retryable());
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

/// Found by fuzzing (fuzz/corpus/api_answer/hostile_content_type_tab): a header value may
/// hold a tab, and the content type was quoted as the server sent it.
#[test]
fn a_content_type_with_a_tab_is_shown_on_one_line() {
    let mut h = HeaderMap::new();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html;\tcharset=x"),
    );
    let shown = api(decode_json(502, &h, "<p>down</p>").unwrap_err()).to_string();
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(
        shown.contains("502 unexpected text/html; charset=x body"),
        "{shown}"
    );
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
