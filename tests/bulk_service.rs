//! The bulk service against the in-process sandbox: the one place that decides whether a
//! run may be resumed or undone here, and what a resume picks up.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::path::Path;

use bulk_common::{client, sandbox};
use onelogin_tui::api::Client;
use onelogin_tui::bulk::plan::Change;
use onelogin_tui::bulk::{BulkError, BulkService, RunHandle, RunOptions, Work};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;

fn service(client: &Client, sb: &Sandbox, profile: &str, runs: &Path) -> BulkService {
    let tenant = Tenant::new(profile, &reqwest::Url::parse(&sb.url()).unwrap());
    BulkService::new(
        client.clone(),
        tenant,
        runs.to_path_buf(),
        RunOptions::default(),
    )
}

fn set_role(value: &str) -> Vec<Change> {
    vec![Change::SetAttribute {
        name: "AWS_Role".into(),
        value: value.into(),
    }]
}

async fn aws_role(client: &Client, id: i64) -> Option<String> {
    client
        .get_user(id)
        .await
        .unwrap()
        .custom_attributes
        .get("AWS_Role")
        .cloned()
        .flatten()
}

/// A run of `ids` opened on `svc` and cancelled before any call: unfinished, nothing sent.
async fn unfinished_run(svc: &BulkService, ids: &[i64], value: &str) -> String {
    let preview = svc.plan_selection(ids, &set_role(value)).await.unwrap();
    let opened = svc.open(Work::Plan(Box::new(preview))).await.unwrap();
    let run = opened.run_id().to_string();
    let handle = RunHandle::new(1);
    handle.cancel();
    let finished = svc.run(opened, handle, None).await;
    assert!(finished.report.stopped);
    assert_eq!(finished.report.not_done, ids.len());
    run
}

#[tokio::test]
async fn a_run_is_resumed_and_undone_only_on_the_tenant_it_was_made_on() {
    let sb = sandbox(SandboxConfig {
        users: 20,
        ..SandboxConfig::default()
    })
    .await;
    let other_sb = sandbox(SandboxConfig {
        users: 20,
        ..SandboxConfig::default()
    })
    .await;
    let runs = tempfile::tempdir().unwrap();
    let c = client(&sb);
    let prod = service(&c, &sb, "prod", runs.path());
    let ids = [10_002, 10_003, 10_004];
    let run = unfinished_run(&prod, &ids, "resumed-here").await;
    let log = prod.find_run(Some(&run)).unwrap();

    // The same address under another profile, and the same profile on another port.
    let other_profile = service(&c, &sb, "test", runs.path());
    let other_port = service(&client(&other_sb), &other_sb, "prod", runs.path());
    for (svc, what) in [(&other_profile, "profile"), (&other_port, "port")] {
        let refused = svc.open(Work::Resume(log.path.clone())).await.unwrap_err();
        let BulkError::OtherTenant(o) = &refused else {
            panic!("another {what}: {refused:?}");
        };
        assert_eq!(&o.made_on, prod.tenant(), "another {what}");
        assert_eq!(&o.here, svc.tenant(), "another {what}");
        assert!(
            matches!(svc.plan_undo(&log).await, Err(BulkError::OtherTenant(_))),
            "another {what}: undo refused too"
        );
    }
    for id in ids {
        assert_ne!(aws_role(&c, id).await.as_deref(), Some("resumed-here"));
    }

    // On its own tenant it resumes, and then it is finished.
    let opened = prod.open(Work::Resume(log.path.clone())).await.unwrap();
    assert_eq!(opened.users_left(), ids.len());
    let finished = prod.run(opened, RunHandle::new(2), None).await;
    assert!(finished.report.complete(), "{:?}", finished.report);
    for id in ids {
        assert_eq!(aws_role(&c, id).await.as_deref(), Some("resumed-here"));
    }
    assert!(matches!(
        prod.open(Work::Resume(log.path.clone())).await,
        Err(BulkError::Finished { .. })
    ));
    // Its undo is planned here: every user back to the value before.
    let log = prod.find_run(Some(&run)).unwrap();
    let undo = prod.plan_undo(&log).await.unwrap();
    assert_eq!(undo.plan.users.len(), ids.len());
}

#[tokio::test]
async fn a_journal_of_the_first_release_still_resumes() {
    let sb = sandbox(SandboxConfig {
        users: 10,
        ..SandboxConfig::default()
    })
    .await;
    let runs = tempfile::tempdir().unwrap();
    let c = client(&sb);
    let svc = service(&c, &sb, "default", runs.path());
    let run = unfinished_run(&svc, &[10_002, 10_003], "from-old-journal").await;
    // Rewrite its head as the first release wrote it: the tenant as `host:port` beside a
    // `profile` key.
    let path = runs.path().join(format!("{run}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let address = svc.tenant().address();
    let meta = &mut lines[0]["meta"];
    meta["tenant"] = serde_json::Value::String(address);
    meta["profile"] = serde_json::Value::String("default".into());
    let old: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, old).unwrap();

    let log = svc.find_run(Some(&run)).unwrap();
    assert_eq!(
        &log.meta.tenant,
        svc.tenant(),
        "read back as the same tenant"
    );
    let opened = svc.open(Work::Resume(path)).await.unwrap();
    let finished = svc.run(opened, RunHandle::new(2), None).await;
    assert!(finished.report.complete(), "{:?}", finished.report);
    assert_eq!(
        aws_role(&c, 10_003).await.as_deref(),
        Some("from-old-journal")
    );
}
