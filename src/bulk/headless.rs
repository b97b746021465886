//! The headless commands: `apply`, `resume`, `undo`, `export` (and the pieces the
//! lifecycle verbs in `verbs.rs` share: preview, confirmation, run, reports, summary).
//!
//! After a run, the profile's user cache (when `cache` is on and its file exists) keeps
//! what the run wrote: deleted users leave it, the others are read again from the
//! tenant (`cache::writes`), and a `cache: …` line says so.
//!
//! Preview and summary on stdout, progress on stderr. Exit codes: 0 every row
//! done, 2 some rows failed (or were not reached), 1 the file or the request
//! was refused (nothing written). SIGINT / SIGTERM / SIGHUP finish the calls
//! in flight, flush the journal and stop; `resume` picks the run up again.

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::csv_in::CsvInput;
use super::csv_out;
use super::execute::{Progress, ProgressStats, RunHandle, RunOptions, UserOutcome};
use super::journal::runs_dir;
use super::pacing::{self, Budget};
use super::plan::UserPlan;
use super::service::{
    BulkError, BulkService, Finished, Opened, PlanKind, Preview, RunReport, Work,
};
use crate::config::Settings;
use crate::sanitize::for_terminal;
use crate::tenant::Tenant;

pub use super::export::export;

pub const EXIT_OK: u8 = 0;
pub const EXIT_REFUSED: u8 = 1;
pub const EXIT_FAILED: u8 = 2;

/// Users the preview lists in full before "… and N more" (all with --dry-run).
const PREVIEW_USERS: usize = 20;

#[derive(Debug, Clone, Default)]
pub struct ApplyArgs {
    pub file: PathBuf,
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: Option<usize>,
    pub keep_empty: bool,
    pub report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct ResumeArgs {
    pub run: Option<String>,
    pub concurrency: Option<usize>,
    pub report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct UndoArgs {
    pub run: String,
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct ExportArgs {
    pub search: Option<String>,
    pub columns: Option<String>,
    pub output: Option<PathBuf>,
}

/// The bulk service the settings point to, with the run options they and the flags give.
pub(super) fn service(settings: &Settings, concurrency: Option<usize>) -> Result<BulkService, u8> {
    let client = crate::launch::client_for(&settings.connection, settings).map_err(|e| {
        eprintln!("onelogin-tui: {e}");
        EXIT_REFUSED
    })?;
    let mut options = RunOptions::from_settings(&settings.bulk);
    if let Some(n) = concurrency {
        options.concurrency = n.clamp(1, super::execute::MAX_CONCURRENCY);
    }
    let tenant = Tenant::new(&settings.profile, client.base_url());
    Ok(BulkService::new(client, tenant, runs_dir(), options).with_api(settings.connection.api))
}

fn budget_line(budget: Option<Budget>, share: f64) -> String {
    match budget {
        Some(b) => format!(
            "rate budget: {} of {} calls left, window resets in {} s; this run may use {} ({:.0}%) per window",
            b.remaining,
            b.limit,
            b.resets_at
                .saturating_duration_since(Instant::now())
                .as_secs(),
            pacing::allowance(b.remaining, share),
            share * 100.0
        ),
        None => "rate budget: not reported yet".into(),
    }
}

/// The preview: each user's before → after, then the totals.
pub(super) fn print_preview(what: &str, preview: &Preview, service: &BulkService, full: bool) {
    let plan = &preview.plan;
    let shown = if full {
        plan.users.len()
    } else {
        PREVIEW_USERS
    };
    for up in plan.users.iter().take(shown) {
        print_user(up);
    }
    if plan.users.len() > shown {
        println!(
            "  … and {} more user(s) (--dry-run lists them all)",
            plan.users.len() - shown
        );
    }
    println!();
    println!(
        "{what}: {} user(s) to change, {} call(s); {} unchanged user(s) skipped",
        plan.users.len(),
        plan.calls(),
        plan.unchanged.len()
    );
    for (call, n) in plan.call_summary() {
        println!("  {n} × {call}");
    }
    // Said before anything starts: what no undo brings back.
    if let Some(text) = plan.irreversible_text() {
        println!("{text}");
    }
    if let Some(why) = &preview.fallback {
        println!("note: {}", for_terminal(why));
    }
    let tenant = service.tenant();
    println!(
        "tenant: profile `{}` ({})",
        for_terminal(&tenant.profile),
        for_terminal(&tenant.address())
    );
    println!(
        "{}",
        budget_line(preview.budget, service.options().max_budget_share)
    );
    println!(
        "estimated time: {} at concurrency {}",
        super::duration_text(preview.estimate),
        preview.concurrency
    );
    if let PlanKind::Undo { conflicts, .. } = &preview.kind
        && !conflicts.is_empty()
    {
        println!(
            "left alone ({} user(s) changed since the run, not overwritten):",
            conflicts.len()
        );
        print_conflicts(conflicts, full);
    }
    if let PlanKind::Undo { cannot_undo, .. } = &preview.kind
        && !cannot_undo.is_empty()
    {
        let summary = cannot_undo
            .summary()
            .unwrap_or_else(|| "cannot be undone".into());
        println!("{summary} ({} user(s)):", cannot_undo.users.len());
        print_conflicts(&cannot_undo.users, full);
    }
}

fn print_conflicts(users: &[super::Conflict], full: bool) {
    let shown = if full { users.len() } else { PREVIEW_USERS };
    for c in users.iter().take(shown) {
        println!(
            "  user {} ({}): {}",
            c.id,
            for_terminal(&c.label),
            for_terminal(&c.reason)
        );
    }
    if users.len() > shown {
        println!(
            "  … and {} more user(s) (--dry-run lists them all)",
            users.len() - shown
        );
    }
}

fn print_user(up: &UserPlan) {
    println!("  user {} ({})", up.id, for_terminal(&up.label));
    for (k, b, a) in up.changes_text() {
        println!("      {k}: {} → {}", for_terminal(&b), for_terminal(&a));
    }
}

/// `--yes`, or the number of users typed on the terminal. `verb`: "apply" or "undo".
fn confirm(tenant: &Tenant, verb: &str, users: usize, yes: bool) -> Result<(), String> {
    let question = format!(
        "{} changes to {users} user(s) on profile `{}` (tenant {})?",
        if verb == "undo" { "Undo" } else { "Apply" },
        for_terminal(&tenant.profile),
        for_terminal(&tenant.address())
    );
    confirm_typed(&question, &users.to_string(), verb, yes)
}

/// `--yes`, or `answer` typed on the terminal after `question` (spaces between words
/// count once). With no terminal and no `--yes`, refused: say to pass `--yes`.
pub(super) fn confirm_typed(
    question: &str,
    answer: &str,
    verb: &str,
    yes: bool,
) -> Result<(), String> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "no terminal to confirm on: pass --yes to {verb} without a prompt; nothing was written"
        ));
    }
    eprint!("{question} Type `{answer}` to confirm, anything else cancels: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if line.split_whitespace().collect::<Vec<_>>().join(" ") == answer {
        Ok(())
    } else {
        Err(format!(
            "cancelled (the answer was not `{answer}`): nothing was written"
        ))
    }
}

