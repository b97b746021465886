//! Running a plan: bounded (and changeable) concurrency, pacing, retries that
//! re-read before resending, a journal record around every call, pause /
//! resume / cancel through a [`RunHandle`], and [`Progress`] on a channel.
//!
//! A user is the unit of work: its calls go one after the other; up to
//! `concurrency` users are in flight. A 4xx other than 429 fails that user
//! alone; 5xx, network trouble and 429 are retried by
//! [`RetryPolicy::BULK`](crate::api::RetryPolicy::BULK)
//! (backoff with jitter; 429: until the reset when known). Because a write's answer
//! can be lost after the change was applied, every resend is preceded by a
//! re-read of the user, and only what is still missing is sent again.
//!
//! The parts, re-exported here: the [`RunHandle`] (`run_handle.rs`), what a run reports
//! (`progress.rs`), and one user's call loop (`user_calls.rs`); the [`Runner`] that joins
//! them is this file.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::call::ROLE_BATCH;
use super::journal::{Journal, Record, now_text};
use super::pacing::Pacer;
use super::role_batches::{Member, batches};
use super::user_calls::{CallEnd, Ctx, Deferred};
use super::versions::Versions;
use crate::api::Client;
use crate::config::{ApiMode, BulkSettings};

pub use super::progress::{Progress, ProgressStats, RunSummary, UserOutcome};
pub use super::run_handle::{Control, RunHandle};
pub use super::user_calls::{UserWork, failure_text, read_with_retry};

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

/// Runs work against a tenant, journaling every call.
pub struct Runner {
    client: Client,
    journal: Journal,
    options: RunOptions,
    handle: RunHandle,
    versions: Versions,
    progress: Option<mpsc::UnboundedSender<Progress>>,
}

/// A finished piece of a run: a user's own calls, or one role batch.
enum Job {
    User(Box<UserWork>, UserOutcome, Deferred),
    Batch(Vec<(Member, CallEnd)>),
}

/// A user whose own calls are done and whose role changes are in batches.
struct Waiting {
    label: String,
    calls_left: usize,
    outcome: UserOutcome,
}

impl Runner {
    pub fn new(client: Client, journal: Journal, options: RunOptions) -> Runner {
        let handle = RunHandle::new(options.concurrency);
        Runner {
            client,
            journal,
            options,
            handle,
            versions: Versions::new(ApiMode::Auto),
            progress: None,
        }
    }

    /// Which API versions the calls use (the service's, shared with its reads).
    pub fn with_versions(mut self, versions: Versions) -> Runner {
        self.versions = versions;
        self
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
        let total_calls = calls_of(&work, self.versions.use_v2());
        let ctx = Arc::new(Ctx {
            client: self.client.clone(),
            journal: self.journal.clone(),
            pacer,
            handle: self.handle.clone(),
            versions: self.versions.clone(),
            progress: self.progress.clone(),
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
        // Role changes gathered from users whose own calls are done, and the users waiting
        // for them.
        let mut members: Vec<Member> = Vec::new();
        let mut waiting: HashMap<i64, Waiting> = HashMap::new();
        let mut batch_queue: VecDeque<(i64, bool, Vec<Member>)> = VecDeque::new();
        let mut tasks: JoinSet<Job> = JoinSet::new();
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
            // Counted over a second at least: 20 calls in 7 ms are not 170,000 a minute.
            let minutes = elapsed.as_secs_f64().max(1.0) / 60.0;
            let cpm = sent as f64 / minutes;
            let conc = handle.concurrency();
            let eta = (sent > 0).then(|| {
                let per_call = elapsed.mul_f64(conc as f64 / sent as f64);
                // The pacer's own count: answers need not report the budget.
                ctx.pacer.eta(left, per_call, conc)
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
                    if let Some(w) = queue.pop_front() {
                        let ctx = ctx.clone();
                        tasks.spawn(async move {
                            let (w, outcome, deferred) = ctx.run_user(w).await;
                            Job::User(Box::new(w), outcome, deferred)
                        });
                        continue;
                    }
                    // Every user's own calls are done: then the role batches.
                    if tasks.is_empty() && batch_queue.is_empty() && !members.is_empty() {
                        batch_queue.extend(batches(std::mem::take(&mut members)));
                    }
                    let Some((role, given, batch)) = batch_queue.pop_front() else {
                        break;
                    };
                    let ctx = ctx.clone();
                    tasks.spawn(async move { Job::Batch(ctx.run_batch(role, given, batch).await) });
                }
            }
            let idle = queue.is_empty() && batch_queue.is_empty() && members.is_empty();
            if tasks.is_empty() && (idle || control == Control::Cancelled) {
                break;
            }
            tokio::select! {
                joined = tasks.join_next(), if !tasks.is_empty() => {
                    let settled = match joined {
                        Some(Ok(Job::User(w, outcome, deferred))) => {
                            let id = w.plan.id;
                            let label = w.plan.label.clone();
                            if outcome == UserOutcome::Done && !deferred.is_empty() {
                                waiting.insert(id, Waiting { label, calls_left: deferred.len(), outcome });
                                members.extend(deferred.into_iter().filter_map(|(index, unconfirmed)| {
                                    let call = w.plan.calls.get(index)?.clone();
                                    Some(Member { id, index, call, unconfirmed })
                                }));
                                Vec::new()
                            } else {
                                vec![(id, label, outcome)]
                            }
                        }
                        Some(Ok(Job::Batch(ends))) => batch_ended(&mut waiting, ends),
                        _ => Vec::new(),
                    };
                    for (id, label, outcome) in settled {
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

/// The calls `work` will send: each user's own, and one per [`ROLE_BATCH`] members of a
/// role batch while /2 is in use.
fn calls_of(work: &[UserWork], v2: bool) -> usize {
    let mut own = 0;
    let mut batched: HashMap<(i64, bool), usize> = HashMap::new();
    for w in work {
        for (index, _) in &w.calls {
            match w.plan.calls.get(*index).and_then(|c| c.batch()) {
                Some(key) if v2 => *batched.entry(key).or_default() += 1,
                _ => own += 1,
            }
        }
    }
    own + batched
        .values()
        .map(|n| n.div_ceil(ROLE_BATCH))
        .sum::<usize>()
}

/// A batch's members ended: the users with no role change left, and how they ended.
fn batch_ended(
    waiting: &mut HashMap<i64, Waiting>,
    ends: Vec<(Member, CallEnd)>,
) -> Vec<(i64, String, UserOutcome)> {
    let mut settled = Vec::new();
    for (m, end) in ends {
        let Some(w) = waiting.get_mut(&m.id) else {
            continue;
        };
        w.calls_left = w.calls_left.saturating_sub(1);
        match end {
            CallEnd::Ok => {}
            CallEnd::Stopped if w.outcome == UserOutcome::Done => w.outcome = UserOutcome::NotDone,
            CallEnd::Failed { message, retryable }
                if !matches!(w.outcome, UserOutcome::Failed { .. }) =>
            {
                w.outcome = UserOutcome::Failed { message, retryable };
            }
            _ => {}
        }
        if w.calls_left == 0
            && let Some(w) = waiting.remove(&m.id)
        {
            settled.push((m.id, w.label, w.outcome));
        }
    }
    settled
}
