//! The sandbox's fault kinds beside `--fault-rate`, seen from raw HTTP and raw TCP: an
//! outage refuses connections at the TCP level then serves the same port again; a reset
//! is an RST partway through the body; truncated and non-JSON bodies; 429 storms with and
//! without the documented headers; token revocation; latency spikes; and the write log
//! that tells an answer lost after its change was applied.

mod sandbox_common;

use std::io::ErrorKind as IoKind;
use std::time::{Duration, Instant};

use onelogin_tui::sandbox::{Faults, SandboxConfig, Scope, Window};
use sandbox_common::*;
use serde_json::json;

/// The I/O error kind under a reqwest error, if any.
fn io_kind(e: &reqwest::Error) -> Option<IoKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

/// What one GET came back as.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Got {
    /// Status, body.
    Whole(u16, String),
    /// A head, then the body broke off.
    BodyBroke(u16, Option<IoKind>),
    /// No answer at all.
    NoAnswer(Option<IoKind>),
}

async fn get(env: &Env, token: &str, path: &str) -> Got {
    match env
        .http
        .get(env.url(path))
        .header("Authorization", format!("bearer:{token}"))
        .send()
        .await
    {
        Err(e) => Got::NoAnswer(io_kind(&e)),
        Ok(r) => {
            let code = r.status().as_u16();
            match r.bytes().await {
                Ok(b) => Got::Whole(code, String::from_utf8_lossy(&b).into_owned()),
                Err(e) => Got::BodyBroke(code, io_kind(&e)),
            }
        }
    }
}

/// The first `n` users of the tenant, read from its own state.
fn existing(env: &Env, n: usize) -> Vec<i64> {
    (10_000..)
        .filter(|id| env.sb.user_json(*id).is_some())
        .take(n)
        .collect()
}

/// `/api/1/users/:id` of the tenant's first user.
fn one(env: &Env) -> String {
    format!("/api/1/users/{}", existing(env, 1)[0])
}

