//! API /2 over loopback HTTP: bare answers, the /2 error object, header paging
//! and its cursor rules, the user filters, PUT with custom attributes, role
//! mappings, role membership with bare arrays, custom attribute definitions,
//! one budget with /1; and the /1 `id=` list setting.

// The helpers below are assertions: a panic there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use onelogin_tui::sandbox::{IdLists, SandboxConfig, Scope};
use reqwest::Method;
use sandbox_common::*;
use serde_json::{Value, json};

const OWNER: i64 = 10_001;
const ENGINEERING: i64 = 141_013;

/// A /2 call with `Authorization: bearer <token>`, as the /2 docs write it.
async fn v2(env: &Env, method: Method, token: &str, path: &str, body: Option<&Value>) -> Answer {
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

async fn v2_get(env: &Env, token: &str, path: &str) -> Answer {
    v2(env, Method::GET, token, path, None).await
}

/// The /2 error object, exactly: `{"message","name","statusCode"}`, no rate headers.
#[track_caller]
fn v2_error(a: &Answer, code: u16, name: &str, message: &str) {
    assert_eq!(a.code.as_u16(), code, "{}", a.text);
    assert_eq!(
        a.json,
        json!({"message": message, "name": name, "statusCode": code}),
        "{}",
        a.text
    );
    assert!(a.header("x-ratelimit-limit").is_none(), "{}", a.text);
}

fn pb(field: &str, message: &str) -> (String, String) {
    (field.to_string(), message.to_string())
}

/// A 422's field problems as (field, message).
#[track_caller]
fn problems(a: &Answer) -> Vec<(String, String)> {
    assert_eq!(a.code, 422, "{}", a.text);
    assert_eq!(a.json["name"], "UnprocessableEntityError", "{}", a.text);
    assert_eq!(a.json["statusCode"], 422, "{}", a.text);
    assert!(
        a.json["message"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed: "),
        "{}",
        a.text
    );
    a.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["field"].as_str().unwrap().to_string(),
                p["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn list_ids(a: &Answer) -> Vec<i64> {
    a.json
        .as_array()
        .unwrap_or_else(|| panic!("a bare array: {}", a.text))
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

/// Users other than the owner, in id order.
fn plain_ids(env: &Env) -> Vec<i64> {
    (OWNER + 1..OWNER + 2_000)
        .filter(|id| env.sb.user_json(*id).is_some())
        .collect()
}

fn roles_of(env: &Env, id: i64) -> Vec<i64> {
    let u = env.sb.user_json(id).unwrap();
    serde_json::from_value(u["role_id"].clone()).unwrap_or_default()
}

#[tokio::test]
async fn bare_answers_and_the_v2_error_object() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let id = plain_ids(&env)[3];
    // Every bearer form /1 accepts; the answer is the bare user object.
    for auth in [
        format!("bearer {t}"),
        format!("Bearer {t}"),
        format!("bearer:{t}"),
        format!("bearer: {t}"),
    ] {
        let a = send(
            env.http
                .get(env.url(&format!("/api/2/users/{id}")))
                .header("Authorization", auth),
        )
        .await;
        assert_eq!(a.code, 200, "{}", a.text);
        // Bare: `status` is the user's own integer, not the /1 status object.
        assert_eq!(a.json["status"], env.sb.user_json(id).unwrap()["status"]);
        assert!(a.json.get("data").is_none(), "bare: {}", a.text);
        assert_eq!(a.json, env.sb.user_json(id).unwrap());
        assert!(a.json["custom_attributes"].is_object());
        assert_eq!(
            a.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert!(a.header("x-ratelimit-remaining").is_some());
    }

    let no_header = send(env.http.get(env.url("/api/2/users"))).await;
    v2_error(
        &no_header,
        400,
        "BadRequestError",
        "Authorization Information is incorrect",
    );
    v2_error(
        &v2_get(&env, "deadbeef", "/api/2/users").await,
        401,
        "UnauthorizedError",
        "Authentication Failure",
    );
    v2_error(
        &v2_get(&env, &t, "/api/2/users/abc").await,
        400,
        "BadRequestError",
        "ID is incorrect",
    );
    v2_error(
        &v2_get(&env, &t, "/api/2/users/88888888").await,
        404,
        "NotFoundError",
        "User for id 88888888 was not found",
    );
    v2_error(
        &v2_get(&env, &t, "/api/2/no_such_thing").await,
        404,
        "NotFoundError",
        "No Route Exists",
    );
    // /1 keeps its envelope for the same mistake.
    env.get(&t, "/api/1/no_such_thing")
        .await
        .assert_error(404, "not found", "No Route Exists");
    v2_error(
        &v2_get(&env, &t, "/api/2/users?email=x&bogus=1&id=3&bogus=2").await,
        400,
        "BadRequestError",
        "query parameter(s) not allowed: bogus, id",
    );
    v2_error(
        &v2_get(&env, &t, &format!("/api/2/users/{id}?fields=email")).await,
        400,
        "BadRequestError",
        "query parameter(s) not allowed: fields",
    );
    // Scope: writes need Manage users, role membership Manage All.
    let reader = env.token(Scope::ReadUsers).await;
    let a = v2(
        &env,
        Method::PUT,
        &reader,
        &format!("/api/2/users/{id}"),
        Some(&json!({"title": "x"})),
    )
    .await;
    v2_error(&a, 401, "UnauthorizedError", "Insufficient Permission");
    let manager = env.token(Scope::ManageUsers).await;
    let a = v2(
        &env,
        Method::PUT,
        &manager,
        &format!("/api/2/users/{OWNER}"),
        Some(&json!({"title": "x"})),
    )
    .await;
    v2_error(
        &a,
        403,
        "ForbiddenError",
        "user is not authorized to access this User",
    );
    let roles_before = roles_of(&env, id);
    let a = v2(
        &env,
        Method::POST,
        &manager,
        &format!("/api/2/roles/{ENGINEERING}/users"),
        Some(&json!([id])),
    )
    .await;
    v2_error(&a, 401, "UnauthorizedError", "Insufficient Permission");
    assert_eq!(roles_of(&env, id), roles_before);
}

#[tokio::test]
async fn list_filters_fields_sort_and_user_ids() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;

    // Up to 50 a page; custom attributes only when `fields` asks for them.
    let a = v2_get(&env, &t, "/api/2/users").await;
    assert_eq!(a.code, 200, "{}", a.text);
    let users = a.json.as_array().unwrap();
    assert_eq!(users.len(), 50);
    assert!(users.iter().all(|u| u.get("custom_attributes").is_none()));
    assert!(users.iter().all(|u| u.get("email").is_some()));
    let a = v2_get(
        &env,
        &t,
        "/api/2/users?fields=email,custom_attributes&limit=3",
    )
    .await;
    for u in a.json.as_array().unwrap() {
        let keys: HashSet<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from(["id", "email", "custom_attributes"]));
    }

    // user_ids: exactly those users, wherever they are in the tenant.
    let ids = plain_ids(&env);
    let want = [ids[0], ids[60], ids[110]];
    let a = v2_get(
        &env,
        &t,
        &format!(
            "/api/2/users?user_ids={},{},{},99999999",
            want[0], want[1], want[2]
        ),
    )
    .await;
    assert_eq!(list_ids(&a), want);
    assert_eq!(a.header("total-count"), Some("3"));
    v2_error(
        &v2_get(&env, &t, "/api/2/users?user_ids=1,two").await,
        400,
        "BadRequestError",
        "user_ids must be a comma separated list of integers",
    );

    // Wildcards and negation as on /1; custom attribute filters.
    let a = v2_get(&env, &t, "/api/2/users?email=owner*").await;
    assert_eq!(list_ids(&a), [OWNER]);
    let a = v2_get(&env, &t, "/api/2/users?email=!owner@example.com&limit=50").await;
    assert_eq!(a.header("total-count"), Some("119"));
    let skype = env.sb.user_json(ids[7]).unwrap()["custom_attributes"]["skype"].clone();
    if let Some(s) = skype.as_str() {
        let a = v2_get(
            &env,
            &t,
            &format!("/api/2/users?custom_attributes.skype={s}"),
        )
        .await;
        assert_eq!(list_ids(&a), [ids[7]]);
    }

    // Sort: descending id; by a string field, ties by id.
    let a = v2_get(&env, &t, "/api/2/users?sort=-id&limit=2").await;
    assert_eq!(list_ids(&a), [ids[118], ids[117]]);
    let a = v2_get(&env, &t, "/api/2/users?sort=%2Blastname&fields=lastname").await;
    let names: Vec<String> = a
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["lastname"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // created_since / created_until: both ends inclusive.
    let at = env.sb.user_json(ids[40]).unwrap()["created_at"]
        .as_str()
        .unwrap()
        .to_string();
    let a = v2_get(
        &env,
        &t,
        &format!("/api/2/users?created_until={at}&fields=id"),
    )
    .await;
    assert_eq!(
        a.header("total-count"),
        Some("42"),
        "owner + 41 up to ids[40]"
    );
    let a = v2_get(
        &env,
        &t,
        &format!("/api/2/users?created_since={at}&created_until={at}"),
    )
    .await;
    assert_eq!(list_ids(&a), [ids[40]]);
    v2_error(
        &v2_get(&env, &t, "/api/2/users?updated_since=last+week").await,
        400,
        "BadRequestError",
        "updated_since is not a valid ISO-8601 date",
    );
    // The sandbox has no apps.
    let a = v2_get(&env, &t, "/api/2/users?app_id=5").await;
    assert_eq!(list_ids(&a), Vec::<i64>::new());
}

#[tokio::test]
async fn pages_and_cursors_with_their_headers() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let all = plain_ids(&env);

    let a = v2_get(&env, &t, "/api/2/users?limit=50").await;
    assert_eq!(a.header("total-count"), Some("120"));
    assert_eq!(a.header("total-pages"), Some("3"));
    assert_eq!(a.header("current-page"), Some("1"));
    assert_eq!(a.header("page-items"), Some("50"));
    assert!(a.header("before-cursor").is_none());
    let link = a.header("link").unwrap();
    assert!(link.contains("page=2>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");

    // Follow After-Cursor alone (no limit beside it) to the end.
    let mut seen = list_ids(&a);
    let mut cursor = a.header("after-cursor").unwrap().to_string();
    let mut pages = 1;
    let mut second_before = None;
    loop {
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "URL-safe: {cursor}"
        );
        let a = v2_get(&env, &t, &format!("/api/2/users?cursor={cursor}")).await;
        assert_eq!(a.code, 200, "{}", a.text);
        pages += 1;
        assert_eq!(a.header("current-page"), Some(pages.to_string().as_str()));
        assert_eq!(a.header("total-count"), Some("120"));
        assert!(a.header("link").unwrap().contains("rel=\"prev\""));
        if pages == 2 {
            second_before = a.header("before-cursor").map(str::to_string);
            // The same page by number.
            let by_number = v2_get(&env, &t, "/api/2/users?limit=50&page=2").await;
            assert_eq!(list_ids(&by_number), list_ids(&a));
        }
        seen.extend(list_ids(&a));
        match a.header("after-cursor") {
            Some(c) => cursor = c.to_string(),
            None => {
                assert!(!a.header("link").unwrap().contains("rel=\"next\""));
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    let mut want = vec![OWNER];
    want.extend(&all);
    assert_eq!(seen, want, "every user once, in id order");

    // Before-Cursor of page 2 goes back to page 1.
    let back = v2_get(
        &env,
        &t,
        &format!("/api/2/users?cursor={}", second_before.unwrap()),
    )
    .await;
    assert_eq!(list_ids(&back), want[..50]);

    // A cursor keeps its query: filters, sort and limit.
    let a = v2_get(
        &env,
        &t,
        "/api/2/users?sort=-id&limit=7&email=*@example.com",
    )
    .await;
    let c = a.header("after-cursor").unwrap();
    let b = v2_get(&env, &t, &format!("/api/2/users?cursor={c}")).await;
    assert_eq!(list_ids(&b).len(), 7);
    assert!(list_ids(&b)[0] < *list_ids(&a).last().unwrap());
    assert_eq!(b.header("page-items"), Some("7"));

    // Past the end: an empty page.
    let a = v2_get(&env, &t, "/api/2/users?limit=50&page=9").await;
    assert_eq!(list_ids(&a), Vec::<i64>::new());
}

#[tokio::test]
async fn cursor_rules_xor_and_only_issued_cursors() {
    let env = start(small()).await;
    let other = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let a = v2_get(&env, &t, "/api/2/users?limit=10&email=*example.com").await;
    let c = a.header("after-cursor").unwrap().to_string();

    for q in [
        format!("cursor={c}&limit=10"),
        format!("limit=10&cursor={c}"),
        format!("cursor={c}&page=2"),
    ] {
        v2_error(
            &v2_get(&env, &t, &format!("/api/2/users?{q}")).await,
            400,
            "BadRequestError",
            "Requests can only have cursor xor pagination arguments",
        );
    }
    let mut edited = c.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    let t_other = other.token(Scope::ReadAll).await;
    let from_other = v2_get(&other, &t_other, "/api/2/users?limit=10&email=*example.com")
        .await
        .header("after-cursor")
        .unwrap()
        .to_string();
    for q in [
        "cursor=bm90LWEtY3Vyc29y".to_string(),
        "cursor=11".to_string(),
        format!("cursor={edited}"),
        format!("cursor={from_other}"),
        format!("cursor={c}&email=kat*"),
    ] {
        v2_error(
            &v2_get(&env, &t, &format!("/api/2/users?{q}")).await,
            400,
            "BadRequestError",
            "Invalid pagination cursor",
        );
    }
    // A role list's cursor is not a user list's.
    let m = env.token(Scope::ManageAll).await;
    let ids = plain_ids(&env);
    v2(
        &env,
        Method::POST,
        &m,
        "/api/2/roles/141020/users",
        Some(&json!(ids[..60])),
    )
    .await;
    let r = v2_get(&env, &t, "/api/2/roles/141020/users").await;
    let rc = r.header("after-cursor").unwrap();
    v2_error(
        &v2_get(&env, &t, &format!("/api/2/users?cursor={rc}")).await,
        400,
        "BadRequestError",
        "Invalid pagination cursor",
    );
    // The same query beside its own cursor is fine.
    let a = v2_get(
        &env,
        &t,
        &format!("/api/2/users?cursor={c}&email=*example.com"),
    )
    .await;
    assert_eq!(a.code, 200, "{}", a.text);
}

#[tokio::test]
async fn put_sets_fields_and_custom_attributes_in_one_call() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageUsers).await;
    let ids = plain_ids(&env);
    let id = ids[9];
    let before_put: DateTime<Utc> = Utc::now();
    let writes = env.sb.stats().writes;

    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}?mappings=disabled"),
        Some(&json!({
            "department": "Finance",
            "title": "Controller",
            "custom_attributes": {"AWS_Role": "Developer", "skype": ""},
        })),
    )
    .await;
    assert_eq!(a.code, 200, "{}", a.text);
    // The whole updated user, bare.
    assert_eq!(a.json, env.sb.user_json(id).unwrap());
    assert_eq!(a.json["department"], "Finance");
    assert_eq!(a.json["title"], "Controller");
    assert_eq!(a.json["custom_attributes"]["AWS_Role"], "Developer");
    assert_eq!(a.json["custom_attributes"]["skype"], Value::Null);
    assert_eq!(env.sb.stats().writes, writes + 1, "one call, one write");
    // /1 reads the same user.
    let one = env.get(&t, &format!("/api/1/users/{id}")).await;
    assert_eq!(one.json["data"][0], a.json);

    // updated_at moved, so updated_since finds it, and only it.
    let updated: DateTime<Utc> = a.json["updated_at"].as_str().unwrap().parse().unwrap();
    assert!(updated >= before_put - chrono::Duration::milliseconds(1));
    let since = (before_put - chrono::Duration::milliseconds(1))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let a = v2_get(&env, &t, &format!("/api/2/users?updated_since={since}")).await;
    assert_eq!(list_ids(&a), [id]);
    // A PUT that changes nothing is still a write.
    let b = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{}", ids[10]),
        Some(&json!({})),
    )
    .await;
    assert_eq!(b.code, 200, "{}", b.text);
    let a = v2_get(&env, &t, &format!("/api/2/users?updated_since={since}")).await;
    assert_eq!(list_ids(&a), [id, ids[10]]);

    // Unknown custom attribute, taken email, bad status: one 422, nothing applied.
    let taken = env.sb.user_json(ids[11]).unwrap()["email"].clone();
    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}"),
        Some(&json!({
            "title": "Never",
            "email": taken,
            "status": 6,
            "custom_attributes": {"no_such": "x"},
        })),
    )
    .await;
    let mut got = problems(&a);
    got.sort();
    assert_eq!(
        got,
        [
            pb(
                "custom_attributes.no_such",
                "is not a custom attribute of this account"
            ),
            pb("email", "has already been taken"),
            pb("status", "is not included in the list"),
        ]
    );
    assert_eq!(env.sb.user_json(id).unwrap()["title"], "Controller");
    // A body that is not an object.
    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}"),
        Some(&json!([1])),
    )
    .await;
    v2_error(&a, 400, "BadRequestError", "Input JSON is not valid");
    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}?mappings=later"),
        Some(&json!({})),
    )
    .await;
    v2_error(
        &a,
        400,
        "BadRequestError",
        "mappings must be async, sync or disabled, not later",
    );
}

