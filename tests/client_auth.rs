//! Tokens through `api::Client`: the token request on the wire, renewal under a
//! short lifetime (one renewal for many concurrent calls), renewal after a
//! 401 "Authentication Failure", bad credentials, revoked tokens and the
//! bearer forms the server accepts.

// ApiError is large by design (see src/api/mod.rs); results of it are collected here.
#![allow(clippy::result_large_err)]

mod client_common;

use std::collections::BTreeMap;
use std::time::Duration;

use client_common::*;
use futures::future::join_all;
use onelogin_tui::api::{Client, RawAuth};
use onelogin_tui::sandbox::{SandboxConfig, Scope};
use reqwest::Method;
use serde_json::json;

/// One task per id, so the calls run on both worker threads at once.
async fn spawn_gets(
    client: &Client,
    ids: &[i64],
) -> Vec<Result<onelogin_tui::api::User, onelogin_tui::api::ApiError>> {
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (c, id) = (client.clone(), *id);
            tokio::spawn(async move { c.get_user(id).await })
        })
        .collect();
    join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn one_attr(k: &str, v: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(k.to_string(), v.to_string())])
}

#[tokio::test]
async fn token_request_and_answer_on_the_wire() {
    let mut env = start(small()).await;
    assert!(!env.client.has_token().await);
    env.client.ensure_token().await.unwrap();
    assert!(env.client.has_token().await);
    let xs = env.drain();
    assert_eq!(xs.len(), 1);
    let x = &xs[0];
    assert_eq!(x.method, "POST");
    assert_eq!(x.path(), "/auth/oauth2/v2/token");
    assert_eq!(
        x.request_header("authorization"),
        Some("client_id:[REDACTED], client_secret:[REDACTED]")
    );
    assert_eq!(x.request_header("content-type"), Some("application/json"));
    assert_eq!(
        x.request_body.as_deref(),
        Some(r#"{"grant_type":"client_credentials"}"#)
    );
    assert_eq!(x.status, Some(200));
    // The bare v2 answer, secrets redacted before they were recorded.
    let v = body_json(x);
    assert_eq!(v["access_token"], "[REDACTED]");
    assert_eq!(v["refresh_token"], "[REDACTED]");
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 36000);
    assert!(v["account_id"].is_i64());
    assert!(v.get("status").is_none());
    // A second call reuses the token.
    env.client.ensure_token().await.unwrap();
    env.client.get_user(OWNER_ID).await.unwrap();
    assert_eq!(token_calls(&env.drain()), 0);
}

// Two worker threads: the concurrent calls really race for the renewal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_ttl_one_renewal_for_many_concurrent_calls() {
    let config = SandboxConfig {
        token_ttl: Duration::from_secs(2),
        ..small()
    };
    let mut env = start(config).await;
    let ids = env.plain_ids(20);

    // 20 concurrent first calls: one token.
    let results = spawn_gets(&env.client, &ids).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let xs = env.drain();
    assert_eq!(token_calls(&xs), 1, "one token for 20 concurrent calls");
    assert_eq!(xs.len(), 21);
    let v = body_json(&xs[0]);
    assert_eq!(v["expires_in"], 2);

    // Past expiry (the client renews at 90% of the lifetime): 20 more, one renewal, no 401.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let results = spawn_gets(&env.client, &ids).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let xs = env.drain();
    assert_eq!(token_calls(&xs), 1, "one renewal for 20 concurrent calls");
    assert!(
        xs.iter().all(|x| x.status == Some(200)),
        "the client renews before the server refuses: {xs:#?}"
    );
    // The renewal came first.
    assert_eq!(xs[0].path(), "/auth/oauth2/v2/token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_failure_renews_once_and_retries_once() {
    let mut env = start(small()).await;
    let ids = env.plain_ids(10);
    env.client.ensure_token().await.unwrap();
    env.drain();

    // Every token the server issued is dead; the client does not know.
    env.sb.expire_all_tokens();
    env.client
        .set_custom_attributes(ids[0], &one_attr("AWS_Role", "Administrator"))
        .await
        .unwrap();
    let xs = env.drain();
    let paths: Vec<(String, Option<u16>)> = xs.iter().map(|x| (x.path(), x.status)).collect();
    let set = format!("/api/1/users/{}/set_custom_attributes", ids[0]);
    assert_eq!(
        paths,
        [
            (set.clone(), Some(401)),
            ("/auth/oauth2/v2/token".to_string(), Some(200)),
            (set.clone(), Some(200)),
        ]
    );
    // The refused attempt got the documented answer.
    assert_envelope(&xs[0], 401, "Unauthorized", json!("Authentication Failure"));
    assert_eq!(
        xs[0].request_body, xs[2].request_body,
        "the same request, again"
    );
    assert_eq!(
        env.sb.user_json(ids[0]).unwrap()["custom_attributes"]["AWS_Role"],
        "Administrator"
    );

    // Many concurrent calls on a dead token: still one renewal.
    env.sb.expire_all_tokens();
    let results = spawn_gets(&env.client, &ids).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let xs = env.drain();
    assert_eq!(
        token_calls(&xs),
        1,
        "one renewal however many calls were refused"
    );
    assert_eq!(
        xs.iter().filter(|x| x.status == Some(200)).count(),
        11,
        "10 answers and one token"
    );
}

