//! A few tests over real loopback sockets, against throwaway axum servers
//! returning canned bodies. The real coverage is the sandbox's integration
//! suite; these pin what only a live exchange shows: token renewal under
//! concurrency, the 401 retry, recording and redaction, v3 wire format,
//! dropped connections.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

#[derive(Default)]
struct Seen {
    token_calls: AtomicUsize,
    resource_calls: AtomicUsize,
    requests: Mutex<Vec<(HeaderMap, String)>>,
}

type S = State<Arc<Seen>>;

async fn serve(app: Router) -> reqwest::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    reqwest::Url::parse(&format!("http://{addr}")).unwrap()
}

fn client(url: reqwest::Url) -> Client {
    let mut cfg = ClientConfig::new(url, "cid-123", SecretString::from("csecret-456"));
    cfg.api_key = Some(SecretString::from("apikey-789"));
    cfg.timeout = Duration::from_secs(5);
    Client::new(cfg).unwrap()
}

fn json(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            ("content-type", "application/json; charset=utf-8"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4321"),
            ("x-ratelimit-reset", "900"),
        ],
        body,
    )
        .into_response()
}

/// Tokens are `tok-1`, `tok-2`, …; slow enough that concurrent callers pile up.
async fn token(State(s): S, headers: HeaderMap, body: String) -> Response {
    let n = s.token_calls.fetch_add(1, Ordering::SeqCst) + 1;
    s.requests.lock().unwrap().push((headers, body));
    tokio::time::sleep(Duration::from_millis(50)).await;
    json(
        StatusCode::OK,
        format!(
            r#"{{"access_token":"tok-{n}","created_at":"2024-01-01T00:00:00.000Z","expires_in":36000,"refresh_token":"ref-{n}","token_type":"bearer","account_id":1}}"#
        ),
    )
}

const AUTH_FAIL: &str = r#"{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}"#;

/// Refuses `tok-1` as expired, accepts later tokens.
async fn user_renewing(State(s): S, headers: HeaderMap) -> Response {
    s.resource_calls.fetch_add(1, Ordering::SeqCst);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth == "bearer:tok-1" {
        return json(StatusCode::UNAUTHORIZED, AUTH_FAIL.into());
    }
    assert!(auth.starts_with("bearer:tok-"), "{auth}");
    json(
        StatusCode::OK,
        r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"data":[{"id":1,"email":"a@b.c"}]}"#.into(),
    )
}

#[tokio::test]
async fn one_renewal_for_many_callers_and_one_retry_after_401() {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route("/api/1/users/{id}", get(user_renewing))
        .with_state(seen.clone());
    let c = client(serve(app).await);

    let calls = (0..8).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get_user(1).await })
    });
    for h in calls {
        assert_eq!(h.await.unwrap().unwrap().email.as_deref(), Some("a@b.c"));
    }
    // One token at start, one renewal after the 401s: never one per caller.
    assert_eq!(seen.token_calls.load(Ordering::SeqCst), 2);
    // Each caller tries at most twice (timing decides how many met tok-1).
    let calls = seen.resource_calls.load(Ordering::SeqCst);
    assert!((9..=16).contains(&calls), "{calls}");

    // The token request as the contract wants it.
    let reqs = seen.requests.lock().unwrap();
    let (h, body) = &reqs[0];
    assert_eq!(body, r#"{"grant_type":"client_credentials"}"#);
    assert_eq!(
        h.get("authorization").unwrap(),
        "client_id:cid-123, client_secret:csecret-456"
    );
    assert_eq!(h.get("content-type").unwrap(), "application/json");
    assert_eq!(
        c.rate_limit().map(|r| (r.limit, r.remaining)),
        Some((5000, 4321))
    );
}

async fn always_401(State(s): S, headers: HeaderMap) -> Response {
    s.resource_calls.fetch_add(1, Ordering::SeqCst);
    let msg = if headers.get("x-scope").is_some() {
        "Insufficient Permission"
    } else {
        "Authentication Failure"
    };
    json(
        StatusCode::UNAUTHORIZED,
        format!(
            r#"{{"status":{{"error":true,"code":401,"type":"Unauthorized","message":"{msg}"}}}}"#
        ),
    )
}

