//! Our own writes, kept in the cache: after a bulk run (an apply, an undo, a resume, a
//! lifecycle verb), from the console or the command line, the users it deleted leave the
//! cache and every other user it wrote to is read again from the tenant and written
//! (API /2 `user_ids` 50 a call, a user the list left out asked for by id; API /1 a
//! `GET` each). A user the tenant answers 404 for leaves the cache too.
//!
//! Only the tenant's answers reach the cache, and nothing here is read for a write: bulk
//! plans read current values from the tenant.

use std::collections::BTreeSet;

use super::CacheError;
use super::store::Store;
use super::sync::{FIELDS, PAGE, Syncer};
use crate::api::{ApiError, Client, User};
use crate::bulk::{Pacer, refuses_v2, user_gone};
use crate::config::{ApiMode, Settings};

/// What a run did to users, as the cache needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Users whose delete the tenant confirmed.
    pub deleted: Vec<i64>,
    /// Every other user the run wrote to, or may have (a failed or stopped user too).
    pub changed: Vec<i64>,
}

impl Written {
    pub fn is_empty(&self) -> bool {
        self.deleted.is_empty() && self.changed.is_empty()
    }
}

/// What keeping the cache true did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBack {
    /// Calls sent (the reads of the changed users).
    pub calls: u64,
    /// The users read again, as written to the cache.
    pub changed_users: Vec<User>,
    /// The users that left the cache (deleted by the run, or gone when read again).
    pub deleted_ids: Vec<i64>,
}

/// Applies `written` to `store`: see the module's words. `api`: the profile's (`auto`
/// reads with /2 and falls back to /1 when /2 is refused).
pub async fn write_back(
    client: &Client,
    pacer: Option<&Pacer>,
    store: &mut Store,
    api: ApiMode,
    written: &Written,
) -> Result<WriteBack, CacheError> {
    let s = Syncer::new(client, pacer);
    let mut back = WriteBack::default();
    let deleted: BTreeSet<i64> = written.deleted.iter().copied().collect();
    store.delete(&written.deleted)?;
    back.deleted_ids.extend(&deleted);
    let changed: Vec<i64> = written
        .changed
        .iter()
        .copied()
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .filter(|id| !deleted.contains(id))
        .collect();
    let pass = store.sync_state()?.pass;
    let mut gone = Vec::new();
    let mut left: &[i64] = &changed;
    // /2 until it is refused; what is left then is read on /1.
    while api == ApiMode::Auto && !left.is_empty() {
        let chunk = &left[..left.len().min(PAGE as usize)];
        let users = match s.call(1, || s.client.users_by_ids(chunk, FIELDS)).await {
            Ok(users) => users,
            Err(e) if refuses_v2(&e) => break,
            Err(e) => return Err(e.into()),
        };
        let users: Vec<User> = users
            .into_iter()
            .filter(|u| chunk.contains(&u.id))
            .collect();
        // A list that left an id out proves nothing: the user itself is asked for.
        let mut found: Vec<User> = Vec::new();
        for id in chunk
            .iter()
            .filter(|id| !users.iter().any(|u| u.id == **id))
        {
            match s.call(1, || s.client.get_user_v2(*id)).await {
                Ok(user) => found.push(user),
                Err(e) if user_gone(&e) => gone.push(*id),
                Err(e) => return Err(e.into()),
            }
        }
        for users in [users, found] {
            store.upsert(&users, pass, None)?;
            back.changed_users.extend(users);
        }
        left = &left[chunk.len()..];
    }
    for id in left {
        match s.call(1, || s.client.get_user(*id)).await {
            Ok(user) => {
                store.upsert(std::slice::from_ref(&user), pass, None)?;
                back.changed_users.push(user);
            }
            Err(e) if is_404(&e) => gone.push(*id),
            Err(e) => return Err(e.into()),
        }
    }
    store.delete(&gone)?;
    back.deleted_ids.extend(gone);
    back.calls = s.calls();
    Ok(back)
}

fn is_404(e: &ApiError) -> bool {
    e.http_status() == Some(404)
}

/// After a command-line run: the profile's cache, when it has one (`cache = true` and a
/// file already there: none is made for this), brought up to date with what the run
/// wrote. `None` when there is no cache to keep.
pub async fn after_run(
    settings: &Settings,
    client: &Client,
    written: &Written,
) -> Option<Result<WriteBack, CacheError>> {
    if !settings.cache || written.is_empty() {
        return None;
    }
    let key = super::cli::key_of(settings).ok()?;
    let path = settings.dirs.cache.join(key.file_name());
    if !path.exists() {
        return None;
    }
    let pacer = Pacer::new(client.clone(), settings.bulk.max_budget_share);
    let result = async {
        let mut store = Store::open_file(&path, &key)?;
        write_back(
            client,
            Some(&pacer),
            &mut store,
            settings.connection.api,
            written,
        )
        .await
    };
    Some(result.await)
}

/// The line the command line prints after a run's write-back.
pub fn after_run_text(result: &Result<WriteBack, CacheError>) -> String {
    match result {
        Ok(back) => format!(
            "cache: {} user(s) read again, {} removed ({} call(s))",
            back.changed_users.len(),
            back.deleted_ids.len(),
            back.calls
        ),
        Err(e) => {
            format!("cache: not brought up to date ({e}); `onelogin-tui cache refresh` does it")
        }
    }
}
