//! The request log's "copy as curl": every recorded exchange of a session,
//! rendered with `Exchange::to_curl()` and run by a shell with the secrets in
//! `$ONELOGIN_TOKEN`, `$ONELOGIN_CLIENT_ID`/`$ONELOGIN_CLIENT_SECRET` and
//! `$ONELOGIN_API_KEY`, gets the same answer from the sandbox. Skipped, visibly,
//! when curl is missing (fails under CI=true).

mod client_common;
mod skip;

use std::collections::BTreeMap;

use client_common::*;
use onelogin_tui::api::{UserQuery, UserUpdate, V3UserUpdate};
use onelogin_tui::sandbox::Scope;
use serde_json::Value;

#[tokio::test]
async fn every_recorded_exchange_replays_with_curl() {
    if !skip::need("curl", "--version") {
        return;
    }
    let mut env = start(small()).await;
    let ids = env.plain_ids(2);
    let odd = "O'Brien & \"Sons\" $HOME `x` *";
    env.client
        .list_users_page(&UserQuery::new().email("*@example.com").limit(5), None)
        .await
        .unwrap();
    let values = BTreeMap::from([("skype".to_string(), odd.to_string())]);
    env.client
        .set_custom_attributes(ids[0], &values)
        .await
        .unwrap();
    env.client
        .update_user(ids[0], &UserUpdate::new().with("title", odd))
        .await
        .unwrap();
    env.client
        .update_user_v3(ids[1], &V3UserUpdate::new().with("department", odd))
        .await
        .unwrap();
    env.client
        .set_custom_attributes(ids[0], &BTreeMap::new())
        .await
        .unwrap_err();
    let xs = env.drain();
    assert_eq!(xs.len(), 6, "token, list, set, put, v3, failed set");

    let cred = env.sb.credential(Scope::ManageAll);
    let token = env.raw_token(&cred).await;
    for x in &xs {
        let cmd = format!("{} -s -w '\\n%{{http_code}}'", x.to_curl());
        assert!(!cmd.contains(&token) && !cmd.contains(&cred.client_secret));
        let out = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .env("ONELOGIN_TOKEN", &token)
            .env("ONELOGIN_CLIENT_ID", &cred.client_id)
            .env("ONELOGIN_CLIENT_SECRET", &cred.client_secret)
            .env("ONELOGIN_API_KEY", env.sb.api_key())
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{cmd}: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let (body, code) = text.rsplit_once('\n').unwrap();
        assert_eq!(code.parse::<u16>().ok(), x.status, "{cmd}\n{body}");
        let recorded: Value =
            serde_json::from_str(x.response_body.as_deref().unwrap()).unwrap_or(Value::Null);
        let replayed: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        assert_eq!(replayed["status"], recorded["status"], "{cmd}\n{body}");
        if x.path().starts_with("/api/1/users?") {
            // The same users (their values changed since, by the later writes).
            let ids = |v: &Value| -> Vec<Value> {
                v["data"]
                    .as_array()
                    .map(|a| a.iter().map(|u| u["id"].clone()).collect())
                    .unwrap_or_default()
            };
            assert_eq!(ids(&replayed), ids(&recorded), "{cmd}");
            assert_eq!(ids(&recorded).len(), 5);
        }
        if x.path() == "/auth/oauth2/v2/token" {
            assert!(replayed["access_token"].is_string(), "{cmd}\n{body}");
        }
    }
    // The replays wrote the same values again.
    let u = env.client.get_user(ids[0]).await.unwrap();
    assert_eq!(u.title.as_deref(), Some(odd));
    assert_eq!(u.field("custom_attributes.skype").as_deref(), Some(odd));
    let u = env.client.get_user(ids[1]).await.unwrap();
    assert_eq!(u.department.as_deref(), Some(odd));
}
