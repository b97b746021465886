//! Shared helpers for the client tests: an in-process sandbox on 127.0.0.1:0,
//! a `Client` on it, the exchange feed, and assertions on envelopes and errors.
// Test helpers: a panic here is a failed assertion, as in the tests themselves
// (clippy.toml allows unwrap in #[test] functions, not in helper modules).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use onelogin_tui::api::{ApiError, Client, ClientConfig, EnvelopeMessage, ErrorKind, Exchange};
use onelogin_tui::sandbox::{Credential, Sandbox, SandboxConfig, Scope};
use reqwest::Url;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::broadcast;

/// The seed's example user id for "not found".
pub const MISSING_ID: i64 = 88_888_888;

/// The account owner: the first seeded user. Manage users credentials get 403 on it.
pub const OWNER_ID: i64 = 10_001;

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A small tenant: 130 users (three pages of 50).
pub fn small() -> SandboxConfig {
    SandboxConfig {
        users: 130,
        ..SandboxConfig::default()
    }
}

/// A sandbox, a Manage All client on it, and that client's exchange feed.
pub struct Env {
    pub sb: Sandbox,
    pub client: Client,
    pub feed: broadcast::Receiver<Arc<Exchange>>,
}

pub async fn start(config: SandboxConfig) -> Env {
    let sb = Sandbox::start(config, loopback()).await.unwrap();
    let cred = sb.credential(Scope::ManageAll);
    let client = client_for(&sb, &cred);
    let feed = client.subscribe();
    Env { sb, client, feed }
}

/// A client on the sandbox with this credential pair and the sandbox's v3 key.
pub fn client_for(sb: &Sandbox, cred: &Credential) -> Client {
    client_with(sb, &cred.client_id, &cred.client_secret)
}

pub fn client_with(sb: &Sandbox, client_id: &str, client_secret: &str) -> Client {
    let mut config = ClientConfig::new(
        Url::parse(&sb.url()).unwrap(),
        client_id,
        SecretString::from(client_secret.to_string()),
    );
    config.api_key = Some(SecretString::from(sb.api_key()));
    Client::new(config).unwrap()
}

impl Env {
    /// Every exchange recorded since the last call.
    pub fn drain(&mut self) -> Vec<Arc<Exchange>> {
        drain(&mut self.feed)
    }

    /// A client with another scope, and its feed.
    pub fn scoped(&self, scope: Scope) -> (Client, broadcast::Receiver<Arc<Exchange>>) {
        let c = client_for(&self.sb, &self.sb.credential(scope));
        let rx = c.subscribe();
        (c, rx)
    }

    /// Ids of the first `n` seeded users that are neither the owner nor one
    /// of the hostile users (positions 2, 16, 29), in id order.
    pub fn plain_ids(&self, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let mut id = OWNER_ID + 1;
        let mut pos = 1;
        while out.len() < n && id < OWNER_ID + 10_000 {
            if self.sb.user_json(id).is_some() {
                if ![2, 16, 29].contains(&pos) {
                    out.push(id);
                }
                pos += 1;
            }
            id += 1;
        }
        assert_eq!(out.len(), n);
        out
    }

    /// A fresh access token from a raw token call through the client's pipeline
    /// (the client's own token stays inside it).
    pub async fn raw_token(&self, cred: &Credential) -> String {
        raw_token(&self.client, cred).await
    }
}

pub async fn raw_token(client: &Client, cred: &Credential) -> String {
    let v = client
        .send_raw(
            reqwest::Method::POST,
            "/auth/oauth2/v2/token",
            Some(r#"{"grant_type":"client_credentials"}"#.to_string()),
            onelogin_tui::api::RawAuth::Header(format!(
                "client_id:{}, client_secret:{}",
                cred.client_id, cred.client_secret
            )),
        )
        .await
        .unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

pub fn drain(rx: &mut broadcast::Receiver<Arc<Exchange>>) -> Vec<Arc<Exchange>> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(e) => out.push(e),
            Err(broadcast::error::TryRecvError::Lagged(n)) => panic!("feed lagged by {n}"),
            Err(_) => return out,
        }
    }
}

