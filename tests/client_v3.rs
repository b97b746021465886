//! Seed 001, the deprecated v3 XML update, through `api::Client`: every element
//! the page lists, the roles array, custom_attribute_X, XML escaping, and the
//! HTML error pages (invalid group, not found, wrong key) as `ErrorKind::V3`.

mod client_common;

use client_common::*;
use onelogin_tui::api::{ErrorKind, NO_API_KEY, V3_ELEMENTS, V3UserUpdate};
use onelogin_tui::sandbox::Sandbox;
use reqwest::Url;
use secrecy::SecretString;

const TRICKY: &str = "a < b > c & \"d\" 'e'";

fn client_with_key(sb: &Sandbox, key: Option<&str>) -> onelogin_tui::api::Client {
    let cred = sb.credential(onelogin_tui::sandbox::Scope::ManageAll);
    let mut config = onelogin_tui::api::ClientConfig::new(
        Url::parse(&sb.url()).unwrap_or_else(|e| panic!("{e}")),
        cred.client_id,
        SecretString::from(cred.client_secret),
    );
    config.api_key = key.map(|k| SecretString::from(k.to_string()));
    onelogin_tui::api::Client::new(config).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn update_with_every_documented_element_roles_and_custom_attributes() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let values: Vec<(&str, String)> = vec![
        ("company", "Acme & Sons".into()),
        ("department", "R&D".into()),
        ("directory-id", "77".into()),
        (
            "distinguished-name",
            "CN=Doc User,OU=Staff,DC=example,DC=com".into(),
        ),
        ("email", "v3.doc.user@example.com".into()),
        ("external-id", "ext-42".into()),
        ("firstname", "Zoë".into()),
        ("group-id", "401004".into()),
        ("invalid-login-attempts", "2".into()),
        ("lastname", "O'Brien".into()),
        ("member-of", "CN=Staff".into()),
        ("openid-name", "v3docuser".into()),
        ("phone", "+1 555 0100".into()),
        ("samaccountname", "v3doc".into()),
        ("status", "2".into()),
        ("title", TRICKY.into()),
        ("username", "v3.doc.user".into()),
        ("userprincipalname", "v3.doc.user@example.com".into()),
    ];
    // The test covers exactly the page's list.
    let mut names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let mut documented = V3_ELEMENTS.to_vec();
    documented.sort_unstable();
    assert_eq!(names, documented);

    let mut update = V3UserUpdate::new();
    for (name, value) in &values {
        update.set(name, value.as_str());
    }
    update.roles(&[141_005, 141_013]);
    update.custom_attribute("AWS_Role", "Developer");
    update.custom_attribute("skype", TRICKY);
    env.client.update_user_v3(id, &update).await.unwrap();

    // On the wire, as the page's curl sample.
    let xs = env.drain();
    assert_eq!(xs.len(), 1, "v3 needs no token");
    let x = &xs[0];
    assert_eq!(x.method, "PUT");
    assert_eq!(x.path(), format!("/api/v3/users/{id}.xml"));
    assert_eq!(x.request_header("content-type"), Some("application/xml"));
    assert_eq!(x.request_header("authorization"), Some("Basic [REDACTED]"));
    let body = x.request_body.as_deref().unwrap();
    assert!(
        body.starts_with("<user>") && body.ends_with("</user>"),
        "{body}"
    );
    assert!(
        body.contains("<roles type='array'><role>141005</role><role>141013</role></roles>"),
        "{body}"
    );
    assert!(body.contains("<group-id>401004</group-id>"), "{body}");
    assert!(body.contains("<custom_attribute_AWS_Role>Developer</custom_attribute_AWS_Role>"));
    assert!(!body.contains(TRICKY), "values are escaped: {body}");
    for entity in ["&lt;", "&gt;", "&amp;"] {
        assert!(body.contains(entity), "{entity} in {body}");
    }
    // "This request generates no response."
    assert_eq!(x.status, Some(200));
    assert_eq!(x.response_body.as_deref(), Some(""));

    // Read back over v3 ...
    let v3 = env.client.get_user_v3(id).await.unwrap();
    for (name, value) in &values {
        assert_eq!(v3.field(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(v3.id(), Some(id));
    assert_eq!(v3.roles, [141_005, 141_013]);
    assert_eq!(
        v3.custom_attributes.get("AWS_Role"),
        Some(&Some("Developer".into()))
    );
    assert_eq!(
        v3.custom_attributes.get("skype"),
        Some(&Some(TRICKY.into()))
    );
    let x = only_call(&env.drain());
    assert_eq!(
        x.path(),
        format!("/api/v3/users/{id}.xml?include_custom_attributes=true")
    );

    // ... and over /1.
    let u = env.client.get_user(id).await.unwrap();
    assert_eq!(u.title.as_deref(), Some(TRICKY));
    assert_eq!(u.company.as_deref(), Some("Acme & Sons"));
    assert_eq!(u.lastname.as_deref(), Some("O'Brien"));
    assert_eq!(u.firstname.as_deref(), Some("Zoë"));
    assert_eq!(u.email.as_deref(), Some("v3.doc.user@example.com"));
    assert_eq!(u.external_id.as_deref(), Some("ext-42"));
    assert_eq!(u.group_id, Some(401_004));
    assert_eq!(u.directory_id, Some(77));
    assert_eq!(u.invalid_login_attempts, Some(2));
    assert_eq!(u.status, Some(2));
    assert_eq!(u.role_id, Some(vec![141_005, 141_013]));
    assert_eq!(u.field("custom_attributes.skype").as_deref(), Some(TRICKY));
    assert_eq!(
        u.field("custom_attributes.AWS_Role").as_deref(),
        Some("Developer")
    );
    assert_eq!(env.sb.user_json(id).unwrap()["title"], TRICKY);
}

#[tokio::test]
async fn invalid_group_is_the_documented_html_error() {
    let mut env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let before = env.sb.user_json(id).unwrap();
    let update = V3UserUpdate::new()
        .with("title", "not applied")
        .with("group_id", "999");
    let e = env.client.update_user_v3(id, &update).await.unwrap_err();
    let x = only_call(&env.drain());
    let status = x.status.unwrap();
    assert!((400..500).contains(&status), "{x:?}");
    assert!(
        x.response_header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        x.response_body
            .as_deref()
            .unwrap()
            .contains("<!DOCTYPE html>")
    );
    assert_eq!(
        e.kind,
        ErrorKind::V3 {
            http_status: status,
            title: "Invalid Request".into(),
            message: "Validation failed: Group does not exist".into(),
        }
    );
    assert!(!e.is_retryable());
    assert_display(
        &e,
        "PUT",
        &format!("/api/v3/users/{id}.xml"),
        "group id does not exist",
    );
    assert!(
        e.to_string()
            .contains("Invalid Request: Validation failed: Group does not exist"),
        "{e}"
    );
    // Nothing applied.
    assert_eq!(env.sb.user_json(id).unwrap()["title"], before["title"]);

    let e = env
        .client
        .update_user_v3(id, &V3UserUpdate::new().with("status", "6"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e.kind, ErrorKind::V3 { title, message, .. }
            if title == "Invalid Request" && message == "Validation failed: Status is not included in the list"),
        "{e}"
    );
}

#[tokio::test]
async fn not_found_page() {
    let env = start(small()).await;
    let update = V3UserUpdate::new().with("title", "x");
    let e = env
        .client
        .update_user_v3(MISSING_ID, &update)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::V3 {
            http_status: 404,
            title: "Record Not Found".into(),
            message: "No user found by id '88888888'".into(),
        }
    );
    assert_display(&e, "PUT", "/api/v3/users/88888888.xml", "deleted");
    let e = env.client.get_user_v3(MISSING_ID).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::V3 {
            http_status: 404,
            title: "Record Not Found".into(),
            message: "No user found by id '88888888'".into(),
        }
    );
}

#[tokio::test]
async fn wrong_or_missing_api_key() {
    let env = start(small()).await;
    let id = env.plain_ids(1)[0];
    let client = client_with_key(&env.sb, Some("not-the-key"));
    let mut feed = client.subscribe();
    let update = V3UserUpdate::new().with("title", "x");
    let e = client.update_user_v3(id, &update).await.unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::V3 {
            http_status: 401,
            title: "Unauthorized Access".into(),
            message:
                "You must provide a valid API key as the user name of HTTP basic authentication"
                    .into(),
        }
    );
    assert_display(&e, "PUT", &format!("/api/v3/users/{id}.xml"), "API key");
    let xs = drain(&mut feed);
    assert_eq!(xs.len(), 1, "no retry with the same key");
    assert!(!e.to_string().contains("not-the-key"));
    assert!(!xs[0].to_jsonl().contains("not-the-key"));
    let e = client.get_user_v3(id).await.unwrap_err();
    assert!(
        matches!(
            e.kind,
            ErrorKind::V3 {
                http_status: 401,
                ..
            }
        ),
        "{e}"
    );

    // No key at all: refused before anything is sent.
    let client = client_with_key(&env.sb, None);
    let mut feed = client.subscribe();
    let e = client.update_user_v3(id, &update).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Config(NO_API_KEY.into()));
    assert!(drain(&mut feed).is_empty());
    assert_ne!(env.sb.user_json(id).unwrap()["title"], "x");
}

