//! One user's calls: the work left for it (fresh, or what a journal says is left) and
//! the loop that sends each call until it is confirmed, refused or stopped, re-reading
//! before anything is resent.

use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::journal::{CallStatus, Journal, Record, RunLog, now_text};
use super::pacing::Pacer;
use super::plan::{Call, UserPlan, Values};
use super::progress::{Progress, UserOutcome};
use super::run_handle::RunHandle;
use super::versions::Versions;
use crate::api::{ApiError, Client, ErrorKind, RetryPolicy};

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

/// After a retryable failure: a 429 holds every worker until the window is over (and
/// the budget is read anew), a 502 for the retry's wait.
pub(super) fn on_retry(pacer: Option<&Pacer>, e: &ApiError, wait: Duration) {
    let Some(p) = pacer else {
        return;
    };
    if let ErrorKind::RateLimited { .. } = e.kind {
        p.exhausted(Instant::now() + wait);
    } else if e.http_status() == Some(502) {
        p.hold(Instant::now() + wait);
    }
}

/// A read through the pacer, retried by the bulk policy (no re-read needed:
/// reads change nothing).
pub async fn read_with_retry<T, F, Fut>(pacer: Option<&Pacer>, f: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    paced(pacer, RetryPolicy::BULK, Some(1), f).await
}

/// A read through the pacer, each try in its turn, retried by `policy`. `calls_left`: how
/// many calls the work still plans with this one, so the pacer can spread them; `None`
/// for a read someone waits for on its own (counted, never held back by the share).
pub async fn paced<T, F, Fut>(
    pacer: Option<&Pacer>,
    policy: RetryPolicy,
    calls_left: Option<usize>,
    mut f: F,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    policy
        .retry_notify(
            || {
                let call = f();
                async move {
                    let permit = match (pacer, calls_left) {
                        (Some(p), Some(n)) => Some(p.acquire(n).await),
                        (Some(p), None) => Some(p.acquire_now().await),
                        (None, _) => None,
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

pub(super) struct Ctx {
    pub(super) client: Client,
    pub(super) journal: Journal,
    pub(super) pacer: Pacer,
    pub(super) handle: RunHandle,
    pub(super) versions: Versions,
    pub(super) progress: Option<tokio::sync::mpsc::UnboundedSender<Progress>>,
    pub(super) calls_left: AtomicUsize,
    pub(super) calls_sent: AtomicUsize,
    pub(super) journal_error: Mutex<Option<String>>,
}

/// How one planned call ended.
pub(super) enum CallEnd {
    Ok,
    Failed { message: String, retryable: bool },
    Stopped,
}

/// What a user's own calls left for the role batches: (call index, sent before without
/// an answer).
pub(super) type Deferred = Vec<(usize, bool)>;

impl Ctx {
    pub(super) fn notice(&self, text: String) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(Progress::Notice(text));
        }
    }

    /// After a /2 call was refused: whether to send it again on /1 (the first refusal
    /// says so once; later calls are already on /1).
    pub(super) fn fall_back(&self, call: &Call, e: &ApiError) -> bool {
        if !call.uses_v2() {
            return false;
        }
        if let Some(why) = self.versions.refused(e) {
            self.notice(why);
            return true;
        }
        // Another user's call was refused first: this one goes to /1 too.
        !self.versions.use_v2() && super::versions::refuses_v2(e)
    }

    pub(super) async fn record(&self, rec: Record) -> bool {
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

    pub(super) fn call_settled(&self) {
        let _ = self
            .calls_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(1))
            });
    }

    /// The user's values of `call`'s keys, read now.
    async fn reread(&self, id: i64, call: &Call) -> Result<Values, ApiError> {
        super::plan_reads::read_values(&self.client, Some(&self.pacer), id, &call.keys()).await
    }

    /// Re-reads the user before a resend: what of `planned` is still missing, or the
    /// call's end when nothing is (settled ok, `applied` saying how it was seen) or the
    /// read failed.
    async fn still_missing(
        &self,
        id: i64,
        index: usize,
        planned: &Call,
        applied: &str,
    ) -> Result<Call, CallEnd> {
        match self.reread(id, planned).await {
            Ok(now) => match planned.remaining(&now) {
                None => Err(self.settle_ok(id, index, Some(applied)).await),
                Some(rest) => Ok(rest),
            },
            Err(e) => {
                let retryable = RetryPolicy::retryable(&e);
                Err(self.settle_failed(id, index, &e, retryable).await)
            }
        }
    }

    pub(super) async fn settle_ok(&self, id: i64, index: usize, note: Option<&str>) -> CallEnd {
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

    pub(super) async fn settle_failed(
        &self,
        id: i64,
        index: usize,
        e: &ApiError,
        retryable: bool,
    ) -> CallEnd {
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
    pub(super) async fn run_call(
        &self,
        id: i64,
        index: usize,
        planned: &Call,
        unconfirmed: bool,
    ) -> CallEnd {
        let mut call = planned.clone();
        if unconfirmed {
            // Sent before without a recorded answer: look before sending again.
            match self
                .still_missing(id, index, planned, "already applied (seen on re-read)")
                .await
            {
                Ok(rest) => call = rest,
                Err(end) => return end,
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
            let v1 = !self.versions.use_v2();
            let result = call.send(&self.client, id, v1).await;
            drop(permit);
            let e = match result {
                Ok(()) => return self.settle_ok(id, index, None).await,
                // /2 refused here: the same call again, on /1 (its values decide what is left).
                Err(e) if !v1 && self.fall_back(&call, &e) => continue,
                // A delete (or a device removal) that finds nothing: done if the re-read
                // agrees the target is gone, else the 404 stands.
                Err(e) if call.gone_may_be_done() && super::plan_reads::user_gone(&e) => {
                    return match self
                        .still_missing(id, index, planned, "already gone (seen on re-read)")
                        .await
                    {
                        Ok(_) => self.settle_failed(id, index, &e, false).await,
                        Err(end) => end,
                    };
                }
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
            match self
                .still_missing(id, index, planned, "applied; answer lost (seen on re-read)")
                .await
            {
                Ok(rest) => call = rest,
                Err(end) => return end,
            }
        }
    }

    /// The user's own calls, one after the other. Role changes that go in /2 batches are
    /// left for the runner to gather (`Deferred`); the outcome counts only the rest.
    pub(super) async fn run_user(
        self: Arc<Self>,
        work: UserWork,
    ) -> (UserWork, UserOutcome, Deferred) {
        let up = &work.plan;
        let mut deferred = Deferred::new();
        for (i, (index, unconfirmed)) in work.calls.iter().enumerate() {
            let batched = up
                .calls
                .get(*index)
                .is_some_and(|c| c.batch().is_some() && self.versions.use_v2());
            if batched {
                deferred.push((*index, *unconfirmed));
                continue;
            }
            if !self.handle.runnable().await {
                return (work, UserOutcome::NotDone, deferred);
            }
            let Some(planned) = up.calls.get(*index) else {
                continue;
            };
            match self.run_call(up.id, *index, planned, *unconfirmed).await {
                CallEnd::Ok => {}
                CallEnd::Stopped => return (work, UserOutcome::NotDone, deferred),
                CallEnd::Failed { message, retryable } => {
                    // The user's later calls are not sent.
                    for _ in &work.calls[i + 1..] {
                        self.call_settled();
                    }
                    let outcome = UserOutcome::Failed { message, retryable };
                    return (work, outcome, Deferred::new());
                }
            }
        }
        (work, UserOutcome::Done, deferred)
    }
}
