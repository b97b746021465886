//! The per-tenant user cache: one SQLite file per tenant identity and credential, so a
//! 100,000-user tenant opens at once and a refresh costs a few calls.
//!
//! - [`key`]: what a cache belongs to (the typed [`Tenant`] and the credential's client
//!   id) and the file name hashed from it; a file that says it belongs to another key is
//!   refused, so two tenants never share rows.
//! - [`store`]: the file: folder 0700, file 0600 (set explicitly), WAL and one
//!   transaction per page, so a kill -9 leaves it intact; the schema's version
//!   (`PRAGMA user_version`) and its migration steps live in [`schema`].
//! - [`sync`]: filling and refreshing over the API, paced like every other read: a full
//!   /2 listing the first time (resumed from its cursor after a kill), then
//!   `updated_since` the last refresh minus a margin, `Total-Count` to notice deletions
//!   and the events API (or an id-only listing) to find them. With `api = "v1"`, a
//!   refresh is a full paced /1 listing.
//! - [`writes`]: our own writes kept true: after a bulk run (the console's or the
//!   command line's) the users it deleted leave and the others are read again.
//! - [`cli`]: `onelogin-tui cache status|refresh|clear`.
//!
//! Writes never trust the cache: bulk plans read current values from the tenant. The
//! cache only mirrors what the tenant answered (listings, and the answers or read-backs
//! of our own writes). No secret is ever written to it.

// ApiError is large by design (see api/mod.rs); it travels on cold paths here too.
#![allow(clippy::result_large_err)]

pub mod cli;
pub mod key;
mod row;
mod schema;
pub mod store;
pub mod sync;
pub mod writes;

use std::path::PathBuf;

pub use key::CacheKey;
pub use row::CachedRow;
pub use store::{CacheStatus, Store, SyncState};
pub use sync::{SyncOptions, SyncReport, refresh};
pub use writes::{WriteBack, Written, write_back};

use crate::api::ApiError;
use crate::tenant::Tenant;

/// What can go wrong with a cache file, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot use the cache folder {path}: {message}")]
    Folder { path: PathBuf, message: String },
    #[error(
        "the cache file {path} is damaged ({message}): it was not used; `onelogin-tui cache clear` removes it"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error(
        "the cache file {path} is locked by another onelogin-tui (a refresh?): try again when it is done"
    )]
    Locked { path: PathBuf },
    #[error(
        "the cache file {path} belongs to another tenant or credential ({found}): it was not used"
    )]
    OtherTenant { path: PathBuf, found: String },
    #[error(
        "the cache file {path} was written by a newer onelogin-tui (schema {found}, this one knows {known}): it was not used"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("the cache file {path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error("{0}")]
    Api(#[from] ApiError),
}

impl CacheError {
    /// Whether the tenant's answer, not the file, failed.
    pub fn is_api(&self) -> bool {
        matches!(self, CacheError::Api(_))
    }
}

/// The cache of `tenant` as seen with the credential `client_id`, under `dir`.
pub fn path_for(dir: &std::path::Path, tenant: &Tenant, client_id: &str) -> PathBuf {
    dir.join(CacheKey::new(tenant.clone(), client_id).file_name())
}
