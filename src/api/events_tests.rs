//! Events: the lenient `Event`, the query, and over loopback the cursor pages, the
//! event types and the errors.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::TimeZone;
use futures::StreamExt;
use serde_json::json;

use super::super::loopback::{Seen, assert_log_redacted, calls, drain, setup, to, v1, v1_error};
use super::*;

/// Every key the contract lists, with the types the documents give.
fn full_event() -> Value {
    json!({
        "id": 999, "created_at": "2016-01-21T09:20:15.990Z", "account_id": 1,
        "user_id": 7, "user_name": "Kat Lee", "event_type_id": 13, "notes": "note",
        "ipaddr": "10.0.0.1", "actor_user_id": 2, "actor_user_name": "Admin One",
        "assuming_acting_user_id": 3, "role_id": 4, "role_name": "Sales", "app_id": 5,
        "app_name": "Slack", "group_id": 6, "group_name": "Default", "otp_device_id": 8,
        "otp_device_name": "Authenticator", "policy_id": 9, "policy_name": "Default policy",
        "actor_system": "Directory sync", "custom_message": "msg",
        "directory_sync_run_id": 10, "directory_id": 11, "resolution": "resolved",
        "client_id": "cid-abc", "resource_type_id": 12, "error_description": "none",
        "proxy_ip": "10.0.0.2", "risk_score": 42, "risk_reasons": "new device",
        "risk_cookie_id": "rc", "browser_fingerprint": "fp"
    })
}

#[test]
fn every_documented_key_has_its_field() {
    let e: Event = serde_json::from_value(full_event()).unwrap();
    assert_eq!((e.id, e.event_type_id), (999, 13));
    assert_eq!(e.user_name.as_deref(), Some("Kat Lee"));
    assert_eq!(e.assuming_acting_user_id, Some(3));
    assert_eq!(e.directory_sync_run_id, Some(10));
    assert_eq!(e.browser_fingerprint.as_deref(), Some("fp"));
    assert!(e.extra.is_empty(), "{:?}", e.extra);
    // The whole event back, in the contract's order: no key lost or added.
    let map = e.to_map();
    let keys: Vec<&String> = map.keys().collect();
    let contract: Vec<String> = full_event().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, contract.iter().collect::<Vec<_>>());
    assert_eq!(
        e.created_at_utc(),
        Some(
            Utc.with_ymd_and_hms(2016, 1, 21, 9, 20, 15).unwrap()
                + chrono::Duration::milliseconds(990)
        )
    );
}

