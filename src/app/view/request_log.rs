//! The request log: every exchange, live; and the detail of one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::api::Exchange;
use crate::app::keymap::{Context, KeyAction};
use crate::app::layout;
use crate::app::modal::InputFor;
use crate::app::state::AppState;
use crate::theme::Theme;

use super::widgets::{key, safe, safe_owned};

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let [info, body] = layout::info_and_list(area);
    let log = &state.log;
    if let Some(detail) = log.detail {
        let (seq, scroll) = (detail.seq, detail.scroll);
        let title = Span::styled(
            format!(
                " exchange detail · {} copies as curl · {} sends again · {} back",
                key(&state.keymap, Context::RequestLog, KeyAction::CopyCurl),
                key(&state.keymap, Context::RequestLog, KeyAction::Resend),
                key(&state.keymap, Context::Global, KeyAction::Dismiss)
            ),
            theme.muted,
        );
        frame.render_widget(Paragraph::new(title), info);
        match log.get(seq) {
            Some(exchange) => {
                let lines = detail_lines(exchange, theme);
                frame.render_widget(
                    Paragraph::new(lines)
                        .wrap(Wrap { trim: false })
                        .scroll((scroll, 0)),
                    body,
                );
            }
            None => frame.render_widget(Paragraph::new(" this exchange has left the buffer"), body),
        }
        return;
    }
    draw_info(frame, info, state, theme);
    if log.rows.is_empty() {
        let text = if log.entries.is_empty() {
            " no requests yet"
        } else {
            " no request matches"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), body);
        return;
    }
    let header = Row::new(["time", "method", "path", "status", "ms"]).style(theme.header);
    let window = log
        .list
        .window(log.rows.len(), layout::rows_under_header(body));
    let start = window.start;
    let rows = log.rows[window].iter().enumerate().filter_map(|(i, &seq)| {
        let exchange = log.get(seq)?;
        let status = exchange
            .status
            .map_or_else(|| "ERR".to_string(), |s| s.to_string());
        let mut style = theme.http_status(exchange.status);
        if start + i == log.list.cursor() {
            style = style.patch(theme.selected);
        }
        Some(
            Row::new(vec![
                Cell::from(exchange.started_at.format("%H:%M:%S%.3f").to_string()),
                Cell::from(exchange.method.clone()),
                Cell::from(safe_owned(&exchange.path())),
                Cell::from(status),
                Cell::from(format!("{:.0}", exchange.duration.as_secs_f64() * 1000.0)),
            ])
            .style(style),
        )
    });
    let widths = [
        Constraint::Length(12),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        body,
    );
}

fn draw_info(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let log = &state.log;
    if let Some(input) = state.modals.input(&InputFor::LogFilter) {
        let [label, field] =
            Layout::horizontal([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
        frame.render_widget(Paragraph::new(Span::styled(" /", theme.key)), label);
        frame.render_widget(&input.text, field);
        return;
    }
    let mut spans = vec![Span::raw(format!(
        " {} of {} requests",
        log.rows.len(),
        log.entries.len()
    ))];
    spans.push(Span::styled(
        if log.follow {
            "  following".to_string()
        } else {
            format!(
                "  paused ({} follows)",
                key(&state.keymap, Context::RequestLog, KeyAction::Follow)
            )
        },
        theme.muted,
    ));
    if log.errors_only {
        spans.push(Span::styled("  errors only", theme.warn));
    }
    if !log.filter.is_empty() {
        spans.push(Span::styled(
            format!("  filter: /{}", safe(&log.filter)),
            theme.accent,
        ));
    }
    if log.missed > 0 {
        spans.push(Span::styled(format!("  {} missed", log.missed), theme.warn));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The whole exchange: request line, headers, bodies pretty-printed, and the parsed envelope.
pub fn detail_lines<'a>(exchange: &Exchange, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let status_style = theme.http_status(exchange.status);
    lines.push(Line::from(vec![
        Span::styled(exchange.method.clone(), theme.accent),
        Span::raw(" "),
        Span::raw(safe_owned(&exchange.url)),
    ]));
    let outcome = match (exchange.status, &exchange.error) {
        (Some(status), _) => format!("→ {status}"),
        (None, Some(error)) => format!("→ no answer: {}", safe(error)),
        (None, None) => "→ no answer".to_string(),
    };
    lines.push(Line::from(vec![
        Span::styled(outcome, status_style),
        Span::styled(
            format!(
                "  in {:.1} ms at {}",
                exchange.duration.as_secs_f64() * 1000.0,
                exchange.started_at.format("%Y-%m-%d %H:%M:%S%.3f UTC")
            ),
            theme.muted,
        ),
    ]));
    section(&mut lines, "Request headers", theme);
    headers(&mut lines, &exchange.request_headers, theme);
    if let Some(body) = &exchange.request_body {
        section(&mut lines, "Request body", theme);
        body_lines(&mut lines, body, theme.base);
    }
    section(&mut lines, "Response headers", theme);
    headers(&mut lines, &exchange.response_headers, theme);
    if let Some(body) = exchange.response_body.as_ref().filter(|b| !b.is_empty()) {
        section(&mut lines, "Response body", theme);
        body_lines(&mut lines, body, theme.base);
    }
    if let Some(envelope) = exchange.response_body.as_deref().and_then(envelope_summary) {
        section(&mut lines, "Envelope", theme);
        lines.push(Line::from(Span::styled(
            format!("  {}", safe(&envelope)),
            status_style,
        )));
    }
    lines
}

fn section(lines: &mut Vec<Line<'_>>, title: &str, theme: &Theme) {
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(title.to_string(), theme.header)));
}

fn headers(lines: &mut Vec<Line<'_>>, headers: &[(String, String)], theme: &Theme) {
    for (name, value) in headers {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}: ", safe(name)), theme.muted),
            Span::raw(safe_owned(value)),
        ]));
    }
}

