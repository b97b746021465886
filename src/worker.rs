//! The async action channel: runs `Command`s on `api::Client` with bounded concurrency and
//! sends each outcome back as an `Action`. The only place where `app` and `api` meet.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;

use crate::api::{ApiError, Client, RetryPolicy, SortOrder};
use crate::app::action::{
    Action, BulkControl, BulkWork, Command, Outcome, PlanKind, PlanReady, RunEnd, SavePart,
};
use crate::app::bulk_rows::run_row;
use crate::bulk::journal::now_text;
use crate::bulk::undo::{fields_for_log, plan_undo};
use crate::bulk::{
    Budget, Change, Journal, Pacer, Plan, Record, RunHandle, RunKind, RunLog, RunMeta, RunOptions,
    RunSummary, Runner, Target, UserWork, fetch_current, list_runs, pacing, prepare,
};

/// Where bulk runs are journaled, how they run, and on whose name.
#[derive(Debug, Clone)]
pub struct BulkConfig {
    pub runs_dir: PathBuf,
    pub options: RunOptions,
    pub profile: String,
    /// The tenant's API host, as journals name it.
    pub tenant: String,
}

/// The running bulk run: its handle (pause, cancel…) and its task.
#[derive(Default)]
struct BulkSlot {
    handle: Option<RunHandle>,
    task: Option<JoinHandle<()>>,
}

/// Until a call is timed, an estimate assumes this much per call.
const DEFAULT_PER_CALL: Duration = Duration::from_millis(150);

#[derive(Clone)]
pub struct Worker {
    client: Client,
    actions: mpsc::UnboundedSender<Action>,
    slots: Arc<Semaphore>,
    bulk: Arc<BulkConfig>,
    running: Arc<Mutex<BulkSlot>>,
}

impl Worker {
    pub fn new(
        client: Client,
        actions: mpsc::UnboundedSender<Action>,
        concurrency: usize,
    ) -> Worker {
        let bulk = BulkConfig {
            runs_dir: crate::bulk::runs_dir(),
            options: RunOptions::default(),
            profile: "default".into(),
            tenant: tenant_of(client.base_url().as_str()),
        };
        Worker {
            client,
            actions,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            bulk: Arc::new(bulk),
            running: Arc::new(Mutex::new(BulkSlot::default())),
        }
    }

