//! The cache file: opening it safely (folder 0700, file 0600, WAL, the schema brought up
//! to date, the owner checked), its users and its sync state.
//!
//! Every change is one transaction: a page of users together with the progress that
//! page stands for, so a kill -9 leaves either the page and its progress or neither.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use super::row::CachedRow;
use super::schema;
use super::{CacheError, CacheKey};
use crate::api::User;

/// How long a write waits for another process's transaction before saying "locked".
const BUSY: Duration = Duration::from_secs(5);

/// An open cache file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Where a refresh stands, as the file keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// When the last completed refresh (or fill) started: the next `updated_since` mark.
    pub last_sync: Option<DateTime<Utc>>,
    /// `Total-Count` at the last completed refresh.
    pub last_total: Option<u64>,
    /// A full listing has finished: the cache holds every user of the tenant.
    pub complete: bool,
    /// A full listing in progress: the cursor of its next page.
    pub fill_cursor: Option<String>,
    /// When that listing started (the mark it leaves when it completes).
    pub fill_started: Option<DateTime<Utc>>,
    /// Which API the listing in progress pages (`v2` or `v1`): a cursor is only sent back
    /// to the API that issued it.
    pub fill_api: Option<String>,
    /// The number of the newest full listing: rows it did not see are gone.
    pub pass: i64,
    /// The tenant's id of the `DELETED_USER` event type, once read.
    pub deleted_type_id: Option<i64>,
}

/// What `cache status` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheStatus {
    pub path: PathBuf,
    /// The file and its WAL, in bytes.
    pub bytes: u64,
    pub users: u64,
    pub sync: SyncState,
}

/// What one page did to the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    pub added: u64,
    pub changed: u64,
}

pub(crate) fn sql_error(path: &Path, e: rusqlite::Error) -> CacheError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => CacheError::Corrupt {
            path,
            message: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => CacheError::Locked { path },
        _ => CacheError::Sqlite {
            path,
            message: e.to_string(),
        },
    }
}

fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The folder, private to the user (0700, set even when it existed).
pub fn private_folder(dir: &Path) -> Result<(), CacheError> {
    let fail = |e: std::io::Error| CacheError::Folder {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir).map_err(fail)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    builder.create(dir).map_err(fail)?;
    Ok(())
}

/// The file, readable and writable by the user alone (0600, set even when it existed).
/// SQLite gives its `-wal` and `-shm` files the mode of the database file.
fn private_file(path: &Path) -> Result<(), CacheError> {
    let fail = |e: std::io::Error| CacheError::Folder {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        options.open(path).map_err(fail)?;
        for file in [
            path.to_path_buf(),
            with_suffix(path, "-wal"),
            with_suffix(path, "-shm"),
        ] {
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                    .map_err(fail)?;
            }
        }
    }
    #[cfg(not(unix))]
    options.open(path).map_err(fail)?;
    Ok(())
}

