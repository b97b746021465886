//! The bulk service: the one way bulk edits are planned, previewed, run, resumed and undone,
//! and past runs listed. The console's worker and the headless commands both drive it; they
//! differ only in how they show its answers.
//!
//! A run is opened (its journal created, or reopened for a resume, on the right tenant
//! only), then run to its end or until cancelled through its [`RunHandle`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::csv_in::{CsvInput, Refusal, Refusals, ResolveError};
use super::execute::{
    Progress, RunHandle, RunOptions, RunSummary, Runner, UserOutcome, UserWork, read_with_retry,
};
use super::journal::{
    Conflict, Journal, JournalError, Record, RunInfo, RunKind, RunLog, RunMeta, Source, find_run,
    list_runs, now_text,
};
use super::pacing::{self, Budget, Pacer};
use super::plan::{Call, Change, Plan, UnknownUser, fetch_current, fields_for, prepare};
use super::undo::{CannotUndo, needs_for_log, undo_plan};
use super::versions::Versions;
use crate::api::{ApiError, Client};
use crate::config::ApiMode;
use crate::tenant::Tenant;

/// Until a call is timed, an estimate assumes this much per call.
const DEFAULT_PER_CALL: Duration = Duration::from_millis(150);

/// What the tenant was read for when a read failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadWhat {
    Users,
    AttributeFields,
}

impl ReadWhat {
    pub fn noun(self) -> &'static str {
        match self {
            ReadWhat::Users => "users",
            ReadWhat::AttributeFields => "custom attribute fields",
        }
    }
}

/// A run made on another tenant than the one the settings point to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("run {run} was made on tenant {made_on}, not on {here}")]
pub struct OtherTenant {
    pub run: String,
    pub made_on: Tenant,
    pub here: Tenant,
}

/// Why the service could not do what it was asked; nothing was written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BulkError {
    /// The changes cannot be planned as they are (a field value of the wrong type…).
    #[error("{0}")]
    Invalid(String),
    #[error("cannot read the {}: {error}", what.noun())]
    Read { what: ReadWhat, error: ApiError },
    #[error("unknown user(s): {}", ids(.0))]
    Unknown(Vec<UnknownUser>),
    /// A CSV file, refused before any write.
    #[error("{0}")]
    Refused(Refusals),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    OtherTenant(#[from] OtherTenant),
    #[error("run {run} is finished: nothing to resume")]
    Finished { run: String },
    #[error("a run is going already: one run at a time")]
    Busy,
    /// The run's task ended without an answer (it panicked or was aborted).
    #[error("the run's task ended: {0}")]
    Task(String),
}

fn ids(unknown: &[UnknownUser]) -> String {
    unknown
        .iter()
        .map(|u| u.id.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The one rule for "may this run be resumed or undone here?".
pub fn same_tenant(run: &str, made_on: &Tenant, here: &Tenant) -> Result<(), OtherTenant> {
    if made_on == here {
        Ok(())
    } else {
        Err(OtherTenant {
            run: run.to_string(),
            made_on: made_on.clone(),
            here: here.clone(),
        })
    }
}

/// What a preview is of.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanKind {
    Apply,
    /// The undo of run `of`; `conflicts`: users changed since, left alone; `cannot_undo`:
    /// what the run did that has no inverse (deletes, factor removals, logouts) or that
    /// has nothing left to restore (a lock that would have ended), apart from conflicts.
    Undo {
        of: String,
        conflicts: Vec<Conflict>,
        cannot_undo: CannotUndo,
    },
}

/// A plan with what a preview shows around it.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub kind: PlanKind,
    pub plan: Plan,
    /// The CSV the plan came from, kept in the journal so results can be written later.
    pub source: Option<Source>,
    /// Calls made to plan: the users' current values, the attribute check.
    pub reads: usize,
    /// API /2 was refused while this plan was made: it uses /1 alone, and why.
    pub fallback: Option<String>,
    /// The time the calls should take under the rate budget at planning time.
    pub estimate: Duration,
    pub concurrency: usize,
    /// The rate budget as last reported when the plan was made.
    pub budget: Option<Budget>,
}

/// What a run is to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// A previewed plan (an apply or an undo).
    Plan(Box<Preview>),
    /// An unfinished run, picked up again from its journal.
    Resume(PathBuf),
}

/// A run whose journal is open and whose work is known: ready to [`BulkService::run`].
#[derive(Debug)]
pub struct Opened {
    journal: Journal,
    work: Vec<UserWork>,
    /// Users a resumed run had settled before.
    settled: Vec<(i64, UserOutcome)>,
    meta: RunMeta,
}

