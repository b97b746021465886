//! Running a plan: bounded (and changeable) concurrency, pacing, retries that
//! re-read before resending, a journal record around every call, pause /
//! resume / cancel through a [`RunHandle`], and [`Progress`] on a channel.
//!
//! A user is the unit of work: its calls go one after the other; up to
//! `concurrency` users are in flight. A 4xx other than 429 fails that user
//! alone; 5xx, network trouble and 429 are retried by [`RetryPolicy::BULK`]
//! (backoff with jitter; 429: until the reset when known). Because a write's answer
//! can be lost after the change was applied, every resend is preceded by a
//! re-read of the user, and only what is still missing is sent again.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::journal::{CallStatus, Journal, Record, RunLog, now_text};
use super::pacing::{self, Pacer};
use super::plan::{Call, UserPlan, Values};
use crate::api::{ApiError, Client, ErrorKind, RetryPolicy};
use crate::config::BulkSettings;

/// The most users in flight a run accepts.
pub const MAX_CONCURRENCY: usize = 64;

/// How a run runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    /// Users in flight at once (1..=64).
    pub concurrency: usize,
    /// Share of the remaining rate budget a run may spend (0 < share ≤ 1).
    pub max_budget_share: f64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            concurrency: 4,
            max_budget_share: 0.8,
        }
    }
}

impl RunOptions {
    pub fn from_settings(bulk: &BulkSettings) -> RunOptions {
        RunOptions {
            concurrency: bulk.concurrency.clamp(1, MAX_CONCURRENCY),
            max_budget_share: bulk.max_budget_share,
        }
    }
}

/// The state a [`RunHandle`] sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Running,
    /// No new call starts; calls in flight finish.
    Paused,
    /// Calls in flight finish, nothing else starts; the run can be resumed later.
    Cancelled,
}

#[derive(Debug)]
struct HandleInner {
    concurrency: watch::Sender<usize>,
    control: watch::Sender<Control>,
}

/// Steers a run from outside (the console's keys, the headless signal handler).
#[derive(Debug, Clone)]
pub struct RunHandle {
    inner: Arc<HandleInner>,
}

impl RunHandle {
    pub fn new(concurrency: usize) -> RunHandle {
        RunHandle {
            inner: Arc::new(HandleInner {
                concurrency: watch::Sender::new(concurrency.clamp(1, MAX_CONCURRENCY)),
                control: watch::Sender::new(Control::Running),
            }),
        }
    }

    /// Takes effect at once: more users start, or fewer once some finish.
    pub fn set_concurrency(&self, n: usize) {
        self.inner
            .concurrency
            .send_replace(n.clamp(1, MAX_CONCURRENCY));
    }

    pub fn concurrency(&self) -> usize {
        *self.inner.concurrency.borrow()
    }

    pub fn pause(&self) {
        self.inner.control.send_if_modified(|c| {
            let change = *c == Control::Running;
            if change {
                *c = Control::Paused;
            }
            change
        });
    }

    pub fn resume(&self) {
        self.inner.control.send_if_modified(|c| {
            let change = *c == Control::Paused;
            if change {
                *c = Control::Running;
            }
            change
        });
    }

    pub fn cancel(&self) {
        self.inner.control.send_replace(Control::Cancelled);
    }

    pub fn control(&self) -> Control {
        *self.inner.control.borrow()
    }

    /// Waits while paused; `false` once cancelled.
    async fn runnable(&self) -> bool {
        let mut rx = self.inner.control.subscribe();
        let result = rx.wait_for(|c| *c != Control::Paused).await;
        matches!(result.as_deref(), Ok(Control::Running))
    }

    /// Resolves once the run is cancelled.
    async fn cancelled(&self) {
        let mut rx = self.inner.control.subscribe();
        let _ = rx.wait_for(|c| *c == Control::Cancelled).await;
    }
}

/// How one user ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserOutcome {
    /// Every call is confirmed.
    Done,
    /// A call failed; `retryable` when a resume may still succeed.
    Failed { message: String, retryable: bool },
    /// Not (completely) sent: the run was stopped first.
    NotDone,
}

/// A user's calls still to run; `unconfirmed` calls were sent before without
/// a recorded answer and are re-read before anything is resent.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWork {
    pub plan: UserPlan,
    pub calls: Vec<(usize, bool)>,
}

