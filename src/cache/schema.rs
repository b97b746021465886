//! The file's schema, as a list of steps: step `n` takes a file from version `n` to
//! `n + 1` (`PRAGMA user_version`), inside the transaction that opens it. A file of
//! any older version is brought up to [`VERSION`] step by step; a newer one is refused.

use rusqlite::{Transaction, params};

use super::store::write_columns;
use crate::api::User;

/// The version this build writes.
pub(crate) const VERSION: i64 = 2;

type Step = fn(&Transaction<'_>) -> rusqlite::Result<()>;

/// Step `i` takes version `i` to `i + 1`.
pub(crate) const STEPS: [Step; VERSION as usize] = [v1_first, v2_columns];

/// Version 1: the user's whole JSON by id, and the sync state.
fn v1_first(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         CREATE TABLE users (id INTEGER PRIMARY KEY, json TEXT NOT NULL, updated_at TEXT);
         CREATE TABLE sync (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             last_sync TEXT,
             last_total INTEGER,
             complete INTEGER NOT NULL DEFAULT 0
         );
         INSERT INTO sync (id) VALUES (1);",
    )
}

/// Version 2: the columns the list shows and the search matches, in a table of their
/// own (the start reads 100,000 of them without the JSON); the JSON beside it; a full
/// listing's progress (cursor, pass) and the deleted-user event type in the sync state.
fn v2_columns(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE users RENAME TO users_v1;
         CREATE TABLE users (
             id INTEGER PRIMARY KEY,
             email TEXT, username TEXT, firstname TEXT, lastname TEXT,
             samaccountname TEXT, userprincipalname TEXT, external_id TEXT,
             department TEXT, title TEXT, company TEXT, phone TEXT,
             status INTEGER, state INTEGER, directory_id INTEGER, manager_ad_id INTEGER,
             group_id INTEGER,
             roles TEXT,
             custom TEXT,
             created_at TEXT, updated_at TEXT, locked_until TEXT,
             seen INTEGER NOT NULL DEFAULT 0
         );
         CREATE TABLE user_json (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
         INSERT INTO user_json (id, json) SELECT id, json FROM users_v1;
         ALTER TABLE sync ADD COLUMN fill_cursor TEXT;
         ALTER TABLE sync ADD COLUMN fill_started TEXT;
         ALTER TABLE sync ADD COLUMN fill_api TEXT;
         ALTER TABLE sync ADD COLUMN pass INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE sync ADD COLUMN deleted_type_id INTEGER;",
    )?;
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, json FROM users_v1")?;
        stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    for (id, json) in rows {
        // A row whose JSON no longer reads keeps its id; the next refresh rewrites it.
        let user = serde_json::from_str::<User>(&json).unwrap_or_else(|_| User {
            id,
            ..User::default()
        });
        write_columns(tx, &User { id, ..user }, 0)?;
    }
    tx.execute_batch("DROP TABLE users_v1;")
}

/// Brings the file to [`VERSION`]; `Err(found)` when it is newer than this build.
pub(crate) fn migrate(tx: &Transaction<'_>) -> rusqlite::Result<Result<(), i64>> {
    let found: i64 = tx.query_row("PRAGMA user_version", params![], |r| r.get(0))?;
    if found > VERSION {
        return Ok(Err(found));
    }
    for (i, step) in STEPS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        step(tx)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(Ok(()))
}

/// Builds a file of `version` (tests: an old file to migrate).
#[cfg(test)]
pub(crate) fn create_at(tx: &Transaction<'_>, version: i64) -> rusqlite::Result<()> {
    for (i, step) in STEPS.iter().enumerate().take(version as usize) {
        step(tx)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(())
}
