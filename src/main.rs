//! onelogin-tui: CLI → Settings → logging → tokio runtime → the console or a subcommand.

mod cli_docs;
#[cfg(feature = "sandbox")]
mod cli_sandbox;
mod cli_verbs;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory as _, Parser, Subcommand};
use cli_docs::DocsCommand;
#[cfg(feature = "sandbox")]
use cli_sandbox::{SandboxArgs, serve_sandbox};
use cli_verbs::VerbCommand;
use onelogin_tui::bulk::{headless, verbs};
use onelogin_tui::config::{Overrides, Settings};
#[cfg(feature = "sandbox")]
use onelogin_tui::sandbox::SandboxConfig;
use onelogin_tui::{cache, launch, logging};

/// A terminal console for the admins of a OneLogin tenant.
///
/// Find users, edit custom attributes and user fields, change many users at once, and watch
/// every API call the console makes. Settings are layered: defaults < config file <
/// environment (ONELOGIN_CLIENT_ID, ONELOGIN_CLIENT_SECRET, ONELOGIN_REGION,
/// ONELOGIN_SUBDOMAIN, ONELOGIN_API_URL, ONELOGIN_API_KEY, ONELOGIN_PROFILE) < these flags.
#[derive(Debug, Parser)]
#[command(name = "onelogin-tui", version = cli_docs::VERSION, about, long_about)]
struct Cli {
    /// Run against an embedded sandbox tenant on loopback: no account, no network.
    #[cfg(feature = "sandbox")]
    #[arg(long)]
    sandbox: bool,

    /// Config file [default: $XDG_CONFIG_HOME/onelogin-tui/config.toml, else ./config.toml].
    #[arg(long, value_name = "PATH", global = true)]
    config: Option<PathBuf>,

    #[command(flatten)]
    tenant: TenantArgs,

    /// Log level or tracing filter (error, warn, info, debug, trace) [default: info].
    #[arg(long, value_name = "LEVEL", global = true)]
    log_level: Option<String>,

    /// Folder of the daily log files [default: $XDG_STATE_HOME/onelogin-tui/logs].
    #[arg(long, value_name = "DIR", global = true)]
    log_dir: Option<PathBuf>,

    /// Colour theme: dark, light, high-contrast, ansi16, or a file in the themes folder.
    #[arg(long, value_name = "NAME")]
    theme: Option<String>,

    /// Open the console with a saved view of the profile (`:view save NAME` saves one).
    #[arg(long, value_name = "NAME")]
    view: Option<String>,

