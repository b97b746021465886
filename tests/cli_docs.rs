//! The real binary's self-description: the bash completion script, sourced in bash,
//! completes `onelogin-tui ap<TAB>` to `apply` and `--profile` to the config file's
//! profiles, and so does fish's; zsh parses its script; the man page renders with
//! `man ./onelogin-tui.1` and with groff without a warning; `--version` names the commit.
//! No tenant is involved. A missing bash, fish, zsh, man or groff is skipped, visibly
//! (fails under CI=true).

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod skip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_onelogin-tui");

/// The binary with a home of its own (no user's config or logs), run in `home`.
fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("ONELOGIN_PROFILE")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A config file with three profiles, one of them a name a shell would need quoted.
fn config(home: &Path) -> PathBuf {
    let path = home.join("profiles.toml");
    std::fs::write(
        &path,
        "profile = \"acme\"\n[profiles.acme]\nregion = \"eu\"\n[profiles.\"prod.eu\"]\n\
         subdomain = \"prod\"\n[profiles.\"two words\"]\n",
    )
    .unwrap();
    path
}

/// What bash offers for `line` (the cursor at its end), through the function the script
/// registered with `complete -F` for onelogin-tui, as readline would call it.
const DRIVE: &str = r#"
source "$1" || exit 3
spec=$(complete -p onelogin-tui) || exit 4
fn=${spec#*-F }; fn=${fn%% *}
COMP_LINE=$2; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<< "$COMP_LINE"
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMPREPLY=()
"$fn" onelogin-tui "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
"#;

fn complete(script: &Path, line: &str) -> Vec<String> {
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", DRIVE, "bash"])
        .arg(script)
        .arg(line)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{line:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    words.sort();
    words
}

#[test]
fn bash_completes_subcommands_and_profiles() {
    if !skip::need("bash", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let config = config(home.path());
    let out = run(
        home.path(),
        &["completions", "bash", "--config", config.to_str().unwrap()],
    );
    let script = home.path().join("onelogin-tui.bash");
    std::fs::write(&script, stdout(&out)).unwrap();

    assert_eq!(complete(&script, "onelogin-tui ap"), ["apply"]);
    let shells = complete(&script, "onelogin-tui completions ");
    assert!(
        ["bash", "fish", "zsh"]
            .iter()
            .all(|s| shells.contains(&s.to_string())),
        "{shells:?}"
    );
    assert_eq!(complete(&script, "onelogin-tui completions z"), ["zsh"]);
    // A subcommand's own options (clap-rs/clap#6421 broke these for hyphenated names).
    assert_eq!(complete(&script, "onelogin-tui apply --dr"), ["--dry-run"]);
    assert_eq!(
        complete(&script, "onelogin-tui set-state --conc"),
        ["--concurrency"]
    );
    assert_eq!(
        complete(&script, "onelogin-tui --profile "),
        ["acme", "prod.eu"]
    );
    assert_eq!(complete(&script, "onelogin-tui apply -p pr"), ["prod.eu"]);
    assert_eq!(complete(&script, "onelogin-tui lock --profile a"), ["acme"]);
    assert_eq!(
        complete(&script, "onelogin-tui cache status -p a"),
        ["acme"]
    );
    // Generating the script wrote no log and no state.
    assert!(!home.path().join("state").exists());
}

#[test]
fn fish_completes_subcommands_and_profiles() {
    if !skip::need("fish", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let config = config(home.path());
    let out = run(
        home.path(),
        &["completions", "fish", "--config", config.to_str().unwrap()],
    );
    let script = home.path().join("onelogin-tui.fish");
    std::fs::write(&script, stdout(&out)).unwrap();
    // fish's own `complete -C`: what a Tab would offer for the line.
    let complete = |line: &str| {
        let out = Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!("source {}; complete -C '{line}'", script.display()))
            .env("HOME", home.path())
            .output()
            .unwrap();
        let mut words: Vec<String> = stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect();
        words.sort();
        words
    };
    assert_eq!(complete("onelogin-tui ap"), ["apply"]);
    assert_eq!(
        complete("onelogin-tui apply --profile "),
        ["acme", "prod.eu"]
    );
    assert_eq!(complete("onelogin-tui cache status -p pr"), ["prod.eu"]);
}

#[test]
fn zsh_reads_its_script() {
    if !skip::need("zsh", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("_onelogin-tui");
    std::fs::write(&script, stdout(&run(home.path(), &["completions", "zsh"]))).unwrap();
    // zsh -n: the script parses (its completion is not driven here, as bash's and fish's are).
    let out = Command::new("zsh").arg("-n").arg(&script).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_without_a_readable_config_say_so_and_still_print() {
    let home = tempfile::tempdir().unwrap();
    let broken = home.path().join("broken.toml");
    std::fs::write(&broken, "[profiles\n").unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(
            home.path(),
            &["--config", broken.to_str().unwrap(), "completions", shell],
        );
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            err.contains("completions without profile names") && err.contains("line 1"),
            "{err}"
        );
        assert!(stdout(&out).contains("apply"), "{shell}");
    }
    let wrong = run(home.path(), &["completions", "powershell"]);
    assert_eq!(wrong.status.code(), Some(2));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("[possible values: bash, zsh, fish]"), "{err}");
}

/// `onelogin-tui man > onelogin-tui.1`, in a fresh folder.
fn write_page(home: &Path) -> PathBuf {
    let page = home.join("onelogin-tui.1");
    std::fs::write(&page, stdout(&run(home, &["man"]))).unwrap();
    page
}

#[test]
fn man_renders_the_page() {
    if !skip::need("man", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    write_page(home.path());
    let out = Command::new("man")
        .arg("./onelogin-tui.1")
        .current_dir(home.path())
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap();
    let shown = stdout(&out);
    for words in [
        "onelogin-tui - A terminal console for the admins of a OneLogin tenant",
        "SYNOPSIS",
        "COMMANDS",
        "onelogin-tui apply",
        "--dry-run",
        "onelogin-tui completions",
        "FILES",
    ] {
        assert!(shown.contains(words), "{words:?} in\n{shown}");
    }
}

#[test]
fn groff_renders_the_page_without_a_warning() {
    if !skip::need("groff", "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let page = write_page(home.path());
    let out = Command::new("groff")
        // -ww: every warning; grotty -c -b -o -u: plain text, no bold or underline.
        .args(["-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-o", "-P-u"])
        .arg(&page)
        .output()
        .unwrap();
    let shown = stdout(&out);
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(warnings.trim().is_empty(), "groff: {warnings}");
    assert!(shown.contains("COMMANDS"));
}

#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let home = tempfile::tempdir().unwrap();
    let shown = stdout(&run(home.path(), &["--version"]));
    let manifest = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // As build.rs decides: this checkout's HEAD, else "unknown".
    let ours = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| std::fs::canonicalize(top).ok() == std::fs::canonicalize(manifest).ok());
    let commit = ours
        .then(|| git(&["rev-parse", "--short", "HEAD"]))
        .flatten()
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(
        shown.trim(),
        format!(
            "onelogin-tui {} (commit {commit})",
            env!("CARGO_PKG_VERSION")
        )
    );
}
