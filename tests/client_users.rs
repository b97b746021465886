//! Users through `api::Client`: paging across pages by cursor, `fields=`,
//! `sort=-id`, searches (wildcards, negation, `custom_attributes.X`), get,
//! and PUT that sends only the changed fields.

// The helpers below are part of the assertions: a panic in them is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client_common;

use std::collections::{BTreeSet, HashSet};

use client_common::*;
use futures::StreamExt;
use onelogin_tui::api::{EnvelopeMessage, Page, SortOrder, User, UserQuery, UserUpdate};
use onelogin_tui::sandbox::Scope;
use serde_json::{Value, json};

async fn all_pages(env: &Env, q: UserQuery) -> Vec<Page<User>> {
    env.client
        .list_users(q)
        .map(Result::unwrap)
        .collect::<Vec<_>>()
        .await
}

fn ids_of(pages: &[Page<User>]) -> Vec<i64> {
    pages
        .iter()
        .flat_map(|p| p.items.iter().map(|u| u.id))
        .collect()
}

/// Ids (in id order) of the sandbox's users that satisfy `keep`.
fn expected(env: &Env, keep: impl Fn(&Value) -> bool) -> Vec<i64> {
    sandbox_users(&env.sb)
        .iter()
        .filter(|u| keep(u))
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

fn lower(v: &Value) -> String {
    v.as_str().unwrap_or("").to_lowercase()
}

#[tokio::test]
async fn paging_follows_cursors_across_three_pages() {
    let mut env = start(small()).await;
    let pages = all_pages(&env, UserQuery::new().limit(50)).await;
    assert_eq!(
        pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(),
        [50, 50, 30]
    );
    let ids = ids_of(&pages);
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 130, "no duplicates");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending by id");
    assert_eq!(ids, expected(&env, |_| true), "every user, once");
    assert!(pages[2].after_cursor.is_none());

    // On the wire: each page asks for the cursor the previous answer gave.
    let xs = env.drain();
    let lists = calls_to(&xs, "/api/1/users");
    assert_eq!(lists.len(), 3);
    assert_eq!(lists[0].path(), "/api/1/users?limit=50");
    for w in lists.windows(2) {
        let after = body_json(w[0])["pagination"]["after_cursor"]
            .as_str()
            .unwrap()
            .to_string();
        let (prev, next) = (w[0].path(), w[1].path());
        let url = reqwest::Url::parse(&w[1].url).unwrap();
        let sent: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            sent,
            [
                ("limit".to_string(), "50".to_string()),
                ("after_cursor".to_string(), after)
            ],
            "{prev} → {next}"
        );
    }
    // Middle pages link onwards; the last page: all four null.
    let mid = body_json(lists[1])["pagination"].clone();
    assert!(
        mid["before_cursor"].is_string() && mid["after_cursor"].is_string(),
        "{mid}"
    );
    assert!(
        mid["next_link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/api/1/users?", env.sb.url())),
        "{mid}"
    );
    assert_eq!(
        body_json(lists[2])["pagination"],
        json!({"before_cursor": null, "after_cursor": null, "previous_link": null, "next_link": null})
    );
    for x in &lists {
        assert_eq!(x.status, Some(200));
        assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    }
}

#[tokio::test]
async fn one_page_and_the_last_page_carry_null_pagination() {
    let mut env = start(small()).await;
    let page = env
        .client
        .list_users_page(&UserQuery::new().email("owner@example.com"), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, OWNER_ID);
    assert!(page.after_cursor.is_none() && page.before_cursor.is_none());
    let x = only_call(&env.drain());
    assert_eq!(
        body_json(&x)["pagination"],
        json!({"before_cursor": null, "after_cursor": null, "previous_link": null, "next_link": null})
    );
}

#[tokio::test]
async fn fields_and_descending_sort() {
    let mut env = start(small()).await;
    let q = UserQuery::new()
        .fields(&["email", "firstname"])
        .sort(SortOrder::IdDesc)
        .limit(50);
    let pages = all_pages(&env, q).await;
    assert_eq!(pages.len(), 3);
    let ids = ids_of(&pages);
    assert_eq!(ids.len(), 130);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "descending by id");
    let mut want = expected(&env, |_| true);
    want.reverse();
    assert_eq!(ids, want);
    // Only id and the asked fields come back; the client keeps them.
    let xs = env.drain();
    let lists = calls_to(&xs, "/api/1/users");
    assert!(
        lists[0].path().contains("fields=email%2Cfirstname"),
        "{}",
        lists[0].path()
    );
    assert!(lists[0].path().contains("sort=-id"), "{}", lists[0].path());
    for x in &lists {
        for u in body_json(x)["data"].as_array().unwrap() {
            let keys: BTreeSet<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, BTreeSet::from(["id", "email", "firstname"]), "{u}");
        }
    }
    let owner = pages[2].items.last().unwrap();
    assert_eq!(owner.id, OWNER_ID);
    assert_eq!(owner.email.as_deref(), Some("owner@example.com"));
    assert_eq!(owner.lastname, None);
    assert!(owner.custom_attributes.is_empty());
}