    /// Neither read nor write the profile's user cache (as `cache = false` in the profile).
    #[arg(long, global = true)]
    no_cache: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Which tenant, and whether it may be written: for the console and the bulk commands (not
/// for the sandbox, which is a tenant itself). Given before or after the subcommand.
#[derive(Debug, Clone, Default, Args)]
struct TenantArgs {
    /// Profile (tenant) from the config file's [profiles.<name>] [default: the file's `profile`, else "default"].
    #[arg(long, short = 'p', value_name = "NAME")]
    profile: Option<String>,

    /// API region: us or eu (https://api.<region>.onelogin.com).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// Tenant subdomain (https://<subdomain>.onelogin.com).
    #[arg(long, value_name = "NAME")]
    subdomain: Option<String>,

    /// Full API base URL; plain http:// only on loopback.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,

    /// No writes at all: the console binds no write key and shows [RO]; apply, undo and
    /// the lifecycle verbs only preview; resume refuses.
    #[arg(long, alias = "readonly")]
    read_only: bool,
}

impl TenantArgs {
    /// Values given after the subcommand win over those given before it.
    fn or(self, outer: &TenantArgs) -> TenantArgs {
        TenantArgs {
            profile: self.profile.or_else(|| outer.profile.clone()),
            region: self.region.or_else(|| outer.region.clone()),
            subdomain: self.subdomain.or_else(|| outer.subdomain.clone()),
            base_url: self.base_url.or_else(|| outer.base_url.clone()),
            read_only: self.read_only || outer.read_only,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a sandbox OneLogin tenant on loopback until Ctrl+C, printing its URL and credentials.
    #[cfg(feature = "sandbox")]
    Sandbox(SandboxArgs),
    /// Apply a CSV of desired values to many users: preview, confirm, paced and journaled run.
    ///
    /// Exit 0 when every row is done, 2 when some rows failed, 1 when the file was refused
    /// (nothing written).
    Apply(ApplyArgs),
    /// Continue a stopped run from its journal (default: the newest unfinished run).
    Resume(ResumeArgs),
    /// Restore the values a run replaced, for users nobody changed since (those are listed).
    Undo(UndoArgs),
    /// Write users as CSV in the shape `apply` reads (export → edit → apply).
    Export(ExportArgs),
    #[command(flatten)]
    Verb(VerbCommand),
    #[command(flatten)]
    Docs(DocsCommand),
    /// The profile's user cache ($XDG_CACHE_HOME/onelogin-tui/): status, refresh, clear.
    Cache(CacheArgs),
}

#[derive(Debug, Clone, Args)]
struct CacheArgs {
    #[command(subcommand)]
    verb: CacheVerbArg,
}

/// The tenant whose cache a `cache` verb is about.
#[derive(Debug, Clone, Args)]
struct CacheTenant {
    #[command(flatten)]
    tenant: TenantArgs,
}

#[derive(Debug, Clone, Subcommand)]
enum CacheVerbArg {
    /// The file, its size, its users, its age, and whether it holds the whole tenant.
    Status(CacheTenant),
    /// Refresh now (the first time: fill it); prints the calls it took and what it added,
    /// changed and deleted. Exit 0 when done, 1 when it stopped (what it wrote is kept).
    Refresh(CacheTenant),
    /// Remove the file (the next console start or refresh fills it again).
    Clear(CacheTenant),
}

impl CacheVerbArg {
    fn tenant(&self) -> &TenantArgs {
        match self {
            CacheVerbArg::Status(t) | CacheVerbArg::Refresh(t) | CacheVerbArg::Clear(t) => {
                &t.tenant
            }
        }
    }
}

#[derive(Debug, Clone, Args)]
struct ApplyArgs {
    #[command(flatten)]
    tenant: TenantArgs,

    /// The CSV: a key column (id, email or username), then custom_attributes.<shortname>
    /// and core-field columns. A cell is set; an empty cell clears; absent columns are left alone.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,

    /// Print the preview and stop: nothing is written.
    #[arg(long)]
    dry_run: bool,

    /// Apply without the confirmation prompt.
    #[arg(long, short = 'y')]
    yes: bool,

    /// Users changed at once [default: bulk.concurrency from the settings, 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: Option<u16>,

    /// Empty cells leave the value alone instead of clearing it.
    #[arg(long)]
    keep_empty: bool,

    /// Where the results and failed-rows CSVs go [default: next to the input].
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct ResumeArgs {
    #[command(flatten)]
    tenant: TenantArgs,

    /// Run id (or a unique prefix, or the journal's path) [default: the newest unfinished run].
    #[arg(value_name = "RUN")]
    run: Option<String>,

    /// Users changed at once [default: bulk.concurrency from the settings, 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: Option<u16>,

    /// Where the results and failed-rows CSVs go [default: next to the run's input].
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
struct UndoArgs {
    #[command(flatten)]
    tenant: TenantArgs,

    /// Run id (or a unique prefix, or the journal's path).
    #[arg(value_name = "RUN")]
    run: String,

    /// Print what would be restored and stop.
    #[arg(long)]
    dry_run: bool,

    /// Undo without the confirmation prompt.
    #[arg(long, short = 'y')]
    yes: bool,

    /// Users changed at once [default: bulk.concurrency from the settings, 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: Option<u16>,
}

#[derive(Debug, Clone, Args)]
struct ExportArgs {
    #[command(flatten)]
    tenant: TenantArgs,

    /// Which users, as in the console's search box (e.g. `email:*@example.com department:Sales`;
    /// department, title, company, phone, status and state are matched over the listed users)
    /// [default: all].
    #[arg(long, value_name = "QUERY")]
    search: Option<String>,

    /// Comma-separated columns: id, core fields, custom_attributes.<shortname>
    /// [default: id,email,username,firstname,lastname and every custom attribute].
    #[arg(long, value_name = "LIST")]
    columns: Option<String>,

    /// Write here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

fn main() -> ExitCode {
    // Logs, journals, results and exports may hold user data.
    onelogin_tui::private_files::private_by_default();
    let cli = Cli::parse();
    // Completions and the man page need no settings, no log and no runtime.
    if let Some(Command::Docs(docs)) = &cli.command {
        return docs.run(Cli::command(), cli.config.as_deref());
    }
    let tenant = match &cli.command {
        Some(Command::Apply(a)) => a.tenant.clone().or(&cli.tenant),
        Some(Command::Resume(a)) => a.tenant.clone().or(&cli.tenant),
        Some(Command::Undo(a)) => a.tenant.clone().or(&cli.tenant),
        Some(Command::Export(a)) => a.tenant.clone().or(&cli.tenant),
        Some(Command::Verb(v)) => v.tenant().clone().or(&cli.tenant),
        Some(Command::Docs(_)) => cli.tenant.clone(),
        Some(Command::Cache(a)) => a.verb.tenant().clone().or(&cli.tenant),
        #[cfg(feature = "sandbox")]
        Some(Command::Sandbox(_)) => cli.tenant.clone(),
        None => cli.tenant.clone(),
    };
    let overrides = Overrides {
        config: cli.config.clone(),
        profile: tenant.profile,
        region: tenant.region,
        subdomain: tenant.subdomain,
        base_url: tenant.base_url,
        log_level: cli.log_level.clone(),
        log_dir: cli.log_dir.clone(),
        theme: cli.theme.clone(),
        read_only: tenant.read_only,
        no_cache: cli.no_cache,
        view: cli.view.clone(),
    };
    let settings = match Settings::load(&overrides) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return ExitCode::from(1);
        }
    };
    let _log = match logging::init(&settings.log.dir, &settings.log.level) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("onelogin-tui: {e}");
            return ExitCode::from(1);
        }
    };
    onelogin_tui::terminal::set_log_dir(settings.log.dir.clone());
    tracing::info!(version = cli_docs::VERSION, profile = %settings.profile, "start");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("onelogin-tui: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            #[cfg(feature = "sandbox")]
            Some(Command::Sandbox(args)) => serve_sandbox(&args).await.map(|()| None),
            Some(Command::Apply(a)) => {
                let args = headless::ApplyArgs {
                    file: a.file,
                    dry_run: a.dry_run || read_only_preview(&settings, "apply"),
                    yes: a.yes,
                    concurrency: a.concurrency.map(usize::from),
                    keep_empty: a.keep_empty,
                    report_dir: a.report_dir,
                };
                Ok(Some(headless::apply(&settings, &args).await))
            }
            Some(Command::Resume(_)) if settings.read_only => Err(format!(
                "profile {} is read-only: resume would write; nothing was sent",
                settings.profile
            )),
            Some(Command::Resume(a)) => {
                let args = headless::ResumeArgs {
                    run: a.run,
                    concurrency: a.concurrency.map(usize::from),
                    report_dir: a.report_dir,
                };
                Ok(Some(headless::resume(&settings, &args).await))
            }
            Some(Command::Undo(a)) => {
                let args = headless::UndoArgs {
                    run: a.run,
                    dry_run: a.dry_run || read_only_preview(&settings, "undo"),
                    yes: a.yes,
                    concurrency: a.concurrency.map(usize::from),
                };
                Ok(Some(headless::undo(&settings, &args).await))
            }
            Some(Command::Export(a)) => {
                let args = headless::ExportArgs {
                    search: a.search,
                    columns: a.columns,
                    output: a.output,
                };
                Ok(Some(headless::export(&settings, &args).await))
            }
            Some(Command::Verb(v)) => {
                let mut args = v.args();
                args.dry_run = args.dry_run || read_only_preview(&settings, v.name());
                Ok(Some(verbs::run(&settings, &args).await))
            }
            // Answered before the settings were read.
            Some(Command::Docs(_)) => Ok(None),
            Some(Command::Cache(a)) => {
                let verb = match a.verb {
                    CacheVerbArg::Status(_) => cache::cli::CacheVerb::Status,
                    CacheVerbArg::Refresh(_) => cache::cli::CacheVerb::Refresh,
                    CacheVerbArg::Clear(_) => cache::cli::CacheVerb::Clear,
                };
                Ok(Some(cache::cli::run(&settings, verb).await))
            }
            #[cfg(feature = "sandbox")]
            None if cli.sandbox => {
                let defaults = SandboxConfig::default();
                launch::with_sandbox(settings, defaults)
                    .await
                    .map(|()| None)
            }
            None => launch::with_tenant(settings).await.map(|()| None),
        }
    });
    match result {
        Ok(None) => ExitCode::SUCCESS,
        // A headless command's own exit code (it printed its messages).
        Ok(Some(code)) => ExitCode::from(code),
        Err(message) => {
            tracing::error!(%message, "exit");
            eprintln!("onelogin-tui: {message}");
            ExitCode::from(1)
        }
    }
}

/// In read-only mode a bulk command shows its preview and writes nothing; says so once.
fn read_only_preview(settings: &Settings, command: &str) -> bool {
    if settings.read_only {
        eprintln!(
            "onelogin-tui: profile {} is read-only: {command} shows the preview and writes nothing",
            settings.profile
        );
    }
    settings.read_only
}
