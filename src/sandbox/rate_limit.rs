//! The account's API /1 rate limit: a fixed window that starts at the first
//! counted call, and the 429 answer when it is spent.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

/// What a successful /1 answer reports about the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Seconds until the window refills (rounded up).
    pub(crate) reset: u64,
}

impl RateHeaders {
    pub(crate) fn apply(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset));
    }
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u32,
    window: Duration,
    started: Option<Instant>,
    used: u32,
}

impl RateLimiter {
    pub(crate) fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            started: None,
            used: 0,
        }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    pub(crate) fn window(&self) -> Duration {
        self.window
    }

    fn roll(&mut self, now: Instant) {
        if let Some(started) = self.started
            && now.saturating_duration_since(started) >= self.window
        {
            self.started = None;
            self.used = 0;
        }
    }

    fn headers(&self, now: Instant) -> RateHeaders {
        let reset = match self.started {
            Some(started) => {
                let left = (started + self.window).saturating_duration_since(now);
                let secs = left.as_secs();
                if left.subsec_nanos() > 0 {
                    secs + 1
                } else {
                    secs
                }
            }
            None => 0,
        };
        RateHeaders {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            reset,
        }
    }

    /// Counts one call; `None` when the window is spent (the call must be refused).
    pub(crate) fn take(&mut self, now: Instant) -> Option<RateHeaders> {
        self.roll(now);
        if self.started.is_none() {
            self.started = Some(now);
        }
        if self.used >= self.limit {
            return None;
        }
        self.used += 1;
        Some(self.headers(now))
    }

    /// The state of the window without counting a call.
    pub(crate) fn peek(&mut self, now: Instant) -> RateHeaders {
        self.roll(now);
        self.headers(now)
    }
}

/// The 429 answer: HTML, no Retry-After, no rate-limit headers.
pub(crate) fn too_many_requests() -> Response {
    let mut resp = Response::new(Body::from(
        "<html><body><h1>429 Too Many Requests</h1>You have sent too many requests in a given amount of time.</body></html>\n",
    ));
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_counts_down_and_refills() {
        let mut r = RateLimiter::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        let a = r.take(t0).unwrap();
        assert_eq!((a.limit, a.remaining, a.reset), (2, 1, 10));
        let b = r.take(t0 + Duration::from_millis(1500)).unwrap();
        assert_eq!((b.remaining, b.reset), (0, 9));
        assert!(r.take(t0 + Duration::from_secs(2)).is_none());
        let c = r.take(t0 + Duration::from_secs(10)).unwrap();
        assert_eq!((c.remaining, c.reset), (1, 10));
    }
}