/// Users who are not in Engineering and lack the Engineering role.
fn unmapped(env: &Env, n: usize) -> Vec<i64> {
    plain_ids(env)
        .into_iter()
        .filter(|id| {
            let u = env.sb.user_json(*id).unwrap();
            u["department"] != "Engineering" && !roles_of(env, *id).contains(&ENGINEERING)
        })
        .take(n)
        .collect()
}

#[tokio::test]
async fn role_mappings_sync_async_and_disabled() {
    let env = start(SandboxConfig {
        mapping_delay: Duration::from_millis(300),
        ..small()
    })
    .await;
    let t = env.token(Scope::ManageUsers).await;
    let ids = unmapped(&env, 3);
    let put = |id: i64, q: &'static str| {
        let env = &env;
        let t = t.clone();
        async move {
            v2(
                env,
                Method::PUT,
                &t,
                &format!("/api/2/users/{id}{q}"),
                Some(&json!({"department": "Engineering"})),
            )
            .await
        }
    };
    let roles_read = |id: i64| {
        let env = &env;
        let t = t.clone();
        async move {
            let a = env.get(&t, &format!("/api/1/users/{id}/roles")).await;
            serde_json::from_value::<Vec<i64>>(a.json["data"][0].clone()).unwrap()
        }
    };

    // sync: the answer already shows the mapped role.
    let a = put(ids[0], "?mappings=sync").await;
    assert_eq!(a.code, 200, "{}", a.text);
    assert!(
        a.json["role_id"]
            .as_array()
            .unwrap()
            .contains(&json!(ENGINEERING))
    );

    // async (the default): not in the answer nor in a read right after; there a moment later.
    let a = put(ids[1], "").await;
    assert!(
        !a.json["role_id"]
            .as_array()
            .unwrap()
            .contains(&json!(ENGINEERING))
    );
    assert!(!roles_read(ids[1]).await.contains(&ENGINEERING));
    // disabled: never.
    let a = put(ids[2], "?mappings=disabled").await;
    assert_eq!(a.code, 200, "{}", a.text);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(roles_read(ids[1]).await.contains(&ENGINEERING));
    assert!(!roles_read(ids[2]).await.contains(&ENGINEERING));
}

