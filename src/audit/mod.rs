//! Reading the tenant's audit trail beside our own records: which events our bulk runs
//! caused ([`run_marks`]). Files are read here; the console only looks the answers up.

pub mod run_marks;

pub use run_marks::{RunMarks, SKEW};
