//! A journal read back: where each call and each user of a run stands (for resume, undo and
//! the results), and the runs on disk, listed and found by id.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::journal::{JournalError, Record, RunKind, RunMeta, io_err};
use super::plan::UserPlan;
use crate::tenant::Tenant;

/// Where one planned call stands, as the journal tells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CallStatus {
    /// Never sent.
    #[default]
    Pending,
    /// Sent, no answer recorded: it may or may not have been applied.
    Sent,
    Ok,
    Failed {
        error: String,
        retryable: bool,
    },
}

/// A journal read back.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLog {
    pub path: PathBuf,
    pub meta: RunMeta,
    pub users: Vec<UserPlan>,
    pub calls: HashMap<(i64, usize), CallStatus>,
    pub finished: bool,
    pub stopped: bool,
}

impl RunLog {
    pub fn read(path: &Path) -> Result<RunLog, JournalError> {
        let file = File::open(path).map_err(|e| io_err(path, e))?;
        let mut lines: Vec<String> = Vec::new();
        for line in BufReader::new(file).lines() {
            lines.push(line.map_err(|e| io_err(path, e))?);
        }
        let corrupt = |line: usize, message: String| JournalError::Corrupt {
            path: path.display().to_string(),
            line,
            message,
        };
        let mut head: Option<(RunMeta, Vec<UserPlan>)> = None;
        let mut calls: HashMap<(i64, usize), CallStatus> = HashMap::new();
        let mut finished = false;
        let mut stopped = false;
        let count = lines.len();
        for (i, text) in lines.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let rec: Record = match serde_json::from_str(text) {
                Ok(r) => r,
                // A partial last line: the write was cut short; it was never acknowledged.
                Err(_) if i + 1 == count => break,
                Err(e) => return Err(corrupt(i + 1, e.to_string())),
            };
            match rec {
                Record::Planned { meta, users } => {
                    if head.is_some() {
                        return Err(corrupt(i + 1, "a second `planned` record".into()));
                    }
                    head = Some((*meta, users));
                }
                Record::Sent { user, call, .. } => {
                    calls.insert((user, call), CallStatus::Sent);
                }
                Record::Ok { user, call, .. } => {
                    calls.insert((user, call), CallStatus::Ok);
                }
                Record::Failed {
                    user,
                    call,
                    error,
                    retryable,
                    ..
                } => {
                    calls.insert((user, call), CallStatus::Failed { error, retryable });
                }
                Record::Resumed { .. } => {
                    finished = false;
                    stopped = false;
                }
                Record::Stopped { .. } => stopped = true,
                Record::Finished { .. } => finished = true,
            }
        }
        let Some((meta, users)) = head else {
            return Err(corrupt(1, "no `planned` record".into()));
        };
        Ok(RunLog {
            path: path.to_path_buf(),
            meta,
            users,
            calls,
            finished,
            stopped,
        })
    }

    pub fn status(&self, user: i64, call: usize) -> CallStatus {
        self.calls.get(&(user, call)).cloned().unwrap_or_default()
    }

    /// Calls not yet settled (pending, sent without answer, or failed for a
    /// reason a retry may fix).
    pub fn open_calls(&self) -> usize {
        self.users
            .iter()
            .flat_map(|u| (0..u.calls.len()).map(move |i| (u.id, i)))
            .filter(|(id, i)| {
                matches!(
                    self.status(*id, *i),
                    CallStatus::Pending
                        | CallStatus::Sent
                        | CallStatus::Failed {
                            retryable: true,
                            ..
                        }
                )
            })
            .count()
    }
}

/// Where one user of a run stands, from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserStatus {
    Done,
    Failed(String),
    /// Sent without a recorded answer: it may or may not have been applied.
    Unconfirmed,
    /// Some calls done, others never sent.
    Partly,
    NotSent,
}

impl RunLog {
    /// Where `up`, one of this run's users, stands.
    pub fn user_status(&self, up: &UserPlan) -> UserStatus {
        let statuses: Vec<CallStatus> =
            (0..up.calls.len()).map(|i| self.status(up.id, i)).collect();
        if let Some(error) = statuses.iter().find_map(|s| match s {
            CallStatus::Failed { error, .. } => Some(error.clone()),
            _ => None,
        }) {
            return UserStatus::Failed(error);
        }
        if statuses.iter().all(|s| *s == CallStatus::Ok) {
            UserStatus::Done
        } else if statuses.contains(&CallStatus::Sent) {
            UserStatus::Unconfirmed
        } else if statuses.contains(&CallStatus::Ok) {
            UserStatus::Partly
        } else {
            UserStatus::NotSent
        }
    }
}

/// A run on disk, as listings show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    pub run: String,
    pub path: PathBuf,
    pub kind: RunKind,
    pub created: chrono::DateTime<chrono::Utc>,
    pub tenant: Tenant,
    pub undo_of: Option<String>,
    pub users: usize,
    pub done: usize,
    pub failed: usize,
    pub finished: bool,
}

impl RunInfo {
    pub fn of(log: &RunLog) -> RunInfo {
        let (mut done, mut failed) = (0, 0);
        for up in &log.users {
            match log.user_status(up) {
                UserStatus::Done => done += 1,
                UserStatus::Failed(_) => failed += 1,
                _ => {}
            }
        }
        RunInfo {
            run: log.meta.run.clone(),
            path: log.path.clone(),
            kind: log.meta.kind,
            created: log.meta.created,
            tenant: log.meta.tenant.clone(),
            undo_of: log.meta.undo_of.clone(),
            users: log.users.len(),
            done,
            failed,
            finished: log.finished,
        }
    }
}

/// Every run in `dir`, newest first. Unreadable files are skipped.
pub fn list_runs(dir: &Path) -> Vec<RunInfo> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut runs: Vec<RunInfo> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| RunLog::read(&p).ok().map(|log| RunInfo::of(&log)))
        .collect();
    runs.sort_by(|a, b| b.created.cmp(&a.created).then(b.run.cmp(&a.run)));
    runs
}

/// A run by path, id, or unique id prefix; `None`: the newest unfinished run.
pub fn find_run(dir: &Path, arg: Option<&str>) -> Result<PathBuf, JournalError> {
    let Some(arg) = arg else {
        return list_runs(dir)
            .into_iter()
            .find(|r| !r.finished)
            .map(|r| r.path)
            .ok_or_else(|| {
                JournalError::NotFound(format!("no unfinished run in {}", dir.display()))
            });
    };
    let as_path = Path::new(arg);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let exact = dir.join(format!("{arg}.jsonl"));
    if exact.is_file() {
        return Ok(exact);
    }
    let hits: Vec<RunInfo> = list_runs(dir)
        .into_iter()
        .filter(|r| r.run.starts_with(arg))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one.path.clone()),
        [] => Err(JournalError::NotFound(format!(
            "no run `{arg}` in {}",
            dir.display()
        ))),
        many => Err(JournalError::NotFound(format!(
            "`{arg}` names {} runs: {}",
            many.len(),
            many.iter()
                .map(|r| r.run.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
