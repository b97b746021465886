//! The fuzz corpus, replayed on stable: every file of `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` goes through the fuzz target's own body and oracles
//! (`fuzz/src/lib.rs`, the same code libFuzzer runs under `scripts/fuzz`). CI does not fuzz;
//! it proves here that every seed and every crash once found still passes.

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod harness;

/// Every file under `fuzz/<kind>/<target>/`, sorted.
fn files(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
}

/// Runs one target over its seeds and regressions; names every file that fails.
fn replay(target: &str) {
    let run = harness::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .unwrap_or_else(|| panic!("no fuzz target {target}"));
    let seeds = files("corpus", target);
    assert!(
        !seeds.is_empty(),
        "fuzz/corpus/{target}/ holds no seed: every target keeps a corpus"
    );
    let mut failed = Vec::new();
    let all: Vec<PathBuf> = seeds
        .into_iter()
        .chain(files("regressions", target))
        .collect();
    for path in &all {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} {target} files fail (the panic of each is printed above):\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn every_target_is_replayed() {
    let mut names: Vec<&str> = harness::TARGETS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let mut dirs: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets"))
            .unwrap()
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .collect();
    dirs.sort();
    assert_eq!(
        names, dirs,
        "fuzz/fuzz_targets/ and harness::TARGETS name the same targets"
    );
}

#[test]
fn api_answer() {
    replay("api_answer");
}

#[test]
fn v3_xml() {
    replay("v3_xml");
}

#[test]
fn csv_in() {
    replay("csv_in");
}

#[test]
fn search() {
    replay("search");
}

#[test]
fn config() {
    replay("config");
}

#[test]
fn sanitize() {
    replay("sanitize");
}

/// The sanitizer's oracle over every code point, not only those the fuzzer happened to try:
/// a format character the Unicode tables know and `sanitize.rs` does not would fail here.
#[test]
fn every_code_point_passes_the_sanitizer_oracle() {
    let all: Vec<char> = (0..=0x10FFFF).filter_map(char::from_u32).collect();
    for chunk in all.chunks(4096) {
        let text: String = chunk.iter().collect();
        harness::sanitize(text.as_bytes());
    }
}
