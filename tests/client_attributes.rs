//! Seed 000, "Set Custom Attribute Value", through `api::Client` against the
//! sandbox: the request exactly as the page documents it, and every documented
//! answer both as the recorded envelope and as the `ApiError` the client builds.

mod client_common;

use std::collections::BTreeMap;

use client_common::*;
use onelogin_tui::api::{EnvelopeMessage, RawAuth};
use onelogin_tui::sandbox::Scope;
use reqwest::Method;
use serde_json::json;

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn path(id: impl std::fmt::Display) -> String {
    format!("/api/1/users/{id}/set_custom_attributes")
}

#[tokio::test]
async fn success_sends_the_documented_request_and_reads_the_documented_answer() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let values = attrs(&[("AWS_Role", "Administrator"), ("skype", "l_gonzalez")]);
    env.client.set_custom_attributes(id, &values).await.unwrap();

    let xs = env.drain();
    assert_eq!(token_calls(&xs), 1);
    let x = only_call(&xs);
    // The request, as the page documents it.
    assert_eq!(x.method, "PUT");
    assert_eq!(x.path(), path(id));
    assert_eq!(x.url, format!("{}{}", env.sb.url(), path(id)));
    assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    assert_eq!(x.request_header("content-type"), Some("application/json"));
    assert_eq!(
        x.request_body.as_deref(),
        Some(r#"{"custom_attributes":{"AWS_Role":"Administrator","skype":"l_gonzalez"}}"#)
    );
    // The documented success answer, keys in the page's order.
    assert_envelope(&x, 200, "success", json!("Success"));
    assert_eq!(
        x.response_body.as_deref(),
        Some(r#"{"status":{"code":200,"error":false,"message":"Success","type":"success"}}"#)
    );
    assert!(x.response_header("x-ratelimit-remaining").is_some());

    // Read back through the client and from the sandbox's side.
    let u = env.client.get_user(id).await.unwrap();
    assert_eq!(
        u.field("custom_attributes.AWS_Role").as_deref(),
        Some("Administrator")
    );
    assert_eq!(
        u.field("custom_attributes.skype").as_deref(),
        Some("l_gonzalez")
    );
    let sb = env.sb.user_json(id).unwrap();
    assert_eq!(sb["custom_attributes"]["skype"], "l_gonzalez");

    // "To remove a custom attribute value, send an empty value."
    env.client
        .set_custom_attributes(id, &attrs(&[("AWS_Role", "")]))
        .await
        .unwrap();
    let u = env.client.get_user(id).await.unwrap();
    assert_eq!(u.custom_attributes.get("AWS_Role"), Some(&None));
    assert_eq!(
        env.sb.user_json(id).unwrap()["custom_attributes"]["AWS_Role"],
        json!(null)
    );
    assert_eq!(
        u.field("custom_attributes.skype").as_deref(),
        Some("l_gonzalez")
    );
}

#[tokio::test]
async fn field_names_are_the_tenants() {
    let env = start(small()).await;
    for f in ["employee_id", "cost_center", "branch"] {
        assert!(env.sb.remove_custom_attribute_field(f));
    }
    let fields = env.client.custom_attribute_fields().await.unwrap();
    assert_eq!(fields, ["AWS_Role", "skype", "messenger"]);
}

#[tokio::test]
async fn unknown_attribute_lists_the_tenants_fields_with_the_trailing_space() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    // The tenant of the page: exactly AWS_Role, skype, messenger.
    for f in ["employee_id", "cost_center", "branch"] {
        env.sb.remove_custom_attribute_field(f);
    }
    let e = env
        .client
        .set_custom_attributes(id, &attrs(&[("AWS_Role", "x"), ("nickname", "y")]))
        .await
        .unwrap_err();
    let msg = "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ]";
    assert_envelope(&only_call(&env.drain()), 400, "bad request", json!(msg));
    assert_envelope_error(&e, 400, "bad request", text(msg));
    assert_display(&e, "PUT", &path(id), "does not exist on this tenant");
    assert!(!e.is_retryable());
    // Nothing was applied, not even the valid half.
    assert_ne!(
        env.sb.user_json(id).unwrap()["custom_attributes"]["AWS_Role"],
        "x"
    );

    // The list follows the tenant.
    env.sb.add_custom_attribute_field("branch");
    let e = env
        .client
        .set_custom_attributes(id, &attrs(&[("nickname", "y")]))
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        text(
            "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger branch ]",
        ),
    );
}

