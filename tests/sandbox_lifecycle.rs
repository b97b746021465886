//! Lifecycle and audit calls over loopback HTTP: /1 `lock_user`, `logout`,
//! `set_state` and `DELETE`; /2 unlock, user apps and MFA devices; the event
//! log (`GET /api/1/events`, `/events/types`) and the event every write leaves.

// The helpers below are assertions: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use onelogin_tui::sandbox::{SandboxConfig, Scope};
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

const OWNER: i64 = 10_001;

/// A call with `Authorization: bearer <token>` (the /2 form; /1 accepts it too).
async fn call(env: &Env, method: Method, token: &str, path: &str, body: Option<&Value>) -> Answer {
    let mut req = env
        .http
        .request(method, env.url(path))
        .header("Authorization", format!("bearer {token}"));
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    send(req).await
}

/// The /2 error object, exactly.
#[track_caller]
fn v2_error(a: &Answer, code: u16, name: &str, message: &str) {
    assert_eq!(a.code.as_u16(), code, "{}", a.text);
    assert_eq!(
        a.json,
        json!({"message": message, "name": name, "statusCode": code}),
        "{}",
        a.text
    );
}

/// Users other than the owner, in id order.
fn plain_ids(env: &Env) -> Vec<i64> {
    (OWNER + 1..OWNER + 2_000)
        .filter(|id| env.sb.user_json(*id).is_some())
        .collect()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// Event type names by id, read from `GET /api/1/events/types`.
async fn type_names(env: &Env, t: &str) -> HashMap<i64, String> {
    let a = env.get(t, "/api/1/events/types").await;
    a.assert_success();
    a.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ty| {
            (
                ty["id"].as_i64().unwrap(),
                ty["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every event of a query, walking `pagination.after_cursor` to the end.
async fn all_events(env: &Env, t: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("/api/1/events?{query}");
    for _ in 0..500 {
        let a = env.get(t, &path).await;
        a.assert_success();
        out.extend(a.json["data"].as_array().unwrap().iter().cloned());
        match a.json["pagination"]["after_cursor"].as_str() {
            Some(c) => {
                path = format!("/api/1/events?{query}&after_cursor={}", urlencode(c));
            }
            None => return out,
        }
    }
    panic!("the cursor did not reach the end");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The names of the events `client` caused on user `id`, oldest first.
async fn names_for(env: &Env, t: &str, id: i64, client: &str) -> Vec<String> {
    let names = type_names(env, t).await;
    all_events(
        env,
        t,
        &format!("user_id={id}&client_id={client}&sort=%2Bid"),
    )
    .await
    .iter()
    .map(|e| names[&e["event_type_id"].as_i64().unwrap()].clone())
    .collect()
}

#[tokio::test]
async fn lock_user_locks_for_the_minutes_asked_and_refuses_bad_bodies() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageUsers);
    let t = env.token_for(&cred).await;
    let id = plain_ids(&env)[4];
    let path = format!("/api/1/users/{id}/lock_user");

    let before = Utc::now();
    let a = env.put(&t, &path, &json!({"locked_until": 15})).await;
    a.assert_success();
    assert!(a.json.get("data").is_none(), "status only: {}", a.text);
    assert!(a.header("x-ratelimit-remaining").is_some());
    let u = env.get(&t, &format!("/api/1/users/{id}")).await.json["data"][0].clone();
    assert_eq!(u["status"], 3, "{u}");
    let until = time(&u["locked_until"]);
    // Rendered to the millisecond.
    let want = before + chrono::Duration::minutes(15) - chrono::Duration::milliseconds(1);
    assert!(
        until >= want && until < want + chrono::Duration::seconds(30),
        "{until} vs {want}"
    );
    assert!(time(&u["updated_at"]) >= before - chrono::Duration::seconds(1));

    // 0: the policy's lock time, 30 minutes.
    env.put(&t, &path, &json!({"locked_until": 0}))
        .await
        .assert_success();
    let u = env.sb.user_json(id).unwrap();
    let until = time(&u["locked_until"]);
    assert!(
        until > Utc::now() + chrono::Duration::minutes(29),
        "{until}"
    );
    assert!(
        until < Utc::now() + chrono::Duration::minutes(31),
        "{until}"
    );

    for body in [
        json!({}),
        json!({"locked_until": null}),
        json!({"locked_until": -1}),
        json!({"locked_until": 1.5}),
        json!({"locked_until": "10"}),
        json!({"locked_until": i64::MAX}),
    ] {
        env.put(&t, &path, &body).await.assert_error(
            400,
            "bad request",
            "locked_until is not valid",
        );
    }
    env.put_raw(&t, &path, "{locked_until").await.assert_error(
        400,
        "bad request",
        "Input JSON is not valid",
    );
    env.put(
        &t,
        "/api/1/users/88888888/lock_user",
        &json!({"locked_until": 5}),
    )
    .await
    .assert_error(404, "not found", "User for id 88888888 was not found");
    env.put(&t, "/api/1/users/x1/lock_user", &json!({"locked_until": 5}))
        .await
        .assert_status(
            400,
            "bad request",
            json!({"attribute": "id", "description": "ID is incorrect"}),
        );
    let reader = env.token(Scope::ReadAll).await;
    env.put(&reader, &path, &json!({"locked_until": 5}))
        .await
        .assert_error(401, "Unauthorized", "Insufficient Permission");
    // The owner: Manage users may not, Manage All may.
    let owner_path = format!("/api/1/users/{OWNER}/lock_user");
    env.put(&t, &owner_path, &json!({"locked_until": 5}))
        .await
        .assert_error(
            403,
            "forbidden",
            "user is not authorized to access this User",
        );
    let admin = env.token(Scope::ManageAll).await;
    env.put(&admin, &owner_path, &json!({"locked_until": 5}))
        .await
        .assert_success();
    env.get(&t, &path)
        .await
        .assert_error(404, "not found", "No Route Exists");

    // Two successful locks by this credential, two events of the lock type.
    let names = names_for(&env, &t, id, &cred.client_id).await;
    assert_eq!(names, ["USER_LOCKED_VIA_API", "USER_LOCKED_VIA_API"]);
}

#[tokio::test]
async fn a_lock_ends_when_its_time_has_passed_and_unlock_ends_it_at_once() {
    let env = start(SandboxConfig {
        lock_minute: Duration::from_millis(150),
        ..small()
    })
    .await;
    let cred = env.sb.add_credential(Scope::ManageUsers);
    let t = env.token_for(&cred).await;
    let ids = plain_ids(&env);
    let (a, b) = (ids[5], ids[6]);
    for id in [a, b] {
        env.put(
            &t,
            &format!("/api/1/users/{id}/lock_user"),
            &json!({"locked_until": 3}),
        )
        .await
        .assert_success();
        assert_eq!(env.sb.user_json(id).unwrap()["status"], 3);
    }
    // b is unlocked through /2 before its lock ends.
    let r = call(
        &env,
        Method::POST,
        &t,
        &format!("/api/2/users/{b}/unlock"),
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert_eq!(r.json, json!({"message": "User unlocked"}));
    let u = env.sb.user_json(b).unwrap();
    assert_eq!(
        (u["status"].clone(), u["locked_until"].clone()),
        (json!(1), Value::Null)
    );

    tokio::time::sleep(Duration::from_millis(700)).await;
    // A lock whose time has passed reads as Active, over the API and in the tenant.
    let got = env.get(&t, &format!("/api/1/users/{a}")).await.json["data"][0].clone();
    assert_eq!(
        (got["status"].clone(), got["locked_until"].clone()),
        (json!(1), Value::Null)
    );
    let got = call(&env, Method::GET, &t, &format!("/api/2/users/{a}"), None).await;
    assert_eq!(got.json["status"], 1, "{}", got.text);

    // A new status written later is not undone by an old lock's end.
    env.put(
        &t,
        &format!("/api/1/users/{a}/lock_user"),
        &json!({"locked_until": 4}),
    )
    .await
    .assert_success();
    let w = call(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{a}?mappings=disabled"),
        Some(&json!({"status": 2})),
    )
    .await;
    assert_eq!(w.json["status"], 2, "{}", w.text);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(env.sb.user_json(a).unwrap()["status"], 2);

    // The unlock left an event; an ending lock does not.
    assert_eq!(
        names_for(&env, &t, b, &cred.client_id).await,
        ["USER_LOCKED_VIA_API", "UNLOCKED_USER"]
    );
    assert_eq!(
        names_for(&env, &t, a, &cred.client_id).await,
        ["USER_LOCKED_VIA_API", "USER_LOCKED_VIA_API", "UPDATED_USER"]
    );
}

#[tokio::test]
async fn logout_ends_sessions_and_says_so_in_the_log() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageAll);
    let t = env.token_for(&cred).await;
    let id = plain_ids(&env)[7];
    let path = format!("/api/1/users/{id}/logout");
    let before = env.sb.user_json(id).unwrap();
    assert_eq!(env.sb.sessions_ended(id), 0);
    env.put_raw(&t, &path, "").await.assert_success();
    env.put(&t, &path, &json!({})).await.assert_success();
    assert_eq!(env.sb.sessions_ended(id), 2);
    // No user field changes.
    assert_eq!(env.sb.user_json(id).unwrap(), before);
    assert_eq!(
        names_for(&env, &t, id, &cred.client_id).await,
        ["LOGGED_OUT_USER", "LOGGED_OUT_USER"]
    );

    let users = env.token(Scope::ManageUsers).await;
    env.put(&users, &format!("/api/1/users/{OWNER}/logout"), &json!({}))
        .await
        .assert_error(
            403,
            "forbidden",
            "user is not authorized to access this User",
        );
    let reader = env.token(Scope::ReadUsers).await;
    env.put(&reader, &path, &json!({})).await.assert_error(
        401,
        "Unauthorized",
        "Insufficient Permission",
    );
    env.put(&t, "/api/1/users/99999999/logout", &json!({}))
        .await
        .assert_error(404, "not found", "User for id 99999999 was not found");
    assert_eq!(env.sb.sessions_ended(id), 2);
}

#[tokio::test]
async fn set_state_sets_each_state_and_refuses_others() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageUsers);
    let t = env.token_for(&cred).await;
    let id = plain_ids(&env)[8];
    let path = format!("/api/1/users/{id}/set_state");
    for state in [3, 0, 2, 1] {
        env.put(&t, &path, &json!({"state": state}))
            .await
            .assert_success();
        let u = env.get(&t, &format!("/api/1/users/{id}")).await;
        assert_eq!(u.json["data"][0]["state"], state, "{}", u.text);
    }
    for body in [
        json!({"state": 4}),
        json!({"state": -1}),
        json!({"state": "1"}),
        json!({"state": null}),
        json!({"status": 1}),
    ] {
        env.put(&t, &path, &body)
            .await
            .assert_error(400, "bad request", "state is not valid");
    }
    assert_eq!(env.sb.user_json(id).unwrap()["state"], 1);
    env.put(&t, "/api/1/users/88888888/set_state", &json!({"state": 1}))
        .await
        .assert_error(404, "not found", "User for id 88888888 was not found");
    let events = all_events(
        &env,
        &t,
        &format!("user_id={id}&client_id={}&sort=%2Bid", cred.client_id),
    )
    .await;
    let notes: Vec<&str> = events
        .iter()
        .map(|e| e["notes"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 4);
    assert_eq!(notes[0].split_whitespace().last(), Some("3"));
    assert_eq!(notes[3], "state 2 -> 1");
}

#[tokio::test]
async fn delete_removes_the_user_and_what_hangs_on_it() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageAll);
    let t = env.token_for(&cred).await;
    let ids = plain_ids(&env);
    // The highest id: a new user must not get it back.
    let id = *ids.last().unwrap();
    let roles: Vec<i64> = serde_json::from_value(env.sb.user_json(id).unwrap()["role_id"].clone())
        .unwrap_or_default();
    let name = {
        let u = env.sb.user_json(id).unwrap();
        format!(
            "{} {}",
            u["firstname"].as_str().unwrap(),
            u["lastname"].as_str().unwrap()
        )
    };
    // Each of its roles counts one member less afterwards.
    let total = |a: &Answer| a.header("total-count").unwrap().parse::<i64>().unwrap();
    let mut members = Vec::new();
    for r in &roles {
        let m = call(
            &env,
            Method::GET,
            &t,
            &format!("/api/2/roles/{r}/users"),
            None,
        )
        .await;
        members.push(total(&m));
    }
    let a = call(
        &env,
        Method::DELETE,
        &t,
        &format!("/api/1/users/{id}"),
        None,
    )
    .await;
    a.assert_success();
    assert!(a.json.get("data").is_none());
    env.get(&t, &format!("/api/1/users/{id}"))
        .await
        .assert_error(404, "not found", &format!("User for id {id} was not found"));
    v2_error(
        &call(&env, Method::GET, &t, &format!("/api/2/users/{id}"), None).await,
        404,
        "NotFoundError",
        &format!("User for id {id} was not found"),
    );
    v2_error(
        &call(
            &env,
            Method::GET,
            &t,
            &format!("/api/2/mfa/users/{id}/devices"),
            None,
        )
        .await,
        404,
        "NotFoundError",
        &format!("User for id {id} was not found"),
    );
    for (r, before) in roles.iter().zip(members) {
        let m = call(
            &env,
            Method::GET,
            &t,
            &format!("/api/2/roles/{r}/users"),
            None,
        )
        .await;
        assert_eq!(total(&m), before - 1, "role {r}");
    }
    // Deleting again: the user is gone.
    call(
        &env,
        Method::DELETE,
        &t,
        &format!("/api/1/users/{id}"),
        None,
    )
    .await
    .assert_error(404, "not found", &format!("User for id {id} was not found"));
    // A new user gets a new id.
    let created = call(
        &env,
        Method::POST,
        &t,
        "/api/2/users?mappings=disabled",
        Some(&json!({"email": "after.delete@example.com"})),
    )
    .await;
    assert_eq!(created.code, 201, "{}", created.text);
    assert!(
        created.json["id"].as_i64().unwrap() > id,
        "{}",
        created.text
    );

    // The owner: Manage users is refused access, Manage All is refused the delete.
    let users = env.token(Scope::ManageUsers).await;
    call(
        &env,
        Method::DELETE,
        &users,
        &format!("/api/1/users/{OWNER}"),
        None,
    )
    .await
    .assert_error(
        403,
        "forbidden",
        "user is not authorized to access this User",
    );
    call(
        &env,
        Method::DELETE,
        &t,
        &format!("/api/1/users/{OWNER}"),
        None,
    )
    .await
    .assert_error(403, "forbidden", "The account owner cannot be deleted");
    let reader = env.token(Scope::ReadAll).await;
    call(
        &env,
        Method::DELETE,
        &reader,
        &format!("/api/1/users/{}", ids[0]),
        None,
    )
    .await
    .assert_error(401, "Unauthorized", "Insufficient Permission");
    call(&env, Method::DELETE, &t, "/api/1/users/abc", None)
        .await
        .assert_status(
            400,
            "bad request",
            json!({"attribute": "id", "description": "ID is incorrect"}),
        );
    assert!(env.sb.user_json(OWNER).is_some() && env.sb.user_json(ids[0]).is_some());

    // The log names the deleted user as it was.
    let events = all_events(
        &env,
        &t,
        &format!("user_id={id}&client_id={}", cred.client_id),
    )
    .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["user_name"], json!(name));
    let names = type_names(&env, &t).await;
    assert_eq!(
        names[&events[0]["event_type_id"].as_i64().unwrap()],
        "DELETED_USER"
    );
}

