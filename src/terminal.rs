//! The terminal: raw mode and the alternate screen, frames written in one piece, the
//! clipboard over OSC 52, and a panic hook that gives the user their shell back.
//!
//! Built for SSH on slow links: every frame is bracketed by a synchronized update and
//! leaves in one `write` ([`FrameWriter`]); nothing here queries the terminal (no cursor
//! position or colour requests that would stall on a slow link or swallow keystrokes).
//!
//! `NO_COLOR` is the theme's job ([`crate::theme`]): [`Tui::enter`] turns crossterm's own
//! `NO_COLOR` handling off, because it replaces every colour with a bare `ESC[m`, which
//! also switches off reverse video and so the selection bar.

use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, PoisonError};
use std::thread::ThreadId;

use base64::Engine as _;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    BeginSynchronizedUpdate, Clear, ClearType, EndSynchronizedUpdate, EnterAlternateScreen,
    LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{execute, queue};
use ratatui::layout::{Rect, Size};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

/// What the console draws through: crossterm over a frame buffer on stdout.
pub type Backend = ratatui::backend::CrosstermBackend<FrameWriter<Stdout>>;

/// Bytes a [`FrameWriter`] holds before it writes anyway.
pub const FRAME_BUFFER: usize = 64 * 1024;

/// What crossterm writes for `BeginSynchronizedUpdate` / `EndSynchronizedUpdate`.
pub const SYNC_BEGIN: &[u8] = b"\x1b[?2026h";
pub const SYNC_END: &[u8] = b"\x1b[?2026l";

/// The most text [`osc52_sequence`] accepts: its base64 is 99,992 bytes, under the
/// 100,000 that common terminals (xterm, kitty, tmux) take in one OSC 52.
pub const OSC52_CAP: usize = 74_994;

/// A 64 KiB write buffer that turns a frame into one `write`.
///
/// ratatui flushes the backend at the end of `Terminal::draw`, before the caller can add
/// `EndSynchronizedUpdate`; with a plain `BufWriter` that makes two writes a frame (two
/// packets over SSH). This writer holds flushes from [`SYNC_BEGIN`] to [`SYNC_END`], so
/// the first flush after the end sends the whole frame at once. It still writes when the
/// buffer passes [`FRAME_BUFFER`]: inside a synchronized update the terminal shows nothing
/// until the end anyway.
///
/// Dropping it discards what was never flushed: a frame that did not finish is better
/// lost than painted over the user's shell after the screen was restored.
#[derive(Debug)]
pub struct FrameWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    in_frame: bool,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(inner: W) -> FrameWriter<W> {
        FrameWriter {
            inner,
            buf: Vec::with_capacity(FRAME_BUFFER),
            in_frame: false,
        }
    }

    /// The writer underneath.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Bytes waiting to be written.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.inner.write_all(&self.buf);
        // On error, what went out is unknown: resending would repeat part of a frame.
        self.buf.clear();
        result
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // crossterm writes each command with one `write_all`, so the markers arrive whole.
        if data == SYNC_BEGIN {
            self.in_frame = true;
        } else if data == SYNC_END {
            self.in_frame = false;
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= FRAME_BUFFER {
            self.write_out()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.in_frame {
            return Ok(());
        }
        self.write_out()?;
        self.inner.flush()
    }
}

/// An `io::Write` that counts what goes through it (and can keep a copy): for frame-size
/// tests and benchmarks. Clones share their counts, so keep one and give one away.
#[derive(Debug, Clone, Default)]
pub struct ByteCounter {
    bytes: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
    copy: Option<Arc<Mutex<Vec<u8>>>>,
}

impl ByteCounter {
    pub fn new() -> ByteCounter {
        ByteCounter::default()
    }

    /// A counter that also keeps every byte, for [`ByteCounter::take_bytes`].
    pub fn capturing() -> ByteCounter {
        ByteCounter {
            copy: Some(Arc::default()),
            ..ByteCounter::default()
        }
    }

