//! The rate budget of a run, and of the console's reads.
//!
//! OneLogin counts calls in a fixed window (5,000 an hour). A pacer takes at most `share`
//! of what remains when a window starts (so the console and other tools keep the rest),
//! counts its own calls against that allowance, spreads them over the window when it
//! cannot finish within it, and waits for the reset between chunks. A fixed window refills
//! all at once, so the allowance refills at the reset, not continuously: refilling
//! mid-window would spend calls the server has not given back yet.
//!
//! What remains when a window starts comes from the last answer's `X-RateLimit-*` headers
//! while they are fresh, else from `GET /auth/rate_limit`: answers need not carry the
//! headers (API /2's may not), and the pacer never relies on them after a reset. A server
//! that reports a window not started yet (reset 0) sees one call start it, then is read
//! again. A 429 holds everyone until the reset it gave (or the spent budget's, else the
//! retry's backoff) and has the budget read anew; a 502 holds everyone for the backoff.
//!
//! [`PacerCore`] is the pure decision (unit-tested with made-up clocks);
//! [`Pacer`] (`pacer.rs`) wraps it for concurrent workers and reads the budget when told to.

use std::time::{Duration, Instant};

pub use super::pacer::{Pacer, Permit};
pub use crate::api::RESET_MARGIN;
use crate::api::RateLimit;
/// How often a waiting worker looks again while another reads the budget.
const READ_POLL: Duration = Duration::from_millis(25);
/// After the budget could not be read, calls go unpaced this long before it is read again.
const UNREADABLE_RETRY: Duration = Duration::from_secs(60);
/// The documented window, for a server that keeps saying its window has not started.
const DOCUMENTED_WINDOW: Duration = Duration::from_secs(3600);

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
    /// Another worker reads the budget, or one call starts the server's window.
    Reading,
    /// The server answered 502: everyone backs off.
    Backoff,
}

impl WaitReason {
    pub fn describe(self) -> &'static str {
        match self {
            WaitReason::Spacing => "spreading calls over the rate-limit window",
            WaitReason::WindowSpent => {
                "this window's share of the rate budget is spent: waiting for the reset"
            }
            WaitReason::Reading => "reading the new rate budget",
            WaitReason::Backoff => "the server is overloaded (502): backing off",
        }
    }
}

/// What a worker should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Go,
    Wait {
        until: Instant,
        reason: WaitReason,
    },
    /// Read the budget (`GET /auth/rate_limit`) and hand it to [`PacerCore::read_done`];
    /// the other workers wait meanwhile.
    Read,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    ends: Instant,
    /// What the server said was left when the window opened.
    reported: u32,
    allowance: u32,
    spent: u32,
}

/// Where the pacer stands with the server's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Nothing known, or the window is over: the budget is read before a call goes.
    Unknown,
    /// One worker reads the budget; the others wait.
    Reading,
    /// The server's window has not started (it said reset 0): one call starts it, and
    /// the budget is read again once that call is answered.
    Starting {
        sent: bool,
    },
    Open(Window),
    /// The budget could not be read: calls go unpaced (the retry policy meets a 429)
    /// until `retry`, then it is read again.
    Unreadable {
        retry: Instant,
    },
}

/// The pure pacing state.
#[derive(Debug, Clone)]
pub struct PacerCore {
    share: f64,
    phase: Phase,
    in_flight: u32,
    max_in_flight: u32,
    last_send: Option<Instant>,
    /// The longest `reset` seen: the best guess of the window's length.
    window_len: Duration,
    /// The window's size, as last reported.
    limit: Option<u32>,
    /// Nothing goes before this (a 502's backoff).
    hold: Option<Instant>,
    /// A 429 came: the headers seen before it are not trusted to open the next window.
    must_read: bool,
    /// Windows started by a call in a row (the server kept saying reset 0).
    starts: u32,
    /// How long a call takes, smoothed.
    latency: Option<Duration>,
}

impl PacerCore {
    pub fn new(share: f64) -> PacerCore {
        PacerCore {
            share,
            phase: Phase::Unknown,
            in_flight: 0,
            max_in_flight: 0,
            last_send: None,
            window_len: Duration::ZERO,
            limit: None,
            hold: None,
            must_read: false,
            starts: 0,
            latency: None,
        }
    }

    pub fn share(&self) -> f64 {
        self.share
    }

    /// The longest window seen so far (zero before any report).
    pub fn window_len(&self) -> Duration {
        self.window_len
    }