#[tokio::test]
async fn create_get_and_delete() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageUsers).await;
    let last = *plain_ids(&env).last().unwrap();
    let a = v2(
        &env,
        Method::POST,
        &t,
        "/api/2/users?mappings=sync",
        Some(&json!({
            "firstname": "Nova",
            "lastname": "Reyes",
            "email": "nova.reyes@example.com",
            "username": "nova.reyes",
            "department": "Engineering",
            "custom_attributes": {"branch": "Dublin"},
        })),
    )
    .await;
    assert_eq!(a.code, 201, "{}", a.text);
    let id = a.json["id"].as_i64().unwrap();
    assert_eq!(id, last + 1);
    assert_eq!(a.json["status"], 1);
    assert_eq!(a.json["custom_attributes"]["branch"], "Dublin");
    assert_eq!(a.json["role_id"], json!([ENGINEERING]));
    let got = v2_get(&env, &t, &format!("/api/2/users/{id}")).await;
    assert_eq!(got.json, a.json);

    let a = v2(
        &env,
        Method::POST,
        &t,
        "/api/2/users",
        Some(&json!({"email": "NOVA.reyes@example.com"})),
    )
    .await;
    assert_eq!(problems(&a), [pb("email", "has already been taken")]);
    let a = v2(
        &env,
        Method::POST,
        &t,
        "/api/2/users",
        Some(&json!({"firstname": "X"})),
    )
    .await;
    assert_eq!(problems(&a), [pb("email", "can't be blank")]);

    let a = v2(
        &env,
        Method::DELETE,
        &t,
        &format!("/api/2/users/{id}"),
        None,
    )
    .await;
    assert_eq!(a.code, 204);
    assert!(a.text.is_empty());
    v2_error(
        &v2_get(&env, &t, &format!("/api/2/users/{id}")).await,
        404,
        "NotFoundError",
        &format!("User for id {id} was not found"),
    );
    // A deleted user's id is not given out again.
    let a = v2(
        &env,
        Method::POST,
        &t,
        "/api/2/users",
        Some(&json!({"username": "nova.again"})),
    )
    .await;
    assert_eq!(a.json["id"], json!(id + 1), "{}", a.text);
    let m = env.token(Scope::ManageAll).await;
    let a = v2(
        &env,
        Method::DELETE,
        &m,
        &format!("/api/2/users/{OWNER}"),
        None,
    )
    .await;
    v2_error(
        &a,
        403,
        "ForbiddenError",
        "The account owner cannot be deleted",
    );
}

