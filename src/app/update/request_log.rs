//! The request log: the feed, filters, copy as curl, export.

use super::*;

pub(super) fn push_exchange(state: &mut AppState, exchange: std::sync::Arc<crate::api::Exchange>) {
    let log = &mut state.log;
    let seq = log.base + log.entries.len() as u64;
    let keep = crate::app::request_log::matches(&exchange, &log.filter, log.errors_only);
    log.entries.push_back(exchange);
    if keep {
        log.rows.push(seq);
    }
    while log.entries.len() > log.capacity {
        log.entries.pop_front();
        log.base += 1;
        if log.rows.first().is_some_and(|&s| s < log.base) {
            log.rows.remove(0);
            log.cursor = log.cursor.saturating_sub(1);
        }
        if log.detail.is_some_and(|(s, _)| s < log.base) {
            log.detail = None;
        }
    }
    if log.follow {
        log.cursor = log.rows.len().saturating_sub(1);
    }
    let height = state.list_height();
    let log = &mut state.log;
    log.offset = scroll_offset(log.offset, log.cursor, height, log.rows.len());
}

pub(super) fn refilter_log(state: &mut AppState) {
    let log = &mut state.log;
    let selected = log.rows.get(log.cursor).copied();
    log.rows = log
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| crate::app::request_log::matches(e, &log.filter, log.errors_only))
        .map(|(i, _)| log.base + i as u64)
        .collect();
    log.cursor = selected
        .and_then(|s| log.rows.iter().position(|&r| r >= s))
        .unwrap_or(log.rows.len().saturating_sub(1));
    let height = state.list_height();
    let log = &mut state.log;
    log.offset = scroll_offset(
        log.offset.min(log.cursor),
        log.cursor,
        height,
        log.rows.len(),
    );
}

pub(super) fn log_key(state: &mut AppState, action: KeyAction) -> Vec<Command> {
    let height = state.list_height();
    if let Some((seq, scroll)) = state.log.detail {
        let scroll = match action {
            KeyAction::Up => scroll.saturating_sub(1),
            KeyAction::Down => scroll.saturating_add(1),
            KeyAction::PageUp => scroll.saturating_sub(height as u16),
            KeyAction::PageDown => scroll.saturating_add(height as u16),
            KeyAction::Top => 0,
            KeyAction::CopyCurl => return copy_curl(state, seq),
            KeyAction::WriteLog => return write_log(state),
            _ => scroll,
        };
        state.log.detail = Some((seq, scroll));
        return Vec::new();
    }
    let log = &mut state.log;
    let last = log.rows.len().saturating_sub(1);
    match action {
        KeyAction::Up => {
            log.cursor = log.cursor.saturating_sub(1);
            log.follow = false;
        }
        KeyAction::Down => log.cursor = (log.cursor + 1).min(last),
        KeyAction::PageUp => {
            log.cursor = log.cursor.saturating_sub(height);
            log.follow = false;
        }
        KeyAction::PageDown => log.cursor = (log.cursor + height).min(last),
        KeyAction::Top => {
            log.cursor = 0;
            log.follow = false;
        }
        KeyAction::Bottom => log.cursor = last,
        KeyAction::Follow => {
            log.follow = !log.follow;
            if log.follow {
                log.cursor = last;
            }
        }
        KeyAction::Open => log.detail = log.rows.get(log.cursor).map(|&s| (s, 0)),
        KeyAction::Filter => log.filter_input = Some(line_input(&log.filter)),
        KeyAction::ErrorsOnly => {
            log.errors_only = !log.errors_only;
            refilter_log(state);
            return Vec::new();
        }
        KeyAction::CopyCurl => {
            if let Some(seq) = log.rows.get(log.cursor).copied() {
                return copy_curl(state, seq);
            }
        }
        KeyAction::WriteLog => return write_log(state),
        _ => {}
    }
    let log = &mut state.log;
    log.offset = scroll_offset(log.offset, log.cursor, height, log.rows.len());
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
