//! What the sandbox changed, user by user: one entry per user a write call changed (or
//! was sent for), with the call and whether its answer was lost after the change was
//! applied. Tests and benches compare it with a run's journal: a user written again after
//! its write was confirmed shows up here.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

use super::state::State;

/// At most this many entries are kept (the oldest tenth goes when it is full), so a
/// sandbox left serving for days stays bounded.
const CAP: usize = 200_000;

/// How far back from the newest entry a lost answer is looked for: a request's entries
/// are recent (the calls in flight beside it are few).
const LOST_SCAN: usize = 8_192;

/// One user changed by one write call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub user: i64,
    /// When the sandbox applied it.
    pub at: DateTime<Utc>,
    /// `PUT /api/2/users/10002`, as the request named it (shared by its users' entries).
    pub call: Arc<str>,
    /// A fault replaced the answer after the change was applied: the caller never heard of it.
    pub answer_lost: bool,
    /// The sandbox's number of the `/api/` request (0: written outside one).
    pub request: u64,
}

/// The `/api/` request being handled, set by the fault layer around the handler: the
/// writes it makes are logged under its number, and the layer learns whether it wrote.
#[derive(Debug)]
pub(crate) struct RequestTag {
    pub(crate) seq: u64,
    pub(crate) call: Arc<str>,
    pub(crate) wrote: AtomicBool,
}

impl RequestTag {
    pub(crate) fn new(seq: u64, call: String) -> Arc<RequestTag> {
        Arc::new(RequestTag {
            seq,
            call: call.into(),
            wrote: AtomicBool::new(false),
        })
    }

    pub(crate) fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }
}

tokio::task_local! {
    pub(crate) static REQUEST: Arc<RequestTag>;
}

impl State {
    /// A write call changed the tenant; `users`: the users it was for.
    pub(crate) fn wrote(&mut self, users: &[i64]) {
        self.stats.writes += 1;
        let (request, call) = REQUEST
            .try_with(|tag| {
                tag.wrote.store(true, Ordering::Relaxed);
                (tag.seq, tag.call.clone())
            })
            .unwrap_or_else(|_| (0, Arc::from("")));
        let at = Utc::now();
        for &user in users {
            *self.stats.writes_by_user.entry(user).or_default() += 1;
            self.write_log.push(Write {
                user,
                at,
                call: call.clone(),
                answer_lost: false,
                request,
            });
        }
        if self.write_log.len() > CAP {
            self.write_log.drain(..CAP / 10);
        }
    }

    /// The answer to request `seq` was lost after its writes were applied.
    pub(crate) fn answer_lost(&mut self, seq: u64) {
        self.stats.answers_lost += 1;
        for w in self.write_log.iter_mut().rev().take(LOST_SCAN) {
            if w.request == seq {
                w.answer_lost = true;
                *self.stats.answers_lost_by_user.entry(w.user).or_default() += 1;
            }
        }
    }
}
