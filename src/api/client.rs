//! The client: configuration, the shared reqwest client, token and
//! rate-limit state, and the one place every HTTP request goes through.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::broadcast;

use super::auth::TokenState;
use super::envelope::{ApiError, ErrorKind, decode_json};
use super::exchange::{Exchange, prepare_body, redact_header, redact_url};

/// Where tracing events about HTTP exchanges go.
pub const HTTP_LOG_TARGET: &str = "onelogin_tui::http";

/// The v3 API's only host.
pub const V3_DEFAULT_URL: &str = "https://api.onelogin.com";

pub const JSON: &str = "application/json";
pub const XML: &str = "application/xml";

/// How to reach a tenant and with which credentials.
#[derive(Clone)]
pub struct ClientConfig {
    /// API /1 host: `https://api.us.onelogin.com`, `https://<sub>.onelogin.com`, or loopback.
    pub base_url: Url,
    /// The v3 XML host: `https://api.onelogin.com` for real tenants.
    pub v3_base_url: Url,
    pub client_id: String,
    pub client_secret: SecretString,
    /// The v3 API key (basic auth `api_key:x`); v3 calls only.
    pub api_key: Option<SecretString>,
    /// Per request, connect to last body byte.
    pub timeout: Duration,
    /// Capacity of the exchange broadcast; slow subscribers skip what they miss.
    pub exchange_buffer: usize,
}

impl ClientConfig {
    pub fn new(base_url: Url, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        // Loopback means the sandbox, which also serves v3; real tenants use the one v3 host.
        let v3_base_url = if is_loopback(&base_url) {
            base_url.clone()
        } else {
            Url::parse(V3_DEFAULT_URL).unwrap_or_else(|_| base_url.clone())
        };
        ClientConfig {
            base_url,
            v3_base_url,
            client_id: client_id.into(),
            client_secret,
            api_key: None,
            timeout: Duration::from_secs(30),
            exchange_buffer: 1024,
        }
    }
}

impl fmt::Debug for ClientConfig {
    // Never print a secret, even by accident in a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url.as_str())
            .field("v3_base_url", &self.v3_base_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .field("exchange_buffer", &self.exchange_buffer)
            .finish()
    }
}

/// The /1 budget as last reported by the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window refills, as of `observed_at`.
    pub reset: Duration,
    pub observed_at: Instant,
}

impl RateLimit {
    /// When the window refills.
    pub fn resets_at(&self) -> Instant {
        self.observed_at + self.reset
    }

    /// Time left until the reset, from now.
    pub fn reset_in(&self) -> Duration {
        self.resets_at().saturating_duration_since(Instant::now())
    }
}

/// How [`Client::send_raw`] authenticates.
#[derive(Clone)]
pub enum RawAuth {
    /// The client's token as `bearer:<t>`, renewed like any other call.
    Bearer,
    /// No Authorization header at all.
    None,
    /// This literal Authorization value.
    Header(String),
}

impl fmt::Debug for RawAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawAuth::Bearer => f.write_str("Bearer"),
            RawAuth::None => f.write_str("None"),
            RawAuth::Header(v) => {
                write!(f, "Header({:?})", super::exchange::redact_authorization(v))
            }
        }
    }
}

/// A request description; bodies are `String` so a retry rebuilds it from scratch.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Option<String>,
    pub content_type: Option<&'static str>,
    pub accept: &'static str,
    /// The HTTP status of the last answer to this request (0: none yet), set by the one
    /// pipeline so that an answer of the wrong shape is reported with its own status.
    answered: Arc<AtomicU16>,
}

impl Request {
    pub fn new(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            body: None,
            content_type: None,
            accept: JSON,
            answered: Arc::default(),
        }
    }

    pub fn json_body(mut self, body: String) -> Self {
        self.body = Some(body);
        self.content_type = Some(JSON);
        self
    }

    pub fn error(&self, kind: ErrorKind) -> ApiError {
        ApiError::new(kind, self.method.as_str(), redact_url(self.url.as_str()))
    }

    /// Valid JSON of the wrong shape, in the last answer to this request.
    pub fn decode_error(&self, message: impl Into<String>) -> ApiError {
        self.error(ErrorKind::Decode {
            http_status: self.answered.load(Ordering::Relaxed),
            message: message.into(),
        })
    }
}

