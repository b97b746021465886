//! Only documented calls, and the fewest (issue 9), through the bulk service against the
//! sandbox: one /2 PUT per user for fields and attributes together, a role given to
//! hundreds of users in /2 batches, /1 alone when asked or when /2 is refused, and no id
//! lists: a tenant that refuses or ignores them still finds every user.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::path::Path;

use bulk_common::{client, sandbox};
use onelogin_tui::api::Client;
use onelogin_tui::bulk::plan::Change;
use onelogin_tui::bulk::{
    BulkService, CsvInput, Plan, Progress, RunHandle, RunOptions, Target, Versions, Work,
};
use onelogin_tui::config::ApiMode;
use onelogin_tui::sandbox::{IdLists, Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;

const CONTRACTORS: i64 = 141_020;

fn service(c: &Client, sb: &Sandbox, runs: &Path, mode: ApiMode) -> BulkService {
    let tenant = Tenant::new("test", &reqwest::Url::parse(&sb.url()).unwrap());
    BulkService::new(c.clone(), tenant, runs.to_path_buf(), RunOptions::default()).with_api(mode)
}

/// Users from 10002 on (the account owner is protected), `n` of them.
fn ids(sb: &Sandbox, n: usize) -> Vec<i64> {
    (10_002..)
        .filter(|id| sb.user_json(*id).is_some())
        .take(n)
        .collect()
}

fn mixed() -> Vec<Change> {
    vec![
        Change::SetField {
            name: "department".into(),
            value: "Bulk Dept".into(),
        },
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Bulk-Role".into(),
        },
    ]
}

/// Every call the preview lists goes to API /1.
fn assert_plan_is_v1_only(preview: &onelogin_tui::bulk::Preview) {
    let calls = preview.plan.call_summary();
    assert!(
        calls.iter().all(|(call, _)| call.contains("/api/1/")),
        "{calls:?}"
    );
}

async fn run(svc: &BulkService, preview: onelogin_tui::bulk::Preview) -> (usize, usize) {
    let opened = svc.open(Work::Plan(Box::new(preview))).await.unwrap();
    let finished = svc.run(opened, RunHandle::new(4), None).await;
    assert!(finished.report.complete(), "{:?}", finished.report);
    (finished.report.done, finished.report.calls_sent)
}

fn json_str(sb: &Sandbox, id: i64, path: &[&str]) -> Option<String> {
    let mut v = sb.user_json(id)?;
    for p in path {
        v = v.get(*p)?.clone();
    }
    v.as_str().map(str::to_string)
}

fn has_role(sb: &Sandbox, id: i64, role: i64) -> bool {
    sb.user_json(id)
        .and_then(|u| u["role_id"].as_array().cloned())
        .is_some_and(|r| r.iter().any(|x| x.as_i64() == Some(role)))
}