#[tokio::test]
async fn retries_once_only_and_never_on_insufficient_permission() {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route("/api/1/users/{id}", get(always_401))
        .route(
            "/api/1/users/{id}/roles",
            get(|State(s): S| async move {
                s.resource_calls.fetch_add(1, Ordering::SeqCst);
                json(
                    StatusCode::UNAUTHORIZED,
                    r#"{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Insufficient Permission"}}"#.into(),
                )
            }),
        )
        .with_state(seen.clone());
    let c = client(serve(app).await);

    let e = c.get_user(5).await.unwrap_err();
    assert!(e.is_auth_failure());
    assert_eq!(seen.resource_calls.load(Ordering::SeqCst), 2);
    assert_eq!(seen.token_calls.load(Ordering::SeqCst), 2);

    let e = c.user_roles(5).await.unwrap_err();
    assert!(e.is_insufficient_permission());
    assert_eq!(seen.resource_calls.load(Ordering::SeqCst), 3);
    assert_eq!(seen.token_calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        e.to_string(),
        "GET /api/1/users/5/roles → 401 Unauthorized: Insufficient Permission — the API credential's scope is too low: writes need Manage users (roles need Manage All)"
    );
}

#[tokio::test]
async fn exchanges_are_recorded_redacted_and_published() {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route("/auth/oauth2/revoke", post(|| async {
            json(StatusCode::OK, r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"}}"#.into())
        }))
        .route(
            "/api/1/users/{id}/set_custom_attributes",
            put(|State(s): S, headers: HeaderMap, body: String| async move {
                s.requests.lock().unwrap().push((headers, body));
                json(StatusCode::BAD_REQUEST, r#"{"status":{"code":400,"error":true,"message":"input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ]","type":"bad request"}}"#.into())
            }),
        )
        .with_state(seen.clone());
    let c = client(serve(app).await);
    let mut feed = c.subscribe();

    let mut values = BTreeMap::new();
    values.insert("nope".to_string(), "x".to_string());
    let e = c.set_custom_attributes(42, &values).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "PUT /api/1/users/42/set_custom_attributes → 400 bad request: input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ] — a custom attribute field does not exist on this tenant: refresh the field list"
    );
    c.revoke_token().await.unwrap();
    assert!(!c.has_token().await);

    let (h, body) = seen.requests.lock().unwrap().last().cloned().unwrap();
    assert_eq!(body, r#"{"custom_attributes":{"nope":"x"}}"#);
    assert_eq!(h.get("authorization").unwrap(), "bearer:tok-1");
    assert_eq!(h.get("content-type").unwrap(), "application/json");

    let mut got = Vec::new();
    while let Ok(x) = feed.try_recv() {
        got.push(x);
    }
    assert_eq!(got.len(), 3, "token, set, revoke");
    assert!(got.windows(2).all(|w| w[0].id < w[1].id));
    let all = got
        .iter()
        .map(|x| x.to_jsonl())
        .collect::<Vec<_>>()
        .join("\n");
    for secret in ["tok-1", "ref-1", "csecret-456", "cid-123"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    let set = &got[1];
    assert_eq!(set.status, Some(400));
    assert_eq!(set.path(), "/api/1/users/42/set_custom_attributes");
    assert_eq!(
        set.request_header("authorization"),
        Some("bearer:[REDACTED]")
    );
    assert!(
        set.to_curl()
            .contains("\"Authorization: bearer:$ONELOGIN_TOKEN\"")
    );
    assert_eq!(
        got[2].request_body.as_deref(),
        Some(r#"{"access_token":"[REDACTED]"}"#)
    );
}

#[tokio::test]
async fn v3_update_wire_format_and_html_error() {
    let seen = Arc::new(Seen::default());
    let page = "<!DOCTYPE html><html><head><title>OneLogin</title></head><body><div><error>\n<title>Invalid Request</title>\n<message>Validation failed: Group does not exist</message></error></div></body></html>";
    let app = Router::new()
        .route(
            "/api/v3/users/{id}",
            put(move |State(s): S, headers: HeaderMap, body: String| async move {
                let bad = body.contains("<group-id>999</group-id>");
                s.requests.lock().unwrap().push((headers, body));
                if bad {
                    (StatusCode::UNPROCESSABLE_ENTITY, [("content-type", "text/html")], page).into_response()
                } else {
                    StatusCode::OK.into_response()
                }
            })
            .get(|| async {
                (StatusCode::OK, [("content-type", "application/xml")],
                 "<?xml version=\"1.0\"?><user><id>7</id><group-id nil=\"true\"/><roles type=\"array\"><role>3</role></roles><custom_attribute_x>1</custom_attribute_x></user>").into_response()
            }),
        )
        .with_state(seen.clone());
    let c = client(serve(app).await);

    let mut ok = V3UserUpdate::new();
    ok.set("company", "A & B").roles(&[3]);
    c.update_user_v3(7, &ok).await.unwrap();
    let (h, body) = seen.requests.lock().unwrap()[0].clone();
    assert_eq!(
        body,
        "<user><company>A &amp; B</company><roles type='array'><role>3</role></roles></user>"
    );
    assert_eq!(h.get("content-type").unwrap(), "application/xml");
    // basic base64("apikey-789:x")
    assert_eq!(h.get("authorization").unwrap(), "Basic YXBpa2V5LTc4OTp4");

    let e = c
        .update_user_v3(7, &V3UserUpdate::new().with("group_id", "999"))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::V3 {
            http_status: 422,
            title: "Invalid Request".into(),
            message: "Validation failed: Group does not exist".into()
        }
    );
    assert!(
        e.to_string()
            .starts_with("PUT /api/v3/users/7.xml → 422 Invalid Request:")
    );

    // Refused before sending.
    let n = seen.requests.lock().unwrap().len();
    let e = c
        .update_user_v3(7, &V3UserUpdate::new().with("shoe_size", "9"))
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Config(_)));
    assert_eq!(seen.requests.lock().unwrap().len(), n);

    let u = c.get_user_v3(7).await.unwrap();
    assert_eq!(u.id(), Some(7));
    assert_eq!(u.roles, [3]);
    assert_eq!(u.fields["group-id"], None);

    let mut no_key = ClientConfig::new(c.base_url().clone(), "id", SecretString::from("s"));
    no_key.api_key = None;
    let e = Client::new(no_key)
        .unwrap()
        .get_user_v3(7)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Config("no v3 API key: set ONELOGIN_API_KEY or api_key in the profile".into())
    );
}

