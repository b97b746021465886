//! Users, custom attributes (seed 000), roles and groups over loopback HTTP.

mod sandbox_common;

use onelogin_tui::sandbox::{SandboxConfig, Scope};
use sandbox_common::*;
use serde_json::{Value, json};

const ALL_FIELDS: &str = "[AWS_Role skype messenger employee_id cost_center branch ]";

/// The seed's curl sample, byte for byte, with `bearer: <t>` as it writes it.
#[tokio::test]
async fn seed_000_curl_sample_succeeds_with_both_documented_headers() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageUsers).await;
    let id = env.first_ids(&t).await[7];
    let body = "{\n    \"custom_attributes\":{\n        \"AWS_Role\":\"Administrator\",\n        \"skype\":\"l_gonzalez\" \n    } \n}";
    for auth in [format!("bearer: {t}"), format!("bearer:{t}")] {
        let a = send(
            env.http
                .put(env.url(&format!("/api/1/users/{id}/set_custom_attributes")))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
        assert_eq!(a.code, 200);
        assert_eq!(
            a.json,
            json!({"status": {"code": 200, "error": false, "message": "Success", "type": "success"}})
        );
        a.assert_success();
        assert!(a.header("x-ratelimit-remaining").is_some());
    }
    let u = env.sb.user_json(id).unwrap();
    assert_eq!(u["custom_attributes"]["AWS_Role"], "Administrator");
    assert_eq!(u["custom_attributes"]["skype"], "l_gonzalez");
    // Read back over HTTP too.
    let a = env.get(&t, &format!("/api/1/users/{id}")).await;
    assert_eq!(a.json["data"][0], u);
}

#[tokio::test]
async fn seed_000_every_documented_error() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    let id = env.first_ids(&t).await[3];
    let path = format!("/api/1/users/{id}/set_custom_attributes");

    // 400 unknown shortname: the tenant's fields, each followed by a space.
    let a = env
        .put(&t, &path, &json!({"custom_attributes": {"nope": "x"}}))
        .await;
    a.assert_error(
        400,
        "bad request",
        &format!("input custom_attributes is not valid. Valid custom_attributes -> {ALL_FIELDS}"),
    );

    // 400 empty: an empty map, a missing key, a null.
    for body in [
        json!({"custom_attributes": {}}),
        json!({}),
        json!({"custom_attributes": null}),
    ] {
        env.put(&t, &path, &body).await.assert_error(
            400,
            "bad request",
            "custom_attributes is empty",
        );
    }

    // 400 not JSON.
    for raw in ["{", "custom_attributes=x", "", "[1,2]"] {
        env.put_raw(&t, &path, raw).await.assert_error(
            400,
            "bad request",
            "Input JSON is not valid",
        );
    }

    // 400 Authorization Information is incorrect.
    let a = send(
        env.http
            .put(env.url(&path))
            .header("Authorization", format!("token {t}"))
            .body(r#"{"custom_attributes":{"skype":"x"}}"#),
    )
    .await;
    a.assert_error(400, "bad request", "Authorization Information is incorrect");
    assert_eq!(
        a.json,
        json!({"status": {"error": true, "code": 400, "type": "bad request", "message": "Authorization Information is incorrect"}})
    );

    // 400 with an object message: the id is not an integer.
    let a = env
        .put(
            &t,
            "/api/1/users/abc/set_custom_attributes",
            &json!({"custom_attributes": {"skype": "x"}}),
        )
        .await;
    a.assert_status(
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );

    // 401 Authentication Failure.
    env.put(
        "deadbeef",
        &path,
        &json!({"custom_attributes": {"skype": "x"}}),
    )
    .await
    .assert_error(401, "Unauthorized", "Authentication Failure");

    // 401 Insufficient Permission.
    let reader = env.token(Scope::ReadAll).await;
    env.put(
        &reader,
        &path,
        &json!({"custom_attributes": {"skype": "x"}}),
    )
    .await
    .assert_error(401, "Unauthorized", "Insufficient Permission");

    // 403 the account owner, with a Manage users token.
    let manager = env.token(Scope::ManageUsers).await;
    let owner = env.id_of(&t, "owner@example.com").await;
    env.put(
        &manager,
        &format!("/api/1/users/{owner}/set_custom_attributes"),
        &json!({"custom_attributes": {"skype": "x"}}),
    )
    .await
    .assert_error(
        403,
        "forbidden",
        "user is not authorized to access this User",
    );

    // 404 unknown user.
    env.put(
        &t,
        "/api/1/users/88888888/set_custom_attributes",
        &json!({"custom_attributes": {"skype": "x"}}),
    )
    .await
    .assert_error(404, "not found", "User for id 88888888 was not found");

    // Nothing above changed the user.
    assert_eq!(env.sb.stats().writes, 0);
}