fn with(faults: Faults) -> SandboxConfig {
    SandboxConfig {
        users: 40,
        faults,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn an_outage_refuses_connections_at_the_tcp_level_then_serves_the_same_port() {
    let env = start(with(Faults {
        outage: Some(Window {
            every: 3,
            length: Duration::from_millis(1500),
        }),
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let addr = env.sb.addr();
    // A connection opened before the outage, idle.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    for _ in 0..2 {
        assert!(matches!(
            get(&env, &t, &one(&env)).await,
            Got::Whole(200, _)
        ));
    }
    // The third request begins it: not handled, its connection goes.
    assert!(matches!(get(&env, &t, &one(&env)).await, Got::NoAnswer(_)));
    let t0 = Instant::now();
    let refused = loop {
        match std::net::TcpStream::connect(addr) {
            Err(e) if e.kind() == IoKind::ConnectionRefused => break true,
            _ if t0.elapsed() > Duration::from_secs(5) => break false,
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    };
    assert!(
        refused,
        "the kernel refuses connections while the listener is closed"
    );
    // The idle connection was dropped too: it reads the end (or a reset), never an answer.
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read(&mut idle, &mut buf),
    )
    .await
    .expect("the idle connection ends");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // Then the same port answers again.
    let t0 = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "bound again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(matches!(
        get(&env, &t, &one(&env)).await,
        Got::Whole(200, _)
    ));
    assert_eq!(env.sb.stats().outages, 1);

    // By hand, for tests: the same, at once.
    env.sb.outage(Duration::from_millis(300));
    let t0 = Instant::now();
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(t0.elapsed() < Duration::from_secs(5), "refused");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(10), "bound again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_reset_is_an_rst_partway_through_the_body_and_a_write_may_be_applied_first() {
    let env = start(with(Faults {
        reset_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ManageAll).await;
    // A read: the head and part of the body, then "connection reset by peer".
    for _ in 0..3 {
        assert_eq!(
            get(&env, &t, &one(&env)).await,
            Got::BodyBroke(200, Some(IoKind::ConnectionReset))
        );
    }
    // Writes: reset before they are handled, or applied then reset mid-body.
    let ids = existing(&env, 20);
    let (mut applied, mut not_applied) = (0, 0);
    for id in &ids {
        let r = env
            .http
            .put(env.url(&format!("/api/1/users/{id}")))
            .header("Authorization", format!("bearer:{t}"))
            .header("Content-Type", "application/json")
            .body(json!({"title": format!("reset-{id}")}).to_string())
            .send()
            .await;
        let broke = match r {
            Err(e) => io_kind(&e),
            Ok(r) => r.bytes().await.err().and_then(|e| io_kind(&e)),
        };
        assert_eq!(broke, Some(IoKind::ConnectionReset), "user {id}");
        if env.sb.user_json(*id).unwrap()["title"] == json!(format!("reset-{id}")) {
            applied += 1;
        } else {
            not_applied += 1;
        }
    }
    assert!(applied > 0 && not_applied > 0, "{applied} / {not_applied}");
    let stats = env.sb.stats();
    assert_eq!(stats.answers_lost, applied);
    assert_eq!(stats.writes, applied);
    // The write log names each applied write, its call, and that its answer was lost.
    let log = env.sb.write_log();
    assert_eq!(log.len() as u64, applied);
    assert!(
        log.iter()
            .all(|w| w.answer_lost && w.call.starts_with("PUT /api/1/users/"))
    );
    assert!(
        log.iter()
            .all(|w| stats.answers_lost_by_user.get(&w.user) == Some(&1))
    );
}

#[tokio::test]
async fn truncated_bodies_either_promise_more_than_they_send_or_stop_halfway() {
    let env = start(with(Faults {
        truncate_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let (mut long, mut cut) = (0, 0);
    for _ in 0..16 {
        match get(&env, &t, &one(&env)).await {
            // Content-Length longer than the body: the connection ends before it.
            Got::BodyBroke(200, _) => long += 1,
            Got::Whole(200, body) => {
                assert!(body.starts_with("{\"status\""), "{body}");
                assert!(serde_json::from_str::<serde_json::Value>(&body).is_err());
                cut += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(long > 0 && cut > 0, "{long} / {cut}");
    assert_eq!(env.sb.stats().truncated, 16);
}

#[tokio::test]
async fn non_json_bodies_are_200s_of_html_or_bytes() {
    let env = start(with(Faults {
        garbage_rate: 1.0,
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let (mut html, mut bytes) = (0, 0);
    for _ in 0..16 {
        let r = env
            .http
            .get(env.url(&format!("/api/2/users/{}", existing(&env, 1)[0])))
            .header("Authorization", format!("bearer {t}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let body = r.bytes().await.unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_err());
        if ct.starts_with("text/html") {
            html += 1;
        } else {
            assert!(ct.starts_with("application/json"), "{ct}");
            bytes += 1;
        }
    }
    assert!(html > 0 && bytes > 0, "{html} / {bytes}");
}

#[tokio::test]
async fn storms_refuse_every_call_with_or_without_the_rate_limit_headers() {
    let env = start(with(Faults::default())).await;
    let t = env.token(Scope::ReadUsers).await;
    env.get(&t, &one(&env)).await.assert_success();
    let calls = env.sb.stats().api_calls;

    env.sb.storm(Duration::from_secs(30), true);
    let a = env.get(&t, &one(&env)).await;
    assert_eq!(a.code.as_u16(), 429);
    assert!(a.text.contains("429 Too Many Requests"));
    assert_eq!(a.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(a.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = a.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!((1..=30).contains(&reset), "{reset}");
    // The status call says the same while it lasts.
    let s = env.get(&t, "/auth/rate_limit").await;
    assert_eq!(s.json["data"]["X-RateLimit-Remaining"], 0);
    assert!(s.json["data"]["X-RateLimit-Reset"].as_u64().unwrap() <= 30);

    env.sb.storm(Duration::from_secs(30), false);
    let a = env
        .get(&t, &format!("/api/2/users/{}", existing(&env, 1)[0]))
        .await;
    assert_eq!(a.code.as_u16(), 429);
    assert!(a.header("x-ratelimit-remaining").is_none());
    assert!(a.header("x-ratelimit-reset").is_none());
    assert!(a.header("retry-after").is_none());
    // Without headers the status call shows the real budget.
    let s = env.get(&t, "/auth/rate_limit").await;
    assert_eq!(s.json["data"]["X-RateLimit-Remaining"], 4999);

    // Refused calls are not counted against the budget.
    let stats = env.sb.stats();
    assert_eq!(stats.api_calls, calls);
    assert_eq!(stats.storm_refused, 2);

    // A storm of the configuration: after every 3 calls, for its length.
    let env = start(with(Faults {
        storm: Some(Window {
            every: 3,
            length: Duration::from_millis(300),
        }),
        storm_headers: false,
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(env.get(&t, &one(&env)).await.code.as_u16());
    }
    assert_eq!(codes, [200, 200, 429, 429]);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(env.get(&t, &one(&env)).await.code.as_u16(), 200);
}

#[tokio::test]
async fn tokens_are_revoked_every_n_calls() {
    let env = start(with(Faults {
        revoke_every: Some(3),
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    env.get(&t, &one(&env)).await.assert_success();
    env.get(&t, &one(&env)).await.assert_success();
    // The third call finds every token revoked: the documented 401.
    env.get(&t, &one(&env))
        .await
        .assert_error(401, "Unauthorized", "Authentication Failure");
    let t2 = env.token(Scope::ReadUsers).await;
    env.get(&t2, &one(&env)).await.assert_success();
    assert_eq!(env.sb.stats().revocations, 1);
}

#[tokio::test]
async fn a_latency_spike_holds_the_answer_back() {
    let env = start(with(Faults {
        spike_rate: 1.0,
        spike: Duration::from_millis(600),
        ..Faults::default()
    }))
    .await;
    let t = env.token(Scope::ReadUsers).await;
    let t0 = Instant::now();
    env.get(&t, &one(&env)).await.assert_success();
    // A lower bound only: each spike is at least half the longest.
    assert!(t0.elapsed() >= Duration::from_millis(300));
    assert_eq!(env.sb.stats().spikes, 1);
}

#[tokio::test]
async fn the_kinds_follow_the_seed() {
    async fn seen(seed: u64) -> Vec<Got> {
        let env = start(SandboxConfig {
            seed,
            ..with(Faults {
                reset_rate: 0.2,
                truncate_rate: 0.2,
                garbage_rate: 0.2,
                ..Faults::default()
            })
        })
        .await;
        let t = env.token(Scope::ReadUsers).await;
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(get(&env, &t, &one(&env)).await);
        }
        out
    }
    let (a, b) = tokio::join!(seen(5), seen(5));
    assert_eq!(a, b);
    assert!(
        a.iter()
            .any(|g| matches!(g, Got::Whole(200, body) if body.contains("\"Success\"")))
    );
    assert!(a.iter().any(|g| matches!(g, Got::BodyBroke(..))));
    assert_ne!(a, seen(6).await);
}
