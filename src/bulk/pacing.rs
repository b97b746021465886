//! The rate budget of a run, from the `X-RateLimit-*` headers.
//!
//! OneLogin counts /1 calls in a fixed window (5,000 an hour) and reports
//! `limit`, `remaining` and `reset` (seconds until the window refills) on every
//! successful answer. A run takes at most `share` of what remains when a window
//! starts (so the console and other tools keep the rest), spreads its calls
//! over the window when it cannot finish within that allowance, and waits for
//! the reset between chunks. A fixed window refills all at once, so the bucket
//! refills at the reset, not continuously: refilling mid-window would spend
//! calls the server has not given back yet.
//!
//! [`PacerCore`] is the pure decision (unit-tested with made-up clocks);
//! [`Pacer`] wraps it for concurrent workers.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::api::RESET_MARGIN;
use crate::api::{Client, RateLimit};
/// How often a waiting worker looks again while a probe call is in flight.
const PROBE_POLL: Duration = Duration::from_millis(25);

/// The budget as the server last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window refills, as reported.
    pub reset: Duration,
    pub resets_at: Instant,
}

impl From<RateLimit> for Budget {
    fn from(rl: RateLimit) -> Budget {
        Budget {
            limit: rl.limit,
            remaining: rl.remaining,
            reset: rl.reset,
            resets_at: rl.resets_at(),
        }
    }
}

/// Calls a run may make out of `remaining`: `floor(remaining × share)`.
pub fn allowance(remaining: u32, share: f64) -> u32 {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.8
    };
    (f64::from(remaining) * share).floor() as u32
}

/// Why a worker waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// The budget is short: calls are spread over the rest of the window.
    Spacing,
    /// This window's share is spent: wait for the reset.
    WindowSpent,
    /// The window rolled over; one call is out to learn the new budget.
    Probe,
}

impl WaitReason {
    pub fn describe(self) -> &'static str {
        match self {
            WaitReason::Spacing => "spreading calls over the rate-limit window",
            WaitReason::WindowSpent => {
                "this window's share of the rate budget is spent: waiting for the reset"
            }
            WaitReason::Probe => "reading the new rate budget",
        }
    }
}

/// What a worker should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Go,
    Wait { until: Instant, reason: WaitReason },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    ends: Instant,
    allowance: u32,
    spent: u32,
}

/// The pure pacing state.
#[derive(Debug, Clone)]
pub struct PacerCore {
    share: f64,
    window: Option<Window>,
    in_flight: u32,
    max_in_flight: u32,
    last_send: Option<Instant>,
    /// The longest `reset` seen: the best guess of the window's length.
    window_len: Duration,
}

impl PacerCore {
    pub fn new(share: f64) -> PacerCore {
        PacerCore {
            share,
            window: None,
            in_flight: 0,
            max_in_flight: 0,
            last_send: None,
            window_len: Duration::ZERO,
        }
    }

    pub fn share(&self) -> f64 {
        self.share
    }

    /// The longest window seen so far (zero before any header).
    pub fn window_len(&self) -> Duration {
        self.window_len
    }

    /// Calls left in this window's allowance, if a window is known.
    pub fn left_in_window(&self, now: Instant) -> Option<u32> {
        self.window
            .filter(|w| now < w.ends)
            .map(|w| w.allowance.saturating_sub(w.spent))
    }

    /// May a call go now? `observed` is the last budget the server reported,
    /// `calls_left` how many calls the run still plans. A `Go` counts the call.
    pub fn decide(
        &mut self,
        now: Instant,
        observed: Option<Budget>,
        calls_left: usize,
    ) -> Decision {
        if let Some(b) = observed {
            self.window_len = self.window_len.max(b.reset);
        }
        let Some(budget) = observed else {
            // No header ever seen: nothing to pace on; retries handle a 429.
            return self.go(now);
        };
        let expired = self.window.is_none_or(|w| now >= w.ends + RESET_MARGIN);
        if expired {
            if budget.resets_at > now {
                // A live report: this window's share of what remains, less what
                // may be counted but not yet reported (calls in flight).
                let uncertain = self.in_flight + self.max_in_flight;
                self.window = Some(Window {
                    ends: budget.resets_at,
                    allowance: allowance(budget.remaining, self.share).saturating_sub(uncertain),
                    spent: 0,
                });
            } else if self.in_flight == 0 {
                // The window refilled and nothing says by how much: one call finds out.
                // Expired at once: the next decision reads the probe's answer.
                self.window = Some(Window {
                    ends: now.checked_sub(RESET_MARGIN).unwrap_or(now),
                    allowance: 1,
                    spent: 0,
                });
                return self.go(now);
            } else {
                return Decision::Wait {
                    until: now + PROBE_POLL,
                    reason: WaitReason::Probe,
                };
            }
        }
        let Some(w) = self.window else {
            return self.go(now);
        };
        let left = w.allowance.saturating_sub(w.spent);
        if left == 0 {
            return Decision::Wait {
                until: w.ends + RESET_MARGIN,
                reason: WaitReason::WindowSpent,
            };
        }
        if calls_left > left as usize {
            // This window cannot finish the run: spread its share until the reset.
            let spacing = w.ends.saturating_duration_since(now) / left;
            if let Some(last) = self.last_send
                && last + spacing > now
            {
                return Decision::Wait {
                    until: last + spacing,
                    reason: WaitReason::Spacing,
                };
            }
        }
        self.go(now)
    }

