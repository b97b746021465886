#[test]
fn within_a_window_the_lowest_count_stands_whatever_order_answers_arrive_in() {
    let now = Instant::now();
    let seen = |remaining, reset| RateLimit {
        limit: 5000,
        remaining,
        reset: Duration::from_secs(reset),
        observed_at: now,
    };
    // Four calls in flight; the answer to the first arrives last.
    let mut state = None;
    for answer in [
        seen(4997, 3599),
        seen(4996, 3599),
        seen(4998, 3600),
        seen(4999, 3600),
    ] {
        state = Some(merge_rate_limit(state, answer));
    }
    assert_eq!(state.map(|r| r.remaining), Some(4996));
    // A new window (reset an hour on) replaces the spent one.
    let next = merge_rate_limit(state, seen(4999, 7200));
    assert_eq!(next.remaining, 4999);
    // So does another limit.
    let other = RateLimit {
        limit: 600,
        ..seen(599, 3599)
    };
    assert_eq!(merge_rate_limit(state, other).remaining, 599);
}

use super::*;

#[test]
fn a_bare_429_is_explained_by_the_budget_seen_only_when_it_was_spent() {
    let now = Instant::now();
    let seen = |remaining| RateLimit {
        limit: 5000,
        remaining,
        reset: Duration::from_secs(900),
        observed_at: now,
    };
    let reset = spent_reset(Some(seen(0))).unwrap();
    assert!(reset > Duration::from_secs(890) && reset <= Duration::from_secs(900));
    // 4,300 calls were left: this 429 is something else; its end is unknown.
    assert_eq!(spent_reset(Some(seen(4300))), None);
    assert_eq!(spent_reset(None), None);
    // A spent window that is over says nothing either.
    let old = RateLimit {
        observed_at: now - Duration::from_secs(901),
        ..seen(0)
    };
    assert_eq!(spent_reset(Some(old)), None);
}

fn cfg(url: &str) -> ClientConfig {
    ClientConfig::new(Url::parse(url).unwrap(), "id", SecretString::from("secret"))
}

#[test]
fn client_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    check::<ApiError>();
    check::<Exchange>();
}

#[test]
fn plain_http_only_on_loopback() {
    for ok in [
        "http://127.0.0.1:8080",
        "http://127.1.2.3",
        "http://[::1]:9000",
        "http://localhost:3000",
        "https://api.us.onelogin.com",
        "https://acme.onelogin.com",
    ] {
        assert!(Client::new(cfg(ok)).is_ok(), "{ok}");
    }
    for bad in [
        "http://api.us.onelogin.com",
        "http://10.0.0.1",
        "ftp://127.0.0.1",
    ] {
        let e = Client::new(cfg(bad)).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Config(_)), "{bad}");
        let shown = e.to_string();
        assert!(shown.contains("https://"), "{shown}");
    }
}

#[test]
fn v3_url_defaults() {
    assert_eq!(
        cfg("https://api.eu.onelogin.com").v3_base_url.as_str(),
        "https://api.onelogin.com/"
    );
    assert_eq!(
        cfg("http://127.0.0.1:4000").v3_base_url.as_str(),
        "http://127.0.0.1:4000/"
    );
}

#[test]
fn debug_hides_secrets() {
    let mut c = cfg("https://api.us.onelogin.com");
    c.api_key = Some(SecretString::from("apikey-123"));
    let client = Client::new(c.clone()).unwrap();
    for text in [format!("{c:?}"), format!("{client:?}")] {
        assert!(!text.contains("secret\""), "{text}");
        assert!(!text.contains("apikey-123"), "{text}");
    }
    let raw = format!("{:?}", RawAuth::Header("bearer:tok-1".into()));
    assert!(!raw.contains("tok-1"), "{raw}");
}

#[test]
fn urls_keep_a_base_path() {
    let base = Url::parse("http://127.0.0.1:1/prefix/").unwrap();
    assert_eq!(
        Client::url_on(&base, "/api/1/users?limit=5")
            .unwrap()
            .as_str(),
        "http://127.0.0.1:1/prefix/api/1/users?limit=5"
    );
}

#[test]
fn rate_limit_headers() {
    let mut h = HeaderMap::new();
    h.insert("X-RateLimit-Limit", HeaderValue::from_static("5000"));
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("4988"));
    h.insert("X-RATELIMIT-RESET", HeaderValue::from_static("832"));
    let now = Instant::now();
    let rl = parse_rate_limit(&h, now).unwrap();
    assert_eq!(
        (rl.limit, rl.remaining, rl.reset.as_secs()),
        (5000, 4988, 832)
    );
    h.insert("x-ratelimit-remaining", HeaderValue::from_static("lots"));
    assert!(parse_rate_limit(&h, now).is_none());
    assert!(rl.reset_in() > Duration::from_secs(800) && rl.reset_in() <= rl.reset);
}