#[tokio::test]
async fn role_membership_with_bare_arrays() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    let role = 141_020; // Contractors
    let ids: Vec<i64> = plain_ids(&env)
        .into_iter()
        .filter(|id| !roles_of(&env, *id).contains(&role))
        .take(3)
        .collect();
    let path = format!("/api/2/roles/{role}/users");
    let members_before = v2_get(&env, &t, &path).await;
    let count_before: usize = members_before
        .header("total-count")
        .unwrap()
        .parse()
        .unwrap();

    let a = v2(
        &env,
        Method::POST,
        &t,
        &path,
        Some(&json!([ids[0], ids[1], ids[0]])),
    )
    .await;
    assert_eq!(a.code, 200, "{}", a.text);
    assert_eq!(a.json, json!([{"id": ids[0]}, {"id": ids[1]}]));
    // /1 reads the same role data.
    for id in &ids[..2] {
        let r = env.get(&t, &format!("/api/1/users/{id}/roles")).await;
        assert!(r.json["data"][0].as_array().unwrap().contains(&json!(role)));
    }
    let m = v2_get(&env, &t, &path).await;
    assert_eq!(
        m.header("total-count").unwrap(),
        (count_before + 2).to_string()
    );
    let listed = list_ids(&m);
    assert!(listed.contains(&ids[0]) && listed.contains(&ids[1]));
    let entry = m
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == ids[0])
        .unwrap();
    assert_eq!(entry["email"], env.sb.user_json(ids[0]).unwrap()["email"]);

    // An object body is refused; nothing changes.
    let a = v2(
        &env,
        Method::POST,
        &t,
        &path,
        Some(&json!({"user_ids": [ids[2]]})),
    )
    .await;
    v2_error(&a, 400, "BadRequestError", "Expected array in request");
    let a = v2(
        &env,
        Method::DELETE,
        &t,
        &path,
        Some(&json!({"user_ids": [ids[0]]})),
    )
    .await;
    v2_error(&a, 400, "BadRequestError", "Expected array in request");
    let a = v2(&env, Method::POST, &t, &path, Some(&json!(["x"]))).await;
    v2_error(
        &a,
        400,
        "BadRequestError",
        "Expected array of integer user ids in request",
    );
    // Unknown users refuse the whole call.
    let a = v2(
        &env,
        Method::POST,
        &t,
        &path,
        Some(&json!([ids[2], 99999998, 99999999])),
    )
    .await;
    assert_eq!(
        problems(&a),
        [
            pb("user_id", "99999998 was not found"),
            pb("user_id", "99999999 was not found"),
        ]
    );
    assert!(!roles_of(&env, ids[2]).contains(&role));
    v2_error(
        &v2(
            &env,
            Method::POST,
            &t,
            "/api/2/roles/5/users",
            Some(&json!([ids[2]])),
        )
        .await,
        404,
        "NotFoundError",
        "Role for id 5 was not found",
    );

    // DELETE with a bare array: 204; a non-member is ignored.
    let a = v2(
        &env,
        Method::DELETE,
        &t,
        &path,
        Some(&json!([ids[0], ids[2]])),
    )
    .await;
    assert_eq!(a.code, 204, "{}", a.text);
    assert!(!roles_of(&env, ids[0]).contains(&role));
    assert!(roles_of(&env, ids[1]).contains(&role));
    let r = env.get(&t, &format!("/api/1/users/{}/roles", ids[0])).await;
    assert!(!r.json["data"][0].as_array().unwrap().contains(&json!(role)));
}

