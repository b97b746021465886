//! API /2 over real loopback sockets, against a throwaway axum server with canned
//! answers (the sandbox's /2 is tested against the client once both exist): the
//! bearer form, cursor paging, `Total-Count`, the `user_ids` batch limit, bare-array
//! bodies, the PUT body and `mappings`, every /2 error shape, answers without
//! rate-limit headers, and the request log.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};

use super::super::loopback::{Seen, assert_log_redacted, bare, drain, setup, to};
use super::super::{ErrorKind, FieldProblem, RetryPolicy};
use super::{Mappings, V2UserQuery, V2UserUpdate};

const USER_7: &str = r#"{"id":7,"email":"kat@example.com","department":"Sales","custom_attributes":{"AWS_Role":"Admin"}}"#;

fn users_pages(seen: &Seen, _: usize) -> Response {
    let page = |items: &str, cursor: Option<&str>| {
        let mut headers = vec![
            ("content-type", "application/json".to_string()),
            ("total-count", "3".to_string()),
        ];
        if let Some(c) = cursor {
            headers.push(("after-cursor", c.to_string()));
        }
        let mut resp = (StatusCode::OK, items.to_string()).into_response();
        for (k, v) in headers {
            resp.headers_mut().insert(k, v.parse().unwrap());
        }
        resp
    };
    match seen.pairs().iter().find(|(k, _)| k == "cursor") {
        None => page(r#"[{"id":1},{"id":2}]"#, Some("YWJj%2BZGVm%3D%3D")),
        Some((_, c)) if c == "YWJj+ZGVm==" => page(r#"[{"id":3}]"#, Some("")),
        Some((_, c)) => bare(
            StatusCode::BAD_REQUEST,
            &format!(
                r#"{{"message":"Invalid pagination cursor {c}","name":"BadRequestError","statusCode":400}}"#
            ),
        ),
    }
}

#[tokio::test]
async fn cursor_pages_send_the_cursor_alone_decoded_once_and_read_total_count() {
    let (c, log) = setup(users_pages).await;
    let query = V2UserQuery::new()
        .updated_since("2024-05-01T00:00:00Z")
        .fields(&["email", "custom_attributes"]);

    let first = c.list_users_v2(&query, None).await.unwrap();
    assert_eq!(first.items.iter().map(|u| u.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(first.total_count, Some(3));
    assert_eq!(first.after_cursor.as_deref(), Some("YWJj+ZGVm=="));

    let pages: Vec<_> = c.list_users_v2_pages(query).collect().await;
    let ids: Vec<i64> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().items)
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);

    let seen = to(&log, "/api/2/users");
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(
        seen[0].pairs(),
        [
            ("updated_since".into(), "2024-05-01T00:00:00Z".into()),
            ("fields".into(), "id,email,custom_attributes".into()),
            ("limit".into(), "50".into())
        ]
    );
    // The cursor alone: no limit, no filters beside it, encoded once on the wire.
    assert_eq!(seen[2].query, "cursor=YWJj%2BZGVm%3D%3D");
    assert_eq!(
        seen[2].pairs(),
        [("cursor".to_string(), "YWJj+ZGVm==".to_string())]
    );
}

fn by_ids(seen: &Seen, _: usize) -> Response {
    let ids = seen
        .pairs()
        .into_iter()
        .find(|(k, _)| k == "user_ids")
        .map(|(_, v)| v)
        .unwrap_or_default();
    // The server knows the odd ids only.
    let users: Vec<Value> = ids
        .split(',')
        .filter_map(|id| id.parse::<i64>().ok())
        .filter(|id| id % 2 == 1)
        .map(|id| json!({"id": id, "email": format!("u{id}@x")}))
        .collect();
    bare(StatusCode::OK, &Value::Array(users).to_string())
}

#[tokio::test]
async fn user_ids_reads_at_most_fifty_in_one_call() {
    let (c, log) = setup(by_ids).await;
    let ids: Vec<i64> = (1..=51).collect();
    let e = c.users_by_ids(&ids, &[]).await.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Config(_)), "{e:?}");
    assert!(e.to_string().contains("at most 50"), "{e}");
    assert!(
        log.lock().unwrap().is_empty(),
        "nothing sent, not even a token call"
    );
    assert!(c.users_by_ids(&[], &["email"]).await.unwrap().is_empty());
    assert!(log.lock().unwrap().is_empty());

    let users = c.users_by_ids(&ids[..50], &["email"]).await.unwrap();
    assert_eq!(users.len(), 25);
    assert_eq!(users[0].email.as_deref(), Some("u1@x"));
    let seen = to(&log, "/api/2/users");
    assert_eq!(seen.len(), 1);
    let pairs = seen[0].pairs();
    let expected_ids = (1..=50)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        pairs,
        [
            ("user_ids".to_string(), expected_ids),
            ("fields".into(), "id,email".into()),
            ("limit".into(), "50".into())
        ]
    );
}

