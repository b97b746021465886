//! Settings, layered: defaults < config file < environment < flags.
//!
//! The defaults and the file are TOML tables merged key by key, then read with serde; the
//! environment and the flags are then applied to the typed values of the profile in use.
//!
//! One file holds any number of named profiles (`[profiles.<name>]`), one per tenant.
//! The environment names are the OneLogin ecosystem's own (`ONELOGIN_CLIENT_ID`, …) and
//! apply to the profile in use. A file that holds a secret must not be readable by
//! group or others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::api::is_loopback;
pub use crate::paths::AppDirs;

/// The sample configuration shipped with the package; also the source of every default,
/// so the documented defaults and the real ones cannot drift apart.
pub const SAMPLE_CONFIG: &str = include_str!("../config.toml");

/// Values given on the command line; `None` leaves the lower layers alone.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub subdomain: Option<String>,
    pub base_url: Option<String>,
    pub log_level: Option<String>,
    pub log_dir: Option<PathBuf>,
    pub theme: Option<String>,
    pub read_only: bool,
    /// `--no-cache`: neither read nor write the profile's user cache.
    pub no_cache: bool,
    /// `--view NAME`: the console opens with this saved view of the profile.
    pub view: Option<String>,
}

/// Which API a profile uses to write core user fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UserUpdateApi {
    /// `PUT /api/1/users/:id` (JSON, OAuth2).
    #[default]
    V1,
    /// `PUT /api/v3/users/:id.xml` (XML, API key).
    V3,
}

/// Which OneLogin API versions a profile's bulk work may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ApiMode {
    /// API /2 where it has an endpoint (one PUT for fields and attributes, role membership
    /// in batches, reads by `user_ids`), /1 elsewhere; /1 alone once /2 is refused.
    #[default]
    Auto,
    /// API /1 only, for credentials or tenants where /2 is refused.
    V1,
}

/// One tenant's connection, as written in the file (every key optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProfileFile {
    pub region: Option<String>,
    pub subdomain: Option<String>,
    pub base_url: Option<String>,
    pub v3_base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub api_key: Option<SecretString>,
    pub user_update: UserUpdateApi,
    pub api: ApiMode,
    pub read_only: bool,
    /// Keep the tenant's users in a local cache (`$XDG_CACHE_HOME/onelogin-tui/`); absent: on.
    pub cache: Option<bool>,
    /// A band of this colour behind the tenant's name (`"red"`, `"#cc0000"`): production
    /// looks different from test at a glance.
    pub color: Option<String>,
    /// Every write on this tenant, even a single save, waits for its name to be typed.
    pub protected: bool,
    /// Saved views of the users list (`:view save NAME`), by name.
    pub views: BTreeMap<String, ViewFile>,
}

/// A saved view: `[profiles.<profile>.views.<name>]`. What `:view save` wrote; every key
/// may be left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ViewFile {
    /// The search of the tenant (as `s` takes it); empty: every user.
    pub search: String,
    /// The `/` filter over the loaded users.
    pub filter: String,
    /// The column sorted by, `NAME` or `NAME desc`; empty: the tenant's order.
    pub sort: String,
    /// The list's columns, as `[ui] user_columns` writes them; empty: those of `[ui]`.
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub level: String,
    /// Empty means `$XDG_STATE_HOME/onelogin-tui/logs` ([`AppDirs::logs`]).
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    pub theme: String,
    /// The users list's columns: core fields and `custom_attributes.<shortname>`, each
    /// with an optional `:WIDTH`.
    pub user_columns: Vec<String>,
    /// Custom attribute shortnames shown after `user_columns` (the older way to add them).
    pub columns: Vec<String>,
    pub request_log_capacity: usize,
    /// Clicks and the wheel (crossterm mouse capture); off by default.
    pub mouse: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    pub timeout_secs: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BulkSettings {
    pub concurrency: usize,
    pub max_budget_share: f64,
}