#[tokio::test]
async fn custom_attribute_fields_follow_the_tenant() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/users/custom_attributes").await;
    a.assert_success();
    assert_eq!(
        a.json["data"],
        json!([[
            "AWS_Role",
            "skype",
            "messenger",
            "employee_id",
            "cost_center",
            "branch"
        ]])
    );

    env.sb.add_custom_attribute_field("alias");
    let w = env.token(Scope::ManageAll).await;
    let id = env.first_ids(&w).await[10];
    env.put(
        &w,
        &format!("/api/1/users/{id}/set_custom_attributes"),
        &json!({"custom_attributes": {"alias": "ally"}}),
    )
    .await
    .assert_success();
    assert_eq!(
        env.sb.user_json(id).unwrap()["custom_attributes"]["alias"],
        "ally"
    );

    // Removed server-side: values vanish and the field is refused.
    assert!(env.sb.remove_custom_attribute_field("alias"));
    assert!(!env.sb.remove_custom_attribute_field("alias"));
    assert!(
        env.sb.user_json(id).unwrap()["custom_attributes"]
            .get("alias")
            .is_none()
    );
    let a = env
        .put(
            &w,
            &format!("/api/1/users/{id}/set_custom_attributes"),
            &json!({"custom_attributes": {"alias": "ally"}}),
        )
        .await;
    a.assert_error(
        400,
        "bad request",
        &format!("input custom_attributes is not valid. Valid custom_attributes -> {ALL_FIELDS}"),
    );

    // With only the seed's three fields, the seed's exact message.
    for f in ["employee_id", "cost_center", "branch"] {
        env.sb.remove_custom_attribute_field(f);
    }
    let a = env
        .put(
            &w,
            &format!("/api/1/users/{id}/set_custom_attributes"),
            &json!({"custom_attributes": {"Skype": "x"}}),
        )
        .await;
    assert_eq!(
        a.json["status"]["message"],
        "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger ]"
    );
    for f in ["AWS_Role", "skype", "messenger"] {
        env.sb.remove_custom_attribute_field(f);
    }
    let a = env.get(&t, "/api/1/users/custom_attributes").await;
    assert_eq!(a.json["data"], json!([[]]));
    assert_eq!(
        env.sb.user_json(id).unwrap()["custom_attributes"],
        json!({})
    );
}

#[tokio::test]
async fn set_custom_attributes_overwrites_and_empty_string_removes() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    let id = env.first_ids(&t).await[20];
    let path = format!("/api/1/users/{id}/set_custom_attributes");
    let before = env.sb.user_json(id).unwrap();
    env.put(
        &t,
        &path,
        &json!({"custom_attributes": {"branch": "Lisbon", "messenger": "@m"}}),
    )
    .await
    .assert_success();
    let u = env.sb.user_json(id).unwrap();
    assert_eq!(u["custom_attributes"]["branch"], "Lisbon");
    assert_eq!(u["custom_attributes"]["messenger"], "@m");
    assert_ne!(u["updated_at"], before["updated_at"]);
    env.put(&t, &path, &json!({"custom_attributes": {"branch": ""}}))
        .await
        .assert_success();
    let u = env.sb.user_json(id).unwrap();
    assert_eq!(u["custom_attributes"]["branch"], Value::Null);
    assert_eq!(u["custom_attributes"]["messenger"], "@m");
}

