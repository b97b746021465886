//! The routes, the fallbacks ("No Route Exists"), and the middleware every
//! answer passes through: request counting, latency, `x-request-id`, faults.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};

use super::auth::random_hex;
use super::state::Shared;
use super::{attributes, envelope, faults, legacy_v3, oauth, roles, users};

pub(crate) fn build(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/auth/oauth2/v2/token", post(oauth::token_v2))
        .route("/auth/oauth2/token", post(oauth::token_legacy))
        .route("/auth/oauth2/revoke", post(oauth::revoke))
        .route("/auth/rate_limit", get(oauth::rate_limit))
        .route("/api/1/users", get(users::list))
        .route("/api/1/users/custom_attributes", get(attributes::fields))
        .route("/api/1/users/{id}", get(users::get).put(users::update))
        .route(
            "/api/1/users/{id}/set_custom_attributes",
            put(attributes::set),
        )
        .route("/api/1/users/{id}/roles", get(roles::user_roles))
        .route("/api/1/users/{id}/add_roles", put(roles::add_roles))
        .route("/api/1/users/{id}/remove_roles", put(roles::remove_roles))
        .route("/api/1/roles", get(roles::list_roles))
        .route("/api/1/groups", get(roles::list_groups))
        .route(
            "/api/v3/users/{file}",
            get(legacy_v3::get).put(legacy_v3::update),
        )
        .fallback(no_route)
        .method_not_allowed_fallback(no_route)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), frame))
        .with_state(shared)
}

async fn no_route() -> Response {
    envelope::no_route()
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
