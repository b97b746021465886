//! Bulk figures against the sandbox tenant on loopback.
//!
//! - Throughput: a desired-state CSV (`id,custom_attributes.AWS_Role`) whose every row needs
//!   a change, applied as `onelogin-tui apply FILE.csv --yes` does (attribute check, reads of
//!   the current values 50 ids a call, plan, journal on disk, the runner), with the sandbox
//!   answering every call after 50 ms, at concurrency 1, 4, 8 and 16. Changes per second over
//!   the write phase, its ratio to the latency-bound limit (concurrency / measured RTT of
//!   one write), and calls per changed user over the whole apply (reads included).
//! - Beside it, in the same run and against the same sandbox: the naive baseline, one curl
//!   per row through `xargs -P8`, every row whether it changes or not.
//! - Pacing: the rate limit scaled down to 300 calls per 10 s window, a run far larger than
//!   a window, stopped after 2.5 windows: 429s met, and calls achieved / calls allowed
//!   (the run's share of the limit, `bulk.max_budget_share` = 80%).
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use onelogin_tui::api::{Client, ClientConfig, User};
use onelogin_tui::bulk::journal::{Journal, RunKind, RunMeta};
use onelogin_tui::bulk::plan::{Change, Plan};
use onelogin_tui::bulk::{BulkService, CsvInput, RunHandle, RunOptions, Runner, UserWork, Work};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;
use secrecy::SecretString;

use common::{ms, percentile, report};

const LATENCY: Duration = Duration::from_millis(50);
/// The share of the rate budget a run takes (`bulk.max_budget_share`'s default).
const SHARE: f64 = 0.8;
/// (concurrency, rows): about a second or more of writes at each level.
const LEVELS: &[(usize, usize)] = &[(1, 100), (4, 300), (8, 400), (16, 400)];
const CURL_PARALLEL: usize = 8;
const CURL_ROWS: usize = 400;

const PACE_LIMIT: u32 = 300;
const PACE_WINDOW: Duration = Duration::from_secs(10);
const PACE_RUN: Duration = Duration::from_secs(25);
const PACE_USERS: usize = 2_000;
const PACE_CONCURRENCY: usize = 4;

fn client(sb: &Sandbox) -> Client {
    let c = SandboxConfig::default();
    let cfg = ClientConfig::new(
        reqwest::Url::parse(&sb.url()).unwrap(),
        c.client_id,
        SecretString::from(c.client_secret),
    );
    Client::new(cfg).unwrap()
}

/// The first `n` user ids of the tenant, the account owner left out.
fn user_ids(sb: &Sandbox, n: usize) -> Vec<i64> {
    (10_002..)
        .filter(|id| sb.user_json(*id).is_some())
        .take(n)
        .collect()
}

fn tenant(sb: &Sandbox) -> Tenant {
    Tenant::new("bench", &reqwest::Url::parse(&sb.url()).unwrap())
}

/// Median time of one `set_custom_attributes` call, after two warm-ups.
async fn write_rtt(client: &Client, id: i64) -> Duration {
    let mut samples = Vec::new();
    for i in 0..12 {
        let mut values = BTreeMap::new();
        values.insert("AWS_Role".to_string(), format!("rtt-{i}"));
        let t = Instant::now();
        client.set_custom_attributes(id, &values).await.unwrap();
        if i >= 2 {
            samples.push(t.elapsed());
        }
    }
    percentile(&samples, 50.0)
}

struct Applied {
    changed: usize,
    writes: Duration,
    total: Duration,
    api_calls: u64,
    rate_limited: u64,
}

/// What `apply FILE.csv --yes --concurrency N` does, timed.
async fn apply(
    sb: &Sandbox,
    client: &Client,
    dir: &Path,
    ids: &[i64],
    value: &str,
    concurrency: usize,
) -> Applied {
    let mut csv = String::from("id,custom_attributes.AWS_Role\n");
    for id in ids {
        csv.push_str(&format!("{id},{value}\n"));
    }
    let before = sb.stats();
    let t0 = Instant::now();
    let mut input = CsvInput::parse(csv.as_bytes(), false).unwrap();
    let service = BulkService::new(
        client.clone(),
        tenant(sb),
        dir.to_path_buf(),
        RunOptions {
            concurrency,
            max_budget_share: SHARE,
        },
    );
    let preview = service.plan_csv(&mut input).await.unwrap();
    assert_eq!(
        preview.plan.users.len(),
        ids.len(),
        "every row needs a change"
    );
    let opened = service.open(Work::Plan(Box::new(preview))).await.unwrap();
    let finished = service.run(opened, RunHandle::new(concurrency), None).await;
    let summary = finished.report;
    let total = t0.elapsed();
    let after = sb.stats();
    assert_eq!(summary.done, ids.len(), "every user done");
    Applied {
        changed: summary.done,
        writes: summary.elapsed,
        total,
        api_calls: after.api_calls - before.api_calls,
        rate_limited: after.rate_limited - before.rate_limited,
    }
}

