//! One append-only JSONL file per run, under `$XDG_STATE_HOME/onelogin-tui/runs/`.
//!
//! `planned` (the whole plan with before/after values, the profile and the
//! tenant host) → per call `sent` → `ok` or `failed`; `resumed`, `stopped` and
//! `finished` mark the run's life. Every record is written, flushed and
//! fsync'd before [`Journal::append`] returns, so a `sent` is on disk before
//! its call leaves and an `ok` after its answer came. Concurrent appends are
//! group-committed (one fsync for all records waiting) by a writer thread.
//! No secret is ever written: records hold user values and error texts only.
//!
//! A run killed mid-write leaves at most a partial last line; reading skips
//! it and reopening truncates it before appending.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::plan::{Call, UserPlan};
use crate::paths::AppDirs;
use crate::tenant::Tenant;

pub use super::run_log::{CallStatus, RunInfo, RunLog, UserStatus, find_run, list_runs};

/// What a run does. A run whose every call is one lifecycle verb is named by it (the
/// headless `lock`, `unlock`, … and the same plans from the console); anything else is
/// an apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Apply,
    Undo,
    Lock,
    Unlock,
    Logout,
    SetState,
    RemoveFactors,
    Delete,
}

impl RunKind {
    /// As listings show it: "apply", "undo", "lock", "set-state", …
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Apply => "apply",
            RunKind::Undo => "undo",
            RunKind::Lock => "lock",
            RunKind::Unlock => "unlock",
            RunKind::Logout => "logout",
            RunKind::SetState => "set-state",
            RunKind::RemoveFactors => "remove-factors",
            RunKind::Delete => "delete",
        }
    }

    /// The kind of a new run of `users`' calls (not an undo).
    pub fn of_plan(users: &[UserPlan]) -> RunKind {
        let verb = |c: &Call| match c {
            Call::LockUser { .. } => Some(RunKind::Lock),
            Call::UnlockUser => Some(RunKind::Unlock),
            Call::Logout => Some(RunKind::Logout),
            Call::SetState { .. } => Some(RunKind::SetState),
            Call::RemoveDevice { .. } => Some(RunKind::RemoveFactors),
            Call::DeleteUser => Some(RunKind::Delete),
            _ => None,
        };
        let mut kinds = users.iter().flat_map(|u| &u.calls).map(verb);
        match kinds.next() {
            Some(Some(first)) if kinds.all(|k| k == Some(first)) => first,
            _ => RunKind::Apply,
        }
    }
}

/// The CSV a run came from, so results can be written at any later point.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Source {
    /// The input file as given.
    pub path: Option<String>,
    pub headers: Vec<String>,
    /// Index of the key column in `headers`.
    pub key_index: usize,
    pub rows: Vec<SourceRow>,
}

/// One input row and the user it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub cells: Vec<String>,
    pub id: i64,
}

/// A user an undo leaves alone because someone changed it since.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: i64,
    pub label: String,
    pub reason: String,
}

