use super::*;
use crate::tenant::Tenant;
use serde_json::json;

fn key(profile: &str, client: &str) -> CacheKey {
    let url = reqwest::Url::parse("http://127.0.0.1:8089").unwrap();
    CacheKey::new(Tenant::new(profile, &url), client)
}

fn user(v: Value) -> User {
    serde_json::from_value(v).unwrap()
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn the_folder_is_0700_and_the_files_0600() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cache/onelogin-tui");
    // A folder that existed with looser modes is tightened.
    std::fs::create_dir_all(&dir).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut store = Store::open(&dir, &key("p", "c")).unwrap();
    store
        .upsert(&[user(json!({"id": 1, "email": "a@x"}))], 0, None)
        .unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(store.path()), 0o600);
    let wal = with_suffix(store.path(), "-wal");
    assert!(wal.exists(), "WAL mode");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&with_suffix(store.path(), "-shm")), 0o600);
    // A file left with looser modes is tightened when opened again.
    drop(store);
    let path = dir.join(key("p", "c").file_name());
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    Store::open(&dir, &key("p", "c")).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn users_are_merged_counted_swept_and_deleted() {
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key("p", "c")).unwrap();
    let first = user(json!({
        "id": 7, "email": "ann@x", "department": "Sales", "status": 1, "role_id": [3, 4],
        "custom_attributes": {"AWS_Role": "Admin", "skype": null}, "nickname": "annie"
    }));
    let done = store
        .upsert(&[first.clone(), user(json!({"id": 8}))], 1, None)
        .unwrap();
    assert_eq!(
        done,
        Upserted {
            added: 2,
            changed: 0
        }
    );
    // The same answer again changes nothing; a new title changes one.
    let again = store.upsert(std::slice::from_ref(&first), 1, None).unwrap();
    assert_eq!(again, Upserted::default());
    let mut retitled = first.clone();
    retitled.title = Some("CTO".into());
    retitled.extra.clear();
    let changed = store.upsert(&[retitled], 2, None).unwrap();
    assert_eq!(
        changed,
        Upserted {
            added: 0,
            changed: 1
        }
    );
    let whole = store.json(7).unwrap().unwrap();
    assert_eq!(whole["title"], "CTO");
    assert_eq!(
        whole["nickname"], "annie",
        "a key the answer lacked is kept"
    );
    let loaded = store.load(0, 10).unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0].department.as_deref(), Some("Sales"));
    assert_eq!(loaded[0].role_id, Some(vec![3, 4]));
    assert_eq!(
        loaded[0].custom_attributes["AWS_Role"].as_deref(),
        Some("Admin")
    );
    assert_eq!(store.load(7, 10).unwrap().len(), 1, "after an id");
    // A full listing of pass 2 saw only 7: 8 is swept, with the progress.
    let progress = SyncState {
        complete: true,
        pass: 2,
        last_total: Some(1),
        ..SyncState::default()
    };
    assert_eq!(store.sweep(2, &progress).unwrap(), vec![8]);
    assert_eq!(store.sync_state().unwrap(), progress);
    assert_eq!(store.delete(&[7, 99]).unwrap(), 1);
    assert_eq!(store.count().unwrap(), 0);
    assert_eq!(store.check().unwrap(), None);
}

#[test]
fn the_sync_state_round_trips() {
    let home = tempfile::tempdir().unwrap();
    let mut store = Store::open(home.path(), &key("p", "c")).unwrap();
    assert_eq!(store.sync_state().unwrap(), SyncState::default());
    let t = DateTime::parse_from_rfc3339("2026-11-30T10:00:00.123Z")
        .unwrap()
        .with_timezone(&Utc);
    let state = SyncState {
        last_sync: Some(t),
        last_total: Some(100_000),
        complete: true,
        fill_cursor: Some("abc.def".into()),
        fill_started: Some(t),
        fill_api: Some("v2".into()),
        pass: 3,
        deleted_type_id: Some(17),
    };
    store.set_sync_state(&state).unwrap();
    drop(store);
    let store = Store::open(home.path(), &key("p", "c")).unwrap();
    assert_eq!(store.sync_state().unwrap(), state);
    let status = store.status().unwrap();
    assert_eq!(status.users, 0);
    assert!(status.bytes > 0);
}

