//! Bulk edits: many users at once, safely.
//!
//! The pieces, each usable on its own so the headless commands and the console
//! drive the same engine:
//!
//! - [`plan`]: targets (ids, a search, a CSV) × changes → a [`Plan`]: each
//!   user's before → after and the fewest calls that get there; users with
//!   nothing to change are dropped. Lifecycle changes (lock, unlock, logout, state,
//!   MFA factors, delete) are planned the same way (`lifecycle.rs`).
//! - [`csv_in`] / [`csv_out`]: the CSV desired-state file, checked before any
//!   write; export in the same shape; result and failed-row files.
//! - [`pacing`]: the rate budget: a share of what remains in the window,
//!   calls spread when the budget is short, a wait for the reset between chunks.
//! - [`execute`]: the [`Runner`]: bounded, changeable concurrency; retries
//!   with backoff and jitter that re-read before resending; pause / resume /
//!   cancel through a [`RunHandle`]; [`Progress`] events on a channel.
//! - [`journal`]: one append-only, fsync'd JSONL file per run; read back for
//!   resume and undo.
//! - [`service`]: the [`BulkService`]: the one API that plans, previews, opens
//!   (journal, tenant check), runs, resumes and undoes runs and lists them, for
//!   the console's worker and the headless commands alike.
//! - [`headless`]: `apply`, `resume`, `undo` and `export` for the CLI; [`verbs`]: `lock`,
//!   `unlock`, `logout`, `delete` and `set-state` on the same engine.

// ApiError is large by design (see api/mod.rs); it travels on cold paths here too.
#![allow(clippy::result_large_err)]

mod call;
pub mod csv_guard;
pub mod csv_in;
pub mod csv_out;
pub mod execute;
mod export;
pub mod headless;
pub mod journal;
mod key_input;
mod lifecycle;
pub mod listing;
mod pacer;
pub mod pacing;
pub mod plan;
mod plan_reads;
mod progress;
mod role_batches;
mod run_handle;
mod run_log;
pub mod service;
mod service_targets;
pub mod undo;
mod user_calls;
mod values;
pub mod verbs;
mod versions;

pub use call::ROLE_BATCH;
pub use csv_in::{CsvInput, KeyColumn, Refusal, Refusals};
pub use execute::{
    Progress, ProgressStats, RunHandle, RunOptions, RunSummary, Runner, UserOutcome, UserWork,
};
pub use journal::{
    CallStatus, Conflict, Journal, Record, RunInfo, RunKind, RunLog, RunMeta, Source, UserStatus,
    find_run, list_runs, runs_dir,
};
pub use listing::{Cost, Listed, Size};
pub use pacing::{Budget, Pacer};
pub use plan::{
    Call, Change, Current, Desired, Device, Factors, Irreversible, Lifecycle, Lockout, Needs, Plan,
    PrepareError, Target, UserPlan, Values, confirm_answer, fetch_current, irreversible_text,
    parse_state, prepare, search_targets,
};
pub use plan_reads::user_gone;
pub use service::{
    BulkError, BulkService, Finished, Opened, OtherTenant, PlanKind, Preview, ReadWhat, RunReport,
    Work, same_tenant,
};
pub use undo::{CannotUndo, UndoPlan};
pub use user_calls::paced;
pub use versions::{Versions, refuses_v2};

/// A duration as the bulk screens and the headless progress line show it: "1h02m",
/// "3m05s", "4.2s".
pub fn duration_text(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// 4988 → "4,988".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