#[tokio::test]
async fn searches_with_wildcards_negation_and_custom_attributes() {
    let env = start(small()).await;
    let plain = env.sb.user_json(env.plain_ids(1)[0]).unwrap();
    let prefix: String = lower(&plain["firstname"]).chars().take(3).collect();

    let cases: Vec<(UserQuery, Vec<i64>)> = vec![
        (
            UserQuery::new().email("*@example.com"),
            expected(&env, |u| lower(&u["email"]).ends_with("@example.com")),
        ),
        (
            UserQuery::new().firstname(format!("{prefix}*")),
            expected(&env, |u| lower(&u["firstname"]).starts_with(&prefix)),
        ),
        (
            UserQuery::new().email("!owner@example.com"),
            expected(&env, |u| u["email"] != "owner@example.com"),
        ),
        (
            UserQuery::new().custom_attribute("AWS_Role", "Administrator"),
            expected(&env, |u| {
                u["custom_attributes"]["AWS_Role"] == "Administrator"
            }),
        ),
        (
            UserQuery::new()
                .custom_attribute("AWS_Role", "arn:aws:iam::*")
                .email("*@example.com"),
            expected(&env, |u| {
                lower(&u["custom_attributes"]["AWS_Role"]).starts_with("arn:aws:iam::")
                    && lower(&u["email"]).ends_with("@example.com")
            }),
        ),
        (UserQuery::new().id(OWNER_ID), vec![OWNER_ID]),
    ];
    for (q, want) in cases {
        assert!(!want.is_empty(), "{q}: the tenant should hold some");
        let got = ids_of(&all_pages(&env, q.clone().limit(50)).await);
        assert_eq!(got, want, "{q}");
    }
    // Nobody: an empty list, not an error.
    let got = all_pages(&env, UserQuery::new().email("nobody-*@nowhere.invalid")).await;
    assert_eq!(ids_of(&got), Vec::<i64>::new());
}

#[tokio::test]
async fn get_user_and_its_not_found() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let u = env.client.get_user(id).await.unwrap();
    let sb = env.sb.user_json(id).unwrap();
    assert_eq!(u.id, id);
    assert_eq!(u.email.as_deref(), sb["email"].as_str());
    assert_eq!(u.status, sb["status"].as_i64());
    assert_eq!(
        u.custom_attributes.keys().collect::<Vec<_>>(),
        [
            "AWS_Role",
            "branch",
            "cost_center",
            "employee_id",
            "messenger",
            "skype"
        ]
    );
    // Timestamps as documented: UTC ISO-8601 with milliseconds.
    let created = u.created_at.clone().unwrap();
    assert_eq!(created.len(), "2016-01-21T09:20:15.990Z".len(), "{created}");
    assert!(created.ends_with('Z'));
    env.drain();

    let e = env.client.get_user(MISSING_ID).await.unwrap_err();
    let x = only_call(&env.drain());
    assert_envelope(
        &x,
        404,
        "not found",
        json!("User for id 88888888 was not found"),
    );
    assert_envelope_error(
        &e,
        404,
        "not found",
        text("User for id 88888888 was not found"),
    );
    assert_display(&e, "GET", "/api/1/users/88888888", "refresh the list");
}

#[tokio::test]
async fn put_sends_only_the_changed_fields() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let before = env.client.get_user(id).await.unwrap();
    let mut after = before.clone();
    after.title = Some("Head of <Things> & \"Stuff\"".into());
    after.department = Some("R&D".into());
    // A group other than the user's own.
    let group = if before.group_id == Some(401_002) {
        401_004
    } else {
        401_002
    };
    after.group_id = Some(group);
    let update = UserUpdate::diff(&before, &after);
    assert_eq!(update.len(), 3);
    env.drain();

    let updated = env.client.update_user(id, &update).await.unwrap();
    let x = only_call(&env.drain());
    assert_eq!(x.method, "PUT");
    assert_eq!(x.path(), format!("/api/1/users/{id}"));
    assert_eq!(x.request_header("authorization"), Some("bearer:[REDACTED]"));
    assert_eq!(x.request_header("content-type"), Some("application/json"));
    let sent: Value = serde_json::from_str(x.request_body.as_deref().unwrap()).unwrap();
    assert_eq!(
        sent,
        json!({"department": "R&D", "group_id": group, "title": "Head of <Things> & \"Stuff\""})
    );
    assert_envelope(&x, 200, "success", json!("Success"));
    assert_eq!(body_json(&x)["data"].as_array().unwrap().len(), 1);

    assert_eq!(updated.title, after.title);
    assert_eq!(updated.department.as_deref(), Some("R&D"));
    assert_eq!(updated.group_id, Some(group));
    // Everything else as it was.
    assert_eq!(updated.email, before.email);
    assert_eq!(updated.firstname, before.firstname);
    assert_eq!(updated.custom_attributes, before.custom_attributes);
    let sb = env.sb.user_json(id).unwrap();
    assert_eq!(sb["title"], "Head of <Things> & \"Stuff\"");
    assert_eq!(sb["group_id"], group);

    // A form round trip with nothing changed sends nothing.
    let again = env.client.get_user(id).await.unwrap();
    assert!(UserUpdate::diff(&again, &again.clone()).is_empty());

    // null removes the group.
    let u = env
        .client
        .update_user(id, &UserUpdate::new().with("group_id", Value::Null))
        .await
        .unwrap();
    assert_eq!(u.group_id, None);
}

