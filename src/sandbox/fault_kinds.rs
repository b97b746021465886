//! The fault kinds beside `fault_rate` (issue 13's fault matrix), and when each strikes.
//!
//! Per-request kinds (resets, truncated bodies, non-JSON bodies, latency spikes) are drawn
//! from the seed and the sandbox's count of `/api/` requests, like `fault_rate`'s mix, so a
//! seed replays the same sequence. Windows (429 storms, outages) and token revocations
//! begin at fixed request counts, so a run meets them at the same point every time.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The longest latency spike unless told otherwise (each spike lasts half of it to all of it):
/// several seconds, well below the client's 30 s timeout.
pub const DEFAULT_SPIKE: Duration = Duration::from_secs(4);

/// A window that opens after `every` `/api/` requests, stays open `length`, and opens
/// again `every` requests after it closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub every: u64,
    pub length: Duration,
}

/// Faults beside `fault_rate`'s mix of 500s, 502s, drops and slow answers. Every kind is
/// off by default; rates are shares (0.0..=1.0) of `/api/` requests, drawn in this order
/// from one roll per request (so their sum is best kept below 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// The connection is reset (TCP RST) partway through the answer's body. A write is
    /// applied first (its answer is lost), or half the time reset before it is handled.
    pub reset_rate: f64,
    /// The body is cut short: a `Content-Length` longer than what is sent (the connection
    /// then closes), or a complete message whose JSON stops halfway. Writes: half applied.
    pub truncate_rate: f64,
    /// A 200 whose body is an HTML page or bytes that are no JSON. Writes: half applied.
    pub garbage_rate: f64,
    /// The answer (the change applied) is held back a while before it is sent.
    pub spike_rate: f64,
    /// The longest spike; each lasts between half of it and all of it.
    pub spike: Duration,
    /// 429 storms: every `/api/` call is refused with 429 for the window's length.
    pub storm: Option<Window>,
    /// Whether a storm's 429s carry the documented `X-RateLimit-*` headers (remaining 0,
    /// reset: seconds until the storm ends; `GET /auth/rate_limit` says the same while it
    /// lasts), or no header at all (the observed HTML 429).
    pub storm_headers: bool,
    /// Every issued token stops working each time this many `/api/` requests have come.
    pub revoke_every: Option<u64>,
    /// Outages: the listener is closed (connections refused at the TCP level) and every
    /// open connection dropped for the window's length, then the same port is bound again.
    pub outage: Option<Window>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            reset_rate: 0.0,
            truncate_rate: 0.0,
            garbage_rate: 0.0,
            spike_rate: 0.0,
            spike: DEFAULT_SPIKE,
            storm: None,
            storm_headers: true,
            revoke_every: None,
            outage: None,
        }
    }
}

impl Faults {
    /// Whether any kind is on.
    pub fn any(&self) -> bool {
        self.reset_rate > 0.0
            || self.truncate_rate > 0.0
            || self.garbage_rate > 0.0
            || self.spike_rate > 0.0
            || self.storm.is_some()
            || self.revoke_every.is_some()
            || self.outage.is_some()
    }

    /// One line for the sandbox's summary.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let pct = |r: f64| format!("{:.1}%", r * 100.0);
        if self.reset_rate > 0.0 {
            parts.push(format!("resets {}", pct(self.reset_rate)));
        }
        if self.truncate_rate > 0.0 {
            parts.push(format!("truncated {}", pct(self.truncate_rate)));
        }
        if self.garbage_rate > 0.0 {
            parts.push(format!("non-JSON {}", pct(self.garbage_rate)));
        }
        if self.spike_rate > 0.0 {
            parts.push(format!(
                "spikes {} up to {} ms",
                pct(self.spike_rate),
                self.spike.as_millis()
            ));
        }
        if let Some(w) = self.storm {
            parts.push(format!(
                "429 storm of {} s every {} calls ({})",
                w.length.as_secs_f64(),
                w.every,
                if self.storm_headers {
                    "with X-RateLimit-*"
                } else {
                    "no headers"
                }
            ));
        }
        if let Some(n) = self.revoke_every {
            parts.push(format!("tokens revoked every {n} calls"));
        }
        if let Some(w) = self.outage {
            parts.push(format!(
                "outage of {} s every {} calls",
                w.length.as_secs_f64(),
                w.every
            ));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

fn share(rate: f64) -> f64 {
    if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// A fault of one request, drawn from the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strike {
    /// Reset mid-body (`after`: a write is applied first).
    Reset {
        after: bool,
    },
    /// `long_length`: a Content-Length longer than the body sent; else JSON cut short.
    Truncate {
        after: bool,
        long_length: bool,
    },
    /// `html`: an HTML page; else bytes that are no JSON under a JSON content type.
    Garbage {
        after: bool,
        html: bool,
    },
    Spike(Duration),
}

/// Where a window stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tracker {
    next_at: u64,
    until: Option<Instant>,
}

impl Tracker {
    fn new(every: u64, counter: u64) -> Tracker {
        Tracker {
            next_at: counter.saturating_add(every.max(1)),
            until: None,
        }
    }