#[tokio::test]
async fn custom_attribute_definitions() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    let a = v2_get(&env, &t, "/api/2/users/custom_attributes").await;
    assert_eq!(a.code, 200, "{}", a.text);
    let defs = a.json.as_array().unwrap();
    assert_eq!(defs.len(), 6);
    assert_eq!(
        defs[0],
        json!({"id": 7001, "name": "AWS Role", "shortname": "AWS_Role"})
    );

    let path = "/api/2/users/custom_attributes";
    let a = v2(
        &env,
        Method::POST,
        &t,
        path,
        Some(&json!({"user_field": {"name": "Badge", "shortname": "badge"}})),
    )
    .await;
    assert_eq!(a.code, 201, "{}", a.text);
    let fid = a.json["id"].as_i64().unwrap();
    assert_eq!(
        a.json,
        json!({"id": fid, "name": "Badge", "shortname": "badge"})
    );
    let one = env.get(&t, "/api/1/users/custom_attributes").await;
    assert!(
        one.json["data"][0]
            .as_array()
            .unwrap()
            .contains(&json!("badge"))
    );
    // Set through PUT, then rename the field: the value follows.
    let id = plain_ids(&env)[4];
    v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}"),
        Some(&json!({"custom_attributes": {"badge": "B-7"}})),
    )
    .await;
    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("{path}/{fid}"),
        Some(&json!({"user_field": {"shortname": "badge_no"}})),
    )
    .await;
    assert_eq!(
        a.json,
        json!({"id": fid, "name": "Badge", "shortname": "badge_no"})
    );
    assert_eq!(
        env.sb.user_json(id).unwrap()["custom_attributes"]["badge_no"],
        "B-7"
    );

    // Refusals.
    let a = v2(
        &env,
        Method::POST,
        &t,
        path,
        Some(&json!({"user_field": {"name": "Skype 2", "shortname": "skype"}})),
    )
    .await;
    assert_eq!(problems(&a), [pb("shortname", "has already been taken")]);
    let a = v2(
        &env,
        Method::POST,
        &t,
        path,
        Some(&json!({"name": "x", "shortname": "y"})),
    )
    .await;
    v2_error(
        &a,
        400,
        "BadRequestError",
        "Expected user_field object in request",
    );
    let manager = env.token(Scope::ManageUsers).await;
    let a = v2(
        &env,
        Method::POST,
        &manager,
        path,
        Some(&json!({"user_field": {"name": "z", "shortname": "z"}})),
    )
    .await;
    v2_error(&a, 401, "UnauthorizedError", "Insufficient Permission");

    let a = v2(&env, Method::DELETE, &t, &format!("{path}/{fid}"), None).await;
    assert_eq!(a.code, 204);
    assert!(
        !env.sb
            .custom_attribute_fields()
            .contains(&"badge_no".to_string())
    );
    v2_error(
        &v2(&env, Method::DELETE, &t, &format!("{path}/{fid}"), None).await,
        404,
        "NotFoundError",
        &format!("Custom attribute for id {fid} was not found"),
    );
}

