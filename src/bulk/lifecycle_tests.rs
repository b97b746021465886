use std::collections::{BTreeMap, HashMap};

use chrono::{TimeDelta, Utc};

use super::*;
use crate::bulk::journal::{CallStatus, RunKind, RunLog, RunMeta};
use crate::bulk::plan::{Change, Desired, Plan, UserPlan, plan_user, plan_user_with};
use crate::bulk::undo::undo_plan;
use crate::config::ApiMode;

fn user(status: i64, state: i64, locked_until: Option<&str>) -> User {
    serde_json::from_value(serde_json::json!({
        "id": 7, "email": "kat@example.com", "status": status, "state": state,
        "locked_until": locked_until,
    }))
    .unwrap()
}

fn devices() -> Vec<MfaDevice> {
    serde_json::from_value(serde_json::json!([
        {"device_id": "11", "type_display_name": "SMS", "auth_factor_name": "SMS",
         "user_display_name": "Mobile", "default": true},
        {"device_id": 12, "type_display_name": "Google Authenticator",
         "auth_factor_name": "Google Authenticator", "user_display_name": "Work phone"},
    ]))
    .unwrap()
}

fn desired(changes: &[Change]) -> Desired {
    Desired::from_changes(changes).unwrap()
}

#[test]
fn users_already_there_cost_nothing() {
    let locked = user(3, 1, None);
    let active = user(1, 1, None);
    let d = desired(&[Change::Lock { minutes: 0 }]);
    assert!(plan_user(&locked, &d, None, ApiMode::Auto).is_none());
    let p = plan_user(&active, &d, None, ApiMode::Auto).unwrap();
    assert_eq!(p.calls, vec![Call::LockUser { minutes: 0 }]);
    assert_eq!((p.before.status, p.after.status), (Some(1), Some(3)));

    let d = desired(&[Change::Unlock]);
    assert!(plan_user(&active, &d, None, ApiMode::Auto).is_none());
    let p = plan_user(&locked, &d, None, ApiMode::Auto).unwrap();
    assert_eq!(p.calls, vec![Call::UnlockUser]);

    let d = desired(&[Change::SetState { state: 1 }]);
    assert!(plan_user(&active, &d, None, ApiMode::Auto).is_none());
    let p = plan_user(&user(1, 3, None), &d, None, ApiMode::Auto).unwrap();
    assert_eq!(p.calls, vec![Call::SetState { state: 1 }]);
    assert_eq!((p.before.state, p.after.state), (Some(3), Some(1)));
    assert!(Desired::from_changes(&[Change::SetState { state: 4 }]).is_err());
}

#[test]
fn one_order_delete_last_and_roles_before_it() {
    let d = desired(&[
        Change::Delete,
        Change::RemoveFactor {
            factors: Factors::All,
        },
        Change::Logout,
        Change::Lock { minutes: 5 },
        Change::SetState { state: 2 },
        Change::SetField {
            name: "title".into(),
            value: "Gone".into(),
        },
        Change::AddRoles { ids: vec![9] },
    ]);
    let devs = devices();
    let p = plan_user_with(&user(1, 1, None), Some(&devs), &d, None, ApiMode::Auto).unwrap();
    let kinds: Vec<String> = p.calls.iter().map(Call::kind).collect();
    assert_eq!(
        kinds,
        [
            "PUT /api/2/users/:id",
            // A user to delete gets its roles in its own call, not a /2 batch after the delete.
            "PUT /api/1/users/:id/add_roles",
            "PUT /api/1/users/:id/set_state",
            "PUT /api/1/users/:id/lock_user",
            "PUT /api/1/users/:id/logout",
            "DELETE /api/2/mfa/users/:id/devices/:device_id",
            "DELETE /api/2/mfa/users/:id/devices/:device_id",
            "DELETE /api/1/users/:id",
        ]
    );
    assert_eq!(p.calls[7].describe(7), "DELETE /api/1/users/7");
    assert_eq!(
        p.calls[5].describe(7),
        "DELETE /api/2/mfa/users/7/devices/11"
    );
    // Before and after line up for the preview.
    let keys: Vec<String> = p.before.describe().into_iter().map(|(k, _)| k).collect();
    let after: Vec<String> = p.after.describe().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, after);
    // A logout changes no value of the record: the preview still says what it does.
    let lines = p.changes_text();
    assert!(
        lines.contains(&("sessions".into(), "open".into(), "ended".into())),
        "{lines:?}"
    );
    let plan = Plan {
        users: vec![p],
        unchanged: vec![],
    };
    assert_eq!(
        plan.irreversible(),
        vec![
            (Irreversible::Delete, 1),
            (Irreversible::FactorRemoval, 2),
            (Irreversible::Logout, 1)
        ]
    );
    assert_eq!(
        plan.irreversible_text().as_deref(),
        Some("cannot be undone: 1 delete, 2 factor removals, 1 logout")
    );
    assert_eq!(RunKind::of_plan(&plan.users), RunKind::Apply);
}

