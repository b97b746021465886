//! Kill -9 trials (issue 13): ten times, the real binary runs `onelogin-tui apply FILE.csv
//! --yes` over 1,000 users against a sandbox tenant, is killed with SIGKILL at a random
//! point, then `onelogin-tui resume` takes the run to its end.
//!
//! - The tenant: an in-process sandbox (a fresh one per trial, so each trial starts from the
//!   seeded state), 20 ms added to every answer, and a rate limit of 800 calls per 10 s
//!   window: the run (1,000 writes on API /2 plus the reads that plan them) takes about
//!   two windows, paced by the pacer (80% of each window, spread over it), so a kill can
//!   land during a call, between calls, or in a wait for the reset.
//! - The CSV sets `custom_attributes.cost_center` and `title` for each user: one
//!   `PUT /api/2/users/:id` per user.
//! - The kill: a delay drawn from the seed, 0.2 s to 13 s after the run's journal appears
//!   (the run takes about 13 s; a kill after the end leaves nothing to resume, and says so). The seed is printed;
//!   `KILL_TRIALS_SEED=N` replays it.
//! - Converged: every user on the sandbox (its own state, not HTTP) holds its row's values,
//!   and the journal says finished.
//! - Duplicate writes after a confirmed write: from the sandbox's per-user write log and the
//!   journal: a user's write applied after the journal's first `ok` for that user's call
//!   (the journal's times are truncated to the millisecond, so a write counts when it is
//!   more than 1 ms after the `ok`; a real resend comes a round trip and an fsync later at
//!   least). Also printed: users written more than once at all. After the first trial, a
//!   control: one deliberate re-write of a confirmed user must raise the count by one (and
//!   is left out of the totals).
//!
//! Prints per trial, then `BENCH kill_trials_converged N of 10` and
//! `BENCH kill_trials_duplicate_writes_after_confirmed N`.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig, Write};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use common::report;

const TRIALS: usize = 10;
const USERS: usize = 1000;
const CONCURRENCY: &str = "4";
const LATENCY: Duration = Duration::from_millis(20);
const RATE_LIMIT: u32 = 800;
const RATE_WINDOW: Duration = Duration::from_secs(10);
/// The kill comes this long after the journal appears, drawn from the seed.
const KILL_MS: std::ops::Range<u64> = 200..13_000;