#[tokio::test]
async fn one_budget_for_v1_and_v2_and_a_429_on_v2() {
    let env = start(SandboxConfig {
        users: 20,
        rate_limit: 4,
        rate_window: Duration::from_secs(60),
        ..SandboxConfig::default()
    })
    .await;
    let t = env.token(Scope::ManageAll).await;
    let one = env.get(&t, "/api/1/users?limit=1").await;
    assert_eq!(one.header("x-ratelimit-remaining"), Some("3"));
    let two = v2_get(&env, &t, "/api/2/users?limit=1").await;
    assert_eq!(two.header("x-ratelimit-limit"), Some("4"));
    assert_eq!(two.header("x-ratelimit-remaining"), Some("2"));
    let one = env.get(&t, "/api/1/users?limit=1").await;
    assert_eq!(one.header("x-ratelimit-remaining"), Some("1"));
    let two = v2_get(&env, &t, "/api/2/users/10002").await;
    assert_eq!(two.header("x-ratelimit-remaining"), Some("0"));
    // Spent: /2 gets the same HTML 429, and a write is not applied.
    let a = v2(
        &env,
        Method::PUT,
        &t,
        "/api/2/users/10002",
        Some(&json!({"title": "late"})),
    )
    .await;
    assert_eq!(a.code, 429);
    assert_eq!(a.header("content-type"), Some("text/html"));
    assert!(a.header("x-ratelimit-limit").is_none());
    assert_ne!(env.sb.user_json(10_002).unwrap()["title"], "late");
    let stats = env.sb.stats();
    assert_eq!((stats.api_calls, stats.rate_limited), (4, 1));
}