    /// Bytes written since the last reset.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// `write` calls since the last reset (each one a syscall on a real stdout).
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::Relaxed)
    }

    pub fn reset(&self) {
        self.bytes.store(0, Ordering::Relaxed);
        self.writes.store(0, Ordering::Relaxed);
    }

    /// The bytes kept since the last call (empty unless made with `capturing`).
    pub fn take_bytes(&self) -> Vec<u8> {
        self.copy.as_ref().map_or_else(Vec::new, |copy| {
            std::mem::take(&mut *copy.lock().unwrap_or_else(PoisonError::into_inner))
        })
    }
}

impl Write for ByteCounter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.bytes.fetch_add(data.len(), Ordering::Relaxed);
        self.writes.fetch_add(1, Ordering::Relaxed);
        if let Some(copy) = &self.copy {
            copy.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(data);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One frame: `BeginSynchronizedUpdate`, `terminal.draw(render)`, `EndSynchronizedUpdate`,
/// flush. Over a [`FrameWriter`] that is one `write`. The end marker is sent even when the
/// draw fails, so the terminal never stays frozen mid-update.
pub fn draw_synchronized<W: Write>(
    terminal: &mut Terminal<ratatui::backend::CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    frame(terminal, false, render)
}

/// Like [`draw_synchronized`], but clears the screen and paints every cell, inside the
/// same synchronized frame (no blank flash). Needs no terminal query, unlike
/// `Terminal::clear`, which asks the terminal where its cursor is.
pub fn repaint_synchronized<W: Write>(
    terminal: &mut Terminal<ratatui::backend::CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    frame(terminal, true, render)
}

fn frame<W: Write>(
    terminal: &mut Terminal<ratatui::backend::CrosstermBackend<W>>,
    clear_first: bool,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = if clear_first {
        queue!(terminal.backend_mut(), Clear(ClearType::All)).map(|()| {
            // Both buffers blank: the next diff paints every non-blank cell.
            terminal.swap_buffers();
        })
    } else {
        Ok(())
    }
    .and_then(|()| terminal.draw(render).map(|_| ()));
    let ended = queue!(terminal.backend_mut(), EndSynchronizedUpdate)
        .and_then(|()| terminal.backend_mut().flush());
    drawn.and(ended)
}

/// What one frame cost on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCost {
    pub bytes: usize,
    /// `write` calls: syscalls, and at worst packets, on a real terminal.
    pub writes: usize,
}

/// A terminal of `width`×`height` that draws into a [`ByteCounter`] exactly as
/// [`Tui::draw`] draws to stdout, with no TTY. For tests and benchmarks.
pub fn measuring_terminal(
    width: u16,
    height: u16,
) -> io::Result<(
    Terminal<ratatui::backend::CrosstermBackend<FrameWriter<ByteCounter>>>,
    ByteCounter,
)> {
    // As `Tui::enter` does, so NO_COLOR in the environment does not change the counts.
    ratatui::crossterm::style::force_color_output(true);
    let counter = ByteCounter::new();
    let backend = ratatui::backend::CrosstermBackend::new(FrameWriter::new(counter.clone()));
    let terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
        },
    )?;
    Ok((terminal, counter))
}

/// Draws `frames` frames (`draw(i, frame)` for each `i`) on a `width`×`height` terminal
/// and returns what each one cost.
pub fn count_frame_bytes(
    width: u16,
    height: u16,
    frames: usize,
    mut draw: impl FnMut(usize, &mut Frame),
) -> io::Result<Vec<FrameCost>> {
    let (mut terminal, counter) = measuring_terminal(width, height)?;
    let mut costs = Vec::with_capacity(frames);
    for i in 0..frames {
        counter.reset();
        draw_synchronized(&mut terminal, |f| draw(i, f))?;
        costs.push(FrameCost {
            bytes: counter.bytes(),
            writes: counter.writes(),
        });
    }
    Ok(costs)
}

/// Why a copy to the clipboard did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "{size} bytes is too much for the terminal's clipboard (at most {cap} bytes); nothing was copied"
    )]
    TooLarge { size: usize, cap: usize },
    #[error("could not write to the terminal: {0}")]
    Io(String),
}

