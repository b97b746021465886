//! The user cache over loopback against the sandbox: a fill, refreshes and the calls they
//! take, deletions found by Total-Count and the events API (or an id listing), API /1
//! without /2, and one file per tenant.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::time::Duration;

use bulk_common::{client, sandbox};
use onelogin_tui::api::{Client, V2UserUpdate};
use onelogin_tui::cache::sync::{SyncKind, SyncOptions, refresh};
use onelogin_tui::cache::{CacheKey, Store, SyncReport};
use onelogin_tui::config::ApiMode;
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;

fn key(sb: &Sandbox) -> CacheKey {
    let url = reqwest::Url::parse(&sb.url()).unwrap();
    CacheKey::new(
        Tenant::new("test", &url),
        &SandboxConfig::default().client_id,
    )
}

/// Same clock on both sides: no margin needed, so the call counts are exact.
fn exact(api: ApiMode) -> SyncOptions {
    SyncOptions {
        margin: Duration::ZERO,
        ..SyncOptions::new(api)
    }
}

async fn sync(c: &Client, store: &mut Store, options: SyncOptions) -> SyncReport {
    let report = refresh(c, None, store, options, &|_| {}).await.unwrap();
    eprintln!("{report:?}");
    report
}

async fn ids_of(sb: &Sandbox) -> Vec<i64> {
    let users = bulk_common::all_users(&client(sb), &["id"]).await;
    let mut ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fill_then_refreshes_that_count_their_calls() {
    let sb = sandbox(SandboxConfig {
        users: 130,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key(&sb)).unwrap();

    let fill = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(fill.kind, SyncKind::Fill { resumed: false });
    assert_eq!(fill.calls, 1 + 3, "the count, then 3 pages of 50");
    assert_eq!((fill.added, fill.users, fill.total), (130, 130, Some(130)));
    let state = store.sync_state().unwrap();
    assert!(state.complete && state.fill_cursor.is_none() && state.last_sync.is_some());
    assert_eq!(store.ids().unwrap(), ids_of(&sb).await);
    // Every field, custom attributes included, as the tenant has them.
    let id = store.ids().unwrap()[5];
    let cached = store.json(id).unwrap().unwrap();
    let live = sb.user_json(id).unwrap();
    for field in [
        "email",
        "department",
        "title",
        "status",
        "state",
        "custom_attributes",
        "role_id",
        "updated_at",
    ] {
        assert_eq!(cached[field], live[field], "{field}");
    }

    let quiet = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(quiet.kind, SyncKind::Incremental);
    assert_eq!(
        quiet.calls, 2,
        "nothing changed: the count and one empty page"
    );
    assert_eq!((quiet.added, quiet.changed, quiet.deleted), (0, 0, 0));

    // 60 users change on the tenant: ceil(60/50) pages after the count.
    let ids = store.ids().unwrap();
    for id in &ids[10..70] {
        let up = V2UserUpdate::new().with("title", format!("Renamed {id}"));
        c.update_user_v2(*id, &up, onelogin_tui::api::Mappings::Disabled)
            .await
            .unwrap();
    }
    let changed = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(changed.calls, 1 + 2);
    assert_eq!((changed.added, changed.changed), (0, 60));
    assert_eq!(changed.changed_users.len(), 60);
    assert!(!changed.reload);
    let loaded = store.load(ids[10] - 1, 1).unwrap();
    assert_eq!(
        loaded[0].title.as_deref(),
        Some(format!("Renamed {}", ids[10]).as_str())
    );

    // A user created on the tenant is added.
    let new = c
        .create_user_v2(
            &serde_json::json!({"email": "new.hire@example.com", "firstname": "New"})
                .as_object()
                .unwrap()
                .clone(),
        )
        .await
        .unwrap();
    let added = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!((added.added, added.calls), (1, 2));
    assert!(store.ids().unwrap().contains(&new.id));
    assert_eq!(store.count().unwrap(), 131);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_users_leave_after_one_refresh() {
    let sb = sandbox(SandboxConfig {
        users: 120,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key(&sb)).unwrap();
    sync(&c, &mut store, exact(ApiMode::Auto)).await;
    let ids = store.ids().unwrap();
    // Three deleted, on /1 and /2 alike (never the owner, the first).
    let gone = [ids[3], ids[40], ids[99]];
    c.delete_user(gone[0]).await.unwrap();
    c.delete_user_v2(gone[1]).await.unwrap();
    c.delete_user_v2(gone[2]).await.unwrap();
    let r = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(r.deleted, 3);
    let mut found = r.deleted_ids.clone();
    found.sort_unstable();
    assert_eq!(found, gone);
    // The count, an empty updated page, the event types (once), one page of events.
    assert_eq!(r.calls, 4);
    assert_eq!(store.ids().unwrap(), ids_of(&sb).await);
    assert!(store.sync_state().unwrap().deleted_type_id.is_some());

    // The type id is kept: the next deletion costs one call fewer.
    c.delete_user_v2(ids[50]).await.unwrap();
    let r = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!((r.deleted, r.calls), (1, 3));

    // A row no event explains (the tenant's log kept none): the id listing finds it.
    let ghost: onelogin_tui::api::User =
        serde_json::from_value(serde_json::json!({"id": 9_999_999, "email": "ghost@x"})).unwrap();
    store.upsert(&[ghost], 0, None).unwrap();
    let r = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(r.deleted_ids, vec![9_999_999]);
    assert_eq!(
        r.calls,
        2 + 1 + 3,
        "count, updated page, events page, 3 id pages"
    );
    assert_eq!(store.ids().unwrap(), ids_of(&sb).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_api_2_a_refresh_is_a_full_v1_listing() {
    let sb = sandbox(SandboxConfig {
        users: 110,
        serve_v2: false,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key(&sb)).unwrap();
    // api = "v1": no /2 call at all.
    let fill = sync(&c, &mut store, exact(ApiMode::V1)).await;
    assert_eq!(fill.kind, SyncKind::Fill { resumed: false });
    assert_eq!((fill.calls, fill.users), (3, 110));
    let json = store.json(store.ids().unwrap()[7]).unwrap().unwrap();
    assert!(json["custom_attributes"].is_object(), "{json}");
    let ids = store.ids().unwrap();
    c.delete_user(ids[20]).await.unwrap();
    let again = sync(&c, &mut store, exact(ApiMode::V1)).await;
    assert_eq!(again.kind, SyncKind::FullV1 { resumed: false });
    assert_eq!((again.calls, again.deleted, again.users), (3, 1, 109));
    assert_eq!(store.ids().unwrap(), ids_of(&sb).await);

    // api = "auto" on a tenant that refuses /2: the count call is refused, then /1, said.
    let auto = sync(&c, &mut store, exact(ApiMode::Auto)).await;
    assert_eq!(auto.kind, SyncKind::FullV1 { resumed: false });
    assert_eq!(auto.calls, 1 + 3);
    assert!(
        auto.notes.iter().any(|n| n.contains("/1 listing")),
        "{:?}",
        auto.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_stops_a_long_fill_before_it_starts() {
    let sb = sandbox(SandboxConfig {
        users: 400,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key(&sb)).unwrap();
    let options = SyncOptions {
        max_listing_calls: Some(5),
        ..exact(ApiMode::Auto)
    };
    let r = sync(&c, &mut store, options).await;
    assert_eq!(r.kind, SyncKind::NotStarted);
    assert_eq!((r.calls, r.needs, r.users), (1, Some(9), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_never_share_a_file() {
    let a = sandbox(SandboxConfig {
        users: 60,
        seed: 1,
        ..SandboxConfig::default()
    })
    .await;
    let b = sandbox(SandboxConfig {
        users: 70,
        seed: 2,
        ..SandboxConfig::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let (ka, kb) = (key(&a), key(&b));
    assert_ne!(ka.file_name(), kb.file_name());
    let mut sa = Store::open(home.path(), &ka).unwrap();
    let mut sb_ = Store::open(home.path(), &kb).unwrap();
    sync(&client(&a), &mut sa, exact(ApiMode::Auto)).await;
    sync(&client(&b), &mut sb_, exact(ApiMode::Auto)).await;
    assert_eq!(sa.ids().unwrap(), ids_of(&a).await);
    assert_eq!(sb_.ids().unwrap(), ids_of(&b).await);
    assert_eq!(
        std::fs::read_dir(home.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".sqlite3")
            })
            .count(),
        2
    );
}

/// What the cache relies on: every write moves `updated_at` (the lifecycle verbs too; a
/// logout changes no field and leaves it), and `updated_since` lists exactly the users
/// changed since, inclusive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_moves_updated_at_for_updated_since() {
    let sb = sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let ids = ids_of(&sb).await;
    let listed_since = |t: chrono::DateTime<chrono::Utc>| {
        let c = c.clone();
        async move {
            let q = onelogin_tui::api::V2UserQuery::new()
                .updated_since(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .fields(&["id", "updated_at"]);
            let page = c.list_users_v2(&q, None).await.unwrap();
            page.items.iter().map(|u| u.id).collect::<Vec<i64>>()
        }
    };
    let role = c.list_roles(None).await.unwrap()[2].id;
    let mut writes: Vec<(&str, i64)> = Vec::new();
    let t0 = chrono::Utc::now();
    assert!(
        listed_since(t0).await.is_empty(),
        "the seeded users changed long ago"
    );
    let up = onelogin_tui::api::UserUpdate::new()
        .set("title", "T")
        .clone();
    c.update_user(ids[1], &up).await.unwrap();
    writes.push(("PUT /1", ids[1]));
    let mut values = std::collections::BTreeMap::new();
    values.insert("skype".to_string(), "x1".to_string());
    c.set_custom_attributes(ids[2], &values).await.unwrap();
    writes.push(("set_custom_attributes", ids[2]));
    if !c.user_roles(ids[3]).await.unwrap().contains(&role) {
        c.add_roles(ids[3], &[role]).await.unwrap();
        writes.push(("add_roles", ids[3]));
    }
    c.add_role_users(role, &[ids[4]]).await.ok();
    writes.push(("POST roles/users", ids[4]));
    c.lock_user(ids[5], 5).await.unwrap();
    writes.push(("lock_user", ids[5]));
    c.lock_user(ids[6], 5).await.unwrap();
    c.unlock_user(ids[6]).await.unwrap();
    writes.push(("unlock", ids[6]));
    let state_now = sb.user_json(ids[7]).unwrap()["state"].as_i64().unwrap();
    c.set_user_state(ids[7], if state_now == 2 { 1 } else { 2 })
        .await
        .unwrap();
    writes.push(("set_state", ids[7]));
    c.logout_user(ids[8]).await.unwrap();
    let listed = listed_since(t0).await;
    for (what, id) in &writes {
        assert!(listed.contains(id), "{what} did not move updated_at");
    }
    assert!(!listed.contains(&ids[8]), "a logout changes no field");
    // Inclusive: a user updated at exactly `t` is listed from `t`.
    let at = sb.user_json(ids[1]).unwrap()["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    let at = chrono::DateTime::parse_from_rfc3339(&at)
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert!(listed_since(at).await.contains(&ids[1]));
    assert!(
        listed_since(chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .is_empty()
    );
}