#[tokio::test]
async fn paging_walks_three_pages_and_back() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/users").await;
    a.assert_success();
    let p1 = ids(&a.json);
    assert_eq!(p1.len(), 50);
    assert!(p1.windows(2).all(|w| w[0] < w[1]), "sorted by +id");
    let pag = &a.json["pagination"];
    assert!(pag["before_cursor"].is_null() && pag["previous_link"].is_null());
    let next = pag["next_link"].as_str().unwrap().to_string();
    assert!(next.starts_with(&format!("{}/api/1/users?", env.sb.url())));
    let c = pag["after_cursor"].as_str().unwrap();
    assert!(next.contains(c));

    // Page 2 by its full next_link.
    let a = send(
        env.http
            .get(&next)
            .header("Authorization", format!("bearer:{t}")),
    )
    .await;
    a.assert_success();
    let p2 = ids(&a.json);
    assert_eq!(p2.len(), 50);
    assert!(p2[0] > p1[49]);
    let pag2 = a.json["pagination"].clone();
    assert!(pag2["before_cursor"].is_string() && pag2["previous_link"].is_string());

    // Page 3 by cursor: the last page, all four null.
    let c2 = pag2["after_cursor"].as_str().unwrap();
    let a = env
        .get(&t, &format!("/api/1/users?after_cursor={c2}"))
        .await;
    let p3 = ids(&a.json);
    assert_eq!(p3.len(), 20);
    assert_eq!(
        a.json["pagination"],
        json!({"before_cursor": null, "after_cursor": null, "previous_link": null, "next_link": null})
    );
    let mut all = [p1.clone(), p2, p3].concat();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n);
    assert_eq!(n, 120);

    // Back from page 2 to page 1.
    let prev = pag2["previous_link"].as_str().unwrap();
    let a = send(
        env.http
            .get(prev)
            .header("Authorization", format!("bearer:{t}")),
    )
    .await;
    assert_eq!(ids(&a.json), p1);

    // A cursor still works after the tenant changed.
    let w = env.token(Scope::ManageAll).await;
    env.put(
        &w,
        &format!("/api/1/users/{}", p1[0]),
        &json!({"title": "Moved"}),
    )
    .await
    .assert_success();
    let a = env.get(&t, &format!("/api/1/users?after_cursor={c}")).await;
    assert_eq!(ids(&a.json)[0], all[50]);

    // A cursor from another query is refused; garbage too.
    let a = env
        .get(&t, &format!("/api/1/users?email=*&after_cursor={c}"))
        .await;
    a.assert_error(400, "bad request", "after_cursor is not valid");
    let a = env.get(&t, "/api/1/users?after_cursor=garbage").await;
    a.assert_error(400, "bad request", "after_cursor is not valid");
}

#[tokio::test]
async fn limit_sort_and_fields() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/users?limit=7").await;
    assert_eq!(ids(&a.json).len(), 7);
    let a = env.get(&t, "/api/1/users?limit=500").await;
    assert_eq!(ids(&a.json).len(), 50, "clamped to 50");

    let asc = env.get(&t, "/api/1/users?sort=%2Bid&limit=50").await;
    let plain = env.get(&t, "/api/1/users?sort=+id&limit=50").await;
    assert_eq!(ids(&asc.json), ids(&plain.json));
    let desc = env.get(&t, "/api/1/users?sort=-id&limit=50").await;
    let d = ids(&desc.json);
    assert!(d.windows(2).all(|w| w[0] > w[1]));
    let all_asc = {
        let mut v = Vec::new();
        let mut path = "/api/1/users?sort=%2Bid".to_string();
        loop {
            let a = env.get(&t, &path).await;
            v.extend(ids(&a.json));
            match a.json["pagination"]["after_cursor"].as_str() {
                Some(c) => path = format!("/api/1/users?sort=%2Bid&after_cursor={c}"),
                None => break,
            }
        }
        v
    };
    assert_eq!(all_asc.len(), 120);
    let newest: Vec<i64> = all_asc.iter().rev().take(50).copied().collect();
    assert_eq!(d, newest);
    // Walk -id to the end.
    let c = desc.json["pagination"]["after_cursor"].as_str().unwrap();
    let d2 = env
        .get(&t, &format!("/api/1/users?sort=-id&after_cursor={c}"))
        .await;
    let d2 = ids(&d2.json);
    assert!(d2[0] < d[49]);
    assert!(d2.windows(2).all(|w| w[0] > w[1]));

    let a = env
        .get(&t, "/api/1/users?fields=email,firstname,bogus&limit=3")
        .await;
    for u in a.json["data"].as_array().unwrap() {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "email", "firstname"]);
    }
}