    /// Bulk runs go to `config.runs_dir`, with its options, profile and tenant.
    pub fn with_bulk(mut self, config: BulkConfig) -> Worker {
        self.bulk = Arc::new(config);
        self
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

    /// Starts a bulk run in its own task (it does not hold one of the console's slots).
    fn start_bulk(&self, work: BulkWork) {
        if self.bulk_running() {
            let _ = self.actions.send(Action::Outcome(Outcome::BulkFinished(Err(
                "a run is going already: one at a time".into(),
            ))));
            return;
        }
        let handle = RunHandle::new(self.bulk.options.concurrency);
        let worker = self.clone();
        let task_handle = handle.clone();
        let task = tokio::spawn(async move {
            let result = worker.run_bulk(work, task_handle).await;
            let _ = worker
                .actions
                .send(Action::Outcome(Outcome::BulkFinished(result)));
            let _ = worker.actions.send(Action::Outcome(Outcome::RateLimit(
                worker.client.rate_limit(),
            )));
        });
        if let Ok(mut slot) = self.running.lock() {
            slot.handle = Some(handle);
            slot.task = Some(task);
        }
    }

    async fn run_bulk(&self, work: BulkWork, handle: RunHandle) -> Result<RunEnd, String> {
        let config = &self.bulk;
        let (journal, work) = match work {
            BulkWork::Apply { plan } => {
                let mut meta = RunMeta::new(RunKind::Apply, &config.profile, &config.tenant);
                meta.unchanged = plan.unchanged.clone();
                let journal = Journal::create(&config.runs_dir, meta, &plan.users)
                    .map_err(|e| e.to_string())?;
                (journal, fresh(plan))
            }
            BulkWork::Undo {
                of,
                plan,
                conflicts,
            } => {
                let meta = RunMeta {
                    undo_of: Some(of),
                    conflicts,
                    ..RunMeta::new(RunKind::Undo, &config.profile, &config.tenant)
                };
                let journal = Journal::create(&config.runs_dir, meta, &plan.users)
                    .map_err(|e| e.to_string())?;
                (journal, fresh(plan))
            }
            BulkWork::Resume { path } => {
                let log = RunLog::read(&path).map_err(|e| e.to_string())?;
                self.same_tenant(&log)?;
                if log.finished {
                    return Err(format!(
                        "run {} is finished: nothing to resume",
                        log.meta.run
                    ));
                }
                let journal = Journal::open(&log.path, &log.meta.run).map_err(|e| e.to_string())?;
                journal
                    .append(&Record::Resumed { at: now_text() })
                    .await
                    .map_err(|e| e.to_string())?;
                let (work, _settled) = UserWork::from_log(&log);
                (journal, work)
            }
        };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let actions = self.actions.clone();
        let forward = tokio::spawn(async move {
            while let Some(progress) = rx.recv().await {
                let _ = actions.send(Action::Outcome(Outcome::BulkProgress(progress)));
            }
        });
        let summary = Runner::new(self.client.clone(), journal, config.options)
            .with_handle(handle)
            .with_progress(tx)
            .run(work)
            .await;
        // Every progress event is delivered before the end.
        let _ = forward.await;
        Ok(run_end(&summary))
    }

    fn same_tenant(&self, log: &RunLog) -> Result<(), String> {
        if log.meta.tenant == self.bulk.tenant {
            Ok(())
        } else {
            Err(format!(
                "run {} was made on tenant {} (profile `{}`), this console is on {}",
                log.meta.run, log.meta.tenant, log.meta.profile, self.bulk.tenant
            ))
        }
    }

    /// The plan of `changes` over `ids`, with the totals the preview shows.
    async fn plan(&self, ids: &[i64], changes: &[Change]) -> Result<PlanReady, String> {
        let options = self.bulk.options;
        let pacer = Pacer::new(self.client.clone(), options.max_budget_share);
        let targets: Vec<Target> = Plan::uniform(ids, changes)?;
        // Current values are read fresh: ceil(N/50) list calls.
        let reads = ids.len().div_ceil(crate::api::MAX_LIMIT as usize);
        let t0 = Instant::now();
        let plan = prepare(&self.client, Some(&pacer), &targets, &HashMap::new())
            .await
            .map_err(|e| e.to_string())?;
        Ok(self.ready(PlanKind::Apply, plan, reads, t0.elapsed()))
    }

    async fn plan_undo(&self, path: &std::path::Path) -> Result<PlanReady, String> {
        let log = RunLog::read(path).map_err(|e| e.to_string())?;
        self.same_tenant(&log)?;
        let pacer = Pacer::new(self.client.clone(), self.bulk.options.max_budget_share);
        let ids: Vec<i64> = log.users.iter().map(|u| u.id).collect();
        let t0 = Instant::now();
        let current = fetch_current(
            &self.client,
            Some(&pacer),
            &ids,
            &fields_for_log(&log),
            &HashMap::new(),
        )
        .await
        .map_err(|e| format!("cannot read the users: {e}"))?;
        let reads = ids.len().div_ceil(crate::api::MAX_LIMIT as usize);
        let (users, conflicts) = plan_undo(&log, &current);
        let plan = Plan {
            users,
            unchanged: Vec::new(),
        };
        let kind = PlanKind::Undo {
            of: log.meta.run.clone(),
            conflicts,
        };
        Ok(self.ready(kind, plan, reads, t0.elapsed()))
    }

    fn ready(&self, kind: PlanKind, plan: Plan, reads: usize, took: Duration) -> PlanReady {
        let options = self.bulk.options;
        let per_call = if reads > 0 {
            took / u32::try_from(reads).unwrap_or(u32::MAX)
        } else {
            DEFAULT_PER_CALL
        };
        let rate = self.client.rate_limit();
        let budget = rate.map(Budget::from);
        let estimate = pacing::estimate(
            plan.calls(),
            budget,
            options.max_budget_share,
            budget.map_or(Duration::ZERO, |b| b.reset),
            Instant::now(),
            per_call,
            options.concurrency,
        );
        PlanReady {
            kind,
            plan,
            estimate,
            concurrency: options.concurrency,
            budget: rate.map(|r| (r.remaining, r.limit)),
            reads,
        }
    }

    /// The journal folder's runs, with their counts (files read off the async threads).
    async fn list_runs(&self) -> Result<Vec<crate::app::action::RunRow>, String> {
        let dir = self.bulk.runs_dir.clone();
        tokio::task::spawn_blocking(move || {
            list_runs(&dir)
                .into_iter()
                .filter_map(|info| RunLog::read(&info.path).ok())
                .map(|log| run_row(&log))
                .collect()
        })
        .await
        .map_err(|e| e.to_string())
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
            Command::LoadFields => Outcome::Fields(read(|| c.custom_attribute_fields()).await),
            Command::LoadRoles => Outcome::Roles(read(|| c.list_roles(None)).await),
            Command::LoadGroups => Outcome::Groups(read(|| c.list_groups()).await),
            Command::LoadUsers {
                generation,
                query,
                after_cursor,
            } => {
                let result = read(|| c.list_users_page(&query, after_cursor.as_deref())).await;
                Outcome::UsersPage { generation, result }
            }
            Command::LoadLastId { generation, query } => {
                let query = query.sort(SortOrder::IdDesc).limit(1).fields(&["id"]);
                let result = read(|| c.list_users_page(&query, None)).await;
                let result = result.map(|page| page.items.first().map(|u| u.id));
                Outcome::LastId { generation, result }
            }
            Command::LoadUser { id } => {
                let result =
                    read(|| async { Ok((c.get_user(id).await?, c.user_roles(id).await?)) }).await;
                Outcome::User { id, result }
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
                result: self.plan(&ids, &changes).await,
            },
            Command::BulkPlanUndo { generation, path } => Outcome::BulkPlanned {
                generation,
                result: self.plan_undo(&path).await,
            },
            Command::BulkListRuns => Outcome::BulkRuns(self.list_runs().await),
            Command::BulkOpenRun { path } => Outcome::BulkJournal(
                tokio::task::spawn_blocking(move || RunLog::read(&path).map_err(|e| e.to_string()))
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r),
            ),
            Command::Copy { .. }
            | Command::WriteExport { .. }
            | Command::Quit
            | Command::BulkStart(_)
            | Command::BulkControl(_) => return None,
        })
    }
}

/// A read, retried by the interactive policy; writes never are here
/// (the user sees the error and saves again, nothing is lost).
async fn read<T, F, Fut>(call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    RetryPolicy::INTERACTIVE.retry(call).await
}

fn fresh(plan: Plan) -> Vec<UserWork> {
    plan.users.into_iter().map(UserWork::fresh).collect()
}

fn run_end(summary: &RunSummary) -> RunEnd {
    RunEnd {
        run: summary.run.clone(),
        journal: summary.journal.clone(),
        done: summary.done(),
        failed: summary.failed(),
        not_done: summary.not_done(),
        calls_sent: summary.calls_sent,
        elapsed: summary.elapsed,
        stopped: summary.stopped,
        journal_error: summary.journal_error.clone(),
    }
}

/// The tenant as journals name it: the API URL without its scheme (as `Connection::host`).
fn tenant_of(url: &str) -> String {
    url.split_once("://")
        .map_or(url, |(_, rest)| rest)
        .trim_end_matches('/')
        .to_string()
}
