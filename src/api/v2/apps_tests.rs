//! A user's apps: the lenient `UserApp`, and over loopback the bare list, its paging
//! headers if any, and the errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::json;

use super::super::super::client::Request;
use super::super::super::loopback::{Seen, bare, calls, setup};
use super::super::paging::bare_list;
use super::*;
#[test]
fn apps_read_leniently() {
    let req = Request::new(
        Method::GET,
        reqwest::Url::parse("http://127.0.0.1/api/2/users/7/apps").unwrap(),
    );
    let v = json!([
        {"id": 11, "name": "Slack", "icon_url": "https://x/s.png", "login_id": 90,
         "provisioning_status": "Provisioned", "provisioning_state": "approved",
         "provisioning_enabled": true, "extension": false},
        {"id": "12", "name": null, "icon_url": null, "login_id": "91",
         "provisioning_status": 3, "provisioning_state": null, "provisioning_enabled": "false"},
        {"id": 13}
    ]);
    let apps: Vec<UserApp> = bare_list(&v, &req, "app").unwrap();
    assert_eq!(apps[0].name, "Slack");
    assert_eq!(apps[0].login_id, Some(90));
    assert_eq!(apps[0].provisioning_enabled, Some(true));
    assert_eq!(apps[0].extra.get("extension"), Some(&json!(false)));
    assert_eq!(
        apps[1],
        UserApp {
            id: 12,
            login_id: Some(91),
            provisioning_status: Some("3".into()),
            provisioning_enabled: Some(false),
            ..UserApp::default()
        }
    );
    assert_eq!(apps[2].id, 13);
    assert_eq!(apps[2].provisioning_enabled, None);
    let e = bare_list::<UserApp>(&json!([{"name": "no id"}]), &req, "app").unwrap_err();
    assert!(e.to_string().contains("app #0"), "{e}");
}

fn apps(seen: &Seen, _: usize) -> Response {
    match (seen.path.as_str(), seen.query.as_str()) {
        ("/api/2/users/7/apps", "") => bare(
            StatusCode::OK,
            r#"[{"id":11,"name":"Slack","icon_url":null,"login_id":90,"provisioning_status":"Provisioned","provisioning_state":"approved","provisioning_enabled":true}]"#,
        ),
        // A long list, paged like any /2 list.
        ("/api/2/users/8/apps", "") => {
            let mut r = bare(StatusCode::OK, r#"[{"id":1,"name":"A"},{"id":2,"name":"B"}]"#);
            r.headers_mut()
                .insert("after-cursor", "YXBw%3D".parse().unwrap());
            r
        }
        ("/api/2/users/8/apps", "cursor=YXBw%3D") => {
            bare(StatusCode::OK, r#"[{"id":3,"name":"C"}]"#)
        }
        ("/api/2/users/9/apps", "") => bare(StatusCode::OK, "[]"),
        ("/api/2/users/10/apps", "") => bare(StatusCode::OK, r#"{"data":[]}"#),
        _ => (
            StatusCode::NOT_FOUND,
            [("content-type", "application/json")],
            r#"{"message":"User for id 404 was not found","name":"NotFoundError","statusCode":404}"#,
        )
            .into_response(),
    }
}

#[tokio::test]
async fn a_users_apps_are_one_bare_list_paged_if_the_headers_say_so() {
    let (c, log) = setup(apps).await;
    let got = c.user_apps(7).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].name, "Slack");
    assert_eq!(got[0].provisioning_state.as_deref(), Some("approved"));
    let ids: Vec<i64> = c
        .user_apps(8)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    assert!(c.user_apps(9).await.unwrap().is_empty());
    assert_eq!(
        calls(&log),
        [
            "GET /api/2/users/7/apps",
            "GET /api/2/users/8/apps",
            "GET /api/2/users/8/apps?cursor=YXBw%3D",
            "GET /api/2/users/9/apps",
        ]
    );
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .filter(|s| s.path.starts_with("/api/"))
            .all(|s| s.authorization == "bearer tok-1")
    );

    // Not a list: said plainly, with the request it answers.
    let e = c.user_apps(10).await.unwrap_err();
    assert!(e.to_string().contains("not a list of apps"), "{e}");
    let e = c.user_apps(404).await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    assert!(e.hint().contains("deleted"), "{e}");
}