/// Who, where and what: the head of the `planned` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "MetaOnDisk")]
pub struct RunMeta {
    pub run: String,
    pub kind: RunKind,
    pub created: DateTime<Utc>,
    /// The profile and the API address the run was made on (no credentials).
    pub tenant: Tenant,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
    /// Targets that needed no change.
    #[serde(default)]
    pub unchanged: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

impl RunMeta {
    /// A new run's head: a fresh id, now, no source.
    pub fn new(kind: RunKind, tenant: &Tenant) -> RunMeta {
        RunMeta {
            run: new_run_id(),
            kind,
            created: Utc::now(),
            tenant: tenant.clone(),
            undo_of: None,
            unchanged: Vec::new(),
            conflicts: Vec::new(),
            source: None,
        }
    }
}

/// The head as journals hold it: journals of the first release named the tenant by its
/// address (`api.us.onelogin.com`, `127.0.0.1:8089`) beside a `profile` key, and their
/// unfinished runs must still resume.
#[derive(Deserialize)]
struct MetaOnDisk {
    run: String,
    kind: RunKind,
    created: DateTime<Utc>,
    tenant: TenantOnDisk,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    undo_of: Option<String>,
    #[serde(default)]
    unchanged: Vec<i64>,
    #[serde(default)]
    conflicts: Vec<Conflict>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TenantOnDisk {
    Typed(Tenant),
    Address(String),
}

impl From<MetaOnDisk> for RunMeta {
    fn from(m: MetaOnDisk) -> RunMeta {
        let tenant = match m.tenant {
            TenantOnDisk::Typed(t) => t,
            TenantOnDisk::Address(address) => {
                legacy_tenant(m.profile.as_deref().unwrap_or("default"), &address)
            }
        };
        RunMeta {
            run: m.run,
            kind: m.kind,
            created: m.created,
            tenant,
            undo_of: m.undo_of,
            unchanged: m.unchanged,
            conflicts: m.conflicts,
            source: m.source,
        }
    }
}

/// A first-release address: https, except on loopback, where only the sandbox answers
/// (and plain http is allowed).
fn legacy_tenant(profile: &str, address: &str) -> Tenant {
    match reqwest::Url::parse(&format!("https://{address}")) {
        Ok(mut url) => {
            if crate::api::is_loopback(&url) {
                let _ = url.set_scheme("http");
            }
            Tenant::new(profile, &url)
        }
        Err(_) => Tenant {
            profile: profile.to_string(),
            scheme: "https".into(),
            host: address.to_string(),
            port: 443,
        },
    }
}

/// One line of a journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Planned {
        meta: Box<RunMeta>,
        users: Vec<UserPlan>,
    },
    /// About to send call `call` of `user` (attempt 1, 2, …).
    Sent {
        user: i64,
        call: usize,
        attempt: u32,
        at: String,
    },
    Ok {
        user: i64,
        call: usize,
        at: String,
        /// E.g. "already applied (seen on re-read)".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Failed {
        user: i64,
        call: usize,
        at: String,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        /// A network or server trouble that outlasted the retries: a resume tries again.
        retryable: bool,
    },
    Resumed {
        at: String,
    },
    /// Cancelled or signalled: calls in flight finished, the rest is pending.
    Stopped {
        at: String,
        reason: String,
    },
    Finished {
        at: String,
        done: usize,
        failed: usize,
    },
}

/// Now, as records write it (RFC 3339, UTC, milliseconds).
pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A journal write failed: the run must stop (it could not prove what it did).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {message}")]
    Io { path: String, message: String },
    #[error("journal {path}, line {line}: {message}")]
    Corrupt {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
}

pub(super) fn io_err(path: &Path, e: impl std::fmt::Display) -> JournalError {
    JournalError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

type Job = (Vec<u8>, oneshot::Sender<Result<(), String>>);

struct Inner {
    path: PathBuf,
    run: String,
    tx: Mutex<mpsc::Sender<Job>>,
}

/// An open journal. Cheap to clone; the writer thread ends with the last clone.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.inner.path)
            .finish()
    }
}

/// `20250102-101112345-ab12`: sorts by time.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    format!(
        "{}-{:04x}",
        now.format("%Y%m%d-%H%M%S%3f"),
        rand::random::<u16>()
    )
}

/// `$XDG_STATE_HOME/onelogin-tui/runs` (else `~/.local/state/…`).
pub fn runs_dir() -> PathBuf {
    AppDirs::from_process().runs()
}

fn line_of(rec: &Record) -> Result<Vec<u8>, String> {
    let mut bytes = serde_json::to_vec(rec).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Drops a partial last line (a write cut short by kill -9).
fn truncate_partial_tail(file: &mut File) -> io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let mut text = Vec::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut text)?;
    if text.last() == Some(&b'\n') {
        return Ok(());
    }
    let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    file.set_len(keep as u64)?;
    file.sync_data()
}

fn writer_thread(mut file: File, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        let bytes: Vec<u8> = batch.iter().flat_map(|(b, _)| b.iter().copied()).collect();
        let result = file
            .write_all(&bytes)
            .and_then(|()| file.flush())
            .and_then(|()| file.sync_data())
            .map_err(|e| e.to_string());
        for (_, ack) in batch {
            let _ = ack.send(result.clone());
        }
    }
}

impl Journal {
    /// Creates `dir/<run>.jsonl` with the `planned` record, on disk before this returns.
    pub fn create(dir: &Path, meta: RunMeta, users: &[UserPlan]) -> Result<Journal, JournalError> {
        // User values are personal data: owner only.
        crate::private_files::create_dir(dir).map_err(|e| io_err(dir, e))?;
        let path = dir.join(format!("{}.jsonl", meta.run));
        let mut opts = OpenOptions::new();
        opts.create_new(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(&path).map_err(|e| io_err(&path, e))?;
        let run = meta.run.clone();
        let rec = Record::Planned {
            meta: Box::new(meta),
            users: users.to_vec(),
        };
        let bytes = line_of(&rec).map_err(|e| io_err(&path, e))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err(&path, e))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(Self::start(path, run, file))
    }

