//! Fault injection on `/api/`: proxy errors, dropped connections, slow
//! answers. Deterministic from the seed and a request counter. For writes,
//! half of the faults strike after the change is applied (the answer is lost).

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::envelope::JSON_UTF8;
use super::state::Shared;

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
}

impl FaultState {
    pub(crate) fn new(rate: f64) -> FaultState {
        let mut f = FaultState {
            rate: 0.0,
            counter: 0,
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

    /// The fault (if any) for the next `/api/` request.
    pub(crate) fn next(&mut self, seed: u64, write: bool) -> Option<Fault> {
        let n = self.counter;
        self.counter += 1;
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

/// A 200 whose body breaks off: hyper aborts the connection mid-answer.
fn dropped() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(
            b"{\"status\":{\"error\":false,\"code\":200,",
        )),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection dropped",
        )),
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

/// Middleware: decides a fault for each `/api/` request and applies it.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let fault = {
        let mut st = shared.lock();
        let f = st.faults.next(shared.seed, write);
        if f.is_some() {
            st.stats.faults += 1;
        }
        f
    };
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    tracing::debug!(?fault, path = %req.uri().path(), "sandbox fault");
    if let Kind::Slow(extra) = fault.kind {
        tokio::time::sleep(extra).await;
        return next.run(req).await;
    }
    if fault.after {
        // The change happens; its answer is lost.
        let _ = next.run(req).await;
    }
    answer(fault.kind).unwrap_or_else(|| html(StatusCode::BAD_GATEWAY, "502 Bad Gateway"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_proportional() {
        let run = || {
            let mut f = FaultState::new(0.3);
            (0..2000).map(|_| f.next(9, true)).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let n = a.iter().filter(|f| f.is_some()).count();
        assert!((450..750).contains(&n), "{n}");
        assert!(a.iter().flatten().any(|f| f.after));
        assert!(a.iter().flatten().any(|f| !f.after));
        let mut none = FaultState::new(0.0);
        assert!((0..100).all(|_| none.next(1, false).is_none()));
    }
}