#[tokio::test]
async fn search_exact_wildcards_negation_and_custom_attributes() {
    let env = start(SandboxConfig {
        users: 300,
        ..SandboxConfig::default()
    })
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let everyone: Vec<Value> = {
        let mut v = Vec::new();
        let mut path = "/api/1/users".to_string();
        loop {
            let a = env.get(&t, &path).await;
            v.extend(a.json["data"].as_array().unwrap().iter().cloned());
            match a.json["pagination"]["after_cursor"].as_str() {
                Some(c) => path = format!("/api/1/users?after_cursor={c}"),
                None => break,
            }
        }
        v
    };
    assert_eq!(everyone.len(), 300);
    let count = |f: &dyn Fn(&Value) -> bool| everyone.iter().filter(|u| f(u)).count();
    let total = |path: &str| {
        let env = &env;
        let t = &t;
        let path = path.to_string();
        async move {
            let mut n = 0;
            let mut p = path.clone();
            loop {
                let a = env.get(t, &p).await;
                a.assert_success();
                n += a.json["data"].as_array().unwrap().len();
                match a.json["pagination"]["after_cursor"].as_str() {
                    Some(c) => p = format!("{path}&after_cursor={c}"),
                    None => break,
                }
            }
            n
        }
    };

    // Exact, case-insensitive.
    let a = env.get(&t, "/api/1/users?email=MALLORY@example.COM").await;
    assert_eq!(a.json["data"].as_array().unwrap().len(), 1);
    let some = everyone[40]["email"].as_str().unwrap().to_string();
    let a = env
        .get(&t, &format!("/api/1/users?email={}", some.to_uppercase()))
        .await;
    assert_eq!(a.json["data"][0]["email"], json!(some));

    // Prefix wildcard.
    let want = count(&|u| {
        u["email"]
            .as_str()
            .is_some_and(|e| e.to_lowercase().starts_with("kat"))
    });
    assert!(want > 0, "the seed has a kat*");
    assert_eq!(total("/api/1/users?email=kat*").await, want);
    // Suffix wildcard.
    assert_eq!(total("/api/1/users?email=*@example.com").await, 300);
    // Infix wildcard.
    let want = count(&|u| {
        u["lastname"]
            .as_str()
            .is_some_and(|e| e.to_lowercase().contains("ar"))
    });
    assert_eq!(total("/api/1/users?lastname=*ar*").await, want);
    // Negation.
    let want = count(&|u| u["firstname"].as_str().map(str::to_lowercase) != Some("emma".into()));
    assert_eq!(total("/api/1/users?firstname=!Emma").await, want);
    // One id selects; a list is no documented form: refused, as a strict tenant would
    // (the other `--id-lists` modes are in sandbox_v2.rs).
    let a = env
        .get(&t, &format!("/api/1/users?id={}", everyone[5]["id"]))
        .await;
    assert_eq!(ids(&a.json), vec![everyone[5]["id"].as_i64().unwrap()]);
    let a = env
        .get(
            &t,
            &format!(
                "/api/1/users?id={},{}",
                everyone[5]["id"], everyone[9]["id"]
            ),
        )
        .await;
    assert_eq!(a.code.as_u16(), 400, "{:?}", a.json);
    // role_id, directory_id, manager_ad_id.
    let want = count(&|u| {
        u["role_id"]
            .as_array()
            .is_some_and(|r| r.contains(&json!(141_005)))
    });
    assert_eq!(total("/api/1/users?role_id=141005").await, want);
    let want = count(&|u| u["directory_id"] == json!(77_001));
    assert!(want > 0);
    assert_eq!(total("/api/1/users?directory_id=77001").await, want);
    let m = everyone
        .iter()
        .find_map(|u| u["manager_ad_id"].as_i64())
        .unwrap();
    let want = count(&|u| u["manager_ad_id"] == json!(m));
    assert_eq!(
        total(&format!("/api/1/users?manager_ad_id={m}")).await,
        want
    );
    // since / until on created_at.
    let mid = everyone[150]["created_at"].as_str().unwrap().to_string();
    let want = count(&|u| u["created_at"].as_str().unwrap() >= mid.as_str());
    assert_eq!(total(&format!("/api/1/users?since={mid}")).await, want);
    let want = count(&|u| u["created_at"].as_str().unwrap() <= mid.as_str());
    assert_eq!(total(&format!("/api/1/users?until={mid}")).await, want);
    // custom_attributes.<shortname>.
    let want = count(&|u| u["custom_attributes"]["AWS_Role"] == json!("Administrator"));
    assert!(want > 0);
    assert_eq!(
        total("/api/1/users?custom_attributes.AWS_Role=administrator").await,
        want
    );
    let want = count(&|u| {
        u["custom_attributes"]["branch"]
            .as_str()
            .is_some_and(|b| b.starts_with("San"))
    });
    assert_eq!(
        total("/api/1/users?custom_attributes.branch=San*").await,
        want
    );
    // Combined conditions AND together.
    let want = count(&|u| u["email"].as_str().unwrap().starts_with('e') && u["status"] == json!(1));
    assert_eq!(total("/api/1/users?email=e*&status=1").await, want);
    // Nothing matches: an empty list, null pagination.
    let a = env.get(&t, "/api/1/users?email=nobody@nowhere").await;
    a.assert_success();
    assert_eq!(a.json["data"], json!([]));
    assert!(a.json["pagination"]["next_link"].is_null());
    // A bad id in the search.
    let a = env.get(&t, "/api/1/users?id=abc").await;
    a.assert_status(
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );
}