impl Opened {
    pub fn run_id(&self) -> &str {
        &self.meta.run
    }

    /// Users with calls still to make.
    pub fn users_left(&self) -> usize {
        self.work.len()
    }

    /// Calls sent before without a recorded answer: each is re-read before anything is resent.
    pub fn unconfirmed_calls(&self) -> usize {
        self.work
            .iter()
            .flat_map(|w| w.calls.iter())
            .filter(|(_, unconfirmed)| *unconfirmed)
            .count()
    }
}

/// How a run ended, counting the users a resumed run had settled before.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub run: String,
    pub journal: PathBuf,
    pub done: usize,
    pub failed: usize,
    pub not_done: usize,
    pub unchanged: usize,
    /// Write calls sent by this run (attempts included).
    pub calls_sent: usize,
    pub elapsed: Duration,
    /// Cancelled (or signalled) before the end: it can be resumed.
    pub stopped: bool,
    /// The journal could not be written: the run stopped.
    pub journal_error: Option<String>,
}

impl RunReport {
    /// Every user done and the journal whole.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.not_done == 0 && self.journal_error.is_none()
    }
}

/// A run's end: the report, and each user's outcome for the result files.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    pub report: RunReport,
    pub outcomes: HashMap<i64, UserOutcome>,
    pub unchanged: HashSet<i64>,
    pub source: Option<Source>,
    /// The users this run's plan deletes (sent in this session).
    pub deleting: HashSet<i64>,
}

impl Finished {
    /// What the run did to users, for the user cache: the users whose delete the tenant
    /// confirmed, and every other user it wrote to or may have (failed, stopped, or
    /// settled by an earlier session).
    pub fn written(&self) -> crate::cache::Written {
        let mut written = crate::cache::Written::default();
        for (id, outcome) in &self.outcomes {
            if *outcome == UserOutcome::Done && self.deleting.contains(id) {
                written.deleted.push(*id);
            } else {
                written.changed.push(*id);
            }
        }
        written.deleted.sort_unstable();
        written.changed.sort_unstable();
        written
    }
}

/// Bulk edits on one tenant, journaled in one folder.
#[derive(Debug, Clone)]
pub struct BulkService {
    client: Client,
    tenant: Tenant,
    runs_dir: PathBuf,
    options: RunOptions,
    versions: Versions,
}

impl BulkService {
    pub fn new(client: Client, tenant: Tenant, runs_dir: PathBuf, options: RunOptions) -> Self {
        BulkService {
            client,
            tenant,
            runs_dir,
            options,
            versions: Versions::new(ApiMode::Auto),
        }
    }

    /// Which API versions the work uses (`api = "auto" | "v1"`).
    pub fn with_api(mut self, mode: ApiMode) -> Self {
        self.versions = Versions::new(mode);
        self
    }

