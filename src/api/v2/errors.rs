//! API /2 answers: bare JSON (no status wrapper), and the errors /2 speaks,
//! `{"message", "name", "statusCode"}` with, for some 422s, a list of field problems.
//! A body that is not JSON becomes the same `UnexpectedBody` as on /1, a 429 the same
//! `RateLimited`.

use std::fmt;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::super::envelope::{ErrorKind, envelope_error, rate_limited, unexpected_body};

/// One problem a /2 error names: a field and what is wrong with it, or just the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Keys under which a /2 error may list its field problems.
const PROBLEM_KEYS: &[&str] = &["errors", "problems", "details", "fields"];
/// Keys that name the field of one problem object, first found wins.
const FIELD_KEYS: &[&str] = &["field", "attribute", "name", "path", "param"];
/// Keys that word one problem object, first found wins.
const MESSAGE_KEYS: &[&str] = &["message", "description", "error", "msg"];

/// The message and its field problems as one line of words.
pub(crate) fn words(message: &str, problems: &[FieldProblem]) -> String {
    let listed = problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    match (message.trim().is_empty(), listed.is_empty()) {
        (_, true) => message.to_string(),
        (true, false) => listed,
        (false, false) => format!("{message} ({listed})"),
    }
}

/// Whether a /2 401/403 blames the credential's permissions (a fresh token will not help).
pub(crate) fn blames_permission(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("permission") || m.contains("scope")
}

/// Whether a 404's words say the route itself is not served ("No Route Exists", in /2 or
/// /1 words), as a tenant answers for a path it does not serve. A 404 about a missing
/// user or device ("User for id 7 was not found", "The resource with the given id could
/// not be found") does not.
pub(crate) fn says_no_route(message: &str) -> bool {
    message.to_lowercase().contains("no route")
}

/// Turn a /2 answer into its JSON value or the error it carries.
///
/// - 429 → `RateLimited` whatever the body.
/// - 204, or an empty 2xx body where the call expects none (`empty_ok`) → `Null`.
/// - a body that is not JSON (HTML, empty, truncated) → `UnexpectedBody`.
/// - a 2xx → the bare JSON value.
/// - otherwise the /2 error (`V2`); a /1 envelope or an OAuth error met on a /2 route
///   reads as on /1; anything else is `UnexpectedBody`.
pub(crate) fn decode_v2(
    http_status: u16,
    headers: &HeaderMap,
    body: &str,
    empty_ok: bool,
) -> Result<Value, ErrorKind> {
    if http_status == 429 {
        return Err(rate_limited(http_status, headers, body));
    }
    let ok_status = (200..300).contains(&http_status);
    if ok_status && (http_status == 204 || (empty_ok && body.trim().is_empty())) {
        return Ok(Value::Null);
    }
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Err(unexpected_body(http_status, headers, body));
    };
    if ok_status {
        return Ok(value);
    }
    match v2_error(http_status, &value).or_else(|| envelope_error(http_status, &value)) {
        Some(kind) => Err(kind),
        None => Err(unexpected_body(http_status, headers, body)),
    }
}

/// `{"message","name","statusCode"}` and the problems it lists; None for other shapes.
fn v2_error(http_status: u16, v: &Value) -> Option<ErrorKind> {
    let obj = v.as_object()?;
    if matches!(obj.get("status"), Some(Value::Object(_))) {
        return None; // a /1 envelope
    }
    if !["message", "name", "statusCode"]
        .iter()
        .any(|k| obj.contains_key(*k))
    {
        return None;
    }
    let mut problems = Vec::new();
    let message = match obj.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        // `"message": ["email is taken", …]` or an object of problems.
        Some(other @ (Value::Array(_) | Value::Object(_))) => {
            problems.extend(problems_in(other));
            String::new()
        }
        Some(other) => other.to_string(),
    };
    for key in PROBLEM_KEYS {
        if let Some(list) = obj.get(*key) {
            problems.extend(problems_in(list));
        }
    }
    // `name` is /2's; `error` ("Unprocessable Entity") is a common stand-in.
    let name = ["name", "error"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let message = if message.is_empty() && problems.is_empty() {
        name.clone()
    } else {
        message
    };
    Some(ErrorKind::V2 {
        http_status,
        name,
        message,
        problems,
    })
}

