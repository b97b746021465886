//! `onelogin-tui cache status|refresh|clear [--profile P]`: what the profile's cache
//! holds, a refresh now (its calls and what it added, changed and deleted), and removing
//! the file. Exit 0 when done, 1 when it could not be (the message says why).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;

use super::store::{CacheStatus, Store, with_suffix};
use super::sync::{SyncKind, SyncOptions, SyncProgress, SyncReport, refresh};
use super::{CacheError, CacheKey};
use crate::bulk::{Pacer, thousands};
use crate::config::Settings;
use crate::tenant::Tenant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheVerb {
    Status,
    Refresh,
    Clear,
}

const EXIT_OK: u8 = 0;
const EXIT_FAILED: u8 = 1;

/// "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn age_text(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => "just now".to_string(),
        60..3_600 => format!("{} min ago", s / 60),
        3_600..172_800 => format!("{} h ago", s / 3_600),
        _ => format!("{} days ago", s / 86_400),
    }
}

/// "12.3 MB".
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.2} GB", bytes as f64 / 1e9),
    }
}

/// The key of the profile's cache: its tenant and credential (none without a client id).
pub fn key_of(settings: &Settings) -> Result<CacheKey, String> {
    let url = reqwest::Url::parse(&settings.connection.base_url)
        .map_err(|e| format!("base URL {}: {e}", settings.connection.base_url))?;
    let tenant = Tenant::new(&settings.profile, &url);
    let client_id = settings.connection.client_id.clone().ok_or_else(|| {
        format!(
            "no client id for profile {:?}: the cache belongs to a tenant and a credential",
            settings.profile
        )
    })?;
    Ok(CacheKey::new(tenant, &client_id))
}

fn path_of(settings: &Settings, key: &CacheKey) -> PathBuf {
    settings.dirs.cache.join(key.file_name())
}

/// Runs one verb; prints what it did (stdout) or why it could not (stderr).
pub async fn run(settings: &Settings, verb: CacheVerb) -> u8 {
    match run_inner(settings, verb).await {
        Ok(()) => EXIT_OK,
        Err(message) => {
            eprintln!("onelogin-tui: {message}");
            EXIT_FAILED
        }
    }
}

async fn run_inner(settings: &Settings, verb: CacheVerb) -> Result<(), String> {
    let key = key_of(settings)?;
    let path = path_of(settings, &key);
    match verb {
        CacheVerb::Status => status(settings, &key, &path),
        CacheVerb::Clear => clear(&path),
        CacheVerb::Refresh => refresh_now(settings, &key).await,
    }
}

fn status(settings: &Settings, key: &CacheKey, path: &std::path::Path) -> Result<(), String> {
    if !settings.cache {
        println!(
            "the cache is off for profile {} (cache = false, or --no-cache)",
            settings.profile
        );
    }
    if !path.exists() {
        println!("no cache yet for {}", key.tenant);
        println!("file: {} (not created)", path.display());
        println!("`onelogin-tui cache refresh` fills it; the console fills it too");
        return Ok(());
    }
    let store = Store::open_file(path, key).map_err(|e| e.to_string())?;
    let s = store.status().map_err(|e| e.to_string())?;
    print!("{}", status_text(&s, &key.tenant));
    match store.check().map_err(|e| e.to_string())? {
        None => println!("file check: intact"),
        Some(found) => {
            return Err(format!(
                "file check found damage ({found}): `onelogin-tui cache clear` removes it"
            ));
        }
    }
    Ok(())
}

/// The lines `cache status` prints about a file.
pub fn status_text(s: &CacheStatus, tenant: &Tenant) -> String {
    let mut out = format!("tenant: {tenant}\nfile: {}", s.path.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(&s.path) {
            out.push_str(&format!(" (mode {:04o})", m.permissions().mode() & 0o777));
        }
    }
    out.push_str(&format!("\nsize: {}\n", size_text(s.bytes)));
    let whole = if s.sync.complete {
        "complete"
    } else if s.sync.fill_cursor.is_some() {
        "not complete: a fill stopped part way (`cache refresh` finishes it)"
    } else {
        "not complete"
    };
    out.push_str(&format!("users: {} ({whole})\n", thousands(s.users)));
    match s.sync.last_sync {
        Some(t) => {
            let age = (Utc::now() - t).to_std().unwrap_or_default();
            out.push_str(&format!(
                "age: refreshed {} ({})\n",
                age_text(age),
                t.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
        None => out.push_str("age: never refreshed\n"),
    }
    if let Some(total) = s.sync.last_total {
        out.push_str(&format!(
            "the tenant counted {} users at that refresh\n",
            thousands(total)
        ));
    }
    out
}

fn clear(path: &std::path::Path) -> Result<(), String> {
    let mut removed = false;
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        match std::fs::remove_file(&file) {
            Ok(()) => removed = true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", file.display())),
        }
    }
    if removed {
        println!("removed {}", path.display());
    } else {
        println!("no cache file at {}: nothing to remove", path.display());
    }
    Ok(())
}

async fn refresh_now(settings: &Settings, key: &CacheKey) -> Result<(), String> {
    if !settings.cache {
        return Err(format!(
            "the cache is off for profile {} (cache = false, or --no-cache): nothing was refreshed",
            settings.profile
        ));
    }
    let client = crate::launch::client_for(&settings.connection, settings)?;
    let mut store = Store::open(&settings.dirs.cache, key).map_err(|e| e.to_string())?;
    let pacer = Pacer::new(client.clone(), settings.bulk.max_budget_share);
    let last = Mutex::new(Instant::now());
    let watch = move |p: SyncProgress| {
        let Ok(mut last) = last.lock() else { return };
        if last.elapsed() >= Duration::from_secs(2) {
            *last = Instant::now();
            let of = p
                .total
                .map(|t| format!(" of {}", thousands(t)))
                .unwrap_or_default();
            eprintln!(
                "listed {}{of} users ({} calls)",
                thousands(p.listed),
                thousands(p.calls)
            );
        }
    };
    let options = SyncOptions::new(settings.connection.api);
    let report = refresh(&client, Some(&pacer), &mut store, options, &watch)
        .await
        .map_err(|e: CacheError| format!("the refresh stopped: {e}; what it wrote is kept, `cache refresh` goes on from there"))?;
    println!("{}", report_text(&report));
    Ok(())
}

/// One line: what kind of refresh, its calls, and what it did.
pub fn report_text(r: &SyncReport) -> String {
    let kind = match r.kind {
        SyncKind::Fill { resumed: false } => "full listing (first fill)",
        SyncKind::Fill { resumed: true } => "full listing, resumed",
        SyncKind::Incremental => "updated since the last refresh",
        SyncKind::FullV1 { resumed: false } => "full API /1 listing",
        SyncKind::FullV1 { resumed: true } => "full API /1 listing, resumed",
        SyncKind::NotStarted => "not started",
    };
    let mut line = format!(
        "cache refresh: {kind}, {} calls: {} added, {} changed, {} deleted; {} users cached",
        thousands(r.calls),
        thousands(r.added),
        thousands(r.changed),
        thousands(r.deleted),
        thousands(r.users),
    );
    if let Some(total) = r.total {
        line.push_str(&format!(" (the tenant counts {})", thousands(total)));
    }
    for note in &r.notes {
        line.push_str(&format!("\nnote: {note}"));
    }
    line
}
