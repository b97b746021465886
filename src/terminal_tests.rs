use super::*;
use crate::theme::{ColorDepth, Theme};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

/// A user list as the console will draw it: title, header, 36 rows, status bar.
fn screen(frame: &mut Frame, theme: &Theme, selected: usize) {
    let [body, status] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(frame.area());
    let rows = (0..36).map(|i| {
        Row::new(vec![
            format!("{}", 100_000 + i),
            format!("user{i:02}@example.com"),
            format!("Firstname{i:02}"),
            format!("Lastname{i:02}"),
            if i % 3 == 0 { "Active" } else { "Suspended" }.to_string(),
            format!("2024-0{}-1{} 12:34", 1 + i % 9, i % 10),
        ])
        .style(if i % 7 == 0 { theme.marked } else { theme.base })
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Min(28),
            Constraint::Length(14),
            Constraint::Length(14),
            Constraint::Length(10),
            Constraint::Length(17),
        ],
    )
    .header(Row::new(["ID", "Email", "First", "Last", "Status", "Last login"]).style(theme.header))
    .row_highlight_style(theme.selected)
    .block(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Line::styled(" Users (36) ", theme.accent)),
    );
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, body, &mut state);
    frame.render_widget(
        Paragraph::new(" / filter  e edit  m mark  b bulk  L log  ? help  q quit")
            .style(theme.status_bar),
        status,
    );
}

#[test]
fn frame_costs_full_paint_then_nothing_then_a_row() {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let selections = [0, 0, 1, 1];
    let costs = count_frame_bytes(120, 40, selections.len(), |i, f| {
        screen(f, &theme, selections[i]);
    })
    .unwrap();
    let [full, same, moved, same_again] = [costs[0], costs[1], costs[2], costs[3]];
    println!(
        "120x40: full paint {} B, identical redraw {} B, cursor moved one row {} B, identical again {} B",
        full.bytes, same.bytes, moved.bytes, same_again.bytes
    );
    assert!(full.bytes > 4_000, "a full paint is some KB: {full:?}");
    assert!(same.bytes < 100, "an identical redraw: {same:?}");
    assert!(same_again.bytes < 100, "{same_again:?}");
    assert!(
        moved.bytes * 4 < full.bytes,
        "one row moved: {moved:?} vs {full:?}"
    );
    assert!(moved.bytes > same.bytes);
    for cost in &costs {
        assert_eq!(cost.writes, 1, "one frame, one write: {costs:?}");
    }
}

#[test]
fn the_frame_buffer_saves_writes() {
    let theme = Theme::load("dark", None, ColorDepth::Ansi256, false).unwrap();
    let options = || TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
    };
    type Crossterm<W> = ratatui::backend::CrosstermBackend<W>;

    let bare = ByteCounter::new();
    let mut t = Terminal::with_options(Crossterm::new(bare.clone()), options()).unwrap();
    draw_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();

    let buffered = ByteCounter::new();
    let writer = io::BufWriter::with_capacity(FRAME_BUFFER, buffered.clone());
    let mut t = Terminal::with_options(Crossterm::new(writer), options()).unwrap();
    draw_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();

    let framed = ByteCounter::new();
    let writer = FrameWriter::new(framed.clone());
    let mut t = Terminal::with_options(Crossterm::new(writer), options()).unwrap();
    draw_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();

    println!(
        "120x40 full paint, 256 colours: unbuffered {} writes, BufWriter {} writes, FrameWriter {} write ({} B)",
        bare.writes(),
        buffered.writes(),
        framed.writes(),
        framed.bytes()
    );
    assert_eq!(bare.bytes(), framed.bytes());
    assert_eq!(buffered.bytes(), framed.bytes());
    assert!(bare.writes() > 1_000);
    assert_eq!(
        buffered.writes(),
        2,
        "ratatui flushes before the end marker"
    );
    assert_eq!(framed.writes(), 1);
}

#[test]
fn frame_writer_holds_flushes_inside_a_frame_only() {
    let counter = ByteCounter::capturing();
    let mut w = FrameWriter::new(counter.clone());
    w.write_all(b"abc").unwrap();
    w.flush().unwrap();
    assert_eq!(
        (counter.writes(), counter.take_bytes()),
        (1, b"abc".to_vec())
    );

    w.write_all(SYNC_BEGIN).unwrap();
    w.write_all(b"frame").unwrap();
    w.flush().unwrap();
    assert_eq!(counter.writes(), 1, "held inside the frame");
    assert_eq!(w.pending(), SYNC_BEGIN.len() + 5);
    w.write_all(SYNC_END).unwrap();
    w.flush().unwrap();
    assert_eq!(counter.writes(), 2);
    assert_eq!(
        counter.take_bytes(),
        [SYNC_BEGIN, b"frame", SYNC_END].concat()
    );

    // A huge frame still goes out in 64 KiB pieces.
    w.write_all(SYNC_BEGIN).unwrap();
    for _ in 0..3 {
        w.write_all(&vec![b'x'; FRAME_BUFFER / 2 + 1]).unwrap();
    }
    assert!(counter.bytes() > FRAME_BUFFER);
    assert!(w.pending() < FRAME_BUFFER);

    // What crossterm writes for the markers is what the writer looks for.
    let mut ansi = String::new();
    ratatui::crossterm::Command::write_ansi(&BeginSynchronizedUpdate, &mut ansi).unwrap();
    assert_eq!(ansi.as_bytes(), SYNC_BEGIN);
    ansi.clear();
    ratatui::crossterm::Command::write_ansi(&EndSynchronizedUpdate, &mut ansi).unwrap();
    assert_eq!(ansi.as_bytes(), SYNC_END);
}

