//! Which exchanges the request log shows: the `/` text filter and "errors only".

use crate::api::Exchange;

/// How much of each body the text filter searches: enough for any envelope message.
const BODY_SEARCH_LIMIT: usize = 8 * 1024;

/// Whether an answer counts as an error: 4xx, 5xx, or no answer at all.
pub fn is_error(exchange: &Exchange) -> bool {
    exchange.status.is_none_or(|s| s >= 400)
}

pub fn matches(exchange: &Exchange, filter: &str, errors_only: bool) -> bool {
    if errors_only && !is_error(exchange) {
        return false;
    }
    if filter.is_empty() {
        return true;
    }
    let needle = filter.to_lowercase();
    let status = exchange.status.map(|s| s.to_string()).unwrap_or_default();
    let head = |body: &Option<String>| {
        body.as_deref().map(|b| {
            let end = (0..=BODY_SEARCH_LIMIT.min(b.len()))
                .rev()
                .find(|i| b.is_char_boundary(*i))
                .unwrap_or(0);
            b[..end].to_lowercase()
        })
    };
    [
        Some(exchange.method.to_lowercase()),
        Some(exchange.url.to_lowercase()),
        Some(status),
        exchange.error.as_ref().map(|e| e.to_lowercase()),
        head(&exchange.request_body),
        head(&exchange.response_body),
    ]
    .into_iter()
    .flatten()
    .any(|text| text.contains(&needle))
}
