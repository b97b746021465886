//! TLS certificate checks cannot be turned off: no setting, flag or variable does it, and
//! a tenant whose certificate no trusted authority signed is refused before any request
//! (and so before any credential) is sent. The server is `openssl s_server` with a
//! self-signed certificate made for the test; skipped, visibly, without openssl.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod skip;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use onelogin_tui::api::{Client, ClientConfig, ErrorKind};
use secrecy::SecretString;

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `openssl s_server` on an ephemeral loopback port with a fresh self-signed certificate
/// for `localhost` and 127.0.0.1; returns it and its port.
fn self_signed_server(dir: &std::path::Path) -> (Server, u16) {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "openssl req failed");
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut port = None;
    let mut line = String::new();
    while port.is_none() && out.read_line(&mut line).unwrap() > 0 {
        port = line
            .trim()
            .strip_prefix("ACCEPT ")
            .and_then(|a| a.rsplit(':').next())
            .and_then(|p| p.parse().ok());
        line.clear();
    }
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (
        Server(child),
        port.expect("s_server printed no ACCEPT line"),
    )
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_before_anything_is_sent() {
    if !skip::need("openssl", "version") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, port) = self_signed_server(dir.path());
    let url = reqwest::Url::parse(&format!("https://127.0.0.1:{port}")).unwrap();
    let config = ClientConfig::new(url, "id", SecretString::from("a-secret".to_string()));
    let client = Client::new(config).unwrap();
    let err = client.list_roles(None).await.unwrap_err();
    let ErrorKind::Transport { message, .. } = &err.kind else {
        panic!("not refused at the transport: {err:?}");
    };
    let words = message.to_lowercase();
    assert!(words.contains("certificate"), "{message}");
    // Nothing of the request went out: the token call never got an answer.
    assert_eq!(err.http_status(), None);
    assert!(!err.to_string().contains("a-secret"));
}
