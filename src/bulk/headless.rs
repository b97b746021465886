//! The headless commands: `apply`, `resume`, `undo`, `export`.
//!
//! Preview and summary on stdout, progress on stderr. Exit codes: 0 every row
//! done, 2 some rows failed (or were not reached), 1 the file or the request
//! was refused (nothing written). SIGINT / SIGTERM / SIGHUP finish the calls
//! in flight, flush the journal and stop; `resume` picks the run up again.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::csv_in::{CsvInput, Refusal, Refusals, ResolveError};
use super::csv_out;
use super::execute::{
    Progress, ProgressStats, RunHandle, RunOptions, RunSummary, Runner, UserOutcome, UserWork,
    read_with_retry,
};
use super::journal::{
    Journal, Record, RunKind, RunLog, RunMeta, Source, find_run, now_text, runs_dir,
};
use super::pacing::{self, Budget, Pacer};
use super::plan::{Plan, UserPlan, fetch_current, fields_for};
use super::undo::{fields_for_log, plan_undo};
use crate::api::{Client, UserQuery};
use crate::config::Settings;
use crate::sanitize::for_terminal;

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

fn options(settings: &Settings, concurrency: Option<usize>) -> RunOptions {
    let mut o = RunOptions::from_settings(&settings.bulk);
    if let Some(n) = concurrency {
        o.concurrency = n.clamp(1, super::execute::MAX_CONCURRENCY);
    }
    o
}