#[tokio::test]
async fn get_user_by_id() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let id = env.first_ids(&t).await[0];
    let a = env.get(&t, &format!("/api/1/users/{id}")).await;
    a.assert_success();
    let data = a.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    let u = &data[0];
    for key in [
        "id",
        "external_id",
        "email",
        "username",
        "firstname",
        "lastname",
        "distinguished_name",
        "samaccountname",
        "userprincipalname",
        "member_of",
        "phone",
        "company",
        "department",
        "title",
        "comment",
        "openid_name",
        "locale_code",
        "status",
        "state",
        "group_id",
        "role_id",
        "custom_attributes",
        "directory_id",
        "trusted_idp_id",
        "manager_ad_id",
        "manager_user_id",
        "invalid_login_attempts",
        "activated_at",
        "created_at",
        "updated_at",
        "password_changed_at",
        "invitation_sent_at",
        "last_login",
        "locked_until",
    ] {
        assert!(u.get(key).is_some(), "{key}");
    }
    let created = u["created_at"].as_str().unwrap();
    assert_eq!(created.len(), "2016-01-21T09:20:15.990Z".len(), "{created}");
    assert!(created.ends_with('Z') && created.as_bytes()[19] == b'.');
    assert_eq!(u["custom_attributes"].as_object().unwrap().len(), 6);
    assert_eq!(Some(u.clone()), env.sb.user_json(id));

    let a = env.get(&t, "/api/1/users/12x").await;
    a.assert_status(
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );
    env.get(&t, "/api/1/users/42").await.assert_error(
        404,
        "not found",
        "User for id 42 was not found",
    );
    assert!(env.sb.user_json(42).is_none());
}

