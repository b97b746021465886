//! `onelogin-tui export`: every user a search finds, as CSV, listed through a pacer that
//! spends at most the run's share of the rate budget, with a progress line on stderr
//! about once a second ("12,350 of 100,000 users" where API /2 tells the total).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::csv_out;
use super::headless::{EXIT_FAILED, EXIT_OK, EXIT_REFUSED, ExportArgs};
use super::listing::{self, Cost, Listed, Size};
use super::pacing::Pacer;
use super::user_calls::read_with_retry;
use super::versions::Versions;
use super::{duration_text, thousands};
use crate::api::{RetryPolicy, Search};
use crate::config::Settings;

/// How often the progress line is printed, at most.
const EVERY: Duration = Duration::from_secs(1);

/// `onelogin-tui export`.
pub async fn export(settings: &Settings, args: &ExportArgs) -> u8 {
    let search = match args.search.as_deref().map(Search::parse).transpose() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => {
            eprintln!("onelogin-tui: --search: {e}");
            return EXIT_REFUSED;
        }
    };
    let client = match crate::launch::client_for(&settings.connection, settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return EXIT_REFUSED;
        }
    };
    let pacer =
        Pacer::new(client.clone(), settings.bulk.max_budget_share).with_wait_hook(wait_printer());
    let attributes = match read_with_retry(Some(&pacer), || client.custom_attribute_fields()).await
    {
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
    let versions = Versions::new(settings.connection.api);
    let policy = RetryPolicy::BULK;
    let size =
        match listing::measure(&client, Some(&pacer), policy, &versions, search.server()).await {
            Ok(size) => {
                eprintln!("{}", cost_line(&Cost::of(size, Listed::default(), &pacer)));
                Some(size)
            }
            Err(e) => {
                eprintln!("  note: cannot measure the search ({e}): progress is a count only");
                None
            }
        };
    let started = Instant::now();
    let mut last = started;
    let mut on_page = |listed: Listed| {
        if last.elapsed() >= EVERY {
            last = Instant::now();
            eprintln!("{}", progress_line(size, listed, &pacer));
        }
    };
    let found =
        super::plan::list_search(&client, Some(&pacer), &search, &fields, size, &mut on_page);
    let users = match found.await {
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
        Some(path) => crate::private_files::write(path, &bytes)
            .map_err(|e| format!("{}: {e}", path.display())),
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

/// Prints the pacer's waits, at most one line every two seconds.
fn wait_printer() -> impl Fn(Duration, super::pacing::WaitReason) + Send + Sync + 'static {
    let last: Mutex<Option<Instant>> = Mutex::new(None);
    move |wait, reason| {
        let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() > Duration::from_secs(2)) {
            eprintln!("  waiting {}: {}", duration_text(wait), reason.describe());
            *last = Some(Instant::now());
        }
    }
}

/// What the listing will cost, before it starts.
fn cost_line(cost: &Cost) -> String {
    let users = match cost.size {
        Size::Total(n) => format!("{} user(s)", thousands(n)),
        Size::LastId(_) => "the search (sized from its id range: API /1 gives no total)".into(),
    };
    let budget = match (cost.left, cost.percent()) {
        (Some(left), Some(p)) => format!(
            "{p}% of the {} calls left this window",
            thousands(left.into())
        ),
        _ => "the rate budget is not known".to_string(),
    };
    format!(
        "listing {users}: ≈ {} call(s), {budget}; about {}",
        thousands(cost.calls),
        duration_text(cost.eta)
    )
}

/// "listed 12,350 of 100,000 users (12%) · ETA 3m10s".
fn progress_line(size: Option<Size>, listed: Listed, pacer: &Pacer) -> String {
    let Some(size) = size else {
        return format!("listed {} users", thousands(listed.count as u64));
    };
    let mut line = format!("listed {}", size.progress_text(listed));
    if matches!(size, Size::Total(_)) {
        line.push_str(" users");
    }
    if let Some(ratio) = size.ratio(listed) {
        let of = match size {
            Size::Total(_) => "",
            Size::LastId(_) => " of the id range",
        };
        line.push_str(&format!(" ({:.0}%{of})", ratio * 100.0));
    }
    let pages = usize::try_from(size.pages_left(listed)).unwrap_or(usize::MAX);
    let eta = pacer.eta(pages, pacer.latency(), 1);
    line.push_str(&format!(" · ETA {}", duration_text(eta)));
    line
}
