//! Fault injection on `/api/`. `fault_rate`'s mix: proxy errors, dropped connections,
//! slow answers; for writes, half of them strike after the change is applied (the answer
//! is lost). Beside it, the kinds of [`Faults`](super::Faults) (`fault_kinds.rs`): resets
//! mid-body, truncated and non-JSON bodies, latency spikes, 429 storms, token revocation
//! and outages (`conn.rs` closes the listener). Everything is deterministic from the seed
//! and the sandbox's count of `/api/` requests; every write is logged with its request,
//! so an answer lost after the change was applied is counted per user.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::conn::{Conn, ConnCtl};
use super::envelope::JSON_UTF8;
use super::fault_kinds::{Faults, KindState, Strike};
use super::rate_limit::{self, RateHeaders};
use super::state::Shared;
use super::write_log::{REQUEST, RequestTag};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// 500 with a proxy's HTML page.
    ServerError,
    /// 502 with a proxy's HTML page.
    BadGateway,
    /// Headers sent, then the body breaks off and the connection drops.
    Drop,
    /// The normal answer, 1–2 s late.
    Slow(Duration),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub(crate) kind: Kind,
    /// For writes: apply the change, then lose the answer.
    pub(crate) after: bool,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    rate: f64,
    counter: u64,
    pub(crate) kinds: KindState,
}

impl FaultState {
    pub(crate) fn new(rate: f64, faults: Faults) -> FaultState {
        let mut f = FaultState {
            rate: 0.0,
            counter: 0,
            kinds: KindState::new(faults),
        };
        f.set_rate(rate);
        f
    }

    pub(crate) fn set_rate(&mut self, rate: f64) {
        self.rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
    }

    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// The kinds beside the rate from the next request on (windows count from there).
    pub(crate) fn set_kinds(&mut self, faults: Faults) {
        self.kinds.set(faults, self.counter);
    }

    /// The fault (if any) of `fault_rate`'s mix for the next `/api/` request.
    #[cfg(test)]
    pub(crate) fn next(&mut self, seed: u64, write: bool) -> Option<Fault> {
        let n = self.count();
        self.mix(seed, n, write)
    }

    /// Counts an `/api/` request: its number, from 0.
    fn count(&mut self) -> u64 {
        let n = self.counter;
        self.counter += 1;
        n
    }

    /// The mix's fault for request `n`.
    fn mix(&self, seed: u64, n: u64, write: bool) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let mut rng =
            StdRng::seed_from_u64(seed.rotate_left(17) ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        let kind = match rng.random_range(0..4) {
            0 => Kind::ServerError,
            1 => Kind::BadGateway,
            2 => Kind::Drop,
            _ => Kind::Slow(Duration::from_millis(rng.random_range(1000..2000))),
        };
        let after = write && rng.random_bool(0.5);
        Some(Fault { kind, after })
    }
}

fn html(code: StatusCode, title: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = code;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    resp
}

/// The start of a /1 answer, for faults that strike before anything was handled.
const ENVELOPE_START: &[u8] = b"{\"status\":{\"error\":false,\"code\":200,";

fn io_error(what: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::ConnectionReset, what)
}

/// A 200 whose body breaks off: hyper aborts the connection mid-answer.
fn dropped() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(ENVELOPE_START)),
        Err(io_error("sandbox fault: connection dropped")),
    ];
    let mut resp = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp
}

fn answer(kind: Kind) -> Option<Response> {
    match kind {
        Kind::ServerError => Some(html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
        )),
        Kind::BadGateway => Some(html(StatusCode::BAD_GATEWAY, "502 Bad Gateway")),
        Kind::Drop => Some(dropped()),
        Kind::Slow(_) => None,
    }
}

/// No answer at all: the connection is reset (RST) before anything is read back.
fn cut(ctl: Option<&Arc<ConnCtl>>) -> Response {
    if let Some(c) = ctl {
        c.reset_on_close();
    }
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        vec![Err(io_error("sandbox fault: connection reset"))];
    let mut resp = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(512));
    resp
}

