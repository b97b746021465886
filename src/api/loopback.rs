//! The tests' throwaway tenant: an axum server on loopback that records every request
//! as it saw it (method, path, raw query, Authorization, Content-Type, body) and answers
//! with a canned function. Tokens are `tok-1`, `tok-2`, … (the token answer carries a
//! /1 budget of 5000 / 4321); everything else is the test's `Answer`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;

use super::{Client, ClientConfig};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    pub path: String,
    /// The raw query string, as sent on the wire.
    pub query: String,
    pub authorization: String,
    pub content_type: String,
    pub body: String,
}

impl Seen {
    /// The query's pairs, decoded as a server decodes them.
    pub fn pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }
}

pub(crate) type Log = Arc<Mutex<Vec<Seen>>>;
/// The canned answer for one request, and how many requests its path has had (this one
/// included).
pub(crate) type Answer = fn(&Seen, usize) -> Response;

#[derive(Clone)]
struct Server {
    log: Log,
    answer: Answer,
}

/// A JSON answer with no rate-limit headers, as /2 answers may come.
pub(crate) fn bare(status: StatusCode, body: &str) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// A /1 answer: JSON with the rate-limit headers every successful /1 answer carries
/// (error answers carry none).
pub(crate) fn v1(status: StatusCode, body: &str) -> Response {
    if !status.is_success() {
        return bare(status, body);
    }
    (
        status,
        [
            ("content-type", "application/json; charset=utf-8"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4300"),
            ("x-ratelimit-reset", "900"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// The /1 status-only success.
pub(crate) const V1_SUCCESS: &str =
    r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"}}"#;

/// A /1 error envelope with a text message.
pub(crate) fn v1_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "status": {"error": true, "code": status.as_u16(), "type": error_type, "message": message}
    });
    bare(status, &body.to_string())
}

fn token(n: usize) -> Response {
    (
        StatusCode::OK,
        [
            ("content-type", "application/json; charset=utf-8"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4321"),
            ("x-ratelimit-reset", "900"),
        ],
        format!(
            r#"{{"access_token":"tok-{n}","created_at":"2024-01-01T00:00:00.000Z","expires_in":36000,"refresh_token":"ref-{n}","token_type":"bearer","account_id":1}}"#
        ),
    )
        .into_response()
}

async fn handle(State(s): State<Server>, req: HttpRequest) -> Response {
    let (parts, body) = req.into_parts();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let seen = Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        authorization: header("authorization"),
        content_type: header("content-type"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut log = s.log.lock().unwrap();
        log.push(seen.clone());
        log.iter().filter(|x| x.path == seen.path).count()
    };
    if seen.path == "/auth/oauth2/v2/token" {
        return token(n);
    }
    (s.answer)(&seen, n)
}

/// A server answering with `answer`, and a client for it.
pub(crate) async fn setup(answer: Answer) -> (Client, Log) {
    let log = Log::default();
    let app = Router::new().fallback(handle).with_state(Server {
        log: log.clone(),
        answer,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = reqwest::Url::parse(&format!("http://{addr}")).unwrap();
    let mut cfg = ClientConfig::new(url, "cid-123", SecretString::from("csecret-456"));
    cfg.timeout = Duration::from_secs(5);
    (Client::new(cfg).unwrap(), log)
}

/// The requests to `path` (the token calls left out).
pub(crate) fn to(log: &Log, path: &str) -> Vec<Seen> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|s| s.path == path)
        .cloned()
        .collect()
}

/// Every request but the token calls, as `METHOD path?query body`.
pub(crate) fn calls(log: &Log) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|s| s.path != "/auth/oauth2/v2/token")
        .map(|s| {
            let query = if s.query.is_empty() {
                String::new()
            } else {
                format!("?{}", s.query)
            };
            format!("{} {}{query} {}", s.method, s.path, s.body)
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Everything the client published to the request log so far, and every secret the
/// harness knows, checked absent from each exchange's JSONL, curl and debug forms.
pub(crate) fn assert_log_redacted(got: &[Arc<super::Exchange>]) {
    let all: String = got
        .iter()
        .map(|x| format!("{}\n{}\n{x:?}", x.to_jsonl(), x.to_curl()))
        .collect();
    for secret in ["tok-1", "tok-2", "ref-1", "csecret-456", "cid-123"] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
}

/// Drain what a request-log subscription received.
pub(crate) fn drain(
    feed: &mut tokio::sync::broadcast::Receiver<Arc<super::Exchange>>,
) -> Vec<Arc<super::Exchange>> {
    let mut got = Vec::new();
    while let Ok(x) = feed.try_recv() {
        got.push(x);
    }
    got
}