impl UserWork {
    /// Every call, none sent yet.
    pub fn fresh(plan: UserPlan) -> UserWork {
        let calls = (0..plan.calls.len()).map(|i| (i, false)).collect();
        UserWork { plan, calls }
    }

    /// What a journal says is left: calls never sent, sent without an answer,
    /// or failed for a reason a retry may fix. A user with a call refused by
    /// the API (a 4xx) stays failed; users with everything confirmed are done.
    pub fn from_log(log: &RunLog) -> (Vec<UserWork>, Vec<(i64, UserOutcome)>) {
        let mut work = Vec::new();
        let mut settled = Vec::new();
        for up in &log.users {
            let statuses: Vec<CallStatus> =
                (0..up.calls.len()).map(|i| log.status(up.id, i)).collect();
            if let Some(CallStatus::Failed { error, .. }) = statuses.iter().find(|s| {
                matches!(
                    s,
                    CallStatus::Failed {
                        retryable: false,
                        ..
                    }
                )
            }) {
                settled.push((
                    up.id,
                    UserOutcome::Failed {
                        message: error.clone(),
                        retryable: false,
                    },
                ));
                continue;
            }
            let calls: Vec<(usize, bool)> = statuses
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match s {
                    CallStatus::Ok => None,
                    CallStatus::Pending => Some((i, false)),
                    CallStatus::Sent | CallStatus::Failed { .. } => Some((i, true)),
                })
                .collect();
            if calls.is_empty() {
                settled.push((up.id, UserOutcome::Done));
            } else {
                work.push(UserWork {
                    plan: up.clone(),
                    calls,
                });
            }
        }
        (work, settled)
    }
}

/// Counters for the progress line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProgressStats {
    pub users: usize,
    pub done: usize,
    pub failed: usize,
    pub remaining: usize,
    /// Write calls sent (attempts included).
    pub calls_sent: usize,
    pub calls_left: usize,
    pub calls_per_minute: f64,
    pub eta: Option<Duration>,
    pub elapsed: Duration,
    pub paused: bool,
    pub concurrency: usize,
}

/// What a run reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Started {
        run: String,
        users: usize,
        calls: usize,
    },
    /// A user finished (one way or another).
    User {
        id: i64,
        label: String,
        outcome: UserOutcome,
        stats: ProgressStats,
    },
    /// A worker waits for the rate budget.
    Waiting {
        wait: Duration,
        reason: String,
    },
    /// Once a second.
    Tick(ProgressStats),
    Finished(ProgressStats),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run: String,
    pub journal: std::path::PathBuf,
    /// Every user of the work given, in order.
    pub outcomes: Vec<(i64, UserOutcome)>,
    pub calls_sent: usize,
    pub elapsed: Duration,
    /// Cancelled (or signalled) before the end.
    pub stopped: bool,
    /// The journal could not be written: the run stopped.
    pub journal_error: Option<String>,
}

impl RunSummary {
    pub fn count(&self, f: impl Fn(&UserOutcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| f(o)).count()
    }
    pub fn done(&self) -> usize {
        self.count(|o| *o == UserOutcome::Done)
    }
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, UserOutcome::Failed { .. }))
    }
    pub fn not_done(&self) -> usize {
        self.count(|o| *o == UserOutcome::NotDone)
    }
}

/// After a retryable failure: a 429 holds every worker until the wait is over.
fn on_retry(pacer: Option<&Pacer>, e: &ApiError, wait: Duration) {
    if let (Some(p), ErrorKind::RateLimited { .. }) = (pacer, &e.kind) {
        p.exhausted(Instant::now() + wait);
    }
}

/// A read through the pacer, retried by the bulk policy (no re-read needed:
/// reads change nothing).
pub async fn read_with_retry<T, F, Fut>(pacer: Option<&Pacer>, mut f: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    RetryPolicy::BULK
        .retry_notify(
            || {
                let call = f();
                async move {
                    let permit = match pacer {
                        Some(p) => Some(p.acquire(1).await),
                        None => None,
                    };
                    let result = call.await;
                    drop(permit);
                    result
                }
            },
            |e, wait| on_retry(pacer, e, wait),
        )
        .await
}

/// The text a failed call leaves in the journal and the results: the
/// envelope's own words when there are some.
pub fn failure_text(e: &ApiError) -> String {
    match (e.http_status(), e.envelope_message()) {
        (Some(s), Some(m)) => format!("{s}: {m}"),
        _ => e.to_string(),
    }
}