/// How one attempt authenticates.
pub(crate) enum Auth<'a> {
    None,
    /// API /1: `bearer:<token>`, the documented form.
    Bearer(&'a SecretString),
    /// API /2: `bearer <token>`, a space and no colon.
    BearerV2(&'a SecretString),
    Literal(&'a str),
    ClientCredentials,
    /// v3: basic `api_key:x`.
    ApiKey(&'a SecretString),
}

/// A complete HTTP answer, any status.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

pub(crate) struct Inner {
    pub config: ClientConfig,
    pub http: reqwest::Client,
    pub token: tokio::sync::Mutex<TokenState>,
    rate: StdMutex<Option<RateLimit>>,
    next_id: AtomicU64,
    feed: broadcast::Sender<Arc<Exchange>>,
}

/// The OneLogin API client. Cheap to clone; clones share token, budget and feed.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// 127.0.0.0/8, ::1 or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn check_url(url: &Url, what: &str) -> Result<(), ApiError> {
    if url.cannot_be_a_base() || url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::config(format!(
            "{what} `{url}` is not a usable base URL: give scheme and host, e.g. https://api.us.onelogin.com"
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ApiError::config(format!(
            "{what} `{url}` uses plain http://, which would send credentials in clear text: use https:// (plain http is only allowed for loopback: 127.0.0.1, ::1, localhost)"
        ))),
        other => Err(ApiError::config(format!(
            "{what} `{url}` has scheme `{other}`: use https://"
        ))),
    }
}

/// A header that holds a credential: never printed by reqwest's Debug (sensitive); the
/// text it was built from is a `Zeroizing` copy, wiped when dropped.
fn header_value(value: &str) -> Result<HeaderValue, ApiError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        // Do not quote the value: it is a secret.
        ApiError::config("a credential contains characters that cannot be sent in an HTTP header")
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// The error text of a reqwest error with its causes (the top line alone is vague).
fn error_chain(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let s_text = s.to_string();
        if !msg.contains(&s_text) {
            msg.push_str(": ");
            msg.push_str(&s_text);
        }
        source = s.source();
    }
    msg
}

fn transport(e: &reqwest::Error) -> ErrorKind {
    ErrorKind::Transport {
        message: error_chain(e),
        timeout: e.is_timeout(),
        connect: e.is_connect(),
    }
}

/// The budget after a new answer. Answers to calls in flight together arrive in any order;
/// within one window the budget only falls, so an older, higher count must not replace a
/// lower one. A new window (its reset elsewhere, or another limit) replaces the old.
fn merge_rate_limit(old: Option<RateLimit>, new: RateLimit) -> RateLimit {
    match old {
        Some(old) if old.limit == new.limit && old.remaining < new.remaining => {
            let (a, b) = (old.resets_at(), new.resets_at());
            let apart = if a > b { a - b } else { b - a };
            // The reset header is whole seconds: one window's answers differ by up to one.
            if apart <= Duration::from_secs(2) {
                RateLimit {
                    remaining: old.remaining,
                    ..new
                }
            } else {
                new
            }
        }
        _ => new,
    }
}

/// When a spent budget comes back: the reset of the last budget seen, if it had no call
/// left and its window is not over.
fn spent_reset(seen: Option<RateLimit>) -> Option<Duration> {
    seen.filter(|rl| rl.remaining == 0)
        .map(|rl| rl.reset_in())
        .filter(|d| !d.is_zero())
}

fn parse_rate_limit(headers: &HeaderMap, at: Instant) -> Option<RateLimit> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    Some(RateLimit {
        limit: get("x-ratelimit-limit")?.parse().ok()?,
        remaining: get("x-ratelimit-remaining")?.parse().ok()?,
        reset: Duration::from_secs(get("x-ratelimit-reset")?.parse().ok()?),
        observed_at: at,
    })
}

