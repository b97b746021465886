//! The real binary: `onelogin-tui sandbox` on a free loopback port, then seed
//! 000's curl sample exactly as the page prints it (with a token from curl on
//! the v2 token endpoint), and each documented error of the page provoked with
//! curl. Also: `--help` and `sandbox --help` name every flag. The curl part is
//! skipped, visibly, when curl is missing (fails under CI=true).

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod skip;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_onelogin-tui");
const CLIENT_ID: &str = "itest-cli-id";
const CLIENT_SECRET: &str = "itest-cli-secret";

/// Seed 000's "Sample Code / cURL", verbatim, placeholders and all.
const SEED_CURL: &str = r#"curl 'https://api.<us_or_eu>.onelogin.com/api/1/users/<user_id>/set_custom_attributes' \
-X PUT \
-H "Authorization: bearer: <access_token>" \
-H "Content-Type: application/json" \
-d '{
    "custom_attributes":{
        "<custom_attribute_shortname1>":"<value>",
        "<custom_attribute_shortname2>":"<value>" 
    } 
}'"#;

/// The sandbox child; killed and reaped however the test ends.
struct Served {
    child: Child,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts `onelogin-tui sandbox` (plus `extra` flags) and reads its summary up to
/// "Serving until Ctrl+C.".
fn serve(home: &Path, extra: &[&str]) -> (Served, Vec<String>) {
    let port = free_port();
    let stderr = std::fs::File::create(home.join("stderr.txt")).unwrap();
    let child = Command::new(BIN)
        .args([
            "sandbox",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--users",
            "60",
            "--log-dir",
        ])
        .arg(home.join("logs"))
        .args(extra)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut served = Served { child };
    let stdout = served.child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                let done = line.starts_with("Serving until");
                lines.push(line);
                if done {
                    break;
                }
            }
            Err(e) => {
                let err = std::fs::read_to_string(home.join("stderr.txt")).unwrap_or_default();
                panic!("no summary from the sandbox ({e}): {lines:?}\nstderr: {err}");
            }
        }
    }
    let url_line = format!("OneLogin sandbox listening on http://127.0.0.1:{port}");
    assert!(lines.contains(&url_line), "{lines:?}");
    (served, lines)
}

/// `client_id / client_secret` of the summary line for `scope`.
fn credential(summary: &[String], scope: &str) -> (String, String) {
    let line = summary
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{scope}:")))
        .unwrap_or_else(|| panic!("no {scope} line in {summary:?}"));
    let (id, secret) = line.trim().split_once(" / ").unwrap();
    (id.to_string(), secret.to_string())
}

/// curl with `args`; the body as JSON and the HTTP code.
fn curl(args: &[&str]) -> (u16, Value) {
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "curl {args:?}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (code.trim().parse().unwrap(), json)
}

fn token(url: &str, id: &str, secret: &str) -> String {
    let auth = format!("Authorization: client_id:{id}, client_secret:{secret}");
    let (code, v) = curl(&[
        "-X",
        "POST",
        &format!("{url}/auth/oauth2/v2/token"),
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"grant_type":"client_credentials"}"#,
    ]);
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["token_type"], "bearer");
    v["access_token"].as_str().unwrap().to_string()
}

/// The documented status object, exactly.
#[track_caller]
fn assert_status(answer: &(u16, Value), code: u16, kind: &str, message: Value) {
    assert_eq!(answer.0, code, "{}", answer.1);
    assert_eq!(
        answer.1,
        json!({"status": {"code": code, "error": code >= 400, "type": kind, "message": message}}),
    );
}

fn put(url: &str, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
    let full = format!("{url}{path}");
    let mut args = vec!["-X", "PUT", full.as_str()];
    if let Some(a) = auth {
        args.extend(["-H", a]);
    }
    args.extend(["-H", "Content-Type: application/json", "-d", body]);
    curl(&args)
}