struct Ctx {
    client: Client,
    journal: Journal,
    pacer: Pacer,
    handle: RunHandle,
    calls_left: AtomicUsize,
    calls_sent: AtomicUsize,
    journal_error: Mutex<Option<String>>,
}

enum CallEnd {
    Ok,
    Failed { message: String, retryable: bool },
    Stopped,
}

impl Ctx {
    async fn record(&self, rec: Record) -> bool {
        match self.journal.append(&rec).await {
            Ok(()) => true,
            Err(e) => {
                let mut slot = self.journal_error.lock().unwrap_or_else(|p| p.into_inner());
                slot.get_or_insert_with(|| e.to_string());
                // Without a journal nothing more may be sent.
                self.handle.cancel();
                false
            }
        }
    }

    fn call_settled(&self) {
        let _ = self
            .calls_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(1))
            });
    }

    /// The user's values of `call`'s keys, read now.
    async fn reread(&self, id: i64, call: &Call) -> Result<Values, ApiError> {
        let user = read_with_retry(Some(&self.pacer), || self.client.get_user(id)).await?;
        Ok(Values::of_user(&user, &call.keys()))
    }

    async fn settle_ok(&self, id: i64, index: usize, note: Option<&str>) -> CallEnd {
        self.call_settled();
        let rec = Record::Ok {
            user: id,
            call: index,
            at: now_text(),
            note: note.map(str::to_string),
        };
        if self.record(rec).await {
            CallEnd::Ok
        } else {
            CallEnd::Stopped
        }
    }

    async fn settle_failed(&self, id: i64, index: usize, e: &ApiError, retryable: bool) -> CallEnd {
        self.call_settled();
        let message = failure_text(e);
        let rec = Record::Failed {
            user: id,
            call: index,
            at: now_text(),
            error: message.clone(),
            http_status: e.http_status(),
            retryable,
        };
        if self.record(rec).await {
            CallEnd::Failed { message, retryable }
        } else {
            CallEnd::Stopped
        }
    }

    /// One planned call to its end: sent (and resent) until confirmed, refused, or stopped.
    async fn run_call(&self, up: &UserPlan, index: usize, unconfirmed: bool) -> CallEnd {
        let id = up.id;
        let Some(planned) = up.calls.get(index) else {
            return CallEnd::Ok;
        };
        let mut call = planned.clone();
        if unconfirmed {
            // Sent before without a recorded answer: look before sending again.
            match self.reread(id, planned).await {
                Ok(now) => match planned.remaining(&now) {
                    None => {
                        return self
                            .settle_ok(id, index, Some("already applied (seen on re-read)"))
                            .await;
                    }
                    Some(rest) => call = rest,
                },
                Err(e) => {
                    let retryable = RetryPolicy::retryable(&e);
                    return self.settle_failed(id, index, &e, retryable).await;
                }
            }
        }
        let policy = RetryPolicy::BULK;
        let mut schedule = policy.backoff();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let permit = tokio::select! {
                p = self.pacer.acquire(self.calls_left.load(Ordering::Relaxed)) => p,
                () = self.handle.cancelled() => return CallEnd::Stopped,
            };
            let sent = Record::Sent {
                user: id,
                call: index,
                attempt,
                at: now_text(),
            };
            if !self.record(sent).await {
                return CallEnd::Stopped;
            }
            self.calls_sent.fetch_add(1, Ordering::Relaxed);
            let result = call.send(&self.client, id).await;
            drop(permit);
            let e = match result {
                Ok(()) => return self.settle_ok(id, index, None).await,
                Err(e) if e.is_auth_failure() || e.is_insufficient_permission() => {
                    // The credential itself was refused (after the client's one
                    // renewal): every other user would fail the same way. Stop
                    // the run; a resume with fixed credentials retries this call.
                    self.handle.cancel();
                    return self.settle_failed(id, index, &e, true).await;
                }
                Err(e) if RetryPolicy::retryable(&e) => e,
                Err(e) => return self.settle_failed(id, index, &e, false).await,
            };
            let Some(delay) = policy.delay(&e, schedule.next()) else {
                return self.settle_failed(id, index, &e, true).await;
            };
            on_retry(Some(&self.pacer), &e, delay);
            tracing::debug!(user = id, call = index, attempt, error = %e, ?delay, "bulk call: retrying");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                // Left as `sent`: a resume re-reads this user first.
                () = self.handle.cancelled() => return CallEnd::Stopped,
            }
            // The answer may have been lost after the change was applied.
            match self.reread(id, planned).await {
                Ok(now) => match planned.remaining(&now) {
                    None => {
                        return self
                            .settle_ok(id, index, Some("applied; answer lost (seen on re-read)"))
                            .await;
                    }
                    Some(rest) => call = rest,
                },
                Err(re) => {
                    let retryable = RetryPolicy::retryable(&re);
                    return self.settle_failed(id, index, &re, retryable).await;
                }
            }
        }
    }

    async fn run_user(self: Arc<Self>, work: UserWork) -> (i64, String, UserOutcome) {
        let up = &work.plan;
        for (i, (index, unconfirmed)) in work.calls.iter().enumerate() {
            if !self.handle.runnable().await {
                return (up.id, up.label.clone(), UserOutcome::NotDone);
            }
            match self.run_call(up, *index, *unconfirmed).await {
                CallEnd::Ok => {}
                CallEnd::Stopped => return (up.id, up.label.clone(), UserOutcome::NotDone),
                CallEnd::Failed { message, retryable } => {
                    // The user's later calls are not sent.
                    for _ in &work.calls[i + 1..] {
                        self.call_settled();
                    }
                    return (
                        up.id,
                        up.label.clone(),
                        UserOutcome::Failed { message, retryable },
                    );
                }
            }
        }
        (up.id, up.label.clone(), UserOutcome::Done)
    }
}