fn seed() -> u64 {
    let seed = std::env::var("KILL_TRIALS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("KILL_TRIALS_SEED={seed}");
    seed
}

/// The real binary in an isolated home, the tenant from the environment.
fn command(home: &Path, url: &str, args: &[&str]) -> tokio::process::Command {
    let c = SandboxConfig::default();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_onelogin-tui"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("ONELOGIN_CLIENT_ID", c.client_id)
        .env("ONELOGIN_CLIENT_SECRET", c.client_secret)
        .env("ONELOGIN_API_URL", url)
        .current_dir(home)
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

fn text(v: &serde_json::Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// The CSV and what it asks of each user.
fn write_csv(sb: &Sandbox, path: &Path) -> HashMap<i64, (String, String)> {
    let ids: Vec<i64> = (10_000..)
        .filter(|id| sb.user_json(*id).is_some())
        .take(USERS)
        .collect();
    let mut csv = String::from("id,custom_attributes.cost_center,title\n");
    let mut want = HashMap::new();
    for id in ids {
        let (cc, title) = (format!("K9-{id}"), format!("Killed {id}"));
        csv.push_str(&format!("{id},{cc},{title}\n"));
        want.insert(id, (cc, title));
    }
    std::fs::write(path, csv).unwrap();
    want
}

/// The run's journal, once it exists.
async fn journal(runs: &Path) -> PathBuf {
    let t0 = Instant::now();
    loop {
        if let Ok(mut entries) = std::fs::read_dir(runs)
            && let Some(Ok(e)) = entries.next()
            && std::fs::read_to_string(e.path()).is_ok_and(|t| t.lines().count() >= 1)
        {
            return e.path();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the apply started no run"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Per user (one call each on /2), the first `ok` of its call, and the journal's counts.
struct Journaled {
    confirmed: HashMap<i64, DateTime<Utc>>,
    sent_unanswered: usize,
    /// Calls a resume found applied on its re-read (sent before the kill, answer never read).
    seen_applied: usize,
    finished: bool,
}

fn read_journal(path: &Path) -> Journaled {
    let text = std::fs::read_to_string(path).unwrap();
    let mut confirmed = HashMap::new();
    let mut sent: HashMap<(i64, u64), bool> = HashMap::new();
    let mut finished = false;
    let mut seen_applied = 0;
    for line in text.lines() {
        // A line cut by the kill is skipped, as the engine skips it.
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let key = || (v["user"].as_i64().unwrap(), v["call"].as_u64().unwrap());
        match v["type"].as_str() {
            Some("sent") => {
                sent.entry(key()).or_insert(false);
            }
            Some("ok") => {
                sent.insert(key(), true);
                if v["note"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("already applied"))
                {
                    seen_applied += 1;
                }
                let at: DateTime<Utc> = v["at"].as_str().unwrap().parse().unwrap();
                confirmed.entry(key().0).or_insert(at);
            }
            Some("failed") => {
                sent.insert(key(), true);
            }
            Some("finished") => finished = true,
            _ => {}
        }
    }
    Journaled {
        confirmed,
        sent_unanswered: sent.values().filter(|answered| !**answered).count(),
        seen_applied,
        finished,
    }
}

/// Writes applied more than 1 ms after the journal confirmed their user's call.
fn after_confirmed(writes: &[Write], confirmed: &HashMap<i64, DateTime<Utc>>) -> usize {
    writes
        .iter()
        .filter(|w| {
            confirmed
                .get(&w.user)
                .is_some_and(|ok| w.at > *ok + chrono::Duration::milliseconds(1))
        })
        .count()
}

/// The count can see a duplicate: one more write of a confirmed user (the same values,
/// through the API like any client) must raise it by one.
async fn control(sb: &Sandbox, confirmed: &HashMap<i64, DateTime<Utc>>, before: usize) {
    let c = SandboxConfig::default();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/auth/oauth2/v2/token", sb.url()))
        .header(
            "Authorization",
            format!(
                "client_id:{}, client_secret:{}",
                c.client_id, c.client_secret
            ),
        )
        .header("Content-Type", "application/json")
        .body(r#"{"grant_type":"client_credentials"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = *confirmed.keys().min().unwrap();
    let title = sb.user_json(id).unwrap()["title"].clone();
    let put = http
        .put(format!("{}/api/2/users/{id}", sb.url()))
        .header(
            "Authorization",
            format!("bearer {}", token["access_token"].as_str().unwrap()),
        )
        .header("Content-Type", "application/json")
        .body(serde_json::json!({ "title": title }).to_string())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let seen = after_confirmed(&sb.write_log(), confirmed);
    assert_eq!(
        seen,
        before + 1,
        "the duplicate count missed a deliberate re-write"
    );
    println!(
        "  control: one deliberate re-write of confirmed user {id} is counted ({before} → {seen})"
    );
}

struct Trial {
    converged: bool,
    duplicates: usize,
}

async fn trial(n: usize, rng: &mut StdRng) -> Trial {
    let sb = Sandbox::start(
        SandboxConfig {
            users: USERS + 10,
            latency: LATENCY,
            rate_limit: RATE_LIMIT,
            rate_window: RATE_WINDOW,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("trial.csv");
    let want = write_csv(&sb, &csv);
    let runs = home.path().join("state/onelogin-tui/runs");
    let url = sb.url();

    let t0 = Instant::now();
    let mut apply = command(
        home.path(),
        &url,
        &[
            "apply",
            &csv.to_string_lossy(),
            "--yes",
            "--concurrency",
            CONCURRENCY,
        ],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let path = journal(&runs).await;
    let delay = Duration::from_millis(rng.random_range(KILL_MS));
    let ended_first = tokio::time::timeout(delay, apply.wait()).await.is_ok();
    if !ended_first {
        // SIGKILL: no handler runs, nothing is flushed but what the journal fsync'd.
        apply.start_kill().unwrap();
        let _ = apply.wait().await;
    }
    let killed_at = t0.elapsed();
    // Calls the dead process left in flight may still land; let them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let at_kill = read_journal(&path);

    let resume = command(home.path(), &url, &["resume"])
        .output()
        .await
        .unwrap();
    let resume_code = resume.status.code().unwrap_or(-1);
    let resume_out = format!(
        "{}{}",
        String::from_utf8_lossy(&resume.stdout),
        String::from_utf8_lossy(&resume.stderr)
    );
    let total = t0.elapsed();

    let end = read_journal(&path);
    let mut off = 0;
    for (id, (cc, title)) in &want {
        let u = sb.user_json(*id).unwrap();
        if text(&u["custom_attributes"]["cost_center"]).as_deref() != Some(cc.as_str())
            || text(&u["title"]).as_deref() != Some(title.as_str())
        {
            off += 1;
        }
    }
    let converged = off == 0 && end.finished;

    let writes = sb.write_log();
    let mut per_user: BTreeMap<i64, usize> = BTreeMap::new();
    for w in &writes {
        *per_user.entry(w.user).or_default() += 1;
    }
    let duplicates = after_confirmed(&writes, &end.confirmed);
    if n == 1 {
        control(&sb, &end.confirmed, duplicates).await;
    }
    let twice = per_user.values().filter(|n| **n > 1).count();
    println!(
        "trial {n:>2}: killed {} at {:.1} s ({} ok, {} sent without answer); resume exit {resume_code}{}, \
         {} found applied on re-read; {:.1} s in all; converged: {} ({off} of {} users off); \
         {} writes, {twice} users written twice; duplicates after confirmed: {duplicates}",
        if ended_first {
            "after the end"
        } else {
            "mid-run"
        },
        killed_at.as_secs_f64(),
        at_kill.confirmed.len(),
        at_kill.sent_unanswered,
        if resume_out.contains("nothing to resume") {
            " (nothing to resume)"
        } else {
            ""
        },
        end.seen_applied,
        total.as_secs_f64(),
        if converged { "yes" } else { "NO" },
        want.len(),
        writes.len(),
    );
    if !converged {
        println!(
            "  resume said: {}",
            resume_out
                .lines()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    sb.shutdown().await;
    Trial {
        converged,
        duplicates,
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut converged = 0;
    let mut duplicates = 0;
    rt.block_on(async {
        for n in 1..=TRIALS {
            let t = trial(n, &mut rng).await;
            converged += usize::from(t.converged);
            duplicates += t.duplicates;
        }
    });
    println!(
        "kill -9 trials (seed {seed}): converged {converged}/{TRIALS}, duplicate writes after a confirmed write: {duplicates}"
    );
    report(
        "kill_trials_converged",
        converged as f64,
        &format!("of {TRIALS}"),
    );
    report(
        "kill_trials_duplicate_writes_after_confirmed",
        duplicates as f64,
        "writes",
    );
}