#[test]
fn seed_000_curl_sample_and_documented_errors_against_the_real_binary() {
    if !skip::need("curl", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (_served, summary) = serve(home.path(), &[]);
    let url = summary[0]
        .strip_prefix("OneLogin sandbox listening on ")
        .unwrap()
        .to_string();
    assert_eq!(
        credential(&summary, "Manage All"),
        (CLIENT_ID.to_string(), CLIENT_SECRET.to_string())
    );
    let t = token(&url, CLIENT_ID, CLIENT_SECRET);
    let bearer = format!("Authorization: bearer:{t}");
    let (code, page) = curl(&["-H", &bearer, &format!("{url}/api/1/users?limit=3")]);
    assert_eq!(code, 200);
    let id = page["data"][1]["id"].as_i64().unwrap();
    let owner = page["data"][0]["id"].as_i64().unwrap();
    assert_eq!(page["data"][0]["email"], "owner@example.com");

    // The page's curl sample, as printed, placeholders filled in, run by a shell.
    let script = SEED_CURL
        .replace("https://api.<us_or_eu>.onelogin.com", &url)
        .replace("<user_id>", &id.to_string())
        .replace("<access_token>", &t)
        .replacen(
            "<custom_attribute_shortname1>\":\"<value>",
            "AWS_Role\":\"Administrator",
            1,
        )
        .replacen(
            "<custom_attribute_shortname2>\":\"<value>",
            "skype\":\"l_gonzalez",
            1,
        );
    assert!(!script.contains('<'), "{script}");
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        answer,
        json!({"status": {"code": 200, "error": false, "message": "Success", "type": "success"}})
    );
    let (_, user) = curl(&["-H", &bearer, &format!("{url}/api/1/users/{id}")]);
    assert_eq!(
        user["data"][0]["custom_attributes"]["AWS_Role"],
        "Administrator"
    );
    assert_eq!(user["data"][0]["custom_attributes"]["skype"], "l_gonzalez");

    // Every documented error of the page, with curl.
    let path = format!("/api/1/users/{id}/set_custom_attributes");
    let sdk = format!("Authorization: bearer: {t}");
    let body = r#"{"custom_attributes":{"AWS_Role":"Administrator"}}"#;
    assert_status(
        &put(
            &url,
            &path,
            Some(&sdk),
            r#"{"custom_attributes":{"nickname":"x"}}"#,
        ),
        400,
        "bad request",
        json!(
            "input custom_attributes is not valid. Valid custom_attributes -> [AWS_Role skype messenger employee_id cost_center branch ]"
        ),
    );
    assert_status(
        &put(&url, &path, Some(&sdk), r#"{"custom_attributes":{}}"#),
        400,
        "bad request",
        json!("custom_attributes is empty"),
    );
    assert_status(
        &put(&url, &path, Some(&sdk), r#"{"custom_attributes":"#),
        400,
        "bad request",
        json!("Input JSON is not valid"),
    );
    for auth in [
        None,
        Some("Authorization: token abc"),
        Some("Authorization: bearer:"),
    ] {
        assert_status(
            &put(&url, &path, auth, body),
            400,
            "bad request",
            json!("Authorization Information is incorrect"),
        );
    }
    assert_status(
        &put(
            &url,
            "/api/1/users/abc/set_custom_attributes",
            Some(&sdk),
            body,
        ),
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );
    assert_status(
        &put(
            &url,
            &path,
            Some("Authorization: bearer:0123456789abcdef"),
            body,
        ),
        401,
        "Unauthorized",
        json!("Authentication Failure"),
    );
    let (rid, rsecret) = credential(&summary, "Read Users");
    let reader = format!("Authorization: bearer:{}", token(&url, &rid, &rsecret));
    assert_status(
        &put(&url, &path, Some(&reader), body),
        401,
        "Unauthorized",
        json!("Insufficient Permission"),
    );
    let (mid, msecret) = credential(&summary, "Manage users");
    let manager = format!("Authorization: bearer:{}", token(&url, &mid, &msecret));
    assert_status(
        &put(
            &url,
            &format!("/api/1/users/{owner}/set_custom_attributes"),
            Some(&manager),
            body,
        ),
        403,
        "forbidden",
        json!("user is not authorized to access this User"),
    );
    assert_status(
        &put(
            &url,
            "/api/1/users/88888888/set_custom_attributes",
            Some(&sdk),
            body,
        ),
        404,
        "not found",
        json!("User for id 88888888 was not found"),
    );
    assert_status(
        &curl(&["-H", &sdk, &format!("{url}{path}")]),
        404,
        "not found",
        json!("No Route Exists"),
    );
}

/// `--id-lists refuse` and `--v2-rate-headers off` reach the served tenant.
#[test]
fn id_list_and_v2_header_flags_reach_the_tenant() {
    if !skip::need("curl", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (_served, summary) = serve(
        home.path(),
        &["--id-lists", "refuse", "--v2-rate-headers", "off"],
    );
    assert!(
        summary.iter().any(|l| l.starts_with(
            "id lists on /api/1/users: refuse; API /2: served; /2 rate-limit headers: off; role mappings: department = Engineering"
        )),
        "{summary:?}"
    );
    let url = summary[0]
        .strip_prefix("OneLogin sandbox listening on ")
        .unwrap()
        .to_string();
    let t = token(&url, CLIENT_ID, CLIENT_SECRET);
    let bearer = format!("Authorization: bearer {t}");
    let list = curl(&["-H", &bearer, &format!("{url}/api/1/users?id=10001,10002")]);
    assert_status(
        &list,
        400,
        "bad request",
        json!({"attribute": "id", "description": "ID is incorrect"}),
    );
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-o", "/dev/null", "-H", &bearer])
        .arg(format!("{url}/api/2/users?limit=1"))
        .output()
        .unwrap();
    let head = String::from_utf8(out.stdout).unwrap().to_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("total-count: 60"), "{head}");
    assert!(!head.contains("x-ratelimit"), "{head}");

    let bad = Command::new(BIN)
        .args(["sandbox", "--id-lists", "sometimes"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("accept") && err.contains("refuse") && err.contains("ignore"),
        "{err}"
    );
}

fn help(args: &[&str]) -> String {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_names_every_flag() {
    let top = help(&["--help"]);
    for flag in [
        "--sandbox",
        "--config",
        "--profile",
        "--region",
        "--subdomain",
        "--base-url",
        "--log-level",
        "--log-dir",
        "--theme",
        "--read-only",
    ] {
        assert!(top.contains(flag), "--help lacks {flag}:\n{top}");
    }
    assert!(top.contains("sandbox"), "{top}");
    let sub = help(&["sandbox", "--help"]);
    for flag in [
        "--listen",
        "--seed",
        "--users",
        "--client-id",
        "--client-secret",
        "--api-key",
        "--token-ttl",
        "--rate-limit",
        "--rate-window",
        "--latency-ms",
        "--fault-rate",
        "--id-lists",
        "--v2-rate-headers",
        "--mapping-delay-ms",
    ] {
        assert!(sub.contains(flag), "sandbox --help lacks {flag}:\n{sub}");
    }
}
