//! Roles and groups through `api::Client`: lists, a user's roles, add_roles /
//! remove_roles with the `{"role_id_array": [...]}` body, and their errors.

mod client_common;

use client_common::*;
use onelogin_tui::api::{EnvelopeMessage, RawAuth};
use onelogin_tui::sandbox::Scope;
use reqwest::Method;
use serde_json::json;

const ALL_ROLES: [i64; 8] = [
    141_001, 141_002, 141_005, 141_006, 141_009, 141_010, 141_013, 141_020,
];

#[tokio::test]
async fn role_and_group_lists() {
    let env = start(small()).await;
    let roles = env.client.list_roles(None).await.unwrap();
    assert_eq!(roles.iter().map(|r| r.id).collect::<Vec<_>>(), ALL_ROLES);
    assert_eq!(roles[2].name, "Sales-us");
    let us = env.client.list_roles(Some("*-us")).await.unwrap();
    assert_eq!(
        us.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Sales-us", "Support-us"]
    );
    let groups = env.client.list_groups().await.unwrap();
    assert_eq!(groups.len(), 5);
    assert_eq!(groups[1].name, "Engineering");
    assert!(groups.iter().all(|g| g.reference.is_none()));
}

#[tokio::test]
async fn add_and_remove_roles_on_the_wire() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let have = env.client.user_roles(id).await.unwrap();
    let sb_roles: Vec<i64> = env.sb.user_json(id).unwrap()["role_id"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(have, sb_roles);
    let x = only_call(&env.drain());
    assert_eq!(x.path(), format!("/api/1/users/{id}/roles"));
    assert!(
        body_json(&x)["data"][0].is_array(),
        "data is a list holding one list"
    );

    let add: Vec<i64> = ALL_ROLES
        .iter()
        .copied()
        .filter(|r| !have.contains(r))
        .take(2)
        .collect();
    env.client.add_roles(id, &add).await.unwrap();
    let x = only_call(&env.drain());
    assert_eq!(x.method, "PUT");
    assert_eq!(x.path(), format!("/api/1/users/{id}/add_roles"));
    assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    assert_eq!(x.request_header("content-type"), Some("application/json"));
    assert_eq!(
        x.request_body.as_deref(),
        Some(format!(r#"{{"role_id_array":[{},{}]}}"#, add[0], add[1]).as_str())
    );
    assert_envelope(&x, 200, "success", json!("Success"));
    assert!(
        body_json(&x).get("data").is_none(),
        "operations return only status"
    );

    let now = env.client.user_roles(id).await.unwrap();
    assert!(add.iter().all(|r| now.contains(r)), "{now:?}");
    assert_eq!(
        env.client.get_user(id).await.unwrap().role_id,
        Some(now.clone())
    );

    env.client.remove_roles(id, &add[..1]).await.unwrap();
    let xs = env.drain();
    let x = xs
        .iter()
        .find(|x| x.path().ends_with("/remove_roles"))
        .unwrap();
    assert_eq!(
        x.request_body.as_deref(),
        Some(format!(r#"{{"role_id_array":[{}]}}"#, add[0]).as_str())
    );
    let after = env.client.user_roles(id).await.unwrap();
    assert!(
        !after.contains(&add[0]) && after.contains(&add[1]),
        "{after:?}"
    );
}

#[tokio::test]
async fn role_errors() {
    let env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let have = env.client.user_roles(id).await.unwrap();
    let missing = *ALL_ROLES.iter().find(|r| !have.contains(r)).unwrap();
    let p = |op: &str| format!("/api/1/users/{id}/{op}");

    let e = env.client.add_roles(id, &[999]).await.unwrap_err();
    let subset = "role_id_array should be a subset of -> [141001, 141002, 141005, 141006, 141009, 141010, 141013, 141020]";
    assert_envelope_error(&e, 400, "bad request", text(subset));
    assert_display(&e, "PUT", &p("add_roles"), "does not exist on this tenant");

    let e = env.client.add_roles(id, &[]).await.unwrap_err();
    assert_envelope_error(&e, 400, "bad request", text("role_id_array is empty"));
    assert_display(&e, "PUT", &p("add_roles"), "at least one role");

    env.client.add_roles(id, &[missing]).await.unwrap();
    let e = env.client.add_roles(id, &[missing]).await.unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        text("input role_id_array is already included as user roles"),
    );
    assert_display(&e, "PUT", &p("add_roles"), "already has that role");

    env.client.remove_roles(id, &[missing]).await.unwrap();
    let e = env.client.remove_roles(id, &[missing]).await.unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        text("input role_id_array is not included as user roles"),
    );
    assert_display(&e, "PUT", &p("remove_roles"), "does not have that role");

    // A body of the wrong type, through the raw pipeline.
    let e = env
        .client
        .send_raw(
            Method::PUT,
            &p("add_roles"),
            Some(r#"{"role_id_array":"141001"}"#.into()),
            RawAuth::Bearer,
        )
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        EnvelopeMessage::Attribute {
            attribute: "role_id_array".into(),
            description: "role_id_array has incorrect data type. It should be -> array".into(),
        },
    );
    assert_display(&e, "PUT", &p("add_roles"), "list of integers");

    // Manage users may not change roles; the client does not retry.
    let (manager, mut feed) = env.scoped(Scope::ManageUsers);
    let e = manager.add_roles(id, &[missing]).await.unwrap_err();
    assert_envelope_error(&e, 401, "Unauthorized", text("Insufficient Permission"));
    let xs = drain(&mut feed);
    assert_eq!(token_calls(&xs), 1);
    assert_eq!(xs.len(), 2);

    let e = env.client.user_roles(MISSING_ID).await.unwrap_err();
    assert_envelope_error(
        &e,
        404,
        "not found",
        text("User for id 88888888 was not found"),
    );
}
