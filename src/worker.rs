//! The async action channel: runs `Command`s on `api::Client` with bounded concurrency and
//! sends each outcome back as an `Action`. The only place where `app` and `api` meet.
//! Bulk work goes to the [`BulkService`]; this file only turns its answers into outcomes.

// Errors travel once per command, next to a network round trip (as in api/ and bulk/).
#![allow(clippy::result_large_err)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use crate::api::{ApiError, Client, RetryPolicy};
use chrono::Utc;

use crate::app::action::{Action, BulkControl, Command, Outcome, SavePart};
use crate::app::events_state::EventFilter;
use crate::app::user_row::RowBatch;
use crate::audit::RunMarks;
use crate::bulk::{BulkError, BulkService, Cost, Pacer, RunHandle, Work, listing, paced};
use crate::cache::{CacheError, CacheKey, Store};
use crate::config::ApiMode;

/// The profile's user cache, as the worker opens it: the list's reads and our writes go
/// through one connection; a refresh opens its own.
struct CacheSlot {
    dir: std::path::PathBuf,
    key: CacheKey,
    api: ApiMode,
    store: Mutex<Option<Store>>,
}

/// The running bulk run: its handle (pause, cancel…) and its task.
#[derive(Default)]
struct BulkSlot {
    handle: Option<RunHandle>,
    task: Option<JoinHandle<()>>,
}

#[derive(Clone)]
pub struct Worker {
    client: Client,
    actions: mpsc::UnboundedSender<Action>,
    slots: Arc<Semaphore>,
    bulk: Arc<BulkService>,
    running: Arc<Mutex<BulkSlot>>,
    /// The console's reads share one pacer: they spend the budget like a bulk run.
    pacer: Arc<Pacer>,
    cache: Option<Arc<CacheSlot>>,
}

impl Worker {
    /// A worker on `bulk`'s client and tenant, `concurrency` calls at once.
    pub fn new(
        bulk: BulkService,
        actions: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Worker {
        let waits = actions.clone();
        let pacer = Pacer::new(bulk.client().clone(), bulk.options().max_budget_share)
            .with_wait_hook(move |wait, reason| {
                let _ = waits.send(Action::Outcome(Outcome::ReadsWaiting { wait, reason }));
            });
        Worker {
            client: bulk.client().clone(),
            pacer: Arc::new(pacer),
            actions,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            bulk: Arc::new(bulk),
            running: Arc::new(Mutex::new(BulkSlot::default())),
            cache: None,
        }
    }

    /// The worker with the profile's cache: the file of `key` under `dir`.
    pub fn with_cache(mut self, dir: std::path::PathBuf, key: CacheKey, api: ApiMode) -> Worker {
        self.cache = Some(Arc::new(CacheSlot {
            dir,
            key,
            api,
            store: Mutex::new(None),
        }));
        self
    }

    /// Runs `f` on the open cache (opening it first when needed), off the async threads.
    async fn on_cache<T: Send + 'static>(
        &self,
        reopen: bool,
        f: impl FnOnce(&mut Store) -> Result<T, CacheError> + Send + 'static,
    ) -> Option<Result<T, CacheError>> {
        let slot = self.cache.clone()?;
        let task = tokio::task::spawn_blocking(move || {
            let mut guard = slot.store.lock().unwrap_or_else(|p| p.into_inner());
            if reopen || guard.is_none() {
                *guard = None;
                *guard = Some(Store::open(&slot.dir, &slot.key)?);
            }
            match guard.as_mut() {
                Some(store) => f(store),
                None => Err(CacheError::Folder {
                    path: slot.dir.clone(),
                    message: "the cache could not be opened".into(),
                }),
            }
        });
        Some(task.await.unwrap_or_else(|e| {
            Err(CacheError::Sqlite {
                path: std::path::PathBuf::new(),
                message: format!("the cache task failed: {e}"),
            })
        }))
    }

    /// Fills or refreshes the cache with the console's pacer; progress as outcomes.
    async fn refresh_cache(
        &self,
        limit: Option<u64>,
    ) -> Result<crate::cache::SyncReport, CacheError> {
        let Some(slot) = self.cache.clone() else {
            return Err(CacheError::Folder {
                path: std::path::PathBuf::new(),
                message: "no cache for this profile".into(),
            });
        };
        let (dir, key) = (slot.dir.clone(), slot.key.clone());
        let mut store = tokio::task::spawn_blocking(move || Store::open(&dir, &key))
            .await
            .map_err(|e| CacheError::Sqlite {
                path: slot.dir.clone(),
                message: format!("the cache task failed: {e}"),
            })??;
        let actions = self.actions.clone();
        let watch = move |p: crate::cache::sync::SyncProgress| {
            let _ = actions.send(Action::Outcome(Outcome::CacheProgress(p)));
        };
        let options = crate::cache::SyncOptions {
            max_listing_calls: limit,
            ..crate::cache::SyncOptions::new(slot.api)
        };
        crate::cache::refresh(&self.client, Some(&self.pacer), &mut store, options, &watch).await
    }

