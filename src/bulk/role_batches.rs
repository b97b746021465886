//! Role changes gathered across users: one `POST` (or `DELETE`) on
//! `/api/2/roles/:id/users` gives (or takes) a role to up to [`ROLE_BATCH`] users. Each
//! member is journaled like a call of its own (`sent`, then `ok` or `failed`), so a
//! resume knows where every user stands; a resend is preceded by a re-read of the
//! role's members, and only those still missing are sent again.
//!
//! A batch the API refuses for a reason other than the network or the budget is split:
//! each member is sent on its own, so one bad user fails alone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::call::{Call, ROLE_BATCH};
use super::journal::{Record, now_text};
use super::user_calls::{CallEnd, Ctx, read_with_retry};
use crate::api::{ApiError, RetryPolicy};

/// One user's role change in a batch.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub id: i64,
    /// The call's index in the user's plan.
    pub index: usize,
    pub call: Call,
    /// Sent before without a recorded answer.
    pub unconfirmed: bool,
}

/// Members grouped by (role, given?) and cut into batches of [`ROLE_BATCH`].
pub(super) fn batches(members: Vec<Member>) -> Vec<(i64, bool, Vec<Member>)> {
    let mut groups: std::collections::BTreeMap<(i64, bool), Vec<Member>> = Default::default();
    for m in members {
        if let Some(key) = m.call.batch() {
            groups.entry(key).or_default().push(m);
        }
    }
    groups
        .into_iter()
        .flat_map(|((role, given), members)| {
            members
                .chunks(ROLE_BATCH)
                .map(|chunk| (role, given, chunk.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Ctx {
    /// One batch to its end: how each member's call ended.
    pub(super) async fn run_batch(
        self: Arc<Self>,
        role: i64,
        given: bool,
        members: Vec<Member>,
    ) -> Vec<(Member, CallEnd)> {
        let mut ended = Vec::new();
        let mut pending = members;
        if pending.iter().any(|m| m.unconfirmed) {
            // Sent before without a recorded answer: look before sending again.
            match self
                .members_missing(role, given, pending, "already applied (seen on re-read)")
                .await
            {
                Ok((left, settled)) => {
                    pending = left;
                    ended.extend(settled);
                }
                Err(all) => return all,
            }
        }
        let policy = RetryPolicy::BULK;
        let mut schedule = policy.backoff();
        let mut attempt = 0;
        while !pending.is_empty() {
            if !self.versions.use_v2() {
                // /2 was refused: each member on its own, on /1.
                ended.extend(self.one_by_one(pending).await);
                return ended;
            }
            attempt += 1;
            let permit = tokio::select! {
                p = self.pacer.acquire(self.calls_left.load(Ordering::Relaxed)) => p,
                () = self.handle.cancelled() => {
                    ended.extend(pending.into_iter().map(|m| (m, CallEnd::Stopped)));
                    return ended;
                }
            };
            for m in &pending {
                let sent = Record::Sent {
                    user: m.id,
                    call: m.index,
                    attempt,
                    at: now_text(),
                };
                if !self.record(sent).await {
                    ended.extend(pending.into_iter().map(|m| (m, CallEnd::Stopped)));
                    return ended;
                }
            }
            self.calls_sent.fetch_add(1, Ordering::Relaxed);
            let ids: Vec<i64> = pending.iter().map(|m| m.id).collect();
            let result = if given {
                self.client.add_role_users(role, &ids).await
            } else {
                self.client.remove_role_users(role, &ids).await
            };
            drop(permit);
            let e = match result {
                Ok(()) => {
                    self.call_settled();
                    for m in pending {
                        let end = self.settle_ok(m.id, m.index, None).await;
                        ended.push((m, end));
                    }
                    return ended;
                }
                Err(e) if pending.first().is_some_and(|m| self.fall_back(&m.call, &e)) => continue,
                Err(e) if e.is_auth_failure() || e.is_insufficient_permission() => {
                    // The credential itself was refused: stop the run (a resume retries).
                    self.handle.cancel();
                    return self.fail_all(ended, pending, &e, true).await;
                }
                Err(e) if RetryPolicy::retryable(&e) => e,
                Err(_) => {
                    // Refused as a whole: find the member it is about by sending each alone.
                    self.call_settled();
                    ended.extend(self.one_by_one(pending).await);
                    return ended;
                }
            };
            let Some(delay) = policy.delay(&e, schedule.next()) else {
                return self.fail_all(ended, pending, &e, true).await;
            };
            super::user_calls::on_retry(Some(&self.pacer), &e, delay);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                // Left as `sent`: a resume re-reads the role first.
                () = self.handle.cancelled() => {
                    ended.extend(pending.into_iter().map(|m| (m, CallEnd::Stopped)));
                    return ended;
                }
            }
            // The answer may have been lost after the change was applied.
            match self
                .members_missing(
                    role,
                    given,
                    pending,
                    "applied; answer lost (seen on re-read)",
                )
                .await
            {
                Ok((left, settled)) => {
                    pending = left;
                    ended.extend(settled);
                }
                Err(all) => {
                    ended.extend(all);
                    return ended;
                }
            }
        }
        ended
    }

    /// Each member's call alone (its own re-read first when it was sent before).
    async fn one_by_one(&self, members: Vec<Member>) -> Vec<(Member, CallEnd)> {
        let mut ended = Vec::new();
        for m in members {
            if !self.handle.runnable().await {
                ended.push((m, CallEnd::Stopped));
                continue;
            }
            let end = self.run_call(m.id, m.index, &m.call, true).await;
            ended.push((m, end));
        }
        ended
    }

    async fn fail_all(
        &self,
        mut ended: Vec<(Member, CallEnd)>,
        pending: Vec<Member>,
        e: &ApiError,
        retryable: bool,
    ) -> Vec<(Member, CallEnd)> {
        self.call_settled();
        for m in pending {
            let end = self.settle_failed(m.id, m.index, e, retryable).await;
            ended.push((m, end));
        }
        ended
    }

    /// Reads the role's members: the members whose change is already there are settled
    /// (`Ok`, with `note`); the rest are still to send. A failed read fails them all.
    async fn members_missing(
        &self,
        role: i64,
        given: bool,
        pending: Vec<Member>,
        note: &str,
    ) -> Result<(Vec<Member>, Vec<(Member, CallEnd)>), Vec<(Member, CallEnd)>> {
        let has: BTreeSet<i64> =
            match read_with_retry(Some(&self.pacer), || self.client.role_user_ids(role)).await {
                Ok(ids) => ids.into_iter().collect(),
                Err(e) => {
                    let retryable = RetryPolicy::retryable(&e);
                    return Err(self.fail_all(Vec::new(), pending, &e, retryable).await);
                }
            };
        let mut left = Vec::new();
        let mut settled = Vec::new();
        for m in pending {
            if has.contains(&m.id) == given {
                let end = self.settle_ok(m.id, m.index, Some(note)).await;
                settled.push((m, end));
            } else {
                left.push(m);
            }
        }
        Ok((left, settled))
    }
}