#[tokio::test]
async fn user_apps_follow_roles() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let admin = env.token(Scope::ManageAll).await;
    let ids = plain_ids(&env);
    let with_roles = ids
        .iter()
        .copied()
        .find(|id| {
            env.sb.user_json(*id).unwrap()["role_id"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        })
        .unwrap();
    let path = format!("/api/2/users/{with_roles}/apps");
    let a = call(&env, Method::GET, &t, &path, None).await;
    assert_eq!(a.code, 200, "{}", a.text);
    let apps = a.json.as_array().unwrap();
    assert!(!apps.is_empty(), "{}", a.text);
    let keys: HashSet<&str> = [
        "id",
        "name",
        "icon_url",
        "login_id",
        "provisioning_status",
        "provisioning_state",
        "provisioning_enabled",
    ]
    .into_iter()
    .collect();
    for app in apps {
        let have: HashSet<&str> = app
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(have, keys, "{app}");
        assert!(app["id"].is_i64() && app["login_id"].is_i64() && app["name"].is_string());
        assert!(app["provisioning_enabled"].is_boolean());
        let state = app["provisioning_state"].as_str().unwrap();
        if app["provisioning_enabled"] == json!(false) {
            assert_eq!(state, "unknown");
        } else {
            assert!(
                ["provisioned", "pending", "failed"].contains(&state),
                "{state}"
            );
        }
    }
    let app_ids: Vec<i64> = apps.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert!(app_ids.windows(2).all(|w| w[0] < w[1]), "each once, by id");
    // The same answer twice.
    assert_eq!(call(&env, Method::GET, &t, &path, None).await.json, a.json);

    // A user with no role has no app; granting one grants its apps.
    let bare = ids[20];
    let roles: Vec<i64> =
        serde_json::from_value(env.sb.user_json(bare).unwrap()["role_id"].clone())
            .unwrap_or_default();
    if !roles.is_empty() {
        env.put(
            &admin,
            &format!("/api/1/users/{bare}/remove_roles"),
            &json!({"role_id_array": roles}),
        )
        .await
        .assert_success();
    }
    let none = call(
        &env,
        Method::GET,
        &t,
        &format!("/api/2/users/{bare}/apps"),
        None,
    )
    .await;
    assert_eq!(none.json, json!([]), "{}", none.text);
    env.put(
        &admin,
        &format!("/api/1/users/{bare}/add_roles"),
        &json!({"role_id_array": [141_013]}),
    )
    .await
    .assert_success();
    let eng = call(
        &env,
        Method::GET,
        &t,
        &format!("/api/2/users/{bare}/apps"),
        None,
    )
    .await;
    let names: Vec<&str> = eng
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"GitHub") && names.contains(&"Jira"),
        "{names:?}"
    );

    // Administrators' hidden app shows only when visibility is ignored.
    env.put(
        &admin,
        &format!("/api/1/users/{bare}/add_roles"),
        &json!({"role_id_array": [141_002]}),
    )
    .await
    .assert_success();
    let count = |a: &Answer| a.json.as_array().unwrap().len();
    let visible = call(
        &env,
        Method::GET,
        &t,
        &format!("/api/2/users/{bare}/apps"),
        None,
    )
    .await;
    let all = call(
        &env,
        Method::GET,
        &t,
        &format!("/api/2/users/{bare}/apps?ignore_visibility=true"),
        None,
    )
    .await;
    assert_eq!(count(&all), count(&visible) + 1, "{}", all.text);

    v2_error(
        &call(&env, Method::GET, &t, "/api/2/users/88888888/apps", None).await,
        404,
        "NotFoundError",
        "User for id 88888888 was not found",
    );
    v2_error(
        &call(&env, Method::GET, &t, "/api/2/users/x/apps", None).await,
        400,
        "BadRequestError",
        "ID is incorrect",
    );
    v2_error(
        &call(&env, Method::GET, &t, &format!("{path}?limit=5"), None).await,
        400,
        "BadRequestError",
        "query parameter(s) not allowed: limit",
    );
    v2_error(
        &call(&env, Method::POST, &admin, &path, None).await,
        404,
        "NotFoundError",
        "No Route Exists",
    );
}