#[tokio::test]
async fn update_user_and_its_errors() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageUsers).await;
    let ids = env.first_ids(&t).await;
    let (id, other) = (ids[4], ids[5]);
    let before = env.sb.user_json(id).unwrap();
    let other_email = env.sb.user_json(other).unwrap()["email"]
        .as_str()
        .unwrap()
        .to_string();

    let a = env
        .put(
            &t,
            &format!("/api/1/users/{id}"),
            &json!({"title": "Chief <Tester> & \"Co\"", "department": "QA", "group_id": 401_004, "state": 1, "notes": "hi"}),
        )
        .await;
    a.assert_success();
    let u = &a.json["data"][0];
    assert_eq!(u["title"], "Chief <Tester> & \"Co\"");
    assert_eq!(u["department"], "QA");
    assert_eq!(u["group_id"], 401_004);
    assert_eq!(u["notes"], "hi");
    assert_ne!(u["updated_at"], before["updated_at"]);
    assert_eq!(Some(u.clone()), env.sb.user_json(id));
    assert!(a.header("x-ratelimit-limit").is_some());

    // null removes the group.
    let a = env
        .put(
            &t,
            &format!("/api/1/users/{id}"),
            &json!({"group_id": null}),
        )
        .await;
    assert_eq!(a.json["data"][0]["group_id"], Value::Null);

    // Unknown (or not updatable) fields.
    for field in ["shoe_size", "status", "role_id", "custom_attributes", "id"] {
        let a = env
            .put(&t, &format!("/api/1/users/{id}"), &json!({ field: 1 }))
            .await;
        a.assert_status(
            400,
            "bad request",
            json!({"attribute": field, "description": format!("{field} is not a valid attribute for user model")}),
        );
    }
    // A taken email or username, case-insensitively.
    let a = env
        .put(
            &t,
            &format!("/api/1/users/{id}"),
            &json!({"email": other_email.to_uppercase()}),
        )
        .await;
    a.assert_error(
        422,
        "unprocessable entity",
        "Validation failed: Value has already been taken",
    );
    let a = env
        .put(
            &t,
            &format!("/api/1/users/{id}"),
            &json!({"username": "MALLORY"}),
        )
        .await;
    a.assert_error(
        422,
        "unprocessable entity",
        "Validation failed: Value has already been taken",
    );
    // Its own email is not "taken".
    let own = env.sb.user_json(id).unwrap()["email"].clone();
    env.put(&t, &format!("/api/1/users/{id}"), &json!({"email": own}))
        .await
        .assert_success();
    // A group that does not exist.
    env.put(&t, &format!("/api/1/users/{id}"), &json!({"group_id": 5}))
        .await
        .assert_error(
            422,
            "unprocessable entity",
            "Validation failed: Group does not exist",
        );
    // Wrong types.
    let a = env
        .put(
            &t,
            &format!("/api/1/users/{id}"),
            &json!({"firstname": [1]}),
        )
        .await;
    assert_eq!(a.code, 400);
    assert_eq!(a.json["status"]["message"]["attribute"], "firstname");
    // Bad JSON, bad id, unknown user.
    env.put_raw(&t, &format!("/api/1/users/{id}"), "{\"title\":")
        .await
        .assert_error(400, "bad request", "Input JSON is not valid");
    env.put(&t, "/api/1/users/x1", &json!({"title": "x"}))
        .await
        .assert_status(
            400,
            "bad request",
            json!({"attribute": "id", "description": "ID is incorrect"}),
        );
    env.put(&t, "/api/1/users/99", &json!({"title": "x"}))
        .await
        .assert_error(404, "not found", "User for id 99 was not found");
}

