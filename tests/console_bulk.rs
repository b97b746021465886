//! The bulk screen end to end, without a terminal: state + update + the real worker against
//! a real in-process sandbox. Select 20 users, set AWS_Role, preview, type the number, run,
//! read every user back; then undo from past runs and read the before-values back.

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod console_common;

use std::collections::BTreeMap;

use console_common::{Console, manage_all};
use crossterm::event::{KeyCode, KeyModifiers};
use onelogin_tui::api::Client;
use onelogin_tui::app::bulk_flow::{BulkFlow, RunPhase};
use onelogin_tui::app::state::Screen;
use onelogin_tui::bulk::PlanKind;
use onelogin_tui::bulk::UserStatus;
use onelogin_tui::sandbox::{SandboxConfig, Scope};

/// The bulk flow's last step.
impl Console {
    /// Ctrl+S on the preview, then the number typed, then Enter; waits for the run to end.
    async fn confirm_and_run(&mut self, users: usize) {
        self.key(KeyCode::Char('s'), KeyModifiers::CONTROL).await;
        assert!(matches!(self.state.bulk.flow, BulkFlow::Confirming(_)));
        self.keys(&users.to_string()).await;
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
        assert!(matches!(self.state.bulk.flow, BulkFlow::Watching));
        let run = self.state.bulk.run.as_ref().unwrap();
        let RunPhase::Finished(Ok(end)) = &run.phase else {
            panic!("settle waits for the end: {:?}", run.phase);
        };
        assert_eq!(
            (end.done, end.failed, end.not_done),
            (users, 0, 0),
            "{end:?}"
        );
        assert_eq!(run.stats.done, users, "the progress reached the state");
    }
}

async fn aws_role(client: &Client, id: i64) -> String {
    let user = client.get_user(id).await.unwrap();
    user.custom_attributes
        .get("AWS_Role")
        .cloned()
        .flatten()
        .unwrap_or_default()
}

#[tokio::test]
async fn select_set_preview_confirm_run_then_undo_from_past_runs() {
    let sandbox = console_common::sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let runs = tempfile::tempdir().unwrap();
    let credential = sandbox.credential(Scope::ManageAll);
    let mut console = Console::new(&sandbox, &credential, Some(runs.path()));
    console.start().await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());

    // Select 20 users on the users screen.
    for _ in 0..20 {
        console.key(KeyCode::Char(' '), KeyModifiers::NONE).await;
        if !console.state.users.list.marks().len().is_multiple_of(20) {
            console.key(KeyCode::Char('j'), KeyModifiers::NONE).await;
        }
    }
    let mut ids: Vec<i64> = console.state.users.list.marks().iter().copied().collect();
    ids.sort_unstable();
    assert_eq!(ids.len(), 20);
    let reader = manage_all(&sandbox);
    let mut before = BTreeMap::new();
    for id in &ids {
        before.insert(*id, aws_role(&reader, *id).await);
    }

    // 2 → a → AWS_Role → value → p.
    console.key(KeyCode::Char('2'), KeyModifiers::NONE).await;
    assert_eq!(console.state.screen, Screen::Bulk);
    console.key(KeyCode::Char('a'), KeyModifiers::NONE).await;
    let index = console
        .state
        .fields
        .iter()
        .position(|f| f == "AWS_Role")
        .unwrap();
    for _ in 0..index {
        console.key(KeyCode::Char('j'), KeyModifiers::NONE).await;
    }
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    console.keys("Bulk-Admin").await;
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert_eq!(console.state.bulk.changes.len(), 1);
    console.key(KeyCode::Char('p'), KeyModifiers::NONE).await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let preview = &console
        .state
        .bulk
        .flow
        .preview()
        .expect("a preview")
        .preview;
    let plan = &preview.plan;
    let already = before.values().filter(|v| *v == "Bulk-Admin").count();
    assert_eq!(plan.users.len(), 20 - already);
    assert_eq!(plan.unchanged.len(), already);
    assert_eq!(plan.calls(), plan.users.len(), "one call per user changed");
    // Current values are read fresh: 20 users, one list call.
    assert_eq!(preview.reads, 1, "ceil(20/50) reads");
    let changed = plan.users.len();

    console.confirm_and_run(changed).await;
    for id in &ids {
        assert_eq!(aws_role(&reader, *id).await, "Bulk-Admin", "user {id}");
    }

    // Past runs: the newest is ours, finished; u plans its undo.
    console.key(KeyCode::Char('h'), KeyModifiers::NONE).await;
    assert!(matches!(console.state.bulk.flow, BulkFlow::PastRuns));
    let row = console.state.bulk.runs.rows.first().unwrap().clone();
    assert!(row.finished);
    assert_eq!((row.users, row.done, row.failed), (changed, changed, 0));
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    let BulkFlow::Journal(Some(journal)) = &console.state.bulk.flow else {
        panic!("the journal: {:?}", console.state.bulk.flow);
    };
    assert_eq!(journal.rows.len(), changed);
    assert!(journal.rows.iter().all(|r| r.status == UserStatus::Done));
    console.key(KeyCode::Char('u'), KeyModifiers::NONE).await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let preview = &console
        .state
        .bulk
        .flow
        .preview()
        .expect("an undo preview")
        .preview;
    assert!(
        matches!(&preview.kind, PlanKind::Undo { of, conflicts, .. } if *of == row.run && conflicts.is_empty())
    );
    assert_eq!(preview.plan.users.len(), changed);

    console.confirm_and_run(changed).await;
    for id in &ids {
        assert_eq!(&aws_role(&reader, *id).await, &before[id], "user {id}");
    }
    assert!(console.errors().is_empty(), "{:?}", console.errors());
}
