//! Rate limits and faults through `api::Client`: the budget read from the
//! headers and from `/auth/rate_limit`, a 429 as `ErrorKind::RateLimited`,
//! and the sandbox's injected faults as clear, retryable errors.

mod client_common;

use std::time::{Duration, Instant};

use client_common::*;
use futures::future::join_all;
use onelogin_tui::api::{ErrorKind, RetryPolicy};
use onelogin_tui::bulk::Pacer;
use onelogin_tui::sandbox::SandboxConfig;

#[tokio::test]
async fn budget_from_headers_and_rate_limit_status() {
    let mut env = start(small()).await;
    let ids = env.plain_ids(3);
    assert!(env.client.rate_limit().is_none(), "nothing seen yet");
    env.client.get_user(ids[0]).await.unwrap();
    let first = env.client.rate_limit().unwrap();
    assert_eq!(first.limit, 5000);
    assert_eq!(first.remaining, 4999);
    assert!(first.reset > Duration::ZERO && first.reset <= Duration::from_secs(3600));

    env.client.get_user(ids[1]).await.unwrap();
    env.client.get_user(ids[2]).await.unwrap();
    let third = env.client.rate_limit().unwrap();
    assert_eq!(third.remaining, 4997, "one less a call");
    assert_eq!(third.limit, 5000);
    assert!(third.reset <= first.reset);
    // The headers as the contract names them.
    let xs = env.drain();
    let x = xs.last().unwrap();
    assert_eq!(x.response_header("X-RateLimit-Limit"), Some("5000"));
    assert_eq!(x.response_header("X-RateLimit-Remaining"), Some("4997"));
    assert!(x.response_header("X-RateLimit-Reset").is_some());
    assert!(x.response_header("x-request-id").is_some());

    // The status call reports the same budget and does not spend it.
    let status = env.client.rate_limit_status().await.unwrap();
    assert_eq!((status.limit, status.remaining), (5000, 4997));
    assert!(status.reset <= Duration::from_secs(3600));
    let x = only_call(&env.drain());
    assert_eq!(x.path(), "/auth/rate_limit");
    let v = body_json(&x);
    assert_eq!(v["data"]["X-RateLimit-Limit"], 5000);
    assert_eq!(v["data"]["X-RateLimit-Remaining"], 4997);
    assert_eq!(env.client.rate_limit().unwrap().remaining, 4997);
    env.client.get_user(ids[0]).await.unwrap();
    assert_eq!(env.client.rate_limit().unwrap().remaining, 4996);
}

#[tokio::test]
async fn a_429_becomes_rate_limited_with_a_retry_after() {
    let config = SandboxConfig {
        rate_limit: 3,
        rate_window: Duration::from_secs(30),
        ..small()
    };
    let mut env = start(config).await;
    let id = env.plain_ids(1)[0];
    for left in [2, 1, 0] {
        env.client.get_user(id).await.unwrap();
        assert_eq!(env.client.rate_limit().unwrap().remaining, left);
    }
    let spent = env.client.rate_limit().unwrap();
    assert!(spent.reset_in() > Duration::from_secs(20), "{spent:?}");
    env.drain();

    let e = env.client.get_user(id).await.unwrap_err();
    let x = only_call(&env.drain());
    assert_eq!(x.status, Some(429));
    assert!(x.response_header("retry-after").is_none());
    assert!(x.response_header("x-ratelimit-reset").is_none());
    let ErrorKind::RateLimited {
        http_status,
        reset,
        body_start,
    } = &e.kind
    else {
        panic!("{e:?}");
    };
    assert_eq!(*http_status, 429);
    assert!(body_start.contains("429 Too Many Requests"), "{body_start}");
    // No header said how long: the reset comes from the budget seen before.
    let reset = reset.unwrap();
    assert!(
        reset > Duration::from_secs(20) && reset <= Duration::from_secs(30),
        "{reset:?}"
    );
    assert_eq!(e.retry_after(), Some(reset));
    assert!(e.is_retryable());
    assert_display(
        &e,
        "GET",
        &format!("/api/1/users/{id}"),
        "wait for the reset",
    );
    assert!(
        e.to_string().contains("429 rate limited (resets in "),
        "{e}"
    );
    assert_eq!(env.sb.stats().rate_limited, 1);
}