    fn go(&mut self, now: Instant) -> Decision {
        if let Some(w) = self.window.as_mut() {
            w.spent += 1;
        }
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
        self.last_send = Some(now);
        Decision::Go
    }

    /// A call that was let go has its answer (or failed).
    pub fn done(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// A 429 arrived: nothing goes until `until`.
    pub fn exhausted(&mut self, until: Instant) {
        let ends = self.window.map_or(until, |w| w.ends.max(until));
        self.window = Some(Window {
            ends,
            allowance: 0,
            spent: 0,
        });
    }
}

/// How long `calls` will take: the waits for resets the budget forces, plus
/// the calls themselves at `per_call` each over `concurrency` workers.
pub fn estimate(
    calls: usize,
    budget: Option<Budget>,
    share: f64,
    window_len: Duration,
    now: Instant,
    per_call: Duration,
    concurrency: usize,
) -> Duration {
    let work = |n: usize| per_call.mul_f64(n as f64 / concurrency.max(1) as f64);
    let Some(b) = budget else {
        return work(calls);
    };
    let first = allowance(b.remaining, share) as usize;
    if b.resets_at <= now || calls <= first {
        // Either the window already refilled or this one is enough.
        let per_window = allowance(b.limit, share).max(1) as usize;
        if b.resets_at <= now && calls > per_window {
            let windows = calls.div_ceil(per_window) - 1;
            return window_len.max(b.reset) * windows as u32 + work(calls - windows * per_window);
        }
        return work(calls);
    }
    let per_window = allowance(b.limit, share).max(1) as usize;
    let rest = calls - first;
    let extra = rest.div_ceil(per_window);
    let wait = b.resets_at.saturating_duration_since(now)
        + window_len.max(b.reset) * (extra.saturating_sub(1)) as u32;
    let last_chunk = rest - (extra - 1) * per_window;
    wait + work(last_chunk)
}

/// [`PacerCore`] shared by a run's workers, fed by the client's last-seen budget.
pub struct Pacer {
    client: Client,
    core: Mutex<PacerCore>,
    on_wait: Box<dyn Fn(Duration, WaitReason) + Send + Sync>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer").finish_non_exhaustive()
    }
}

/// A call in flight; dropping it tells the pacer the call is over.
pub struct Permit<'a> {
    pacer: &'a Pacer,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.pacer.lock().done();
    }
}

impl Pacer {
    pub fn new(client: Client, share: f64) -> Pacer {
        Pacer {
            client,
            core: Mutex::new(PacerCore::new(share)),
            on_wait: Box::new(|_, _| {}),
        }
    }

    /// Called (from a worker) before a wait of a second or more.
    pub fn with_wait_hook(
        mut self,
        hook: impl Fn(Duration, WaitReason) + Send + Sync + 'static,
    ) -> Pacer {
        self.on_wait = Box::new(hook);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PacerCore> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn budget(&self) -> Option<Budget> {
        self.client.rate_limit().map(Budget::from)
    }

    pub fn share(&self) -> f64 {
        self.lock().share()
    }

    pub fn window_len(&self) -> Duration {
        self.lock().window_len()
    }

    /// Waits until a call may go (see [`PacerCore::decide`]).
    pub async fn acquire(&self, calls_left: usize) -> Permit<'_> {
        loop {
            let now = Instant::now();
            let observed = self.budget();
            let decision = self.lock().decide(now, observed, calls_left);
            match decision {
                Decision::Go => return Permit { pacer: self },
                Decision::Wait { until, reason } => {
                    let wait = until.saturating_duration_since(now);
                    if wait >= Duration::from_secs(1) {
                        (self.on_wait)(wait, reason);
                    }
                    tokio::time::sleep_until(until.into()).await;
                }
            }
        }
    }

    /// A 429 arrived: everyone waits until `until`.
    pub fn exhausted(&self, until: Instant) {
        self.lock().exhausted(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(now: Instant, remaining: u32, reset_s: u64) -> Budget {
        Budget {
            limit: 600,
            remaining,
            reset: Duration::from_secs(reset_s),
            resets_at: now + Duration::from_secs(reset_s),
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
        // After the reset, with only the stale report: one probe call, others wait.
        let t1 = b.resets_at + RESET_MARGIN;
        assert_eq!(p.decide(t1, Some(b), 20), Decision::Go);
        assert!(matches!(
            p.decide(t1, Some(b), 19),
            Decision::Wait {
                reason: WaitReason::Probe,
                ..
            }
        ));
        p.done();
        // The probe's answer opens the new window.
        let fresh = budget(t1, 599, 10);
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
        assert!(matches!(
            p.decide(t1, Some(b2), 1),
            Decision::Wait {
                reason: WaitReason::WindowSpent,
                ..
            }
        ));
    }

    #[test]
    fn a_429_stops_everyone_until_the_reset() {
        let t0 = Instant::now();
        let mut p = PacerCore::new(0.8);
        let b = budget(t0, 5000, 3600);
        assert_eq!(p.decide(t0, Some(b), 10), Decision::Go);
        p.done();
        let until = t0 + Duration::from_secs(5);
        p.exhausted(until);
        assert!(matches!(p.decide(t0, Some(b), 10), Decision::Wait { .. }));
    }

    #[test]
    fn no_headers_no_pacing() {
        let t0 = Instant::now();
        let mut p = PacerCore::new(0.8);
        for _ in 0..10 {
            assert_eq!(p.decide(t0, None, 10), Decision::Go);
        }
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
        assert_eq!(
            estimate(8, None, 0.8, Duration::ZERO, t0, ms(100), 4),
            ms(200)
        );
    }
}