/// Runs work against a tenant, journaling every call.
pub struct Runner {
    client: Client,
    journal: Journal,
    options: RunOptions,
    handle: RunHandle,
    progress: Option<mpsc::UnboundedSender<Progress>>,
}

impl Runner {
    pub fn new(client: Client, journal: Journal, options: RunOptions) -> Runner {
        let handle = RunHandle::new(options.concurrency);
        Runner {
            client,
            journal,
            options,
            handle,
            progress: None,
        }
    }

    /// Steer the run with this handle (clone it before).
    pub fn with_handle(mut self, handle: RunHandle) -> Runner {
        self.handle = handle;
        self
    }

    pub fn with_progress(mut self, tx: mpsc::UnboundedSender<Progress>) -> Runner {
        self.progress = Some(tx);
        self
    }

    pub fn handle(&self) -> RunHandle {
        self.handle.clone()
    }

    /// Runs `work` to the end (or until cancelled), journaling `stopped` or
    /// `finished` at the end.
    pub async fn run(self, work: Vec<UserWork>) -> RunSummary {
        let started = Instant::now();
        let progress = self.progress.clone();
        let emit = move |p: Progress| {
            if let Some(tx) = &progress {
                let _ = tx.send(p);
            }
        };
        let hook_tx = self.progress.clone();
        let pacer = Pacer::new(self.client.clone(), self.options.max_budget_share).with_wait_hook(
            move |wait, reason| {
                if let Some(tx) = &hook_tx {
                    let _ = tx.send(Progress::Waiting {
                        wait,
                        reason: reason.describe().to_string(),
                    });
                }
            },
        );
        let total_calls: usize = work.iter().map(|w| w.calls.len()).sum();
        let ctx = Arc::new(Ctx {
            client: self.client.clone(),
            journal: self.journal.clone(),
            pacer,
            handle: self.handle.clone(),
            calls_left: AtomicUsize::new(total_calls),
            calls_sent: AtomicUsize::new(0),
            journal_error: Mutex::new(None),
        });
        let order: Vec<i64> = work.iter().map(|w| w.plan.id).collect();
        let users = work.len();
        emit(Progress::Started {
            run: self.journal.run().to_string(),
            users,
            calls: total_calls,
        });

        let mut outcomes: HashMap<i64, UserOutcome> = HashMap::new();
        let mut queue: VecDeque<UserWork> = work.into();
        let mut tasks: JoinSet<(i64, String, UserOutcome)> = JoinSet::new();
        let mut control_rx = self.handle.inner.control.subscribe();
        let mut conc_rx = self.handle.inner.concurrency.subscribe();
        let second = Duration::from_secs(1);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + second, second);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

