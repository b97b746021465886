//! The bulk engine against the in-process sandbox: faults, token expiry,
//! rate limits, calls spent, resume after a lost answer, undo.
// Helper functions here are part of the tests: a panic is a failed assertion
// (clippy.toml allows unwrap in #[test] functions only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bulk_common::{all_users, by_id, client, meta, run_plan, sandbox};
use onelogin_tui::bulk::execute::{RunOptions, Runner, UserOutcome, UserWork};
use onelogin_tui::bulk::journal::{Journal, Record, RunKind, RunLog, now_text};
use onelogin_tui::bulk::plan::{
    Call, Change, Desired, Plan, Target, Values, fetch_current, fields_for,
};
use onelogin_tui::bulk::undo::{needs_for_log, plan_undo};
use onelogin_tui::bulk::{Needs, Versions};
use onelogin_tui::config::ApiMode;
use onelogin_tui::sandbox::SandboxConfig;
use serde_json::Value;

const CONTRACTORS: i64 = 141_020;
const DEFAULT_ROLE: i64 = 141_001;

/// Reads and plans with API /2 where it has an endpoint.
fn auto() -> Versions {
    Versions::new(ApiMode::Auto)
}

/// Reads every planned user back (no faults) and checks it holds its after-values.
async fn assert_converged(c: &onelogin_tui::api::Client, plan: &Plan) {
    let ids: Vec<i64> = plan.users.iter().map(|u| u.id).collect();
    let desired: Vec<Desired> = plan
        .users
        .iter()
        .map(|u| Desired {
            custom_attributes: u.after.custom_attributes.clone(),
            fields: u.after.fields.clone(),
            add_roles: u.after.roles.iter().flatten().copied().collect(),
            remove_roles: Default::default(),
            ..Default::default()
        })
        .collect();
    let mut needs = Needs::of(desired.iter());
    for up in &plan.users {
        needs.roles.extend(up.keys().roles.unwrap_or_default());
    }
    let now = fetch_current(c, None, &ids, &needs, &auto())
        .await
        .unwrap()
        .users;
    let mut wrong = Vec::new();
    for up in &plan.users {
        let have = Values::of_user(&now[&up.id], &up.keys());
        if have != up.after {
            wrong.push((up.id, have, up.after.clone()));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} user(s) off target, e.g. {:?}",
        wrong.len(),
        wrong.first()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_users_with_faults_and_short_tokens_converge() {
    let sb = sandbox(SandboxConfig {
        users: 2000,
        rate_limit: 100_000,
        fault_rate: 0.05,
        token_ttl: Duration::from_secs(3),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let users = all_users(&c, &["email", "title", "custom_attributes", "role_id"]).await;
    assert_eq!(users.len(), 2000);
    // Everyone gets a new cost_center; every 5th also a title and a role swap.
    let targets: Vec<Target> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut changes = vec![Change::SetAttribute {
                name: "cost_center".into(),
                value: format!("BULK-{}", u.id),
            }];
            if i % 5 == 0 {
                changes.push(Change::SetField {
                    name: "title".into(),
                    value: format!("Title {}", u.id),
                });
                changes.push(Change::AddRoles {
                    ids: vec![CONTRACTORS],
                });
                changes.push(Change::RemoveRoles {
                    ids: vec![DEFAULT_ROLE],
                });
            }
            Target {
                id: u.id,
                desired: Desired::from_changes(&changes).unwrap(),
                row: None,
            }
        })
        .collect();
    let plan = Plan::build(&targets, &by_id(users), ApiMode::Auto).unwrap();
    let calls = plan.calls();
    let summary = run_plan(&c, &sb, dir.path(), &plan, 8).await;
    let elapsed = t0.elapsed();
    let stats = sb.stats();
    eprintln!(
        "2000 users, {calls} planned calls, {} sent, {} faults injected, {} api calls, {:.1} s",
        summary.calls_sent,
        stats.faults,
        stats.api_calls,
        elapsed.as_secs_f64()
    );
    let failed: Vec<_> = summary
        .outcomes
        .iter()
        .filter(|(_, o)| *o != UserOutcome::Done)
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(stats.faults > 50, "faults were injected: {}", stats.faults);

    sb.set_fault_rate(0.0);
    assert_converged(&c, &plan).await;
    let log = RunLog::read(&summary.journal).unwrap();
    assert!(log.finished);
    assert_eq!(log.open_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_budget_meets_no_429() {
    let sb = sandbox(SandboxConfig {
        users: 500,
        rate_limit: 600,
        rate_window: Duration::from_secs(10),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let ids: Vec<i64> = all_users(&c, &["id"]).await.iter().map(|u| u.id).collect();
    let targets = Plan::uniform(
        &ids,
        &[Change::SetAttribute {
            name: "branch".into(),
            value: "Budget City".into(),
        }],
    )
    .unwrap();
    let fields = fields_for(targets.iter().map(|t| &t.desired));
    let current = fetch_current(
        &c,
        None,
        &ids,
        &Needs {
            fields: fields.clone(),
            roles: Default::default(),
            devices: false,
        },
        &auto(),
    )
    .await
    .unwrap()
    .users;
    let plan = Plan::build(&targets, &current, ApiMode::Auto).unwrap();
    assert_eq!(plan.users.len(), 500);
    let summary = run_plan(&c, &sb, dir.path(), &plan, 4).await;
    let stats = sb.stats();
    eprintln!(
        "500 users on 600 calls / 10 s: {} api calls, {} rate limited, {:.1} s",
        stats.api_calls,
        stats.rate_limited,
        t0.elapsed().as_secs_f64()
    );
    assert_eq!(stats.rate_limited, 0, "a normal run meets no 429");
    assert_eq!(summary.done(), 500);
    // 10 + 10 reads and 500 writes do not fit in 80% of one window: it waited for a reset.
    assert!(t0.elapsed() > Duration::from_secs(9), "{:?}", t0.elapsed());
    assert_converged(&c, &plan).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_spent_match_the_plan_and_unchanged_users_cost_nothing() {
    let sb = sandbox(SandboxConfig {
        users: 300,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<i64> = all_users(&c, &["id"]).await.iter().map(|u| u.id).collect();
    // A first run puts 100 users at the target already.
    let first = Plan::uniform(
        &ids[..100],
        &[Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Auditor".into(),
        }],
    )
    .unwrap();
    let fields = fields_for(first.iter().map(|t| &t.desired));
    let current = fetch_current(
        &c,
        None,
        &ids[..100],
        &Needs {
            fields: fields.clone(),
            roles: Default::default(),
            devices: false,
        },
        &auto(),
    )
    .await
    .unwrap()
    .users;
    let plan = Plan::build(&first, &current, ApiMode::Auto).unwrap();
    assert_eq!(run_plan(&c, &sb, dir.path(), &plan, 4).await.done(), 100);

    let before = sb.stats();
    let targets = Plan::uniform(
        &ids,
        &[Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Auditor".into(),
        }],
    )
    .unwrap();
    let current = fetch_current(
        &c,
        None,
        &ids,
        &Needs {
            fields: fields.clone(),
            roles: Default::default(),
            devices: false,
        },
        &auto(),
    )
    .await
    .unwrap()
    .users;
    let plan = Plan::build(&targets, &current, ApiMode::Auto).unwrap();
    assert_eq!(plan.unchanged.len(), 100);
    assert_eq!(plan.users.len(), 200);
    let summary = run_plan(&c, &sb, dir.path(), &plan, 4).await;
    assert_eq!(summary.done(), 200);
    let after = sb.stats();
    let spent = after.api_calls - before.api_calls;
    let writes = after.writes - before.writes;
    eprintln!(
        "300 targets, 200 changed: {spent} api calls (200 writes + {} list calls), {writes} writes",
        300_usize.div_ceil(50)
    );
    assert!(spent <= 200 + 6 + 2, "{spent} calls");
    assert_eq!(writes, 200, "unchanged users cost no write");
}

#[tokio::test]
async fn a_refused_call_fails_that_user_alone() {
    let sb = sandbox(SandboxConfig {
        users: 20,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&c, &["email", "title"]).await;
    let taken = users[1].email.clone().unwrap();
    let mut targets = Plan::uniform(
        &users[2..6].iter().map(|u| u.id).collect::<Vec<_>>(),
        &[Change::SetField {
            name: "title".into(),
            value: "Same".into(),
        }],
    )
    .unwrap();
    targets.push(Target {
        id: users[7].id,
        desired: Desired::from_changes(&[Change::SetField {
            name: "email".into(),
            value: taken,
        }])
        .unwrap(),
        row: None,
    });
    let plan = Plan::build(&targets, &by_id(users.clone()), ApiMode::Auto).unwrap();
    let summary = run_plan(&c, &sb, dir.path(), &plan, 4).await;
    assert_eq!(summary.done(), 4);
    let (id, outcome) = summary.outcomes.last().unwrap();
    assert_eq!(*id, users[7].id);
    match outcome {
        UserOutcome::Failed { message, retryable } => {
            assert!(message.contains("already been taken"), "{message}");
            assert!(!retryable);
        }
        other => panic!("{other:?}"),
    }
    let log = RunLog::read(&summary.journal).unwrap();
    assert!(log.finished, "a refused user is settled");
}

#[tokio::test]
async fn resume_rereads_a_call_sent_without_answer_and_does_not_resend() {
    let sb = sandbox(SandboxConfig {
        users: 30,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&c, &["email", "role_id", "custom_attributes"]).await;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let targets = Plan::uniform(
        &ids[..10],
        &[
            Change::SetAttribute {
                name: "skype".into(),
                value: "resumed".into(),
            },
            Change::AddRoles {
                ids: vec![CONTRACTORS],
            },
        ],
    )
    .unwrap();
    let plan = Plan::build(&targets, &by_id(users), ApiMode::Auto).unwrap();
    // A run "killed" after sending user 0's calls: both applied, answers lost.
    let journal = Journal::create(dir.path(), meta(RunKind::Apply, &sb), &plan.users).unwrap();
    let first = &plan.users[0];
    for (i, call) in first.calls.iter().enumerate() {
        journal
            .append(&Record::Sent {
                user: first.id,
                call: i,
                attempt: 1,
                at: now_text(),
            })
            .await
            .unwrap();
        call.send(&c, first.id, false).await.unwrap();
    }
    let path = journal.path().to_path_buf();
    drop(journal);

    let log = RunLog::read(&path).unwrap();
    let (work, settled) = UserWork::from_log(&log);
    assert!(settled.is_empty());
    assert_eq!(work.len(), 10);
    assert!(work[0].calls.iter().all(|(_, unconfirmed)| *unconfirmed));
    let writes_before = sb.stats().writes;
    let journal = Journal::open(&path, &log.meta.run).unwrap();
    let summary = Runner::new(c.clone(), journal, RunOptions::default())
        .run(work)
        .await;
    assert_eq!(summary.done(), 10);
    // Users 1..10: their planned writes (the role in one batch); user 0: none (the role
    // again would be a wasted call).
    let rest = Plan {
        users: plan.users[1..].to_vec(),
        unchanged: Vec::new(),
    };
    let expected = rest.calls();
    assert!(expected < 2 * rest.users.len(), "the role goes in batches");
    assert_eq!(sb.stats().writes - writes_before, expected as u64);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches("already applied (seen on re-read)").count(), 2);
    assert!(RunLog::read(&path).unwrap().finished);
    assert_converged(&c, &plan).await;
}

#[tokio::test]
async fn cancel_then_resume_converges_and_the_handle_steers() {
    let sb = sandbox(SandboxConfig {
        users: 120,
        latency: Duration::from_millis(5),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&c, &["email", "department"]).await;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let targets = Plan::uniform(
        &ids,
        &[Change::SetField {
            name: "department".into(),
            value: "Steered".into(),
        }],
    )
    .unwrap();
    let plan = Plan::build(&targets, &by_id(users), ApiMode::Auto).unwrap();
    let journal = Journal::create(dir.path(), meta(RunKind::Apply, &sb), &plan.users).unwrap();
    let path = journal.path().to_path_buf();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new(c.clone(), journal, RunOptions::default()).with_progress(tx);
    let handle = runner.handle();
    let work: Vec<UserWork> = plan.users.iter().cloned().map(UserWork::fresh).collect();
    let run = tokio::spawn(runner.run(work));
    // Pause, change the concurrency, resume, then cancel after a few users.
    let mut seen = 0;
    while let Some(p) = rx.recv().await {
        if let onelogin_tui::bulk::Progress::User { .. } = p {
            seen += 1;
            if seen == 5 {
                handle.pause();
                tokio::time::sleep(Duration::from_millis(100)).await;
                handle.set_concurrency(2);
                handle.resume();
            }
            if seen == 30 {
                handle.cancel();
            }
        }
    }
    let summary = run.await.unwrap();
    assert!(summary.stopped);
    assert!(
        summary.done() >= 30 && summary.done() < 120,
        "{}",
        summary.done()
    );
    let log = RunLog::read(&path).unwrap();
    assert!(!log.finished && log.stopped);

    let (work, settled) = UserWork::from_log(&log);
    assert_eq!(settled.len() + work.len(), 120);
    let journal = Journal::open(&path, &log.meta.run).unwrap();
    journal
        .append(&Record::Resumed { at: now_text() })
        .await
        .unwrap();
    let summary = Runner::new(c.clone(), journal, RunOptions::default())
        .run(work)
        .await;
    assert!(!summary.stopped);
    assert!(RunLog::read(&path).unwrap().finished);
    assert_converged(&c, &plan).await;
}

#[tokio::test]
async fn undo_restores_and_leaves_alone_a_user_changed_since() {
    let sb = sandbox(SandboxConfig {
        users: 60,
        // The tenant's role mapping (Engineering) would add a role 200 ms after a /2 PUT:
        // on a slow machine that lands before the check below. Mappings are tested apart
        // (sandbox_v2); here the undo alone decides the roles.
        role_mappings: Vec::new(),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&c, &["email", "title", "role_id", "custom_attributes"]).await;
    let original = by_id(users.clone());
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let targets = Plan::uniform(
        &ids[..40],
        &[
            Change::SetAttribute {
                name: "AWS_Role".into(),
                value: "UndoMe".into(),
            },
            Change::SetField {
                name: "title".into(),
                value: "Temporary".into(),
            },
            Change::AddRoles {
                ids: vec![CONTRACTORS],
            },
        ],
    )
    .unwrap();
    let plan = Plan::build(&targets, &original, ApiMode::Auto).unwrap();
    let summary = run_plan(&c, &sb, dir.path(), &plan, 4).await;
    assert_eq!(summary.done(), 40);

    // Someone else changes one of the users meanwhile.
    let meddled = plan.users[3].id;
    let mut other = BTreeMap::new();
    other.insert("AWS_Role".to_string(), "SomeoneElse".to_string());
    c.set_custom_attributes(meddled, &other).await.unwrap();

    let log = RunLog::read(&summary.journal).unwrap();
    let run_ids: Vec<i64> = log.users.iter().map(|u| u.id).collect();
    let current = fetch_current(&c, None, &run_ids, &needs_for_log(&log), &auto())
        .await
        .unwrap()
        .users;
    let (undo_users, conflicts) = plan_undo(&log, &current, ApiMode::Auto);
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].id, meddled);
    assert!(
        conflicts[0].reason.contains("SomeoneElse"),
        "{:?}",
        conflicts[0]
    );
    assert_eq!(undo_users.len(), 39);

    let mut m = meta(RunKind::Undo, &sb);
    m.undo_of = Some(log.meta.run.clone());
    m.conflicts = conflicts;
    let journal = Journal::create(dir.path(), m, &undo_users).unwrap();
    let work = undo_users.iter().cloned().map(UserWork::fresh).collect();
    let undo = Runner::new(c.clone(), journal, RunOptions::default())
        .run(work)
        .await;
    assert_eq!(undo.done(), 39);
    let undo_log = RunLog::read(&undo.journal).unwrap();
    assert_eq!(undo_log.meta.kind, RunKind::Undo);
    assert!(undo_log.finished);

    for up in &plan.users {
        let now = c.get_user(up.id).await.unwrap();
        let was = &original[&up.id];
        if up.id == meddled {
            assert_eq!(
                now.custom_attributes["AWS_Role"].as_deref(),
                Some("SomeoneElse")
            );
            assert_eq!(now.title.as_deref(), Some("Temporary"), "left alone");
            continue;
        }
        assert_eq!(
            now.custom_attributes
                .get("AWS_Role")
                .cloned()
                .flatten()
                .unwrap_or_default(),
            was.custom_attributes
                .get("AWS_Role")
                .cloned()
                .flatten()
                .unwrap_or_default(),
            "user {}",
            up.id
        );
        assert_eq!(
            now.title.unwrap_or_default(),
            was.title.clone().unwrap_or_default()
        );
        let mut a = now.role_id.unwrap_or_default();
        let mut b = was.role_id.clone().unwrap_or_default();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "user {}", up.id);
    }
}

#[tokio::test]
async fn the_journal_holds_no_secret() {
    let sb = sandbox(SandboxConfig {
        users: 10,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&c, &["email", "phone"]).await;
    let targets = Plan::uniform(
        &[users[0].id, users[1].id],
        &[Change::SetField {
            name: "phone".into(),
            value: "+1 555 0100".into(),
        }],
    )
    .unwrap();
    let plan = Plan::build(&targets, &by_id(users), ApiMode::Auto).unwrap();
    let summary = run_plan(&c, &sb, dir.path(), &plan, 2).await;
    assert_eq!(summary.done(), 2);
    let text = std::fs::read_to_string(&summary.journal).unwrap();
    let defaults = SandboxConfig::default();
    for secret in [
        defaults.client_secret.as_str(),
        defaults.api_key.as_str(),
        "bearer",
        "access_token",
        "authorization",
    ] {
        assert!(
            !text.to_lowercase().contains(&secret.to_lowercase()),
            "journal holds {secret:?}"
        );
    }
    // planned → sent → ok per call, every line JSON.
    let types: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("planned"));
    assert_eq!(types.last().map(String::as_str), Some("finished"));
    assert_eq!(types.iter().filter(|t| *t == "sent").count(), 2);
    assert_eq!(types.iter().filter(|t| *t == "ok").count(), 2);
    let planned: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        planned["users"][0]["after"]["fields"]["phone"],
        "+1 555 0100"
    );
    assert!(matches!(
        serde_json::from_value::<Call>(planned["users"][0]["calls"][0].clone()).unwrap(),
        Call::UpdateUserV2 { .. }
    ));
}

#[tokio::test]
async fn a_refused_credential_stops_the_run_instead_of_failing_everyone() {
    let sb = sandbox(SandboxConfig {
        users: 20,
        ..SandboxConfig::default()
    })
    .await;
    let admin = client(&sb);
    let dir = tempfile::tempdir().unwrap();
    let users = all_users(&admin, &["email", "role_id"]).await;
    // "Manage users" may not change roles: 401 Insufficient Permission.
    let cred = sb.credential(onelogin_tui::sandbox::Scope::ManageUsers);
    let weak = onelogin_tui::api::Client::new(onelogin_tui::api::ClientConfig::new(
        reqwest::Url::parse(&sb.url()).unwrap(),
        cred.client_id,
        secrecy::SecretString::from(cred.client_secret),
    ))
    .unwrap();
    let ids: Vec<i64> = users.iter().skip(1).take(10).map(|u| u.id).collect();
    let targets = Plan::uniform(
        &ids,
        &[Change::AddRoles {
            ids: vec![CONTRACTORS],
        }],
    )
    .unwrap();
    let plan = onelogin_tui::bulk::prepare(&weak, None, &targets, &auto())
        .await
        .unwrap();
    let planned = plan.users.len();
    assert!(planned > 5);
    let summary = run_plan(&weak, &sb, dir.path(), &plan, 1).await;
    assert!(summary.stopped);
    assert_eq!(summary.failed(), 1, "{:?}", summary.outcomes);
    assert_eq!(summary.not_done(), planned - 1);
    assert_eq!(sb.stats().writes, 0);
    // A resume with a good credential finishes the job, the refused call included.
    let log = RunLog::read(&summary.journal).unwrap();
    assert!(log.stopped && !log.finished);
    let (work, settled) = UserWork::from_log(&log);
    assert!(settled.is_empty());
    let journal = Journal::open(&summary.journal, &log.meta.run).unwrap();
    let again = Runner::new(admin.clone(), journal, RunOptions::default())
        .run(work)
        .await;
    assert_eq!(again.done(), planned);
    assert_converged(&admin, &plan).await;
}
