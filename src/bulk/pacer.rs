//! [`PacerCore`] shared by concurrent workers: each call waits its turn, and the worker
//! told to read the budget reads it (`GET /auth/rate_limit`) while the others wait.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::pacing::{Budget, Decision, PacerCore, WaitReason};
use crate::api::Client;

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
    sent: Instant,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut core = self.pacer.lock();
        core.done();
        core.record_latency(self.sent.elapsed());
    }
}

/// A budget read in progress; dropped unfinished (the worker was cancelled), it lets
/// the next worker read.
struct ReadTurn<'a> {
    pacer: &'a Pacer,
    finished: bool,
}

impl Drop for ReadTurn<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.pacer.lock().read_abandoned();
        }
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

    /// The budget the client last saw (headers, or the last read).
    pub fn budget(&self) -> Option<Budget> {
        self.client.rate_limit().map(Budget::from)
    }

    /// What is left this window as far as the pacer knows (see [`PacerCore::left`]).
    pub fn left(&self) -> Option<Budget> {
        let observed = self.budget();
        self.lock().left(Instant::now(), observed)
    }

    pub fn share(&self) -> f64 {
        self.lock().share()
    }

    pub fn window_len(&self) -> Duration {
        self.lock().window_len()
    }

    /// How long a call takes, smoothed.
    pub fn latency(&self) -> Duration {
        self.lock().latency()
    }

    /// How long `calls` more will take (see [`PacerCore::eta`]).
    pub fn eta(&self, calls: usize, per_call: Duration, concurrency: usize) -> Duration {
        self.lock()
            .eta(Instant::now(), calls, per_call, concurrency)
    }

    /// Waits until a call may go (see [`PacerCore::decide`]), reading the budget when
    /// the pacer is told to.
    pub async fn acquire(&self, calls_left: usize) -> Permit<'_> {
        self.acquire_as(Some(calls_left)).await
    }

    /// As [`Pacer::acquire`] for a call someone waits for on its own
    /// (see [`PacerCore::decide_now`]).
    pub async fn acquire_now(&self) -> Permit<'_> {
        self.acquire_as(None).await
    }

    async fn acquire_as(&self, calls_left: Option<usize>) -> Permit<'_> {
        loop {
            let now = Instant::now();
            let observed = self.budget();
            let decision = self.lock().decide_as(now, observed, calls_left);
            match decision {
                Decision::Go => {
                    return Permit {
                        pacer: self,
                        sent: now,
                    };
                }
                Decision::Read => self.read_budget().await,
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

    /// `GET /auth/rate_limit`, handed to the core.
    async fn read_budget(&self) {
        let mut turn = ReadTurn {
            pacer: self,
            finished: false,
        };
        let read = match self.client.rate_limit_status().await {
            Ok(rl) => Some(Budget::from(rl)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the rate budget: pacing without it for a while");
                None
            }
        };
        self.lock().read_done(Instant::now(), read);
        turn.finished = true;
    }

    /// A 429 arrived: everyone waits until `until` (and the window's end).
    pub fn exhausted(&self, until: Instant) {
        self.lock().exhausted(until);
    }

    /// A 502 arrived: everyone waits until `until`.
    pub fn hold(&self, until: Instant) {
        self.lock().hold(until);
    }
}