fn stats_line(s: &ProgressStats) -> String {
    let eta = s
        .eta
        .filter(|_| s.remaining > 0)
        .map_or_else(|| "-".to_string(), super::duration_text);
    format!(
        "[{}/{}] done {} · failed {} · remaining {} · {:.0} calls/min · ETA {}{}",
        s.done + s.failed,
        s.users,
        s.done,
        s.failed,
        s.remaining,
        s.calls_per_minute,
        eta,
        if s.paused { " · paused" } else { "" }
    )
}

/// Progress on stderr: a line a second, failures and long waits as they happen.
async fn print_progress(mut rx: mpsc::UnboundedReceiver<Progress>) {
    let mut last_wait: Option<Instant> = None;
    while let Some(p) = rx.recv().await {
        match p {
            Progress::Started { run, users, calls } => {
                eprintln!("run {run}: {users} user(s), {calls} call(s)");
            }
            Progress::User {
                id,
                label,
                outcome: UserOutcome::Failed { message, .. },
                ..
            } => eprintln!(
                "  user {id} ({}): failed: {}",
                for_terminal(&label),
                for_terminal(&message)
            ),
            Progress::User { .. } => {}
            Progress::Notice(text) => eprintln!("  note: {}", for_terminal(&text)),
            Progress::Waiting { wait, reason } => {
                if last_wait.is_none_or(|t| t.elapsed() > Duration::from_secs(2)) {
                    eprintln!("  waiting {}: {reason}", super::duration_text(wait));
                    last_wait = Some(Instant::now());
                }
            }
            Progress::Tick(s) => eprintln!("{}", stats_line(&s)),
            Progress::Finished(s) => eprintln!("{}", stats_line(&s)),
        }
    }
}