#[tokio::test]
async fn empty_custom_attributes() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let e = env
        .client
        .set_custom_attributes(id, &BTreeMap::new())
        .await
        .unwrap_err();
    let x = only_call(&env.drain());
    assert_eq!(
        x.request_body.as_deref(),
        Some(r#"{"custom_attributes":{}}"#)
    );
    assert_envelope(&x, 400, "bad request", json!("custom_attributes is empty"));
    assert_envelope_error(&e, 400, "bad request", text("custom_attributes is empty"));
    assert_display(&e, "PUT", &path(id), "at least one");
}

#[tokio::test]
async fn input_json_is_not_valid() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    for body in [
        r#"{"custom_attributes":{"AWS_Role":"x""#,
        "AWS_Role=x",
        "[1,2]",
    ] {
        let e = env
            .client
            .send_raw(Method::PUT, &path(id), Some(body.into()), RawAuth::Bearer)
            .await
            .unwrap_err();
        let x = only_call(&env.drain());
        assert_eq!(x.request_body.as_deref(), Some(body));
        assert_eq!(x.request_header("content-type"), Some("application/json"));
        assert_envelope(&x, 400, "bad request", json!("Input JSON is not valid"));
        assert_envelope_error(&e, 400, "bad request", text("Input JSON is not valid"));
        assert_display(&e, "PUT", &path(id), "could not read the request body");
    }
}

#[tokio::test]
async fn authorization_information_is_incorrect() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let body = r#"{"custom_attributes":{"AWS_Role":"x"}}"#;
    let token = env.raw_token(&env.sb.credential(Scope::ManageAll)).await;
    env.drain();
    let cases = [
        (RawAuth::None, None),
        (
            RawAuth::Header(format!("token {token}")),
            Some("[REDACTED]"),
        ),
        (
            RawAuth::Header(format!("bearer{token}")),
            Some("bearer[REDACTED]"),
        ),
        (RawAuth::Header("bearer:".into()), Some("bearer:[REDACTED]")),
        (
            RawAuth::Header(format!("client_id:a, client_secret:{token}")),
            Some("client_id:[REDACTED], client_secret:[REDACTED]"),
        ),
    ];
    for (auth, recorded) in cases {
        let e = env
            .client
            .send_raw(Method::PUT, &path(id), Some(body.into()), auth.clone())
            .await
            .unwrap_err();
        let xs = env.drain();
        assert_eq!(token_calls(&xs), 0, "{auth:?}: no renewal for a 400");
        let x = only_call(&xs);
        assert_eq!(x.request_header("authorization"), recorded, "{auth:?}");
        assert_envelope(
            &x,
            400,
            "bad request",
            json!("Authorization Information is incorrect"),
        );
        // The shared errors list their keys in the page's other order.
        assert!(
            x.response_body
                .as_deref()
                .unwrap()
                .starts_with(r#"{"status":{"error":true,"code":400,"type":"bad request""#),
            "{x:?}"
        );
        assert_envelope_error(
            &e,
            400,
            "bad request",
            text("Authorization Information is incorrect"),
        );
        assert_display(&e, "PUT", &path(id), "Authorization header");
    }
    assert!(env.sb.user_json(id).unwrap()["custom_attributes"]["AWS_Role"] != "x");
}

#[tokio::test]
async fn insufficient_permission_is_not_retried() {
    let env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let (reader, mut feed) = env.scoped(Scope::ReadUsers);
    // Reading is allowed.
    reader.get_user(id).await.unwrap();
    drain(&mut feed);
    let e = reader
        .set_custom_attributes(id, &attrs(&[("AWS_Role", "Administrator")]))
        .await
        .unwrap_err();
    let xs = drain(&mut feed);
    assert_eq!(
        token_calls(&xs),
        0,
        "no renewal for Insufficient Permission"
    );
    let x = only_call(&xs);
    assert_envelope(&x, 401, "Unauthorized", json!("Insufficient Permission"));
    assert_envelope_error(&e, 401, "Unauthorized", text("Insufficient Permission"));
    assert!(e.is_insufficient_permission());
    assert!(!e.is_auth_failure());
    assert!(!e.is_retryable());
    assert_display(&e, "PUT", &path(id), "scope is too low");
    assert!(
        e.to_string()
            .contains("401 Unauthorized: Insufficient Permission")
    );

    // Manage users may (on anyone but the owner).
    let (manager, _) = env.scoped(Scope::ManageUsers);
    manager
        .set_custom_attributes(id, &attrs(&[("AWS_Role", "Administrator")]))
        .await
        .unwrap();
}