#[test]
fn events_read_leniently() {
    let e: Event = serde_json::from_value(json!({
        "id": "1000", "event_type_id": "5", "user_id": "7", "app_id": null,
        "role_id": "n/a", "notes": null, "risk_score": 7.0, "risk_reasons": ["a", "b"],
        "resolution": 2, "browser_fingerprint": true, "app-name": "Zoom",
        "created_at": "2024-05-01 10:00:00", "brand_new_key": {"x": 1}
    }))
    .unwrap();
    assert_eq!((e.id, e.event_type_id, e.user_id), (1000, 5, Some(7)));
    assert_eq!(
        (e.app_id, e.role_id, e.notes.as_deref()),
        (None, None, None)
    );
    assert_eq!(e.risk_score, Some(7));
    assert_eq!(e.risk_reasons.as_deref(), Some(r#"["a","b"]"#));
    assert_eq!(e.resolution.as_deref(), Some("2"));
    assert_eq!(e.browser_fingerprint.as_deref(), Some("true"));
    assert_eq!(e.app_name.as_deref(), Some("Zoom"));
    assert_eq!(e.extra.get("brand_new_key"), Some(&json!({"x": 1})));
    assert_eq!(
        e.created_at_utc(),
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap())
    );
    // Absent and null fields are left out of the whole-event view; unknown keys are in it.
    let map = e.to_map();
    assert!(!map.contains_key("app_id") && !map.contains_key("notes"));
    assert_eq!(map["brand_new_key"], json!({"x": 1}));

    // Only `id` is required; no type reads as 0.
    let bare: Event = serde_json::from_value(json!({"id": 1})).unwrap();
    assert_eq!((bare.event_type_id, bare.created_at_utc()), (0, None));
    assert!(serde_json::from_value::<Event>(json!({"event_type_id": 1})).is_err());
    assert!(serde_json::from_value::<Event>(json!({"id": "x"})).is_err());
}

#[test]
fn times_parse_from_the_forms_a_server_may_send() {
    let at = |s| parse_utc(s).map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
    assert_eq!(
        at("2016-01-21T09:20:15.990Z").as_deref(),
        Some("2016-01-21T09:20:15.990Z")
    );
    assert_eq!(
        at("2016-01-21T10:20:15+01:00").as_deref(),
        Some("2016-01-21T09:20:15.000Z")
    );
    assert_eq!(
        at("2016-01-21T09:20:15.5").as_deref(),
        Some("2016-01-21T09:20:15.500Z")
    );
    assert_eq!(at("yesterday"), None);
    assert_eq!(at(""), None);
}

#[test]
fn the_query_in_order_with_documented_filters_only() {
    let q = EventQuery::new()
        .since("2024-05-01T00:00:00.000Z")
        .until_time(Utc.with_ymd_and_hms(2024, 5, 2, 0, 0, 0).unwrap())
        .event_type_ids(&[8, 13])
        .user_id(7)
        .client_id("cid abc")
        .directory_id(3)
        .id(99)
        .resolution("ok")
        .limit(500)
        .sort(SortOrder::IdDesc)
        .fields(&["created_at", "user_id"])
        .user_id(8);
    assert_eq!(
        path_with_query(EVENTS, q.wire_pairs(Some("c+/="))),
        "/api/1/events?since=2024-05-01T00%3A00%3A00.000Z&until=2024-05-02T00%3A00%3A00.000Z&event_type_id=8%2C13&user_id=8&client_id=cid+abc&directory_id=3&id=99&resolution=ok&limit=50&sort=-id&fields=id%2Cevent_type_id%2Ccreated_at%2Cuser_id&after_cursor=c%2B%2F%3D"
    );
    assert_eq!(EventQuery::new().limit(0).get("limit"), Some("1"));
    // No ids: no filter, and an earlier one is forgotten.
    let q = EventQuery::new().event_type_ids(&[5]).event_type_ids(&[]);
    assert!(q.is_empty());
    assert_eq!(
        EventQuery::new()
            .fields(&["id", "event_type_id", "ipaddr"])
            .get("fields"),
        Some("id,event_type_id,ipaddr")
    );
    assert!(EventQuery::new().pairs().iter().all(|(k, _)| k != "page"));
}

const PAGE_1: &str = r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"pagination":{"before_cursor":null,"after_cursor":"Y3Vy+MQ==","previous_link":null,"next_link":"https://x/api/1/events?after_cursor=Y3Vy%2BMQ%3D%3D"},"data":[{"id":3,"event_type_id":13,"created_at":"2024-05-01T10:00:00.000Z"},{"id":2,"event_type_id":"8"}]}"#;
const PAGE_2: &str = r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"pagination":{"before_cursor":"YmVm","after_cursor":null,"previous_link":null,"next_link":null},"data":[{"id":1,"event_type_id":13,"user_name":null}]}"#;