#[tokio::test]
async fn mfa_devices_list_and_remove() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageUsers);
    let t = env.token_for(&cred).await;
    let reader = env.token(Scope::ReadUsers).await;
    let ids = plain_ids(&env);
    let mut counts = [0usize; 4];
    let mut two = None;
    for id in &ids {
        let a = call(
            &env,
            Method::GET,
            &reader,
            &format!("/api/2/mfa/users/{id}/devices"),
            None,
        )
        .await;
        assert_eq!(a.code, 200, "{}", a.text);
        let list = a.json.as_array().unwrap();
        counts[list.len()] += 1;
        assert!(list.iter().filter(|d| d["default"] == json!(true)).count() <= 1);
        for d in list {
            let keys: HashSet<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(
                keys,
                HashSet::from([
                    "device_id",
                    "user_display_name",
                    "type_display_name",
                    "auth_factor_name",
                    "default"
                ])
            );
            assert!(d["device_id"].is_string() && d["default"].is_boolean());
        }
        if list.len() >= 2 && two.is_none() {
            two = Some((*id, list.clone()));
        }
    }
    assert!(
        counts[0] > 0 && counts[1] > 0 && counts[2] > 0,
        "{counts:?}"
    );
    let (id, list) = two.unwrap();
    let path = format!("/api/2/mfa/users/{id}/devices");
    let gone = list[0]["device_id"].as_str().unwrap().to_string();
    let del = call(&env, Method::DELETE, &t, &format!("{path}/{gone}"), None).await;
    assert_eq!(del.code, 204, "{}", del.text);
    assert!(del.text.is_empty());
    let after = call(&env, Method::GET, &reader, &path, None).await;
    assert_eq!(
        after.json.as_array().unwrap()[..],
        list[1..],
        "{}",
        after.text
    );
    v2_error(
        &call(&env, Method::DELETE, &t, &format!("{path}/{gone}"), None).await,
        404,
        "NotFoundError",
        &format!("Device for id {gone} was not found"),
    );
    let other = list[1]["device_id"].as_str().unwrap();
    v2_error(
        &call(
            &env,
            Method::DELETE,
            &reader,
            &format!("{path}/{other}"),
            None,
        )
        .await,
        401,
        "UnauthorizedError",
        "Insufficient Permission",
    );
    v2_error(
        &call(
            &env,
            Method::DELETE,
            &t,
            "/api/2/mfa/users/88888888/devices/1",
            None,
        )
        .await,
        404,
        "NotFoundError",
        "User for id 88888888 was not found",
    );
    let owner_devices = call(
        &env,
        Method::GET,
        &t,
        &format!("/api/2/mfa/users/{OWNER}/devices"),
        None,
    )
    .await;
    if let Some(d) = owner_devices.json.as_array().unwrap().first() {
        let p = format!(
            "/api/2/mfa/users/{OWNER}/devices/{}",
            d["device_id"].as_str().unwrap()
        );
        v2_error(
            &call(&env, Method::DELETE, &t, &p, None).await,
            403,
            "ForbiddenError",
            "user is not authorized to access this User",
        );
    }
    // The removal is in the log, with the device.
    let events = all_events(
        &env,
        &t,
        &format!("user_id={id}&client_id={}", cred.client_id),
    )
    .await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["otp_device_id"].to_string(), gone);
    assert_eq!(events[0]["otp_device_name"], list[0]["user_display_name"]);
    let names = type_names(&env, &t).await;
    assert_eq!(
        names[&events[0]["event_type_id"].as_i64().unwrap()],
        "USER_REMOVED_OTP_DEVICE"
    );
}