/// Opens and runs `work` (see [`run_opened`]).
pub(super) async fn run_headless(service: &BulkService, work: Work) -> Result<Finished, u8> {
    let opened = service.open(work).await.map_err(|e| {
        eprintln!("onelogin-tui: {}", error_text(&e));
        EXIT_REFUSED
    })?;
    Ok(run_opened(service, opened).await)
}

/// Runs an opened run with the stderr printer; a shutdown signal cancels it cleanly (the
/// calls in flight finish, the journal is flushed, `resume` picks it up).
async fn run_opened(service: &BulkService, opened: Opened) -> Finished {
    let handle = RunHandle::new(service.options().concurrency);
    let (tx, rx) = mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(rx));
    let run = opened.run_id().to_string();
    let signals = tokio::spawn({
        let handle = handle.clone();
        async move {
            crate::signals::wait_for(crate::signals::SHUTDOWN).await;
            eprintln!(
                "stopping: finishing the calls in flight (resume later: onelogin-tui resume {run})"
            );
            handle.cancel();
        }
    });
    let finished = service.run(opened, handle, Some(tx)).await;
    signals.abort();
    let _ = printer.await;
    finished
}

/// A service error as the command line words it: the tenant advice names the flags.
pub(super) fn error_text(e: &BulkError) -> String {
    match e {
        BulkError::OtherTenant(o) => format!(
            "run {} was made on tenant {}, but the settings point to {}: pick that tenant with --profile or --base-url",
            o.run, o.made_on, o.here
        ),
        other => other.to_string(),
    }
}

/// Writes `<stem>.results.csv` and `<stem>.failed.csv` beside the input (or in `report_dir`).
pub(super) fn write_reports(finished: &Finished, report_dir: Option<&Path>) {
    let Some(source) = &finished.source else {
        return;
    };
    let Some(input) = source.path.as_deref().map(Path::new) else {
        return;
    };
    let written = (|| {
        let dir = match report_dir {
            Some(d) => d.to_path_buf(),
            None => input
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let stem = input
            .file_stem()
            .map_or_else(|| "bulk".to_string(), |s| s.to_string_lossy().into_owned());
        let results = dir.join(format!("{stem}.results.csv"));
        let failed = dir.join(format!("{stem}.failed.csv"));
        let r = csv_out::results_csv(source, &finished.outcomes, &finished.unchanged)?;
        crate::private_files::write(&results, &r)
            .map_err(|e| format!("{}: {e}", results.display()))?;
        let (f, n) = csv_out::failed_csv(source, &finished.outcomes)?;
        crate::private_files::write(&failed, &f)
            .map_err(|e| format!("{}: {e}", failed.display()))?;
        println!("results: {}", results.display());
        println!("failed rows ({n}): {}", failed.display());
        Ok::<(), String>(())
    })();
    if let Err(e) = written {
        eprintln!("onelogin-tui: cannot write the reports: {e}");
    }
}

pub(super) fn print_summary(r: &RunReport) -> u8 {
    println!(
        "run {}: {} done, {} failed, {} not done, {} unchanged; {} call(s) in {}",
        r.run,
        r.done,
        r.failed,
        r.not_done,
        r.unchanged,
        r.calls_sent,
        super::duration_text(r.elapsed)
    );
    println!("journal: {}", r.journal.display());
    if let Some(e) = &r.journal_error {
        eprintln!("onelogin-tui: the run stopped: {e}");
    }
    if r.not_done > 0 {
        eprintln!(
            "{} user(s) not done: resume with `onelogin-tui resume {}`",
            r.not_done, r.run
        );
    }
    if r.complete() { EXIT_OK } else { EXIT_FAILED }
}

/// The summary (its exit code), then the profile's user cache brought up to date with
/// what the run wrote, when it has one: the users it deleted leave it, the others are
/// read again from the tenant.
pub(super) async fn finish(settings: &Settings, service: &BulkService, finished: &Finished) -> u8 {
    let code = print_summary(&finished.report);
    let written = finished.written();
    if let Some(result) =
        crate::cache::writes::after_run(settings, service.client(), &written).await
    {
        let line = crate::cache::writes::after_run_text(&result);
        match result {
            Ok(_) => println!("{line}"),
            Err(_) => eprintln!("onelogin-tui: {}", for_terminal(&line)),
        }
    }
    code
}

pub(super) fn refused(file: &Path, e: &BulkError) -> u8 {
    match e {
        BulkError::Refused(r) => eprint!("onelogin-tui: {}: {r}", file.display()),
        other => eprintln!("onelogin-tui: {}", error_text(other)),
    }
    EXIT_REFUSED
}

/// The end of a run that had nothing to send (every user unchanged), for the reports.
pub(super) fn nothing_run(preview: &Preview) -> Finished {
    Finished {
        report: RunReport {
            run: String::new(),
            journal: PathBuf::new(),
            done: 0,
            failed: 0,
            not_done: 0,
            unchanged: preview.plan.unchanged.len(),
            calls_sent: 0,
            elapsed: Duration::ZERO,
            stopped: false,
            journal_error: None,
        },
        outcomes: HashMap::new(),
        unchanged: preview.plan.unchanged.iter().copied().collect(),
        source: preview.source.clone(),
        deleting: Default::default(),
    }
}

/// `onelogin-tui apply FILE.csv`.
pub async fn apply(settings: &Settings, args: &ApplyArgs) -> u8 {
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("onelogin-tui: cannot read {}: {e}", args.file.display());
            return EXIT_REFUSED;
        }
    };
    let mut input = match CsvInput::parse(&bytes, args.keep_empty) {
        Ok(i) => i,
        Err(r) => return refused(&args.file, &BulkError::Refused(r)),
    };
    input.path = Some(args.file.clone());
    let service = match service(settings, args.concurrency) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let preview = match service.plan_csv(&mut input).await {
        Ok(p) => p,
        Err(e) => return refused(&args.file, &e),
    };
    print_preview("plan", &preview, &service, args.dry_run);
    if preview.plan.is_empty() {
        println!("nothing to change: every user already has these values");
        if !args.dry_run {
            write_reports(&nothing_run(&preview), args.report_dir.as_deref());
        }
        return EXIT_OK;
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return EXIT_OK;
    }
    if let Err(e) = confirm(
        service.tenant(),
        "apply",
        preview.plan.users.len(),
        args.yes,
    ) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    let finished = match run_headless(&service, Work::Plan(Box::new(preview))).await {
        Ok(f) => f,
        Err(code) => return code,
    };
    write_reports(&finished, args.report_dir.as_deref());
    finish(settings, &service, &finished).await
}