/// An answer's status, headers and whole body.
async fn take(resp: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    (parts, bytes)
}

/// The answer's head and the first half of its body, then a TCP RST.
async fn reset_mid_body(resp: Response, ctl: Option<Arc<ConnCtl>>) -> Response {
    let (mut parts, bytes) = take(resp).await;
    if bytes.is_empty() {
        return cut(ctl.as_ref());
    }
    let first = bytes.slice(..(bytes.len() / 2).max(1));
    let rest = futures::stream::once(async move {
        // Let the first half reach the client before the reset.
        tokio::time::sleep(Duration::from_millis(30)).await;
        if let Some(c) = ctl {
            c.reset_on_close();
        }
        Err::<Bytes, _>(io_error("sandbox fault: connection reset mid-body"))
    });
    let body = futures::stream::StreamExt::chain(
        futures::stream::iter([Ok::<Bytes, std::io::Error>(first)]),
        rest,
    );
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    Response::from_parts(parts, Body::from_stream(body))
}

/// The body cut short: a `Content-Length` promising more than is sent (the connection
/// then closes), or a complete message whose body stops halfway.
fn truncated(
    mut parts: axum::http::response::Parts,
    bytes: Bytes,
    long_length: bool,
    ctl: Option<&Arc<ConnCtl>>,
) -> Response {
    if bytes.is_empty() {
        return cut(ctl);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    if long_length {
        let promised = bytes.len() + 1 + bytes.len() / 2;
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(promised));
        // The bytes, a pause (so they are flushed), then the end: hyper sees the body
        // short of its length and closes the connection.
        let pause = futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            None
        });
        let body = futures::stream::StreamExt::filter_map(
            futures::stream::StreamExt::chain(
                futures::stream::iter([Some(Ok::<Bytes, std::io::Error>(bytes))]),
                pause,
            ),
            std::future::ready,
        );
        return Response::from_parts(parts, Body::from_stream(body));
    }
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, Body::from(half))
}

