//! Lock, log out, set state and delete over loopback, against canned /1 answers: the
//! wire format, the refusal of a state that does not exist, every documented error
//! shape with its hint, empty successes, token renewal, and the request log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::super::loopback::{
    Seen, V1_SUCCESS, assert_log_redacted, calls, drain, setup, to, v1, v1_error,
};
use super::super::{EnvelopeMessage, ErrorKind};
use super::*;

fn lifecycle(seen: &Seen, _: usize) -> Response {
    if seen.authorization == "bearer:tok-1" && seen.path.starts_with("/api/1/users/20/") {
        return v1_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Authentication Failure",
        );
    }
    if !seen.authorization.starts_with("bearer:tok-") {
        return v1_error(
            StatusCode::BAD_REQUEST,
            "bad request",
            "Authorization Information is incorrect",
        );
    }
    let bad = |message: &str| v1_error(StatusCode::BAD_REQUEST, "bad request", message);
    match (seen.method.as_str(), seen.path.as_str()) {
        ("PUT", "/api/1/users/9/lock_user") => bad("locked_until should be -> integer"),
        ("PUT", "/api/1/users/10/set_state") => bad("state is invalid"),
        ("PUT", "/api/1/users/11/lock_user") => v1_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Insufficient Permission",
        ),
        ("DELETE", "/api/1/users/1") => bad("The account owner cannot be deleted"),
        ("DELETE", "/api/1/users/8") => StatusCode::NO_CONTENT.into_response(),
        ("DELETE", "/api/1/users/13") => (StatusCode::BAD_GATEWAY, "").into_response(),
        (_, path) if path.starts_with("/api/1/users/404") => v1_error(
            StatusCode::NOT_FOUND,
            "not found",
            "User for id 404 was not found",
        ),
        (
            "PUT",
            "/api/1/users/7/lock_user"
            | "/api/1/users/7/logout"
            | "/api/1/users/7/set_state"
            | "/api/1/users/20/logout",
        )
        | ("DELETE", "/api/1/users/7") => v1(StatusCode::OK, V1_SUCCESS),
        _ => v1_error(StatusCode::NOT_FOUND, "not found", "No Route Exists"),
    }
}

#[tokio::test]
async fn each_call_sends_the_documented_request() {
    let (c, log) = setup(lifecycle).await;
    c.lock_user(7, 15).await.unwrap();
    c.lock_user(7, 0).await.unwrap();
    c.logout_user(7).await.unwrap();
    c.set_user_state(7, 3).await.unwrap();
    c.set_user_state(7, 0).await.unwrap();
    c.delete_user(7).await.unwrap();
    assert_eq!(
        calls(&log),
        [
            r#"PUT /api/1/users/7/lock_user {"locked_until":15}"#,
            r#"PUT /api/1/users/7/lock_user {"locked_until":0}"#,
            "PUT /api/1/users/7/logout {}",
            r#"PUT /api/1/users/7/set_state {"state":3}"#,
            r#"PUT /api/1/users/7/set_state {"state":0}"#,
            "DELETE /api/1/users/7",
        ]
    );
    let seen: Vec<Seen> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/api/"))
        .cloned()
        .collect();
    for s in &seen {
        // The documented /1 form, never /2's `bearer <t>`.
        assert_eq!(s.authorization, "bearer:tok-1", "{s:?}");
        let json = if s.method == "PUT" {
            "application/json"
        } else {
            ""
        };
        assert_eq!(s.content_type, json, "{s:?}");
    }
    assert_eq!(
        to(&log, "/auth/oauth2/v2/token").len(),
        1,
        "one token for all"
    );
    // The budget the answers reported.
    assert_eq!(c.rate_limit().map(|r| r.remaining), Some(4300));
}

#[tokio::test]
async fn a_state_outside_0_to_3_is_refused_before_anything_is_sent() {
    let (c, log) = setup(lifecycle).await;
    for state in [-1, 4, 7, i64::MAX] {
        let e = c.set_user_state(7, state).await.unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Config(_)), "{e:?}");
        assert!(
            e.to_string()
                .contains("0 Unapproved, 1 Approved, 2 Rejected, 3 Unlicensed"),
            "{e}"
        );
    }
    assert!(log.lock().unwrap().is_empty(), "not even a token call");
    assert_eq!(USER_STATES, 0..=3);
}