#[tokio::test]
async fn event_types_and_the_seeded_history() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/events/types").await;
    a.assert_success();
    assert!(a.json.get("pagination").is_none());
    for ty in a.json["data"].as_array().unwrap() {
        let keys: HashSet<&str> = ty.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "name", "description"]), "{ty}");
    }
    let names = type_names(&env, &t).await;
    for n in [
        "USER_LOGGED_INTO_ONELOGIN",
        "USER_FAILED_ONELOGIN_LOGIN",
        "UNLOCKED_USER",
    ] {
        assert!(names.values().any(|v| v == n), "{n}");
    }
    send(env.http.get(env.url("/api/1/events/types")))
        .await
        .assert_error(400, "bad request", "Authorization Information is incorrect");

    // The history: newest first by default, all before now, each key of the contract.
    let history = all_events(&env, &t, "").await;
    assert_eq!(history.len(), env.sb.event_count());
    assert!(history.len() >= 120 * 6, "{}", history.len());
    let ids: Vec<i64> = history.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, ids unique"
    );
    let now = Utc::now();
    let keys = [
        "id",
        "created_at",
        "account_id",
        "user_id",
        "user_name",
        "event_type_id",
        "notes",
        "ipaddr",
        "actor_user_id",
        "actor_user_name",
        "assuming_acting_user_id",
        "role_id",
        "role_name",
        "app_id",
        "app_name",
        "group_id",
        "group_name",
        "otp_device_id",
        "otp_device_name",
        "policy_id",
        "policy_name",
        "actor_system",
        "custom_message",
        "directory_sync_run_id",
        "directory_id",
        "resolution",
        "client_id",
        "resource_type_id",
        "error_description",
        "proxy_ip",
        "risk_score",
        "risk_reasons",
        "risk_cookie_id",
        "browser_fingerprint",
    ];
    let mut kinds = HashSet::new();
    for e in &history {
        let obj = e.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "{e}");
        assert!(keys.iter().all(|k| obj.contains_key(*k)), "{e}");
        let created = e["created_at"].as_str().unwrap();
        assert_eq!(created.len(), "2016-01-21T09:20:15.990Z".len(), "{created}");
        assert!(time(&e["created_at"]) < now);
        kinds.insert(names[&e["event_type_id"].as_i64().unwrap()].clone());
    }
    for k in [
        "USER_LOGGED_INTO_ONELOGIN",
        "USER_FAILED_ONELOGIN_LOGIN",
        "USER_CHANGED_PASSWORD",
    ] {
        assert!(kinds.contains(k), "{k}: {kinds:?}");
    }
}