#[test]
fn another_tenants_file_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let a = key("prod", "client-a");
    let b = key("prod", "client-b");
    assert_ne!(a.file_name(), b.file_name());
    let mut store = Store::open(home.path(), &a).unwrap();
    store.upsert(&[user(json!({"id": 1}))], 0, None).unwrap();
    drop(store);
    // The other credential has its own, empty file.
    assert_eq!(Store::open(home.path(), &b).unwrap().count().unwrap(), 0);
    // A's file under B's name (copied, or a hash collision) is not shown as B's.
    let a_path = home.path().join(a.file_name());
    let b_path = home.path().join(b.file_name());
    std::fs::remove_file(&b_path).unwrap();
    let _ = std::fs::remove_file(with_suffix(&b_path, "-wal"));
    let _ = std::fs::remove_file(with_suffix(&b_path, "-shm"));
    std::fs::copy(&a_path, &b_path).unwrap();
    let _ = std::fs::copy(with_suffix(&a_path, "-wal"), with_suffix(&b_path, "-wal"));
    let err = Store::open(home.path(), &b).unwrap_err();
    assert!(matches!(err, CacheError::OtherTenant { .. }), "{err}");
    assert!(err.to_string().contains("client-a"), "{err}");
}

#[test]
fn a_damaged_or_newer_file_is_refused_in_words() {
    let home = tempfile::tempdir().unwrap();
    let k = key("p", "c");
    let path = home.path().join(k.file_name());
    std::fs::write(
        &path,
        b"this is not a database, it is a text file of some length...",
    )
    .unwrap();
    let err = Store::open(home.path(), &k).unwrap_err();
    assert!(matches!(err, CacheError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("cache clear"), "{err}");
    std::fs::remove_file(&path).unwrap();
    drop(Store::open(home.path(), &k).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(home.path(), &k).unwrap_err();
    assert!(
        matches!(err, CacheError::TooNew { found: 99, .. }),
        "{err:?}"
    );
}

#[test]
fn a_version_1_file_migrates_and_keeps_its_users() {
    let home = tempfile::tempdir().unwrap();
    let k = key("p", "c");
    let path = home.path().join(k.file_name());
    {
        let mut conn = Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        schema::create_at(&tx, 1).unwrap();
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('key', ?1)",
            params![k.text()],
        )
        .unwrap();
        let old = json!({"id": 5, "email": "old@x", "title": "Engineer", "status": 1,
                         "custom_attributes": {"AWS_Role": "Dev"}, "future_field": [1]});
        tx.execute(
            "INSERT INTO users (id, json, updated_at) VALUES (5, ?1, NULL)",
            params![old.to_string()],
        )
        .unwrap();
        tx.execute(
            "UPDATE sync SET last_sync = '2026-01-01T00:00:00.000Z', complete = 1",
            params![],
        )
        .unwrap();
        tx.commit().unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", params![], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
    }
    let store = Store::open(home.path(), &k).unwrap();
    let v: i64 = store
        .conn
        .query_row("PRAGMA user_version", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(v, schema::VERSION);
    let users = store.load(0, 10).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].title.as_deref(), Some("Engineer"));
    assert_eq!(
        users[0].custom_attributes["AWS_Role"].as_deref(),
        Some("Dev")
    );
    assert_eq!(store.json(5).unwrap().unwrap()["future_field"], json!([1]));
    let sync = store.sync_state().unwrap();
    assert!(sync.complete);
    assert!(sync.last_sync.is_some());
    assert_eq!(sync.pass, 0);
}