#[tokio::test]
async fn faults_are_clear_retryable_errors() {
    let mut env = start(small()).await;
    let ids = env.plain_ids(12);
    env.client.ensure_token().await.unwrap();
    env.drain();
    env.sb.set_fault_rate(1.0);
    let results = join_all(ids.iter().map(|id| env.client.get_user(*id))).await;
    let (mut html500, mut html502, mut dropped, mut slow) = (0, 0, 0, 0);
    for (id, r) in ids.iter().zip(&results) {
        let path = format!("/api/1/users/{id}");
        match r {
            // A slow answer is still an answer.
            Ok(u) => {
                assert_eq!(u.id, *id);
                slow += 1;
            }
            Err(e) => {
                assert!(e.is_retryable(), "{e}");
                let shown = e.to_string();
                assert!(shown.starts_with(&format!("GET {path} → ")), "{shown}");
                match &e.kind {
                    ErrorKind::UnexpectedBody {
                        http_status,
                        content_type,
                        body_start,
                    } => {
                        assert_eq!(content_type.as_deref(), Some("text/html"));
                        let title = match http_status {
                            500 => {
                                html500 += 1;
                                "500 Internal Server Error"
                            }
                            502 => {
                                html502 += 1;
                                "502 Bad Gateway"
                            }
                            other => panic!("{other}: {e}"),
                        };
                        assert!(body_start.starts_with("<html>"), "{body_start}");
                        assert!(body_start.contains(title), "{body_start}");
                        // Quotes the code and the start of the body, then what to do.
                        assert!(
                            shown.contains(&format!(
                                "{http_status} unexpected text/html body: \"<html>"
                            )),
                            "{shown}"
                        );
                        assert!(shown.contains(title), "{shown}");
                        assert!(shown.ends_with("retry in a moment"), "{shown}");
                    }
                    ErrorKind::Transport { timeout, .. } => {
                        assert!(!timeout);
                        dropped += 1;
                        assert!(shown.contains("network error: "), "{shown}");
                        assert!(
                            shown.ends_with(" — check the network / VPN and retry"),
                            "{shown}"
                        );
                    }
                    other => panic!("unexpected {other:?}: {e}"),
                }
            }
        }
    }
    assert!(
        html500 > 0 && html502 > 0 && dropped > 0,
        "500s {html500}, 502s {html502}, drops {dropped}, slow {slow}"
    );
    assert_eq!(env.sb.stats().faults, 12);
    // Every attempt was recorded, the dropped ones with their error.
    let xs = env.drain();
    assert_eq!(xs.len(), 12, "faults are not retried by the client itself");
    assert_eq!(xs.iter().filter(|x| x.error.is_some()).count(), dropped);

    // Faults off: the same calls work.
    env.sb.set_fault_rate(0.0);
    let results = join_all(ids.iter().map(|id| env.client.get_user(*id))).await;
    assert!(results.iter().all(Result::is_ok));
}

#[tokio::test]
async fn a_list_stream_ends_with_the_error_that_stopped_it() {
    use futures::StreamExt;
    let config = SandboxConfig {
        rate_limit: 2,
        rate_window: Duration::from_secs(30),
        ..small()
    };
    let env = start(config).await;
    let items: Vec<_> = env
        .client
        .list_users(onelogin_tui::api::UserQuery::new().limit(50))
        .collect()
        .await;
    assert_eq!(items.len(), 3, "two pages, then the error, then nothing");
    assert_eq!(items[0].as_ref().unwrap().items.len(), 50);
    assert_eq!(items[1].as_ref().unwrap().items.len(), 50);
    let e = items[2].as_ref().unwrap_err();
    assert!(matches!(e.kind, ErrorKind::RateLimited { .. }), "{e}");
    assert!(
        e.path().starts_with("/api/1/users?limit=50&after_cursor="),
        "{e}"
    );
    assert!(e.retry_after().is_some());
}

