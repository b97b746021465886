use super::*;
use crate::bulk::Plan;

fn preview(users: usize) -> Preview {
    let mut plan = Plan::default();
    for id in 0..users {
        plan.users.push(crate::bulk::UserPlan {
            id: i64::try_from(id).unwrap(),
            label: format!("u{id}"),
            before: Default::default(),
            after: Default::default(),
            calls: vec![crate::bulk::Call::AddRoles { ids: vec![1] }],
            row: None,
        });
    }
    Preview {
        kind: PlanKind::Apply,
        plan,
        source: None,
        reads: 1,
        fallback: None,
        estimate: Duration::ZERO,
        concurrency: 4,
        budget: None,
    }
}

#[test]
fn transitions_check_the_step_they_leave() {
    let mut bulk = BulkState::default();
    assert_eq!(bulk.confirm_plan(), Err(Refused::NotHere));
    assert_eq!(bulk.confirmed().err(), Some(Refused::NotHere));
    let g = bulk.plan(PlanFor::Changes).unwrap();
    // A late answer of an older plan is dropped.
    assert!(bulk.planned(g - 1, Ok(preview(2)), 2).is_none());
    assert_eq!(bulk.planned(g, Ok(preview(2)), 2), Some(Ok(())));
    assert_eq!(bulk.confirm_plan(), Ok(2));
    // Esc goes back to the same preview.
    bulk.cancel_confirm();
    assert_eq!(bulk.flow.preview().map(|p| p.targets), Some(2));
    bulk.confirm_plan().unwrap();
    let work = bulk.confirmed().unwrap();
    assert!(matches!(work, Work::Plan(_)));
    assert!(matches!(bulk.flow, BulkFlow::Watching));
    assert!(bulk.running());
    // One run at a time.
    assert_eq!(bulk.plan(PlanFor::Changes), Err(Refused::NotHere));
    bulk.open_past_runs().unwrap();
    assert_eq!(
        bulk.plan(PlanFor::Undo { run: "r".into() }),
        Err(Refused::RunGoing)
    );
    assert!(bulk.back(), "past runs → the run going on");
    assert!(matches!(bulk.flow, BulkFlow::Watching));
    assert!(!bulk.back(), "the run goes on: the screen is left instead");
    bulk.finished(Err(BulkError::Busy));
    assert!(!bulk.running());
    assert!(bulk.back());
    assert!(matches!(bulk.flow, BulkFlow::Editing) && bulk.run.is_none());
}

#[test]
fn an_empty_plan_is_not_confirmed_and_a_failed_plan_goes_back() {
    let mut bulk = BulkState::default();
    let g = bulk.plan(PlanFor::Changes).unwrap();
    bulk.planned(g, Ok(preview(0)), 3);
    assert_eq!(bulk.confirm_plan(), Err(Refused::NothingToChange));
    assert!(matches!(bulk.flow, BulkFlow::Preview(_)));
    bulk.open_past_runs().unwrap();
    let g = bulk.plan(PlanFor::Undo { run: "r".into() }).unwrap();
    assert!(bulk.flow.previewing_undo());
    let failed = bulk.planned(g, Err(BulkError::Busy), 0);
    assert_eq!(failed, Some(Err(BulkError::Busy)));
    assert!(
        matches!(bulk.flow, BulkFlow::PastRuns),
        "undo goes back to past runs"
    );
}

#[test]
fn a_new_change_replaces_one_of_the_same_value_and_drops_the_preview() {
    let mut bulk = BulkState::default();
    bulk.push_change(
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "a".into(),
        },
        10,
    );
    bulk.push_change(Change::AddRoles { ids: vec![1] }, 10);
    let g = bulk.plan(PlanFor::Changes).unwrap();
    bulk.planned(g, Ok(preview(1)), 1);
    bulk.push_change(
        Change::ClearAttribute {
            name: "AWS_Role".into(),
        },
        10,
    );
    assert_eq!(bulk.changes.len(), 2);
    assert_eq!(
        bulk.changes[1],
        Change::ClearAttribute {
            name: "AWS_Role".into()
        }
    );
    assert!(matches!(bulk.flow, BulkFlow::Editing));
    bulk.push_change(Change::RemoveRoles { ids: vec![1] }, 10);
    assert_eq!(bulk.changes.len(), 2);
}