impl Client {
    /// Check the configuration and build the HTTP client. Nothing is sent.
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        check_url(&config.base_url, "base_url")?;
        check_url(&config.v3_base_url, "v3_base_url")?;
        if config.client_id.trim().is_empty() {
            return Err(ApiError::config(
                "client_id is empty: set ONELOGIN_CLIENT_ID or client_id in the profile",
            ));
        }
        let timeout = if config.timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            config.timeout
        };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // A redirect would be a wrong base URL; show it rather than follow it.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("onelogin-tui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ApiError::config(format!("cannot build the HTTP client: {}", error_chain(&e)))
            })?;
        let (feed, _) = broadcast::channel(config.exchange_buffer.max(1));
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                http,
                token: tokio::sync::Mutex::new(TokenState::default()),
                rate: StdMutex::new(None),
                next_id: AtomicU64::new(1),
                feed,
            }),
        })
    }

    pub fn base_url(&self) -> &Url {
        &self.inner.config.base_url
    }

    pub fn v3_base_url(&self) -> &Url {
        &self.inner.config.v3_base_url
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The request-log feed: every exchange, redacted, as it completes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Exchange>> {
        self.inner.feed.subscribe()
    }

    /// The budget as last seen in response headers (or `rate_limit_status`).
    /// Calls sent so far (every exchange, token requests included): what a piece of work
    /// cost is the difference of two readings.
    pub fn calls_made(&self) -> u64 {
        self.inner.next_id.load(Ordering::Relaxed).saturating_sub(1)
    }

    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self.inner.rate.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_rate_limit(&self, rl: RateLimit) {
        let mut slot = self.inner.rate.lock().unwrap_or_else(|p| p.into_inner());
        *slot = Some(merge_rate_limit(*slot, rl));
    }

    /// `base` + `path_and_query`, keeping any path prefix of the base.
    pub(crate) fn url_on(base: &Url, path_and_query: &str) -> Result<Url, ApiError> {
        let joined = format!("{}{}", base.as_str().trim_end_matches('/'), path_and_query);
        Url::parse(&joined)
            .map_err(|e| ApiError::config(format!("cannot build a URL from `{joined}`: {e}")))
    }

    /// A URL on the /1 host.
    pub(crate) fn url(&self, path_and_query: &str) -> Result<Url, ApiError> {
        Self::url_on(&self.inner.config.base_url, path_and_query)
    }

    /// The one place every HTTP request goes through: build, send, time, read
    /// the whole body, record a redacted [`Exchange`], update the budget, log,
    /// publish. Any HTTP status is `Ok`; only a missing or incomplete answer is `Err`.
    pub(crate) async fn execute(
        &self,
        req: &Request,
        auth: Auth<'_>,
    ) -> Result<Response, ApiError> {
        let inner = &self.inner;
        let mut rb = inner
            .http
            .request(req.method.clone(), req.url.clone())
            .header(ACCEPT, req.accept);
        if let Some(ct) = req.content_type {
            rb = rb.header(CONTENT_TYPE, ct);
        }
        rb = match auth {
            Auth::None => rb,
            Auth::Bearer(token) => rb.header(
                AUTHORIZATION,
                header_value(&Zeroizing::new(format!("bearer:{}", token.expose_secret())))?,
            ),
            Auth::BearerV2(token) => rb.header(
                AUTHORIZATION,
                header_value(&Zeroizing::new(format!("bearer {}", token.expose_secret())))?,
            ),
            Auth::Literal(v) => rb.header(AUTHORIZATION, header_value(v)?),
            Auth::ClientCredentials => rb.header(
                AUTHORIZATION,
                header_value(&Zeroizing::new(format!(
                    "client_id:{}, client_secret:{}",
                    inner.config.client_id,
                    inner.config.client_secret.expose_secret()
                )))?,
            ),
            Auth::ApiKey(key) => rb.basic_auth(key.expose_secret(), Some("x")),
        };
        if let Some(body) = &req.body {
            rb = rb.body(body.clone());
        }
        let request = rb.build().map_err(|e| req.error(transport(&e)))?;
        let request_headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| {
                let text = String::from_utf8_lossy(v.as_bytes());
                (n.as_str().to_string(), redact_header(n.as_str(), &text))
            })
            .collect();

        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let started_at = chrono::Utc::now();
        let t0 = Instant::now();
        // (status, headers) of whatever arrived, and the body or the error.
        let (head, outcome) = match inner.http.execute(request).await {
            Err(e) => (None, Err(e)),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                // Read everything before decoding: truncation shows up here.
                match resp.bytes().await {
                    Ok(bytes) => (
                        Some((status, headers)),
                        Ok(String::from_utf8_lossy(&bytes).into_owned()),
                    ),
                    Err(e) => (Some((status, headers)), Err(e)),
                }
            }
        };
        let duration = t0.elapsed();
        if let Some((status, _)) = &head {
            req.answered.store(*status, Ordering::Relaxed);
        }

        if let Some((_, headers)) = &head
            && let Some(rl) = parse_rate_limit(headers, Instant::now())
        {
            self.set_rate_limit(rl);
        }

        let url = redact_url(req.url.as_str());
        let exchange = Exchange {
            id,
            started_at,
            method: req.method.to_string(),
            url: url.clone(),
            request_headers,
            request_body: req.body.as_deref().map(prepare_body),
            status: head.as_ref().map(|(s, _)| *s),
            response_headers: head
                .as_ref()
                .map(|(_, h)| {
                    h.iter()
                        .map(|(n, v)| {
                            let text = String::from_utf8_lossy(v.as_bytes());
                            (n.as_str().to_string(), redact_header(n.as_str(), &text))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            response_body: outcome.as_ref().ok().map(|b| prepare_body(b)),
            duration,
            error: outcome.as_ref().err().map(error_chain),
        };
        let ms = duration.as_secs_f64() * 1000.0;
        match (&exchange.status, &exchange.error) {
            (Some(status), None) => tracing::debug!(
                target: HTTP_LOG_TARGET,
                id, method = %exchange.method, url = %url, status, ms, "http exchange"
            ),
            (status, error) => tracing::debug!(
                target: HTTP_LOG_TARGET,
                id, method = %exchange.method, url = %url, status = ?status, ms,
                error = error.as_deref().unwrap_or(""), "http exchange failed"
            ),
        }
        // No receivers is fine: nobody is watching the log right now.
        let _ = inner.feed.send(Arc::new(exchange));

        match (head, outcome) {
            (Some((status, headers)), Ok(body)) => Ok(Response {
                status,
                headers,
                body,
            }),
            (_, Err(e)) => Err(req.error(transport(&e))),
            (None, Ok(_)) => Err(req.error(ErrorKind::Transport {
                message: "no answer".into(),
                timeout: false,
                connect: false,
            })),
        }
    }

    /// One attempt of a /1 JSON call, decoded through the envelope.
    pub(crate) async fn send_json(&self, req: &Request, auth: Auth<'_>) -> Result<Value, ApiError> {
        let resp = self.execute(req, auth).await?;
        decode_json(resp.status, &resp.headers, &resp.body)
            .map_err(|kind| self.request_error(req, kind))
    }

    /// `kind` as the error of `req`. A 429 rarely says when it ends; the budget seen in
    /// earlier headers does if it was spent. Else its end is unknown (another limit, other
    /// tools spending the budget): the caller backs off and a pacer reads the budget anew.
    pub(crate) fn request_error(&self, req: &Request, kind: ErrorKind) -> ApiError {
        match kind {
            ErrorKind::RateLimited {
                http_status,
                reset: None,
                body_start,
            } => req.error(ErrorKind::RateLimited {
                http_status,
                reset: spent_reset(self.rate_limit()),
                body_start,
            }),
            other => req.error(other),
        }
    }

    /// An authenticated /1 call: bearer token, renewed once and retried once
    /// after a 401 "Authentication Failure".
    pub(crate) async fn call(&self, req: &Request) -> Result<Value, ApiError> {
        self.authorized(|token| async move { self.send_json(req, Auth::Bearer(&token)).await })
            .await
    }

    /// An authenticated /1 call through the same pipeline (recording,
    /// envelope, renewal), for tests and power users. Returns the whole JSON answer.
    pub async fn send_raw(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<String>,
        auth: RawAuth,
    ) -> Result<Value, ApiError> {
        if !path_and_query.starts_with('/') {
            return Err(ApiError::config(format!(
                "raw path `{path_and_query}` must start with `/`"
            )));
        }
        let mut req = Request::new(method, self.url(path_and_query)?);
        if let Some(b) = body {
            req = req.json_body(b);
        }
        match auth {
            RawAuth::Bearer => self.call(&req).await,
            RawAuth::None => self.send_json(&req, Auth::None).await,
            RawAuth::Header(v) => self.send_json(&req, Auth::Literal(&v)).await,
        }
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