    /// API /2 or /1 alone, and whether /2 was refused (the console's reads follow it too).
    pub fn versions(&self) -> &Versions {
        &self.versions
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    pub fn options(&self) -> RunOptions {
        self.options
    }

    pub fn runs_dir(&self) -> &Path {
        &self.runs_dir
    }

    pub(super) fn pacer(&self) -> Pacer {
        Pacer::new(self.client.clone(), self.options.max_budget_share)
    }

    /// `changes` for each of `ids`, planned against their current values (read fresh:
    /// ⌈N/50⌉ list calls).
    pub async fn plan_selection(
        &self,
        ids: &[i64],
        changes: &[Change],
    ) -> Result<Preview, BulkError> {
        let targets = Plan::uniform(ids, changes).map_err(BulkError::Invalid)?;
        let t0 = Instant::now();
        let calls0 = self.client.calls_made();
        let fallback0 = self.versions.fallback();
        let plan = prepare(&self.client, Some(&self.pacer()), &targets, &self.versions)
            .await
            .map_err(|e| match e {
                super::plan::PrepareError::Unknown(u) => BulkError::Unknown(u),
                super::plan::PrepareError::Api(error) => BulkError::Read {
                    what: ReadWhat::Users,
                    error,
                },
                super::plan::PrepareError::NeedsV2(why) => BulkError::Invalid(why),
            })?;
        let reads = self.calls_since(calls0);
        let preview = self.preview(PlanKind::Apply, plan, None, reads, t0.elapsed());
        Ok(self.noting_fallback(preview, fallback0))
    }

    /// Says in the preview when /2 was refused while it was planned.
    pub(super) fn noting_fallback(&self, mut preview: Preview, before: Option<String>) -> Preview {
        let now = self.versions.fallback();
        if before.is_none() {
            preview.fallback = now;
        }
        preview
    }

    pub(super) fn calls_since(&self, before: u64) -> usize {
        usize::try_from(self.client.calls_made().saturating_sub(before)).unwrap_or(usize::MAX)
    }

    /// A CSV's desired state, checked whole against the tenant before anything is planned:
    /// its attribute columns, then every row's user.
    pub async fn plan_csv(&self, input: &mut CsvInput) -> Result<Preview, BulkError> {
        let pacer = self.pacer();
        let t0 = Instant::now();
        let calls0 = self.client.calls_made();
        let fallback0 = self.versions.fallback();
        if !input.attributes().is_empty() {
            let known = read_with_retry(Some(&pacer), || self.client.custom_attribute_fields())
                .await
                .map_err(|error| BulkError::Read {
                    what: ReadWhat::AttributeFields,
                    error,
                })?;
            input.check_attributes(&known).map_err(BulkError::Refused)?;
        }
        let desired: Vec<_> = input.rows.iter().map(|r| input.desired(r)).collect();
        let fields = fields_for(desired.iter());
        let (targets, current) = input
            .resolve(&self.client, Some(&pacer), &fields, &self.versions)
            .await
            .map_err(|e| match e {
                ResolveError::Refused(r) => BulkError::Refused(r),
                ResolveError::Api(error) => BulkError::Read {
                    what: ReadWhat::Users,
                    error,
                },
            })?;
        let plan = Plan::build(&targets, &current, self.versions.mode()).map_err(|unknown| {
            BulkError::Refused(Refusals(
                unknown
                    .iter()
                    .map(|u| {
                        let line = u.row.and_then(|i| input.rows.get(i)).map(|r| r.line);
                        Refusal::new(line, None, format!("unknown user {}", u.id))
                    })
                    .collect(),
            ))
        })?;
        let source = Some(input.source());
        let reads = self.calls_since(calls0);
        let preview = self.preview(PlanKind::Apply, plan, source, reads, t0.elapsed());
        Ok(self.noting_fallback(preview, fallback0))
    }

    /// The undo of `log`: each user back to its value before the run, where nobody changed
    /// it since (read fresh); the others are left alone and listed.
    pub async fn plan_undo(&self, log: &RunLog) -> Result<Preview, BulkError> {
        same_tenant(&log.meta.run, &log.meta.tenant, &self.tenant)?;
        let ids: Vec<i64> = log.users.iter().map(|u| u.id).collect();
        let t0 = Instant::now();
        let calls0 = self.client.calls_made();
        let fallback0 = self.versions.fallback();
        let current = fetch_current(
            &self.client,
            Some(&self.pacer()),
            &ids,
            &needs_for_log(log),
            &self.versions,
        )
        .await
        .map_err(|error| BulkError::Read {
            what: ReadWhat::Users,
            error,
        })?;
        let reads = self.calls_since(calls0);
        // A user the tenant no longer has is a conflict (left alone), as before, unless
        // the run deleted it: that cannot be undone.
        let undo = undo_plan(
            log,
            &current.users,
            self.versions.mode(),
            chrono::Utc::now(),
        );
        let plan = Plan {
            users: undo.users,
            unchanged: Vec::new(),
        };
        // Undoing a lock is an unlock, which API /1 cannot do.
        let mut calls = plan.users.iter().flat_map(|u| &u.calls);
        if !self.versions.use_v2() && calls.any(|c| *c == Call::UnlockUser) {
            return Err(BulkError::Invalid(self.versions.v2_only("unlocking")));
        }
        let kind = PlanKind::Undo {
            of: log.meta.run.clone(),
            conflicts: undo.conflicts,
            cannot_undo: undo.cannot_undo,
        };
        let preview = self.preview(kind, plan, None, reads, t0.elapsed());
        Ok(self.noting_fallback(preview, fallback0))
    }

    pub(super) fn preview(
        &self,
        kind: PlanKind,
        plan: Plan,
        source: Option<Source>,
        reads: usize,
        took: Duration,
    ) -> Preview {
        let per_call = match u32::try_from(reads) {
            Ok(n) if n > 0 => took / n,
            _ => DEFAULT_PER_CALL,
        };
        let budget = self.client.rate_limit().map(Budget::from);
        let estimate = pacing::estimate(
            plan.calls(),
            budget,
            self.options.max_budget_share,
            budget.map_or(Duration::ZERO, |b| b.reset),
            Instant::now(),
            per_call,
            self.options.concurrency,
        );
        Preview {
            kind,
            plan,
            source,
            reads,
            fallback: None,
            estimate,
            concurrency: self.options.concurrency,
            budget,
        }
    }

    /// Every run in the journal folder, newest first, with its counts.
    pub fn list_runs(&self) -> Vec<RunInfo> {
        list_runs(&self.runs_dir)
    }

    /// A run by id, unique id prefix or path; `None`: the newest unfinished run.
    pub fn find_run(&self, arg: Option<&str>) -> Result<RunLog, BulkError> {
        let path = find_run(&self.runs_dir, arg)?;
        Ok(RunLog::read(&path)?)
    }

    /// One run's journal, read back.
    pub fn read_run(&self, path: &Path) -> Result<RunLog, BulkError> {
        Ok(RunLog::read(path)?)
    }

    /// Opens a run: a new journal for a previewed plan, or the unfinished run's own
    /// journal for a resume (on this tenant only, and only if it is unfinished).
    pub async fn open(&self, work: Work) -> Result<Opened, BulkError> {
        match work {
            Work::Plan(preview) => {
                let preview = *preview;
                let mut meta = match preview.kind {
                    PlanKind::Apply => {
                        RunMeta::new(RunKind::of_plan(&preview.plan.users), &self.tenant)
                    }
                    PlanKind::Undo { of, conflicts, .. } => RunMeta {
                        undo_of: Some(of),
                        conflicts,
                        ..RunMeta::new(RunKind::Undo, &self.tenant)
                    },
                };
                meta.unchanged = preview.plan.unchanged.clone();
                meta.source = preview.source;
                let journal = Journal::create(&self.runs_dir, meta.clone(), &preview.plan.users)?;
                let work = preview
                    .plan
                    .users
                    .into_iter()
                    .map(UserWork::fresh)
                    .collect();
                Ok(Opened {
                    journal,
                    work,
                    settled: Vec::new(),
                    meta,
                })
            }
            Work::Resume(path) => {
                let log = RunLog::read(&path)?;
                same_tenant(&log.meta.run, &log.meta.tenant, &self.tenant)?;
                if log.finished {
                    return Err(BulkError::Finished {
                        run: log.meta.run.clone(),
                    });
                }
                let journal = Journal::open(&log.path, &log.meta.run)?;
                journal.append(&Record::Resumed { at: now_text() }).await?;
                let (work, settled) = UserWork::from_log(&log);
                Ok(Opened {
                    journal,
                    work,
                    settled,
                    meta: log.meta,
                })
            }
        }
    }

    /// Runs an opened run to its end, or until `handle` cancels it; `progress` hears of
    /// every user as it settles.
    pub async fn run(
        &self,
        opened: Opened,
        handle: RunHandle,
        progress: Option<mpsc::UnboundedSender<Progress>>,
    ) -> Finished {
        let mut runner = Runner::new(self.client.clone(), opened.journal, self.options)
            .with_handle(handle)
            .with_versions(self.versions.clone());
        if let Some(tx) = progress {
            runner = runner.with_progress(tx);
        }
        let deleting = opened
            .work
            .iter()
            .filter(|w| w.plan.after.exists == Some(false))
            .map(|w| w.plan.id)
            .collect();
        let summary = runner.run(opened.work).await;
        finished(summary, opened.settled, opened.meta, deleting)
    }
}

fn finished(
    summary: RunSummary,
    settled: Vec<(i64, UserOutcome)>,
    meta: RunMeta,
    deleting: HashSet<i64>,
) -> Finished {
    let outcomes: HashMap<i64, UserOutcome> = settled
        .into_iter()
        .chain(summary.outcomes.iter().cloned())
        .collect();
    let count = |f: fn(&UserOutcome) -> bool| outcomes.values().filter(|o| f(o)).count();
    let report = RunReport {
        run: summary.run.clone(),
        journal: summary.journal.clone(),
        done: count(|o| *o == UserOutcome::Done),
        failed: count(|o| matches!(o, UserOutcome::Failed { .. })),
        not_done: count(|o| *o == UserOutcome::NotDone),
        unchanged: meta.unchanged.len(),
        calls_sent: summary.calls_sent,
        elapsed: summary.elapsed,
        stopped: summary.stopped,
        journal_error: summary.journal_error,
    };
    Finished {
        report,
        outcomes,
        unchanged: meta.unchanged.into_iter().collect(),
        source: meta.source,
        deleting,
    }
}
