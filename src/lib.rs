//! onelogin-tui: a terminal console for the admins of a OneLogin tenant.
//!
//! Layout and rules of the house: see ARCHITECTURE.md in the shared folder.
//! `api` and `sandbox` never import the UI; the UI never calls `api` directly.

pub mod api;
pub mod config;
pub mod logging;
pub mod sandbox;
pub mod terminal;
pub mod theme;