#[tokio::test]
async fn bad_credentials_surface_authentication_failure() {
    let env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let good = env.sb.credential(Scope::ManageAll);
    let client = client_with(&env.sb, &good.client_id, "not-the-secret");
    let mut feed = client.subscribe();
    let e = client
        .set_custom_attributes(id, &one_attr("AWS_Role", "x"))
        .await
        .unwrap_err();
    let xs = drain(&mut feed);
    assert_eq!(xs.len(), 1, "one token attempt, no loop: {xs:#?}");
    assert_eq!(xs[0].path(), "/auth/oauth2/v2/token");
    // Even on v2, bad credentials get the wrapped envelope.
    assert_envelope(&xs[0], 401, "Unauthorized", json!("Authentication Failure"));
    assert_envelope_error(&e, 401, "Unauthorized", text("Authentication Failure"));
    assert!(e.is_auth_failure());
    assert_display(
        &e,
        "POST",
        "/auth/oauth2/v2/token",
        "client_id / client_secret",
    );
    assert!(!client.has_token().await);
    assert!(!e.to_string().contains("not-the-secret"));

    // An unknown client id, the same.
    let client = client_with(&env.sb, "nobody", "nothing");
    let e = client.get_user(id).await.unwrap_err();
    assert_envelope_error(&e, 401, "Unauthorized", text("Authentication Failure"));
}

#[tokio::test]
async fn a_revoked_token_is_refused_with_authentication_failure() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let cred = env.sb.credential(Scope::ManageAll);
    // A second client's token, taken from a raw token call.
    let other = client_for(&env.sb, &cred);
    let token = raw_token(&other, &cred).await;
    let bearer = RawAuth::Header(format!("bearer:{token}"));
    let p = format!("/api/1/users/{id}/set_custom_attributes");
    let body = Some(r#"{"custom_attributes":{"skype":"before"}}"#.to_string());
    env.client
        .send_raw(Method::PUT, &p, body.clone(), bearer.clone())
        .await
        .unwrap();
    // Revoked by the other client.
    let v = other
        .send_raw(
            Method::POST,
            "/auth/oauth2/revoke",
            Some(json!({ "access_token": token }).to_string()),
            RawAuth::Header(format!(
                "client_id:{}, client_secret:{}",
                cred.client_id, cred.client_secret
            )),
        )
        .await
        .unwrap();
    assert_eq!(v["status"]["message"], "Success");
    env.drain();
    let e = env
        .client
        .send_raw(Method::PUT, &p, body, bearer)
        .await
        .unwrap_err();
    let xs = env.drain();
    assert_eq!(token_calls(&xs), 0, "a literal header is not renewed");
    let x = only_call(&xs);
    assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    assert_envelope(&x, 401, "Unauthorized", json!("Authentication Failure"));
    assert_envelope_error(&e, 401, "Unauthorized", text("Authentication Failure"));
    assert!(e.is_auth_failure());
    assert_display(&e, "PUT", &p, "refused");

    // The client's own revoke: the token is forgotten and a new one fetched.
    env.client.ensure_token().await.unwrap();
    env.client.revoke_token().await.unwrap();
    assert!(!env.client.has_token().await);
    let xs = env.drain();
    let revoke = xs
        .iter()
        .find(|x| x.path() == "/auth/oauth2/revoke")
        .unwrap();
    assert_eq!(revoke.method, "POST");
    assert_eq!(
        revoke.request_body.as_deref(),
        Some(r#"{"access_token":"[REDACTED]"}"#)
    );
    assert_eq!(
        revoke.request_header("authorization"),
        Some("client_id:[REDACTED], client_secret:[REDACTED]")
    );
    let v = body_json(revoke);
    assert_eq!(v["status"]["code"], 200);
    assert!(v.get("data").is_none());
    env.client.get_user(id).await.unwrap();
    assert_eq!(token_calls(&env.drain()), 1);
}

#[tokio::test]
async fn every_documented_bearer_form_is_accepted() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let token = env.raw_token(&env.sb.credential(Scope::ManageAll)).await;
    env.drain();
    for (form, recorded) in [
        (format!("bearer:{token}"), "bearer:[REDACTED]"),
        (format!("bearer: {token}"), "bearer: [REDACTED]"),
        (format!("bearer {token}"), "bearer [REDACTED]"),
        (format!("Bearer {token}"), "Bearer [REDACTED]"),
    ] {
        let v = env
            .client
            .send_raw(
                Method::GET,
                &format!("/api/1/users/{id}"),
                None,
                RawAuth::Header(form),
            )
            .await
            .unwrap();
        assert_eq!(v["data"][0]["id"], id);
        let x = only_call(&env.drain());
        assert_eq!(x.request_header("authorization"), Some(recorded));
    }
}

#[tokio::test]
async fn wrong_grant_type_through_a_raw_call() {
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ManageAll);
    let e = env
        .client
        .send_raw(
            Method::POST,
            "/auth/oauth2/v2/token",
            Some(r#"{"grant_type":"password"}"#.into()),
            RawAuth::Header(format!(
                "client_id:{}, client_secret:{}",
                cred.client_id, cred.client_secret
            )),
        )
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        text("grant_type is incorrect/absent"),
    );
    assert_display(&e, "POST", "/auth/oauth2/v2/token", "malformed");
}