/// The bytes that put `text` on the clipboard: `ESC ] 52 ; c ; <base64> BEL`. Inside tmux,
/// the plain form (tmux takes it with `set -g set-clipboard on` and passes it on to the outer
/// terminal) followed by the passthrough form `ESC P tmux; <the same with every ESC doubled>
/// ESC \` (reaches the outer terminal with `set -g allow-passthrough on`): either setting
/// is enough. Refuses more than `cap` bytes of text.
pub fn osc52_sequence(text: &str, in_tmux: bool, cap: usize) -> Result<String, CopyError> {
    if text.len() > cap {
        return Err(CopyError::TooLarge {
            size: text.len(),
            cap,
        });
    }
    let osc = format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    );
    Ok(if in_tmux {
        format!("{osc}\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"))
    } else {
        osc
    })
}

/// Whether our terminal is in raw mode on the alternate screen right now. Shared with the
/// panic hook, so the terminal is restored once, by whichever comes first.
static TERMINAL_ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether mouse capture is on (`[ui] mouse = true`): turned off by whichever restore
/// comes first, or the user's shell would receive mouse reports as text.
static MOUSE_ACTIVE: AtomicBool = AtomicBool::new(false);
/// The thread that entered the terminal: a panic there is the UI's.
static UI_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);
static LOG_DIR: OnceLock<PathBuf> = OnceLock::new();
static PANIC_HOOK: Once = Once::new();

/// Where the log files are, for the one line the panic hook prints. Set once by main;
/// later calls are ignored.
pub fn set_log_dir(dir: PathBuf) {
    let _ = LOG_DIR.set(dir);
}

/// Installs (once) a panic hook that, for a panic on the UI thread, first gives the
/// terminal back (leaves the alternate screen, disables raw mode, shows the cursor), then
/// logs the message, location and backtrace with `tracing::error!`, then prints one short
/// line to stderr saying where the log is. Without a log dir it hands over to the previous
/// hook (Rust's default prints the panic to stderr).
///
/// A panic on another thread (a worker task) while the UI is up is logged only: the
/// screen stays the UI's, and printing on it would corrupt it.
pub fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let current = std::thread::current();
            let ui_thread = *UI_THREAD.lock().unwrap_or_else(PoisonError::into_inner);
            let on_ui = ui_thread.is_none_or(|id| id == current.id());
            if on_ui {
                restore_after_panic();
            }
            let message = panic_message(info.payload());
            let location = info
                .location()
                .map_or_else(|| "unknown location".to_string(), ToString::to_string);
            let backtrace = std::backtrace::Backtrace::force_capture();
            tracing::error!(
                target: "panic",
                thread = current.name().unwrap_or("unnamed"),
                "panic at {location}: {message}\n{backtrace}"
            );
            if TERMINAL_ACTIVE.load(Ordering::SeqCst) {
                return; // Another thread's panic, the UI still up: the log has it.
            }
            match LOG_DIR.get() {
                Some(dir) => {
                    let line = crash_line(&message, &location, dir);
                    let _ = writeln!(io::stderr(), "{line}");
                }
                None => previous(info),
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_string()
    }
}

/// The one line a crash leaves on the user's terminal.
fn crash_line(message: &str, location: &str, log_dir: &std::path::Path) -> String {
    let first = message.lines().next().unwrap_or_default();
    let mut short = crate::sanitize::one_line(&first.chars().take(80).collect::<String>());
    if first.chars().nth(80).is_some() || first.len() < message.len() {
        short.push('…');
    }
    format!(
        "onelogin-tui crashed: {short} ({location}); details in the log in {}",
        log_dir.display()
    )
}