    /// The end of the window open at request `n`, opening it if its count is reached.
    fn open_at(&mut self, w: Window, n: u64, now: Instant) -> Option<Instant> {
        if let Some(until) = self.until {
            if now < until {
                return Some(until);
            }
            self.until = None;
            self.next_at = n.saturating_add(w.every.max(1));
        }
        if n >= self.next_at {
            let until = now + w.length;
            self.until = Some(until);
            return Some(until);
        }
        None
    }
}

/// What the window kinds say about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Windows {
    /// A storm is on until then.
    pub(crate) storm: Option<Instant>,
    /// Every token is revoked before this request is looked at.
    pub(crate) revoke: bool,
    /// An outage begins with this request.
    pub(crate) outage: bool,
}

/// The kinds' configuration and where their windows stand.
#[derive(Debug)]
pub(crate) struct KindState {
    faults: Faults,
    storm: Option<Tracker>,
    outage: Option<Tracker>,
    /// A storm begun by hand ([`KindState::storm_now`]): until then, with headers or not.
    manual_storm: Option<(Instant, bool)>,
}

impl KindState {
    pub(crate) fn new(faults: Faults) -> KindState {
        let mut k = KindState {
            faults: Faults::default(),
            storm: None,
            outage: None,
            manual_storm: None,
        };
        k.set(faults, 0);
        k
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// New kinds from request `counter` on: windows count from here.
    pub(crate) fn set(&mut self, faults: Faults, counter: u64) {
        self.storm = faults.storm.map(|w| Tracker::new(w.every, counter));
        self.outage = faults.outage.map(|w| Tracker::new(w.every, counter));
        self.faults = faults;
    }

    /// Every `/api/` call refused with 429 from now until `now + length`.
    pub(crate) fn storm_now(&mut self, now: Instant, length: Duration, headers: bool) {
        self.manual_storm = Some((now + length, headers));
    }

    /// A storm on at `now`: its end and whether its 429s carry headers.
    pub(crate) fn storm_at(&self, now: Instant) -> Option<(Instant, bool)> {
        if let Some((until, headers)) = self.manual_storm
            && now < until
        {
            return Some((until, headers));
        }
        match self.storm {
            Some(Tracker {
                until: Some(until), ..
            }) if now < until => Some((until, self.faults.storm_headers)),
            _ => None,
        }
    }

    /// The windows at request `n` (counted from 1).
    pub(crate) fn windows(&mut self, n: u64, now: Instant) -> Windows {
        let mut out = Windows::default();
        if let (Some(w), Some(t)) = (self.faults.storm, self.storm.as_mut()) {
            out.storm = t.open_at(w, n, now);
        }
        if let Some((until, _)) = self.manual_storm
            && now < until
        {
            out.storm = Some(out.storm.map_or(until, |u| u.max(until)));
        }
        if let Some(every) = self.faults.revoke_every {
            out.revoke = every > 0 && n > 0 && n.is_multiple_of(every);
        }
        if let (Some(w), Some(t)) = (self.faults.outage, self.outage.as_mut()) {
            // An outage is begun once; the gate keeps it (the count stands still meanwhile).
            if n >= t.next_at {
                t.next_at = n.saturating_add(w.every.max(1));
                out.outage = true;
            }
        }
        out
    }

    /// The per-request fault of request `n`, if one strikes.
    pub(crate) fn strike(&self, seed: u64, n: u64, write: bool) -> Option<Strike> {
        let f = &self.faults;
        let rates = [
            share(f.reset_rate),
            share(f.truncate_rate),
            share(f.garbage_rate),
            share(f.spike_rate),
        ];
        if rates.iter().all(|r| *r <= 0.0) {
            return None;
        }
        let mut rng = StdRng::seed_from_u64(
            seed.rotate_left(29) ^ n.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ 0x6b1d_5eed,
        );
        let roll = rng.random::<f64>();
        let mut edge = 0.0;
        let mut kind = None;
        for (i, r) in rates.iter().enumerate() {
            edge += r;
            if roll < edge {
                kind = Some(i);
                break;
            }
        }
        let after = !write || rng.random_bool(0.5);
        let coin = rng.random_bool(0.5);
        Some(match kind? {
            0 => Strike::Reset { after },
            1 => Strike::Truncate {
                after,
                long_length: coin,
            },
            2 => Strike::Garbage { after, html: coin },
            _ => {
                let max = if f.spike.is_zero() {
                    DEFAULT_SPIKE
                } else {
                    f.spike
                };
                Strike::Spike(rng.random_range(max / 2..=max))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strikes_follow_the_seed_and_the_rates() {
        let k = KindState::new(Faults {
            reset_rate: 0.1,
            truncate_rate: 0.1,
            garbage_rate: 0.1,
            spike_rate: 0.1,
            ..Faults::default()
        });
        let run = |seed| {
            (1..=4000)
                .map(|n| k.strike(seed, n, true))
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let n = a.iter().flatten().count();
        assert!((1400..1800).contains(&n), "{n}");
        let count = |f: fn(&Strike) -> bool| a.iter().flatten().filter(|s| f(s)).count();
        assert!(count(|s| matches!(s, Strike::Reset { after: true })) > 100);
        assert!(count(|s| matches!(s, Strike::Reset { after: false })) > 100);
        assert!(
            count(|s| matches!(
                s,
                Strike::Truncate {
                    long_length: true,
                    ..
                }
            )) > 100
        );
        assert!(count(|s| matches!(s, Strike::Garbage { html: false, .. })) > 100);
        assert!(count(|s| matches!(s, Strike::Spike(d) if *d >= DEFAULT_SPIKE / 2)) > 300);
        // Reads have nothing to apply: always "after" (the real answer is cut).
        assert!(
            (1..=500)
                .filter_map(|n| k.strike(7, n, false))
                .all(|s| !matches!(s, Strike::Reset { after: false }))
        );
        assert!((1..=100).all(|n| {
            KindState::new(Faults::default())
                .strike(1, n, true)
                .is_none()
        }));
    }

    #[test]
    fn windows_open_at_their_counts() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut k = KindState::new(Faults {
            storm: Some(Window {
                every: 10,
                length: ms(100),
            }),
            revoke_every: Some(4),
            outage: Some(Window {
                every: 7,
                length: ms(50),
            }),
            ..Faults::default()
        });
        assert_eq!(k.windows(9, t0).storm, None);
        let until = k.windows(10, t0).storm.unwrap();
        assert_eq!(until, t0 + ms(100));
        // Open whatever the count while it lasts; then 10 more requests.
        assert_eq!(k.windows(11, t0 + ms(50)).storm, Some(until));
        assert_eq!(k.storm_at(t0 + ms(50)), Some((until, true)));
        assert_eq!(k.windows(12, t0 + ms(100)).storm, None);
        assert_eq!(k.windows(21, t0 + ms(101)).storm, None);
        assert!(k.windows(22, t0 + ms(102)).storm.is_some());
        let revoked: Vec<u64> = (1..=12).filter(|n| k.windows(*n, t0).revoke).collect();
        assert_eq!(revoked, [4, 8, 12]);
        let mut k = KindState::new(Faults {
            outage: Some(Window {
                every: 7,
                length: ms(50),
            }),
            ..Faults::default()
        });
        let outages: Vec<u64> = (1..=21).filter(|n| k.windows(*n, t0).outage).collect();
        assert_eq!(outages, [7, 14, 21]);
    }
}
