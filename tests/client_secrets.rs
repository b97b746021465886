//! No secret leaves the client: a whole session (token, list, set, update,
//! v3 update and read, raw calls, revoke, failures) with a DEBUG `tracing`
//! subscriber writing to a file; neither the client secret, any access or
//! refresh token, nor the API key appears in any exchange (JSONL, curl,
//! Debug), any error text, or the log file.

mod client_common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use client_common::*;
use onelogin_tui::api::{Exchange, RawAuth, UserQuery, UserUpdate, V3UserUpdate};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig, Scope};
use reqwest::Method;
use serde_json::json;

const CLIENT_ID: &str = "itest-client-id";
const CLIENT_SECRET: &str = "cs-Zq8vN2pLw7Rt4Ky9";
const API_KEY: &str = "ak-Hm3xJ6cVb1Nf5Qs0";
const BAD_SECRET: &str = "bad-Wd2eF9gHj4Kl7Mn1";
const BAD_KEY: &str = "badkey-Pp5oI8uY3tR6eW";

fn client(sb: &Sandbox, secret: &str, key: &str) -> onelogin_tui::api::Client {
    let mut c = client_with(sb, CLIENT_ID, secret);
    // client_with sets the sandbox's key; replace it.
    let mut config = c.config().clone();
    config.api_key = Some(secrecy::SecretString::from(key.to_string()));
    c = onelogin_tui::api::Client::new(config).unwrap_or_else(|e| panic!("{e}"));
    c
}

#[tokio::test]
async fn no_secret_in_exchanges_errors_or_the_debug_log() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("session.log");
    let file = std::fs::File::create(&log_path).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .finish();
    // The test runtime is single-threaded: the client and the sandbox both log here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = SandboxConfig {
        users: 60,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        api_key: API_KEY.into(),
        ..SandboxConfig::default()
    };
    let sb = Sandbox::start(config, loopback()).await.unwrap();
    let api = client(&sb, CLIENT_SECRET, API_KEY);
    let mut feed = api.subscribe();
    let mut texts: Vec<String> = Vec::new();
    let mut exchanges: Vec<Arc<Exchange>> = Vec::new();

    // The session.
    api.ensure_token().await.unwrap();
    let page = api
        .list_users_page(&UserQuery::new().limit(10), None)
        .await
        .unwrap();
    let id = page.items[5].id;
    let values = BTreeMap::from([("AWS_Role".to_string(), "Administrator".to_string())]);
    api.set_custom_attributes(id, &values).await.unwrap();
    api.update_user(id, &UserUpdate::new().with("title", "Auditor"))
        .await
        .unwrap();
    api.update_user_v3(id, &V3UserUpdate::new().with("department", "Audit"))
        .await
        .unwrap();
    api.get_user_v3(id).await.unwrap();
    api.rate_limit_status().await.unwrap();

    // A raw token: its value is known here, so it can be looked for verbatim.
    let cred = sb.credential(Scope::ManageAll);
    let raw = raw_token(&api, &cred).await;
    assert_eq!(raw.len(), 64);
    let bearer = RawAuth::Header(format!("bearer: {raw}"));
    api.send_raw(
        Method::GET,
        &format!("/api/1/users/{id}"),
        None,
        bearer.clone(),
    )
    .await
    .unwrap();
    let creds_header = RawAuth::Header(format!(
        "client_id:{}, client_secret:{}",
        cred.client_id, cred.client_secret
    ));
    api.send_raw(
        Method::POST,
        "/auth/oauth2/revoke",
        Some(json!({ "access_token": raw }).to_string()),
        creds_header.clone(),
    )
    .await
    .unwrap();
    // Failures quote answers, never what was sent.
    let e = api
        .send_raw(Method::GET, &format!("/api/1/users/{id}"), None, bearer)
        .await
        .unwrap_err();
    assert!(e.is_auth_failure());
    texts.push(e.to_string());
    texts.push(format!("{e:?}"));
    sb.expire_all_tokens();
    api.get_user(id).await.unwrap(); // renewed once
    api.revoke_token().await.unwrap();
    assert!(!api.has_token().await);

    for (secret, key) in [(BAD_SECRET, API_KEY), (CLIENT_SECRET, BAD_KEY)] {
        let bad = client(&sb, secret, key);
        let mut bad_feed = bad.subscribe();
        let e = if secret == BAD_SECRET {
            bad.get_user(id).await.unwrap_err()
        } else {
            bad.get_user_v3(id).await.unwrap_err()
        };
        texts.push(e.to_string());
        texts.push(format!("{e:?}"));
        texts.push(format!("{bad:?}"));
        exchanges.extend(drain(&mut bad_feed));
    }
    texts.push(format!("{api:?}"));
    texts.push(format!("{:?}", api.config()));
    exchanges.extend(drain(&mut feed));
    drop(_guard);
    sb.shutdown().await;

    // What was recorded covers the whole session.
    let paths: Vec<String> = exchanges.iter().map(|x| x.path()).collect();
    for p in [
        "/auth/oauth2/v2/token",
        "/api/1/users?limit=10",
        "/auth/oauth2/revoke",
        "/auth/rate_limit",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} in {paths:?}");
    }
    assert!(paths.iter().any(|p| p.ends_with("/set_custom_attributes")));
    assert!(paths.iter().any(|p| p.starts_with("/api/v3/users/")));
    assert!(exchanges.len() >= 16, "{paths:?}");
    for x in &exchanges {
        texts.push(x.to_jsonl());
        texts.push(x.to_curl());
        texts.push(format!("{x:?}"));
    }
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.lines().filter(|l| l.contains("http exchange")).count() >= exchanges.len(),
        "every exchange is logged at DEBUG:\n{log}"
    );
    texts.push(log);

    let basic = |k: &str| STANDARD.encode(format!("{k}:x"));
    let creds_b64 = STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let needles = [
        ("client secret", CLIENT_SECRET.to_string()),
        ("derived client secret", cred.client_secret.clone()),
        ("bad client secret", BAD_SECRET.to_string()),
        ("api key", API_KEY.to_string()),
        ("bad api key", BAD_KEY.to_string()),
        ("api key as basic auth", basic(API_KEY)),
        ("bad key as basic auth", basic(BAD_KEY)),
        ("credentials as basic auth", creds_b64),
        ("raw access token", raw.clone()),
    ];
    for t in &texts {
        for (what, needle) in &needles {
            assert!(!t.contains(needle.as_str()), "{what} leaked in:\n{t}");
        }
        // Every access and refresh token of the sandbox is 64 hex digits
        // (request ids are 32): the client's own tokens never show either.
        assert!(!has_hex_run(t, 40), "a token leaked in:\n{t}");
    }
    // The redaction marks are there instead.
    let all = texts.join("\n");
    assert!(all.contains("bearer:[REDACTED]"));
    assert!(all.contains("bearer: [REDACTED]"));
    assert!(all.contains("Basic [REDACTED]"));
    assert!(all.contains("client_id:[REDACTED], client_secret:[REDACTED]"));
    assert!(all.contains(r#"\"access_token\":\"[REDACTED]\""#));
}
