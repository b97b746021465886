//! The request log: the feed, filters, copy as curl, export.

use super::*;
use crate::app::state::Detail;

pub(super) fn push_exchange(state: &mut AppState, exchange: std::sync::Arc<crate::api::Exchange>) {
    let height = layout::rows(state, ListId::RequestLog);
    let log = &mut state.log;
    let seq = log.base + log.entries.len() as u64;
    let keep = crate::app::request_log::matches(&exchange, &log.filter, log.errors_only);
    log.entries.push_back(exchange);
    if keep {
        log.rows.push(seq);
    }
    let mut cursor = log.list.cursor();
    while log.entries.len() > log.capacity {
        log.entries.pop_front();
        log.base += 1;
        if log.rows.first().is_some_and(|&s| s < log.base) {
            log.rows.remove(0);
            cursor = cursor.saturating_sub(1);
        }
        if log.detail.is_some_and(|d| d.seq < log.base) {
            log.detail = None;
        }
    }
    if log.follow {
        cursor = log.rows.len().saturating_sub(1);
    }
    log.list.select(cursor, log.rows.len(), height);
}

pub(super) fn refilter_log(state: &mut AppState) {
    let height = layout::rows(state, ListId::RequestLog);
    let log = &mut state.log;
    let selected = log.rows.get(log.list.cursor()).copied();
    let filter = crate::app::request_log::LogFilter::new(&log.filter, log.errors_only);
    log.rows = log
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.matches(e))
        .map(|(i, _)| log.base + i as u64)
        .collect();
    let cursor = selected
        .and_then(|s| log.rows.iter().position(|&r| r >= s))
        .unwrap_or(log.rows.len().saturating_sub(1));
    log.list.select(cursor, log.rows.len(), height);
}

pub(super) fn log_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    if let Some(detail) = state.log.detail {
        let page = u16::try_from(layout::rows(state, ListId::ExchangeDetail)).unwrap_or(u16::MAX);
        let scroll = match action {
            KeyAction::Up => detail.scroll.saturating_sub(1),
            KeyAction::Down => detail.scroll.saturating_add(1),
            KeyAction::PageUp => detail.scroll.saturating_sub(page),
            KeyAction::PageDown => detail.scroll.saturating_add(page),
            KeyAction::Top => 0,
            KeyAction::CopyCurl => return copy_curl(state, detail.seq),
            KeyAction::WriteLog => return write_log(state),
            KeyAction::WriteHar => return write_har(state),
            KeyAction::Resend => return resend(state, detail.seq),
            _ => detail.scroll,
        };
        state.log.detail = Some(Detail { scroll, ..detail });
        return Vec::new();
    }
    let height = layout::rows(state, ListId::RequestLog);
    let log = &mut state.log;
    let len = log.rows.len();
    if log.list.key(action, len, height) {
        // Moving up leaves the newest row: stop following; End follows again.
        match action {
            KeyAction::Up | KeyAction::PageUp | KeyAction::Top => log.follow = false,
            _ => {}
        }
        return Vec::new();
    }
    match action {
        KeyAction::Follow => {
            log.follow = !log.follow;
            if log.follow {
                log.list.key(KeyAction::Bottom, len, height);
            }
        }
        KeyAction::Open => {
            log.detail = log
                .rows
                .get(log.list.cursor())
                .map(|&seq| Detail { seq, scroll: 0 });
        }
        KeyAction::Filter => {
            let text = log.filter.clone();
            modal::input(state, InputFor::LogFilter, &text);
        }
        KeyAction::ErrorsOnly => {
            log.errors_only = !log.errors_only;
            refilter_log(state);
        }
        KeyAction::CopyCurl => {
            if let Some(seq) = log.rows.get(log.list.cursor()).copied() {
                return copy_curl(state, seq);
            }
        }
        KeyAction::WriteLog => return write_log(state),
        KeyAction::WriteHar => return write_har(state),
        KeyAction::Resend => {
            if let Some(seq) = log.rows.get(log.list.cursor()).copied() {
                return resend(state, seq);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// `W`: the exchanges the log shows (its filter applied) as a HAR 1.2 file.
pub(super) fn write_har(state: &mut AppState) -> Vec<Command> {
    let shown = state.log.rows.iter().filter_map(|&s| state.log.get(s));
    let har = crate::api::to_har(shown.map(|e| e.as_ref()));
    vec![Command::WriteExport {
        stem: "request-log".into(),
        extension: "har".into(),
        contents: serde_json::to_string_pretty(&har).unwrap_or_default(),
    }]
}

/// `r`: a read goes again at once; a write asks first, and not at all in read-only mode.
pub(super) fn resend(state: &mut AppState, seq: u64) -> Vec<Command> {
    let Some(exchange) = state.log.get(seq) else {
        return Vec::new();
    };
    let what = format!("{} {}", exchange.method, exchange.path());
    if let Some(why) = crate::api::resend_refusal(&exchange.url, exchange.request_body.as_deref()) {
        status(
            state,
            Level::Warning,
            Note::Text(format!("Not sent: {why}")),
        );
        return Vec::new();
    }
    let (method, url, body) = (
        exchange.method.clone(),
        exchange.url.clone(),
        exchange.request_body.clone(),
    );
    if crate::app::action::reads_only(&method) {
        return vec![Command::Resend {
            what,
            method,
            url,
            body,
        }];
    }
    if state.read_only {
        status(
            state,
            Level::Warning,
            Note::Text(format!(
                "Read-only: {what} is a write and is not sent again"
            )),
        );
        return Vec::new();
    }
    modal::ask(
        state,
        Question::Resend {
            what,
            method,
            url,
            body,
        },
    );
    Vec::new()
}

pub(super) fn on_resent(
    state: &mut AppState,
    what: String,
    result: Result<(), crate::api::ApiError>,
) {
    match result {
        Ok(()) => toast(
            state,
            Level::Success,
            Note::Text(format!(
                "Sent {what} again: the new exchange is at the end of the log"
            )),
        ),
        Err(e) => failed(state, Doing::Resend(what), Failure::Api(e)),
    }
}

pub(super) fn copy_curl(state: &mut AppState, seq: u64) -> Vec<Command> {
    let Some(exchange) = state.log.get(seq) else {
        return Vec::new();
    };
    let what = format!("curl for {} {}", exchange.method, exchange.path());
    vec![Command::Copy {
        what,
        text: exchange.to_curl(),
    }]
}

pub(super) fn write_log(state: &mut AppState) -> Vec<Command> {
    let contents: String = state
        .log
        .rows
        .iter()
        .filter_map(|&s| state.log.get(s))
        .map(|e| e.to_jsonl() + "\n")
        .collect();
    vec![Command::WriteExport {
        stem: "request-log".into(),
        extension: "jsonl".into(),
        contents,
    }]
}

#[cfg(test)]
#[path = "request_log_tests.rs"]
mod tests;
