//! The lifecycle verbs of the command line: `lock`, `unlock`, `logout`, `delete` and
//! `set-state`, each on the users of a search, an id list or a CSV's key column. They are
//! `apply` with one fixed change: the same plan, preview, confirmation, journal, runner,
//! progress lines, result files and exit codes; `resume` and `undo` take their runs.
//!
//! `delete` asks for more than the count: the count and the word, `37 delete`.

use std::path::{Path, PathBuf};

use super::csv_in::CsvInput;
use super::headless::{
    EXIT_OK, EXIT_REFUSED, confirm_typed, error_text, finish, nothing_run, print_preview, refused,
    run_headless, service, write_reports,
};
use super::key_input::id_list;
use super::plan::Change;
use super::service::{BulkError, Preview, Work};
use crate::api::{Search, state_label};
use crate::config::Settings;
use crate::sanitize::for_terminal;
use crate::tenant::Tenant;

/// One lifecycle verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// For `minutes` (0: the account policy's lock time).
    Lock {
        minutes: u32,
    },
    Unlock,
    Logout,
    Delete,
    SetState {
        state: i64,
    },
}

impl Verb {
    /// As typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Lock { .. } => "lock",
            Verb::Unlock => "unlock",
            Verb::Logout => "logout",
            Verb::Delete => "delete",
            Verb::SetState { .. } => "set-state",
        }
    }

    pub fn change(self) -> Change {
        match self {
            Verb::Lock { minutes } => Change::Lock { minutes },
            Verb::Unlock => Change::Unlock,
            Verb::Logout => Change::Logout,
            Verb::Delete => Change::Delete,
            Verb::SetState { state } => Change::SetState { state },
        }
    }

    /// How a user that needs nothing is: "already locked".
    fn already(self) -> String {
        match self {
            Verb::Lock { .. } => "already locked".into(),
            Verb::Unlock => "not locked".into(),
            Verb::SetState { state } => format!("already {state} {}", state_label(state)),
            Verb::Logout | Verb::Delete => "already there".into(),
        }
    }

    /// The question before the run; the answer is the plan's (`Plan::confirm_answer`).
    fn question(self, users: usize, tenant: &Tenant) -> String {
        let on = format!(
            "on profile `{}` (tenant {})",
            for_terminal(&tenant.profile),
            for_terminal(&tenant.address())
        );
        let n = users;
        match self {
            Verb::Lock { .. } => format!("Lock {n} user(s) {on}?"),
            Verb::Unlock => format!("Unlock {n} user(s) {on}?"),
            Verb::Logout => {
                format!("Log out {n} user(s) {on}? Their sessions end; this cannot be undone.")
            }
            Verb::SetState { state } => format!(
                "Set the state of {n} user(s) to {state} {} {on}?",
                state_label(state)
            ),
            Verb::Delete => format!("Delete {n} user(s) for good {on}? This cannot be undone."),
        }
    }
}

/// Which users: exactly one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Targets {
    /// The console's search grammar, as `export --search` takes it.
    Search(String),
    /// One id a line; blank lines and `#` comments skipped.
    Ids(PathBuf),
    /// A CSV keyed by `id`, `email` or `username` (other columns ignored).
    Csv(PathBuf),
}

#[derive(Debug, Clone)]
pub struct VerbArgs {
    pub verb: Verb,
    pub targets: Targets,
    pub dry_run: bool,
    pub yes: bool,
    pub concurrency: Option<usize>,
    pub report_dir: Option<PathBuf>,
}

/// The targets, read and checked before anything is asked of the tenant.
enum Input {
    Search(Search),
    Keys(Box<CsvInput>),
}

fn read_input(targets: &Targets) -> Result<Input, u8> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| {
            eprintln!("onelogin-tui: cannot read {}: {e}", path.display());
            EXIT_REFUSED
        })
    };
    match targets {
        Targets::Search(query) => Search::parse(query).map(Input::Search).map_err(|e| {
            eprintln!("onelogin-tui: --search: {}", for_terminal(&e));
            EXIT_REFUSED
        }),
        Targets::Ids(path) => {
            let bytes = read(path)?;
            let Ok(text) = String::from_utf8(bytes) else {
                eprintln!(
                    "onelogin-tui: {}: not UTF-8 text: one user id a line",
                    path.display()
                );
                return Err(EXIT_REFUSED);
            };
            id_list(&text, Some(path))
                .map(|i| Input::Keys(Box::new(i)))
                .map_err(|r| refused(path, &BulkError::Refused(r)))
        }
        Targets::Csv(path) => {
            let bytes = read(path)?;
            let mut input =
                CsvInput::parse_keys(&bytes).map_err(|r| refused(path, &BulkError::Refused(r)))?;
            input.path = Some(path.clone());
            Ok(Input::Keys(Box::new(input)))
        }
    }
}

fn file_of(targets: &Targets) -> Option<&Path> {
    match targets {
        Targets::Search(_) => None,
        Targets::Ids(p) | Targets::Csv(p) => Some(p),
    }
}

/// `onelogin-tui lock|unlock|logout|delete|set-state`.
pub async fn run(settings: &Settings, args: &VerbArgs) -> u8 {
    let verb = args.verb;
    let input = match read_input(&args.targets) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let service = match service(settings, args.concurrency) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let changes = [verb.change()];
    let planned = match input {
        Input::Search(search) => service.plan_search(&search, &changes).await,
        Input::Keys(mut keys) => service.plan_keys(&mut keys, &changes).await,
    };
    let preview: Preview = match planned {
        Ok(p) => p,
        Err(e) => {
            return match file_of(&args.targets) {
                Some(path) => refused(path, &e),
                None => {
                    eprintln!("onelogin-tui: {}", error_text(&e));
                    EXIT_REFUSED
                }
            };
        }
    };
    println!("change: {}", changes[0]);
    print_preview(
        &format!("{} plan", verb.name()),
        &preview,
        &service,
        args.dry_run,
    );
    if preview.plan.is_empty() {
        let named = preview.plan.unchanged.len();
        if named == 0 {
            println!("nothing to {}: no user matched", verb.name());
        } else {
            println!(
                "nothing to {}: every one of the {named} user(s) is {}",
                verb.name(),
                verb.already()
            );
        }
        if !args.dry_run {
            write_reports(&nothing_run(&preview), args.report_dir.as_deref());
        }
        return EXIT_OK;
    }
    if args.dry_run {
        println!("dry run: nothing was written");
        return EXIT_OK;
    }
    let question = verb.question(preview.plan.users.len(), service.tenant());
    let answer = preview.plan.confirm_answer();
    if let Err(e) = confirm_typed(&question, &answer, verb.name(), args.yes) {
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