/// One curl per row, `xargs -P8`, the token fetched with curl as the README shows.
async fn curl_baseline(sb: &Sandbox, dir: &Path, ids: &[i64]) -> Option<(Duration, u64, usize)> {
    let c = SandboxConfig::default();
    let url = sb.url();
    let token = tokio::process::Command::new("curl")
        .args(["-s", "-X", "POST", &format!("{url}/auth/oauth2/v2/token")])
        .args([
            "-H",
            &format!(
                "Authorization: client_id:{}, client_secret:{}",
                c.client_id, c.client_secret
            ),
        ])
        .args(["-H", "Content-Type: application/json"])
        .args(["-d", r#"{"grant_type":"client_credentials"}"#])
        .output()
        .await
        .ok()?;
    let body: serde_json::Value = serde_json::from_slice(&token.stdout).ok()?;
    let token = body["access_token"].as_str()?.to_string();
    let list = dir.join("curl-ids.txt");
    let lines: String = ids.iter().map(|id| format!("{id}\n")).collect();
    std::fs::write(&list, lines).unwrap();
    let script = format!(
        r#"xargs -P{CURL_PARALLEL} -I{{}} curl -s -o /dev/null -w '%{{http_code}}\n' -X PUT "$URL/api/1/users/{{}}/set_custom_attributes" -H "Authorization: bearer: $TOKEN" -H 'Content-Type: application/json' -d '{{"custom_attributes":{{"AWS_Role":"curl"}}}}' < "$LIST""#
    );
    let before = sb.stats();
    let t = Instant::now();
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("URL", &url)
        .env("TOKEN", token)
        .env("LIST", &list)
        .output()
        .await
        .ok()?;
    let took = t.elapsed();
    let calls = sb.stats().api_calls - before.api_calls;
    let ok = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| *l == "200")
        .count();
    Some((took, calls, ok))
}

async fn throughput(dir: &Path) {
    let config = SandboxConfig {
        users: 1_000,
        latency: LATENCY,
        // Throughput, not pacing: a budget no level comes near.
        rate_limit: 1_000_000,
        ..SandboxConfig::default()
    };
    let sb = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = client(&sb);
    let most = LEVELS.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let ids = user_ids(&sb, most.max(CURL_ROWS));
    let rtt = write_rtt(&client, ids[0]).await;
    report("bulk_write_rtt", ms(rtt), "ms");
    let mut c8 = None;
    for (round, &(concurrency, rows)) in LEVELS.iter().enumerate() {
        let a = apply(
            &sb,
            &client,
            dir,
            &ids[..rows],
            &format!("bench-{round}-c{concurrency}"),
            concurrency,
        )
        .await;
        let rate = a.changed as f64 / a.writes.as_secs_f64();
        let limit = concurrency as f64 / rtt.as_secs_f64();
        let reads = 1 + rows.div_ceil(50);
        let expected = 1.0 + reads as f64 / rows as f64;
        eprintln!(
            "bulk c={concurrency}: {} users changed, writes {:.0} ms, apply {:.0} ms, {} calls ({} expected), {} 429s",
            a.changed,
            ms(a.writes),
            ms(a.total),
            a.api_calls,
            rows + reads,
            a.rate_limited
        );
        report(
            &format!("bulk_c{concurrency}_changes_per_s"),
            rate,
            "changes/s",
        );
        report(
            &format!("bulk_c{concurrency}_latency_bound_ratio"),
            rate / limit,
            "of_limit",
        );
        report(
            &format!("bulk_c{concurrency}_apply_changes_per_s"),
            a.changed as f64 / a.total.as_secs_f64(),
            "changes/s",
        );
        report(
            &format!("bulk_c{concurrency}_calls_per_changed_user"),
            a.api_calls as f64 / a.changed as f64,
            &format!("calls(expected_{expected:.3})"),
        );
        if concurrency == CURL_PARALLEL {
            c8 = Some(rate);
        }
    }
    match curl_baseline(&sb, dir, &ids[..CURL_ROWS]).await {
        Some((took, calls, ok)) => {
            let rate = CURL_ROWS as f64 / took.as_secs_f64();
            eprintln!(
                "curl baseline: {CURL_ROWS} rows in {:.0} ms, {ok} answered 200",
                ms(took)
            );
            report("bulk_curl_xargs_p8_rows_per_s", rate, "rows/s");
            report(
                "bulk_curl_xargs_p8_latency_bound_ratio",
                rate / (CURL_PARALLEL as f64 / rtt.as_secs_f64()),
                "of_limit",
            );
            report(
                "bulk_curl_xargs_p8_calls_per_row",
                calls as f64 / CURL_ROWS as f64,
                "calls",
            );
            if let Some(c8) = c8 {
                report("bulk_c8_vs_curl_p8", c8 / rate, "x");
            }
        }
        None => println!("BENCH bulk_curl_xargs_p8 skipped curl-failed"),
    }
    sb.shutdown().await;
}

async fn pacing(dir: &Path) {
    let config = SandboxConfig {
        users: PACE_USERS + 100,
        latency: LATENCY,
        rate_limit: PACE_LIMIT,
        rate_window: PACE_WINDOW,
        ..SandboxConfig::default()
    };
    let sb = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = client(&sb);
    let ids = user_ids(&sb, PACE_USERS);
    // The current values straight from the tenant: the whole budget is left for the run.
    let current: HashMap<i64, User> = ids
        .iter()
        .map(|id| {
            let user: User = serde_json::from_value(sb.user_json(*id).unwrap()).unwrap();
            (*id, user)
        })
        .collect();
    let targets = Plan::uniform(
        &ids,
        &[Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "paced".into(),
        }],
    )
    .unwrap();
    let plan = Plan::build(&targets, &current, onelogin_tui::config::ApiMode::Auto).unwrap();
    // As apply does: a read first, so the run starts knowing the budget.
    client.custom_attribute_fields().await.unwrap();
    let journal =
        Journal::create(dir, RunMeta::new(RunKind::Apply, &tenant(&sb)), &plan.users).unwrap();
    let work = plan.users.iter().cloned().map(UserWork::fresh).collect();
    let handle = RunHandle::new(PACE_CONCURRENCY);
    let stopper = {
        let handle = handle.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PACE_RUN).await;
            handle.cancel();
        })
    };
    let before = sb.stats();
    let t = Instant::now();
    let summary = Runner::new(
        client.clone(),
        journal,
        RunOptions {
            concurrency: PACE_CONCURRENCY,
            max_budget_share: SHARE,
        },
    )
    .with_handle(handle)
    .run(work)
    .await;
    let took = t.elapsed();
    let _ = stopper.await;
    let after = sb.stats();
    let calls = after.api_calls - before.api_calls;
    let allowed_rate = SHARE * f64::from(PACE_LIMIT) / PACE_WINDOW.as_secs_f64();
    let achieved_rate = calls as f64 / took.as_secs_f64();
    eprintln!(
        "pacing: {} calls in {:.1} s ({} users done, {} writes sent), {:.1} calls/s; allowed {:.1} calls/s ({:.0}% of {PACE_LIMIT} per {} s)",
        calls,
        took.as_secs_f64(),
        summary.done(),
        summary.calls_sent,
        achieved_rate,
        allowed_rate,
        SHARE * 100.0,
        PACE_WINDOW.as_secs()
    );
    report(
        "pacing_429s",
        (after.rate_limited - before.rate_limited) as f64,
        "responses",
    );
    report(
        "pacing_achieved_vs_allowed",
        achieved_rate / allowed_rate,
        "of_allowed",
    );
    report(
        "pacing_achieved_vs_limit",
        achieved_rate / (f64::from(PACE_LIMIT) / PACE_WINDOW.as_secs_f64()),
        "of_limit",
    );
    sb.shutdown().await;
}

