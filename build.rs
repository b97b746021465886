//! The commit the binary is built from, for `onelogin-tui --version`: `git rev-parse --short
//! HEAD` as `ONELOGIN_TUI_COMMIT`, or "unknown" outside a git checkout or without git.
//! Cargo runs this again when HEAD moves (a commit, a checkout, a reset): it watches the
//! files git keeps HEAD and its branch in, wherever this checkout keeps them (worktrees too).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let ours = own_checkout();
    let commit = ours
        .then(|| git(&["rev-parse", "--short", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ONELOGIN_TUI_COMMIT={commit}");
    if ours {
        for path in watched() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}

/// Whether the package root is the top of a git checkout: a source tarball unpacked inside
/// some other repository (a home folder kept in git) must not take that repository's commit.
fn own_checkout() -> bool {
    let (Some(top), Ok(root)) = (
        git(&["rev-parse", "--show-toplevel"]),
        std::env::var("CARGO_MANIFEST_DIR"),
    ) else {
        return false;
    };
    match (std::fs::canonicalize(top), std::fs::canonicalize(root)) {
        (Ok(top), Ok(root)) => top == root,
        _ => false,
    }
}

/// The files whose change means HEAD may point elsewhere: HEAD itself, the branch it names,
/// and packed-refs. Only those that exist: cargo reruns on every build for a missing one.
fn watched() -> Vec<PathBuf> {
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        names.push(branch);
    }
    names
        .iter()
        // Absolute, or relative to the package root (the script's working folder, which is
        // also what cargo reads a relative path against).
        .filter_map(|name| git(&["rev-parse", "--git-path", name]))
        .map(PathBuf::from)
        .filter(|path| path.is_file())
        .collect()
}

/// One line of git's answer, if git ran and succeeded.
fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let line = text.trim();
    (!line.is_empty()).then(|| line.to_string())
}
