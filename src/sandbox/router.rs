//! The routes, the fallbacks ("No Route Exists"), and the middleware every
//! answer passes through: request counting, latency, `x-request-id`, faults.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};

use super::auth::random_hex;
use super::state::Shared;
use super::{
    apps, attributes, envelope, event_types, events_list, faults, legacy_v3, lifecycle, mfa, oauth,
    roles, users, v2_errors, v2_fields, v2_roles, v2_users,
};

pub(crate) fn build(shared: Arc<Shared>) -> Router {
    let serve_v2 = shared.lock().serve_v2;
    let router = Router::new()
        .route("/auth/oauth2/v2/token", post(oauth::token_v2))
        .route("/auth/oauth2/token", post(oauth::token_legacy))
        .route("/auth/oauth2/revoke", post(oauth::revoke))
        .route("/auth/rate_limit", get(oauth::rate_limit))
        .route("/api/1/users", get(users::list))
        .route("/api/1/users/custom_attributes", get(attributes::fields))
        .route(
            "/api/1/users/{id}",
            get(users::get).put(users::update).delete(lifecycle::delete),
        )
        .route("/api/1/users/{id}/lock_user", put(lifecycle::lock_user))
        .route("/api/1/users/{id}/logout", put(lifecycle::logout))
        .route("/api/1/users/{id}/set_state", put(lifecycle::set_state))
        .route(
            "/api/1/users/{id}/set_custom_attributes",
            put(attributes::set),
        )
        .route("/api/1/users/{id}/roles", get(roles::user_roles))
        .route("/api/1/users/{id}/add_roles", put(roles::add_roles))
        .route("/api/1/users/{id}/remove_roles", put(roles::remove_roles))
        .route("/api/1/roles", get(roles::list_roles))
        .route("/api/1/groups", get(roles::list_groups))
        .route("/api/1/events", get(events_list::list))
        .route("/api/1/events/types", get(event_types::list))
        .route(
            "/api/v3/users/{file}",
            get(legacy_v3::get).put(legacy_v3::update),
        );
    // Without /2, its paths fall through to "No Route Exists".
    let router = if serve_v2 { v2_routes(router) } else { router };
    router
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), frame))
        .with_state(shared)
}

/// The API /2 routes.
fn v2_routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    router
        .route("/api/2/users", get(v2_users::list).post(v2_users::create))
        .route(
            "/api/2/users/custom_attributes",
            get(v2_fields::list).post(v2_fields::create),
        )
        .route(
            "/api/2/users/custom_attributes/{id}",
            put(v2_fields::update).delete(v2_fields::delete),
        )
        .route(
            "/api/2/users/{id}",
            get(v2_users::get)
                .put(v2_users::update)
                .delete(v2_users::delete),
        )
        .route("/api/2/users/{id}/unlock", post(v2_users::unlock))
        .route("/api/2/users/{id}/apps", get(apps::user_apps))
        .route("/api/2/mfa/users/{id}/devices", get(mfa::list))
        .route(
            "/api/2/mfa/users/{id}/devices/{device_id}",
            delete(mfa::remove),
        )
        .route(
            "/api/2/roles/{id}/users",
            get(v2_roles::users)
                .post(v2_roles::add)
                .delete(v2_roles::remove),
        )
}

/// "No Route Exists", in the shape of the API version the path names.
async fn no_route(uri: Uri) -> Response {
    if uri.path().starts_with("/api/2/") {
        v2_errors::no_route()
    } else {
        envelope::no_route()
    }
}

/// Outermost layer: counts the request, adds the configured latency and an
/// `x-request-id` to every answer.
async fn frame(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let latency = {
        let mut st = shared.lock();
        st.stats.requests += 1;
        st.latency
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&random_hex(32)) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}
