//! The request log as an HTTP Archive (HAR 1.2), for browser devtools and HTTP tools.
//!
//! Built from [`Exchange`]s, which are redacted before they are stored: the archive holds
//! no token, secret or API key. An exchange that got no answer is an entry with status 0
//! and the transport error in `_error` (HAR's place for fields of one's own).

use serde_json::{Value, json};

use super::exchange::Exchange;

/// What the archive says made it.
const CREATOR: &str = "onelogin-tui";

/// The archive of `exchanges`, in their order.
pub fn to_har<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>) -> Value {
    let entries: Vec<Value> = exchanges.into_iter().map(entry).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": CREATOR, "version": env!("CARGO_PKG_VERSION") },
            "pages": [],
            "entries": entries,
        }
    })
}

fn entry(e: &Exchange) -> Value {
    let ms = e.duration.as_secs_f64() * 1000.0;
    let mut entry = json!({
        "startedDateTime": e.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "time": ms,
        "request": request(e),
        "response": response(e),
        "cache": {},
        // Only the whole time is measured: it is the wait; the phases HAR allows -1 for
        // are unknown, and send/receive are required numbers.
        "timings": { "blocked": -1, "dns": -1, "connect": -1, "ssl": -1,
                     "send": 0, "wait": ms, "receive": 0 },
    });
    if let (Some(error), Some(map)) = (&e.error, entry.as_object_mut()) {
        map.insert("_error".into(), Value::from(error.as_str()));
    }
    entry
}

fn request(e: &Exchange) -> Value {
    let query: Vec<Value> = reqwest::Url::parse(&e.url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| json!({ "name": k, "value": v }))
                .collect()
        })
        .unwrap_or_default();
    let mut request = json!({
        "method": e.method,
        "url": e.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&e.request_headers),
        "queryString": query,
        "headersSize": -1,
        "bodySize": e.request_body.as_ref().map_or(0, |b| b.len()),
    });
    if let (Some(body), Some(map)) = (&e.request_body, request.as_object_mut()) {
        let mime = e
            .request_header("content-type")
            .unwrap_or("application/json");
        map.insert(
            "postData".into(),
            json!({ "mimeType": mime, "params": [], "text": body }),
        );
    }
    request
}

fn response(e: &Exchange) -> Value {
    let body = e.response_body.as_deref().unwrap_or_default();
    let mime = e.response_header("content-type").unwrap_or("");
    json!({
        "status": e.status.unwrap_or(0),
        "statusText": e.status.map_or("", reason),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&e.response_headers),
        "content": { "size": body.len(), "mimeType": mime, "text": body },
        "redirectURL": e.response_header("location").unwrap_or(""),
        "headersSize": -1,
        "bodySize": if e.status.is_some() { body.len() as i64 } else { -1 },
    })
}

fn headers(list: &[(String, String)]) -> Vec<Value> {
    list.iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

/// The reason phrase of a status ("Not Found"); "" for one http does not name.
fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn exchange(status: Option<u16>, error: Option<&str>) -> Exchange {
        Exchange {
            id: 1,
            started_at: chrono::Utc::now(),
            method: "PUT".into(),
            url: "https://acme.onelogin.com/api/1/users/7/set_custom_attributes?x=1".into(),
            request_headers: vec![
                ("authorization".into(), "bearer:[REDACTED]".into()),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: Some(r#"{"custom_attributes":{"AWS_Role":"Admin"}}"#.into()),
            status,
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: status.map(|_| r#"{"status":{"error":false}}"#.into()),
            duration: Duration::from_millis(42),
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn an_entry_carries_what_a_har_reader_needs_and_no_secret() {
        let har = to_har(&[exchange(Some(404), None)]);
        let e = &har["log"]["entries"][0];
        assert_eq!(har["log"]["version"], "1.2");
        assert_eq!(e["request"]["method"], "PUT");
        assert_eq!(e["request"]["queryString"][0]["name"], "x");
        assert_eq!(e["request"]["postData"]["mimeType"], "application/json");
        assert_eq!(e["response"]["status"], 404);
        assert_eq!(e["response"]["statusText"], "Not Found");
        assert_eq!(e["time"], 42.0);
        assert_eq!(e["timings"]["wait"], 42.0);
        let text = har.to_string();
        assert!(
            text.contains("bearer:[REDACTED]"),
            "the scheme stays, the token does not"
        );
    }

    #[test]
    fn no_answer_is_status_zero_with_the_error() {
        let har = to_har(&[exchange(None, Some("connection reset"))]);
        let e = &har["log"]["entries"][0];
        assert_eq!(e["response"]["status"], 0);
        assert_eq!(e["response"]["bodySize"], -1);
        assert_eq!(e["_error"], "connection reset");
    }
}
