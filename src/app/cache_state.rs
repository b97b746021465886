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

/// How far the status line's cache words can be shortened: level 0 says everything,
/// each level after it says less (see [`CacheState::status_text`]).
pub const SHORTEST: usize = 4;

impl CacheState {
    /// The status line's words: "cached 3 h ago · refreshing", "not cached · R fills it".
    /// `level` shortens them for a narrow terminal, the least important words first:
    /// 1 the search's source in one word; 2 a refresh's progress as a percentage, the cost
    /// of a fill and the API /1 note in brief; 3 no progress at all; 4 (the last resort)
    /// not where the search was answered (the search's own message says it too). The age,
    /// a refresh going on and the key that fills the cache stay.
    pub fn status_text(
        &self,
        now: DateTime<Utc>,
        refresh_key: &str,
        level: usize,
    ) -> Option<String> {
        if !self.enabled {
            return None;
        }
        if self.unusable.is_some() {
            return Some(if level < 3 {
                "cache not used (see the message)".into()
            } else {
                "cache not used".into()
            });
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
            match self.progress.filter(|p| p.listed > 0) {
                Some(p) if level < 2 => {
                    let of = p
                        .total
                        .map(|t| format!(" of {}", crate::bulk::thousands(t)))
                        .unwrap_or_default();
                    text.push_str(&format!(" {}{of}", crate::bulk::thousands(p.listed)));
                }
                Some(p) if level < 3 => match p.total.filter(|t| *t > 0) {
                    Some(t) => text.push_str(&format!(" {}%", p.listed.min(t) * 100 / t)),
                    None => text.push_str(&format!(" {}", crate::bulk::thousands(p.listed))),
                },
                _ => {}
            }
        } else if let Some(calls) = self.waiting {
            let cost = calls
                .filter(|_| level < 2)
                .map(|c| format!(" ({} calls)", crate::bulk::thousands(c)))
                .unwrap_or_default();
            text.push_str(&format!(" · {refresh_key} fills it{cost}"));
        } else if self.v1 && self.source == Source::Cache {
            text.push_str(&match level {
                0 | 1 => format!(" · API /1: {refresh_key} refreshes (a full listing)"),
                2 => format!(" · API /1: {refresh_key} refreshes"),
                _ => format!(" · /1: {refresh_key} refreshes"),
            });
        }
        let from = match self.searched {
            Some(Source::Cache) => "cache",
            Some(Source::Server) => "server",
            None => return Some(text),
        };
        if level >= SHORTEST {
            return Some(text);
        }
        if level == 0 {
            text.push_str(&format!(" · search: from the {from}"));
        } else {
            text.push_str(&format!(" · search: {from}"));
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
            c.status_text(now, "R", 0).unwrap(),
            "cached 3 h ago · refreshing"
        );
        c.refreshing = false;
        c.searched = Some(Source::Cache);
        assert_eq!(
            c.status_text(now, "R", 0).unwrap(),
            "cached 3 h ago · search: from the cache"
        );
        c.source = Source::Server;
        c.searched = None;
        c.waiting = Some(Some(2_001));
        assert_eq!(
            c.status_text(now, "R", 0).unwrap(),
            "not cached · R fills it (2,001 calls)"
        );
        c.waiting = None;
        c.source = Source::Cache;
        c.refreshing = true;
        c.searched = Some(Source::Cache);
        c.progress = Some(SyncProgress {
            listed: 12_000,
            total: Some(100_000),
            calls: 240,
        });
        let levels: Vec<String> = (0..=SHORTEST)
            .map(|l| c.status_text(now, "R", l).unwrap())
            .collect();
        assert_eq!(
            levels,
            [
                "cached 3 h ago · refreshing 12,000 of 100,000 · search: from the cache",
                "cached 3 h ago · refreshing 12,000 of 100,000 · search: cache",
                "cached 3 h ago · refreshing 12% · search: cache",
                "cached 3 h ago · refreshing · search: cache",
                "cached 3 h ago · refreshing",
            ]
        );
        c.enabled = false;
        assert_eq!(c.status_text(now, "R", 0), None);
    }
}
