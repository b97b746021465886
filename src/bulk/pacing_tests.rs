use super::*;

fn budget(now: Instant, remaining: u32, reset_s: u64) -> Budget {
    Budget {
        limit: 600,
        remaining,
        reset: Duration::from_secs(reset_s),
        resets_at: now + Duration::from_secs(reset_s),
    }
}

fn waits(d: Decision) -> Option<WaitReason> {
    match d {
        Decision::Wait { reason, .. } => Some(reason),
        _ => None,
    }
}

#[test]
fn allowance_is_a_share() {
    assert_eq!(allowance(590, 0.8), 472);
    assert_eq!(allowance(0, 0.8), 0);
    assert_eq!(allowance(10, 1.0), 10);
    assert_eq!(allowance(10, f64::NAN), 8);
}

#[test]
fn plenty_of_budget_never_waits() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    let b = budget(t0, 5000, 3600);
    for i in 0..100 {
        assert_eq!(p.decide(t0, Some(b), 100 - i), Decision::Go);
        p.done();
    }
}

#[test]
fn short_budget_spreads_then_waits_for_the_reset() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.5);
    let b = budget(t0, 20, 10); // allowance 10 over 10 s, 30 calls to do
    assert_eq!(p.decide(t0, Some(b), 30), Decision::Go);
    p.done();
    // Spacing: 10 s / 9 left ≈ 1.1 s after the last send.
    match p.decide(t0, Some(b), 29) {
        Decision::Wait { until, reason } => {
            assert_eq!(reason, WaitReason::Spacing);
            let d = until - t0;
            assert!(
                d > Duration::from_millis(1000) && d < Duration::from_millis(1200),
                "{d:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    let mut t = t0;
    let mut sent = 1;
    while sent < 10 {
        t += Duration::from_millis(100);
        assert!(
            t < b.resets_at + RESET_MARGIN,
            "the window's share fits in the window"
        );
        if p.decide(t, Some(b), 30 - sent) == Decision::Go {
            p.done();
            sent += 1;
        }
    }
    // Spent: wait for the reset plus the margin.
    match p.decide(t, Some(b), 20) {
        Decision::Wait { until, reason } => {
            assert_eq!(reason, WaitReason::WindowSpent);
            assert_eq!(until, b.resets_at + RESET_MARGIN);
        }
        other => panic!("{other:?}"),
    }
    // After the reset, with only the stale report: the budget is read, others wait.
    let t1 = b.resets_at + RESET_MARGIN;
    assert_eq!(p.decide(t1, Some(b), 20), Decision::Read);
    assert_eq!(waits(p.decide(t1, Some(b), 20)), Some(WaitReason::Reading));
    // The read opens the new window.
    let fresh = budget(t1, 599, 10);
    p.read_done(t1, Some(fresh));
    assert_eq!(p.decide(t1, Some(fresh), 19), Decision::Go);
}

#[test]
fn in_flight_calls_shrink_a_new_window() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(1.0);
    let b = budget(t0, 100, 10);
    for _ in 0..4 {
        assert_eq!(p.decide(t0, Some(b), 4), Decision::Go);
    }
    // New window while 4 are in flight: 10 − 4 − 4 = 2 calls.
    let t1 = t0 + Duration::from_secs(11);
    let b2 = budget(t1, 10, 10);
    assert_eq!(p.decide(t1, Some(b2), 1), Decision::Go);
    assert_eq!(p.decide(t1, Some(b2), 1), Decision::Go);
    assert_eq!(
        waits(p.decide(t1, Some(b2), 1)),
        Some(WaitReason::WindowSpent)
    );
}

#[test]
fn a_429_stops_everyone_then_the_budget_is_read_anew() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    let b = budget(t0, 5000, 3600);
    assert_eq!(p.decide(t0, Some(b), 10), Decision::Go);
    p.done();
    let until = t0 + Duration::from_secs(5);
    p.exhausted(until);
    assert!(matches!(p.decide(t0, Some(b), 10), Decision::Wait { .. }));
    assert_eq!(p.left(t0, None).map(|l| l.remaining), Some(0));
    // The headers seen before the 429 said 5000 left: they are not trusted again.
    let t1 = b.resets_at + RESET_MARGIN;
    let stale_but_live = budget(t1, 4999, 10);
    assert_eq!(p.decide(t1, Some(stale_but_live), 10), Decision::Read);
}

