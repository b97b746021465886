//! What a run reports: how each user ended, the progress events while it runs, and
//! the summary at the end.

use std::time::Duration;

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
    /// Something the user should know that is not one user's end (API /2 refused, the
    /// run goes on with /1).
    Notice(String),
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