#[tokio::test]
async fn put_errors() {
    let env = start(small()).await;
    let ids = env.plain_ids(2);
    let other_email = env.sb.user_json(ids[1]).unwrap()["email"]
        .as_str()
        .unwrap()
        .to_string();
    let p = format!("/api/1/users/{}", ids[0]);

    let e = env
        .client
        .update_user(
            ids[0],
            &UserUpdate::new().with("email", other_email.as_str()),
        )
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        422,
        "unprocessable entity",
        text("Validation failed: Value has already been taken"),
    );
    assert_display(&e, "PUT", &p, "unique");

    let update = UserUpdate::new().with("role_id", json!([141_001]));
    assert_eq!(update.non_updatable_fields(), ["role_id"]);
    let e = env.client.update_user(ids[0], &update).await.unwrap_err();
    assert_envelope_error(
        &e,
        400,
        "bad request",
        EnvelopeMessage::Attribute {
            attribute: "role_id".into(),
            description: "role_id is not a valid attribute for user model".into(),
        },
    );
    assert_display(&e, "PUT", &p, "cannot be changed through the API");

    let e = env
        .client
        .update_user(MISSING_ID, &UserUpdate::new().with("title", "x"))
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        404,
        "not found",
        text("User for id 88888888 was not found"),
    );

    let (reader, _) = env.scoped(Scope::ReadUsers);
    let e = reader
        .update_user(ids[0], &UserUpdate::new().with("title", "x"))
        .await
        .unwrap_err();
    assert!(e.is_insufficient_permission(), "{e}");

    let (manager, _) = env.scoped(Scope::ManageUsers);
    let e = manager
        .update_user(OWNER_ID, &UserUpdate::new().with("title", "x"))
        .await
        .unwrap_err();
    assert_envelope_error(
        &e,
        403,
        "forbidden",
        text("user is not authorized to access this User"),
    );
    assert_ne!(env.sb.user_json(OWNER_ID).unwrap()["title"], "x");
}

#[tokio::test]
async fn search_values_with_reserved_characters_round_trip() {
    let env = start(small()).await;
    let ids = env.plain_ids(2);
    let odd = "a b+c&d=e%f/é";
    let values = std::collections::BTreeMap::from([("skype".to_string(), odd.to_string())]);
    env.client
        .set_custom_attributes(ids[1], &values)
        .await
        .unwrap();
    let got = all_pages(&env, UserQuery::new().custom_attribute("skype", odd)).await;
    assert_eq!(ids_of(&got), [ids[1]]);
    assert_eq!(
        got[0].items[0].field("custom_attributes.skype").as_deref(),
        Some(odd)
    );
    let got = all_pages(&env, UserQuery::new().custom_attribute("skype", "*+c&d=*")).await;
    assert_eq!(ids_of(&got), [ids[1]]);
}

#[tokio::test]
async fn since_and_until_with_offsets() {
    let env = start(small()).await;
    let users = sandbox_users(&env.sb);
    let created = |i: usize| users[i]["created_at"].as_str().unwrap().to_string();
    let want: Vec<i64> = users[10..=20]
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    // The same instants, in UTC and with a +01:00 offset.
    let plus_one = |t: &str| {
        let utc = chrono::DateTime::parse_from_rfc3339(t).unwrap();
        utc.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string()
    };
    for (since, until) in [
        (created(10), created(20)),
        (plus_one(&created(10)), plus_one(&created(20))),
    ] {
        let q = UserQuery::new().since(&since).until(&until);
        let got = ids_of(&all_pages(&env, q).await);
        assert_eq!(got, want, "since {since} until {until}");
    }
}