fn crud(seen: &Seen, _: usize) -> Response {
    match (seen.method.as_str(), seen.path.as_str()) {
        ("GET", "/api/2/users/7") | ("PUT", "/api/2/users/7") => bare(StatusCode::OK, USER_7),
        ("POST", "/api/2/users") => bare(StatusCode::CREATED, r#"{"id":8,"email":"new@x"}"#),
        ("DELETE", "/api/2/users/7") => StatusCode::NO_CONTENT.into_response(),
        ("GET", "/api/2/users/custom_attributes") => bare(
            StatusCode::OK,
            r#"[{"id":1,"name":"AWS Role","shortname":"AWS_Role"},{"id":2,"name":"Skype","shortname":"skype"}]"#,
        ),
        ("GET", "/api/1/users/7") => bare(
            StatusCode::OK,
            &format!(
                r#"{{"status":{{"error":false,"code":200,"type":"success","message":"Success"}},"data":[{USER_7}]}}"#
            ),
        ),
        _ => bare(
            StatusCode::NOT_FOUND,
            r#"{"message":"Not Found","name":"NotFoundError","statusCode":404}"#,
        ),
    }
}

#[tokio::test]
async fn one_put_sends_fields_and_attributes_with_the_mappings_option() {
    let (c, log) = setup(crud).await;
    let mut update = V2UserUpdate::new();
    update
        .set("department", "Sales")
        .set_attribute("AWS_Role", "Admin")
        .set_attribute("skype", "");
    let user = c.update_user_v2(7, &update, Mappings::Sync).await.unwrap();
    assert_eq!(user.department.as_deref(), Some("Sales"));
    assert_eq!(
        user.custom_attributes.get("AWS_Role"),
        Some(&Some("Admin".to_string()))
    );
    c.update_user_v2(7, &update, Mappings::default())
        .await
        .unwrap();
    c.update_user_v2(7, &update, Mappings::Disabled)
        .await
        .unwrap();

    let puts: Vec<Seen> = to(&log, "/api/2/users/7")
        .into_iter()
        .filter(|s| s.method == "PUT")
        .collect();
    assert_eq!(
        puts.iter().map(|s| s.query.as_str()).collect::<Vec<_>>(),
        ["mappings=sync", "mappings=async", "mappings=disabled"]
    );
    let body: Value = serde_json::from_str(&puts[0].body).unwrap();
    assert_eq!(
        body,
        json!({"department": "Sales", "custom_attributes": {"AWS_Role": "Admin", "skype": ""}})
    );
    assert_eq!(puts[0].content_type, "application/json");

    // Nothing to change: nothing sent.
    let e = c
        .update_user_v2(7, &V2UserUpdate::new(), Mappings::Async)
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Config(_)));
    assert_eq!(to(&log, "/api/2/users/7").len(), 3);
}

