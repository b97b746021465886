//! The one retry policy: which failures are tried again, and how long to wait.
//!
//! Server errors (5xx), network trouble and 429 are retried; everything else
//! is an answer. The wait is exponential backoff with jitter (backon), except
//! after a 429 that says when the budget comes back (`Retry-After`,
//! `X-RateLimit-Reset`, or the budget seen in earlier answers): then the wait
//! is that reset plus a margin, so a spent budget is waited for, not hammered.
//! An interactive read and a bulk run differ only in their numbers.

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder, Retryable};

use super::envelope::ApiError;

/// Slack after a rate-limit reset before the budget is trusted to be back.
pub const RESET_MARGIN: Duration = Duration::from_millis(300);

/// How many tries and how long the waits may be; the rule itself is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first.
    pub retries: usize,
    /// The first backoff delay (before jitter).
    pub min_delay: Duration,
    /// The longest backoff delay (before jitter).
    pub max_delay: Duration,
    /// The longest wait for a rate-limit reset; a later reset is given up on at once.
    pub max_reset_wait: Duration,
}

impl RetryPolicy {
    /// The console's reads: someone is watching, so few tries and short waits;
    /// a budget that comes back within seconds is waited for, a later one is reported.
    pub const INTERACTIVE: RetryPolicy = RetryPolicy {
        retries: 2,
        min_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_reset_wait: Duration::from_secs(10),
    };

    /// A bulk run: unattended and journaled, so patient; it waits for the reset however far.
    pub const BULK: RetryPolicy = RetryPolicy {
        retries: 8,
        min_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(10),
        max_reset_wait: Duration::MAX,
    };

    /// Whether `e` is worth another try at all.
    pub fn retryable(e: &ApiError) -> bool {
        e.is_retryable()
    }

    /// The backoff schedule: one delay a retry, `None` once the tries are spent.
    pub fn backoff(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.retries)
            .build()
    }

    /// The wait before trying again after `e`, given the schedule's next delay
    /// (`None` when spent); `None` means give up. This is backon's `adjust` hook.
    pub fn delay(&self, e: &ApiError, next: Option<Duration>) -> Option<Duration> {
        let next = next?;
        if !Self::retryable(e) {
            return None;
        }
        match e.retry_after() {
            // A 429 that says when the budget is back: that, or nothing if too far.
            Some(reset) => {
                let wait = reset.saturating_add(RESET_MARGIN);
                (wait <= self.max_reset_wait).then_some(wait)
            }
            None => Some(next),
        }
    }

    /// Runs `call` until it succeeds, fails for good, or the tries are spent.
    pub async fn retry<T, F, Fut>(&self, call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        self.retry_notify(call, |_, _| {}).await
    }

    /// As [`RetryPolicy::retry`]; `on_wait` hears of each wait before it starts.
    pub async fn retry_notify<T, F, Fut>(
        &self,
        call: F,
        mut on_wait: impl FnMut(&ApiError, Duration),
    ) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let policy = *self;
        call.retry(self.backoff())
            .when(Self::retryable)
            .adjust(move |e, next| policy.delay(e, next))
            .notify(|e, wait| {
                tracing::debug!(error = %e, ?wait, "retrying");
                on_wait(e, wait);
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorKind;

    fn err(kind: ErrorKind) -> ApiError {
        ApiError {
            kind,
            method: "GET".into(),
            url: "http://127.0.0.1:1/api/1/users".into(),
        }
    }

    fn rate_limited(reset: Option<Duration>) -> ApiError {
        err(ErrorKind::RateLimited {
            http_status: 429,
            reset,
            body_start: String::new(),
        })
    }

    fn server_error() -> ApiError {
        err(ErrorKind::UnexpectedBody {
            http_status: 502,
            content_type: Some("text/html".into()),
            body_start: "<html>".into(),
        })
    }

    #[test]
    fn schedules_are_bounded() {
        for p in [RetryPolicy::INTERACTIVE, RetryPolicy::BULK] {
            let delays: Vec<Duration> = p.backoff().collect();
            assert_eq!(delays.len(), p.retries);
            // Jitter adds at most the delay itself.
            assert!(delays.iter().all(|d| *d <= p.max_delay * 2), "{delays:?}");
        }
    }

    #[test]
    fn a_known_reset_is_waited_for_instead_of_the_backoff() {
        let ms = Duration::from_millis;
        let e = rate_limited(Some(Duration::from_secs(4)));
        assert_eq!(
            RetryPolicy::INTERACTIVE.delay(&e, Some(ms(200))),
            Some(Duration::from_secs(4) + RESET_MARGIN)
        );
        // Too far for someone watching; a bulk run waits.
        let far = rate_limited(Some(Duration::from_secs(1800)));
        assert_eq!(RetryPolicy::INTERACTIVE.delay(&far, Some(ms(200))), None);
        assert_eq!(
            RetryPolicy::BULK.delay(&far, Some(ms(200))),
            Some(Duration::from_secs(1800) + RESET_MARGIN)
        );
        // Nothing says when: the backoff.
        assert_eq!(
            RetryPolicy::BULK.delay(&rate_limited(None), Some(ms(200))),
            Some(ms(200))
        );
    }

    #[test]
    fn spent_tries_and_final_answers_give_up() {
        let ms = Duration::from_millis;
        assert_eq!(RetryPolicy::BULK.delay(&server_error(), None), None);
        assert_eq!(
            RetryPolicy::BULK.delay(&server_error(), Some(ms(300))),
            Some(ms(300))
        );
        let refused = err(ErrorKind::Config("no".into()));
        assert_eq!(RetryPolicy::BULK.delay(&refused, Some(ms(300))), None);
    }
}
