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
    log.rows = log
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| crate::app::request_log::matches(e, &log.filter, log.errors_only))
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
        _ => {}
    }
    Vec::new()
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