#[tokio::test]
async fn get_create_delete_and_definitions_with_the_v2_bearer_form() {
    let (c, log) = setup(crud).await;
    assert_eq!(c.get_user_v2(7).await.unwrap().id, 7);
    let mut new_user = serde_json::Map::new();
    new_user.insert("email".into(), "new@x".into());
    new_user.insert("username".into(), "new".into());
    assert_eq!(c.create_user_v2(&new_user).await.unwrap().id, 8);
    c.delete_user_v2(7).await.unwrap();
    let defs = c.custom_attribute_definitions().await.unwrap();
    assert_eq!(
        defs.iter()
            .map(|d| d.shortname.as_str())
            .collect::<Vec<_>>(),
        ["AWS_Role", "skype"]
    );
    assert_eq!(defs[0].name, "AWS Role");
    // /1 keeps its own form beside /2.
    c.get_user(7).await.unwrap();

    let seen: Vec<Seen> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/api/"))
        .cloned()
        .collect();
    assert_eq!(seen.len(), 5);
    for s in &seen[..4] {
        assert_eq!(s.authorization, "bearer tok-1", "{s:?}");
    }
    assert_eq!(seen[4].authorization, "bearer:tok-1");
    assert_eq!(seen[1].body, r#"{"email":"new@x","username":"new"}"#);
    assert_eq!(seen[2].method, "DELETE");
    // One token for all.
    assert_eq!(to(&log, "/auth/oauth2/v2/token").len(), 1);

    let e = c.get_user_v2(99).await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    assert!(e.hint().contains("deleted"), "{e}");
}

fn roles(seen: &Seen, _: usize) -> Response {
    match (seen.method.as_str(), seen.query.as_str()) {
        ("GET", "limit=50") => {
            let mut r = bare(
                StatusCode::OK,
                r#"[{"id":11,"name":"A"},{"id":12,"name":"B"}]"#,
            );
            r.headers_mut()
                .insert("after-cursor", "cm9sZTI%3D".parse().unwrap());
            r
        }
        ("GET", "cursor=cm9sZTI%3D") => bare(StatusCode::OK, r#"[{"id":13}]"#),
        ("POST", "") if seen.body.starts_with('[') => {
            let ids: Vec<i64> = serde_json::from_str(&seen.body).unwrap();
            let answer: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
            bare(StatusCode::OK, &Value::Array(answer).to_string())
        }
        ("DELETE", "") if seen.body.starts_with('[') => StatusCode::NO_CONTENT.into_response(),
        _ => bare(
            StatusCode::BAD_REQUEST,
            r#"{"message":"Expected array in request","name":"BadRequestError","statusCode":400}"#,
        ),
    }
}

#[tokio::test]
async fn role_membership_pages_and_bare_array_bodies() {
    let (c, log) = setup(roles).await;
    assert_eq!(c.role_user_ids(5).await.unwrap(), [11, 12, 13]);
    c.add_role_users(5, &[123, 456]).await.unwrap();
    c.remove_role_users(5, &[123]).await.unwrap();
    // No ids: no call.
    c.add_role_users(5, &[]).await.unwrap();
    c.remove_role_users(5, &[]).await.unwrap();

    let seen = to(&log, "/api/2/roles/5/users");
    assert_eq!(
        seen.iter()
            .map(|s| format!("{} {} {}", s.method, s.query, s.body))
            .collect::<Vec<_>>(),
        [
            "GET limit=50 ",
            "GET cursor=cm9sZTI%3D ",
            "POST  [123,456]",
            "DELETE  [123]"
        ]
    );
    assert!(seen.iter().all(|s| s.authorization == "bearer tok-1"));
}

fn errors(seen: &Seen, _: usize) -> Response {
    let html = |status| {
        (
            status,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response()
    };
    match seen.path.as_str() {
        "/api/2/users/1" => bare(
            StatusCode::BAD_REQUEST,
            r#"{"message":"query parameter(s) not allowed: shoe_size","name":"BadRequestError","statusCode":400}"#,
        ),
        "/api/2/users/2" => bare(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"statusCode":422,"name":"UnprocessableEntityError","message":["email has already been taken"]}"#,
        ),
        "/api/2/users/3" => bare(
            StatusCode::UNPROCESSABLE_ENTITY,
            r#"{"statusCode":422,"name":"UnprocessableEntityError","message":"Validation failed","errors":[{"field":"username","message":"is invalid"}]}"#,
        ),
        "/api/2/users/4" => html(StatusCode::BAD_GATEWAY),
        "/api/2/users/5" => {
            (StatusCode::OK, [("content-type", "application/json")], "").into_response()
        }
        "/api/2/users/6" => bare(
            StatusCode::FORBIDDEN,
            r#"{"message":"Forbidden","name":"ForbiddenError","statusCode":403}"#,
        ),
        _ => (
            StatusCode::TOO_MANY_REQUESTS,
            [("content-type", "text/html")],
            "<html>slow down</html>",
        )
            .into_response(),
    }
}

#[tokio::test]
async fn every_v2_error_shape_reads_as_clearly_as_a_v1_envelope() {
    let (c, _log) = setup(errors).await;
    let e = c.get_user_v2(1).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "GET /api/2/users/1 → 400 BadRequestError: query parameter(s) not allowed: shoe_size — API /2 refused a query parameter: report this as a bug (api = \"v1\" avoids /2 meanwhile)"
    );
    assert!(!e.is_retryable());

    let e = c.get_user_v2(2).await.unwrap_err();
    assert_eq!(
        e.field_problems(),
        [FieldProblem {
            field: None,
            message: "email has already been taken".into()
        }]
    );
    assert!(
        e.to_string().ends_with(
            "422 UnprocessableEntityError: email has already been taken — another user already has that value: choose a unique email / username"
        ),
        "{e}"
    );

    let e = c.get_user_v2(3).await.unwrap_err();
    assert_eq!(
        e.envelope_message().as_deref(),
        Some("Validation failed (username: is invalid)")
    );
    assert!(e.hint().contains("correct the fields named"), "{e}");

    // A proxy's page and an empty body: the same UnexpectedBody as on /1, retryable if 5xx.
    let e = c.get_user_v2(4).await.unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::UnexpectedBody { http_status: 502, body_start, .. } if body_start.contains("502 Bad Gateway")),
        "{e:?}"
    );
    assert!(e.is_retryable());
    let e = c.get_user_v2(5).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("200 with an empty body (application/json)"),
        "{e}"
    );
    // A yes whose body did not arrive whole: tried again (a bulk write re-reads first).
    assert!(e.is_retryable());

    let e = c.get_user_v2(6).await.unwrap_err();
    assert!(!e.is_auth_failure() && !e.is_retryable());
    assert!(e.hint().contains("api = \"v1\""), "{e}");

    let e = c.get_user_v2(9).await.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::RateLimited { .. }), "{e:?}");
    assert!(e.is_retryable());
    // The budget the token answer reported had 4,300 calls left: it does not explain this
    // 429, so nothing says when it ends (the caller backs off and reads the budget anew).
    assert_eq!(e.retry_after(), None);
    assert!(RetryPolicy::retryable(&e));
}