#[test]
fn factors_by_type_or_device() {
    let devs = devices();
    let sms = desired(&[Change::RemoveFactor {
        factors: Factors::Type { name: "sms".into() },
    }]);
    let p = plan_user_with(&user(1, 1, None), Some(&devs), &sms, None, ApiMode::Auto).unwrap();
    assert_eq!(
        p.calls,
        vec![Call::RemoveDevice {
            device_id: "11".into()
        }]
    );
    assert_eq!(p.before.devices.as_ref().map(Vec::len), Some(1));
    assert_eq!(p.after.devices, Some(vec![]));
    let yubikey = desired(&[Change::RemoveFactor {
        factors: Factors::Type {
            name: "YubiKey".into(),
        },
    }]);
    assert!(
        plan_user_with(
            &user(1, 1, None),
            Some(&devs),
            &yubikey,
            None,
            ApiMode::Auto
        )
        .is_none()
    );
    // One device names one user's device.
    let one = [Change::RemoveFactor {
        factors: Factors::Device {
            device_id: "12".into(),
        },
    }];
    assert!(Plan::uniform(&[7], &one).is_ok());
    assert!(
        Plan::uniform(&[7, 8], &one)
            .unwrap_err()
            .contains("select that user alone")
    );
    assert_eq!(RunKind::of_plan(&[]), RunKind::Apply);
}

#[test]
fn remaining_after_a_lost_answer() {
    let lock = Call::LockUser { minutes: 0 };
    let now = |s: Option<i64>| Values {
        status: s,
        ..Values::default()
    };
    assert_eq!(lock.remaining(&now(Some(3))), None);
    assert_eq!(lock.remaining(&now(Some(1))), Some(lock.clone()));
    assert_eq!(Call::UnlockUser.remaining(&now(Some(1))), None);
    assert_eq!(
        Call::UnlockUser.remaining(&now(Some(3))),
        Some(Call::UnlockUser)
    );
    // Not read: sent again rather than guessed done.
    assert_eq!(
        Call::UnlockUser.remaining(&now(None)),
        Some(Call::UnlockUser)
    );
    assert_eq!(
        Call::Logout.remaining(&Values::default()),
        Some(Call::Logout)
    );
    assert_eq!(Call::DeleteUser.remaining(&Values::gone()), None);
    let alive = Values {
        exists: Some(true),
        ..Values::default()
    };
    assert_eq!(Call::DeleteUser.remaining(&alive), Some(Call::DeleteUser));
    let rm = Call::RemoveDevice {
        device_id: "11".into(),
    };
    let with = |ids: &[&str]| Values {
        devices: Some(
            ids.iter()
                .map(|d| Device {
                    device_id: d.to_string(),
                    kind: String::new(),
                    name: String::new(),
                })
                .collect(),
        ),
        ..Values::default()
    };
    assert_eq!(rm.remaining(&with(&["12"])), None);
    assert_eq!(rm.remaining(&with(&["11", "12"])), Some(rm.clone()));
    assert!(!rm.keys().needs_user());
    assert!(Call::DeleteUser.keys().needs_user());
}