#[tokio::test]
async fn roles_add_remove_and_every_error() {
    let env = start(small()).await;
    let t = env.token(Scope::ManageAll).await;
    let roles = env.get(&t, "/api/1/roles").await;
    roles.assert_success();
    let all: Vec<i64> = ids(&roles.json);
    assert_eq!(all.len(), 8);
    for r in roles.json["data"].as_array().unwrap() {
        assert_eq!(r.as_object().unwrap().len(), 2);
        assert!(r["name"].is_string());
    }
    let subset = format!(
        "role_id_array should be a subset of -> [{}]",
        all.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Wildcard search by name.
    let a = env.get(&t, "/api/1/roles?name=*-us").await;
    let names: Vec<&str> = a.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sales-us", "Support-us"]);
    let a = env.get(&t, &format!("/api/1/roles?id={}", all[2])).await;
    assert_eq!(ids(&a.json), [all[2]]);

    // A user with no roles.
    let mut id = 0;
    for u in env.first_ids(&t).await {
        let r = env.get(&t, &format!("/api/1/users/{u}/roles")).await;
        if r.json["data"] == json!([[]]) {
            id = u;
            break;
        }
    }
    assert_ne!(id, 0, "some user on page 1 has no role");
    let add = format!("/api/1/users/{id}/add_roles");
    let remove = format!("/api/1/users/{id}/remove_roles");

    env.put(&t, &add, &json!({"role_id_array": [all[1], all[3]]}))
        .await
        .assert_success();
    let r = env.get(&t, &format!("/api/1/users/{id}/roles")).await;
    assert_eq!(r.json["data"], json!([[all[1], all[3]]]));
    assert_eq!(
        env.sb.user_json(id).unwrap()["role_id"],
        json!([all[1], all[3]])
    );

    env.put(&t, &add, &json!({"role_id_array": [all[3]]}))
        .await
        .assert_error(
            400,
            "bad request",
            "input role_id_array is already included as user roles",
        );
    env.put(&t, &remove, &json!({"role_id_array": [all[5]]}))
        .await
        .assert_error(
            400,
            "bad request",
            "input role_id_array is not included as user roles",
        );
    for path in [&add, &remove] {
        env.put(&t, path, &json!({"role_id_array": [1, 2, 3]}))
            .await
            .assert_error(400, "bad request", &subset);
        env.put(&t, path, &json!({"role_id_array": ["x"]}))
            .await
            .assert_error(400, "bad request", &subset);
        for body in [json!({"role_id_array": []}), json!({})] {
            env.put(&t, path, &body).await.assert_error(
                400,
                "bad request",
                "role_id_array is empty",
            );
        }
        for bad in [json!(141_001), json!("141001"), json!({"a": 1})] {
            env.put(&t, path, &json!({ "role_id_array": bad }))
                .await
                .assert_status(
                    400,
                    "bad request",
                    json!({"attribute": "role_id_array", "description": "role_id_array has incorrect data type. It should be -> array"}),
                );
        }
        env.put_raw(&t, path, "nope").await.assert_error(
            400,
            "bad request",
            "Input JSON is not valid",
        );
    }
    env.put(&t, &remove, &json!({"role_id_array": [all[1]]}))
        .await
        .assert_success();
    let r = env.get(&t, &format!("/api/1/users/{id}/roles")).await;
    assert_eq!(r.json["data"], json!([[all[3]]]));
    env.put(
        &t,
        "/api/1/users/5/add_roles",
        &json!({"role_id_array": [all[1]]}),
    )
    .await
    .assert_error(404, "not found", "User for id 5 was not found");
    env.get(&t, "/api/1/users/5/roles").await.assert_error(
        404,
        "not found",
        "User for id 5 was not found",
    );
}

#[tokio::test]
async fn groups_list() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/groups").await;
    a.assert_success();
    let groups = a.json["data"].as_array().unwrap();
    assert_eq!(groups.len(), 5);
    for g in groups {
        let keys: Vec<&str> = g.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "name", "reference"]);
        assert!(g["reference"].is_null());
    }
    assert!(a.json["pagination"]["next_link"].is_null());
    let a = env.get(&t, "/api/1/groups?limit=2").await;
    assert_eq!(a.json["data"].as_array().unwrap().len(), 2);
    assert!(a.json["pagination"]["next_link"].is_string());
}

#[tokio::test]
async fn same_seed_same_tenant() {
    let a = start(small()).await;
    let b = start(small()).await;
    let c = start(SandboxConfig { seed: 2, ..small() }).await;
    let ta = a.token(Scope::ReadUsers).await;
    let tb = b.token(Scope::ReadUsers).await;
    let tc = c.token(Scope::ReadUsers).await;
    let ua = a.get(&ta, "/api/1/users").await.json["data"].clone();
    let ub = b.get(&tb, "/api/1/users").await.json["data"].clone();
    let uc = c.get(&tc, "/api/1/users").await.json["data"].clone();
    assert_eq!(ua, ub);
    assert_ne!(ua, uc);
    for id in [10_001, 10_050, 10_200] {
        assert_eq!(a.sb.user_json(id), b.sb.user_json(id));
    }
}

#[tokio::test]
async fn hostile_users_are_served_raw_on_page_one() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadUsers).await;
    let a = env.get(&t, "/api/1/users").await;
    let data = a.json["data"].as_array().unwrap();
    let by_email = |e: &str| {
        data.iter()
            .find(|u| u["email"] == json!(e))
            .cloned()
            .unwrap_or_else(|| panic!("{e} on page 1"))
    };
    let m = by_email("mallory@example.com");
    assert_eq!(m["firstname"], "\u{1b}]52;c;aGVsbG8=\u{7}Mallory");
    assert_eq!(m["lastname"], "\u{1b}[2J");
    let b = by_email("bidi@example.com");
    assert!(b["firstname"].as_str().unwrap().contains('\u{202e}'));
    let bell = by_email("bell@example.com");
    assert!(bell["title"].as_str().unwrap().contains("\r\n"));
    assert!(bell["title"].as_str().unwrap().contains('\u{7}'));
    assert!(
        bell["custom_attributes"]["messenger"]
            .as_str()
            .unwrap()
            .contains('\u{7}')
    );
}
