//! A test that needs a tool (tmux, python3, curl) and finds it missing says
//! so where `cargo test` shows it, and fails under `CI=true` instead of passing.
//!
//! libtest captures `println!`/`eprintln!` of a passing test, so the line is
//! written to the process's stderr directly, which it does not capture.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `program` runs here (`program <version_arg>` exits 0). When it does
/// not, the calling test is reported skipped (under `CI=true`: fails) and should return.
pub fn need(program: &str, version_arg: &str) -> bool {
    let found = Command::new(program)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        skipped(&format!("{program} not found (.ci/run installs it)"));
    }
    found
}

/// Reports the running test as skipped for `why`; under `CI=true` it fails instead.
pub fn skipped(why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("skipped: {test}: {why}");
    assert!(!in_ci(), "{line}; CI=true: a test that cannot run fails");
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}