#[tokio::test]
async fn forbidden_user_for_a_manage_users_credential() {
    let env = start(small()).await;
    // Confirm from the sandbox's side which user is the owner.
    assert_eq!(
        env.sb.user_json(OWNER_ID).unwrap()["email"],
        "owner@example.com"
    );
    let (manager, mut feed) = env.scoped(Scope::ManageUsers);
    let e = manager
        .set_custom_attributes(OWNER_ID, &attrs(&[("skype", "x")]))
        .await
        .unwrap_err();
    let xs = drain(&mut feed);
    let x = only_call(&xs);
    let msg = "user is not authorized to access this User";
    assert_envelope(&x, 403, "forbidden", json!(msg));
    assert_envelope_error(&e, 403, "forbidden", text(msg));
    assert_display(&e, "PUT", &path(OWNER_ID), "more privileged credential");
    assert_ne!(
        env.sb.user_json(OWNER_ID).unwrap()["custom_attributes"]["skype"],
        "x"
    );
    // Manage All may.
    env.client
        .set_custom_attributes(OWNER_ID, &attrs(&[("skype", "x")]))
        .await
        .unwrap();
    assert_eq!(
        env.sb.user_json(OWNER_ID).unwrap()["custom_attributes"]["skype"],
        "x"
    );
}

#[tokio::test]
async fn user_not_found() {
    let mut env = start(small()).await;
    let e = env
        .client
        .set_custom_attributes(MISSING_ID, &attrs(&[("AWS_Role", "x")]))
        .await
        .unwrap_err();
    let msg = "User for id 88888888 was not found";
    let x = only_call(&env.drain());
    assert_envelope(&x, 404, "not found", json!(msg));
    // As the page prints it: code, error, message, type.
    assert_eq!(
        x.response_body.as_deref(),
        Some(
            r#"{"status":{"code":404,"error":true,"message":"User for id 88888888 was not found","type":"not found"}}"#
        )
    );
    assert_envelope_error(&e, 404, "not found", text(msg));
    assert_display(&e, "PUT", &path(MISSING_ID), "deleted");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn id_is_incorrect_is_an_object_message() {
    let mut env = start(small()).await;
    let body = r#"{"custom_attributes":{"AWS_Role":"x"}}"#;
    for raw in ["abc", "1.5", "12ab"] {
        let e = env
            .client
            .send_raw(Method::PUT, &path(raw), Some(body.into()), RawAuth::Bearer)
            .await
            .unwrap_err();
        let x = only_call(&env.drain());
        assert_envelope(
            &x,
            400,
            "bad request",
            json!({"attribute": "id", "description": "ID is incorrect"}),
        );
        assert_envelope_error(
            &e,
            400,
            "bad request",
            EnvelopeMessage::Attribute {
                attribute: "id".into(),
                description: "ID is incorrect".into(),
            },
        );
        assert_display(&e, "PUT", &path(raw), "must be an integer");
        assert!(
            e.to_string()
                .contains("400 bad request: id: ID is incorrect"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn no_route_exists() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let cases = [
        (Method::GET, path(id)),
        (Method::POST, path(id)),
        (Method::DELETE, path(id)),
        (
            Method::PUT,
            format!("/api/1/users/{id}/set_custom_attribute"),
        ),
        (Method::GET, "/api/1/nowhere".to_string()),
    ];
    for (method, p) in cases {
        let e = env
            .client
            .send_raw(method.clone(), &p, None, RawAuth::Bearer)
            .await
            .unwrap_err();
        let x = only_call(&env.drain());
        assert_eq!(x.method, method.as_str());
        assert_envelope(&x, 404, "not found", json!("No Route Exists"));
        assert_envelope_error(&e, 404, "not found", text("No Route Exists"));
        assert_display(&e, method.as_str(), &p, "wrong method or path");
    }
}
