//! Rows from the cache and from the API alike.

use super::*;
use crate::cache::{CacheKey, Store};
use crate::tenant::Tenant;

/// The cache's rows are built from the file's columns, the server's from a `User`: the
/// list must not tell them apart (what is shown, what `/` and search terms match).
#[test]
fn a_row_read_from_the_cache_is_the_row_of_its_user() {
    let users: Vec<User> = serde_json::from_value(serde_json::json!([
        {"id": 7, "email": "zoe@example.com", "firstname": " Zoë ", "lastname": "ÅSTRÖM",
         "username": "zoe", "department": "Ventes\u{1f}Nord", "title": "Staff Engineer",
         "company": "ACME", "phone": "+1 555", "status": 3, "state": 1,
         "manager_ad_id": 42, "role_id": [3, 1], "created_at": "2024-01-02T03:04:05Z",
         "updated_at": "2025-06-07T08:09:10Z", "locked_until": "2026-12-01T00:00:00Z",
         "group_id": 5,
         "custom_attributes": {"AWS_Role": "admin", "note": "a \"quoted\" \\ word",
                               "empty": "", "unset": null, "x": "a\u{1e}b"}},
        {"id": 9, "email": "only@example.com",
         "custom_attributes": {"AWS_Role": "Read Only", "zz": "ß"}},
        {"id": 11}
    ]))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = reqwest::Url::parse("https://t.example").unwrap();
    let key = CacheKey::new(Tenant::new("p", &url), "client");
    let mut store = Store::open(dir.path(), &key).unwrap();
    store.upsert(&users, 1, None).unwrap();
    let columns = crate::app::columns::with_custom(&["AWS_Role", "zz"]);
    let from_cache = crate::worker::cached_rows(&store, 0, 10, &columns).unwrap();
    let from_users = RowBatch::of_users(&users, &columns);
    assert_eq!(from_cache.rows, from_users.rows);
    for i in 0..users.len() {
        assert_eq!(from_cache.hay.get(i), from_users.hay.get(i));
        assert_eq!(from_cache.hay.fields_of(i), from_users.hay.fields_of(i));
    }
    let zoe = &from_cache.rows[0];
    assert_eq!(&*zoe.name, "Zoë ÅSTRÖM");
    assert!(from_cache.hay.get(0).contains("zoë åström"));
    assert!(
        from_cache
            .hay
            .fields_of(0)
            .starts_with("ventes nord\u{1f}staff engineer")
    );
    assert_eq!(
        zoe.server_field(&ServerField::RoleId),
        ServerValue::Ints(vec![3, 1])
    );
    assert_eq!(
        zoe.server_field(&ServerField::Custom("note".into())),
        ServerValue::Text("a \"quoted\" \\ word")
    );
    assert_eq!(&*from_cache.rows[2].name, "#11");
    // The columns on offer beyond the fixed ones come from the cache as from the API.
    assert_eq!(zoe.more_of("group_id"), "5");
    assert_eq!(zoe.more_of("updated_at"), "2025-06-07T08:09:10Z");
    assert_eq!(zoe.more_of("locked_until"), "2026-12-01T00:00:00Z");
    assert_eq!(zoe.custom("AWS_Role"), "admin");
}