    /// Keeps the cache true after a bulk run: the users it deleted leave it, the others
    /// are read again (see `cache::writes`); `CacheWritten` says what changed.
    async fn write_back(&self, written: crate::cache::Written) {
        let Some(slot) = self.cache.clone() else {
            return;
        };
        if written.is_empty() {
            return;
        }
        let (dir, key) = (slot.dir.clone(), slot.key.clone());
        let opened = tokio::task::spawn_blocking(move || Store::open(&dir, &key))
            .await
            .map_err(|e| CacheError::Sqlite {
                path: slot.dir.clone(),
                message: format!("the cache task failed: {e}"),
            })
            .and_then(|r| r);
        let result = match opened {
            Ok(mut store) => {
                crate::cache::write_back(
                    &self.client,
                    Some(&self.pacer),
                    &mut store,
                    slot.api,
                    &written,
                )
                .await
            }
            Err(e) => Err(e),
        };
        self.send(Outcome::CacheWritten(result));
    }

    /// Cancels the running bulk run, if any, and waits (at most `limit`) for it to stop:
    /// the calls in flight finish and the journal is flushed, so it can be resumed.
    pub async fn stop_bulk(&self, limit: Duration) {
        let task = match self.running.lock() {
            Ok(mut slot) => {
                if let Some(handle) = &slot.handle {
                    handle.cancel();
                }
                slot.task.take()
            }
            Err(_) => None,
        };
        if let Some(task) = task {
            let _ = tokio::time::timeout(limit, task).await;
        }
    }

    /// Whether a bulk run is going.
    pub fn bulk_running(&self) -> bool {
        self.running
            .lock()
            .map(|slot| slot.task.as_ref().is_some_and(|t| !t.is_finished()))
            .unwrap_or(false)
    }

    fn control(&self, control: BulkControl) {
        let Ok(slot) = self.running.lock() else {
            return;
        };
        let Some(handle) = &slot.handle else {
            return;
        };
        match control {
            BulkControl::Pause => handle.pause(),
            BulkControl::Resume => handle.resume(),
            BulkControl::Cancel => handle.cancel(),
            BulkControl::Concurrency(n) => handle.set_concurrency(n),
        }
    }

    fn send(&self, outcome: Outcome) {
        let _ = self.actions.send(Action::Outcome(outcome));
    }

    /// Starts a bulk run in its own task (it does not hold one of the console's slots); its
    /// progress and its end come back as outcomes.
    fn start_bulk(&self, work: Work) {
        if self.bulk_running() {
            self.send(Outcome::BulkFinished(Err(BulkError::Busy)));
            return;
        }
        let handle = RunHandle::new(self.bulk.options().concurrency);
        let worker = self.clone();
        let task_handle = handle.clone();
        let task = tokio::spawn(async move {
            let result = match worker.bulk.open(work).await {
                Ok(opened) => {
                    let (tx, mut rx) = mpsc::unbounded_channel();
                    let actions = worker.actions.clone();
                    let forward = tokio::spawn(async move {
                        while let Some(progress) = rx.recv().await {
                            let _ = actions.send(Action::Outcome(Outcome::BulkProgress(progress)));
                        }
                    });
                    let finished = worker.bulk.run(opened, task_handle, Some(tx)).await;
                    // Every progress event is delivered before the end.
                    let _ = forward.await;
                    Ok(finished)
                }
                Err(e) => Err(e),
            };
            let written = result.as_ref().ok().map(|f| f.written());
            worker.send(Outcome::BulkFinished(result.map(|f| f.report)));
            // What the run wrote, into the cache (as the command line does after a run).
            if let Some(written) = written {
                worker.write_back(written).await;
            }
            worker.send(Outcome::RateLimit(worker.client.rate_limit()));
        });
        if let Ok(mut slot) = self.running.lock() {
            slot.handle = Some(handle);
            slot.task = Some(task);
        }
    }