/// The whole file after layering, before the profile is resolved. Every key may be left
/// out of one layer: the built-in defaults (the sample file) hold them all.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FileSettings {
    /// The profile used when neither a flag nor the environment names one.
    profile: String,
    log: LogSettings,
    ui: UiSettings,
    http: HttpSettings,
    bulk: BulkSettings,
    keys: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    profiles: BTreeMap<String, ProfileFile>,
}

/// A resolved tenant connection.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The API /1 host.
    pub base_url: String,
    /// The deprecated v3 XML host.
    pub v3_base_url: String,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub api_key: Option<SecretString>,
    pub user_update: UserUpdateApi,
    pub api: ApiMode,
}

/// Everything the program needs, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: String,
    pub connection: Connection,
    pub read_only: bool,
    /// The profile's `cache` setting, off with `--no-cache`.
    pub cache: bool,
    /// The profile's band colour, as written (checked when the console starts).
    pub color: Option<String>,
    /// The profile's `protected`: the console asks for the profile's name before a write.
    pub protected: bool,
    pub log: LogSettings,
    pub ui: UiSettings,
    pub http_timeout: Duration,
    pub bulk: BulkSettings,
    /// Key overrides: screen → action → keys.
    pub keys: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// The file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Every profile's saved views (profile → name → view): `--sandbox` names its
    /// profile "sandbox" after the file is read, and a view is found by that name.
    pub views: BTreeMap<String, BTreeMap<String, ViewFile>>,
    /// `--view NAME`: the view the console opens with.
    pub view: Option<String>,
    /// The program's folders: themes, logs, run journals.
    pub dirs: AppDirs,
    /// The flags the program started with, for opening another profile later.
    pub start: Overrides,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{path} holds a secret and can be read by group or others (mode {mode:o}): run `chmod 600 {path}` and start again"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("invalid settings: {0}")]
    Invalid(String),
    /// `:profile NAME` names a profile the file lacks.
    #[error("{0}")]
    NoProfile(String),
}

