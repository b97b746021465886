//! Lifecycle changes through the bulk service against the sandbox (issue 10): plan, run
//! and undo of lock, unlock, set state, logout, MFA factor removal and delete; a stopped
//! run resumed; a delete whose answer was lost (or whose user was already gone) is
//! re-read, never resent blindly; `api = "v1"` refuses an unlock in words.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::path::Path;
use std::time::Duration;

use bulk_common::{client, sandbox};
use chrono::{DateTime, TimeDelta, Utc};
use onelogin_tui::api::Client;
use onelogin_tui::bulk::journal::{Journal, Record, now_text};
use onelogin_tui::bulk::{
    BulkError, BulkService, Call, Change, Factors, Finished, Irreversible, PlanKind, Preview,
    Progress, RunHandle, RunKind, RunOptions, Work,
};
use onelogin_tui::config::ApiMode;
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use onelogin_tui::tenant::Tenant;

fn service(c: &Client, sb: &Sandbox, runs: &Path, mode: ApiMode) -> BulkService {
    let tenant = Tenant::new("test", &reqwest::Url::parse(&sb.url()).unwrap());
    BulkService::new(c.clone(), tenant, runs.to_path_buf(), RunOptions::default()).with_api(mode)
}

async fn small(users: usize) -> Sandbox {
    sandbox(SandboxConfig {
        users,
        ..SandboxConfig::default()
    })
    .await
}

fn int(sb: &Sandbox, id: i64, key: &str) -> Option<i64> {
    sb.user_json(id)?.get(key)?.as_i64()
}