#[tokio::test]
async fn v2_rate_headers_can_be_turned_off() {
    let env = start(SandboxConfig {
        v2_rate_headers: false,
        ..small()
    })
    .await;
    let t = env.token(Scope::ManageAll).await;
    let id = plain_ids(&env)[2];
    for a in [
        v2_get(&env, &t, "/api/2/users?limit=2").await,
        v2_get(&env, &t, &format!("/api/2/users/{id}")).await,
        v2(
            &env,
            Method::PUT,
            &t,
            &format!("/api/2/users/{id}"),
            Some(&json!({"title": "x"})),
        )
        .await,
        v2(
            &env,
            Method::POST,
            &t,
            "/api/2/roles/141020/users",
            Some(&json!([id])),
        )
        .await,
    ] {
        assert!(a.code.is_success(), "{}", a.text);
        for h in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            assert!(a.header(h).is_none(), "{h}: {:?}", a.headers);
        }
    }
    // /1 keeps them; the /2 calls were counted all the same.
    let one = env.get(&t, "/api/1/users?limit=1").await;
    assert_eq!(one.header("x-ratelimit-remaining"), Some("4995"));
    assert_eq!(env.sb.stats().api_calls, 5);

    // On by default.
    let on = start(small()).await;
    let t = on.token(Scope::ReadAll).await;
    let a = v2_get(&on, &t, "/api/2/users?limit=2").await;
    assert_eq!(a.header("x-ratelimit-remaining"), Some("4999"));
}