        let stats = |outcomes: &HashMap<i64, UserOutcome>, handle: &RunHandle| {
            let done = outcomes
                .values()
                .filter(|o| **o == UserOutcome::Done)
                .count();
            let failed = outcomes
                .values()
                .filter(|o| matches!(o, UserOutcome::Failed { .. }))
                .count();
            let elapsed = started.elapsed();
            let sent = ctx.calls_sent.load(Ordering::Relaxed);
            let left = ctx.calls_left.load(Ordering::Relaxed);
            let minutes = elapsed.as_secs_f64() / 60.0;
            let cpm = if minutes > 0.0 {
                sent as f64 / minutes
            } else {
                0.0
            };
            let conc = handle.concurrency();
            let eta = (sent > 0).then(|| {
                let per_call = elapsed.mul_f64(conc as f64 / sent as f64);
                pacing::estimate(
                    left,
                    ctx.pacer.budget(),
                    ctx.pacer.share(),
                    ctx.pacer.window_len(),
                    Instant::now(),
                    per_call,
                    conc,
                )
            });
            ProgressStats {
                users,
                done,
                failed,
                remaining: users.saturating_sub(done + failed),
                calls_sent: sent,
                calls_left: left,
                calls_per_minute: cpm,
                eta,
                elapsed,
                paused: handle.control() == Control::Paused,
                concurrency: conc,
            }
        };

        loop {
            let control = *control_rx.borrow_and_update();
            let limit = *conc_rx.borrow_and_update();
            if control == Control::Running {
                while tasks.len() < limit {
                    let Some(w) = queue.pop_front() else { break };
                    tasks.spawn(ctx.clone().run_user(w));
                }
            }
            if tasks.is_empty() && (queue.is_empty() || control == Control::Cancelled) {
                break;
            }
            tokio::select! {
                joined = tasks.join_next(), if !tasks.is_empty() => {
                    if let Some(Ok((id, label, outcome))) = joined {
                        outcomes.insert(id, outcome.clone());
                        emit(Progress::User { id, label, outcome, stats: stats(&outcomes, &self.handle) });
                    }
                }
                _ = control_rx.changed() => {}
                _ = conc_rx.changed() => {}
                _ = tick.tick() => emit(Progress::Tick(stats(&outcomes, &self.handle))),
            }
        }

        let final_stats = stats(&outcomes, &self.handle);
        let summary_outcomes: Vec<(i64, UserOutcome)> = order
            .iter()
            .map(|id| {
                (
                    *id,
                    outcomes.get(id).cloned().unwrap_or(UserOutcome::NotDone),
                )
            })
            .collect();
        let journal_error = ctx
            .journal_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let not_done = summary_outcomes
            .iter()
            .filter(|(_, o)| *o == UserOutcome::NotDone)
            .count();
        let retryable = summary_outcomes
            .iter()
            .filter(|(_, o)| {
                matches!(
                    o,
                    UserOutcome::Failed {
                        retryable: true,
                        ..
                    }
                )
            })
            .count();
        let stopped = not_done > 0;
        if journal_error.is_none() {
            let rec = if stopped || retryable > 0 {
                let reason = if stopped {
                    format!("stopped with {not_done} user(s) not done")
                } else {
                    format!("{retryable} user(s) failed on network or server errors")
                };
                Record::Stopped {
                    at: now_text(),
                    reason,
                }
            } else {
                Record::Finished {
                    at: now_text(),
                    done: final_stats.done,
                    failed: final_stats.failed,
                }
            };
            // A failure here is reported by the next resume reading the journal.
            let _ = self.journal.append(&rec).await;
        }
        emit(Progress::Finished(final_stats));
        RunSummary {
            run: self.journal.run().to_string(),
            journal: self.journal.path().to_path_buf(),
            outcomes: summary_outcomes,
            calls_sent: ctx.calls_sent.load(Ordering::Relaxed),
            elapsed: started.elapsed(),
            stopped,
            journal_error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handle_pause_resume_cancel() {
        let h = RunHandle::new(4);
        assert_eq!(h.concurrency(), 4);
        h.set_concurrency(0);
        assert_eq!(h.concurrency(), 1);
        h.set_concurrency(1000);
        assert_eq!(h.concurrency(), MAX_CONCURRENCY);
        h.pause();
        assert_eq!(h.control(), Control::Paused);
        let h2 = h.clone();
        let waiter = tokio::spawn(async move { h2.runnable().await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        h.resume();
        assert!(waiter.await.unwrap());
        h.cancel();
        h.resume(); // a cancelled run stays cancelled
        assert_eq!(h.control(), Control::Cancelled);
        assert!(!h.runnable().await);
    }
}