/// JSON and XML pretty-printed; anything else (an HTML page, text) line by line as it came.
fn body_lines(lines: &mut Vec<Line<'_>>, body: &str, style: Style) {
    let pretty = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .or_else(|| pretty_xml(body))
        .unwrap_or_else(|| body.to_string());
    for line in pretty.lines() {
        lines.push(Line::from(Span::styled(format!("  {}", safe(line)), style)));
    }
}

/// A v3 `<user>` body indented, one element a line, text kept byte for byte beside its
/// element; `None` for anything that is not well-formed XML (HTML pages stay as they came).
pub fn pretty_xml(body: &str) -> Option<String> {
    use quick_xml::events::Event;
    let trimmed = body.trim_start();
    if !trimmed.starts_with('<') || trimmed.starts_with("<!DOCTYPE") || trimmed.starts_with("<html")
    {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(body);
    let mut out = String::with_capacity(body.len() * 2);
    let mut depth = 0usize;
    // Whether the open element has text: its end tag then stays on the same line.
    let mut inline = false;
    let line = |out: &mut String, depth: usize| {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&"  ".repeat(depth));
    };
    loop {
        let event = reader.read_event().ok()?;
        let raw = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                line(&mut out, depth);
                out.push_str(&format!("<{}>", raw(&e)));
                depth += 1;
                inline = false;
            }
            Event::End(e) => {
                depth = depth.checked_sub(1)?;
                if !inline {
                    line(&mut out, depth);
                }
                out.push_str(&format!("</{}>", raw(e.name().as_ref())));
                inline = false;
            }
            Event::Empty(e) => {
                line(&mut out, depth);
                out.push_str(&format!("<{}/>", raw(&e)));
            }
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) && !inline => {}
            Event::Text(t) => {
                out.push_str(&raw(&t));
                inline = true;
            }
            Event::GeneralRef(r) => {
                out.push_str(&format!("&{};", raw(&r)));
                inline = true;
            }
            Event::CData(c) => {
                out.push_str(&format!("<![CDATA[{}]]>", raw(&c)));
                inline = true;
            }
            Event::Decl(d) => {
                line(&mut out, depth);
                out.push_str(&format!("<?{}?>", raw(&d)));
            }
            Event::Comment(c) => {
                line(&mut out, depth);
                out.push_str(&format!("<!--{}-->", raw(&c)));
            }
            Event::PI(_) | Event::DocType(_) => return None,
        }
    }
    (depth == 0).then_some(out)
}

/// `error · code · type · message` from a /1 status envelope.
fn envelope_summary(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let status = value.get("status")?;
    let message = match status.get("message") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => format!(
            "{}: {}",
            o.get("attribute").and_then(|v| v.as_str()).unwrap_or("?"),
            o.get("description").and_then(|v| v.as_str()).unwrap_or("?")
        ),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Some(format!(
        "error: {} · code: {} · type: {} · message: {}",
        status
            .get("error")
            .map(|v| v.to_string())
            .unwrap_or_default(),
        status
            .get("code")
            .map(|v| v.to_string())
            .unwrap_or_default(),
        status.get("type").and_then(|v| v.as_str()).unwrap_or(""),
        message
    ))
}

#[cfg(test)]
mod tests {
    use super::pretty_xml;

    #[test]
    fn v3_bodies_are_indented_and_html_pages_are_left_alone() {
        let body = "<user><firstname>A &amp; B</firstname><roles type='array'><role>1</role></roles></user>";
        let pretty = pretty_xml(body).unwrap();
        assert_eq!(
            pretty,
            "<user>\n  <firstname>A &amp; B</firstname>\n  <roles type='array'>\n    <role>1</role>\n  </roles>\n</user>"
        );
        // Text and entity references stay as sent, on their element's line.
        let title =
            "<user><title>R&amp;D &lt;lead&gt; &quot;x&quot;</title><x nil=\"true\"/></user>";
        assert_eq!(
            pretty_xml(title).unwrap(),
            "<user>\n  <title>R&amp;D &lt;lead&gt; &quot;x&quot;</title>\n  <x nil=\"true\"/>\n</user>"
        );
        assert!(pretty_xml("<!DOCTYPE html><html><body><error></error></body></html>").is_none());
        assert!(pretty_xml("<user><open></user>").is_none());
        assert!(pretty_xml("not xml").is_none());
    }
}
