//! The deprecated v3 XML API (seed 001) over loopback HTTP.

mod sandbox_common;

use onelogin_tui::sandbox::Scope;
use reqwest::RequestBuilder;
use sandbox_common::*;
use serde_json::json;

fn v3_put(env: &Env, id: &str, body: &str) -> RequestBuilder {
    env.http
        .put(env.url(&format!("/api/v3/users/{id}.xml")))
        .basic_auth(env.sb.api_key(), Some("x"))
        .header("Content-Type", "application/xml")
        .body(body.to_string())
}

fn v3_get(env: &Env, id: i64, custom: bool) -> RequestBuilder {
    let q = if custom {
        "?include_custom_attributes=true"
    } else {
        ""
    };
    env.http
        .get(env.url(&format!("/api/v3/users/{id}.xml{q}")))
        .basic_auth(env.sb.api_key(), Some("x"))
}

#[tokio::test]
async fn seed_001_update_succeeds_with_no_body() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let id = env.first_ids(&t).await[8];
    let body = "<user>
    <username>jdoe.v3</username>
    <company>Acme</company>
    <department>Research</department>
    <directory-id>77002</directory-id>
    <distinguished-name>CN=J Doe,DC=example,DC=com</distinguished-name>
    <email>jdoe.v3@example.com</email>
    <external-id>ext-v3</external-id>
    <firstname>Jane</firstname>
    <group-id>401002</group-id>
    <invalid-login-attempts>2</invalid-login-attempts>
    <lastname>Doe</lastname>
    <member-of>CN=Research</member-of>
    <openid_name>jdoe</openid_name>
    <phone>+1-555-0100</phone>
    <samaccountname>jdoe</samaccountname>
    <status>2</status>
    <title>Scientist</title>
    <userprincipalname>jdoe@example.com</userprincipalname>
    <roles type='array'>
      <role>141013</role>
      <role>141005</role>
    </roles>
    <custom_attribute_AWS_Role>Developer
     </custom_attribute_AWS_Role>
</user>";
    let resp = v3_put(&env, &id.to_string(), body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "", "no body on success");

    let u = env.sb.user_json(id).unwrap();
    assert_eq!(u["username"], "jdoe.v3");
    assert_eq!(u["email"], "jdoe.v3@example.com");
    assert_eq!(u["directory_id"], 77_002);
    assert_eq!(u["group_id"], 401_002);
    assert_eq!(u["invalid_login_attempts"], 2);
    assert_eq!(u["openid_name"], "jdoe");
    assert_eq!(u["status"], 2);
    assert_eq!(u["role_id"], json!([141_005, 141_013]));
    assert_eq!(u["custom_attributes"]["AWS_Role"], "Developer");
    // And over API /1.
    let a = env.get(&t, &format!("/api/1/users/{id}")).await;
    assert_eq!(a.json["data"][0], u);
    // v3 calls do not count toward the /1 limit.
    assert_eq!(env.sb.stats().api_calls, 2);
}

#[tokio::test]
async fn xml_escaping_round_trips_through_v3_and_api_1() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let id = env.first_ids(&t).await[11];
    let nasty = "R&D <lab> \"quoted\" 'single' é";
    let escaped = "R&amp;D &lt;lab&gt; &quot;quoted&quot; &apos;single&apos; &#233;";
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><user><title>{escaped}</title><custom_attribute_skype>{escaped}</custom_attribute_skype></user>"
    );
    let resp = v3_put(&env, &id.to_string(), &body).send().await.unwrap();
    assert_eq!(resp.status(), 200);

    let doc = v3_get(&env, id, true).send().await.unwrap();
    assert_eq!(doc.status(), 200);
    assert!(
        doc.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let doc = doc.text().await.unwrap();
    assert_eq!(xml_value(&doc, "title").as_deref(), Some(nasty));
    assert_eq!(
        xml_value(&doc, "custom_attribute_skype").as_deref(),
        Some(nasty)
    );
    assert!(doc.contains("<roles type='array'>"));
    assert!(doc.contains(" nil=\"true\"/>"), "nulls as nil elements");
    assert_eq!(xml_value(&doc, "id").unwrap(), id.to_string());

    let a = env.get(&t, &format!("/api/1/users/{id}")).await;
    assert_eq!(a.json["data"][0]["title"], nasty);
    assert_eq!(a.json["data"][0]["custom_attributes"]["skype"], nasty);

    // Without include_custom_attributes, no custom elements.
    let doc = v3_get(&env, id, false)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!doc.contains("custom_attribute_"));

    // Hostile control characters survive the XML round trip too.
    let mallory = env.id_of(&t, "mallory@example.com").await;
    let doc = v3_get(&env, mallory, true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        xml_value(&doc, "firstname").as_deref(),
        Some("\u{1b}]52;c;aGVsbG8=\u{7}Mallory")
    );
    let bell = env.id_of(&t, "bell@example.com").await;
    let doc = v3_get(&env, bell, true)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        xml_value(&doc, "title"),
        env.sb.user_json(bell).unwrap()["title"]
            .as_str()
            .map(str::to_string)
    );
}

