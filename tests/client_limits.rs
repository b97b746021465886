//! Rate limits and faults through `api::Client`: the budget read from the
//! headers and from `/auth/rate_limit`, a 429 as `ErrorKind::RateLimited`,
//! and the sandbox's injected faults as clear, retryable errors.

mod client_common;

use std::time::Duration;

use client_common::*;
use futures::future::join_all;
use onelogin_tui::api::ErrorKind;
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
    assert_eq!(first.suggested_delay(), Duration::ZERO);

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
    assert!(
        spent.suggested_delay() > Duration::from_secs(20),
        "{spent:?}"
    );
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
    let t0 = std::time::Instant::now();
    for _ in 0..7 {
        env.client.pace().await;
        env.client.get_user(id).await.unwrap();
    }
    // Seven calls at three a second: two full waits for the reset.
    assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(env.sb.stats().rate_limited, 0);
    assert_eq!(env.sb.stats().api_calls, 7);
}
