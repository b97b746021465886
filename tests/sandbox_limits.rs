//! Rate limit, latency and fault injection over loopback HTTP.

mod sandbox_common;

use std::time::{Duration, Instant};

use onelogin_tui::sandbox::{SandboxConfig, Scope};
use sandbox_common::*;
use serde_json::json;

#[tokio::test]
async fn rate_limit_counts_down_then_429_html_then_refills() {
    let env = start(SandboxConfig {
        users: 20,
        rate_limit: 3,
        rate_window: Duration::from_millis(1500),
        ..SandboxConfig::default()
    })
    .await;
    let t = env.token(Scope::ManageAll).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let a = env.get(&t, "/api/1/users?limit=1").await;
        a.assert_success();
        assert_eq!(a.header("x-ratelimit-limit"), Some("3"));
        let reset: u64 = a.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!(reset <= 2, "{reset}");
        remaining.push(a.header("x-ratelimit-remaining").unwrap().to_string());
    }
    assert_eq!(remaining, ["2", "1", "0"]);

    // Spent: 429, text/html, no Retry-After, no rate-limit headers.
    let a = env.get(&t, "/api/1/users?limit=1").await;
    assert_eq!(a.code, 429);
    assert_eq!(a.header("content-type"), Some("text/html"));
    assert!(a.header("retry-after").is_none());
    assert!(a.header("x-ratelimit-limit").is_none());
    assert!(a.header("x-ratelimit-remaining").is_none());
    assert!(a.text.contains("429 Too Many Requests"));
    assert!(a.json.is_null(), "not JSON");
    // Writes are refused too, and nothing is applied.
    let a = env
        .put(&t, "/api/1/users/10001", &json!({"title": "late"}))
        .await;
    assert_eq!(a.code, 429);
    assert_ne!(env.sb.user_json(10_001).unwrap()["title"], "late");
    // Token, rate_limit status and v3 do not count and still answer.
    let t2 = env.token(Scope::ReadAll).await;
    let a = env.get(&t2, "/auth/rate_limit").await;
    a.assert_success();
    assert_eq!(a.json["data"]["X-RateLimit-Remaining"], 0);
    let resp = env
        .http
        .get(env.url("/api/v3/users/10001.xml"))
        .basic_auth(env.sb.api_key(), Some("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let stats = env.sb.stats();
    assert_eq!(stats.rate_limited, 2);
    assert_eq!(stats.api_calls, 3);

    // The window refills.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let a = env.get(&t, "/api/1/users?limit=1").await;
    a.assert_success();
    assert_eq!(a.header("x-ratelimit-remaining"), Some("2"));
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let env = start(SandboxConfig {
        users: 10,
        latency: Duration::from_millis(150),
        ..SandboxConfig::default()
    })
    .await;
    let started = Instant::now();
    let t = env.token(Scope::ReadUsers).await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    let started = Instant::now();
    env.get(&t, "/api/1/groups").await.assert_success();
    assert!(started.elapsed() >= Duration::from_millis(150));
    env.sb.set_latency(Duration::ZERO);
    let started = Instant::now();
    env.get(&t, "/api/1/groups").await.assert_success();
    assert!(started.elapsed() < Duration::from_millis(150));
}

/// What a faulted call looked like from the client's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Ok,
    Html500,
    Html502,
    Broken,
}

#[tokio::test]
async fn faults_of_every_kind_and_writes_lost_after_applying() {
    let env = start(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let t = env.token(Scope::ManageAll).await;
    let ids = env.first_ids(&t).await;
    env.sb.set_fault_rate(1.0);
    // The token endpoint is never faulted.
    let t = env.token(Scope::ManageAll).await;

    let n = 24;
    let calls = (0..n).map(|i| {
        let env = &env;
        let t = &t;
        let id = ids[i];
        async move {
            let resp = env
                .http
                .put(env.url(&format!("/api/1/users/{id}")))
                .header("Authorization", format!("bearer:{t}"))
                .header("Content-Type", "application/json")
                .body(json!({"title": format!("fault-{i}")}).to_string())
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            let seen = match resp {
                Err(_) => Seen::Broken,
                Ok(r) => {
                    let code = r.status().as_u16();
                    let ct = r
                        .headers()
                        .get("content-type")
                        .map(|v| v.to_str().unwrap().to_string());
                    match (code, r.text().await) {
                        (_, Err(_)) => Seen::Broken,
                        (200, Ok(body)) => {
                            assert!(body.contains("\"Success\""), "{body}");
                            Seen::Ok
                        }
                        (500, Ok(body)) => {
                            assert_eq!(ct.as_deref(), Some("text/html"));
                            assert!(body.contains("<html>"));
                            Seen::Html500
                        }
                        (502, Ok(body)) => {
                            assert!(body.contains("502 Bad Gateway"));
                            Seen::Html502
                        }
                        (c, Ok(body)) => panic!("unexpected {c}: {body}"),
                    }
                }
            };
            let applied = env.sb.user_json(id).unwrap()["title"] == json!(format!("fault-{i}"));
            (seen, applied)
        }
    });
    let started = Instant::now();
    let outcomes = futures::future::join_all(calls).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "slow faults run in parallel"
    );
    let has = |s: Seen| outcomes.iter().any(|(o, _)| *o == s);
    assert!(has(Seen::Ok), "slow answers still succeed: {outcomes:?}");
    assert!(has(Seen::Html500), "{outcomes:?}");
    assert!(has(Seen::Html502), "{outcomes:?}");
    assert!(has(Seen::Broken), "{outcomes:?}");
    for (seen, applied) in &outcomes {
        if *seen == Seen::Ok {
            assert!(applied, "a slow answer applies the change");
        }
    }
    let lost_after = outcomes
        .iter()
        .filter(|(s, applied)| *s != Seen::Ok && *applied)
        .count();
    let refused_before = outcomes
        .iter()
        .filter(|(s, applied)| *s != Seen::Ok && !*applied)
        .count();
    assert!(
        lost_after > 0,
        "some writes apply, then lose the answer: {outcomes:?}"
    );
    assert!(refused_before > 0, "some writes never happen: {outcomes:?}");
    assert_eq!(env.sb.stats().faults, n as u64);

    // Faults off again: clean answers.
    env.sb.set_fault_rate(0.0);
    env.get(&t, "/api/1/users?limit=1").await.assert_success();
}

#[tokio::test]
async fn the_fault_sequence_follows_the_seed() {
    async fn codes(seed: u64) -> Vec<u16> {
        let env = start(SandboxConfig {
            seed,
            users: 10,
            fault_rate: 0.5,
            ..SandboxConfig::default()
        })
        .await;
        let t = env.token(Scope::ReadUsers).await;
        let mut out = Vec::new();
        // 404s are cheap and show whether a fault replaced the answer.
        for _ in 0..12 {
            match env
                .http
                .get(env.url("/api/1/users/1"))
                .header("Authorization", format!("bearer:{t}"))
                .send()
                .await
            {
                Ok(r) => {
                    let code = r.status().as_u16();
                    out.push(if r.text().await.is_ok() { code } else { 0 });
                }
                Err(_) => out.push(0),
            }
        }
        out
    }
    let started = Instant::now();
    let (a, b) = tokio::join!(codes(5), codes(5));
    assert_eq!(a, b);
    assert!(a.contains(&404));
    assert!(a.iter().any(|c| *c != 404), "{a:?}");
    // A few slow faults (1–2 s each) are in the sequence; both runs overlap.
    assert!(started.elapsed() < Duration::from_secs(20));
}