#[tokio::test]
async fn fields_and_attributes_cost_one_call_per_changed_user() {
    let sb = sandbox(SandboxConfig {
        users: 200,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let targets = ids(&sb, 120);
    let before = c.calls_made();
    let preview = svc.plan_selection(&targets, &mixed()).await.unwrap();
    let changed = preview.plan.users.len();
    assert_eq!(changed, 120);
    assert_eq!(
        preview.plan.call_summary(),
        vec![("PUT /api/2/users/:id".to_string(), changed)],
        "one /2 PUT a user, nothing else"
    );
    let (done, sent) = run(&svc, preview).await;
    assert_eq!((done, sent), (changed, changed));
    let spent = c.calls_made() - before;
    eprintln!("120 users, department + AWS_Role: {spent} calls in all (token included)");
    // Writes, ceil(120/50) reads, a token and the pacer's read of the budget.
    assert!(spent <= 120 + 3 + 2, "{spent} calls");
    for id in &targets {
        assert_eq!(
            json_str(&sb, *id, &["department"]).as_deref(),
            Some("Bulk Dept")
        );
        assert_eq!(
            json_str(&sb, *id, &["custom_attributes", "AWS_Role"]).as_deref(),
            Some("Bulk-Role")
        );
    }
}

#[tokio::test]
async fn a_role_given_to_500_users_costs_a_call_per_50() {
    let sb = sandbox(SandboxConfig {
        users: 600,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let targets = ids(&sb, 500);
    let had = targets
        .iter()
        .filter(|id| has_role(&sb, **id, CONTRACTORS))
        .count();
    let before = c.calls_made();
    let grant = [Change::AddRoles {
        ids: vec![CONTRACTORS],
    }];
    let preview = svc.plan_selection(&targets, &grant).await.unwrap();
    let reads = preview.reads;
    let changed = preview.plan.users.len();
    assert_eq!(changed, 500 - had);
    assert_eq!(preview.plan.unchanged.len(), had);
    let (done, sent) = run(&svc, preview).await;
    assert_eq!(done, changed);
    let spent = c.calls_made() - before;
    eprintln!(
        "role given to {changed} of 500 users: {sent} role calls, {reads} calls to plan, {spent} in all"
    );
    assert_eq!(sent, changed.div_ceil(50), "one call per 50 users");
    assert!(spent as usize <= changed.div_ceil(50) + reads, "{spent}");
    assert!(targets.iter().all(|id| has_role(&sb, *id, CONTRACTORS)));
}

#[tokio::test]
async fn with_api_v1_the_same_changes_converge_on_1_alone() {
    let sb = sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let mut feed = c.subscribe();
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::V1);
    let targets = ids(&sb, 30);
    let mut changes = mixed();
    changes.push(Change::AddRoles {
        ids: vec![CONTRACTORS],
    });
    let preview = svc.plan_selection(&targets, &changes).await.unwrap();
    assert_plan_is_v1_only(&preview);
    run(&svc, preview).await;
    let mut seen = 0;
    while let Ok(exchange) = feed.try_recv() {
        seen += 1;
        assert!(!exchange.url.contains("/api/2/"), "{}", exchange.url);
        assert!(
            !exchange.url.contains("id=1"),
            "no id list: {}",
            exchange.url
        );
    }
    assert!(seen > 30, "every call was seen ({seen})");
    for id in &targets {
        assert_eq!(
            json_str(&sb, *id, &["department"]).as_deref(),
            Some("Bulk Dept")
        );
        assert!(has_role(&sb, *id, CONTRACTORS));
    }
}

#[tokio::test]
async fn a_tenant_that_ignores_or_refuses_id_lists_still_finds_every_user() {
    for mode in [IdLists::Ignore, IdLists::Refuse] {
        let sb = sandbox(SandboxConfig {
            users: 120,
            id_lists: mode,
            ..SandboxConfig::default()
        })
        .await;
        let c = client(&sb);
        let runs = tempfile::tempdir().unwrap();
        for api in [ApiMode::Auto, ApiMode::V1] {
            let svc = service(&c, &sb, runs.path(), api);
            // The last users of the tenant: never on a first page that ignores the filter.
            let mut wanted: Vec<i64> = ids(&sb, 110);
            wanted.reverse();
            wanted.truncate(60);
            let mut csv = String::from("id,custom_attributes.AWS_Role\n");
            for id in &wanted {
                csv.push_str(&format!("{id},Found-{id}\n"));
            }
            let mut input = CsvInput::parse(csv.as_bytes(), false).unwrap();
            let preview = svc.plan_csv(&mut input).await.unwrap_or_else(|e| {
                panic!("{mode:?} {api:?}: every user exists: {e}");
            });
            assert_eq!(preview.plan.users.len(), 60, "{mode:?} {api:?}");
            // An id nobody has is confirmed unknown (a 404 on the user), not guessed.
            let mut bad =
                CsvInput::parse(b"id,custom_attributes.AWS_Role\n999999,x\n", false).unwrap();
            let refused = svc.plan_csv(&mut bad).await.unwrap_err().to_string();
            assert!(refused.contains("999999"), "{refused}");
        }
    }
}

#[tokio::test]
async fn without_api_2_a_plan_and_a_run_fall_back_to_1_and_say_so() {
    let sb = sandbox(SandboxConfig {
        users: 40,
        serve_v2: false,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    // Planning: the /2 read is refused, the plan is made on /1 and the preview says so.
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let targets = ids(&sb, 10);
    let preview = svc.plan_selection(&targets, &mixed()).await.unwrap();
    let note = preview
        .fallback
        .clone()
        .expect("the preview says /2 was refused");
    assert!(
        note.contains("API /2 refused") && note.contains("api = \"v1\""),
        "{note}"
    );
    assert_plan_is_v1_only(&preview);
    run(&svc, preview).await;

    // Running: a plan made for /2 meets the refusal on its first write, says so once, and
    // sends everything on /1.
    let more = ids(&sb, 30)[10..].to_vec();
    let users: std::collections::HashMap<i64, onelogin_tui::api::User> = more
        .iter()
        .map(|id| {
            (
                *id,
                serde_json::from_value(sb.user_json(*id).unwrap()).unwrap(),
            )
        })
        .collect();
    let mut changes = mixed();
    changes.push(Change::AddRoles {
        ids: vec![CONTRACTORS],
    });
    let targets: Vec<Target> = Plan::uniform(&more, &changes).unwrap();
    let plan = Plan::build(&targets, &users, ApiMode::Auto).unwrap();
    assert!(
        plan.call_summary()
            .iter()
            .any(|(call, _)| call.contains("/api/2/"))
    );
    let journal = onelogin_tui::bulk::Journal::create(
        runs.path(),
        onelogin_tui::bulk::RunMeta::new(
            onelogin_tui::bulk::RunKind::Apply,
            &Tenant::new("test", &reqwest::Url::parse(&sb.url()).unwrap()),
        ),
        &plan.users,
    )
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let work = plan
        .users
        .iter()
        .cloned()
        .map(onelogin_tui::bulk::UserWork::fresh)
        .collect();
    let summary = onelogin_tui::bulk::Runner::new(c.clone(), journal, RunOptions::default())
        .with_versions(Versions::new(ApiMode::Auto))
        .with_progress(tx)
        .run(work)
        .await;
    assert_eq!(summary.done(), more.len(), "{:?}", summary.outcomes);
    let mut notices = Vec::new();
    while let Ok(p) = rx.try_recv() {
        if let Progress::Notice(text) = p {
            notices.push(text);
        }
    }
    assert_eq!(notices.len(), 1, "said once: {notices:?}");
    for id in &more {
        assert_eq!(
            json_str(&sb, *id, &["custom_attributes", "AWS_Role"]).as_deref(),
            Some("Bulk-Role")
        );
        assert!(has_role(&sb, *id, CONTRACTORS));
    }
}