    /// Runs blocking journal work off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&BulkService) -> Result<T, BulkError> + Send + 'static,
    ) -> Result<T, BulkError> {
        let bulk = self.bulk.clone();
        tokio::task::spawn_blocking(move || f(&bulk))
            .await
            .map_err(|e| BulkError::Task(e.to_string()))
            .and_then(|r| r)
    }

    /// Starts a command; its outcome arrives later as an `Action`. Never blocks the caller.
    pub fn spawn(&self, command: Command) {
        match command {
            Command::BulkStart(work) => return self.start_bulk(*work),
            Command::BulkControl(control) => return self.control(control),
            _ => {}
        }
        let worker = self.clone();
        tokio::spawn(async move {
            let Ok(_slot) = worker.slots.clone().acquire_owned().await else {
                return;
            };
            if let Some(outcome) = worker.run(command).await {
                let _ = worker.actions.send(Action::Outcome(outcome));
            }
            let _ = worker.actions.send(Action::Outcome(Outcome::RateLimit(
                worker.client.rate_limit(),
            )));
        });
    }

    async fn run(&self, command: Command) -> Option<Outcome> {
        let c = &self.client;
        Some(match command {
            Command::LoadFields => {
                Outcome::Fields(self.read(1, || c.custom_attribute_fields()).await)
            }
            Command::LoadRoles => Outcome::Roles(self.read(1, || c.list_roles(None)).await),
            Command::LoadGroups => Outcome::Groups(self.read(1, || c.list_groups()).await),
            Command::LoadUsers {
                generation,
                query,
                after_cursor,
                calls_left,
            } => {
                let page = || c.list_users_page(&query, after_cursor.as_deref());
                let result = self.read(calls_left, page).await;
                if calls_left > 1 && result.is_ok() {
                    let rest = usize::try_from(calls_left - 1).unwrap_or(usize::MAX);
                    let eta = self.pacer.eta(rest, self.pacer.latency(), 1);
                    self.send(Outcome::LoadPace { generation, eta });
                }
                Outcome::UsersPage { generation, result }
            }
            Command::EstimateLoadAll {
                generation,
                query,
                listed,
            } => {
                let versions = self.bulk.versions();
                let policy = RetryPolicy::INTERACTIVE;
                let measured = listing::measure(c, Some(&self.pacer), policy, versions, &query);
                let result = measured
                    .await
                    .map(|size| Cost::of(size, listed, &self.pacer));
                Outcome::LoadAllEstimate { generation, result }
            }
            Command::LoadUser { id } => Outcome::User {
                id,
                result: self.read(1, || c.get_user(id)).await,
            },
            Command::LoadUserRoles { id } => Outcome::UserRoles {
                id,
                result: self.read(1, || c.user_roles(id)).await,
            },
            Command::LoadUserApps { id } => Outcome::UserApps {
                id,
                result: self.read(1, || c.user_apps(id)).await,
            },
            Command::LoadUserFactors { id } => Outcome::UserFactors {
                id,
                result: self.read(1, || c.mfa_devices(id)).await,
            },
            Command::Resend {
                what,
                method,
                url,
                body,
            } => Outcome::Resent {
                what,
                result: c.resend(&method, &url, body.as_deref()).await,
            },
            Command::RemoveFactor {
                id,
                device_id,
                name,
            } => Outcome::FactorRemoved {
                id,
                result: c.remove_mfa_device(id, &device_id).await,
                device_id,
                name,
            },
            Command::LoadUserEvents { id } => {
                let query = EventFilter::for_user(id).query(Utc::now());
                let page = || c.list_events_page(&query, None);
                Outcome::UserEvents {
                    id,
                    result: self.read(1, page).await.map(|p| p.items),
                }
            }
            Command::LoadEventTypes => Outcome::EventTypes(self.read(1, || c.event_types()).await),
            Command::LoadEvents { generation, filter } => {
                let query = filter.query(Utc::now());
                let result = self.read(1, || c.list_events_page(&query, None)).await;
                Outcome::EventsPage {
                    generation,
                    query,
                    result,
                }
            }
            Command::LoadMoreEvents {
                generation,
                query,
                after_cursor,
            } => {
                let page = || c.list_events_page(&query, Some(&after_cursor));
                let result = self.read(1, page).await;
                Outcome::EventsPage {
                    generation,
                    query,
                    result,
                }
            }
            Command::PollEvents {
                generation,
                query,
                after_cursor,
            } => {
                let page = || c.list_events_page(&query, after_cursor.as_deref());
                Outcome::EventsPolled {
                    generation,
                    result: self.read(1, page).await,
                }
            }
            Command::LoadRunMarks => {
                let dir = self.bulk.runs_dir().to_path_buf();
                let tenant = self.bulk.tenant().clone();
                let own = Some(c.config().client_id.clone());
                let built =
                    tokio::task::spawn_blocking(move || RunMarks::build(&dir, &tenant, own));
                // A build that panicked marks nothing: marks are a help, not a record.
                Outcome::RunMarks(Arc::new(built.await.unwrap_or_default()))
            }
            Command::SetCustomAttributes { id, values } => Outcome::Saved {
                id,
                part: SavePart::CustomAttributes,
                result: c.set_custom_attributes(id, &values).await.map(|()| None),
            },
            Command::UpdateUser { id, update } => Outcome::Saved {
                id,
                part: SavePart::Fields,
                result: c.update_user(id, &update).await.map(Some),
            },
            Command::UpdateUserV3 { id, update } => Outcome::Saved {
                id,
                part: SavePart::Fields,
                result: c.update_user_v3(id, &update).await.map(|()| None),
            },
            Command::AddRoles { id, role_ids } => Outcome::Saved {
                id,
                part: SavePart::AddRoles,
                result: c.add_roles(id, &role_ids).await.map(|()| None),
            },
            Command::RemoveRoles { id, role_ids } => Outcome::Saved {
                id,
                part: SavePart::RemoveRoles,
                result: c.remove_roles(id, &role_ids).await.map(|()| None),
            },
            Command::BulkPlan {
                generation,
                ids,
                changes,
            } => Outcome::BulkPlanned {
                generation,
                result: self.bulk.plan_selection(&ids, &changes).await,
            },
            Command::BulkPlanUndo { generation, path } => {
                let result = match self.blocking(move |b| b.read_run(&path)).await {
                    Ok(log) => self.bulk.plan_undo(&log).await,
                    Err(e) => Err(e),
                };
                Outcome::BulkPlanned { generation, result }
            }
            Command::BulkListRuns => Outcome::BulkRuns(self.blocking(|b| Ok(b.list_runs())).await),
            Command::BulkOpenRun { path } => {
                Outcome::BulkJournal(self.blocking(move |b| b.read_run(&path)).await)
            }
            Command::CacheOpen {
                generation,
                columns,
            } => {
                let first = crate::app::update::CACHE_FIRST;
                let result = self
                    .on_cache(true, move |store| {
                        let sync = store.sync_state()?;
                        Ok(crate::app::cache_state::CacheOpened {
                            complete: sync.complete,
                            last_sync: sync.last_sync,
                            users: store.count()?,
                            rows: cached_rows(store, 0, first, &columns)?,
                        })
                    })
                    .await?;
                Outcome::CacheOpened { generation, result }
            }
            Command::CacheLoad {
                generation,
                after,
                columns,
            } => {
                let chunk = crate::app::update::CACHE_CHUNK;
                let result = self
                    .on_cache(false, move |store| {
                        cached_rows(store, after, chunk, &columns)
                    })
                    .await?;
                Outcome::CacheRows { generation, result }
            }
            Command::CacheRefresh { limit } => {
                Outcome::CacheRefreshed(self.refresh_cache(limit).await)
            }
            Command::CacheWrite { users } => {
                let written = self
                    .on_cache(false, move |store| {
                        let pass = store.sync_state()?.pass;
                        store.upsert(&users, pass, None)
                    })
                    .await;
                if let Some(Err(e)) = written {
                    tracing::warn!(error = %e, "a user could not be written to the cache");
                }
                return None;
            }
            Command::Copy { .. }
            | Command::WriteExport { .. }
            | Command::SaveView { .. }
            | Command::SetTheme { .. }
            | Command::ExportCsv { .. }
            | Command::Quit
            | Command::SwitchProfile { .. }
            | Command::BulkStart(_)
            | Command::BulkControl(_) => return None,
        })
    }
}

/// The cached users after id `after` (at most `limit`) as the list keeps them, with
/// their filter text: built here, off the console's thread, straight from the file's
/// columns (the console only takes them in).
pub fn cached_rows(
    store: &Store,
    after: i64,
    limit: usize,
    columns: &[crate::app::columns::ColumnSpec],
) -> Result<RowBatch, CacheError> {
    let mut rows = RowBatch::new(columns);
    store.read_rows(after, limit, |row| rows.push_cached(row))?;
    Ok(rows)
}

impl Worker {
    /// A read through the console's pacer, retried by the interactive policy.
    /// `calls_left`: how many a long read (`L`) still plans with this one, to be spread
    /// within the share; 1: a read the user waits for on its own, counted but never held
    /// back by the share (past the budget the server's 429 says so). Writes are neither
    /// paced nor retried here (the user sees the error and saves again, nothing is lost).
    async fn read<T, F, Fut>(&self, calls_left: u64, call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let calls_left = usize::try_from(calls_left).ok().filter(|n| *n > 1);
        paced(
            Some(&self.pacer),
            RetryPolicy::INTERACTIVE,
            calls_left,
            call,
        )
        .await
    }
}
