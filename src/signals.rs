//! The one signal handler: resolves when one of the signals asked for arrives.
//!
//! A headless run (and `onelogin-tui sandbox`) stops on Ctrl+C, SIGTERM or
//! SIGHUP: [`SHUTDOWN`]. The console in raw mode receives Ctrl+C as a key, so
//! it listens for SIGTERM and SIGHUP (the SSH link dropped) only: [`CONSOLE`].

use std::future::pending;

/// A signal a caller may wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl+C (SIGINT).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP: the terminal (or SSH link) went away.
    Hangup,
}

/// What stops a run without a console.
pub const SHUTDOWN: &[Signal] = &[Signal::Interrupt, Signal::Terminate, Signal::Hangup];

/// What stops the console: Ctrl+C arrives as a key in raw mode.
pub const CONSOLE: &[Signal] = &[Signal::Terminate, Signal::Hangup];

/// Resolves with the first of `signals` to arrive. A signal that cannot be
/// listened for (or none at all) never resolves. Listening starts at the first poll.
pub async fn wait_for(signals: &[Signal]) -> Signal {
    let waits: Vec<_> = signals.iter().map(|s| Box::pin(one(*s))).collect();
    if waits.is_empty() {
        return pending().await;
    }
    let (signal, _, _) = futures::future::select_all(waits).await;
    signal
}

#[cfg(unix)]
async fn one(signal: Signal) -> Signal {
    use tokio::signal::unix::{SignalKind, signal as listen};
    let kind = match signal {
        Signal::Interrupt => SignalKind::interrupt(),
        Signal::Terminate => SignalKind::terminate(),
        Signal::Hangup => SignalKind::hangup(),
    };
    match listen(kind) {
        Ok(mut stream) => {
            stream.recv().await;
            signal
        }
        Err(_) => pending().await,
    }
}

#[cfg(not(unix))]
async fn one(signal: Signal) -> Signal {
    match signal {
        Signal::Interrupt if tokio::signal::ctrl_c().await.is_ok() => signal,
        _ => pending().await,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_hangup_ends_the_wait() {
        let wait = wait_for(CONSOLE);
        tokio::pin!(wait);
        // The first poll installs the handlers: only then may the signal come.
        assert!(futures::poll!(wait.as_mut()).is_pending());
        let status = std::process::Command::new("sh")
            .args(["-c", &format!("kill -HUP {}", std::process::id())])
            .status()
            .unwrap();
        assert!(status.success());
        let got = tokio::time::timeout(Duration::from_secs(5), wait).await;
        assert_eq!(got, Ok(Signal::Hangup));
    }

    #[tokio::test]
    async fn nothing_to_wait_for_never_resolves() {
        let got = tokio::time::timeout(Duration::from_millis(50), wait_for(&[])).await;
        assert!(got.is_err());
    }
}