fn events(seen: &Seen, _: usize) -> Response {
    let pairs = seen.pairs();
    let cursor = pairs.iter().find(|(k, _)| k == "after_cursor");
    match (seen.path.as_str(), cursor.map(|(_, c)| c.as_str())) {
        _ if pairs.iter().any(|(k, _)| k == "page") => v1_error(
            StatusCode::BAD_REQUEST,
            "bad request",
            "page is not allowed",
        ),
        ("/api/1/events", _) if pairs.iter().any(|(k, v)| k == "user_id" && v == "66") => v1_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Insufficient Permission",
        ),
        ("/api/1/events", None) => v1(StatusCode::OK, PAGE_1),
        ("/api/1/events", Some("Y3Vy+MQ==")) => v1(StatusCode::OK, PAGE_2),
        ("/api/1/events/types", None) => v1(
            StatusCode::OK,
            r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"pagination":{"after_cursor":"dDI="},"data":[{"id":13,"name":"USER_CREATED","description":"%actor_user_name% created user %user_name%"},{"id":"8","name":"USER_DELETED"}]}"#,
        ),
        ("/api/1/events/types", Some("dDI=")) => v1(
            StatusCode::OK,
            r#"{"status":{"error":false,"code":200,"type":"success","message":"Success"},"data":[{"id":5,"name":null,"description":null,"extra":1}]}"#,
        ),
        _ => v1_error(StatusCode::NOT_FOUND, "not found", "No Route Exists"),
    }
}

#[tokio::test]
async fn pages_follow_the_cursor_beside_the_filters() {
    let (c, log) = setup(events).await;
    let query = EventQuery::new()
        .event_type_ids(&[13, 8])
        .since("2024-05-01T00:00:00.000Z")
        .limit(50);
    let first = c.list_events_page(&query, None).await.unwrap();
    assert_eq!(first.items.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 2]);
    assert_eq!(first.items[1].event_type_id, 8);
    assert_eq!(first.after_cursor.as_deref(), Some("Y3Vy+MQ=="));
    assert_eq!(first.before_cursor, None);

    let pages: Vec<_> = c.list_events(query).collect().await;
    let ids: Vec<i64> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().items)
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [3, 2, 1]);

    let seen = to(&log, "/api/1/events");
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[2].pairs(),
        [
            ("event_type_id".into(), "13,8".into()),
            ("since".into(), "2024-05-01T00:00:00.000Z".into()),
            ("limit".into(), "50".into()),
            ("after_cursor".into(), "Y3Vy+MQ==".into())
        ]
    );
    // Encoded once on the wire; the /1 form of the bearer.
    assert!(
        seen[2].query.ends_with("after_cursor=Y3Vy%2BMQ%3D%3D"),
        "{}",
        seen[2].query
    );
    assert!(seen.iter().all(|s| s.authorization == "bearer:tok-1"));
    assert!(seen.iter().all(|s| !s.query.contains("page=")));
}

#[tokio::test]
async fn event_types_are_read_from_the_server_every_page() {
    let (c, log) = setup(events).await;
    let types = c.event_types().await.unwrap();
    assert_eq!(
        types,
        [
            EventType {
                id: 13,
                name: "USER_CREATED".into(),
                description: Some("%actor_user_name% created user %user_name%".into())
            },
            EventType {
                id: 8,
                name: "USER_DELETED".into(),
                description: None
            },
            EventType {
                id: 5,
                name: String::new(),
                description: None
            },
        ]
    );
    assert_eq!(
        calls(&log),
        [
            "GET /api/1/events/types",
            "GET /api/1/events/types?after_cursor=dDI%3D"
        ]
    );
}

#[tokio::test]
async fn a_credential_that_cannot_read_events_is_told_which_can() {
    let (c, _log) = setup(events).await;
    let mut feed = c.subscribe();
    let e = c
        .list_events_page(&EventQuery::new().user_id(66), None)
        .await
        .unwrap_err();
    assert!(e.is_insufficient_permission(), "{e}");
    assert!(
        e.hint()
            .contains("Read Users, Manage users, Read All or Manage All"),
        "{e}"
    );
    // A stream ends after its first error, which it yields.
    let pages: Vec<_> = c.list_events(EventQuery::new().user_id(66)).collect().await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].is_err());
    let got = drain(&mut feed);
    assert_eq!(got.len(), 3, "token, then the two refused reads");
    assert_eq!(
        got[1].request_header("authorization"),
        Some("bearer:[REDACTED]")
    );
    assert_log_redacted(&got);
}
