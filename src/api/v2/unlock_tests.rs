//! Unlock over loopback: the POST, any 2xx as done, and the fallback to
//! `PUT /api/2/users/:id {"status":1}` only when the route itself is not served.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::super::super::ErrorKind;
use super::super::super::loopback::{
    Seen, assert_log_redacted, bare, calls, drain, setup, v1_error,
};

const NO_ROUTE: &str = r#"{"message":"No Route Exists","name":"NotFoundError","statusCode":404}"#;

fn unlock(seen: &Seen, _: usize) -> Response {
    if serde_json::from_str::<Value>(&seen.body).is_err() && seen.method != "GET" {
        return bare(
            StatusCode::BAD_REQUEST,
            r#"{"message":"Input JSON is not valid","name":"BadRequestError","statusCode":400}"#,
        );
    }
    let id = seen
        .path
        .trim_start_matches("/api/2/users/")
        .trim_end_matches("/unlock");
    match (seen.method.as_str(), seen.path.ends_with("/unlock"), id) {
        ("POST", true, "7") => bare(StatusCode::OK, r#"{"message":"User unlocked"}"#),
        // The spelling on one page of the documents.
        ("POST", true, "8") => bare(StatusCode::OK, r#"{"messsage":"User unlocked"}"#),
        ("POST", true, "9") => StatusCode::NO_CONTENT.into_response(),
        ("POST", true, "10" | "13") => bare(StatusCode::NOT_FOUND, NO_ROUTE),
        // A tenant that answers an unknown route in /1 words.
        ("POST", true, "11") => v1_error(StatusCode::NOT_FOUND, "not found", "No Route Exists"),
        ("POST", true, "404") => bare(
            StatusCode::NOT_FOUND,
            r#"{"message":"User for id 404 was not found","name":"NotFoundError","statusCode":404}"#,
        ),
        ("POST", true, "405") => bare(
            StatusCode::NOT_FOUND,
            r#"{"message":"The resource with the given id could not be found","name":"NotFoundError","statusCode":404}"#,
        ),
        ("POST", true, "12") => (
            StatusCode::NOT_FOUND,
            [("content-type", "text/html")],
            "<html><body>404 Not Found</body></html>",
        )
            .into_response(),
        ("POST", true, "14") => bare(
            StatusCode::BAD_REQUEST,
            r#"{"message":"User cannot be unlocked"}"#,
        ),
        ("PUT", false, "10" | "11") if seen.body == r#"{"status":1}"# => bare(
            StatusCode::OK,
            &format!(r#"{{"id":{id},"status":1,"email":"u{id}@x"}}"#),
        ),
        _ => bare(StatusCode::NOT_FOUND, NO_ROUTE),
    }
}

#[tokio::test]
async fn unlock_posts_and_any_2xx_is_done() {
    let (c, log) = setup(unlock).await;
    for id in [7, 8, 9] {
        c.unlock_user(id).await.unwrap();
    }
    assert_eq!(
        calls(&log),
        [
            "POST /api/2/users/7/unlock {}",
            "POST /api/2/users/8/unlock {}",
            "POST /api/2/users/9/unlock {}",
        ]
    );
    for s in log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/api/"))
    {
        assert_eq!(s.authorization, "bearer tok-1", "the /2 form: {s:?}");
        assert_eq!(s.content_type, "application/json");
    }
}

#[tokio::test]
async fn a_route_that_is_not_served_falls_back_to_status_1_once() {
    let (c, log) = setup(unlock).await;
    c.unlock_user(10).await.unwrap();
    c.unlock_user(11).await.unwrap();
    assert_eq!(
        calls(&log),
        [
            "POST /api/2/users/10/unlock {}",
            r#"PUT /api/2/users/10 {"status":1}"#,
            "POST /api/2/users/11/unlock {}",
            r#"PUT /api/2/users/11 {"status":1}"#,
        ]
    );
    let put = log
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.method == "PUT")
        .cloned()
        .unwrap();
    assert_eq!(put.authorization, "bearer tok-1");
    assert_eq!(put.query, "", "the documented update, nothing beside it");
}

#[tokio::test]
async fn a_missing_user_does_not_fall_back() {
    let (c, log) = setup(unlock).await;
    for id in [404, 405] {
        let e = c.unlock_user(id).await.unwrap_err();
        assert_eq!(e.http_status(), Some(404));
        assert!(!e.is_no_route(), "{e}");
        assert!(e.hint().contains("deleted"), "{e}");
    }
    // A 404 without the server's words is not proof the route is missing either.
    let e = c.unlock_user(12).await.unwrap_err();
    assert!(
        matches!(
            e.kind,
            ErrorKind::UnexpectedBody {
                http_status: 404,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        calls(&log),
        [
            "POST /api/2/users/404/unlock {}",
            "POST /api/2/users/405/unlock {}",
            "POST /api/2/users/12/unlock {}",
        ]
    );
    let e = c.unlock_user(14).await.unwrap_err();
    assert!(e.hint().contains("would not unlock"), "{e}");
    assert_eq!(calls(&log).len(), 4, "a refusal is not a missing route");
}

#[tokio::test]
async fn without_either_route_the_fallbacks_error_is_the_answer() {
    let (c, log) = setup(unlock).await;
    let mut feed = c.subscribe();
    let e = c.unlock_user(13).await.unwrap_err();
    assert!(e.is_no_route(), "{e}");
    assert_eq!(e.method, "PUT");
    assert_eq!(e.path(), "/api/2/users/13");
    assert!(e.hint().contains("does not serve that API /2 call"), "{e}");
    assert_eq!(calls(&log).len(), 2, "one fallback, no more");
    let got = drain(&mut feed);
    assert_eq!(
        got.iter()
            .map(|x| format!("{} {} {:?}", x.method, x.path(), x.status))
            .collect::<Vec<_>>(),
        [
            "POST /auth/oauth2/v2/token Some(200)",
            "POST /api/2/users/13/unlock Some(404)",
            "PUT /api/2/users/13 Some(404)",
        ]
    );
    assert_eq!(
        got[2].request_header("authorization"),
        Some("bearer [REDACTED]")
    );
    assert_eq!(got[2].request_body.as_deref(), Some(r#"{"status":1}"#));
    assert_log_redacted(&got);
}