#[tokio::test]
async fn v3_error_pages() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let id = env.first_ids(&t).await[12];
    let before = env.sb.user_json(id).unwrap();

    // Unknown group: the seed's page.
    let resp = v3_put(
        &env,
        &id.to_string(),
        "<user><group-id>999</group-id></user>",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<body class='error-layout'>"));
    assert!(html.contains(
        "<error>\n                    <title>Invalid Request</title>\n                    <message>Validation failed: Group does not exist</message>\n                </error>"
    ));

    // Invalid status.
    for status in ["6", "42", "x", ""] {
        let resp = v3_put(
            &env,
            &id.to_string(),
            &format!("<user><status>{status}</status></user>"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(resp.status(), 422);
        let (title, message) = error_of(&resp.text().await.unwrap());
        assert_eq!(title, "Invalid Request");
        assert_eq!(
            message,
            "Validation failed: Status is not included in the list"
        );
    }

    // Unknown user.
    let resp = v3_put(&env, "42", "<user><title>x</title></user>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let (title, message) = error_of(&resp.text().await.unwrap());
    assert_eq!(title, "Record Not Found");
    assert_eq!(message, "No user found by id '42'");
    let resp = v3_get(&env, 42, false).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        error_of(&resp.text().await.unwrap()).1,
        "No user found by id '42'"
    );

    // Malformed XML.
    for body in [
        "<user><title>x</user>",
        "not xml at all",
        "<user>&bogus;</user>",
    ] {
        let resp = v3_put(&env, &id.to_string(), body).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        assert_eq!(error_of(&resp.text().await.unwrap()).0, "Invalid Request");
    }
    // Unknown role, unknown custom attribute, unknown element.
    for (body, code) in [
        (
            "<user><roles type='array'><role>7</role></roles></user>",
            422,
        ),
        (
            "<user><custom_attribute_nope>x</custom_attribute_nope></user>",
            422,
        ),
        ("<user><shoe-size>9</shoe-size></user>", 400),
    ] {
        let resp = v3_put(&env, &id.to_string(), body).send().await.unwrap();
        assert_eq!(resp.status(), code, "{body}");
        assert_eq!(error_of(&resp.text().await.unwrap()).0, "Invalid Request");
    }
    // A failed update changes nothing, even when valid elements came first.
    let resp = v3_put(
        &env,
        &id.to_string(),
        "<user><title>changed</title><group-id>1</group-id></user>",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(env.sb.user_json(id).unwrap(), before);

    // Wrong or missing API key: 401 Unauthorized Access.
    for key in [Some("wrong-key"), None] {
        let mut req = env
            .http
            .put(env.url(&format!("/api/v3/users/{id}.xml")))
            .header("Content-Type", "application/xml")
            .body("<user><title>x</title></user>");
        if let Some(k) = key {
            req = req.basic_auth(k, Some("x"));
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let (title, message) = error_of(&resp.text().await.unwrap());
        assert_eq!(title, "Unauthorized Access");
        assert!(!message.is_empty());
    }
    // A bearer token is not an API key.
    let resp = env
        .http
        .get(env.url(&format!("/api/v3/users/{id}.xml")))
        .header("Authorization", format!("bearer:{t}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(env.sb.user_json(id).unwrap(), before);
}

#[tokio::test]
async fn v3_nil_and_empty_values() {
    let env = start(small()).await;
    let t = env.token(Scope::ReadAll).await;
    let id = env.first_ids(&t).await[13];
    let body = "<user><group-id nil=\"true\"/><custom_attribute_employee_id></custom_attribute_employee_id><roles type='array'/></user>";
    let resp = v3_put(&env, &id.to_string(), body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let u = env.sb.user_json(id).unwrap();
    assert_eq!(u["group_id"], json!(null));
    assert_eq!(u["custom_attributes"]["employee_id"], json!(null));
    assert_eq!(u["role_id"], json!([]));
}
