use super::*;
use crate::config::ApiMode;

fn user() -> User {
    serde_json::from_value(serde_json::json!({
        "id": 7, "email": "kat@example.com", "title": "CTO", "group_id": 5, "phone": null,
        "role_id": [3, 1],
        "custom_attributes": {"AWS_Role": "Admin", "skype": null, "branch": "Oslo"}
    }))
    .unwrap()
}

#[test]
fn diff_drops_what_is_already_there() {
    let d = Desired::from_changes(&[
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "Admin".into(),
        },
        Change::ClearAttribute {
            name: "skype".into(),
        },
        Change::SetField {
            name: "phone".into(),
            value: String::new(),
        },
        Change::SetField {
            name: "group_id".into(),
            value: "5".into(),
        },
        Change::AddRoles { ids: vec![1] },
        Change::RemoveRoles { ids: vec![9] },
    ])
    .unwrap();
    for mode in [ApiMode::Auto, ApiMode::V1] {
        assert!(plan_user(&user(), &d, None, mode).is_none());
    }
}

#[test]
fn fewest_calls() {
    let d = Desired::from_changes(&[
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "ReadOnly".into(),
        },
        Change::ClearAttribute {
            name: "branch".into(),
        },
        Change::SetField {
            name: "title".into(),
            value: "CEO".into(),
        },
        Change::SetField {
            name: "group_id".into(),
            value: String::new(),
        },
        Change::AddRoles { ids: vec![1, 2] },
        Change::RemoveRoles { ids: vec![3, 4] },
    ])
    .unwrap();
    let p = plan_user(&user(), &d, Some(4), ApiMode::V1).unwrap();
    assert_eq!(p.label, "kat@example.com");
    assert_eq!(p.calls.len(), 4);
    assert_eq!(
        p.calls[0],
        Call::SetCustomAttributes {
            values: [
                ("AWS_Role".into(), "ReadOnly".into()),
                ("branch".into(), String::new())
            ]
            .into()
        }
    );
    assert_eq!(
        p.calls[1],
        Call::UpdateUser {
            fields: [
                ("group_id".into(), Value::Null),
                ("title".into(), "CEO".into())
            ]
            .into()
        }
    );
    assert_eq!(p.calls[2], Call::AddRoles { ids: vec![2] });
    assert_eq!(p.calls[3], Call::RemoveRoles { ids: vec![3] });
    assert_eq!(p.before.roles, Some(vec![1, 3]));
    assert_eq!(p.after.roles, Some(vec![1, 2]));
    assert_eq!(p.before.fields["group_id"], Value::from(5));
    assert_eq!(p.row, Some(4));
}

/// With API /2: fields and attributes in one PUT, a role per call shared by many users;
/// attributes alone keep the seed's own call.
#[test]
fn fewest_calls_with_api_2() {
    let d = Desired::from_changes(&[
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "ReadOnly".into(),
        },
        Change::SetField {
            name: "title".into(),
            value: "CEO".into(),
        },
        Change::AddRoles { ids: vec![1, 2] },
        Change::RemoveRoles { ids: vec![3, 4] },
    ])
    .unwrap();
    let p = plan_user(&user(), &d, None, ApiMode::Auto).unwrap();
    assert_eq!(
        p.calls,
        vec![
            Call::UpdateUserV2 {
                fields: [("title".into(), "CEO".into())].into(),
                custom_attributes: [("AWS_Role".into(), "ReadOnly".into())].into(),
            },
            Call::GrantRole { role: 2 },
            Call::RevokeRole { role: 3 },
        ]
    );
    // Only the roles the change names are looked at.
    assert_eq!(p.before.roles, Some(vec![1, 3]));
    assert_eq!(p.after.roles, Some(vec![1, 2]));
    let attributes_only = Desired::from_changes(&[Change::SetAttribute {
        name: "AWS_Role".into(),
        value: "ReadOnly".into(),
    }])
    .unwrap();
    let p = plan_user(&user(), &attributes_only, None, ApiMode::Auto).unwrap();
    assert!(matches!(p.calls[..], [Call::SetCustomAttributes { .. }]));
}