    /// Calls left in this window's allowance, if a window is known.
    pub fn left_in_window(&self, now: Instant) -> Option<u32> {
        match self.phase {
            Phase::Open(w) if now < w.ends => Some(w.allowance.saturating_sub(w.spent)),
            _ => None,
        }
    }

    fn note(&mut self, b: &Budget) {
        self.window_len = self.window_len.max(b.reset);
        self.limit = Some(b.limit);
    }

    /// A window from a live report: this window's share of what remains, less what may
    /// be counted but not yet reported (`uncertain`).
    fn open(&mut self, b: &Budget, ends: Instant, uncertain: u32) -> Window {
        let w = Window {
            ends,
            reported: b.remaining,
            allowance: allowance(b.remaining, self.share).saturating_sub(uncertain),
            spent: 0,
        };
        self.phase = Phase::Open(w);
        self.starts = 0;
        w
    }

    /// May a call go now? `observed` is the budget the client last saw (headers, or the
    /// last read), `calls_left` how many calls the work still plans. A `Go` counts the call.
    pub fn decide(
        &mut self,
        now: Instant,
        observed: Option<Budget>,
        calls_left: usize,
    ) -> Decision {
        self.decide_as(now, observed, Some(calls_left))
    }

    /// As [`PacerCore::decide`] for a call someone waits for on its own (the console
    /// opening a user): counted like any other, but neither spread nor held back by the
    /// share (the rest of the budget is what the share keeps for it); it still waits for
    /// a read of the budget and a 502's backoff. Past the budget, the server's 429 says so.
    pub fn decide_now(&mut self, now: Instant, observed: Option<Budget>) -> Decision {
        self.decide_as(now, observed, None)
    }

