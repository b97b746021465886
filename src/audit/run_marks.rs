//! Which events our own bulk runs caused: an index built from the run journals
//! (`$XDG_STATE_HOME/onelogin-tui/runs/*.jsonl`) once, then looked up per event.
//!
//! An event is a run's when it is about a user the run sent a call for, it was created
//! inside that call's `sent` … `ok`/`failed` window (widened by [`SKEW`] on both sides:
//! the tenant's clock is not ours), and, when the event names the credential that made
//! it (`client_id`), that credential is ours. Only the `type`, `user`, `call` and `at`
//! of each record are read (and the run's head once), so a big journal costs one pass.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::api::Event;
use crate::bulk::RunMeta;
use crate::tenant::Tenant;

/// How far an event may sit outside its call's window and still be the call's.
pub const SKEW: Duration = Duration::seconds(5);

/// One call of a run, from its `sent` to its answer.
#[derive(Debug, Clone, PartialEq)]
struct Window {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    run: Arc<str>,
}

/// The index: user id → the windows of the calls our runs sent for that user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunMarks {
    by_user: HashMap<i64, Vec<Window>>,
    runs: usize,
    own_client_id: Option<String>,
}

/// The parts of a journal line the index needs; the rest is skipped unread.
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    user: Option<i64>,
    #[serde(default)]
    call: Option<usize>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    meta: Option<Box<RunMeta>>,
}

impl RunMarks {
    /// Reads every journal in `dir` made on `tenant`'s API address (any profile: the
    /// events are the tenant's). Unreadable files and lines are skipped: a mark is a
    /// help, not a record. `own_client_id`: the credential this console calls with.
    pub fn build(dir: &Path, tenant: &Tenant, own_client_id: Option<String>) -> RunMarks {
        let mut marks = RunMarks {
            own_client_id: own_client_id.filter(|c| !c.trim().is_empty()),
            ..RunMarks::default()
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return marks;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.extension().is_some_and(|x| x == "jsonl") {
                marks.read_journal(&path, tenant);
            }
        }
        for windows in marks.by_user.values_mut() {
            windows.sort_by_key(|w| w.start);
        }
        marks
    }

    fn read_journal(&mut self, path: &Path, tenant: &Tenant) {
        let Ok(file) = File::open(path) else {
            return;
        };
        let mut run: Option<Arc<str>> = None;
        // (user, call) → when its latest attempt was sent.
        let mut open: HashMap<(i64, usize), DateTime<Utc>> = HashMap::new();
        for text in BufReader::new(file).lines() {
            let Ok(text) = text else { break };
            let Ok(line) = serde_json::from_str::<Line>(&text) else {
                continue;
            };
            if line.kind == "planned" {
                let here = |t: &Tenant| {
                    t.scheme == tenant.scheme && t.host == tenant.host && t.port == tenant.port
                };
                match line.meta {
                    Some(meta) if here(&meta.tenant) => run = Some(Arc::from(meta.run.as_str())),
                    // Another tenant's run (or no head): none of its calls made our events.
                    _ => return,
                }
                continue;
            }
            let Some(run) = run.as_ref() else {
                return;
            };
            let (Some(user), Some(call), Some(at)) = (line.user, line.call, line.at) else {
                continue;
            };
            let Some(at) = parse_time(&at) else {
                continue;
            };
            match line.kind.as_str() {
                // A retry's `sent` keeps the first: the first attempt may have landed.
                "sent" => {
                    open.entry((user, call)).or_insert(at);
                }
                "ok" | "failed" => {
                    let start = open.remove(&(user, call)).unwrap_or(at);
                    self.push(user, start, at, run);
                }
                _ => {}
            }
        }
        // Sent without a recorded answer (the run was killed): the call may have landed.
        if let Some(run) = run.as_ref() {
            for ((user, _), start) in open {
                self.push(user, start, start, run);
            }
            self.runs += 1;
        }
    }

    fn push(&mut self, user: i64, start: DateTime<Utc>, end: DateTime<Utc>, run: &Arc<str>) {
        self.by_user.entry(user).or_default().push(Window {
            start,
            end: end.max(start),
            run: run.clone(),
        });
    }

    /// An index of these calls (user, start, end, run), for tests of what shows it.
    #[cfg(test)]
    pub fn of_calls(
        own_client_id: Option<&str>,
        calls: &[(i64, DateTime<Utc>, DateTime<Utc>, &str)],
    ) -> RunMarks {
        let mut marks = RunMarks {
            own_client_id: own_client_id.map(str::to_string),
            ..RunMarks::default()
        };
        let mut runs = std::collections::BTreeSet::new();
        for (user, start, end, run) in calls {
            runs.insert(*run);
            marks.push(*user, *start, *end, &Arc::from(*run));
        }
        marks.runs = runs.len();
        marks
    }

    /// How many runs of this tenant were read.
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// The credential the index takes as ours, when known.
    pub fn own_client_id(&self) -> Option<&str> {
        self.own_client_id.as_deref()
    }

    /// The run that caused `event`, if one of ours did.
    pub fn run_of(&self, event: &Event) -> Option<&str> {
        let windows = self.by_user.get(&event.user_id?)?;
        if let (Some(theirs), Some(ours)) = (event.client_id.as_deref(), self.own_client_id())
            && theirs != ours
        {
            return None;
        }
        let at = event.created_at_utc()?;
        // Windows are sorted by start: none starting after `at + SKEW` can hold it.
        let past = windows.partition_point(|w| w.start - SKEW <= at);
        windows[..past]
            .iter()
            .rev()
            .find(|w| at <= w.end + SKEW)
            .map(|w| &*w.run)
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
#[path = "run_marks_tests.rs"]
mod tests;
