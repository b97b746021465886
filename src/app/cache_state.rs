//! What the console knows of the tenant's user cache: whether it is used, whether the
//! list shows it, how old it is, and the refresh going on. `update/cache.rs` changes it.

use chrono::{DateTime, Utc};

use crate::cache::cli::age_text;
use crate::cache::sync::SyncProgress;

/// Where the list's users (and the last search's result) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Pages from the tenant, as without a cache.
    #[default]
    Server,
    /// The cache's rows.
    Cache,
}

/// A cache file just opened: what it says of itself, and its first rows.
#[derive(Debug)]
pub struct CacheOpened {
    pub complete: bool,
    pub last_sync: Option<DateTime<Utc>>,
    pub users: u64,
    /// Its first rows, built for the list off the console's thread.
    pub rows: crate::app::user_row::RowBatch,
}

#[derive(Debug, Default)]
pub struct CacheState {
    /// The profile uses a cache (`cache = true`, no `--no-cache`, a client id).
    pub enabled: bool,
    /// `api = "v1"`: a refresh is a full /1 listing, started by the user.
    pub v1: bool,
    /// Answers to older opens are dropped.
    pub generation: u64,
    /// Rows are being read from the file.
    pub loading: bool,
    /// The list shows the cache (else the server's pages).
    pub source: Source,
    /// The file holds the whole tenant.
    pub complete: bool,
    /// When the last completed refresh started.
    pub last_sync: Option<DateTime<Utc>>,
    /// A refresh runs; how far a listing has come.
    pub refreshing: bool,
    /// A refresh has completed this session.
    pub fresh: bool,
    pub progress: Option<SyncProgress>,
    /// A fill waits for `R`: the list calls it takes (when known).
    pub waiting: Option<Option<u64>>,
    /// Why the cache is not used (a damaged or locked file): the console uses the server.
    pub unusable: Option<String>,
    /// Where the last search's result came from.
    pub searched: Option<Source>,
}

impl CacheState {
    /// The status line's words: "cached 3 h ago · refreshing", "not cached · R fills it".
    pub fn status_text(&self, now: DateTime<Utc>, refresh_key: &str) -> Option<String> {
        if !self.enabled {
            return None;
        }
        if self.unusable.is_some() {
            return Some("cache not used (see the message)".into());
        }
        let mut text = match (self.source, self.last_sync) {
            (Source::Cache, Some(t)) => {
                format!(
                    "cached {}",
                    age_text((now - t).to_std().unwrap_or_default())
                )
            }
            (Source::Cache, None) => "cached".into(),
            (Source::Server, _) if self.loading => "reading the cache".into(),
            (Source::Server, _) => "not cached".into(),
        };
        if self.refreshing {
            text.push_str(" · refreshing");
            if let Some(p) = self.progress.filter(|p| p.listed > 0) {
                let of = p
                    .total
                    .map(|t| format!(" of {}", crate::bulk::thousands(t)))
                    .unwrap_or_default();
                text.push_str(&format!(" {}{of}", crate::bulk::thousands(p.listed)));
            }
        } else if let Some(calls) = self.waiting {
            let cost = calls
                .map(|c| format!(" ({} calls)", crate::bulk::thousands(c)))
                .unwrap_or_default();
            text.push_str(&format!(" · {refresh_key} fills it{cost}"));
        } else if self.v1 && self.source == Source::Cache {
            text.push_str(&format!(
                " · API /1: {refresh_key} refreshes (a full listing)"
            ));
        }
        match self.searched {
            Some(Source::Cache) => text.push_str(" · search: from the cache"),
            Some(Source::Server) => text.push_str(" · search: from the server"),
            None => {}
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_says_age_refresh_and_source() {
        let now = Utc::now();
        let mut c = CacheState {
            enabled: true,
            source: Source::Cache,
            last_sync: Some(now - chrono::Duration::hours(3)),
            refreshing: true,
            ..CacheState::default()
        };
        assert_eq!(
            c.status_text(now, "R").unwrap(),
            "cached 3 h ago · refreshing"
        );
        c.refreshing = false;
        c.searched = Some(Source::Cache);
        assert_eq!(
            c.status_text(now, "R").unwrap(),
            "cached 3 h ago · search: from the cache"
        );
        c.source = Source::Server;
        c.searched = None;
        c.waiting = Some(Some(2_001));
        assert_eq!(
            c.status_text(now, "R").unwrap(),
            "not cached · R fills it (2,001 calls)"
        );
        c.enabled = false;
        assert_eq!(c.status_text(now, "R"), None);
    }
}
