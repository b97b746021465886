//! The real binaries, as an admin would live it: `onelogin-tui sandbox` as a
//! child process, `apply --yes` killed with SIGKILL (or stopped with SIGTERM)
//! at a random point, then `resume` converges to exactly the intended state.
//! The random point comes from a printed seed (`BULK_KILL_SEED` replays it).
// Helper functions here are part of the tests: a panic is a failed assertion
// (clippy.toml allows unwrap in #[test] functions only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bulk_common::{Cli, Output};
use onelogin_tui::api::{Client, ClientConfig, User};
use onelogin_tui::bulk::journal::RunLog;
use onelogin_tui::sandbox::SandboxConfig;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use secrecy::SecretString;

const USERS: usize = 300;

struct Tenant {
    // Killed when dropped (kill_on_drop).
    _child: tokio::process::Child,
    url: String,
}

/// `onelogin-tui sandbox --listen 127.0.0.1:<port> --latency-ms 20` as a child.
async fn start_sandbox() -> Tenant {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_onelogin-tui"))
        .args([
            "sandbox",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--latency-ms",
            "20",
            "--users",
            &USERS.to_string(),
        ])
        .env("XDG_STATE_HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .current_dir(home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the sandbox did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The temp home may go: the sandbox keeps no files.
    drop(home);
    Tenant { _child: child, url }
}

fn client(url: &str) -> Client {
    let c = SandboxConfig::default();
    Client::new(ClientConfig::new(
        reqwest::Url::parse(url).unwrap(),
        c.client_id,
        SecretString::from(c.client_secret),
    ))
    .unwrap()
}

fn seed() -> u64 {
    let seed = std::env::var("BULK_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("BULK_KILL_SEED={seed}");
    seed
}

/// Every user gets a new cost_center, title and department: 2 calls each.
fn write_csv(cli: &Cli, users: &[User]) -> (std::path::PathBuf, HashMap<i64, (String, String)>) {
    let mut text = String::from("id,custom_attributes.cost_center,title,department\n");
    let mut want = HashMap::new();
    for u in users {
        let (cc, title) = (format!("K-{}", u.id), format!("Killed {}", u.id));
        text.push_str(&format!("{},{cc},{title},Resilience\n", u.id));
        want.insert(u.id, (cc, title));
    }
    let path = cli.path("kill.csv");
    std::fs::write(&path, text).unwrap();
    (path, want)
}

async fn assert_converged(c: &Client, want: &HashMap<i64, (String, String)>) {
    let users = bulk_common::all_users(c, &["title", "department", "custom_attributes"]).await;
    let mut off = 0;
    for u in &users {
        let (cc, title) = &want[&u.id];
        if u.custom_attributes["cost_center"].as_deref() != Some(cc.as_str())
            || u.title.as_deref() != Some(title.as_str())
            || u.department.as_deref() != Some("Resilience")
        {
            off += 1;
        }
    }
    assert_eq!(users.len(), USERS);
    assert_eq!(off, 0, "{off} user(s) not at the intended state");
}

/// Waits until the run's journal exists and has `min_lines` lines.
async fn wait_for_journal(cli: &Cli, min_lines: usize) -> Option<std::path::PathBuf> {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(30) {
        if let Ok(mut entries) = std::fs::read_dir(cli.runs_dir())
            && let Some(Ok(e)) = entries.next()
        {
            let lines = std::fs::read_to_string(e.path())
                .map(|t| t.lines().count())
                .unwrap_or(0);
            if lines >= min_lines {
                return Some(e.path());
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

fn code_of(status: std::process::ExitStatus) -> Option<i32> {
    status.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_with_sigkill_at_a_random_point_then_resume_converges() {
    let mut rng = StdRng::seed_from_u64(seed());
    let tenant = start_sandbox().await;
    let c = client(&tenant.url);
    let users = bulk_common::all_users(&c, &["id"]).await;
    let cli = Cli::new(&tenant.url);
    let (csv, want) = write_csv(&cli, &users);

    let mut apply = cli
        .command(&[
            "apply",
            &csv.to_string_lossy(),
            "--yes",
            "--concurrency",
            "4",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The run has begun once the planned record is on disk; then any point of it.
    let journal = wait_for_journal(&cli, 1).await.expect("the run started");
    let delay = Duration::from_millis(rng.random_range(0..1500));
    tokio::time::sleep(delay).await;
    apply.start_kill().unwrap();
    let status = apply.wait().await.unwrap();
    let log = RunLog::read(&journal).unwrap();
    let unconfirmed = log
        .calls
        .values()
        .filter(|s| **s == onelogin_tui::bulk::CallStatus::Sent)
        .count();
    eprintln!(
        "killed after {delay:?} ({status}): {} call(s) ok, {unconfirmed} sent without answer, finished: {}",
        log.calls
            .values()
            .filter(|s| **s == onelogin_tui::bulk::CallStatus::Ok)
            .count(),
        log.finished
    );

    let out: Output = cli.run(&["resume"]).await;
    if log.finished {
        assert!(out.stdout.contains("nothing to resume"), "{out:?}");
    } else {
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("resuming run"), "{}", out.stdout);
    }
    let log = RunLog::read(&journal).unwrap();
    assert!(log.finished);
    assert_eq!(log.open_calls(), 0);
    assert_converged(&c, &want).await;
    // The resumed run wrote the reports of the whole input.
    let results = std::fs::read_to_string(cli.path("kill.results.csv")).unwrap();
    assert_eq!(results.matches(",done,").count(), USERS, "{results}");
    drop(tenant);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_stopped_with_sigterm_finishes_calls_in_flight_then_resume_converges() {
    let mut rng = StdRng::seed_from_u64(seed());
    let tenant = start_sandbox().await;
    let c = client(&tenant.url);
    let users = bulk_common::all_users(&c, &["id"]).await;
    let cli = Cli::new(&tenant.url);
    let (csv, want) = write_csv(&cli, &users);

    let apply = cli
        .command(&[
            "apply",
            &csv.to_string_lossy(),
            "--yes",
            "--concurrency",
            "4",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = apply.id().unwrap();
    // Some calls in: the planned record plus a few sent/ok lines.
    let journal = wait_for_journal(&cli, 5).await.expect("the run started");
    tokio::time::sleep(Duration::from_millis(rng.random_range(0..800))).await;
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = apply.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = RunLog::read(&journal).unwrap();
    if !log.finished {
        assert_eq!(code_of(out.status), Some(2), "{stderr}");
        assert!(
            stderr.contains("stopping: finishing the calls in flight"),
            "{stderr}"
        );
        assert!(log.stopped, "a `stopped` record closes the journal");
        // Calls in flight were finished: nothing is left sent without an answer.
        assert!(
            log.calls
                .values()
                .all(|s| *s != onelogin_tui::bulk::CallStatus::Sent),
            "{:?}",
            log.calls
                .values()
                .filter(|s| **s == onelogin_tui::bulk::CallStatus::Sent)
                .count()
        );
        let out = cli.run(&["resume"]).await;
        assert_eq!(out.code, 0, "{out:?}");
    }
    assert!(RunLog::read(&journal).unwrap().finished);
    assert_converged(&c, &want).await;
    drop(tenant);
}