#[tokio::test]
async fn truncated_body_is_a_transport_error() {
    // A raw socket: promise 500 bytes, send 20, hang up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"status\":{\"error\":")
                .await;
            let _ = sock.shutdown().await;
        }
    });
    let c = client(reqwest::Url::parse(&format!("http://{addr}")).unwrap());
    let mut feed = c.subscribe();
    let e = c
        .send_raw(
            reqwest::Method::GET,
            "/auth/rate_limit",
            None,
            RawAuth::None,
        )
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Transport { .. }), "{e:?}");
    assert!(e.is_retryable());
    let x = feed.try_recv().unwrap();
    assert_eq!(x.status, Some(200));
    assert!(x.error.is_some());

    // Nothing listening: a connect error.
    drop(feed);
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let c = client(reqwest::Url::parse(&format!("http://{dead_addr}")).unwrap());
    let e = c.ensure_token().await.unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::Transport { connect: true, .. }),
        "{e:?}"
    );
    assert!(e.hint().contains("network"));
}

#[tokio::test]
async fn paging_follows_cursors_until_null() {
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route(
            "/api/1/users",
            get(|q: axum::extract::RawQuery| async move {
                let q = q.0.unwrap_or_default();
                assert!(q.contains("email=kat*"), "{q}");
                assert!(q.contains("sort=%2Bid"), "{q}");
                let (ids, next) = if q.contains("after_cursor=c2") {
                    ("[{\"id\":3}]", "null")
                } else if q.contains("after_cursor=c1") {
                    ("[{\"id\":2}]", "\"c2\"")
                } else {
                    ("[{\"id\":1}]", "\"c1\"")
                };
                json(
                    StatusCode::OK,
                    format!(r#"{{"status":{{"error":false,"code":200,"type":"success","message":"Success"}},"pagination":{{"before_cursor":null,"after_cursor":{next},"previous_link":null,"next_link":null}},"data":{ids}}}"#),
                )
            }),
        )
        .with_state(Arc::new(Seen::default()));
    let c = client(serve(app).await);
    use futures::StreamExt;
    let pages: Vec<_> = c
        .list_users(UserQuery::new().email("kat*").sort(SortOrder::IdAsc))
        .collect()
        .await;
    let ids: Vec<i64> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().items)
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);
}