#[test]
fn a_role_given_to_many_users_is_one_call_per_batch() {
    let users: HashMap<i64, User> = (1..=120)
        .map(|id| {
            let u: User =
                serde_json::from_value(serde_json::json!({"id": id, "role_id": []})).unwrap();
            (id, u)
        })
        .collect();
    let ids: Vec<i64> = (1..=120).collect();
    let changes = [
        Change::AddRoles { ids: vec![7] },
        Change::SetField {
            name: "department".into(),
            value: "Sales".into(),
        },
    ];
    let targets = Plan::uniform(&ids, &changes).unwrap();
    let plan = Plan::build(&targets, &users, ApiMode::Auto).unwrap();
    assert_eq!(
        plan.call_summary(),
        vec![
            ("PUT /api/2/users/:id".to_string(), 120),
            ("POST /api/2/roles/7/users".to_string(), 3),
        ]
    );
    assert_eq!(plan.calls(), 123, "120 PUTs and ceil(120/50) role calls");
    let v1 = Plan::build(&targets, &users, ApiMode::V1).unwrap();
    assert_eq!(
        v1.calls(),
        240,
        "on /1 each user gets a PUT and an add_roles"
    );
}

#[test]
fn remaining_after_a_lost_answer() {
    let d = Desired::from_changes(&[
        Change::SetAttribute {
            name: "AWS_Role".into(),
            value: "X".into(),
        },
        Change::AddRoles { ids: vec![2, 5] },
    ])
    .unwrap();
    let p = plan_user(&user(), &d, None, ApiMode::V1).unwrap();
    // As planned, nothing has happened: everything remains.
    let now = Values::of_user(&user(), &p.calls[1].keys());
    assert_eq!(p.calls[1].remaining(&now), Some(p.calls[1].clone()));
    // Role 2 got added before the answer was lost: only 5 remains.
    let mut u = user();
    u.role_id = Some(vec![1, 2, 3]);
    let now = Values::of_user(&u, &p.calls[1].keys());
    assert_eq!(
        p.calls[1].remaining(&now),
        Some(Call::AddRoles { ids: vec![5] })
    );
    u.custom_attributes
        .insert("AWS_Role".into(), Some("X".into()));
    let now = Values::of_user(&u, &p.after);
    assert_eq!(p.calls[0].remaining(&now), None);
}

#[test]
fn unknown_targets_and_unchanged() {
    let targets = Plan::uniform(
        &[7, 8],
        &[Change::SetField {
            name: "title".into(),
            value: "CTO".into(),
        }],
    )
    .unwrap();
    let mut current = HashMap::new();
    current.insert(7, user());
    let e = Plan::build(&targets, &current, ApiMode::Auto).unwrap_err();
    assert_eq!(e, [UnknownUser { id: 8, row: None }]);
    let plan = Plan::build(&targets[..1], &current, ApiMode::Auto).unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.unchanged, [7]);
    let twice = Plan::uniform(
        &[7, 7],
        &[Change::SetField {
            name: "title".into(),
            value: "CEO".into(),
        }],
    )
    .unwrap();
    assert_eq!(
        Plan::build(&twice, &current, ApiMode::Auto)
            .unwrap()
            .users
            .len(),
        1
    );
    assert!(
        Desired::from_changes(&[Change::SetField {
            name: "status".into(),
            value: "1".into()
        }])
        .is_err()
    );
    assert!(
        Desired::from_changes(&[Change::SetField {
            name: "state".into(),
            value: "x".into()
        }])
        .is_err()
    );
}

#[test]
fn fields_needed() {
    let d = Desired::from_changes(&[
        Change::SetField {
            name: "title".into(),
            value: "x".into(),
        },
        Change::AddRoles { ids: vec![1] },
    ])
    .unwrap();
    assert_eq!(
        fields_for([&d]),
        [
            "email",
            "username",
            "firstname",
            "lastname",
            "title",
            "role_id"
        ]
    );
}