fn locked_until(sb: &Sandbox, id: i64) -> Option<DateTime<Utc>> {
    let text = sb.user_json(id)?.get("locked_until")?.as_str()?.to_string();
    DateTime::parse_from_rfc3339(&text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `n` users from 10002 on (the account owner is left out) whose `status` passes `keep`.
fn users_where(sb: &Sandbox, n: usize, keep: impl Fn(i64) -> bool) -> Vec<i64> {
    (10_002..20_000)
        .filter(|id| int(sb, *id, "status").is_some_and(&keep))
        .take(n)
        .collect()
}

async fn run(svc: &BulkService, preview: Preview) -> Finished {
    let opened = svc.open(Work::Plan(Box::new(preview))).await.unwrap();
    let finished = svc.run(opened, RunHandle::new(4), None).await;
    assert!(finished.report.complete(), "{:?}", finished);
    finished
}

async fn undo_of(svc: &BulkService, run: &str) -> Preview {
    let log = svc.find_run(Some(run)).unwrap();
    svc.plan_undo(&log).await.unwrap()
}

fn cannot_undo(preview: &Preview) -> &onelogin_tui::bulk::CannotUndo {
    match &preview.kind {
        PlanKind::Undo {
            conflicts,
            cannot_undo,
            ..
        } => {
            assert!(conflicts.is_empty(), "no conflicts: {conflicts:?}");
            cannot_undo
        }
        PlanKind::Apply => panic!("not an undo"),
    }
}

#[tokio::test]
async fn lock_then_undo_unlocks_and_users_already_locked_cost_nothing() {
    let sb = small(80).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let mut ids = users_where(&sb, 20, |s| s == 1);
    let already = users_where(&sb, 1, |s| s == 3);
    assert_eq!(already.len(), 1, "the seeded tenant has a locked user");
    ids.extend(&already);

    let preview = svc
        .plan_selection(&ids, &[Change::Lock { minutes: 0 }])
        .await
        .unwrap();
    assert_eq!(preview.plan.unchanged, already);
    assert_eq!(
        preview.plan.call_summary(),
        vec![("PUT /api/1/users/:id/lock_user".to_string(), 20)]
    );
    assert!(preview.plan.irreversible().is_empty());
    let finished = run(&svc, preview).await;
    assert_eq!(finished.report.done, 20);
    for id in &ids {
        assert_eq!(int(&sb, *id, "status"), Some(3), "user {id}");
    }
    let log = svc.find_run(Some(&finished.report.run)).unwrap();
    assert_eq!(log.meta.kind, RunKind::Lock);

    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(cannot_undo(&undo).is_empty());
    assert_eq!(
        undo.plan.users.len(),
        20,
        "the user locked before stays locked"
    );
    assert!(
        undo.plan
            .users
            .iter()
            .all(|u| u.calls == vec![Call::UnlockUser])
    );
    run(&svc, undo).await;
    for id in &ids[..20] {
        assert_eq!(int(&sb, *id, "status"), Some(1), "user {id} unlocked");
    }
    assert_eq!(int(&sb, already[0], "status"), Some(3));
}

/// An unlock makes an account Active: the undo of a lock puts any other status back as
/// it was (a /2 PUT of `status`), so a suspended user is never activated by an undo.
#[tokio::test]
async fn undoing_a_lock_puts_back_a_status_other_than_active() {
    let sb = small(200).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let active = users_where(&sb, 2, |s| s == 1);
    let others = users_where(&sb, 3, |s| s != 1 && s != 3);
    assert_eq!(
        others.len(),
        3,
        "the seeded tenant has users neither Active nor Locked"
    );
    let before: Vec<Option<i64>> = others.iter().map(|id| int(&sb, *id, "status")).collect();
    let ids: Vec<i64> = active.iter().chain(&others).copied().collect();
    let preview = svc
        .plan_selection(&ids, &[Change::Lock { minutes: 0 }])
        .await
        .unwrap();
    let finished = run(&svc, preview).await;
    assert_eq!(finished.report.done, 5);

    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(cannot_undo(&undo).is_empty(), "{:?}", cannot_undo(&undo));
    assert_eq!(
        undo.plan.call_summary(),
        vec![
            ("POST /api/2/users/:id/unlock".to_string(), 2),
            ("PUT /api/2/users/:id".to_string(), 3),
        ]
    );
    run(&svc, undo).await;
    for id in &active {
        assert_eq!(int(&sb, *id, "status"), Some(1), "user {id} unlocked");
    }
    let after: Vec<Option<i64>> = others.iter().map(|id| int(&sb, *id, "status")).collect();
    assert_eq!(after, before, "each status as it was before the lock");
}

#[tokio::test]
async fn unlock_and_its_undo_locks_again_for_the_minutes_that_were_left() {
    let sb = small(40).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let ids = users_where(&sb, 5, |s| s == 1);
    for id in &ids {
        c.lock_user(*id, 30).await.unwrap();
    }
    let active = users_where(&sb, 1, |s| s == 1);
    let mut targets = ids.clone();
    targets.extend(&active);
    let preview = svc
        .plan_selection(&targets, &[Change::Unlock])
        .await
        .unwrap();
    assert_eq!(
        preview.plan.unchanged, active,
        "not locked: nothing to unlock"
    );
    assert_eq!(
        preview.plan.call_summary(),
        vec![("POST /api/2/users/:id/unlock".to_string(), 5)]
    );
    let finished = run(&svc, preview).await;
    for id in &ids {
        assert_eq!(int(&sb, *id, "status"), Some(1));
    }

    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(cannot_undo(&undo).is_empty());
    for u in &undo.plan.users {
        match u.calls.as_slice() {
            [Call::LockUser { minutes }] => assert!((29..=30).contains(minutes), "{minutes}"),
            other => panic!("{other:?}"),
        }
    }
    run(&svc, undo).await;
    let now = Utc::now();
    for id in &ids {
        assert_eq!(int(&sb, *id, "status"), Some(3));
        let until = locked_until(&sb, *id).unwrap();
        assert!(
            until > now + TimeDelta::minutes(28) && until <= now + TimeDelta::minutes(31),
            "{until}"
        );
    }
}

#[tokio::test]
async fn api_v1_refuses_an_unlock_in_words_and_sends_nothing() {
    let sb = small(20).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let ids = users_where(&sb, 2, |s| s == 1);
    // A lock run (API /1 does locks) whose undo would be an unlock.
    let auto = service(&c, &sb, runs.path(), ApiMode::Auto);
    let lock = auto
        .plan_selection(&ids, &[Change::Lock { minutes: 0 }])
        .await
        .unwrap();
    let run_id = run(&auto, lock).await.report.run;

    let v1 = service(&c, &sb, runs.path(), ApiMode::V1);
    let writes = sb.stats().writes;
    let calls = c.calls_made();
    match v1.plan_selection(&ids, &[Change::Unlock]).await {
        Err(BulkError::Invalid(why)) => {
            assert!(why.contains("unlocking has no API /1 call"), "{why}");
            assert!(
                why.contains("api = \"v1\"") && why.contains("api = \"auto\""),
                "{why}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.calls_made(), calls, "refused before any read");
    let log = v1.find_run(Some(&run_id)).unwrap();
    match v1.plan_undo(&log).await {
        Err(BulkError::Invalid(why)) => assert!(why.contains("api = \"v1\""), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sb.stats().writes, writes, "nothing was written");
    // A factor removal is /2 alone too.
    let factors = [Change::RemoveFactor {
        factors: Factors::All,
    }];
    assert!(matches!(
        v1.plan_selection(&ids, &factors).await,
        Err(BulkError::Invalid(why)) if why.contains("removing MFA factors")
    ));
}

#[tokio::test]
async fn set_state_and_its_undo_restores_each_users_state() {
    let sb = small(120).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let ids = users_where(&sb, 60, |_| true);
    let before: Vec<i64> = ids
        .iter()
        .map(|id| int(&sb, *id, "state").unwrap())
        .collect();
    let rejected = before.iter().filter(|s| **s == 2).count();
    assert!(
        before.iter().any(|s| *s != 1),
        "a mix of states: {before:?}"
    );

    let preview = svc
        .plan_selection(&ids, &[Change::SetState { state: 2 }])
        .await
        .unwrap();
    assert_eq!(preview.plan.unchanged.len(), rejected);
    run(&svc, preview.clone()).await;
    assert!(ids.iter().all(|id| int(&sb, *id, "state") == Some(2)));
    let log = svc.find_run(None);
    assert!(log.is_err(), "the run is finished");

    let run_id = svc.list_runs()[0].run.clone();
    let undo = undo_of(&svc, &run_id).await;
    assert_eq!(undo.plan.users.len(), ids.len() - rejected);
    run(&svc, undo).await;
    for (id, state) in ids.iter().zip(&before) {
        assert_eq!(int(&sb, *id, "state"), Some(*state), "user {id}");
    }
}

#[tokio::test]
async fn logout_is_sent_and_its_undo_says_it_cannot_be_undone() {
    let sb = small(20).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let ids = users_where(&sb, 5, |_| true);
    let preview = svc.plan_selection(&ids, &[Change::Logout]).await.unwrap();
    assert_eq!(preview.plan.irreversible(), vec![(Irreversible::Logout, 5)]);
    assert_eq!(
        preview.plan.irreversible_text().as_deref(),
        Some("cannot be undone: 5 logouts")
    );
    let finished = run(&svc, preview).await;
    for id in &ids {
        assert_eq!(sb.sessions_ended(*id), 1, "user {id}");
    }
    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(undo.plan.is_empty());
    let cannot = cannot_undo(&undo);
    assert_eq!(cannot.counts, vec![(Irreversible::Logout, 5)]);
    assert_eq!(cannot.users.len(), 5);
    assert!(cannot.users[0].reason.contains("sessions"));
}

#[tokio::test]
async fn factors_are_removed_by_type_or_all_and_cannot_be_undone() {
    let sb = small(60).await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let mut two = None;
    let mut others = Vec::new();
    for id in users_where(&sb, 40, |_| true) {
        let devices = c.mfa_devices(id).await.unwrap();
        if devices.len() >= 2 && two.is_none() {
            two = Some((id, devices));
        } else if !devices.is_empty() {
            others.push(id);
        }
    }
    let (id, devices) = two.expect("a seeded user with two factors");
    let kind = devices[0].type_display_name.clone().unwrap();
    let by_type = [Change::RemoveFactor {
        factors: Factors::Type { name: kind },
    }];
    let preview = svc.plan_selection(&[id], &by_type).await.unwrap();
    assert_eq!(
        preview.plan.users[0].calls,
        vec![Call::RemoveDevice {
            device_id: devices[0].device_id.clone()
        }]
    );
    run(&svc, preview).await;
    let left: Vec<String> = c
        .mfa_devices(id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert!(!left.contains(&devices[0].device_id), "{left:?}");
    assert!(left.contains(&devices[1].device_id), "{left:?}");

    // Every factor of a selection; a device id for many users is refused.
    let mut ids = vec![id];
    ids.extend(others.iter().take(4));
    let all = [Change::RemoveFactor {
        factors: Factors::All,
    }];
    let preview = svc.plan_selection(&ids, &all).await.unwrap();
    let removals = preview.plan.irreversible();
    let finished = run(&svc, preview).await;
    for id in &ids {
        assert!(c.mfa_devices(*id).await.unwrap().is_empty(), "user {id}");
    }
    let one_device = [Change::RemoveFactor {
        factors: Factors::Device {
            device_id: devices[1].device_id.clone(),
        },
    }];
    assert!(matches!(
        svc.plan_selection(&ids, &one_device).await,
        Err(BulkError::Invalid(why)) if why.contains("select that user alone")
    ));
    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(undo.plan.is_empty());
    assert_eq!(cannot_undo(&undo).counts, removals);
    assert_eq!(removals[0].0, Irreversible::FactorRemoval);
}

#[tokio::test]
async fn deletes_survive_lost_answers_and_their_undo_says_it_cannot() {
    let sb = sandbox(SandboxConfig {
        users: 90,
        fault_rate: 0.25,
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);
    let ids = users_where(&sb, 60, |_| true);
    let preview = svc.plan_selection(&ids, &[Change::Delete]).await.unwrap();
    assert_eq!(
        preview.plan.irreversible_text().as_deref(),
        Some("cannot be undone: 60 deletes")
    );
    // A resend after a lost answer would meet a 404: the runner re-reads instead.
    let finished = run(&svc, preview).await;
    assert!(sb.stats().faults > 0);
    for id in &ids {
        assert!(sb.user_json(*id).is_none(), "user {id} is gone");
    }
    let text = std::fs::read_to_string(&finished.report.journal).unwrap();
    assert!(
        text.contains("answer lost (seen on re-read)"),
        "a lost answer was settled by a re-read"
    );
    sb.set_fault_rate(0.0);
    let undo = undo_of(&svc, &finished.report.run).await;
    assert!(undo.plan.is_empty());
    let cannot = cannot_undo(&undo);
    assert_eq!(cannot.counts, vec![(Irreversible::Delete, 60)]);
    assert_eq!(cannot.users.len(), 60);
    assert!(cannot.users[0].reason.contains("deleted the user"));
}

#[tokio::test]
async fn a_stopped_run_resumes_and_a_delete_sent_without_answer_is_re_read() {
    let sb = sandbox(SandboxConfig {
        users: 120,
        latency: Duration::from_millis(5),
        ..SandboxConfig::default()
    })
    .await;
    let c = client(&sb);
    let runs = tempfile::tempdir().unwrap();
    let svc = service(&c, &sb, runs.path(), ApiMode::Auto);

    // A lock run cancelled after a few users, then resumed to the end.
    let ids = users_where(&sb, 60, |s| s != 3);
    let preview = svc
        .plan_selection(&ids, &[Change::Lock { minutes: 0 }])
        .await
        .unwrap();
    let opened = svc.open(Work::Plan(Box::new(preview))).await.unwrap();
    let handle = RunHandle::new(2);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stopper = tokio::spawn({
        let handle = handle.clone();
        async move {
            let mut seen = 0;
            while let Some(p) = rx.recv().await {
                if matches!(p, Progress::User { .. }) {
                    seen += 1;
                    if seen == 10 {
                        handle.cancel();
                    }
                }
            }
        }
    });
    let stopped = svc.run(opened, handle, Some(tx)).await;
    stopper.await.unwrap();
    assert!(stopped.report.stopped);
    let locked = ids.iter().filter(|id| int(&sb, **id, "status") == Some(3));
    assert!(locked.count() < ids.len());
    let path = stopped.report.journal.clone();
    let opened = svc.open(Work::Resume(path)).await.unwrap();
    let resumed = svc.run(opened, RunHandle::new(4), None).await;
    assert!(resumed.report.complete(), "{:?}", resumed.report);
    assert_eq!(resumed.report.done, ids.len());
    assert!(ids.iter().all(|id| int(&sb, *id, "status") == Some(3)));

    // A delete run stopped before its first call; then one user is deleted as if that
    // call had been applied with its answer lost (`sent`, no answer in the journal), and
    // another by someone else. Resume: nothing is sent for either.
    let doomed = users_where(&sb, 4, |_| true);
    let preview = svc
        .plan_selection(&doomed, &[Change::Delete])
        .await
        .unwrap();
    let opened = svc.open(Work::Plan(Box::new(preview))).await.unwrap();
    let handle = RunHandle::new(1);
    handle.cancel();
    let stopped = svc.run(opened, handle, None).await;
    let path = stopped.report.journal.clone();
    c.delete_user(doomed[0]).await.unwrap();
    c.delete_user(doomed[1]).await.unwrap();
    let journal = Journal::open(&path, &stopped.report.run).unwrap();
    journal
        .append(&Record::Sent {
            user: doomed[0],
            call: 0,
            attempt: 1,
            at: now_text(),
        })
        .await
        .unwrap();
    drop(journal);
    let opened = svc.open(Work::Resume(path.clone())).await.unwrap();
    assert_eq!(opened.unconfirmed_calls(), 1);
    let resumed = svc.run(opened, RunHandle::new(1), None).await;
    assert!(resumed.report.complete(), "{:?}", resumed.report);
    // Two deletes sent, plus the one answered 404 and settled by its re-read.
    assert_eq!(resumed.report.calls_sent, 3);
    assert!(doomed.iter().all(|id| sb.user_json(*id).is_none()));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("already applied (seen on re-read)"), "{text}");
    assert!(text.contains("already gone (seen on re-read)"), "{text}");
}