#[tokio::test]
async fn a_429_without_headers_takes_the_reset_from_the_last_budget() {
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route(
            "/api/1/users/{id}",
            get(|State(s): S| async move {
                if s.resource_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::OK,
                        [
                            ("content-type", "application/json"),
                            ("x-ratelimit-limit", "3"),
                            ("x-ratelimit-remaining", "0"),
                            ("x-ratelimit-reset", "30"),
                        ],
                        r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"data":[{"id":1}]}"#,
                    )
                        .into_response()
                } else {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("content-type", "text/html")],
                        "<html><body><h1>429 Too Many Requests</h1></body></html>",
                    )
                        .into_response()
                }
            }),
        )
        .with_state(Arc::new(Seen::default()));
    let c = client(serve(app).await);
    c.get_user(1).await.unwrap();
    let rl = c.rate_limit().unwrap();
    assert_eq!((rl.limit, rl.remaining), (3, 0));
    let e = c.get_user(1).await.unwrap_err();
    let wait = e.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    assert!(
        e.to_string().contains("429 rate limited (resets in "),
        "{e}"
    );
    match &e.kind {
        ErrorKind::RateLimited { body_start, .. } => assert!(body_start.contains("429 Too Many")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_retry_after_is_waited_for_once_then_the_call_succeeds() {
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route(
            "/api/1/users/{id}",
            get(|State(s): S| async move {
                if s.resource_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("content-type", "text/html"), ("retry-after", "1")],
                        "<html><body><h1>429 Too Many Requests</h1></body></html>",
                    )
                        .into_response()
                } else {
                    json(
                        StatusCode::OK,
                        r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"data":[{"id":1}]}"#.into(),
                    )
                }
            }),
        );
    let seen = Arc::new(Seen::default());
    let app = app.with_state(seen.clone());
    let c = client(serve(app).await);
    c.ensure_token().await.unwrap();
    let t0 = std::time::Instant::now();
    let user = RetryPolicy::INTERACTIVE
        .retry(|| c.get_user(1))
        .await
        .unwrap();
    assert_eq!(user.id, 1);
    // Told one second: waited one second (plus the margin), not the 200 ms backoff.
    assert!(
        t0.elapsed() >= Duration::from_secs(1) + RESET_MARGIN,
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(seen.resource_calls.load(Ordering::SeqCst), 2);
}

/// A 2xx whose JSON has the wrong shape is a Decode error that names the status that
/// came back, not an assumed 200.
#[tokio::test]
async fn a_wrong_shape_names_the_status_that_came_back() {
    async fn odd_user() -> Response {
        json(
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            r#"{"status":{"error":false,"code":203,"type":"success"},"data":"not a user"}"#.into(),
        )
    }
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/auth/oauth2/v2/token", post(token))
        .route("/api/1/users/{id}", get(odd_user))
        .with_state(seen);
    let c = client(serve(app).await);
    let e = c.get_user(7).await.unwrap_err();
    assert!(matches!(e.kind, ErrorKind::Decode { .. }), "{e:?}");
    assert_eq!(e.http_status(), Some(203));
    assert!(e.to_string().contains("→ 203 unexpected answer"), "{e}");
}
