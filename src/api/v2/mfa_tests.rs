//! MFA devices: the lenient `MfaDevice`, the device id in the path, and over loopback
//! the list, the removal and the errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::super::ErrorKind;
use super::super::super::loopback::{Seen, assert_log_redacted, bare, calls, drain, setup};
use super::super::paging::bare_list;
use super::*;

#[test]
fn devices_read_leniently() {
    let req = Request::new(
        Method::GET,
        reqwest::Url::parse("http://127.0.0.1/api/2/mfa/users/7/devices").unwrap(),
    );
    let v = json!([
        {"device_id": 123, "user_display_name": "Kat's phone", "type_display_name": "OneLogin Protect",
         "auth_factor_name": "OneLogin", "default": true, "active": true},
        {"device_id": "abc-9", "user_display_name": null, "default": null},
        {"device_id": "456", "default": "false"}
    ]);
    let devices: Vec<MfaDevice> = bare_list(&v, &req, "MFA device").unwrap();
    assert_eq!(devices[0].device_id, "123");
    assert!(devices[0].default);
    assert_eq!(devices[0].auth_factor_name.as_deref(), Some("OneLogin"));
    assert_eq!(devices[0].extra.get("active"), Some(&json!(true)));
    assert_eq!(
        devices[1],
        MfaDevice {
            device_id: "abc-9".into(),
            ..MfaDevice::default()
        }
    );
    assert!(!devices[2].default);
    for no_id in [
        json!([{"default": true}]),
        json!([{"device_id": null}]),
        json!([{"device_id": ""}]),
    ] {
        assert!(
            bare_list::<MfaDevice>(&no_id, &req, "MFA device").is_err(),
            "{no_id}"
        );
    }
}

#[test]
fn a_device_id_is_one_path_segment() {
    assert_eq!(
        device_path(7, "123").unwrap(),
        "/api/2/mfa/users/7/devices/123"
    );
    assert_eq!(
        device_path(7, "a b/c?d#e%f~g.h_i-j").unwrap(),
        "/api/2/mfa/users/7/devices/a%20b%2Fc%3Fd%23e%25f~g.h_i-j"
    );
    assert_eq!(
        device_path(7, "é").unwrap(),
        "/api/2/mfa/users/7/devices/%C3%A9"
    );
    for not_an_id in ["", " ", ".", ".."] {
        let e = device_path(7, not_an_id).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Config(_)), "{not_an_id:?}");
    }
}

fn mfa(seen: &Seen, _: usize) -> Response {
    match (seen.method.as_str(), seen.path.as_str()) {
        ("GET", "/api/2/mfa/users/7/devices") => bare(
            StatusCode::OK,
            r#"[{"device_id":123,"user_display_name":"Phone","type_display_name":"OneLogin Protect","auth_factor_name":"OneLogin","default":true},{"device_id":"124","type_display_name":"SMS","default":false}]"#,
        ),
        ("DELETE", "/api/2/mfa/users/7/devices/123")
        | ("DELETE", "/api/2/mfa/users/7/devices/a%20b%2Fc") => {
            StatusCode::NO_CONTENT.into_response()
        }
        ("DELETE", "/api/2/mfa/users/7/devices/999") => bare(
            StatusCode::NOT_FOUND,
            r#"{"message":"Device not found","name":"NotFoundError","statusCode":404}"#,
        ),
        ("DELETE", "/api/2/mfa/users/8/devices/123") => bare(
            StatusCode::UNAUTHORIZED,
            r#"{"message":"Insufficient Permission","name":"UnauthorizedError","statusCode":401}"#,
        ),
        _ => bare(
            StatusCode::NOT_FOUND,
            r#"{"message":"No Route Exists","name":"NotFoundError","statusCode":404}"#,
        ),
    }
}

#[tokio::test]
async fn devices_are_listed_and_removed_one_encoded_segment_at_a_time() {
    let (c, log) = setup(mfa).await;
    let mut feed = c.subscribe();
    let devices = c.mfa_devices(7).await.unwrap();
    assert_eq!(
        devices
            .iter()
            .map(|d| (d.device_id.as_str(), d.default))
            .collect::<Vec<_>>(),
        [("123", true), ("124", false)]
    );
    c.remove_mfa_device(7, &devices[0].device_id).await.unwrap();
    c.remove_mfa_device(7, "a b/c").await.unwrap();
    for not_an_id in ["", ".."] {
        let e = c.remove_mfa_device(7, not_an_id).await.unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Config(_)), "{e:?}");
    }
    assert_eq!(
        calls(&log),
        [
            "GET /api/2/mfa/users/7/devices",
            "DELETE /api/2/mfa/users/7/devices/123",
            "DELETE /api/2/mfa/users/7/devices/a%20b%2Fc",
        ]
    );
    for s in log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path.starts_with("/api/"))
    {
        assert_eq!(s.authorization, "bearer tok-1", "{s:?}");
        assert_eq!(s.body, "", "{s:?}");
    }

    let e = c.remove_mfa_device(7, "999").await.unwrap_err();
    assert_eq!(e.http_status(), Some(404));
    assert!(!e.is_no_route());
    assert!(e.hint().contains("no longer enrolled"), "{e}");
    let e = c.remove_mfa_device(8, "123").await.unwrap_err();
    assert!(e.is_insufficient_permission(), "{e}");
    assert!(
        e.hint().contains("removing an MFA device needs Manage All"),
        "{e}"
    );

    let got = drain(&mut feed);
    assert_eq!(got.len(), 6, "token, list, two removals, two refusals");
    assert_eq!(got[2].status, Some(204));
    assert_eq!(
        got[2].request_header("authorization"),
        Some("bearer [REDACTED]")
    );
    assert_log_redacted(&got);
}