/// Calls per changed user when fields and attributes change together (one /2 PUT each),
/// and the calls a role given to 500 users costs (a /2 call per 50), as the console and
/// `apply` plan and run them; counted by the client, token and reads included.
async fn fewest_calls(dir: &Path) {
    let sb = Sandbox::start(
        SandboxConfig {
            users: 1_100,
            rate_limit: 100_000,
            ..SandboxConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = client(&sb);
    let service = BulkService::new(
        client.clone(),
        tenant(&sb),
        dir.to_path_buf(),
        RunOptions::default(),
    );
    let ids = user_ids(&sb, 1_000);
    let mixed = [
        Change::SetField {
            name: "department".into(),
            value: "Bench Dept".into(),
        },
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Bench-Role".into(),
        },
    ];
    let before = client.calls_made();
    let preview = service.plan_selection(&ids, &mixed).await.unwrap();
    let changed = preview.plan.users.len();
    let opened = service.open(Work::Plan(Box::new(preview))).await.unwrap();
    let done = service.run(opened, RunHandle::new(8), None).await;
    assert_eq!(done.report.done, changed, "every user done");
    let calls = client.calls_made() - before;
    eprintln!("mixed: {changed} users changed (department + AWS_Role), {calls} calls in all");
    report(
        "fewest_mixed_calls_per_changed_user",
        calls as f64 / changed as f64,
        "calls",
    );
    let grant = [Change::AddRoles { ids: vec![141_020] }];
    let targets = &ids[..500];
    let before = client.calls_made();
    let preview = service.plan_selection(targets, &grant).await.unwrap();
    let granted = preview.plan.users.len();
    let reads = preview.reads;
    let opened = service.open(Work::Plan(Box::new(preview))).await.unwrap();
    let done = service.run(opened, RunHandle::new(8), None).await;
    assert_eq!(done.report.done, granted, "every user done");
    let calls = client.calls_made() - before;
    eprintln!(
        "role grant: {granted} of 500 users lacked the role; {} role calls, {reads} calls to plan",
        done.report.calls_sent
    );
    report("fewest_role_grant_500_calls", calls as f64, "calls");
    report(
        "fewest_role_grant_500_write_calls",
        done.report.calls_sent as f64,
        "calls",
    );
    sb.shutdown().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // Journals go to disk, as a real run's do.
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    runtime.block_on(async {
        throughput(dir.path()).await;
        fewest_calls(dir.path()).await;
        pacing(dir.path()).await;
    });
}