async fn id_list_answer(mode: IdLists) -> (Vec<i64>, Answer, Answer) {
    let env = start(SandboxConfig {
        id_lists: mode,
        ..small()
    })
    .await;
    let t = env.token(Scope::ReadAll).await;
    let ids = plain_ids(&env);
    let list = env
        .get(
            &t,
            &format!("/api/1/users?id={},{},{}", ids[70], ids[80], ids[90]),
        )
        .await;
    let single = env.get(&t, &format!("/api/1/users?id={}", ids[70])).await;
    (ids, list, single)
}

#[tokio::test]
async fn id_lists_on_v1_accept_refuse_or_ignore() {
    // accept (today's default): every listed id.
    assert_eq!(
        SandboxConfig::default().id_lists,
        IdLists::Refuse,
        "strict by default"
    );
    let (ids, list, single) = id_list_answer(IdLists::Accept).await;
    list.assert_success();
    assert_eq!(sandbox_common::ids(&list.json), [ids[70], ids[80], ids[90]]);
    assert_eq!(sandbox_common::ids(&single.json), [ids[70]]);

    // refuse: the documented 400 object message; a single id still works.
    let (ids, list, single) = id_list_answer(IdLists::Refuse).await;
    list.assert_status(
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );
    assert_eq!(sandbox_common::ids(&single.json), [ids[70]]);

    // ignore: as if `id` were absent, the tenant's first page; a single id still works.
    let (ids, list, single) = id_list_answer(IdLists::Ignore).await;
    list.assert_success();
    let got = sandbox_common::ids(&list.json);
    assert_eq!(got.len(), 50);
    assert_eq!(got[0], OWNER);
    assert!(!got.contains(&ids[70]));
    assert_eq!(sandbox_common::ids(&single.json), [ids[70]]);
}

#[tokio::test]
async fn unlock_sets_status_active() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageUsers).await;
    let id = plain_ids(&env)[6];
    let a = v2(
        &env,
        Method::PUT,
        &t,
        &format!("/api/2/users/{id}"),
        Some(&json!({"status": 3})),
    )
    .await;
    assert_eq!(a.json["status"], 3, "{}", a.text);
    let a = v2(
        &env,
        Method::POST,
        &t,
        &format!("/api/2/users/{id}/unlock"),
        None,
    )
    .await;
    assert_eq!(a.code, 200, "{}", a.text);
    assert_eq!(a.json, json!({"message": "User unlocked"}));
    let u = env.sb.user_json(id).unwrap();
    assert_eq!(
        (u["status"].clone(), u["locked_until"].clone()),
        (json!(1), Value::Null)
    );
    let a = v2(
        &env,
        Method::POST,
        &t,
        &format!("/api/2/users/{OWNER}/unlock"),
        None,
    )
    .await;
    v2_error(
        &a,
        403,
        "ForbiddenError",
        "user is not authorized to access this User",
    );
}