/// `path` with `suffix` after its whole name (`users.sqlite3-wal`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl Store {
    /// Opens (creating when missing) the cache of `key` under `dir`.
    pub fn open(dir: &Path, key: &CacheKey) -> Result<Store, CacheError> {
        private_folder(dir)?;
        let path = dir.join(key.file_name());
        Store::open_file(&path, key)
    }

    /// Opens the file at `path` for `key`: created when missing, migrated when old;
    /// refused when it is damaged, newer than this build, or another key's.
    pub fn open_file(path: &Path, key: &CacheKey) -> Result<Store, CacheError> {
        private_file(path)?;
        let e = |err| sql_error(path, err);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(e)?;
        conn.busy_timeout(BUSY).map_err(e)?;
        // WAL: readers never block the refresh, and a killed writer leaves the last
        // committed page. NORMAL: a process crash loses nothing committed.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", params![], |r| r.get(0))
            .map_err(e)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "the cache is not in WAL mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(e)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        if let Err(found) = schema::migrate(&tx).map_err(e)? {
            return Err(CacheError::TooNew {
                path: path.to_path_buf(),
                found,
                known: schema::VERSION,
            });
        }
        let owner: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'key'", params![], |r| {
                r.get(0)
            })
            .optional()
            .map_err(e)?;
        match owner {
            Some(found) if found != key.text() => {
                return Err(CacheError::OtherTenant {
                    path: path.to_path_buf(),
                    found: owner_words(&found),
                });
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('key', ?1)",
                    params![key.text()],
                )
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        // The WAL may have just been made.
        private_file(path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn e(&self) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        |err| sql_error(&self.path, err)
    }

    /// How many users the cache holds.
    pub fn count(&self) -> Result<u64, CacheError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM users", params![], |r| r.get(0))
            .map_err(self.e())?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn sync_state(&self) -> Result<SyncState, CacheError> {
        read_sync(&self.conn).map_err(self.e())
    }

    /// Records `state` on its own.
    pub fn set_sync_state(&mut self, state: &SyncState) -> Result<(), CacheError> {
        write_sync(&self.conn, state).map_err(self.e())
    }

    /// File, size, users and sync state.
    pub fn status(&self) -> Result<CacheStatus, CacheError> {
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        Ok(CacheStatus {
            path: self.path.clone(),
            bytes: size(&self.path) + size(&with_suffix(&self.path, "-wal")),
            users: self.count()?,
            sync: self.sync_state()?,
        })
    }

    /// SQLite's own check of the whole file: `None` when intact, else what it found.
    pub fn check(&self) -> Result<Option<String>, CacheError> {
        let found: String = self
            .conn
            .query_row("PRAGMA quick_check", params![], |r| r.get(0))
            .map_err(self.e())?;
        Ok((found != "ok").then_some(found))
    }

    /// Writes `users` (each merged over what the cache had: keys the answer lacks are
    /// kept), marks them seen by `pass`, and records `progress`, in one transaction.
    pub fn upsert(
        &mut self,
        users: &[User],
        pass: i64,
        progress: Option<&SyncState>,
    ) -> Result<Upserted, CacheError> {
        let path = self.path.clone();
        let e = |err| sql_error(&path, err);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e)?;
        let mut done = Upserted::default();
        for user in users {
            let fresh = serde_json::to_value(user).unwrap_or(Value::Null);
            let stored: Option<String> = tx
                .prepare_cached("SELECT json FROM user_json WHERE id = ?1")
                .and_then(|mut s| s.query_row(params![user.id], |r| r.get(0)).optional())
                .map_err(e)?;
            let old = stored.and_then(|t| serde_json::from_str::<Value>(&t).ok());
            let merged = match (&old, fresh) {
                (Some(Value::Object(before)), Value::Object(now)) => {
                    let mut m = before.clone();
                    m.extend(now);
                    Value::Object(m)
                }
                (_, now) => now,
            };
            match &old {
                None => done.added += 1,
                Some(before) if *before != merged => done.changed += 1,
                Some(_) => {
                    tx.prepare_cached("UPDATE users SET seen = ?2 WHERE id = ?1")
                        .and_then(|mut s| s.execute(params![user.id, pass]))
                        .map_err(e)?;
                    continue;
                }
            }
            let whole = serde_json::from_value::<User>(merged.clone()).unwrap_or(user.clone());
            write_columns(&tx, &whole, pass).map_err(e)?;
            tx.prepare_cached("INSERT OR REPLACE INTO user_json (id, json) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![user.id, merged.to_string()]))
                .map_err(e)?;
        }
        if let Some(state) = progress {
            write_sync(&tx, state).map_err(e)?;
        }
        tx.commit().map_err(e)?;
        Ok(done)
    }

    /// Marks `ids` seen by `pass` (an id-only listing), with `progress`, in one transaction.
    pub fn mark_seen(
        &mut self,
        ids: &[i64],
        pass: i64,
        progress: Option<&SyncState>,
    ) -> Result<(), CacheError> {
        let path = self.path.clone();
        let e = |err| sql_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        for id in ids {
            tx.prepare_cached("UPDATE users SET seen = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id, pass]))
                .map_err(e)?;
        }
        if let Some(state) = progress {
            write_sync(&tx, state).map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Removes the users a full listing of `pass` did not see, recording `progress` in
    /// the same transaction; their ids.
    pub fn sweep(&mut self, pass: i64, progress: &SyncState) -> Result<Vec<i64>, CacheError> {
        let path = self.path.clone();
        let e = |err| sql_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        let gone: Vec<i64> = {
            let mut stmt = tx
                .prepare("SELECT id FROM users WHERE seen < ?1")
                .map_err(e)?;
            stmt.query_map(params![pass], |r| r.get(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
                .map_err(e)?
        };
        remove(&tx, &gone).map_err(e)?;
        write_sync(&tx, progress).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(gone)
    }

    /// Removes these users (deleted on the tenant); how many the cache had.
    pub fn delete(&mut self, ids: &[i64]) -> Result<usize, CacheError> {
        let path = self.path.clone();
        let e = |err| sql_error(&path, err);
        let tx = self.conn.transaction().map_err(e)?;
        let n = remove(&tx, ids).map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(n)
    }

    /// Users after id `after`, at most `limit`, in id order, as the list needs them:
    /// the columns, custom attributes and roles (not the whole JSON).
    pub fn load(&self, after: i64, limit: usize) -> Result<Vec<User>, CacheError> {
        let mut users = Vec::new();
        self.read_rows(after, limit, |row| users.push(row.to_user()))?;
        Ok(users)
    }

    /// Each user after id `after` (at most `limit`, in id order) as the file holds its
    /// list columns, borrowed for `each`: a reader that keeps only what it needs makes
    /// no `User` on the way (the start reads 100,000 of them). How many were read.
    pub fn read_rows(
        &self,
        after: i64,
        limit: usize,
        mut each: impl FnMut(&CachedRow<'_>),
    ) -> Result<usize, CacheError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, email, username, firstname, lastname, samaccountname,
                        userprincipalname, external_id, department, title, company, phone,
                        status, state, directory_id, manager_ad_id, group_id, roles, custom,
                        created_at, updated_at, locked_until
                 FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .map_err(self.e())?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![after, limit]).map_err(self.e())?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(self.e())? {
            let text = |i: usize| -> rusqlite::Result<Option<&str>> {
                Ok(r.get_ref(i)?.as_str_or_null().ok().flatten())
            };
            let row = (|| {
                Ok::<_, rusqlite::Error>(CachedRow {
                    id: r.get(0)?,
                    email: text(1)?,
                    username: text(2)?,
                    firstname: text(3)?,
                    lastname: text(4)?,
                    samaccountname: text(5)?,
                    userprincipalname: text(6)?,
                    external_id: text(7)?,
                    department: text(8)?,
                    title: text(9)?,
                    company: text(10)?,
                    phone: text(11)?,
                    status: r.get(12)?,
                    state: r.get(13)?,
                    directory_id: r.get(14)?,
                    manager_ad_id: r.get(15)?,
                    group_id: r.get(16)?,
                    roles: text(17)?,
                    custom: text(18)?,
                    created_at: text(19)?,
                    updated_at: text(20)?,
                    locked_until: text(21)?,
                })
            })()
            .map_err(self.e())?;
            each(&row);
            n += 1;
        }
        Ok(n)
    }

    /// A user's whole JSON as last read.
    pub fn json(&self, id: i64) -> Result<Option<Value>, CacheError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM user_json WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.e())?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Every cached id.
    pub fn ids(&self) -> Result<Vec<i64>, CacheError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM users ORDER BY id")
            .map_err(self.e())?;
        stmt.query_map(params![], |r| r.get(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(self.e())
    }

    /// Users the cache shows locked whose lock ended between `since` and `now`: a lock
    /// that ends by itself may leave `updated_at` alone, so a refresh reads them again.
    pub fn locks_ended(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, CacheError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, locked_until FROM users WHERE status = 3 AND locked_until IS NOT NULL",
            )
            .map_err(self.e())?;
        let rows: Vec<(i64, Option<String>)> = stmt
            .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect::<rusqlite::Result<_>>())
            .map_err(self.e())?;
        Ok(rows
            .into_iter()
            .filter(|(_, until)| {
                crate::api::parse_utc_time(until.as_deref().unwrap_or_default())
                    .is_some_and(|t| t > since && t <= now)
            })
            .map(|(id, _)| id)
            .collect())
    }
}

fn owner_words(stored: &str) -> String {
    match serde_json::from_str::<CacheKey>(stored) {
        Ok(k) => format!("{} with client id {}", k.tenant, k.client_id),
        Err(_) => "an unreadable owner".to_string(),
    }
}

fn remove(conn: &Connection, ids: &[i64]) -> rusqlite::Result<usize> {
    let mut n = 0;
    for id in ids {
        n += conn
            .prepare_cached("DELETE FROM users WHERE id = ?1")?
            .execute(params![id])?;
        conn.prepare_cached("DELETE FROM user_json WHERE id = ?1")?
            .execute(params![id])?;
    }
    Ok(n)
}

/// The columns of one user (the JSON is written beside them).
pub(crate) fn write_columns(conn: &Connection, u: &User, seen: i64) -> rusqlite::Result<()> {
    let roles = u
        .role_id
        .as_ref()
        .map(|ids| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let custom: BTreeMap<&String, &Option<String>> = u.custom_attributes.iter().collect();
    let custom = serde_json::to_string(&custom).unwrap_or_default();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO users (id, email, username, firstname, lastname, samaccountname,
             userprincipalname, external_id, department, title, company, phone, status, state,
             directory_id, manager_ad_id, group_id, roles, custom, created_at, updated_at,
             locked_until, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23)",
    )?
    .execute(params![
        u.id,
        u.email,
        u.username,
        u.firstname,
        u.lastname,
        u.samaccountname,
        u.userprincipalname,
        u.external_id,
        u.department,
        u.title,
        u.company,
        u.phone,
        u.status,
        u.state,
        u.directory_id,
        u.manager_ad_id,
        u.group_id,
        roles,
        custom,
        u.created_at,
        u.updated_at,
        u.locked_until,
        seen,
    ])?;
    Ok(())
}

fn read_sync(conn: &Connection) -> rusqlite::Result<SyncState> {
    conn.query_row(
        "SELECT last_sync, last_total, complete, fill_cursor, fill_started, fill_api, pass,
                deleted_type_id
         FROM sync WHERE id = 1",
        params![],
        |r| {
            let total: Option<i64> = r.get(1)?;
            Ok(SyncState {
                last_sync: parse_time(r.get(0)?),
                last_total: total.and_then(|n| u64::try_from(n).ok()),
                complete: r.get::<_, i64>(2)? != 0,
                fill_cursor: r.get(3)?,
                fill_started: parse_time(r.get(4)?),
                fill_api: r.get(5)?,
                pass: r.get(6)?,
                deleted_type_id: r.get(7)?,
            })
        },
    )
}

fn write_sync(conn: &Connection, s: &SyncState) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE sync SET last_sync = ?1, last_total = ?2, complete = ?3, fill_cursor = ?4,
                         fill_started = ?5, fill_api = ?6, pass = ?7, deleted_type_id = ?8
         WHERE id = 1",
        params![
            s.last_sync.as_ref().map(time_text),
            s.last_total.and_then(|n| i64::try_from(n).ok()),
            i64::from(s.complete),
            s.fill_cursor,
            s.fill_started.as_ref().map(time_text),
            s.fill_api,
            s.pass,
            s.deleted_type_id,
        ],
    )?;
    Ok(())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
