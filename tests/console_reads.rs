//! Reads spend the rate budget like writes, against a real sandbox over loopback: `L` asks
//! before a big read and then loads every page without a 429; a pacer paces /2 reads that
//! carry no `X-RateLimit-*` from `GET /auth/rate_limit`; `export` paces its listing and
//! prints its progress with the total.

// A test that cannot go on has failed: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;
mod console_common;

use std::time::{Duration, Instant};

use console_common::Console;
use onelogin_tui::api::{RetryPolicy, V2UserQuery};
use onelogin_tui::app::modal::Question;
use onelogin_tui::app::state::LoadAll;
use onelogin_tui::app::view::words::load_all_question;
use onelogin_tui::bulk::{Pacer, Size, paced};
use onelogin_tui::sandbox::{SandboxConfig, Scope};

/// A tenant of `users` whose budget is `limit` calls a window of `window`.
fn tight(users: usize, limit: u32, window: Duration) -> SandboxConfig {
    SandboxConfig {
        users,
        rate_limit: limit,
        rate_window: window,
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn load_all_on_a_small_budget_asks_first_then_meets_no_429() {
    // 44 calls in all (the start's 4, the measure, 39 pages) on 40 a window.
    let sb = console_common::sandbox(tight(2_000, 40, Duration::from_secs(3))).await;
    let mut console = Console::new(&sb, &sb.credential(Scope::ManageAll), None);
    console.start().await;
    assert_eq!(console.state.users.all.len(), 50);

    console.keys("L").await;
    let Some(Question::LoadAll { cost, .. }) = console.state.modals.question() else {
        panic!("no question: {:?}", console.state.modals.question());
    };
    // /2 counted the search: 1,950 users left, 39 pages, most of what is left of 40.
    assert_eq!(cost.size, Size::Total(2_000));
    assert_eq!(cost.calls, 39);
    let left = cost.left.expect("the budget is known");
    assert!(left <= 35, "the console's own calls are counted: {left}");
    let words = load_all_question(&cost).join(" ");
    assert!(words.contains("≈ 39 calls"), "{words}");
    assert!(
        words.contains(&format!("more than the {left} left this hour")),
        "{words}"
    );
    assert_eq!(
        console.state.users.all.len(),
        50,
        "nothing loaded before the answer"
    );

    let before = Instant::now();
    console.keys("y").await;
    assert!(console.state.users.complete);
    assert_eq!(console.state.users.all.len(), 2_000);
    assert_eq!(console.state.users.load, LoadAll::Off);
    assert_eq!(sb.stats().rate_limited, 0, "no 429 on the way");
    assert!(
        before.elapsed() >= Duration::from_secs(1),
        "the pacer waited for a reset: {:?}",
        before.elapsed()
    );
    assert!(console.errors().is_empty(), "{:?}", console.errors());
}

#[tokio::test]
async fn a_small_load_does_not_ask() {
    let sb = console_common::sandbox(tight(120, 5_000, Duration::from_secs(3600))).await;
    let mut console = Console::new(&sb, &sb.credential(Scope::ManageAll), None);
    console.start().await;
    console.keys("L").await;
    assert_eq!(console.state.modals.question(), None);
    assert!(console.state.users.complete);
    assert_eq!(console.state.users.all.len(), 120);
}

/// Every page of the /2 user list, each call through `pacer` when there is one.
async fn all_v2_pages(client: &onelogin_tui::api::Client, pacer: Option<&Pacer>) -> usize {
    let query = V2UserQuery::new().fields(&["id"]);
    let mut cursor: Option<String> = None;
    let mut users = 0;
    loop {
        let page = paced(pacer, RetryPolicy::BULK, Some(20), || {
            client.list_users_v2(&query, cursor.as_deref())
        })
        .await
        .unwrap();
        users += page.items.len();
        match page.after_cursor {
            Some(next) => cursor = Some(next),
            None => return users,
        }
    }
}

#[tokio::test]
async fn headerless_v2_reads_are_paced_from_the_rate_limit_endpoint() {
    let config = || SandboxConfig {
        v2_rate_headers: false,
        ..tight(1_000, 12, Duration::from_secs(2))
    };
    // Unpaced, 20 pages on a budget of 12 meet a 429.
    let bare = bulk_common::sandbox(config()).await;
    assert_eq!(all_v2_pages(&bulk_common::client(&bare), None).await, 1_000);
    assert!(bare.stats().rate_limited > 0, "the budget is small enough");

    let sb = bulk_common::sandbox(config()).await;
    let client = bulk_common::client(&sb);
    let pacer = Pacer::new(client.clone(), 0.8);
    let started = Instant::now();
    let users = all_v2_pages(&client, Some(&pacer)).await;
    assert_eq!(users, 1_000);
    assert_eq!(sb.stats().rate_limited, 0, "no 429 without a single header");
    // 20 calls at 9 a window (80% of 12): two resets waited for.
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // What the pacer knows came from /auth/rate_limit: the answers said nothing.
    let seen = client.rate_limit().expect("read from /auth/rate_limit");
    assert_eq!(seen.limit, 12);
}

#[tokio::test]
async fn export_on_a_small_budget_meets_no_429_and_prints_the_total() {
    let sb = bulk_common::sandbox(SandboxConfig {
        latency: Duration::from_millis(30),
        ..tight(2_000, 30, Duration::from_secs(2))
    })
    .await;
    let cli = bulk_common::Cli::new(&sb.url());
    let out = cli
        .run(&["export", "--columns", "id,email", "-o", "users.csv"])
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(sb.stats().rate_limited, 0, "no 429: {}", out.stderr);
    assert!(
        out.stderr.contains("listing 2,000 user(s): ≈ 40 call(s)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(" of 2,000 users ("), "{}", out.stderr);
    assert!(out.stderr.contains("· ETA "), "{}", out.stderr);
    let csv = std::fs::read_to_string(cli.path("users.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2_001);
}
