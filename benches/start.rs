//! Start: from process start to the first frame that shows users, against a sandbox tenant
//! that is already running.
//!
//! The release binary runs in tmux at 120x40. Each run waits behind a FIFO inside its tmux
//! pane; the clock starts when the bench opens the FIFO (the `exec` follows at once) and
//! stops when `tmux capture-pane` first shows a user's e-mail. The pane is polled every
//! 2 ms, so a figure is late by up to one poll plus one `capture-pane` (a few ms).
//! Prints `BENCH start skipped <reason>` when tmux is missing.
// A bench that cannot set up has failed: unwrap and expect say so loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use onelogin_tui::sandbox::{Sandbox, SandboxConfig};

use common::{ms, percentile, report};

const RUNS: usize = 12;
const WARM_UP: usize = 2;
const POLL: Duration = Duration::from_millis(2);

struct Tmux {
    /// A socket in the bench's temp folder: nothing is left behind in /tmp/tmux-UID.
    socket: std::path::PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self, session: &str) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", session]).stdout)
            .into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// One start: spawn behind the FIFO, release it, wait for an e-mail on screen.
fn one_start(tmux: &Tmux, home: &std::path::Path, url: &str, run: usize) -> Duration {
    let bin = env!("CARGO_BIN_EXE_onelogin-tui");
    let fifo = home.join(format!("go-{run}"));
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let c = SandboxConfig::default();
    let session = format!("start{run}");
    let command = format!(
        "read go < {fifo}; cd {home} && exec env -u NO_COLOR HOME={home} XDG_CONFIG_HOME={home}/config \
         XDG_STATE_HOME={home}/state TERM=xterm-256color ONELOGIN_API_URL={url} \
         ONELOGIN_CLIENT_ID={id} ONELOGIN_CLIENT_SECRET={secret} {bin}",
        fifo = fifo.display(),
        home = home.display(),
        id = c.client_id,
        secret = c.client_secret,
    );
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Opening the FIFO blocks until the pane's shell waits on it: then the clock starts.
    let mut go = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let t0 = Instant::now();
    go.write_all(b"\n").unwrap();
    drop(go);
    let deadline = t0 + Duration::from_secs(20);
    let took = loop {
        let screen = tmux.screen(&session);
        if screen.contains("@example.com") {
            break t0.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "no user on screen after 20 s:\n{screen}"
        );
        std::thread::sleep(POLL);
    };
    let _ = tmux.run(&["kill-session", "-t", &session]);
    took
}

fn main() {
    if !tmux_available() {
        println!("BENCH start skipped tmux-not-found");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: home.path().join("tmux.sock"),
    };
    // The tmux server first, with a session that keeps it up between runs.
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "keep",
        "-x",
        "120",
        "-y",
        "40",
        "sleep 3600",
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            SandboxConfig::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let url = sandbox.url();
    let mut samples = Vec::new();
    for run in 0..WARM_UP + RUNS {
        let took = one_start(&tmux, home.path(), &url, run);
        if run >= WARM_UP {
            samples.push(took);
        }
    }
    eprintln!(
        "start: {RUNS} runs: {:?} ms",
        samples.iter().map(|d| ms(*d).round()).collect::<Vec<_>>()
    );
    report(
        "start_first_frame_p50",
        ms(percentile(&samples, 50.0)),
        "ms",
    );
    report(
        "start_first_frame_max",
        ms(percentile(&samples, 100.0)),
        "ms",
    );
    drop(tmux);
    runtime.block_on(sandbox.shutdown());
}