#[test]
fn a_429_storm_holds_until_its_reset_not_until_the_hourly_window_ends() {
    // The fault matrix's storms: 429s for 3 s while the hour's budget has 5,000 calls left.
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    let b = budget(t0, 5000, 3600);
    assert_eq!(p.decide(t0, Some(b), 10), Decision::Go);
    p.done();
    let until = t0 + Duration::from_secs(3);
    p.exhausted(until);
    // A second 429 of the storm with a shorter wait does not shorten the hold.
    p.exhausted(t0 + Duration::from_secs(1));
    let t = t0 + Duration::from_secs(2);
    assert_eq!(
        waits(p.decide(t, Some(b), 10)),
        Some(WaitReason::WindowSpent)
    );
    // Past the hold: the budget is read (it says whether the window is spent), then calls go.
    let t = until + RESET_MARGIN;
    assert_eq!(p.decide(t, Some(b), 10), Decision::Read);
    p.read_done(t, Some(budget(t, 4990, 3590)));
    assert_eq!(p.decide(t, Some(b), 10), Decision::Go);
    // A read that says the budget is spent holds everyone until its reset.
    p.exhausted(t + Duration::from_millis(200));
    let t = t + Duration::from_secs(1);
    assert_eq!(p.decide(t, None, 10), Decision::Read);
    p.read_done(t, Some(budget(t, 0, 600)));
    assert_eq!(
        waits(p.decide(t + Duration::from_secs(599), None, 10)),
        Some(WaitReason::WindowSpent)
    );
}

#[test]
fn without_headers_the_budget_is_read_and_the_pacer_counts_its_calls() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    // Nothing seen: read first; a second worker waits for the read.
    assert_eq!(p.decide(t0, None, 100), Decision::Read);
    assert_eq!(waits(p.decide(t0, None, 100)), Some(WaitReason::Reading));
    let read = budget(t0, 50, 10);
    p.read_done(t0, Some(read));
    // The answers carry no headers: the client still holds only the read, and the pacer
    // stops at 80% of it by its own count.
    let mut sent = 0;
    while p.decide(t0, Some(read), 1) == Decision::Go {
        p.done();
        sent += 1;
        assert!(sent <= 40, "never more than its share");
    }
    assert_eq!(sent, 40);
    assert_eq!(p.left(t0, Some(read)).map(|l| l.remaining), Some(10));
    assert_eq!(
        waits(p.decide(t0, Some(read), 10)),
        Some(WaitReason::WindowSpent)
    );
    // The next window is read again, not guessed from the old read.
    let t1 = read.resets_at + RESET_MARGIN;
    assert_eq!(p.decide(t1, Some(read), 10), Decision::Read);
}

#[test]
fn a_window_not_started_is_started_by_one_call_then_read_again() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    assert_eq!(p.decide(t0, None, 10), Decision::Read);
    // The server's window starts at the first call: reset 0.
    let idle = budget(t0, 60, 0);
    p.read_done(t0, Some(idle));
    assert_eq!(p.decide(t0, Some(idle), 10), Decision::Go);
    assert_eq!(
        waits(p.decide(t0, Some(idle), 10)),
        Some(WaitReason::Reading)
    );
    p.done();
    // Answered: read again, and this time the window runs.
    assert_eq!(p.decide(t0, Some(idle), 10), Decision::Read);
    let running = budget(t0, 59, 10);
    p.read_done(t0, Some(running));
    assert_eq!(p.left_in_window(t0), Some(47));
}

#[test]
fn a_server_that_never_starts_its_window_gets_the_longest_one_seen() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.5);
    p.decide(t0, Some(budget(t0, 100, 30)), 1);
    p.done();
    let t1 = t0 + Duration::from_secs(31);
    assert_eq!(p.decide(t1, None, 1), Decision::Read);
    p.read_done(t1, Some(budget(t1, 100, 0)));
    assert_eq!(p.decide(t1, None, 1), Decision::Go);
    p.done();
    assert_eq!(p.decide(t1, None, 1), Decision::Read);
    p.read_done(t1, Some(budget(t1, 99, 0)));
    // Not a call and a read each: a window of 30 s (the longest seen), 49 calls.
    assert_eq!(p.left_in_window(t1), Some(49));
    assert_eq!(
        p.left(t1, None).map(|l| l.resets_at),
        Some(t1 + Duration::from_secs(30))
    );
}

#[test]
fn an_unreadable_budget_paces_nothing_for_a_while() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    assert_eq!(p.decide(t0, None, 10), Decision::Read);
    p.read_done(t0, None);
    for _ in 0..10 {
        assert_eq!(p.decide(t0, None, 10), Decision::Go);
        p.done();
    }
    assert_eq!(p.decide(t0 + UNREADABLE_RETRY, None, 10), Decision::Read);
}

#[test]
fn a_cancelled_read_lets_the_next_worker_read() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.8);
    assert_eq!(p.decide(t0, None, 1), Decision::Read);
    p.read_abandoned();
    assert_eq!(p.decide(t0, None, 1), Decision::Read);
}