fn expired_once(seen: &Seen, _: usize) -> Response {
    if seen.authorization == "bearer tok-1" {
        bare(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Authentication Failure","name":"UnauthorizedError","statusCode":401}"#,
        )
    } else if seen.path == "/api/2/users/7" {
        bare(StatusCode::OK, USER_7)
    } else {
        bare(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Insufficient Permission","name":"UnauthorizedError","statusCode":401}"#,
        )
    }
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_but_a_low_scope_is_not() {
    let (c, log) = setup(expired_once).await;
    assert_eq!(c.get_user_v2(7).await.unwrap().id, 7);
    assert_eq!(to(&log, "/auth/oauth2/v2/token").len(), 2);
    assert_eq!(
        to(&log, "/api/2/users/7")
            .iter()
            .map(|s| s.authorization.as_str())
            .collect::<Vec<_>>(),
        ["bearer tok-1", "bearer tok-2"]
    );
    let e = c.delete_user_v2(8).await.unwrap_err();
    assert!(e.is_insufficient_permission(), "{e}");
    assert!(e.hint().contains("scope is too low"), "{e}");
    assert_eq!(
        to(&log, "/auth/oauth2/v2/token").len(),
        2,
        "no renewal for a scope"
    );
    assert_eq!(to(&log, "/api/2/users/8").len(), 1);
}

#[tokio::test]
async fn an_answer_without_rate_limit_headers_leaves_the_budget_alone() {
    let (c, _log) = setup(crud).await;
    // The token answer carries the budget (5000 / 4321).
    c.ensure_token().await.unwrap();
    let before = c.rate_limit().unwrap();
    assert_eq!((before.limit, before.remaining), (5000, 4321));
    c.get_user_v2(7).await.unwrap();
    c.custom_attribute_definitions().await.unwrap();
    let _ = c.get_user_v2(404).await.unwrap_err();
    assert_eq!(c.rate_limit(), Some(before), "kept as it was, not cleared");
}

#[tokio::test]
async fn every_v2_call_is_in_the_request_log_with_the_token_redacted() {
    let (c, _log) = setup(crud).await;
    let mut feed = c.subscribe();
    c.get_user_v2(7).await.unwrap();
    let update = V2UserUpdate::new()
        .with("title", "CTO")
        .with_attribute("AWS_Role", "Admin");
    c.update_user_v2(7, &update, Mappings::Async).await.unwrap();
    c.delete_user_v2(7).await.unwrap();
    let _ = c.get_user_v2(99).await.unwrap_err();
    let got = drain(&mut feed);
    let paths: Vec<String> = got
        .iter()
        .map(|x| format!("{} {}", x.method, x.path()))
        .collect();
    assert_eq!(
        paths,
        [
            "POST /auth/oauth2/v2/token",
            "GET /api/2/users/7",
            "PUT /api/2/users/7?mappings=async",
            "DELETE /api/2/users/7",
            "GET /api/2/users/99"
        ]
    );
    let put = &got[2];
    assert_eq!(
        put.request_header("authorization"),
        Some("bearer [REDACTED]")
    );
    assert_eq!(
        put.request_body.as_deref(),
        Some(r#"{"title":"CTO","custom_attributes":{"AWS_Role":"Admin"}}"#)
    );
    assert!(
        put.response_body
            .as_deref()
            .unwrap_or_default()
            .contains("kat@example.com")
    );
    assert!(
        put.to_curl()
            .contains("-H \"Authorization: bearer $ONELOGIN_TOKEN\""),
        "{}",
        put.to_curl()
    );
    assert_eq!(got[3].status, Some(204));
    assert_eq!(got[4].status, Some(404));
    assert!(
        got[4]
            .response_body
            .as_deref()
            .unwrap_or_default()
            .contains("NotFoundError")
    );
    assert_log_redacted(&got);
}

#[tokio::test]
async fn attribute_values_reach_the_put_as_strings() {
    // The seed's attribute map converts whole.
    let (c, log) = setup(crud).await;
    let fields = serde_json::Map::from_iter([("phone".to_string(), json!("555"))]);
    let attrs = BTreeMap::from([("skype".to_string(), String::new())]);
    let u = V2UserUpdate::from_parts(&fields, &attrs);
    c.update_user_v2(7, &u, Mappings::Async).await.unwrap();
    let put = to(&log, "/api/2/users/7").pop().unwrap();
    assert_eq!(
        put.body,
        r#"{"phone":"555","custom_attributes":{"skype":""}}"#
    );
}