#[test]
fn old_journal_values_read_the_same() {
    let old = r#"{"custom_attributes":{"AWS_Role":"x"},"roles":[1]}"#;
    let v: Values = serde_json::from_str(old).unwrap();
    assert_eq!(serde_json::to_string(&v).unwrap(), old);
    let call: Call = serde_json::from_str(r#"{"call":"lock_user","minutes":5}"#).unwrap();
    assert_eq!(call, Call::LockUser { minutes: 5 });
    let change: Change =
        serde_json::from_str(r#"{"op":"remove_factor","factors":{"which":"type","name":"SMS"}}"#)
            .unwrap();
    assert_eq!(
        change,
        Change::RemoveFactor {
            factors: Factors::Type { name: "SMS".into() }
        }
    );
}

#[test]
fn states_by_name_or_number() {
    assert_eq!(parse_state("approved"), Ok(1));
    assert_eq!(parse_state("Unlicensed"), Ok(3));
    assert_eq!(parse_state("0"), Ok(0));
    let e = parse_state("4").unwrap_err();
    assert!(
        e.contains("unapproved (0)") && e.contains("unlicensed (3)"),
        "{e}"
    );
    assert!(parse_state("active").is_err());
}

fn log(users: Vec<UserPlan>, statuses: &[(i64, usize, CallStatus)]) -> RunLog {
    let tenant =
        crate::tenant::Tenant::new("t", &reqwest::Url::parse("http://127.0.0.1:1").unwrap());
    RunLog {
        path: "x.jsonl".into(),
        meta: RunMeta::new(RunKind::of_plan(&users), &tenant),
        users,
        calls: statuses
            .iter()
            .map(|(u, c, s)| ((*u, *c), s.clone()))
            .collect(),
        finished: true,
        stopped: false,
    }
}

#[test]
fn undo_inverts_locks_and_states_and_lists_what_has_no_inverse() {
    let now = Utc::now();
    let until = (now + TimeDelta::minutes(20)).to_rfc3339();
    // The run unlocked a user whose lock had 20 minutes left, and set a state.
    let before = user(3, 0, Some(&until));
    let d = desired(&[
        Change::Unlock,
        Change::SetState { state: 1 },
        Change::Logout,
    ]);
    let up = plan_user(&before, &d, None, ApiMode::Auto).unwrap();
    let log = log(
        vec![up],
        &[
            (7, 0, CallStatus::Ok),
            (7, 1, CallStatus::Ok),
            (7, 2, CallStatus::Ok),
        ],
    );
    let current = HashMap::from([(7, user(1, 1, None))]);
    let undo = undo_plan(&log, &current, ApiMode::Auto, now);
    assert!(undo.conflicts.is_empty(), "{:?}", undo.conflicts);
    assert_eq!(
        undo.users[0].calls,
        vec![Call::SetState { state: 0 }, Call::LockUser { minutes: 20 }]
    );
    assert_eq!(
        undo.cannot_undo.summary().as_deref(),
        Some("cannot be undone: 1 logout")
    );
    assert!(undo.cannot_undo.users[0].reason.contains("sessions"));

    // An hour later the old lock would have ended: nothing to lock again, and said so.
    let later = undo_plan(&log, &current, ApiMode::Auto, now + TimeDelta::hours(1));
    assert_eq!(later.users[0].calls, vec![Call::SetState { state: 0 }]);
    assert!(
        later.cannot_undo.users[0]
            .reason
            .contains("would have ended"),
        "{:?}",
        later.cannot_undo
    );

    // Someone locked the user since: a conflict, left alone.
    let relocked = HashMap::from([(7, user(3, 1, None))]);
    let undo = undo_plan(&log, &relocked, ApiMode::Auto, now);
    assert!(undo.users.is_empty());
    assert!(undo.conflicts[0].reason.contains("unlocked the account"));
}

#[test]
fn a_deleted_user_cannot_be_undone_and_is_no_conflict() {
    let d = desired(&[Change::Lock { minutes: 0 }, Change::Delete]);
    let up = plan_user(&user(1, 1, None), &d, None, ApiMode::Auto).unwrap();
    let mut other = up.clone();
    other.id = 8;
    let log = log(
        vec![up, other],
        &[
            (7, 0, CallStatus::Ok),
            (7, 1, CallStatus::Ok),
            // User 8's delete was refused: it still exists, locked.
            (8, 0, CallStatus::Ok),
            (
                8,
                1,
                CallStatus::Failed {
                    error: "403".into(),
                    retryable: false,
                },
            ),
        ],
    );
    let mut eight = user(3, 1, None);
    eight.id = 8;
    let undo = undo_plan(
        &log,
        &HashMap::from([(8, eight)]),
        ApiMode::Auto,
        Utc::now(),
    );
    assert!(undo.conflicts.is_empty(), "{:?}", undo.conflicts);
    assert_eq!(undo.cannot_undo.users.len(), 1);
    assert_eq!(undo.cannot_undo.users[0].id, 7);
    assert_eq!(
        undo.cannot_undo.summary().as_deref(),
        Some("cannot be undone: 1 delete")
    );
    assert_eq!(undo.users.len(), 1);
    assert_eq!(undo.users[0].calls, vec![Call::UnlockUser]);
}

#[test]
fn what_cannot_be_undone_asks_for_a_word_after_the_count() {
    assert_eq!(confirm_answer(20, &[]), "20");
    assert_eq!(confirm_answer(5, &[(Irreversible::Logout, 5)]), "5 logout");
    // The gravest one names it: a delete outweighs the logouts before it.
    let both = [(Irreversible::Delete, 3), (Irreversible::Logout, 5)];
    assert_eq!(confirm_answer(5, &both), "5 delete");
    assert_eq!(
        confirm_answer(2, &[(Irreversible::FactorRemoval, 2)]),
        "2 remove"
    );
    // Kinds counted zero times ask for nothing more.
    assert_eq!(confirm_answer(4, &[(Irreversible::Delete, 0)]), "4");
}

#[test]
fn undoing_a_lock_never_activates_an_account_that_was_not_active() {
    let d = desired(&[Change::Lock { minutes: 0 }]);
    // User 7 was Active, user 8 Suspended (2) when the run locked them both.
    let active = plan_user(&user(1, 1, None), &d, None, ApiMode::Auto).unwrap();
    let mut suspended = plan_user(&user(2, 1, None), &d, None, ApiMode::Auto).unwrap();
    suspended.id = 8;
    let log = log(
        vec![active, suspended],
        &[(7, 0, CallStatus::Ok), (8, 0, CallStatus::Ok)],
    );
    let mut eight = user(3, 1, None);
    eight.id = 8;
    let current = HashMap::from([(7, user(3, 1, None)), (8, eight)]);
    let undo = undo_plan(&log, &current, ApiMode::Auto, Utc::now());
    assert!(undo.conflicts.is_empty() && undo.cannot_undo.users.is_empty());
    // The Active one is unlocked; the Suspended one gets its status back (an unlock
    // would make it Active).
    assert_eq!(undo.users[0].calls, vec![Call::UnlockUser]);
    let status = BTreeMap::from([("status".to_string(), serde_json::json!(2))]);
    assert_eq!(
        undo.users[1].calls,
        vec![Call::UpdateUserV2 {
            fields: status,
            custom_attributes: BTreeMap::new(),
        }]
    );
    let lines = undo.users[1].changes_text();
    assert_eq!(
        lines,
        vec![("status".into(), "3 Locked".into(), "2 Suspended".into())]
    );

    // API /1 cannot write a status: that user stays locked, and the preview says why.
    let v1 = undo_plan(&log, &current, ApiMode::V1, Utc::now());
    assert_eq!(v1.users.len(), 1);
    assert_eq!(v1.cannot_undo.users.len(), 1);
    let why = &v1.cannot_undo.users[0];
    assert_eq!(why.id, 8);
    assert!(
        why.reason.contains("2 Suspended") && why.reason.contains("by hand"),
        "{}",
        why.reason
    );
}
