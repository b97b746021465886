//! The tenant's apps and `GET /api/2/users/:id/apps`: a user's apps are the
//! apps their roles grant (OneLogin assigns apps to roles).
//!
//! **Choices**: a fixed catalog of nine apps, each granted by named roles; the
//! answer lists each app once, by app id, with the seven keys of the contract
//! (the docs' sample also shows `extension`, which the contract leaves out).
//! Where an app has no provisioning, `provisioning_enabled` is false and
//! `provisioning_state` is `"unknown"`, as in the docs' sample; where it has,
//! the state of each (user, app) follows from the seed: `"provisioned"` (most),
//! `"pending"` or `"failed"`. `provisioning_status` is `"enabled"`, the one
//! value the docs show. `login_id` is unique per (user, app). Workday is
//! hidden from the portal: it is listed only with `ignore_visibility=true`
//! (the one documented query parameter; any other → 400). Any scope may read.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Need;
use super::envelope::Reject;
use super::mix::below;
use super::query::value_of;
use super::state::Shared;
use super::v2_errors::{self as v2, gate_user, ok};

/// One app of the catalog.
#[derive(Debug, Clone, Copy)]
pub(crate) struct App {
    pub(crate) id: i64,
    pub(crate) name: &'static str,
    /// The icon's name on OneLogin's CDN.
    icon: &'static str,
    provisioning: bool,
    visible: bool,
    /// Roles (ids of `names::ROLES`) that grant the app.
    roles: &'static [i64],
}

const DEFAULT: i64 = 141_001;
const ADMINS: i64 = 141_002;
const SALES: [i64; 2] = [141_005, 141_006];
const SUPPORT: [i64; 2] = [141_009, 141_010];
const ENGINEERING: i64 = 141_013;
const CONTRACTORS: i64 = 141_020;

pub(crate) const CATALOG: [App; 9] = [
    App {
        id: 610_001,
        name: "Slack",
        icon: "slack",
        provisioning: true,
        visible: true,
        roles: &[DEFAULT, ENGINEERING, CONTRACTORS],
    },
    App {
        id: 610_002,
        name: "Zoom",
        icon: "zoom",
        provisioning: false,
        visible: true,
        roles: &[DEFAULT, SALES[0], SALES[1], SUPPORT[0], SUPPORT[1]],
    },
    App {
        id: 610_003,
        name: "Amazon Web Services (AWS) Multi Role",
        icon: "amazonwebservices3multirole",
        provisioning: false,
        visible: true,
        roles: &[ADMINS, ENGINEERING],
    },
    App {
        id: 610_004,
        name: "GitHub",
        icon: "github",
        provisioning: true,
        visible: true,
        roles: &[ENGINEERING, CONTRACTORS],
    },
    App {
        id: 610_005,
        name: "Jira",
        icon: "jira",
        provisioning: true,
        visible: true,
        roles: &[ENGINEERING, SUPPORT[0], SUPPORT[1], CONTRACTORS],
    },
    App {
        id: 610_006,
        name: "Salesforce",
        icon: "salesforce",
        provisioning: true,
        visible: true,
        roles: &[ADMINS, SALES[0], SALES[1]],
    },
    App {
        id: 610_007,
        name: "Zendesk",
        icon: "zendesk",
        provisioning: false,
        visible: true,
        roles: &[SUPPORT[0], SUPPORT[1]],
    },
    App {
        id: 610_008,
        name: "Google Workspace",
        icon: "googleapps",
        provisioning: true,
        visible: true,
        roles: &[DEFAULT, ADMINS],
    },
    App {
        id: 610_009,
        name: "Workday",
        icon: "workday",
        provisioning: false,
        visible: false,
        roles: &[ADMINS],
    },
];

/// The apps roles `roles` grant, each once, by id.
pub(crate) fn granted(roles: &[i64], ignore_visibility: bool) -> Vec<App> {
    CATALOG
        .iter()
        .filter(|a| a.visible || ignore_visibility)
        .filter(|a| a.roles.iter().any(|r| roles.contains(r)))
        .copied()
        .collect()
}

/// App `app` as user `user` sees it.
pub(crate) fn render(seed: u64, user: i64, app: &App) -> Value {
    let state = if app.provisioning {
        match below(seed, &[user as u64, app.id as u64, 1], 100) {
            0..85 => "provisioned",
            85..95 => "pending",
            _ => "failed",
        }
    } else {
        "unknown"
    };
    // Unique per (user, app): the catalog has fewer than 16 apps.
    let login_id = 400_000_000 + user * 16 + (app.id - CATALOG[0].id);
    json!({
        "id": app.id,
        "name": app.name,
        "icon_url": format!("https://cdn.onelogin.com/images/icons/square/{}/mobile_50.png", app.icon),
        "login_id": login_id,
        "provisioning_status": "enabled",
        "provisioning_state": state,
        "provisioning_enabled": app.provisioning,
    })
}

fn answer(result: Result<Response, Reject>) -> Response {
    result.unwrap_or_else(Response::from)
}

/// `GET /api/2/users/:id/apps[?ignore_visibility=true]` → a bare array.
pub(crate) async fn user_apps(
    State(shared): State<Arc<Shared>>,
    Path(raw_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    answer((|| {
        let (pass, id) = gate_user(&shared, &headers, Need::Read, &raw_id)?;
        let pairs = v2::query(&uri, |k| k == "ignore_visibility")?;
        let ignore = match value_of(&pairs, "ignore_visibility").map(str::trim) {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(v2::bad_request("ignore_visibility must be true or false").into());
            }
        };
        let st = shared.lock();
        let user = st
            .tenant
            .users
            .get(&id)
            .ok_or_else(|| Reject::from(v2::user_not_found(id)))?;
        let list: Vec<Value> = granted(&user.roles(), ignore)
            .iter()
            .map(|a| render(shared.seed, id, a))
            .collect();
        Ok(ok(StatusCode::OK, &Value::Array(list), &pass))
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::names::ROLES;

    #[test]
    fn catalog_roles_exist_and_every_role_grants_something() {
        let known: Vec<i64> = ROLES.iter().map(|r| r.0).collect();
        assert!(
            CATALOG
                .iter()
                .all(|a| a.roles.iter().all(|r| known.contains(r)))
        );
        for r in &known {
            assert!(!granted(&[*r], true).is_empty(), "{r}");
        }
        assert!(granted(&[], true).is_empty());
        let admin = granted(&[ADMINS], false);
        assert!(admin.iter().all(|a| a.name != "Workday"));
        assert!(granted(&[ADMINS], true).iter().any(|a| a.name == "Workday"));
    }

    #[test]
    fn provisioning_is_stable_per_user_and_app() {
        let app = CATALOG[0];
        assert_eq!(render(1, 10_002, &app), render(1, 10_002, &app));
        let states: std::collections::HashSet<String> = (10_001..10_400)
            .map(|u| render(1, u, &app)["provisioning_state"].to_string())
            .collect();
        assert_eq!(states.len(), 3, "{states:?}");
        assert_eq!(
            render(1, 10_002, &CATALOG[1])["provisioning_state"],
            "unknown"
        );
        assert_ne!(
            render(1, 10_002, &app)["login_id"],
            render(1, 10_003, &app)["login_id"]
        );
    }
}