#[tokio::test]
async fn documented_errors_are_typed_and_say_what_to_do() {
    let (c, log) = setup(lifecycle).await;

    let e = c.lock_user(9, 1).await.unwrap_err();
    assert_eq!(e.http_status(), Some(400));
    assert!(matches!(
        &e.kind,
        ErrorKind::Envelope { message: EnvelopeMessage::Text(t), .. } if t == "locked_until should be -> integer"
    ));
    assert!(e.hint().contains("whole number of minutes"), "{e}");
    assert!(
        e.to_string()
            .starts_with("PUT /api/1/users/9/lock_user → 400 bad request: locked_until"),
        "{e}"
    );

    let e = c.set_user_state(10, 1).await.unwrap_err();
    assert!(
        e.hint()
            .contains("not allowed from the user's current state"),
        "{e}"
    );

    let e = c.delete_user(1).await.unwrap_err();
    assert!(e.hint().contains("account owner"), "{e}");

    let e = c.lock_user(11, 0).await.unwrap_err();
    assert!(e.is_insufficient_permission() && !e.is_auth_failure());
    assert!(e.hint().contains("locking a user needs Manage All"), "{e}");
    assert_eq!(
        to(&log, "/api/1/users/11/lock_user").len(),
        1,
        "not retried"
    );

    for e in [
        c.lock_user(404, 0).await.unwrap_err(),
        c.logout_user(404).await.unwrap_err(),
        c.set_user_state(404, 1).await.unwrap_err(),
        c.delete_user(404).await.unwrap_err(),
    ] {
        assert_eq!(e.http_status(), Some(404), "{e}");
        assert!(!e.is_no_route(), "a missing user is not a missing route");
        assert!(e.hint().contains("deleted"), "{e}");
        assert!(!e.is_retryable());
    }
    assert_eq!(to(&log, "/auth/oauth2/v2/token").len(), 1, "no renewal");
}

#[tokio::test]
async fn an_empty_success_is_done_but_an_empty_failure_is_not() {
    let (c, _log) = setup(lifecycle).await;
    c.delete_user(8).await.unwrap();
    let e = c.delete_user(13).await.unwrap_err();
    assert!(
        matches!(
            e.kind,
            ErrorKind::UnexpectedBody {
                http_status: 502,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_refused_token_is_renewed_once() {
    let (c, log) = setup(lifecycle).await;
    c.logout_user(20).await.unwrap();
    assert_eq!(
        to(&log, "/api/1/users/20/logout")
            .iter()
            .map(|s| s.authorization.as_str())
            .collect::<Vec<_>>(),
        ["bearer:tok-1", "bearer:tok-2"]
    );
    assert_eq!(to(&log, "/auth/oauth2/v2/token").len(), 2);
}

#[tokio::test]
async fn every_call_is_in_the_request_log_with_the_token_redacted() {
    let (c, _log) = setup(lifecycle).await;
    let mut feed = c.subscribe();
    c.lock_user(7, 30).await.unwrap();
    c.logout_user(7).await.unwrap();
    c.set_user_state(7, 1).await.unwrap();
    c.delete_user(7).await.unwrap();
    let _ = c.delete_user(404).await.unwrap_err();
    let got = drain(&mut feed);
    assert_eq!(
        got.iter()
            .map(|x| format!("{} {} {:?}", x.method, x.path(), x.status))
            .collect::<Vec<_>>(),
        [
            "POST /auth/oauth2/v2/token Some(200)",
            "PUT /api/1/users/7/lock_user Some(200)",
            "PUT /api/1/users/7/logout Some(200)",
            "PUT /api/1/users/7/set_state Some(200)",
            "DELETE /api/1/users/7 Some(200)",
            "DELETE /api/1/users/404 Some(404)",
        ]
    );
    for x in &got[1..] {
        assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    }
    assert_eq!(
        got[1].request_body.as_deref(),
        Some(r#"{"locked_until":30}"#)
    );
    assert!(
        got[5]
            .response_body
            .as_deref()
            .unwrap_or_default()
            .contains("was not found")
    );
    assert_log_redacted(&got);
}