#[tokio::test]
async fn pacing_from_the_headers_never_meets_a_429() {
    let config = SandboxConfig {
        rate_limit: 3,
        rate_window: Duration::from_secs(1),
        ..small()
    };
    let env = start(config).await;
    let id = env.plain_ids(1)[0];
    // The bulk runner's pacer, spending the whole budget.
    let pacer = Pacer::new(env.client.clone(), 1.0);
    let t0 = Instant::now();
    for left in (1..=7).rev() {
        let _permit = pacer.acquire(left).await;
        env.client.get_user(id).await.unwrap();
    }
    // Seven calls at three a second: at least two waits for the reset.
    assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(env.sb.stats().rate_limited, 0);
    assert_eq!(env.sb.stats().api_calls, 7);
}

#[tokio::test]
async fn a_429_waits_for_the_reset_then_succeeds() {
    let config = SandboxConfig {
        rate_limit: 3,
        rate_window: Duration::from_secs(2),
        ..small()
    };
    let mut env = start(config).await;
    let id = env.plain_ids(1)[0];
    for _ in 0..3 {
        env.client.get_user(id).await.unwrap();
    }
    let reset = env.client.rate_limit().unwrap().reset_in();
    env.drain();
    let t0 = Instant::now();
    let mut waits = Vec::new();
    let user = RetryPolicy::INTERACTIVE
        .retry_notify(|| env.client.get_user(id), |_, w| waits.push(w))
        .await
        .unwrap();
    assert_eq!(user.id, id);
    // One 429, one wait until the reset (not the 200 ms backoff), then the answer.
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0] >= reset, "{waits:?} < {reset:?}");
    assert!(t0.elapsed() >= reset, "{:?}", t0.elapsed());
    assert_eq!(env.sb.stats().rate_limited, 1, "not hammered");
    let statuses: Vec<_> = env.drain().iter().map(|x| x.status).collect();
    assert_eq!(statuses, [Some(429), Some(200)]);
}

#[tokio::test]
async fn a_429_with_a_far_reset_is_reported_at_once_to_the_console() {
    let config = SandboxConfig {
        rate_limit: 2,
        rate_window: Duration::from_secs(3600),
        ..small()
    };
    let env = start(config).await;
    let id = env.plain_ids(1)[0];
    for _ in 0..2 {
        env.client.get_user(id).await.unwrap();
    }
    let t0 = Instant::now();
    let e = RetryPolicy::INTERACTIVE
        .retry(|| env.client.get_user(id))
        .await
        .unwrap_err();
    assert!(matches!(e.kind, ErrorKind::RateLimited { .. }), "{e}");
    // An hour is too long to keep someone waiting, and retrying sooner is pointless.
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_eq!(env.sb.stats().rate_limited, 1, "not hammered");
}

#[tokio::test]
async fn a_server_error_is_retried_then_succeeds() {
    let mut env = start(small()).await;
    let ids = env.plain_ids(20);
    env.client.ensure_token().await.unwrap();
    env.drain();
    // The sandbox's faults are a seeded mix (500, 502, dropped, slow): try
    // users until the first answer is a 5xx, with faults off from the retry on.
    for id in ids {
        env.sb.set_fault_rate(1.0);
        let mut first = None;
        let result = RetryPolicy::INTERACTIVE
            .retry_notify(
                || env.client.get_user(id),
                |e, _| {
                    first.get_or_insert(e.http_status());
                    env.sb.set_fault_rate(0.0);
                },
            )
            .await;
        let xs = env.drain();
        if !matches!(first, Some(Some(500 | 502))) {
            continue;
        }
        assert_eq!(result.unwrap().id, id);
        let statuses: Vec<_> = xs.iter().map(|x| x.status).collect();
        assert_eq!(statuses.len(), 2, "{statuses:?}");
        assert!(matches!(statuses[0], Some(500 | 502)), "{statuses:?}");
        assert_eq!(statuses[1], Some(200));
        return;
    }
    panic!("no 5xx among the sandbox's first faults");
}