#[test]
fn a_frame_is_bracketed_and_a_repaint_clears_inside_it() {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, false).unwrap();
    let counter = ByteCounter::capturing();
    let backend = ratatui::backend::CrosstermBackend::new(FrameWriter::new(counter.clone()));
    let mut t = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    draw_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();
    let first = counter.take_bytes();
    assert!(first.starts_with(SYNC_BEGIN) && first.ends_with(SYNC_END));

    draw_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();
    let idle = counter.take_bytes();
    repaint_synchronized(&mut t, |f| screen(f, &theme, 0)).unwrap();
    let repaint = counter.take_bytes();
    assert!(repaint.starts_with(&[SYNC_BEGIN, b"\x1b[2J"].concat()));
    assert!(repaint.ends_with(SYNC_END));
    assert_eq!(counter.writes(), 3);
    println!(
        "80x24: full paint {} B, identical {} B, clear + repaint {} B",
        first.len(),
        idle.len(),
        repaint.len()
    );
    assert!(
        repaint.len() + 100 > first.len(),
        "a repaint paints everything"
    );
}

#[test]
fn no_color_frames_keep_reverse_video_and_send_no_colour() {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor, true).unwrap();
    // As Tui::enter does: with crossterm's own NO_COLOR, every colour change would
    // become a bare ESC[m and end the reverse video.
    ratatui::crossterm::style::force_color_output(true);
    let counter = ByteCounter::capturing();
    let backend = ratatui::backend::CrosstermBackend::new(FrameWriter::new(counter.clone()));
    let mut t = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
        },
    )
    .unwrap();
    draw_synchronized(&mut t, |f| screen(f, &theme, 2)).unwrap();
    let text = String::from_utf8(counter.take_bytes()).unwrap();
    assert!(text.contains("\x1b[7m"), "the selection is reverse video");
    assert!(
        !text.contains("\x1b[38;") && !text.contains("\x1b[48;"),
        "no colour"
    );
    assert!(!text.contains("\x1b[m"), "no bare SGR reset");
}

#[test]
fn osc52_plain_and_through_tmux() {
    let plain = osc52_sequence("hello", false, OSC52_CAP).unwrap();
    assert_eq!(plain, "\x1b]52;c;aGVsbG8=\x07");
    let tmux = osc52_sequence("hello", true, OSC52_CAP).unwrap();
    assert_eq!(
        tmux,
        "\x1b]52;c;aGVsbG8=\x07\x1bPtmux;\x1b\x1b]52;c;aGVsbG8=\x07\x1b\\"
    );
    // Control characters in the text are base64 too: nothing reaches the terminal raw.
    let nasty = osc52_sequence("a\x1b]0;pwned\x07\nb", false, OSC52_CAP).unwrap();
    assert_eq!(nasty.matches('\x1b').count(), 1);
    assert_eq!(osc52_sequence("", false, 10).unwrap(), "\x1b]52;c;\x07");

    let at_cap = "x".repeat(OSC52_CAP);
    let encoded = osc52_sequence(&at_cap, false, OSC52_CAP).unwrap();
    assert!(encoded.len() - "\x1b]52;c;\x07".len() <= 100_000);
    let over = "x".repeat(OSC52_CAP + 1);
    let error = osc52_sequence(&over, true, OSC52_CAP).unwrap_err();
    assert!(
        matches!(error, CopyError::TooLarge { size, cap } if size == OSC52_CAP + 1 && cap == OSC52_CAP)
    );
    let message = error.to_string();
    assert!(
        message.contains("74995") && message.contains("74994"),
        "{message}"
    );
    // The cap counts bytes, not characters.
    assert!(osc52_sequence("ééé", false, 5).is_err());
    assert!(osc52_sequence("ééé", false, 6).is_ok());
}

#[test]
fn the_crash_line_is_one_short_line_naming_the_log() {
    let line = crash_line(
        &format!("index out of bounds\n{}", "x".repeat(500)),
        "src/app/view/users.rs:42:7",
        std::path::Path::new("/home/a/.local/state/onelogin-tui/logs"),
    );
    assert!(!line.contains('\n'));
    assert!(line.len() < 300, "{line}");
    assert!(line.contains("index out of bounds…"));
    assert!(line.contains("users.rs:42:7"));
    assert!(line.contains("/home/a/.local/state/onelogin-tui/logs"));
    let line = crash_line(
        "bad \u{1b}[2J\u{202E}name",
        "x.rs:1:1",
        std::path::Path::new("/l"),
    );
    assert!(
        line.starts_with("onelogin-tui crashed: bad ␛[2J<U+202E>name (x.rs:1:1)"),
        "{line}"
    );
    let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("boom"));
    assert_eq!(panic_message(payload.as_ref()), "boom");
    let payload: Box<dyn std::any::Any + Send> = Box::new("static boom");
    assert_eq!(panic_message(payload.as_ref()), "static boom");
    let payload: Box<dyn std::any::Any + Send> = Box::new(42);
    assert_eq!(panic_message(payload.as_ref()), "(no message)");
}
