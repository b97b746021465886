//! `onelogin-tui cache status|refresh|clear` as an admin runs them, and a `cache refresh`
//! killed with SIGKILL part way: the next run finds the file intact and finishes the job.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::time::{Duration, Instant};

use bulk_common::{Cli, all_users, client, sandbox};
use onelogin_tui::cache::{CacheKey, Store};
use onelogin_tui::sandbox::SandboxConfig;
use onelogin_tui::tenant::Tenant;

fn cache_files(cli: &Cli) -> Vec<std::path::PathBuf> {
    let dir = cli.home.path().join(".cache/onelogin-tui");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".sqlite3"))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_refresh_and_clear() {
    let sb = sandbox(SandboxConfig {
        users: 130,
        ..SandboxConfig::default()
    })
    .await;
    let cli = Cli::new(&sb.url());
    let out = cli.run(&["cache", "status"]).await;
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("no cache yet"), "{}", out.stdout);

    let out = cli.run(&["cache", "refresh"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(
            "full listing (first fill), 4 calls: 130 added, 0 changed, 0 deleted; 130 users cached"
        ),
        "{}",
        out.stdout
    );
    let files = cache_files(&cli);
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files[0]), 0o600);
        assert_eq!(mode(files[0].parent().unwrap()), 0o700);
    }

    let out = cli.run(&["cache", "status"]).await;
    assert_eq!(out.code, 0);
    for line in [
        "users: 130 (complete)",
        "mode 0600",
        "file check: intact",
        "age: refreshed just now",
        "the tenant counted 130",
    ] {
        assert!(out.stdout.contains(line), "{line}: {}", out.stdout);
    }

    // Nothing changed: the count and one empty page.
    let out = cli.run(&["cache", "refresh"]).await;
    assert_eq!(out.code, 0);
    assert!(
        out.stdout
            .contains("updated since the last refresh, 2 calls: 0 added, 0 changed, 0 deleted"),
        "{}",
        out.stdout
    );

    // Another profile is another file; --no-cache and a refused tenant are exit 1.
    let out = cli.run(&["cache", "refresh", "--profile", "other"]).await;
    assert_eq!(out.code, 0);
    assert_eq!(cache_files(&cli).len(), 2);
    let out = cli.run(&["--no-cache", "cache", "refresh"]).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("the cache is off"), "{}", out.stderr);

    let out = cli.run(&["cache", "clear"]).await;
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("removed"), "{}", out.stdout);
    assert_eq!(cache_files(&cli).len(), 1, "the other profile's file stays");
    let out = cli.run(&["cache", "status"]).await;
    assert!(out.stdout.contains("no cache yet"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_file_is_said_and_left_alone() {
    let sb = sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let cli = Cli::new(&sb.url());
    assert_eq!(cli.run(&["cache", "refresh"]).await.code, 0);
    let file = cache_files(&cli).remove(0);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    std::fs::write(&file, vec![b'x'; 8192]).unwrap();
    let out = cli.run(&["cache", "status"]).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("damaged") && out.stderr.contains("cache clear"),
        "{}",
        out.stderr
    );
    assert_eq!(cli.run(&["cache", "clear"]).await.code, 0);
    assert_eq!(cli.run(&["cache", "refresh"]).await.code, 0);
}

/// SIGKILL part way through a fill: the file opens intact, says it is not complete, and
/// the next refresh resumes from the stored cursor and ends with exactly the tenant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_refresh_the_next_run_finishes_it() {
    const USERS: usize = 2_000;
    let sb = sandbox(SandboxConfig {
        users: USERS,
        latency: Duration::from_millis(15),
        ..SandboxConfig::default()
    })
    .await;
    let cli = Cli::new(&sb.url());
    let before = sb.stats().requests;
    let mut child = cli.command(&["cache", "refresh"]).spawn().unwrap();
    let t0 = Instant::now();
    // Kill it once it has listed about a third of the pages.
    while sb.stats().requests < before + 15 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the refresh did not get going"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(!status.success(), "killed: {status:?}");

    let out = cli.run(&["cache", "status"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("file check: intact"), "{}", out.stdout);
    assert!(
        out.stdout.contains("a fill stopped part way"),
        "{}",
        out.stdout
    );

    let out = cli.run(&["cache", "refresh"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("full listing, resumed"),
        "{}",
        out.stdout
    );
    let words: Vec<&str> = out.stdout.split(' ').collect();
    let at = words.iter().position(|w| w.starts_with("calls")).unwrap();
    let calls: u64 = words[at - 1].replace(',', "").parse().unwrap();
    assert!(
        calls < 1 + (USERS as u64) / 50,
        "resumed, not started again: {calls} calls"
    );

    let url = reqwest::Url::parse(&sb.url()).unwrap();
    let key = CacheKey::new(
        Tenant::new("default", &url),
        &SandboxConfig::default().client_id,
    );
    let store = Store::open_file(&cache_files(&cli)[0], &key).unwrap();
    assert_eq!(store.check().unwrap(), None);
    assert!(store.sync_state().unwrap().complete);
    let mut live: Vec<i64> = all_users(&client(&sb), &["id"])
        .await
        .iter()
        .map(|u| u.id)
        .collect();
    live.sort_unstable();
    assert_eq!(store.ids().unwrap(), live);
}