#[tokio::test]
async fn events_filter_page_and_sort() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let names = type_names(&env, &t).await;
    let id_of = |n: &str| *names.iter().find(|(_, v)| *v == n).unwrap().0;
    let login = id_of("USER_LOGGED_INTO_ONELOGIN");
    let failed = id_of("USER_FAILED_ONELOGIN_LOGIN");

    // A comma list of types.
    let both = all_events(&env, &t, &format!("event_type_id={login},{failed}")).await;
    assert!(!both.is_empty());
    assert!(
        both.iter()
            .all(|e| [login, failed].contains(&e["event_type_id"].as_i64().unwrap()))
    );
    let logins = all_events(&env, &t, &format!("event_type_id={login}")).await;
    let failures = all_events(&env, &t, &format!("event_type_id={failed}")).await;
    assert_eq!(both.len(), logins.len() + failures.len());

    // limit and both cursors.
    let first = env.get(&t, "/api/1/events?limit=7").await;
    let page1 = first.json["data"].as_array().unwrap().clone();
    assert_eq!(page1.len(), 7);
    assert!(first.json["pagination"]["before_cursor"].is_null());
    let after = first.json["pagination"]["after_cursor"].as_str().unwrap();
    assert!(
        first.json["pagination"]["next_link"]
            .as_str()
            .unwrap()
            .contains("after_cursor=")
    );
    let second = env
        .get(
            &t,
            &format!("/api/1/events?limit=7&after_cursor={}", urlencode(after)),
        )
        .await;
    let page2 = second.json["data"].as_array().unwrap().clone();
    assert_eq!(page2.len(), 7);
    assert!(page2[0]["id"].as_i64() < page1[6]["id"].as_i64());
    let before = second.json["pagination"]["before_cursor"].as_str().unwrap();
    let back = env
        .get(
            &t,
            &format!("/api/1/events?limit=7&before_cursor={}", urlencode(before)),
        )
        .await;
    assert_eq!(back.json["data"].as_array().unwrap(), &page1);
    // A cursor of another query is refused.
    env.get(
        &t,
        &format!(
            "/api/1/events?event_type_id={login}&after_cursor={}",
            urlencode(after)
        ),
    )
    .await
    .assert_error(400, "bad request", "after_cursor is not valid");
    // limit caps at 50.
    let big = env.get(&t, "/api/1/events?limit=500").await;
    assert_eq!(big.json["data"].as_array().unwrap().len(), 50);

    // sort=+id: oldest first; -created_at: newest first.
    let asc = env.get(&t, "/api/1/events?sort=%2Bid&limit=5").await;
    let asc_ids: Vec<i64> = ids(&asc.json);
    assert!(asc_ids.windows(2).all(|w| w[0] < w[1]), "{asc_ids:?}");
    let desc = env.get(&t, "/api/1/events?sort=-created_at&limit=5").await;
    assert_eq!(ids(&desc.json), ids(&first.json)[..5]);

    // user_id, id, fields, since/until.
    let user = page1[0]["user_id"].as_i64().unwrap();
    let mine = all_events(&env, &t, &format!("user_id={user}")).await;
    assert!(!mine.is_empty() && mine.iter().all(|e| e["user_id"] == user));
    let one = env
        .get(&t, &format!("/api/1/events?id={}", page1[3]["id"]))
        .await;
    assert_eq!(one.json["data"].as_array().unwrap(), &page1[3..4]);
    let slim = env
        .get(&t, "/api/1/events?fields=event_type_id,user_id&limit=3")
        .await;
    for e in slim.json["data"].as_array().unwrap() {
        let keys: HashSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "event_type_id", "user_id"]));
    }
    let cut = page1[3]["created_at"].as_str().unwrap();
    let since = all_events(&env, &t, &format!("since={}", urlencode(cut))).await;
    assert!(
        since
            .iter()
            .all(|e| time(&e["created_at"]) >= time(&json!(cut)))
    );
    let until = all_events(&env, &t, &format!("until={}", urlencode(cut))).await;
    assert!(
        until
            .iter()
            .all(|e| time(&e["created_at"]) <= time(&json!(cut)))
    );
    assert!(since.len() + until.len() >= env.sb.event_count());

    // Refusals.
    env.get(&t, "/api/1/events?page=2").await.assert_status(
        400,
        "bad request",
        json!({"attribute": "page", "description": "page is not supported, use after_cursor"}),
    );
    env.get(&t, "/api/1/events?event_type_id=lock")
        .await
        .assert_status(
            400,
            "bad request",
            json!({"attribute": "event_type_id", "description": "event_type_id is incorrect"}),
        );
    env.get(&t, "/api/1/events?since=yesterday")
        .await
        .assert_status(
            400,
            "bad request",
            json!({"attribute": "since", "description": "since is not a valid date"}),
        );
    // Unknown parameters are ignored, as on the user list.
    let ignored = env.get(&t, "/api/1/events?limit=7&colour=blue").await;
    assert_eq!(ids(&ignored.json), ids(&first.json));
    send(
        env.http
            .get(env.url("/api/1/events"))
            .header("Authorization", "bearer:nope"),
    )
    .await
    .assert_error(401, "Unauthorized", "Authentication Failure");
}