/// `onelogin-tui resume [RUN]`.
pub async fn resume(settings: &Settings, args: &ResumeArgs) -> u8 {
    let service = match service(settings, args.concurrency) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let log = match service.find_run(args.run.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onelogin-tui: {}", error_text(&e));
            return EXIT_REFUSED;
        }
    };
    if log.finished {
        println!("run {} is finished: nothing to resume", log.meta.run);
        return EXIT_OK;
    }
    let opened = match service.open(Work::Resume(log.path.clone())).await {
        Ok(o) => o,
        Err(e) => {
            eprintln!("onelogin-tui: {}", error_text(&e));
            return EXIT_REFUSED;
        }
    };
    println!(
        "resuming run {}: {} user(s) left, {} call(s) of them sent without a recorded answer (re-read before anything is resent)",
        opened.run_id(),
        opened.users_left(),
        opened.unconfirmed_calls()
    );
    let finished = run_opened(&service, opened).await;
    write_reports(&finished, args.report_dir.as_deref());
    finish(settings, &service, &finished).await
}
/// `onelogin-tui undo RUN`.
pub async fn undo(settings: &Settings, args: &UndoArgs) -> u8 {
    let service = match service(settings, args.concurrency) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let log = match service.find_run(Some(&args.run)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onelogin-tui: {}", error_text(&e));
            return EXIT_REFUSED;
        }
    };
    if !log.finished {
        println!(
            "note: run {} is unfinished; only what it wrote is undone (its unsent calls are dropped)",
            log.meta.run
        );
    }
    let preview = match service.plan_undo(&log).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("onelogin-tui: {}", error_text(&e));
            return EXIT_REFUSED;
        }
    };
    print_preview(
        &format!("undo of run {}", log.meta.run),
        &preview,
        &service,
        args.dry_run,
    );
    if preview.plan.is_empty() {
        println!("nothing to undo");
        return EXIT_OK;
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return EXIT_OK;
    }
    if let Err(e) = confirm(service.tenant(), "undo", preview.plan.users.len(), args.yes) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    match run_headless(&service, Work::Plan(Box::new(preview))).await {
        Ok(finished) => finish(settings, &service, &finished).await,
        Err(code) => code,
    }
}