fn client(settings: &Settings) -> Result<Client, u8> {
    crate::launch::client_for(&settings.connection, settings).map_err(|e| {
        eprintln!("onelogin-tui: {e}");
        EXIT_REFUSED
    })
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
fn print_preview(
    what: &str,
    plan: &Plan,
    settings: &Settings,
    client: &Client,
    opts: &RunOptions,
    per_call: Duration,
    full: bool,
) {
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
    let budget = client.rate_limit().map(Budget::from);
    let calls = plan.calls();
    let eta = pacing::estimate(
        calls,
        budget,
        opts.max_budget_share,
        budget.map_or(Duration::ZERO, |b| b.reset),
        Instant::now(),
        per_call,
        opts.concurrency,
    );
    println!();
    println!(
        "{what}: {} user(s) to change, {calls} call(s); {} unchanged user(s) skipped",
        plan.users.len(),
        plan.unchanged.len()
    );
    println!(
        "tenant: profile `{}` ({})",
        for_terminal(&settings.profile),
        for_terminal(settings.connection.host())
    );
    println!("{}", budget_line(budget, opts.max_budget_share));
    println!(
        "estimated time: {} at concurrency {}",
        super::duration_text(eta),
        opts.concurrency
    );
}

fn print_user(up: &UserPlan) {
    println!("  user {} ({})", up.id, for_terminal(&up.label));
    let before = up.before.describe();
    let after = up.after.describe();
    for ((k, b), (_, a)) in before.iter().zip(after.iter()) {
        println!("      {k}: {} → {}", for_terminal(b), for_terminal(a));
    }
}

/// `--yes`, or the number of users typed on the terminal. `verb`: "apply" or "undo".
fn confirm(settings: &Settings, verb: &str, users: usize, yes: bool) -> Result<(), String> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "no terminal to confirm on: pass --yes to {verb} without a prompt"
        ));
    }
    eprint!(
        "{} changes to {users} user(s) on profile `{}` (tenant {})? Type {users} to confirm, anything else cancels: ",
        if verb == "undo" { "Undo" } else { "Apply" },
        for_terminal(&settings.profile),
        for_terminal(settings.connection.host())
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if line.trim() == users.to_string() {
        Ok(())
    } else {
        Err("cancelled: nothing was written".into())
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

/// Runs work with the stderr printer and the signal handler.
async fn run_headless(
    client: &Client,
    journal: Journal,
    opts: RunOptions,
    work: Vec<UserWork>,
) -> RunSummary {
    let handle = RunHandle::new(opts.concurrency);
    let (tx, rx) = mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(rx));
    let run = journal.run().to_string();
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
    let summary = Runner::new(client.clone(), journal, opts)
        .with_handle(handle)
        .with_progress(tx)
        .run(work)
        .await;
    signals.abort();
    let _ = printer.await;
    summary
}

fn write_reports(
    source: &Source,
    outcomes: &HashMap<i64, UserOutcome>,
    unchanged: &HashSet<i64>,
    report_dir: Option<&Path>,
) -> Result<(), String> {
    let Some(input) = source.path.as_deref().map(Path::new) else {
        return Ok(());
    };
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
    let r = csv_out::results_csv(source, outcomes, unchanged)?;
    std::fs::write(&results, r).map_err(|e| format!("{}: {e}", results.display()))?;
    let (f, n) = csv_out::failed_csv(source, outcomes)?;
    std::fs::write(&failed, f).map_err(|e| format!("{}: {e}", failed.display()))?;
    println!("results: {}", results.display());
    println!("failed rows ({n}): {}", failed.display());
    Ok(())
}

fn print_summary(summary: &RunSummary, settled: &[(i64, UserOutcome)], unchanged: usize) -> u8 {
    let all: Vec<&(i64, UserOutcome)> = settled.iter().chain(summary.outcomes.iter()).collect();
    let done = all.iter().filter(|(_, o)| *o == UserOutcome::Done).count();
    let failed = all
        .iter()
        .filter(|(_, o)| matches!(o, UserOutcome::Failed { .. }))
        .count();
    let not_done = all
        .iter()
        .filter(|(_, o)| *o == UserOutcome::NotDone)
        .count();
    println!(
        "run {}: {done} done, {failed} failed, {not_done} not done, {unchanged} unchanged; {} call(s) in {}",
        summary.run,
        summary.calls_sent,
        super::duration_text(summary.elapsed)
    );
    println!("journal: {}", summary.journal.display());
    if let Some(e) = &summary.journal_error {
        eprintln!("onelogin-tui: the run stopped: {e}");
    }
    if not_done > 0 {
        eprintln!(
            "{not_done} user(s) not done: resume with `onelogin-tui resume {}`",
            summary.run
        );
    }
    if failed == 0 && not_done == 0 && summary.journal_error.is_none() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn refused(file: &Path, r: &Refusals) -> u8 {
    eprint!("onelogin-tui: {}: {r}", file.display());
    EXIT_REFUSED
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
        Err(r) => return refused(&args.file, &r),
    };
    input.path = Some(args.file.clone());
    let client = match client(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = options(settings, args.concurrency);
    let pacer = Pacer::new(client.clone(), opts.max_budget_share);
    let t0 = Instant::now();
    let mut reads = 0usize;
    if !input.attributes().is_empty() {
        reads += 1;
        match read_with_retry(Some(&pacer), || client.custom_attribute_fields()).await {
            Ok(known) => {
                if let Err(r) = input.check_attributes(&known) {
                    return refused(&args.file, &r);
                }
            }
            Err(e) => {
                eprintln!("onelogin-tui: cannot read the custom attribute fields: {e}");
                return EXIT_REFUSED;
            }
        }
    }
    let desired: Vec<_> = input.rows.iter().map(|r| input.desired(r)).collect();
    let fields = fields_for(desired.iter());
    reads += match input.key {
        super::csv_in::KeyColumn::Id => input.rows.len().div_ceil(50),
        _ => input.rows.len(),
    };
    let (targets, current) = match input.resolve(&client, Some(&pacer), &fields).await {
        Ok(t) => t,
        Err(ResolveError::Refused(r)) => return refused(&args.file, &r),
        Err(ResolveError::Api(e)) => {
            eprintln!("onelogin-tui: cannot read the users: {e}");
            return EXIT_REFUSED;
        }
    };
    let plan = match Plan::build(&targets, &current) {
        Ok(p) => p,
        Err(unknown) => {
            let r = Refusals(
                unknown
                    .iter()
                    .map(|u| Refusal {
                        line: None,
                        column: None,
                        message: format!("unknown user {}", u.id),
                    })
                    .collect(),
            );
            return refused(&args.file, &r);
        }
    };
    let per_call = t0.elapsed() / u32::try_from(reads.max(1)).unwrap_or(u32::MAX);
    print_preview(
        "plan",
        &plan,
        settings,
        &client,
        &opts,
        per_call,
        args.dry_run,
    );
    let source = input.source();
    let unchanged: HashSet<i64> = plan.unchanged.iter().copied().collect();
    if plan.is_empty() {
        println!("nothing to change: every user already has these values");
        if !args.dry_run
            && let Err(e) = write_reports(
                &source,
                &HashMap::new(),
                &unchanged,
                args.report_dir.as_deref(),
            )
        {
            eprintln!("onelogin-tui: cannot write the reports: {e}");
        }
        return EXIT_OK;
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return EXIT_OK;
    }
    if let Err(e) = confirm(settings, "apply", plan.users.len(), args.yes) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    let meta = RunMeta {
        unchanged: plan.unchanged.clone(),
        source: Some(source.clone()),
        ..RunMeta::new(
            RunKind::Apply,
            &settings.profile,
            settings.connection.host(),
        )
    };
    let journal = match Journal::create(&runs_dir(), meta, &plan.users) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    let work = plan.users.iter().cloned().map(UserWork::fresh).collect();
    let summary = run_headless(&client, journal, opts, work).await;
    let outcomes: HashMap<i64, UserOutcome> = summary.outcomes.iter().cloned().collect();
    if let Err(e) = write_reports(&source, &outcomes, &unchanged, args.report_dir.as_deref()) {
        eprintln!("onelogin-tui: cannot write the reports: {e}");
    }
    print_summary(&summary, &[], plan.unchanged.len())
}

fn same_tenant(settings: &Settings, meta: &RunMeta) -> Result<(), String> {
    let host = settings.connection.host();
    if host == meta.tenant {
        Ok(())
    } else {
        Err(format!(
            "run {} was made on tenant {} (profile `{}`), but the settings point to {}: pick that tenant with --profile or --base-url",
            meta.run, meta.tenant, meta.profile, host
        ))
    }
}

/// `onelogin-tui resume [RUN]`.
pub async fn resume(settings: &Settings, args: &ResumeArgs) -> u8 {
    let dir = runs_dir();
    let log = match find_run(&dir, args.run.as_deref()).and_then(|p| RunLog::read(&p)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    if log.finished {
        println!("run {} is finished: nothing to resume", log.meta.run);
        return EXIT_OK;
    }
    if let Err(e) = same_tenant(settings, &log.meta) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    let client = match client(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (work, settled) = UserWork::from_log(&log);
    let unconfirmed: usize = work
        .iter()
        .flat_map(|w| w.calls.iter())
        .filter(|(_, u)| *u)
        .count();
    println!(
        "resuming run {}: {} user(s) left, {} call(s) of them sent without a recorded answer (re-read before anything is resent)",
        log.meta.run,
        work.len(),
        unconfirmed
    );
    let journal = match Journal::open(&log.path, &log.meta.run) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    if let Err(e) = journal.append(&Record::Resumed { at: now_text() }).await {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    let summary = run_headless(&client, journal, options(settings, args.concurrency), work).await;
    if let Some(source) = &log.meta.source {
        let outcomes: HashMap<i64, UserOutcome> = settled
            .iter()
            .chain(summary.outcomes.iter())
            .cloned()
            .collect();
        let unchanged: HashSet<i64> = log.meta.unchanged.iter().copied().collect();
        if let Err(e) = write_reports(source, &outcomes, &unchanged, args.report_dir.as_deref()) {
            eprintln!("onelogin-tui: cannot write the reports: {e}");
        }
    }
    print_summary(&summary, &settled, log.meta.unchanged.len())
}

/// `onelogin-tui undo RUN`.
pub async fn undo(settings: &Settings, args: &UndoArgs) -> u8 {
    let dir = runs_dir();
    let log = match find_run(&dir, Some(&args.run)).and_then(|p| RunLog::read(&p)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    if let Err(e) = same_tenant(settings, &log.meta) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    if !log.finished {
        println!(
            "note: run {} is unfinished; only what it wrote is undone (its unsent calls are dropped)",
            log.meta.run
        );
    }
    let client = match client(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = options(settings, args.concurrency);
    let pacer = Pacer::new(client.clone(), opts.max_budget_share);
    let ids: Vec<i64> = log.users.iter().map(|u| u.id).collect();
    let t0 = Instant::now();
    let current = match fetch_current(
        &client,
        Some(&pacer),
        &ids,
        &fields_for_log(&log),
        &HashMap::new(),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("onelogin-tui: cannot read the users: {e}");
            return EXIT_REFUSED;
        }
    };
    let per_call = t0.elapsed() / u32::try_from(ids.len().div_ceil(50).max(1)).unwrap_or(1);
    let (users, conflicts) = plan_undo(&log, &current);
    let plan = Plan {
        users,
        unchanged: Vec::new(),
    };
    print_preview(
        &format!("undo of run {}", log.meta.run),
        &plan,
        settings,
        &client,
        &opts,
        per_call,
        args.dry_run,
    );
    if !conflicts.is_empty() {
        println!(
            "left alone ({} user(s) changed since the run, not overwritten):",
            conflicts.len()
        );
        for c in &conflicts {
            println!(
                "  user {} ({}): {}",
                c.id,
                for_terminal(&c.label),
                for_terminal(&c.reason)
            );
        }
    }
    if plan.is_empty() {
        println!("nothing to undo");
        return EXIT_OK;
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return EXIT_OK;
    }
    if let Err(e) = confirm(settings, "undo", plan.users.len(), args.yes) {
        eprintln!("onelogin-tui: {e}");
        return EXIT_REFUSED;
    }
    let meta = RunMeta {
        undo_of: Some(log.meta.run.clone()),
        conflicts,
        ..RunMeta::new(RunKind::Undo, &settings.profile, settings.connection.host())
    };
    let journal = match Journal::create(&dir, meta, &plan.users) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    let work = plan.users.iter().cloned().map(UserWork::fresh).collect();
    let summary = run_headless(&client, journal, opts, work).await;
    print_summary(&summary, &[], 0)
}

/// `onelogin-tui export`.
pub async fn export(settings: &Settings, args: &ExportArgs) -> u8 {
    let query = match args.search.as_deref().map(UserQuery::parse).transpose() {
        Ok(q) => q.unwrap_or_default(),
        Err(e) => {
            eprintln!("onelogin-tui: --search: {e}");
            return EXIT_REFUSED;
        }
    };
    let client = match client(settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let attributes = match read_with_retry(None, || client.custom_attribute_fields()).await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("onelogin-tui: cannot read the custom attribute fields: {e}");
            return EXIT_REFUSED;
        }
    };
    let columns = match args.columns.as_deref() {
        Some(list) => match csv_out::parse_columns(list, &attributes) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("onelogin-tui: --columns: {e}");
                return EXIT_REFUSED;
            }
        },
        None => csv_out::default_columns(&attributes),
    };
    let fields = csv_out::fields_for_columns(&columns);
    let users = match super::plan::search_targets(&client, None, &query, &fields).await {
        Ok(u) => u,
        Err(e) => {
            eprintln!("onelogin-tui: cannot list the users: {e}");
            return EXIT_FAILED;
        }
    };
    let bytes = match csv_out::users_csv(&users, &columns) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_FAILED;
        }
    };
    let written = match &args.output {
        Some(path) => std::fs::write(path, &bytes).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| format!("stdout: {e}")),
    };
    match written {
        Ok(()) => {
            let to = args
                .output
                .as_ref()
                .map_or_else(|| "stdout".to_string(), |p| p.display().to_string());
            eprintln!(
                "exported {} user(s), {} column(s), to {to}",
                users.len(),
                columns.len()
            );
            EXIT_OK
        }
        Err(e) => {
            eprintln!("onelogin-tui: cannot write {e}");
            EXIT_FAILED
        }
    }
}