/// The environment, as a function so tests need not touch the process's own.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// Loads settings from the process environment and the usual file locations.
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
        Self::load_with(
            overrides,
            &|name| std::env::var(name).ok(),
            AppDirs::from_process(),
        )
    }

    /// Loads settings with an explicit environment (for the `ONELOGIN_*` variables) and
    /// explicit program folders.
    pub fn load_with(
        overrides: &Overrides,
        env: EnvLookup<'_>,
        dirs: AppDirs,
    ) -> Result<Settings, ConfigError> {
        let config_file = find_config_file(overrides.config.as_deref(), &dirs)?;
        let file_text = match &config_file {
            Some(path) => Some(
                std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                    path: path.clone(),
                    message: e.to_string(),
                })?,
            ),
            None => None,
        };
        let file = match (&config_file, &file_text) {
            (Some(path), Some(text)) => {
                check_permissions(path, text)?;
                Some((path.as_path(), text.as_str()))
            }
            _ => None,
        };
        Self::from_file_text(overrides, env, dirs, file)
    }

    /// The layering over a config file already read (and its mode checked): defaults,
    /// the file's text, the environment, the flags. No I/O.
    pub(crate) fn from_file_text(
        overrides: &Overrides,
        env: EnvLookup<'_>,
        dirs: AppDirs,
        file: Option<(&Path, &str)>,
    ) -> Result<Settings, ConfigError> {
        let mut table = parse_toml("the built-in defaults", SAMPLE_CONFIG)?;
        if let Some((path, text)) = file {
            merge(&mut table, parse_toml(&path.display().to_string(), text)?);
        }
        let config_file = file.map(|(path, _)| path.to_path_buf());
        let mut file: FileSettings = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.message().trim().to_string()))?;
        let profile = overrides
            .profile
            .clone()
            .or_else(|| env("ONELOGIN_PROFILE").filter(|p| !p.is_empty()))
            .unwrap_or_else(|| file.profile.clone());
        let views = file
            .profiles
            .iter()
            .filter(|(_, p)| !p.views.is_empty())
            .map(|(name, p)| (name.clone(), p.views.clone()))
            .collect();
        // The environment and the flags apply to the profile in use, found by its whole
        // name: a name is a map key here, never a path, so dots and spaces are plain text.
        let mut profile_file = file.profiles.remove(&profile).unwrap_or_default();
        let from_env = |var: &str| env(var).filter(|v| !v.is_empty());
        if let Some(id) = from_env("ONELOGIN_CLIENT_ID") {
            profile_file.client_id = Some(id);
        }
        if let Some(secret) = from_env("ONELOGIN_CLIENT_SECRET") {
            profile_file.client_secret = Some(SecretString::from(secret));
        }
        if let Some(key) = from_env("ONELOGIN_API_KEY") {
            profile_file.api_key = Some(SecretString::from(key));
        }
        // The host: the environment beats the file, flags beat both. A layer that names a
        // host in any form replaces the form the layers below chose.
        let host_layers = [
            [
                from_env("ONELOGIN_REGION"),
                from_env("ONELOGIN_SUBDOMAIN"),
                from_env("ONELOGIN_API_URL"),
            ],
            [
                overrides.region.clone(),
                overrides.subdomain.clone(),
                overrides.base_url.clone(),
            ],
        ];
        for [region, subdomain, base_url] in host_layers {
            if region.is_some() || subdomain.is_some() || base_url.is_some() {
                profile_file.region = region;
                profile_file.subdomain = subdomain;
                profile_file.base_url = base_url;
            }
        }
        if let Some(level) = &overrides.log_level {
            file.log.level = level.clone();
        }
        if let Some(dir) = &overrides.log_dir {
            file.log.dir = dir.clone();
        }
        if let Some(theme) = &overrides.theme {
            file.ui.theme = theme.clone();
        }

        let connection = resolve_connection(&profile_file)?;
        let mut log = file.log;
        if log.dir.as_os_str().is_empty() {
            log.dir = dirs.logs();
        }
        if file.bulk.concurrency == 0 {
            return Err(ConfigError::Invalid(
                "bulk.concurrency must be at least 1".into(),
            ));
        }
        if !(file.bulk.max_budget_share > 0.0 && file.bulk.max_budget_share <= 1.0) {
            return Err(ConfigError::Invalid(
                "bulk.max_budget_share must be above 0 and at most 1".into(),
            ));
        }
        Ok(Settings {
            profile,
            connection,
            read_only: overrides.read_only || profile_file.read_only,
            cache: profile_file.cache.unwrap_or(true) && !overrides.no_cache,
            color: profile_file.color.clone(),
            protected: profile_file.protected,
            log,
            ui: file.ui,
            http_timeout: Duration::from_secs(file.http.timeout_secs.max(1)),
            bulk: file.bulk,
            keys: file.keys,
            config_file,
            views,
            view: overrides.view.clone(),
            dirs,
            start: overrides.clone(),
        })
    }

    /// The settings of another profile of the same file, for switching inside the console.
    /// The environment's tenant variables and the host flags were given for the profile
    /// the program started with, so they do not follow: the other profile is read from the
    /// file alone. `--read-only`, `--no-cache`, the log and theme flags still hold.
    pub fn other_profile(
        &self,
        profile: &str,
        env: EnvLookup<'_>,
        dirs: AppDirs,
    ) -> Result<Settings, ConfigError> {
        let names = match &self.config_file {
            Some(path) => profile_names(Some(path), &dirs)?,
            None => Vec::new(),
        };
        if !names.iter().any(|n| n == profile) {
            let file = self
                .config_file
                .as_ref()
                .map_or("no config file was read".to_string(), |p| {
                    p.display().to_string()
                });
            let known = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            return Err(ConfigError::NoProfile(format!(
                "no profile {profile:?} in {file} (profiles: {known})"
            )));
        }
        let overrides = Overrides {
            config: self.config_file.clone(),
            profile: Some(profile.to_string()),
            region: None,
            subdomain: None,
            base_url: None,
            // `--view` names a view of the profile the console started with.
            view: None,
            ..self.start.clone()
        };
        let tenant_free = |name: &str| {
            if TENANT_VARIABLES.contains(&name) {
                None
            } else {
                env(name)
            }
        };
        Settings::load_with(&overrides, &tenant_free, dirs)
    }
}