/// A 200 that is no JSON: a web page, or bytes under a JSON content type.
fn garbage(html_page: bool) -> Response {
    let (body, ct): (Bytes, &'static str) = if html_page {
        (
            Bytes::from_static(
                b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>\n<body><p>Checking your browser before accessing the site.</p></body></html>\n",
            ),
            "text/html; charset=utf-8",
        )
    } else {
        (
            Bytes::from_static(
                b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\xcf\x06\x00\xff\xfe{\"st",
            ),
            JSON_UTF8,
        )
    };
    let mut resp = Response::new(Body::from(body));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

/// A storm's 429: the observed HTML; with `headers`, the documented `X-RateLimit-*`
/// saying the budget is spent until the storm ends.
fn storm_answer(until: Instant, headers: bool, limit: u32) -> Response {
    let mut resp = rate_limit::too_many_requests();
    if headers {
        let left = until.saturating_duration_since(Instant::now());
        let reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        RateHeaders {
            limit,
            remaining: 0,
            reset,
        }
        .apply(resp.headers_mut());
    }
    resp
}

/// What the layer decided for one request.
enum Plan {
    Outage(Duration),
    Storm { until: Instant, headers: bool },
    Mix(Fault),
    Strike(Strike),
    Clean,
}

/// Middleware: decides a fault for each `/api/` request and applies it.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let ctl = req
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|c| c.0.0.clone());
    let Some(handling) = shared.gate.admit() else {
        // An outage is beginning: nothing more is handled.
        return cut(ctl.as_ref());
    };
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let now = Instant::now();
    let (n, plan) = {
        let mut st = shared.lock();
        let n = st.faults.count();
        let windows = st.faults.kinds.windows(n + 1, now);
        if windows.revoke {
            st.auth.expire_all();
            st.stats.revocations += 1;
        }
        let plan = if windows.outage {
            st.stats.outages += 1;
            let length = st.faults.kinds.faults().outage.map(|w| w.length);
            Plan::Outage(length.unwrap_or(Duration::from_secs(1)))
        } else if let Some(until) = windows.storm {
            st.stats.storm_refused += 1;
            let headers = st.faults.kinds.storm_at(now).is_none_or(|(_, h)| h);
            Plan::Storm { until, headers }
        } else if let Some(f) = st.faults.mix(shared.seed, n, write) {
            Plan::Mix(f)
        } else if let Some(s) = st.faults.kinds.strike(shared.seed, n + 1, write) {
            match s {
                Strike::Reset { .. } => st.stats.resets += 1,
                Strike::Truncate { .. } => st.stats.truncated += 1,
                Strike::Garbage { .. } => st.stats.garbage += 1,
                Strike::Spike(_) => st.stats.spikes += 1,
            }
            Plan::Strike(s)
        } else {
            Plan::Clean
        };
        if !matches!(plan, Plan::Clean) {
            st.stats.faults += 1;
        }
        (n, plan)
    };
    let tag = RequestTag::new(n, format!("{} {}", req.method(), req.uri().path()));
    let handle = |req: Request| REQUEST.scope(tag.clone(), next.run(req));
    let (resp, lost) = match plan {
        Plan::Clean => (handle(req).await, false),
        Plan::Outage(length) => {
            drop(handling);
            shared.gate.begin_outage(length);
            return cut(ctl.as_ref());
        }
        Plan::Storm { until, headers } => {
            let limit = shared.lock().rate.limit();
            return storm_answer(until, headers, limit);
        }
        Plan::Mix(fault) => {
            tracing::debug!(?fault, path = %req.uri().path(), "sandbox fault");
            if let Kind::Slow(extra) = fault.kind {
                tokio::time::sleep(extra).await;
                return handle(req).await;
            }
            if fault.after {
                // The change happens; its answer is lost.
                let _ = handle(req).await;
            }
            let resp = answer(fault.kind)
                .unwrap_or_else(|| html(StatusCode::BAD_GATEWAY, "502 Bad Gateway"));
            (resp, true)
        }
        Plan::Strike(strike) => {
            tracing::debug!(?strike, path = %req.uri().path(), "sandbox fault");
            match strike {
                Strike::Spike(extra) => {
                    let resp = handle(req).await;
                    tokio::time::sleep(extra).await;
                    (resp, false)
                }
                Strike::Reset { after: false } => (cut(ctl.as_ref()), true),
                Strike::Reset { after: true } => {
                    let resp = handle(req).await;
                    (reset_mid_body(resp, ctl).await, true)
                }
                Strike::Truncate { after, long_length } => {
                    let (parts, bytes) = if after {
                        take(handle(req).await).await
                    } else {
                        let mut resp = Response::new(Body::empty());
                        resp.headers_mut()
                            .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
                        (resp.into_parts().0, Bytes::from_static(ENVELOPE_START))
                    };
                    (truncated(parts, bytes, long_length, ctl.as_ref()), true)
                }
                Strike::Garbage { after, html } => {
                    if after {
                        let _ = handle(req).await;
                    }
                    (garbage(html), true)
                }
            }
        }
    };
    if lost && tag.wrote() {
        shared.lock().answer_lost(n);
    }
    drop(handling);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_proportional() {
        let run = || {
            let mut f = FaultState::new(0.3, Faults::default());
            (0..2000).map(|_| f.next(9, true)).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|f| f.is_some()).count();
        assert!((450..750).contains(&n), "{n}");
        assert!(a.iter().flatten().any(|f| f.after));
        assert!(a.iter().flatten().any(|f| !f.after));
        let mut none = FaultState::new(0.0, Faults::default());
        assert!((0..100).all(|_| none.next(1, false).is_none()));
    }
}
