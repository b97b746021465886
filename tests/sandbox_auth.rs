//! Tokens, bearer headers, scopes, revoke, expiry and routing, over loopback HTTP.

mod sandbox_common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use onelogin_tui::sandbox::{SandboxConfig, Scope};
use sandbox_common::*;
use serde_json::json;

#[tokio::test]
async fn v2_token_with_both_header_styles_and_basic() {
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ManageAll);
    assert_eq!(cred.client_id, "sandbox-client-id");
    let headers = [
        format!(
            "client_id:{}, client_secret:{}",
            cred.client_id, cred.client_secret
        ),
        format!(
            "client_id:{},client_secret:{}",
            cred.client_id, cred.client_secret
        ),
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", cred.client_id, cred.client_secret))
        ),
    ];
    let mut tokens = Vec::new();
    for h in headers {
        let a = send(
            env.http
                .post(env.url("/auth/oauth2/v2/token"))
                .header("Authorization", h.as_str())
                .header("Content-Type", "application/json")
                .body(r#"{"grant_type":"client_credentials"}"#),
        )
        .await;
        assert_eq!(a.code, 200, "{h}: {}", a.text);
        assert!(a.json.get("status").is_none(), "v2 answers bare");
        let keys: Vec<&str> = a
            .json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "access_token",
                "created_at",
                "expires_in",
                "refresh_token",
                "token_type",
                "account_id"
            ]
        );
        assert_eq!(a.json["expires_in"], 36000);
        assert_eq!(a.json["token_type"], "bearer");
        assert!(a.json["account_id"].is_i64());
        assert!(a.header("x-request-id").is_some());
        assert_eq!(
            a.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        let t = a.json["access_token"].as_str().unwrap().to_string();
        assert!(t.len() >= 32);
        tokens.push(t);
    }
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 3, "tokens are unpredictable and fresh");
    // Every one works.
    for t in &tokens {
        env.get(t, "/api/1/users?limit=1").await.assert_success();
    }
}

#[tokio::test]
async fn legacy_token_endpoint_wraps_the_token() {
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ReadUsers);
    let a = send(
        env.http
            .post(env.url("/auth/oauth2/token"))
            .header(
                "Authorization",
                format!(
                    "client_id:{}, client_secret:{}",
                    cred.client_id, cred.client_secret
                ),
            )
            .json(&json!({"grant_type": "client_credentials"})),
    )
    .await;
    a.assert_success();
    let token = &a.json["data"][0];
    assert_eq!(token["token_type"], "bearer");
    let t = token["access_token"].as_str().unwrap();
    env.get(t, "/api/1/users?limit=1").await.assert_success();
}