#[test]
fn a_502_holds_everyone_and_keeps_the_window() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.5);
    let b = budget(t0, 20, 10);
    assert_eq!(p.decide(t0, Some(b), 1), Decision::Go);
    p.done();
    p.hold(t0 + Duration::from_secs(2));
    assert_eq!(waits(p.decide(t0, Some(b), 1)), Some(WaitReason::Backoff));
    let t1 = t0 + Duration::from_secs(2);
    assert_eq!(p.decide(t1, Some(b), 1), Decision::Go);
    assert_eq!(p.left_in_window(t1), Some(8), "10 − the 2 sent");
}

#[test]
fn what_is_left_is_the_lower_of_the_count_and_a_live_report() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(1.0);
    let read = budget(t0, 100, 60);
    assert_eq!(p.decide(t0, None, 1), Decision::Read);
    p.read_done(t0, Some(read));
    for _ in 0..30 {
        p.decide(t0, Some(read), 1);
        p.done();
    }
    assert_eq!(p.left(t0, Some(read)).map(|l| l.remaining), Some(70));
    // Another tool spent more: its headers say so.
    let header = budget(t0, 50, 60);
    assert_eq!(p.left(t0, Some(header)).map(|l| l.remaining), Some(50));
}

#[test]
fn the_eta_waits_for_the_resets_the_share_forces() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut p = PacerCore::new(0.5);
    // Nothing known: the calls alone.
    assert_eq!(p.eta(t0, 10, ms(100), 1), ms(1000));
    let b = budget(t0, 100, 10); // 50 now, then 300 a window of 10 s
    p.decide(t0, Some(b), 1);
    p.done();
    assert_eq!(p.eta(t0, 49, ms(100), 1), ms(4900));
    // 49 now, then the reset in 10 s, then 51 more.
    assert_eq!(
        p.eta(t0, 100, ms(100), 1),
        Duration::from_secs(10) + ms(5100)
    );
    // 49 now, 300 a window: 700 calls need three more windows.
    assert_eq!(p.eta(t0, 700, ms(0), 1), Duration::from_secs(30));
}

#[test]
fn latency_is_smoothed() {
    let mut p = PacerCore::new(0.8);
    assert_eq!(p.latency(), Duration::ZERO);
    p.record_latency(Duration::from_millis(100));
    assert_eq!(p.latency(), Duration::from_millis(100));
    p.record_latency(Duration::from_millis(200));
    assert_eq!(p.latency(), Duration::from_millis(120));
}

#[test]
fn estimates() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    // Enough budget: the work alone.
    assert_eq!(
        estimate(
            400,
            Some(budget(t0, 5000, 3600)),
            0.8,
            Duration::ZERO,
            t0,
            ms(100),
            4
        ),
        ms(10_000)
    );
    // 500 calls, 472 now, then the reset in 10 s, then 28 more.
    let e = estimate(
        500,
        Some(budget(t0, 590, 10)),
        0.8,
        Duration::from_secs(10),
        t0,
        ms(100),
        4,
    );
    assert_eq!(e, Duration::from_secs(10) + ms(700));
    // 1500 calls: 472 now, then 480 a window: the last chunk starts after three resets.
    let e = estimate(
        1500,
        Some(budget(t0, 590, 10)),
        0.8,
        Duration::from_secs(10),
        t0,
        ms(0),
        4,
    );
    assert_eq!(e, Duration::from_secs(30));
    // The window already refilled: 480 a window from now.
    let e = estimate(
        1000,
        Some(budget(t0, 0, 0)),
        0.8,
        Duration::from_secs(10),
        t0,
        ms(0),
        4,
    );
    assert_eq!(e, Duration::from_secs(20));
    assert_eq!(
        estimate(8, None, 0.8, Duration::ZERO, t0, ms(100), 4),
        ms(200)
    );
}

#[test]
fn a_call_waited_for_on_its_own_is_counted_but_not_held_by_the_share() {
    let t0 = Instant::now();
    let mut p = PacerCore::new(0.5);
    let b = budget(t0, 4, 60); // a share of 2
    assert_eq!(p.decide(t0, Some(b), 1), Decision::Go);
    assert_eq!(p.decide(t0, Some(b), 1), Decision::Go);
    assert_eq!(
        waits(p.decide(t0, Some(b), 1)),
        Some(WaitReason::WindowSpent)
    );
    // Someone opens a user: it goes, and counts.
    assert_eq!(p.decide_now(t0, Some(b)), Decision::Go);
    assert_eq!(p.left(t0, None).map(|l| l.remaining), Some(1));
    // Still read first when nothing is known, and held by a 502.
    let mut fresh = PacerCore::new(0.5);
    assert_eq!(fresh.decide_now(t0, None), Decision::Read);
    p.hold(t0 + Duration::from_secs(1));
    assert_eq!(waits(p.decide_now(t0, Some(b))), Some(WaitReason::Backoff));
}