/// The environment variables that name a tenant or hold its credentials: they apply to
/// the profile the program started with.
const TENANT_VARIABLES: [&str; 7] = [
    "ONELOGIN_PROFILE",
    "ONELOGIN_CLIENT_ID",
    "ONELOGIN_CLIENT_SECRET",
    "ONELOGIN_API_KEY",
    "ONELOGIN_REGION",
    "ONELOGIN_SUBDOMAIN",
    "ONELOGIN_API_URL",
];

/// The config file read: the one `--config` names (it must exist), else the first of the
/// usual places that exists, else none.
pub fn find_config_file(
    config: Option<&Path>,
    dirs: &AppDirs,
) -> Result<Option<PathBuf>, ConfigError> {
    match config {
        Some(path) if !path.is_file() => Err(ConfigError::Read {
            path: path.to_path_buf(),
            message: "no such file".into(),
        }),
        Some(path) => Ok(Some(path.to_path_buf())),
        None => Ok(dirs.config_files().into_iter().find(|p| p.is_file())),
    }
}

impl Settings {
    /// The file `:view save` writes: the one read, else the usual place (created then).
    pub fn writable_config(&self) -> Option<PathBuf> {
        self.config_file
            .clone()
            .or_else(|| self.dirs.config.as_ref().map(|d| d.join("config.toml")))
    }

    /// The views of the profile in use.
    pub fn profile_views(&self) -> BTreeMap<String, ViewFile> {
        self.views.get(&self.profile).cloned().unwrap_or_default()
    }