/// A list of strings or of `{field, message}` objects, or an object of
/// field → message(s).
fn problems_in(v: &Value) -> Vec<FieldProblem> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| match item {
                Value::Object(o) => {
                    let first = |keys: &[&str]| {
                        keys.iter()
                            .find_map(|k| o.get(*k).and_then(Value::as_str))
                            .map(str::to_string)
                    };
                    FieldProblem {
                        field: first(FIELD_KEYS),
                        message: first(MESSAGE_KEYS).unwrap_or_else(|| item.to_string()),
                    }
                }
                other => FieldProblem {
                    field: None,
                    message: text(other),
                },
            })
            .collect(),
        Value::Object(map) => map
            .iter()
            .flat_map(|(field, messages)| {
                let list = match messages {
                    Value::Array(items) => items.iter().map(text).collect(),
                    other => vec![text(other)],
                };
                list.into_iter().map(|message| FieldProblem {
                    field: Some(field.clone()),
                    message,
                })
            })
            .collect(),
        Value::String(s) if !s.trim().is_empty() => vec![FieldProblem {
            field: None,
            message: s.clone(),
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::envelope::{ApiError, EnvelopeMessage};
    use super::*;
    use reqwest::header::{CONTENT_TYPE, HeaderValue};

    fn headers(ct: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        h
    }

    fn err(status: u16, body: &str) -> ApiError {
        let kind = decode_v2(status, &headers("application/json"), body, false).unwrap_err();
        ApiError::new(kind, "PUT", "https://api.us.onelogin.com/api/2/users/42")
    }

    fn problem(field: Option<&str>, message: &str) -> FieldProblem {
        FieldProblem {
            field: field.map(str::to_string),
            message: message.to_string(),
        }
    }

    #[test]
    fn bare_answers_pass_through() {
        let h = headers("application/json");
        assert_eq!(
            decode_v2(200, &h, r#"[{"id":1}]"#, false).unwrap()[0]["id"],
            1
        );
        assert_eq!(decode_v2(204, &h, "", false).unwrap(), Value::Null);
        assert_eq!(decode_v2(200, &h, " ", true).unwrap(), Value::Null);
        // An empty 200 where a body is expected is not JSON.
        assert!(matches!(
            decode_v2(200, &h, "", false),
            Err(ErrorKind::UnexpectedBody {
                http_status: 200,
                ..
            })
        ));
    }

    #[test]
    fn the_documented_error_shape() {
        let e = err(
            400,
            r#"{"message":"query parameter(s) not allowed: shoe_size","name":"BadRequestError","statusCode":400}"#,
        );
        assert_eq!(
            e.kind,
            ErrorKind::V2 {
                http_status: 400,
                name: "BadRequestError".into(),
                message: "query parameter(s) not allowed: shoe_size".into(),
                problems: Vec::new(),
            }
        );
        assert_eq!(
            e.envelope_message().as_deref(),
            Some("query parameter(s) not allowed: shoe_size")
        );
        assert!(
            e.to_string()
                .starts_with("PUT /api/2/users/42 → 400 BadRequestError: query parameter(s) not allowed: shoe_size — "),
            "{e}"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn a_422_with_field_problems_in_any_of_the_plausible_forms() {
        let objects = err(
            422,
            r#"{"statusCode":422,"name":"UnprocessableEntityError","message":"Validation failed","errors":[{"field":"email","message":"has already been taken"},{"attribute":"username","description":"is invalid"}]}"#,
        );
        assert_eq!(
            objects.field_problems(),
            [
                problem(Some("email"), "has already been taken"),
                problem(Some("username"), "is invalid")
            ]
        );
        assert_eq!(
            objects.envelope_message().as_deref(),
            Some("Validation failed (email: has already been taken; username: is invalid)")
        );
        let strings = err(
            422,
            r#"{"statusCode":422,"name":"UnprocessableEntityError","message":["email has already been taken","username is invalid"]}"#,
        );
        assert_eq!(
            strings.field_problems(),
            [
                problem(None, "email has already been taken"),
                problem(None, "username is invalid")
            ]
        );
        assert!(
            strings.to_string().contains(
                "422 UnprocessableEntityError: email has already been taken; username is invalid — "
            ),
            "{strings}"
        );
        let map = err(
            422,
            r#"{"statusCode":422,"message":"Validation failed","errors":{"email":["is taken","is odd"]}}"#,
        );
        assert_eq!(
            map.field_problems(),
            [
                problem(Some("email"), "is taken"),
                problem(Some("email"), "is odd")
            ]
        );
    }

    #[test]
    fn a_401_is_an_auth_failure_unless_it_blames_permissions() {
        let expired = err(
            401,
            r#"{"statusCode":401,"name":"UnauthorizedError","message":"Authentication Failure"}"#,
        );
        assert!(expired.is_auth_failure());
        assert!(!expired.is_insufficient_permission());
        let scope = err(
            401,
            r#"{"statusCode":401,"name":"UnauthorizedError","message":"Insufficient Permission"}"#,
        );
        assert!(!scope.is_auth_failure());
        assert!(scope.is_insufficient_permission());
        let forbidden = err(
            403,
            r#"{"statusCode":403,"name":"ForbiddenError","message":"Forbidden"}"#,
        );
        assert!(!forbidden.is_auth_failure());
    }

    #[test]
    fn other_shapes_on_a_v2_route() {
        // A /1 envelope (e.g. from the auth layer) reads as on /1.
        let e = err(
            401,
            r#"{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}"#,
        );
        assert!(matches!(
            &e.kind,
            ErrorKind::Envelope { message: EnvelopeMessage::Text(t), .. } if t == "Authentication Failure"
        ));
        assert!(e.is_auth_failure());
        // A proxy's page, an empty error, a truncated body: UnexpectedBody, quoted.
        let html = decode_v2(
            502,
            &headers("text/html"),
            "<html><body>Bad Gateway</body></html>",
            false,
        )
        .unwrap_err();
        assert!(matches!(
            &html,
            ErrorKind::UnexpectedBody { http_status: 502, content_type: Some(ct), body_start }
                if ct == "text/html" && body_start.contains("Bad Gateway")
        ));
        for body in ["", r#"{"message":"Validation fa"#] {
            assert!(matches!(
                decode_v2(422, &headers("application/json"), body, false),
                Err(ErrorKind::UnexpectedBody {
                    http_status: 422,
                    ..
                })
            ));
        }
        // JSON that says nothing readable.
        assert!(matches!(
            decode_v2(400, &headers("application/json"), "[1,2]", false),
            Err(ErrorKind::UnexpectedBody { .. })
        ));
        // A 429, HTML or not.
        assert!(matches!(
            decode_v2(429, &headers("text/html"), "<html>slow down</html>", false),
            Err(ErrorKind::RateLimited {
                http_status: 429,
                ..
            })
        ));
    }
}