#[tokio::test]
async fn token_errors() {
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ManageAll);
    let good = format!(
        "client_id:{}, client_secret:{}",
        cred.client_id, cred.client_secret
    );
    for path in ["/auth/oauth2/v2/token", "/auth/oauth2/token"] {
        // Bad credentials: the wrapped 401, even on v2.
        let a = send(
            env.http
                .post(env.url(path))
                .header(
                    "Authorization",
                    format!("client_id:{}, client_secret:nope", cred.client_id),
                )
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
        a.assert_error(401, "Unauthorized", "Authentication Failure");

        let basic_bad = format!("Basic {}", STANDARD.encode("who:what"));
        let a = send(
            env.http
                .post(env.url(path))
                .header("Authorization", basic_bad)
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
        a.assert_error(401, "Unauthorized", "Authentication Failure");

        // Wrong or missing grant_type.
        for body in [
            json!({"grant_type": "password"}),
            json!({}),
            json!({"grant_type": 1}),
        ] {
            let a = send(
                env.http
                    .post(env.url(path))
                    .header("Authorization", good.as_str())
                    .json(&body),
            )
            .await;
            a.assert_error(400, "bad request", "grant_type is incorrect/absent");
        }

        // A body that is not JSON.
        let a = send(
            env.http
                .post(env.url(path))
                .header("Authorization", good.as_str())
                .body("grant_type=client_credentials"),
        )
        .await;
        a.assert_error(400, "bad request", "Input JSON is not valid");

        // No credentials at all.
        let a = send(
            env.http
                .post(env.url(path))
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
        a.assert_error(400, "bad request", "Authorization Information is incorrect");
    }
}

#[tokio::test]
async fn all_four_bearer_styles_and_malformed_headers() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    for h in [
        format!("bearer:{t}"),
        format!("bearer: {t}"),
        format!("bearer {t}"),
        format!("Bearer {t}"),
    ] {
        let a = send(
            env.http
                .get(env.url("/api/1/users?limit=2"))
                .header("Authorization", h.as_str()),
        )
        .await;
        a.assert_success();
        assert_eq!(a.json["data"].as_array().unwrap().len(), 2, "{h}");
    }
    for h in [
        Some(format!("bearer{t}")),
        Some(format!("token {t}")),
        Some("bearer:".to_string()),
        Some(format!("Basic {t}")),
        None,
    ] {
        let mut req = env.http.get(env.url("/api/1/users"));
        if let Some(h) = &h {
            req = req.header("Authorization", h.as_str());
        }
        let a = send(req).await;
        a.assert_error(400, "bad request", "Authorization Information is incorrect");
    }
    // A well-formed header with an unknown token.
    let a = env.get("0123456789abcdef", "/api/1/users").await;
    a.assert_error(401, "Unauthorized", "Authentication Failure");
}

#[tokio::test]
async fn scopes_gate_each_call() {
    let env = start(small()).await;
    let read_users = env.token(Scope::ReadUsers).await;
    let manage_users = env.token(Scope::ManageUsers).await;
    let read_all = env.token(Scope::ReadAll).await;
    let manage_all = env.token(Scope::ManageAll).await;
    let id = env.first_ids(&manage_all).await[5];

    // Every scope reads.
    for t in [&read_users, &manage_users, &read_all, &manage_all] {
        for path in [
            "/api/1/users".to_string(),
            format!("/api/1/users/{id}"),
            "/api/1/users/custom_attributes".to_string(),
            format!("/api/1/users/{id}/roles"),
            "/api/1/roles".to_string(),
            "/api/1/groups".to_string(),
        ] {
            env.get(t, &path).await.assert_success();
        }
    }
    let user_put = json!({"title": "Scoped"});
    let attrs = json!({"custom_attributes": {"skype": "scoped"}});
    // Read scopes may not write.
    for t in [&read_users, &read_all] {
        env.put(t, &format!("/api/1/users/{id}"), &user_put)
            .await
            .assert_error(401, "Unauthorized", "Insufficient Permission");
        env.put(
            t,
            &format!("/api/1/users/{id}/set_custom_attributes"),
            &attrs,
        )
        .await
        .assert_error(401, "Unauthorized", "Insufficient Permission");
    }
    // Manage users may update users and attributes, not roles.
    env.put(&manage_users, &format!("/api/1/users/{id}"), &user_put)
        .await
        .assert_success();
    env.put(
        &manage_users,
        &format!("/api/1/users/{id}/set_custom_attributes"),
        &attrs,
    )
    .await
    .assert_status(200, "success", json!("Success"));
    let roles = json!({"role_id_array": [141_013]});
    for t in [&read_users, &manage_users, &read_all] {
        env.put(t, &format!("/api/1/users/{id}/add_roles"), &roles)
            .await
            .assert_error(401, "Unauthorized", "Insufficient Permission");
        env.put(t, &format!("/api/1/users/{id}/remove_roles"), &roles)
            .await
            .assert_error(401, "Unauthorized", "Insufficient Permission");
    }
    // Manage users may not touch the account owner: 403.
    let owner = env.id_of(&manage_all, "owner@example.com").await;
    env.put(&manage_users, &format!("/api/1/users/{owner}"), &user_put)
        .await
        .assert_error(
            403,
            "forbidden",
            "user is not authorized to access this User",
        );
    env.put(&manage_all, &format!("/api/1/users/{owner}"), &user_put)
        .await
        .assert_success();
}

#[tokio::test]
async fn add_credential_gives_a_fresh_working_pair() {
    let env = start(small()).await;
    let before = env.sb.credentials();
    assert!(
        Scope::ALL
            .iter()
            .all(|s| before.iter().any(|c| c.scope == *s))
    );
    let c = env.sb.add_credential(Scope::ReadAll);
    assert!(before.iter().all(|b| b.client_id != c.client_id));
    assert_eq!(env.sb.credentials().len(), before.len() + 1);
    let t = env.token_for(&c).await;
    env.get(&t, "/api/1/groups").await.assert_success();
    env.put(&t, "/api/1/users/10001", &json!({"title": "x"}))
        .await
        .assert_error(401, "Unauthorized", "Insufficient Permission");
}

#[tokio::test]
async fn revoke_and_expire() {
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ManageAll);
    let t1 = env.token_for(&cred).await;
    let t2 = env.token_for(&cred).await;
    let a = send(
        env.http
            .post(env.url("/auth/oauth2/revoke"))
            .header(
                "Authorization",
                format!(
                    "client_id:{}, client_secret:{}",
                    cred.client_id, cred.client_secret
                ),
            )
            .json(&json!({"access_token": t1})),
    )
    .await;
    a.assert_success();
    assert!(a.json.get("data").is_none(), "revoke is status-only");
    env.get(&t1, "/api/1/users")
        .await
        .assert_error(401, "Unauthorized", "Authentication Failure");
    env.get(&t2, "/api/1/users").await.assert_success();

    // Revoke with bad client credentials.
    let a = send(
        env.http
            .post(env.url("/auth/oauth2/revoke"))
            .header("Authorization", "client_id:x, client_secret:y")
            .json(&json!({"access_token": t2})),
    )
    .await;
    a.assert_error(401, "Unauthorized", "Authentication Failure");

    env.sb.expire_all_tokens();
    env.get(&t2, "/api/1/users")
        .await
        .assert_error(401, "Unauthorized", "Authentication Failure");
    // A new token works again.
    let t3 = env.token_for(&cred).await;
    env.get(&t3, "/api/1/users").await.assert_success();
}

