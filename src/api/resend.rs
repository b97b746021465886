//! Sending a logged request again (the request log's `r`), through the one pipeline: this
//! client's token and host, the budget, a new logged exchange.
//!
//! Only what the log can give back whole is re-sent: API /1 and /2 calls whose body held
//! no secret. Token and revoke calls carry the credentials and v3 calls the API key: those
//! are refused in words, as is a request logged against another host.

use reqwest::{Method, Url};

use super::client::{Client, Request};
use super::envelope::ApiError;
use super::exchange::REDACTED;

/// Paths a re-send may go to, by prefix.
const RESENDABLE: &[&str] = &["/api/1/", "/api/2/", "/auth/rate_limit"];

/// Why a logged request cannot be sent again whole, if it cannot: its path (token and
/// v3 calls), or a body whose secret the log redacted. The console asks this before it
/// offers to send; [`Client::resend`] asks it again.
pub fn resend_refusal(url: &str, body: Option<&str>) -> Option<String> {
    let path = super::exchange::url_path(url);
    if !RESENDABLE.iter().any(|p| path.starts_with(p)) {
        return Some(format!(
            "{path} is not sent again: only API /1 and /2 calls are (token calls carry the \
             credentials, v3 calls the API key)"
        ));
    }
    if body.is_some_and(|b| b.contains(REDACTED)) {
        return Some(
            "its body held a secret, redacted in the log, so it cannot be sent again".into(),
        );
    }
    None
}

impl Client {
    /// Sends `method url` (with `body`) again. The answer is logged like any other; an
    /// error answer is the error.
    pub async fn resend(
        &self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<(), ApiError> {
        let refuse = |why: String| Err(ApiError::config(why));
        let Ok(method) = Method::from_bytes(method.as_bytes()) else {
            return refuse(format!("`{method}` is not an HTTP method"));
        };
        let Ok(logged) = Url::parse(url) else {
            return refuse(format!("`{url}` is not a URL"));
        };
        let base = self.base_url();
        if logged.host_str() != base.host_str()
            || logged.port_or_known_default() != base.port_or_known_default()
        {
            return refuse(format!(
                "it was sent to {}, not to this tenant ({}): nothing was sent",
                logged.host_str().unwrap_or("?"),
                base.host_str().unwrap_or("?")
            ));
        }
        if let Some(why) = resend_refusal(url, body) {
            return refuse(format!("{why}; nothing was sent"));
        }
        let path = logged.path();
        let path_and_query = match logged.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        let mut req = Request::new(method, self.url(&path_and_query)?);
        if let Some(b) = body {
            req = req.json_body(b.to_string());
        }
        if path.starts_with("/api/2/") {
            self.call_v2(&req, true).await.map(|_| ())
        } else {
            self.call(&req).await.map(|_| ())
        }
    }
}
