//! onelogin-tui: a terminal console for the admins of a OneLogin tenant.
//!
//! Layout and rules of the house: see ARCHITECTURE.md at the root of the repository.
//! `api` and `sandbox` never import `app`; `app` never calls `api` directly but emits
//! commands that `worker` runs.

pub mod api;
pub mod app;
pub mod audit;
pub mod bulk;
pub mod cache;
pub mod config;
pub mod config_edit;
#[doc(hidden)]
pub mod fuzzing;
pub mod launch;
pub mod logging;
pub mod paths;
pub mod private_files;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod sanitize;
pub mod signals;
pub mod tenant;
pub mod terminal;
pub mod theme;
pub mod worker;