/// Exchanges to the token endpoint.
pub fn token_calls(xs: &[Arc<Exchange>]) -> usize {
    xs.iter()
        .filter(|x| x.path() == "/auth/oauth2/v2/token")
        .count()
}

/// Exchanges whose path (with query) starts with `prefix`, except token calls.
pub fn calls_to<'a>(xs: &'a [Arc<Exchange>], prefix: &str) -> Vec<&'a Arc<Exchange>> {
    xs.iter().filter(|x| x.path().starts_with(prefix)).collect()
}

/// The one exchange that is not a token call.
#[track_caller]
pub fn only_call(xs: &[Arc<Exchange>]) -> Arc<Exchange> {
    let calls: Vec<_> = xs
        .iter()
        .filter(|x| x.path() != "/auth/oauth2/v2/token")
        .collect();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    calls[0].clone()
}

/// The recorded response body as JSON.
#[track_caller]
pub fn body_json(x: &Exchange) -> Value {
    let text = x.response_body.as_deref().unwrap_or("");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The recorded response's status object equals exactly
/// `{code, error, type, message}` (no other key), and its HTTP status is `code`.
#[track_caller]
pub fn assert_envelope(x: &Exchange, code: u16, kind: &str, message: Value) {
    assert_eq!(x.status, Some(code), "{x:#?}");
    let v = body_json(x);
    assert_eq!(
        v["status"],
        json!({"code": code, "error": code >= 400, "type": kind, "message": message}),
        "{x:#?}"
    );
    if code >= 400 {
        assert_eq!(
            v.as_object().unwrap().len(),
            1,
            "errors are status-only: {v}"
        );
        assert!(
            x.response_header("x-ratelimit-limit").is_none(),
            "error answers carry no rate-limit headers"
        );
    }
    assert!(
        x.response_header("content-type")
            .unwrap()
            .starts_with("application/json"),
        "{x:#?}"
    );
}

/// `ErrorKind::Envelope` with exactly these parts.
#[track_caller]
pub fn assert_envelope_error(e: &ApiError, http_status: u16, kind: &str, message: EnvelopeMessage) {
    assert_eq!(
        e.kind,
        ErrorKind::Envelope {
            http_status,
            code: i64::from(http_status),
            error_type: kind.to_string(),
            message,
        },
        "{e}"
    );
    assert_eq!(e.http_status(), Some(http_status));
}

pub fn text(s: &str) -> EnvelopeMessage {
    EnvelopeMessage::Text(s.to_string())
}

/// `Display` is `METHOD /path → status type: message — hint`, the hint
/// contains `hint_part`.
#[track_caller]
pub fn assert_display(e: &ApiError, method: &str, path: &str, hint_part: &str) {
    let shown = e.to_string();
    assert_eq!(e.method, method, "{shown}");
    assert_eq!(e.path(), path, "{shown}");
    assert!(
        shown.starts_with(&format!("{method} {path} → ")),
        "names the method and path: {shown}"
    );
    assert!(
        shown.ends_with(&format!(" — {}", e.hint())),
        "ends with the hint: {shown}"
    );
    assert!(
        e.hint().contains(hint_part),
        "hint `{}` should mention `{hint_part}`",
        e.hint()
    );
    if let Some(m) = e.envelope_message() {
        let m = m.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(shown.contains(&m), "quotes the server's message: {shown}");
    }
    if let Some(s) = e.http_status() {
        assert!(shown.contains(&s.to_string()), "quotes the status: {shown}");
    }
}

/// Whether `haystack` holds a run of at least `min` hex digits (an access
/// token of the sandbox is 64 of them).
pub fn has_hex_run(haystack: &str, min: usize) -> bool {
    let mut run = 0;
    for c in haystack.chars() {
        if c.is_ascii_hexdigit() {
            run += 1;
            if run >= min {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Every user as the sandbox itself renders it (independent of the client), in id order.
pub fn sandbox_users(sb: &Sandbox) -> Vec<Value> {
    let mut out = Vec::new();
    let mut misses = 0;
    let mut id = OWNER_ID;
    // Seeded ids grow by 1 to 3: three misses in a row is the end.
    while misses < 3 {
        match sb.user_json(id) {
            Some(u) => {
                out.push(u);
                misses = 0;
            }
            None => misses += 1,
        }
        id += 1;
    }
    out
}
