//! The request log's HAR export (`W`) and re-send (`r`) over loopback: a session's
//! exchanges, written as HAR 1.2, are accepted by a HAR reader from the registry (the
//! `har` crate) with every entry, and hold no secret; a logged read sent again answers
//! and is logged again; what cannot be sent whole (a token call, a body with a redacted
//! secret, another host) is refused in words and nothing is sent.

mod client_common;

use std::collections::BTreeMap;

use client_common::*;
use onelogin_tui::api::{UserQuery, UserUpdate, to_har};
use onelogin_tui::sandbox::Scope;

#[tokio::test]
async fn a_sessions_har_is_accepted_by_a_har_reader_and_holds_no_secret() {
    let mut env = start(small()).await;
    let ids = env.plain_ids(1);
    env.client
        .list_users_page(&UserQuery::new().limit(5), None)
        .await
        .unwrap();
    let values = BTreeMap::from([("AWS_Role".to_string(), "Admin".to_string())]);
    env.client
        .set_custom_attributes(ids[0], &values)
        .await
        .unwrap();
    env.client
        .update_user(ids[0], &UserUpdate::new().with("title", "Lead"))
        .await
        .unwrap();
    // An error answer and a /2 call are entries too.
    assert!(env.client.get_user(9_999_999).await.is_err());
    env.client.get_user_v2(ids[0]).await.unwrap();
    let exchanges = env.drain();
    assert!(exchanges.len() >= 6, "{}", exchanges.len());

    let text = serde_json::to_string_pretty(&to_har(exchanges.iter().map(|e| e.as_ref()))).unwrap();
    // The reader is strict: an entry without its request and response is refused.
    let bare = r#"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},
                  "entries":[{"startedDateTime":"2026-11-30T00:00:00Z","time":1}]}}"#;
    assert!(har::from_str(bare).is_err());
    let parsed = har::from_str(&text).unwrap_or_else(|e| panic!("not a HAR: {e}\n{text}"));
    match parsed.log {
        har::Spec::V1_2(log) => {
            assert_eq!(log.entries.len(), exchanges.len());
            assert!(log.entries.iter().any(|e| e.response.status == 404));
            assert!(log.entries.iter().any(|e| e.request.method == "PUT"));
        }
        other => panic!("not HAR 1.2: {other:?}"),
    }
    let cred = env.sb.credential(Scope::ManageAll);
    let token = env.raw_token(&cred).await;
    for secret in [
        cred.client_secret.as_str(),
        token.as_str(),
        &env.sb.api_key(),
    ] {
        assert!(!text.contains(secret), "a secret in the HAR");
    }
    assert!(!has_hex_run(&text, 40), "no token-like run of hex");
}

#[tokio::test]
async fn a_logged_read_goes_again_and_what_cannot_go_whole_is_refused() {
    let mut env = start(small()).await;
    env.client
        .list_users_page(&UserQuery::new().limit(3), None)
        .await
        .unwrap();
    let logged = env
        .drain()
        .into_iter()
        .find(|e| e.path().starts_with("/api/1/users"))
        .unwrap();
    env.client
        .resend(&logged.method, &logged.url, None)
        .await
        .unwrap();
    let again = env.drain();
    assert!(
        again
            .iter()
            .any(|e| e.url == logged.url && e.status == Some(200)),
        "the new exchange is logged"
    );

    // A token call carries the credentials: refused, nothing sent.
    let cred = env.sb.credential(Scope::ManageAll);
    env.raw_token(&cred).await;
    let token_call = env
        .drain()
        .into_iter()
        .find(|e| e.path().contains("oauth2"))
        .unwrap();
    let e = env
        .client
        .resend(
            &token_call.method,
            &token_call.url,
            token_call.request_body.as_deref(),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("credentials"), "{e}");
    // A body whose secret was redacted cannot be sent whole.
    let path = format!("{}/api/1/users/{}", env.sb.url(), env.plain_ids(1)[0]);
    let e = env
        .client
        .resend("PUT", &path, Some(r#"{"password":"[REDACTED]"}"#))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("redacted"), "{e}");
    // Another host: not this tenant.
    let e = env
        .client
        .resend("GET", "http://192.0.2.1/api/1/users", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not to this tenant"), "{e}");
    assert!(env.drain().is_empty(), "nothing was sent");
}
