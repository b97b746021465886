//! Shared helpers for the sandbox tests: start a sandbox on 127.0.0.1:0 and
//! talk to it with raw HTTP, as OneLogin's docs and curl samples do.
// Test helpers: a panic here is a failed assertion, as in the tests themselves
// (clippy.toml allows unwrap in #[test] functions, not in helper modules).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use onelogin_tui::sandbox::{Credential, Sandbox, SandboxConfig, Scope};
use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

pub struct Env {
    pub sb: Sandbox,
    pub http: Client,
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

pub fn small() -> SandboxConfig {
    SandboxConfig {
        users: 120,
        ..SandboxConfig::default()
    }
}

pub async fn start(config: SandboxConfig) -> Env {
    let sb = Sandbox::start(config, loopback()).await.unwrap();
    let http = Client::builder().no_proxy().build().unwrap();
    Env { sb, http }
}

/// A JSON answer taken apart.
#[derive(Debug)]
pub struct Answer {
    pub code: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status object field by field.
    #[track_caller]
    pub fn assert_status(&self, code: u16, kind: &str, message: Value) {
        assert_eq!(self.code.as_u16(), code, "{}", self.text);
        let s = &self.json["status"];
        assert_eq!(s["code"], json!(code), "{}", self.text);
        assert_eq!(s["error"], json!(code >= 400), "{}", self.text);
        assert_eq!(s["type"], json!(kind), "{}", self.text);
        assert_eq!(s["message"], message, "{}", self.text);
        assert_eq!(
            s.as_object().unwrap().len(),
            4,
            "status has exactly four keys: {}",
            self.text
        );
    }

    #[track_caller]
    pub fn assert_error(&self, code: u16, kind: &str, message: &str) {
        self.assert_status(code, kind, json!(message));
        assert!(
            self.header("x-ratelimit-limit").is_none(),
            "errors carry no rate-limit headers"
        );
    }

    #[track_caller]
    pub fn assert_success(&self) {
        self.assert_status(200, "success", json!("Success"));
    }
}

pub async fn send(req: RequestBuilder) -> Answer {
    let resp = req.send().await.unwrap();
    let code = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        code,
        headers,
        text,
        json,
    }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.url())
    }

    /// A v2 token for `cred`, credentials in the documented header form.
    pub async fn token_for(&self, cred: &Credential) -> String {
        let a = send(
            self.http
                .post(self.url("/auth/oauth2/v2/token"))
                .header(
                    "Authorization",
                    format!(
                        "client_id:{}, client_secret:{}",
                        cred.client_id, cred.client_secret
                    ),
                )
                .json(&json!({"grant_type": "client_credentials"})),
        )
        .await;
        assert_eq!(a.code, 200, "{}", a.text);
        a.json["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self, scope: Scope) -> String {
        let cred = self.sb.credential(scope);
        self.token_for(&cred).await
    }

    /// A GET with `Authorization: bearer:<token>`.
    pub async fn get(&self, token: &str, path: &str) -> Answer {
        send(
            self.http
                .get(self.url(path))
                .header("Authorization", format!("bearer:{token}")),
        )
        .await
    }

    /// A PUT of a JSON body with `Authorization: bearer:<token>`.
    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Answer {
        send(
            self.http
                .put(self.url(path))
                .header("Authorization", format!("bearer:{token}"))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// A PUT of a raw body.
    pub async fn put_raw(&self, token: &str, path: &str, body: &str) -> Answer {
        send(
            self.http
                .put(self.url(path))
                .header("Authorization", format!("bearer:{token}"))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    /// The id of the user with this email.
    pub async fn id_of(&self, token: &str, email: &str) -> i64 {
        let a = self
            .get(token, &format!("/api/1/users?email={email}"))
            .await;
        assert_eq!(a.json["data"].as_array().unwrap().len(), 1, "{}", a.text);
        a.json["data"][0]["id"].as_i64().unwrap()
    }

    /// Ids of the first page of users.
    pub async fn first_ids(&self, token: &str) -> Vec<i64> {
        let a = self.get(token, "/api/1/users").await;
        ids(&a.json)
    }
}

pub fn ids(v: &Value) -> Vec<i64> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect()
}

/// `<title>` and `<message>` out of an HTML error page.
pub fn error_of(html: &str) -> (String, String) {
    let pick = |tag: &str| {
        let inner = html.split("<error>").nth(1).unwrap();
        let start = inner.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
        let end = inner.find(&format!("</{tag}>")).unwrap();
        inner[start..end].to_string()
    };
    (pick("title"), pick("message"))
}

/// The text of element `name` under the root (entities resolved), or
/// `None` when it is `nil="true"`; panics when absent.
pub fn xml_value(doc: &str, name: &str) -> Option<String> {
    let mut r = Reader::from_str(doc);
    let mut depth = 0;
    let mut inside = false;
    let mut text = String::new();
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => {
                depth += 1;
                if depth == 2 && e.name().as_ref() == name.as_bytes() {
                    inside = true;
                }
            }
            Event::Empty(e) if depth == 1 && e.name().as_ref() == name.as_bytes() => {
                let nil = e
                    .attributes()
                    .flatten()
                    .any(|a| a.key.as_ref() == b"nil" && a.value.as_ref() == b"true");
                assert!(nil, "empty element {name} is nil");
                return None;
            }
            Event::Text(t) if inside => text.push_str(&t.xml10_content().unwrap()),
            Event::GeneralRef(g) if inside => match g.resolve_char_ref().unwrap() {
                Some(c) => text.push(c),
                None => {
                    let n = g.decode().unwrap();
                    text.push_str(quick_xml::escape::resolve_xml_entity(&n).unwrap());
                }
            },
            Event::End(_) => {
                if inside && depth == 2 {
                    return Some(text);
                }
                depth -= 1;
            }
            Event::Eof => panic!("no <{name}> in {doc}"),
            _ => {}
        }
    }
}