    /// `--view NAME`, found among the profile's views; an unknown name is said in words
    /// with the names there are.
    pub fn start_view(&self) -> Result<Option<(String, ViewFile)>, String> {
        let Some(name) = &self.view else {
            return Ok(None);
        };
        let views = self.profile_views();
        match views.get(name) {
            Some(view) => Ok(Some((name.clone(), view.clone()))),
            None if views.is_empty() => Err(format!(
                "--view {name}: profile `{}` has no saved views (`:view save NAME` in the console saves one)",
                self.profile
            )),
            None => Err(format!(
                "--view {name}: profile `{}` has no view `{name}`; its views: {}",
                self.profile,
                views.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// The profile names the config file defines (`[profiles.<name>]`), sorted, for shell
/// completions: only the names are read, so neither a secret's file mode nor the other
/// keys matter here. No file, no names.
pub fn profile_names(config: Option<&Path>, dirs: &AppDirs) -> Result<Vec<String>, ConfigError> {
    let Some(path) = find_config_file(config, dirs)? else {
        return Ok(Vec::new());
    };
    let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        ConfigError::Invalid(toml_problem(&path.display().to_string(), &text, &e))
    })?;
    let mut names: Vec<String> = match table.get("profiles") {
        Some(toml::Value::Table(profiles)) => profiles.keys().cloned().collect(),
        _ => Vec::new(),
    };
    names.sort();
    Ok(names)
}

/// The table header of a profile as it is written in the file: `[profiles.acme]`,
/// `[profiles."acme.prod"]`.
pub fn profile_section(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        format!("[profiles.{name}]")
    } else {
        format!("[profiles.{}]", toml::Value::from(name))
    }
}

/// Reads one layer. It is checked on its own first, so that a wrong key or value is
/// reported with its line in that file, as the TOML parser words it.
fn parse_toml(origin: &str, text: &str) -> Result<toml::Table, ConfigError> {
    let invalid = |e: toml::de::Error| ConfigError::Invalid(toml_problem(origin, text, &e));
    toml::from_str::<FileSettings>(text).map_err(invalid)?;
    text.parse().map_err(invalid)
}

/// `file line L, column C: what is wrong`. The parser's own rendering quotes the line, and
/// its message may quote the value: neither is shown when the line, the text the error
/// points at (a string may run over many lines) or the message names a secret's key.
fn toml_problem(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let names_secret = |t: &str| ["client_secret", "api_key"].iter().any(|k| t.contains(k));
    const HIDDEN: &str =
        "this value is not valid here, and it holds a line that sets a secret: it is not shown";
    let Some(span) = e.span() else {
        let what = if names_secret(e.message()) {
            HIDDEN
        } else {
            e.message().trim()
        };
        return format!("{origin}: {what}");
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let what = if names_secret(line_text) {
        "this secret's value is not valid here (a quoted string is expected); the value is not shown"
    } else if text.get(span).is_some_and(names_secret) || names_secret(e.message()) {
        HIDDEN
    } else {
        e.message().trim()
    };
    format!("{origin} line {line}, column {column}: {what}")
}

/// Lays `upper` over `lower`: tables merge key by key, any other value replaces.
fn merge(lower: &mut toml::Table, upper: toml::Table) {
    for (key, value) in upper {
        match (lower.get_mut(&key), value) {
            (Some(toml::Value::Table(below)), toml::Value::Table(above)) => merge(below, above),
            (_, value) => {
                lower.insert(key, value);
            }
        }
    }
}

/// Refuses a file that holds a secret and that group or others can read.
fn check_permissions(path: &Path, text: &str) -> Result<(), ConfigError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if !holds_secret(text) {
            return Ok(());
        }
        let mode = std::fs::metadata(path)
            .map_err(|e| ConfigError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(ConfigError::Permissions {
                path: path.to_path_buf(),
                mode: mode & 0o777,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, text);
    Ok(())
}

/// Whether any profile in the file carries a client secret or an API key.
fn holds_secret(text: &str) -> bool {
    let Ok(table) = text.parse::<toml::Table>() else {
        // Unparsable files are reported by the layering step, with the parser's message.
        return false;
    };
    let Some(profiles) = table.get("profiles").and_then(|p| p.as_table()) else {
        return false;
    };
    profiles.values().filter_map(|p| p.as_table()).any(|p| {
        ["client_secret", "api_key"].iter().any(|k| {
            p.get(*k)
                .and_then(|v| v.as_str())
                .is_some_and(|s| !s.is_empty())
        })
    })
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn resolve_connection(profile: &ProfileFile) -> Result<Connection, ConfigError> {
    let base_url = if let Some(url) = non_empty(&profile.base_url) {
        url.trim_end_matches('/').to_string()
    } else if let Some(sub) = non_empty(&profile.subdomain) {
        if !sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError::Invalid(format!(
                "subdomain {sub:?} may hold only letters, digits and '-'"
            )));
        }
        format!("https://{sub}.onelogin.com")
    } else {
        let region = non_empty(&profile.region)
            .unwrap_or("us")
            .to_ascii_lowercase();
        if region != "us" && region != "eu" {
            return Err(ConfigError::Invalid(format!(
                "region {region:?} is not one of us, eu (or set subdomain or base_url)"
            )));
        }
        format!("https://api.{region}.onelogin.com")
    };
    check_scheme(&base_url)?;
    let v3_base_url = match non_empty(&profile.v3_base_url) {
        Some(url) => url.trim_end_matches('/').to_string(),
        // A loopback tenant (the sandbox) serves both APIs on one port.
        None if is_loopback_url(&base_url) => base_url.clone(),
        None => "https://api.onelogin.com".to_string(),
    };
    check_scheme(&v3_base_url)?;
    let secret =
        |s: &Option<SecretString>| s.clone().filter(|s| !s.expose_secret().trim().is_empty());
    Ok(Connection {
        base_url,
        v3_base_url,
        client_id: non_empty(&profile.client_id).map(str::to_string),
        client_secret: secret(&profile.client_secret),
        api_key: secret(&profile.api_key),
        user_update: profile.user_update,
        api: profile.api,
    })
}

/// Plain `http://` is refused for anything but loopback: tokens would cross the network in clear.
fn check_scheme(url: &str) -> Result<(), ConfigError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ConfigError::Invalid(format!("{url} is not an http(s) URL: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&parsed) => Ok(()),
        "http" => Err(ConfigError::Invalid(format!(
            "{url} is plain http: only loopback addresses may use http, every tenant needs https"
        ))),
        _ => Err(ConfigError::Invalid(format!("{url} is not an http(s) URL"))),
    }
}

fn is_loopback_url(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| is_loopback(&u))
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