    pub(super) fn decide_as(
        &mut self,
        now: Instant,
        observed: Option<Budget>,
        calls_left: Option<usize>,
    ) -> Decision {
        if let Some(b) = &observed {
            self.note(b);
        }
        if let Some(until) = self.hold {
            if now < until {
                return Decision::Wait {
                    until,
                    reason: WaitReason::Backoff,
                };
            }
            self.hold = None;
        }
        let window = match self.phase {
            Phase::Reading | Phase::Starting { sent: true } if self.busy() => {
                return Decision::Wait {
                    until: now + READ_POLL,
                    reason: WaitReason::Reading,
                };
            }
            Phase::Starting { sent: false } => {
                self.phase = Phase::Starting { sent: true };
                return self.go(now);
            }
            Phase::Unreadable { retry } if now < retry => return self.go(now),
            Phase::Open(w) if now < w.ends + RESET_MARGIN => w,
            _ => match observed.filter(|b| b.resets_at > now && !self.must_read) {
                // The window is over (or never was): a live report opens the next one. It
                // came with one answer: the calls sent beside it may be counted already.
                Some(b) => self.open(&b, b.resets_at, self.in_flight + self.max_in_flight),
                None => {
                    self.phase = Phase::Reading;
                    return Decision::Read;
                }
            },
        };
        let Some(calls_left) = calls_left else {
            return self.go(now);
        };
        let left = window.allowance.saturating_sub(window.spent);
        if left == 0 {
            return Decision::Wait {
                until: window.ends + RESET_MARGIN,
                reason: WaitReason::WindowSpent,
            };
        }
        if calls_left > left as usize {
            // This window cannot finish the work: spread its share until the reset.
            let spacing = window.ends.saturating_duration_since(now) / left;
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

    /// Whether the phase is still being settled: a read out, or the call that starts
    /// the window not answered yet.
    fn busy(&self) -> bool {
        match self.phase {
            Phase::Reading => true,
            Phase::Starting { sent: true } => self.in_flight > 0,
            _ => false,
        }
    }

    fn go(&mut self, now: Instant) -> Decision {
        if let Phase::Open(w) = &mut self.phase {
            w.spent += 1;
        }
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
        self.last_send = Some(now);
        Decision::Go
    }

    /// The budget read after a [`Decision::Read`]; `None` when it could not be read.
    pub fn read_done(&mut self, now: Instant, read: Option<Budget>) {
        self.must_read = false;
        let Some(b) = read else {
            self.phase = Phase::Unreadable {
                retry: now + UNREADABLE_RETRY,
            };
            return;
        };
        self.note(&b);
        // Every call answered before the read is in it; those in flight may not be yet.
        let uncertain = self.in_flight;
        if b.resets_at > now {
            self.open(&b, b.resets_at, uncertain);
        } else if self.starts == 0 {
            // The server's window starts at the next call: one call, then read again.
            self.starts += 1;
            self.phase = Phase::Starting { sent: false };
        } else {
            // Still not started after a call: assume the longest window seen.
            let len = if self.window_len.is_zero() {
                DOCUMENTED_WINDOW
            } else {
                self.window_len
            };
            self.open(&b, now + len, uncertain);
        }
    }

    /// The worker told to read gave up (it was cancelled): the next one reads.
    pub fn read_abandoned(&mut self) {
        if self.phase == Phase::Reading {
            self.phase = Phase::Unknown;
        }
    }

    /// A call that was let go has its answer (or failed).
    pub fn done(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// How long a call took (smoothed into the pace the ETA uses).
    pub fn record_latency(&mut self, took: Duration) {
        self.latency = Some(match self.latency {
            Some(old) => old.mul_f64(0.8) + took.mul_f64(0.2),
            None => took,
        });
    }

    /// How long a call takes, smoothed (none measured yet: zero).
    pub fn latency(&self) -> Duration {
        self.latency.unwrap_or_default()
    }

    /// A 429 arrived: nothing goes until `until` (its reset when it said one, or the
    /// spent budget's, else the retry's backoff), then the budget is read anew before the
    /// next call. The window known before is not waited for: the 429 may not be about it
    /// (a storm of 429s with a reset of seconds, or none at all, while the budget had calls
    /// left), and the read says whether it is spent.
    pub fn exhausted(&mut self, until: Instant) {
        let ends = match self.phase {
            // Another 429 of the same storm does not shorten the wait.
            Phase::Open(w) if w.allowance == 0 && self.must_read => w.ends.max(until),
            _ => until,
        };
        self.phase = Phase::Open(Window {
            ends,
            reported: 0,
            allowance: 0,
            spent: 0,
        });
        self.must_read = true;
    }

    /// A 502 arrived: nothing goes until `until`; the window is kept.
    pub fn hold(&mut self, until: Instant) {
        self.hold = Some(self.hold.map_or(until, |h| h.max(until)));
    }

    /// What is left of the budget this window as far as the pacer knows: the server's
    /// last live report, or what was read at the window's start less the calls counted
    /// since, whichever is lower.
    pub fn left(&self, now: Instant, observed: Option<Budget>) -> Option<Budget> {
        let counted = match self.phase {
            Phase::Open(w) if now < w.ends => Some(Budget {
                limit: self.limit.unwrap_or(w.reported),
                remaining: w.reported.saturating_sub(w.spent),
                reset: w.ends - now,
                resets_at: w.ends,
            }),
            _ => None,
        };
        let live = observed.filter(|b| b.resets_at > now);
        match (counted, live) {
            (Some(c), Some(l)) if l.remaining < c.remaining => Some(l),
            (Some(c), _) => Some(c),
            (None, l) => l,
        }
    }

    /// How long `calls` more will take at `per_call` each over `concurrency` workers,
    /// with the waits for resets this window's allowance and the next ones force.
    pub fn eta(
        &self,
        now: Instant,
        calls: usize,
        per_call: Duration,
        concurrency: usize,
    ) -> Duration {
        let work = |n: usize| per_call.mul_f64(n as f64 / concurrency.max(1) as f64);
        match (self.phase, self.limit) {
            (Phase::Open(w), Some(limit)) if now < w.ends => {
                let until_reset = w.ends - now;
                finish(
                    calls,
                    w.allowance.saturating_sub(w.spent) as usize,
                    until_reset,
                    allowance(limit, self.share).max(1) as usize,
                    self.window_len.max(until_reset),
                    work,
                )
            }
            _ => work(calls),
        }
    }
}

/// When `calls` are done: `first` of them fit before the reset `until_reset` from now,
/// then `per_window` in each window of `window_len`; the calls themselves take `work(n)`.
fn finish(
    calls: usize,
    first: usize,
    until_reset: Duration,
    per_window: usize,
    window_len: Duration,
    work: impl Fn(usize) -> Duration,
) -> Duration {
    if calls <= first {
        return work(calls);
    }
    let per_window = per_window.max(1);
    let rest = calls - first;
    let extra = rest.div_ceil(per_window);
    let wait = until_reset + window_len * (extra - 1) as u32;
    wait + work(rest - (extra - 1) * per_window)
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
    let per_window = allowance(b.limit, share).max(1) as usize;
    let len = window_len.max(b.reset);
    if b.resets_at <= now {
        // The window already refilled: whole windows from now.
        return finish(calls, per_window, len, per_window, len, work);
    }
    let first = allowance(b.remaining, share) as usize;
    finish(calls, first, b.resets_at - now, per_window, len, work)
}

#[cfg(test)]
#[path = "pacing_tests.rs"]
mod tests;