    /// Opens an existing journal to append (resume), dropping a partial last line.
    pub fn open(path: &Path, run: &str) -> Result<Journal, JournalError> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        truncate_partial_tail(&mut file).map_err(|e| io_err(path, e))?;
        file.seek(SeekFrom::End(0)).map_err(|e| io_err(path, e))?;
        Ok(Self::start(path.to_path_buf(), run.to_string(), file))
    }

    fn start(path: PathBuf, run: String, file: File) -> Journal {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::spawn(move || writer_thread(file, rx));
        Journal {
            inner: Arc::new(Inner {
                path,
                run,
                tx: Mutex::new(tx),
            }),
        }
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn run(&self) -> &str {
        &self.inner.run
    }

    /// Appends one record; returns once it is fsync'd.
    pub async fn append(&self, rec: &Record) -> Result<(), JournalError> {
        let path = &self.inner.path;
        let bytes = line_of(rec).map_err(|e| io_err(path, e))?;
        let (ack, done) = oneshot::channel();
        self.inner
            .tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send((bytes, ack))
            .map_err(|_| io_err(path, "the journal writer stopped"))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(io_err(path, e)),
            Err(_) => Err(io_err(path, "the journal writer stopped")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::plan::Values;

    fn meta(run: &str) -> RunMeta {
        RunMeta {
            run: run.into(),
            kind: RunKind::Apply,
            created: Utc::now(),
            tenant: Tenant::new(
                "default",
                &reqwest::Url::parse("http://127.0.0.1:1").unwrap(),
            ),
            undo_of: None,
            unchanged: vec![],
            conflicts: vec![],
            source: None,
        }
    }

    fn users() -> Vec<UserPlan> {
        vec![UserPlan {
            id: 5,
            label: "a@x".into(),
            before: Values::default(),
            after: Values::default(),
            calls: vec![
                Call::AddRoles { ids: vec![1] },
                Call::RemoveRoles { ids: vec![2] },
            ],
            row: None,
        }]
    }

    #[tokio::test]
    async fn write_read_resume_after_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::create(dir.path(), meta("r1"), &users()).unwrap();
        j.append(&Record::Sent {
            user: 5,
            call: 0,
            attempt: 1,
            at: now_text(),
        })
        .await
        .unwrap();
        j.append(&Record::Ok {
            user: 5,
            call: 0,
            at: now_text(),
            note: None,
        })
        .await
        .unwrap();
        j.append(&Record::Sent {
            user: 5,
            call: 1,
            attempt: 1,
            at: now_text(),
        })
        .await
        .unwrap();
        let path = j.path().to_path_buf();
        drop(j);
        // kill -9 in the middle of a write
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"type":"ok","user":5,"ca"#).unwrap();
        drop(f);

        let log = RunLog::read(&path).unwrap();
        assert_eq!(log.status(5, 0), CallStatus::Ok);
        assert_eq!(log.status(5, 1), CallStatus::Sent);
        assert_eq!(log.open_calls(), 1);
        assert!(!log.finished);

        let j = Journal::open(&path, "r1").unwrap();
        j.append(&Record::Finished {
            at: now_text(),
            done: 1,
            failed: 0,
        })
        .await
        .unwrap();
        drop(j);
        let log = RunLog::read(&path).unwrap();
        assert!(log.finished);
        assert_eq!(find_run(dir.path(), Some("r1")).unwrap(), path);
        assert!(find_run(dir.path(), None).is_err());
    }

    #[tokio::test]
    async fn newest_unfinished_and_prefixes() {
        let dir = tempfile::tempdir().unwrap();
        let mut m1 = meta("20250101-000000000-aaaa");
        m1.created = "2025-01-01T00:00:00.000Z".parse().unwrap();
        let mut m2 = meta("20250102-000000000-bbbb");
        m2.created = "2025-01-02T00:00:00.000Z".parse().unwrap();
        let mut m3 = meta("20250103-000000000-cccc");
        m3.created = "2025-01-03T00:00:00.000Z".parse().unwrap();
        let _ = Journal::create(dir.path(), m1, &users()).unwrap();
        let _ = Journal::create(dir.path(), m2, &users()).unwrap();
        let j3 = Journal::create(dir.path(), m3, &users()).unwrap();
        j3.append(&Record::Finished {
            at: now_text(),
            done: 1,
            failed: 0,
        })
        .await
        .unwrap();
        let newest = find_run(dir.path(), None).unwrap();
        assert!(
            newest.ends_with("20250102-000000000-bbbb.jsonl"),
            "{newest:?}"
        );
        assert!(find_run(dir.path(), Some("2025010")).is_err());
        assert!(find_run(dir.path(), Some("20250101")).is_ok());
        assert_eq!(list_runs(dir.path()).len(), 3);
    }
}