#[tokio::test]
async fn v3_and_v1_agree_on_every_user_of_the_first_page_even_hostile_ones() {
    let env = start(small()).await;
    let page = env
        .client
        .list_users_page(&onelogin_tui::api::UserQuery::new().limit(50), None)
        .await
        .unwrap();
    let mut hostile = 0;
    for u in &page.items {
        let v3 = env.client.get_user_v3(u.id).await.unwrap();
        for f in [
            "email",
            "username",
            "firstname",
            "lastname",
            "title",
            "company",
            "department",
            "comment",
            "phone",
            "member_of",
            "distinguished_name",
        ] {
            assert_eq!(
                v3.field(f).map(str::to_string),
                u.field(f),
                "user {} field {f}",
                u.id
            );
        }
        for (name, value) in &u.custom_attributes {
            assert_eq!(
                v3.custom_attributes.get(name),
                Some(value),
                "user {} custom attribute {name}",
                u.id
            );
        }
        // /1 may say null where v3 has an empty list: both are "no roles".
        assert_eq!(
            v3.roles,
            u.role_id.clone().unwrap_or_default(),
            "user {} roles",
            u.id
        );
        if u.field("title")
            .is_some_and(|t| t.chars().any(char::is_control))
        {
            hostile += 1;
        }
    }
    assert!(hostile >= 2, "the first page holds the hostile users");
}