/// The panic hook's restore: straight to stdout, past whatever the frame buffer holds.
fn restore_after_panic() {
    if !TERMINAL_ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    // CAN aborts an escape sequence a half-written frame may have left open.
    let _ = out.write_all(b"\x18");
    if MOUSE_ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(
        out,
        EndSynchronizedUpdate,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
}

/// The console's terminal, between [`Tui::enter`] and [`Tui::restore`] (or drop).
pub struct Tui {
    terminal: Terminal<Backend>,
    active: bool,
    repaint: bool,
}

impl Tui {
    /// Raw mode, alternate screen, bracketed paste, hidden cursor; stdout behind a 64 KiB
    /// [`FrameWriter`]. Installs the panic hook (once) and turns off crossterm's own
    /// `NO_COLOR` handling (the theme drops colours instead). Sends no terminal query.
    pub fn enter() -> io::Result<Tui> {
        install_panic_hook();
        ratatui::crossterm::style::force_color_output(true);
        *UI_THREAD.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(std::thread::current().id());
        enable_raw_mode()?;
        TERMINAL_ACTIVE.store(true, Ordering::SeqCst);
        let mut out = FrameWriter::new(io::stdout());
        let started = execute!(
            out,
            EnterAlternateScreen,
            EnableBracketedPaste,
            Hide,
            Clear(ClearType::All)
        )
        .and_then(|()| Terminal::new(ratatui::backend::CrosstermBackend::new(out)));
        match started {
            Ok(terminal) => Ok(Tui {
                terminal,
                active: true,
                repaint: false,
            }),
            Err(error) => {
                restore_after_panic();
                Err(error)
            }
        }
    }

    /// One frame, one write: [`draw_synchronized`] on stdout. After [`Tui::clear`], the
    /// frame clears the screen and paints everything.
    pub fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        if std::mem::take(&mut self.repaint) {
            repaint_synchronized(&mut self.terminal, render)
        } else {
            draw_synchronized(&mut self.terminal, render)
        }
    }

    /// The terminal's size now (an ioctl, not a query).
    pub fn size(&self) -> io::Result<Size> {
        self.terminal.size()
    }

    /// Makes the next [`Tui::draw`] clear the screen and repaint every cell, inside its
    /// synchronized frame: after a resize, or when something else wrote on the screen.
    /// (A size change alone is also caught by the draw itself.)
    pub fn clear(&mut self) -> io::Result<()> {
        self.repaint = true;
        Ok(())
    }

    /// Mouse capture (clicks, the wheel) until the terminal is restored, by
    /// [`Tui::restore`] or the panic hook.
    pub fn enable_mouse(&mut self) -> io::Result<()> {
        MOUSE_ACTIVE.store(true, Ordering::SeqCst);
        execute!(self.terminal.backend_mut(), EnableMouseCapture)
    }

    /// Puts `text` on the user's clipboard with OSC 52 (works over SSH), through tmux's
    /// passthrough when `$TMUX` is set. Returns the bytes copied.
    pub fn copy_to_clipboard(&mut self, text: &str) -> Result<usize, CopyError> {
        let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
        let sequence = osc52_sequence(text, in_tmux, OSC52_CAP)?;
        let out = self.terminal.backend_mut();
        out.write_all(sequence.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| CopyError::Io(e.to_string()))?;
        Ok(text.len())
    }

    /// Leaves raw mode and the alternate screen, turns bracketed paste off, shows the
    /// cursor. Idempotent; also called on drop.
    pub fn restore(&mut self) -> io::Result<()> {
        if !std::mem::replace(&mut self.active, false) {
            return Ok(());
        }
        if !TERMINAL_ACTIVE.swap(false, Ordering::SeqCst) {
            return Ok(()); // The panic hook got there first.
        }
        let mouse = if MOUSE_ACTIVE.swap(false, Ordering::SeqCst) {
            execute!(self.terminal.backend_mut(), DisableMouseCapture)
        } else {
            Ok(())
        };
        let written = execute!(
            self.terminal.backend_mut(),
            EndSynchronizedUpdate,
            DisableBracketedPaste,
            LeaveAlternateScreen,
            Show
        );
        let raw = disable_raw_mode();
        mouse.and(written).and(raw)
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if let Err(error) = self.restore() {
            tracing::warn!("restoring the terminal failed: {error}");
        }
    }
}

#[cfg(test)]
#[path = "terminal_tests.rs"]
mod tests;
