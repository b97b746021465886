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

fn store_of(cli: &Cli, sb_url: &str) -> Store {
    let url = reqwest::Url::parse(sb_url).unwrap();
    let key = CacheKey::new(
        Tenant::new("default", &url),
        &SandboxConfig::default().client_id,
    );
    Store::open_file(&cache_files(cli)[0], &key).unwrap()
}

fn status_of(store: &Store, id: i64) -> Option<i64> {
    let users = store.load(id - 1, 1).unwrap();
    users.first().filter(|u| u.id == id).and_then(|u| u.status)
}

/// Writes from the command line keep the cache true without a refresh (issue 11, point
/// 5): `lock` and its `undo` read the users again, `delete` removes them; a profile
/// without a cache file gets none from a write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_undo_and_delete_keep_the_cache_true_without_a_refresh() {
    let sb = sandbox(SandboxConfig {
        users: 130,
        ..SandboxConfig::default()
    })
    .await;
    let cli = Cli::new(&sb.url());
    let ids_file = |name: &str, ids: &[i64]| {
        let path = cli.path(name);
        let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    // No cache file yet: a write makes none.
    let first = ids_file("first.txt", &[10_001]);
    let out = cli.run(&["logout", "--ids", &first, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(cache_files(&cli).is_empty());
    assert!(!out.stdout.contains("cache:"), "{}", out.stdout);

    assert_eq!(cli.run(&["cache", "refresh"]).await.code, 0);
    let store = store_of(&cli, &sb.url());
    let marked = store.sync_state().unwrap();
    let active: Vec<i64> = store
        .load(0, 1_000)
        .unwrap()
        .iter()
        .filter(|u| u.status == Some(1))
        .map(|u| u.id)
        .collect();
    let (locked, deleted) = (&active[..3], &active[3..5]);
    drop(store);

    let file = ids_file("lock.txt", locked);
    let out = cli.run(&["lock", "--ids", &file, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("cache: 3 user(s) read again, 0 removed (1 call(s))"),
        "{}",
        out.stdout
    );
    let store = store_of(&cli, &sb.url());
    for id in locked {
        assert_eq!(status_of(&store, *id), Some(3), "user {id} shows locked");
    }
    assert_eq!(
        store.sync_state().unwrap(),
        marked,
        "no refresh ran: the sync state is as the refresh left it"
    );
    drop(store);

    let run = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("run ")?.split(':').next())
        .unwrap()
        .to_string();
    let out = cli.run(&["undo", &run, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let store = store_of(&cli, &sb.url());
    for id in locked {
        assert_eq!(status_of(&store, *id), Some(1), "user {id} active again");
    }
    drop(store);

    let file = ids_file("delete.txt", deleted);
    let out = cli.run(&["delete", "--ids", &file, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("cache: 0 user(s) read again, 2 removed (0 call(s))"),
        "{}",
        out.stdout
    );
    let store = store_of(&cli, &sb.url());
    let ids = store.ids().unwrap();
    for id in deleted {
        assert!(ids.binary_search(id).is_err(), "user {id} left the cache");
    }
    assert_eq!(ids.len(), 128);
    let out = cli.run(&["cache", "status"]).await;
    assert!(
        out.stdout.contains("users: 128 (complete)"),
        "{}",
        out.stdout
    );

    // api = "v1": the user is read again with GET /api/1/users/:id.
    let config = cli.path("config/onelogin-tui/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let logs = cli.path("v1-logs");
    std::fs::write(
        &config,
        format!(
            "[log]\nlevel = \"debug\"\ndir = \"{}\"\n\n[profiles.default]\napi = \"v1\"\n",
            logs.display()
        ),
    )
    .unwrap();
    let file = ids_file("v1.txt", &active[5..6]);
    let out = cli.run(&["lock", "--ids", &file, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("cache: 1 user(s) read again, 0 removed (1 call(s))"),
        "{}",
        out.stdout
    );
    let log: String = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    let read = format!("/api/1/users/{} ", active[5]);
    assert!(
        log.lines().any(|l| l.contains("GET") && l.contains(&read)) && !log.contains("/api/2/"),
        "read on /1 alone:\n{log}"
    );
    let store = store_of(&cli, &sb.url());
    assert_eq!(status_of(&store, active[5]), Some(3));
}