#[tokio::test]
async fn tokens_expire_after_their_ttl() {
    let env = start(SandboxConfig {
        users: 10,
        token_ttl: Duration::from_millis(300),
        ..SandboxConfig::default()
    })
    .await;
    let cred = env.sb.credential(Scope::ManageAll);
    let a = send(
        env.http
            .post(env.url("/auth/oauth2/v2/token"))
            .header(
                "Authorization",
                format!(
                    "client_id:{}, client_secret:{}",
                    cred.client_id, cred.client_secret
                ),
            )
            .json(&json!({"grant_type": "client_credentials"})),
    )
    .await;
    assert_eq!(a.json["expires_in"], 1, "at least one second");
    let t = a.json["access_token"].as_str().unwrap().to_string();
    env.get(&t, "/api/1/users").await.assert_success();
    tokio::time::sleep(Duration::from_millis(400)).await;
    env.get(&t, "/api/1/users")
        .await
        .assert_error(401, "Unauthorized", "Authentication Failure");
}

#[tokio::test]
async fn rate_limit_endpoint_and_headers() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let a = env.get(&t, "/api/1/users?limit=1").await;
    a.assert_success();
    let limit: u32 = a.header("x-ratelimit-limit").unwrap().parse().unwrap();
    let r1: u32 = a.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    let reset: u64 = a.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert_eq!(limit, 5000);
    assert_eq!(r1, 4999);
    assert!(reset <= 3600 && reset > 3500, "{reset}");
    let a = env.get(&t, "/api/1/roles").await;
    let r2: u32 = a.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    assert_eq!(r2, r1 - 1);

    let a = env.get(&t, "/auth/rate_limit").await;
    a.assert_success();
    assert_eq!(a.json["data"]["X-RateLimit-Limit"], 5000);
    assert_eq!(a.json["data"]["X-RateLimit-Remaining"], json!(r2));
    assert!(a.json["data"]["X-RateLimit-Reset"].as_u64().unwrap() <= 3600);
    // The status call itself does not count.
    let a = env.get(&t, "/auth/rate_limit").await;
    assert_eq!(a.json["data"]["X-RateLimit-Remaining"], json!(r2));
    assert_eq!(env.sb.stats().api_calls, 2);

    let a = send(env.http.get(env.url("/auth/rate_limit"))).await;
    a.assert_error(400, "bad request", "Authorization Information is incorrect");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    for (method, path) in [
        ("GET", "/api/1/nope"),
        ("GET", "/api/3/users"),
        // DELETE /api/1/users/:id is a route since the lifecycle calls; PATCH never was.
        ("PATCH", "/api/1/users/10001"),
        ("GET", "/api/1/users/10001/lock_user"),
        ("POST", "/api/1/events"),
        ("POST", "/api/1/users/10001/set_custom_attributes"),
        ("GET", "/api/1/users/10001/add_roles"),
        ("GET", "/auth/oauth2/v2/token"),
        ("GET", "/auth/nothing"),
        ("PATCH", "/api/1/roles"),
    ] {
        let a = send(
            env.http
                .request(method.parse().unwrap(), env.url(path))
                .header("Authorization", format!("bearer:{t}")),
        )
        .await;
        a.assert_error(404, "not found", "No Route Exists");
        assert_eq!(
            a.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(a.header("x-request-id").is_some());
    }
}

#[tokio::test]
async fn summary_names_everything_a_user_needs() {
    let env = start(small()).await;
    let s = env.sb.summary();
    assert!(s.contains(&env.sb.url()));
    assert!(s.contains("120 users"));
    for c in env.sb.credentials() {
        assert!(s.contains(&c.client_id) && s.contains(&c.client_secret));
        assert!(s.contains(&c.scope.to_string()));
    }
    assert!(s.contains("sandbox-api-key"));
    assert!(s.contains("5000"));
    assert!(s.contains(
        "id lists on /api/1/users: refuse; API /2: served; /2 rate-limit headers: on; \
         role mappings: department = Engineering → role 141013 (async after 200 ms)"
    ));
    assert_eq!(Scope::ManageUsers.to_string(), "Manage users");
    assert_eq!(Scope::ReadUsers.to_string(), "Read Users");
    env.sb.shutdown().await;
}