#[tokio::test]
async fn every_write_leaves_an_event_of_a_listed_type_with_the_callers_client_id() {
    let env = start(small()).await;
    let cred = env.sb.add_credential(Scope::ManageAll);
    let t = env.token_for(&cred).await;
    let other = env.token(Scope::ManageAll).await;
    let ids = plain_ids(&env);
    let id = ids[10];
    let start_count = env.sb.event_count();
    let v1 = |p: &str| format!("/api/1/users/{id}{p}");

    env.put(&t, &v1(""), &json!({"title": "Audited"}))
        .await
        .assert_success();
    env.put(
        &t,
        &v1("/set_custom_attributes"),
        &json!({"custom_attributes": {"skype": "a"}}),
    )
    .await
    .assert_success();
    let have: Vec<i64> = serde_json::from_value(env.sb.user_json(id).unwrap()["role_id"].clone())
        .unwrap_or_default();
    let role = [141_001, 141_002, 141_005]
        .into_iter()
        .find(|r| !have.contains(r))
        .unwrap();
    env.put(&t, &v1("/add_roles"), &json!({"role_id_array": [role]}))
        .await
        .assert_success();
    env.put(&t, &v1("/remove_roles"), &json!({"role_id_array": [role]}))
        .await
        .assert_success();
    let r = call(
        &env,
        Method::POST,
        &t,
        &format!("/api/2/roles/{role}/users"),
        Some(&json!([id])),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    let r = call(
        &env,
        Method::DELETE,
        &t,
        &format!("/api/2/roles/{role}/users"),
        Some(&json!([id])),
    )
    .await;
    assert_eq!(r.code, 204, "{}", r.text);
    let r = call(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}?mappings=disabled"),
        Some(&json!({"department": "Audit", "password": "S3cret!pass", "password_confirmation": "S3cret!pass"})),
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    env.put(&t, &v1("/lock_user"), &json!({"locked_until": 5}))
        .await
        .assert_success();
    let r = call(
        &env,
        Method::POST,
        &t,
        &format!("/api/2/users/{id}/unlock"),
        None,
    )
    .await;
    assert_eq!(r.code, 200, "{}", r.text);
    env.put(&t, &v1("/set_state"), &json!({"state": 3}))
        .await
        .assert_success();
    env.put(&t, &v1("/logout"), &json!({}))
        .await
        .assert_success();
    // Another credential's write is not this credential's.
    env.put(&other, &v1(""), &json!({"title": "Other"}))
        .await
        .assert_success();

    assert_eq!(
        names_for(&env, &t, id, &cred.client_id).await,
        [
            "UPDATED_USER",
            "UPDATED_USER",
            "USER_ASSIGNED_ROLE",
            "USER_UNASSIGNED_ROLE",
            "USER_ASSIGNED_ROLE",
            "USER_UNASSIGNED_ROLE",
            "UPDATED_USER",
            "USER_CHANGED_PASSWORD",
            "USER_LOCKED_VIA_API",
            "UNLOCKED_USER",
            "CHANGED_USER_STATE",
            "LOGGED_OUT_USER",
        ]
    );
    let mine = all_events(
        &env,
        &t,
        &format!("client_id={}&sort=%2Bid", cred.client_id),
    )
    .await;
    let names = type_names(&env, &t).await;
    let before_all = Utc::now();
    for (i, e) in mine.iter().enumerate() {
        assert!(
            names.contains_key(&e["event_type_id"].as_i64().unwrap()),
            "{e}"
        );
        assert_eq!(e["client_id"], json!(cred.client_id));
        assert_eq!(e["actor_system"], "API");
        assert_eq!(e["user_id"], id);
        assert!(e["user_name"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(time(&e["created_at"]) <= before_all);
        if i > 0 {
            assert!(e["id"].as_i64() > mine[i - 1]["id"].as_i64());
            assert!(time(&e["created_at"]) >= time(&mine[i - 1]["created_at"]));
        }
    }
    let roles_events: Vec<&Value> = mine.iter().filter(|e| !e["role_id"].is_null()).collect();
    assert_eq!(roles_events.len(), 4);
    assert!(
        roles_events
            .iter()
            .all(|e| e["role_id"] == role && e["role_name"].is_string())
    );
    assert!(
        mine.iter()
            .all(|e| !e["notes"].as_str().unwrap_or("").contains("password"))
    );
    assert_eq!(env.sb.event_count(), start_count + 13);

    // A user created through /2, and the v3 key's update, which no OAuth client made.
    let created = call(
        &env,
        Method::POST,
        &t,
        "/api/2/users?mappings=disabled",
        Some(&json!({"email": "audited.new@example.com"})),
    )
    .await;
    let new_id = created.json["id"].as_i64().unwrap();
    assert_eq!(
        names_for(&env, &t, new_id, &cred.client_id).await,
        ["CREATED_USER"]
    );
    let v3 = env
        .http
        .put(env.url(&format!("/api/v3/users/{id}.xml")))
        .basic_auth(env.sb.api_key(), Some("x"))
        .header("Content-Type", "application/xml")
        .body("<user><title>Via v3</title></user>")
        .send()
        .await
        .unwrap();
    assert_eq!(v3.status(), 200);
    let last = env
        .get(&t, &format!("/api/1/events?user_id={id}&limit=1"))
        .await;
    let e = &last.json["data"][0];
    assert_eq!(names[&e["event_type_id"].as_i64().unwrap()], "UPDATED_USER");
    assert!(e["client_id"].is_null(), "{e}");
}
