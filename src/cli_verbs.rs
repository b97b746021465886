//! The lifecycle verbs' command line: `lock`, `unlock`, `logout`, `delete`, `set-state`.
//! Each takes its users from exactly one of `--search`, `--ids` and `--csv`, and runs as
//! `apply` does (see `bulk::verbs`).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};
use onelogin_tui::bulk::verbs::{Targets, Verb, VerbArgs};

use crate::TenantArgs;

#[derive(Debug, Subcommand)]
pub enum VerbCommand {
    /// Lock users' accounts (PUT /api/1/users/:id/lock_user): preview, confirm, paced and
    /// journaled run. Users already locked are skipped; `undo RUN` unlocks them.
    ///
    /// Exit 0 when every user is done, 2 when some failed, 1 when refused (nothing written).
    Lock(LockArgs),
    /// Unlock locked accounts (POST /api/2/users/:id/unlock: API /2 only, refused with
    /// api = "v1"). Users not locked are skipped; `undo RUN` locks them again for the time
    /// their lock had left.
    ///
    /// Exit 0 when every user is done, 2 when some failed, 1 when refused (nothing written).
    Unlock(LifecycleArgs),
    /// End users' OneLogin sessions (PUT /api/1/users/:id/logout). Cannot be undone.
    ///
    /// Exit 0 when every user is done, 2 when some failed, 1 when refused (nothing written).
    Logout(LifecycleArgs),
    /// Delete users for good (DELETE /api/1/users/:id). Cannot be undone: the prompt asks
    /// for the number of users and the word `delete` (e.g. `37 delete`).
    ///
    /// Exit 0 when every user is done, 2 when some failed, 1 when refused (nothing written).
    Delete(LifecycleArgs),
    /// Set users' state (PUT /api/1/users/:id/set_state): approved, rejected, unapproved
    /// or unlicensed (or 0-3). Users already in it are skipped; `undo RUN` sets each back.
    ///
    /// Exit 0 when every user is done, 2 when some failed, 1 when refused (nothing written).
    SetState(SetStateArgs),
}

/// Which users: exactly one of these.
#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("users").required(true).multiple(false).args(["search", "ids", "csv"])))]
pub struct UsersArgs {
    /// The users a search finds, as in the console's search box and `export --search`
    /// (e.g. `department:Sales email:*@example.com`).
    #[arg(long, value_name = "QUERY")]
    search: Option<String>,

    /// A file of user ids, one a line (blank lines and # comments are skipped).
    #[arg(long, value_name = "FILE")]
    ids: Option<PathBuf>,

    /// A CSV whose key column is id, email or username, as `apply` reads keys (other
    /// columns are ignored).
    #[arg(long, value_name = "FILE.csv")]
    csv: Option<PathBuf>,
}

/// How the run runs.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Print the preview and stop: nothing is written, no journal.
    #[arg(long)]
    dry_run: bool,

    /// Run without the confirmation prompt (needed without a terminal).
    #[arg(long, short = 'y')]
    yes: bool,

    /// Users changed at once [default: bulk.concurrency from the settings, 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: Option<u16>,

    /// Where the results and failed-rows files go when the users came from a file
    /// [default: next to it].
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct LifecycleArgs {
    #[command(flatten)]
    tenant: TenantArgs,
    #[command(flatten)]
    users: UsersArgs,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    #[command(flatten)]
    common: LifecycleArgs,

    /// Minutes to lock for; 0 is the account policy's lock time (with no policy: until
    /// unlocked).
    #[arg(long, value_name = "N", default_value_t = 0)]
    minutes: u32,
}

#[derive(Debug, Clone, Args)]
pub struct SetStateArgs {
    /// approved, rejected, unapproved or unlicensed, or its number: 0 Unapproved,
    /// 1 Approved, 2 Rejected, 3 Unlicensed.
    #[arg(value_name = "STATE", value_parser = onelogin_tui::bulk::parse_state)]
    state: i64,

    #[command(flatten)]
    common: LifecycleArgs,
}

impl VerbCommand {
    fn parts(&self) -> (&LifecycleArgs, Verb) {
        match self {
            VerbCommand::Lock(a) => (&a.common, Verb::Lock { minutes: a.minutes }),
            VerbCommand::Unlock(a) => (a, Verb::Unlock),
            VerbCommand::Logout(a) => (a, Verb::Logout),
            VerbCommand::Delete(a) => (a, Verb::Delete),
            VerbCommand::SetState(a) => (&a.common, Verb::SetState { state: a.state }),
        }
    }

    pub fn tenant(&self) -> &TenantArgs {
        &self.parts().0.tenant
    }

    pub fn name(&self) -> &'static str {
        self.parts().1.name()
    }

    /// What `bulk::verbs::run` takes.
    pub fn args(&self) -> VerbArgs {
        let (a, verb) = self.parts();
        let targets = match (&a.users.search, &a.users.ids, &a.users.csv) {
            (_, Some(ids), _) => Targets::Ids(ids.clone()),
            (_, _, Some(csv)) => Targets::Csv(csv.clone()),
            (search, _, _) => Targets::Search(search.clone().unwrap_or_default()),
        };
        VerbArgs {
            verb,
            targets,
            dry_run: a.run.dry_run,
            yes: a.run.yes,
            concurrency: a.run.concurrency.map(usize::from),
            report_dir: a.run.report_dir.clone(),
        }
    }
}
