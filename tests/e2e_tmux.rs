//! The real binary, driven inside tmux as an admin would: `onelogin-tui --sandbox` at 120x40,
//! filter, open a user, edit AWS_Role, save, read the request log, copy a curl command
//! (OSC 52 lands in tmux's buffer), then 80x24 and a resize. Skipped, visibly, when tmux is missing (fails under CI=true).

// A test helper that cannot go on has failed its test: unwrap is the assertion here.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod skip;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

impl Tmux {
    fn new(name: &str) -> Tmux {
        let home = tempfile::tempdir().unwrap();
        Tmux {
            socket: format!("onelogin-e2e-{name}-{}", std::process::id()),
            home,
        }
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .unwrap()
    }

    /// Starts the binary in a fresh session of the given size, with its own HOME and XDG dirs.
    fn start(&self, width: u16, height: u16, args: &[&str]) {
        let bin = env!("CARGO_BIN_EXE_onelogin-tui");
        let home = self.home.path();
        let command = format!(
            "cd {home} && env -u NO_COLOR HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state TERM=xterm-256color {bin} {}; sleep 30",
            args.join(" "),
            home = home.display()
        );
        let out = self.tmux(&[
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &command,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // OSC 52 from the application lands in tmux's paste buffer.
        self.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "main", key]);
        }
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "main", "-l", text]);
    }

    /// Waits until the screen shows `needle`; fails with the screen when it never does.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("never saw {needle:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen no longer shows `needle` (the console has left).
    fn wait_until_gone(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.screen().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "still showing {needle:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_files(&self) -> Vec<PathBuf> {
        let dir = self.home.path().join("state/onelogin-tui/logs");
        std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

fn read_all(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

#[test]
fn an_admin_edits_aws_role_and_reads_the_wire() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let t = Tmux::new("edit");
    // The tenant's own pages and the wire of a save: without the user cache (whose fill
    // would list every user first; tests/cache_* cover it).
    t.start(120, 40, &["--sandbox", "--no-cache"]);
    let screen = t.wait_for("@example.com");
    assert!(screen.contains("1 Users"), "{screen}");
    assert!(screen.contains("budget"), "{screen}");
    // Hostile names are visible text; the pane was not cleared or retitled by them.
    assert!(screen.contains("␛"), "{screen}");

    // `/` narrows the list as you type.
    t.keys(&["/"]);
    t.text("mallory");
    let screen = t.wait_for("/mallory");
    assert_eq!(screen.matches("@example.com").count(), 1, "{screen}");
    assert!(screen.contains("mallory@example.com"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for(" 1 of 50 users");
    // Esc clears the filter: every loaded user is back.
    t.keys(&["Escape"]);
    t.wait_for(" 50 of 50 users");

    // Open the first user; edit AWS_Role; save.
    t.keys(&["g", "Enter"]);
    t.wait_for("AWS_Role");
    let screen = t.wait_for("roles");
    let rows: Vec<&str> = screen.lines().collect();
    // The cursor starts on the first row under the header.
    let header = rows
        .iter()
        .position(|l| l.contains("field") && l.contains("value"))
        .unwrap();
    let aws = rows.iter().position(|l| l.contains("AWS_Role")).unwrap();
    for _ in 0..(aws - header - 1) {
        t.keys(&["j"]);
    }
    // x clears the value, e edits from empty.
    t.keys(&["x", "e"]);
    t.text("Administrator");
    t.keys(&["Enter"]);
    t.wait_for("1 unsaved");
    t.keys(&["C-s"]);
    let screen = t.wait_for("Saved custom attributes");
    assert!(screen.contains("Administrator"), "{screen}");

    // The request log shows the call and its body.
    t.keys(&["3"]);
    let screen = t.wait_for("set_custom_attributes");
    let line = screen
        .lines()
        .find(|l| l.contains("set_custom_attributes"))
        .unwrap();
    assert!(line.contains("PUT") && line.contains("200"), "{line}");
    t.keys(&["G"]);
    // Find the PUT row from the bottom: it is the newest write.
    let screen = t.screen();
    let rows: Vec<&str> = screen.lines().collect();
    let put = rows
        .iter()
        .rposition(|l| l.contains("set_custom_attributes"))
        .unwrap();
    let last = rows
        .iter()
        .rposition(|l| l.contains("/api/") || l.contains("/auth/"))
        .unwrap();
    for _ in 0..(last - put) {
        t.keys(&["k"]);
    }
    t.keys(&["Enter"]);
    let screen = t.wait_for("Request body");
    assert!(
        screen.contains("\"AWS_Role\": \"Administrator\""),
        "{screen}"
    );
    assert!(screen.contains("bearer:[REDACTED]"), "{screen}");
    assert!(screen.contains("message: Success"), "{screen}");

    // `c` copies a curl command through OSC 52: tmux keeps it in its buffer.
    t.keys(&["c"]);
    t.wait_for("Copied curl");
    let buffer = String::from_utf8_lossy(&t.tmux(&["show-buffer"]).stdout).into_owned();
    assert!(buffer.starts_with("curl "), "{buffer}");
    assert!(
        buffer.contains("set_custom_attributes") && buffer.contains("$ONELOGIN_TOKEN"),
        "{buffer}"
    );
    assert!(
        !buffer.contains("REDACTED"),
        "the curl command must work as copied: {buffer}"
    );

    // 80x24 and a resize keep working.
    t.keys(&["Escape", "1"]);
    t.tmux(&["resize-window", "-t", "main", "-x", "80", "-y", "24"]);
    let screen = t.wait_for("@example.com");
    assert!(screen.lines().count() <= 24, "{screen}");
    t.tmux(&["resize-window", "-t", "main", "-x", "50", "-y", "10"]);
    t.wait_for("needs at least");
    t.tmux(&["resize-window", "-t", "main", "-x", "120", "-y", "40"]);
    t.wait_for("@example.com");

    t.keys(&["q"]);
    t.wait_until_gone("1 Users");
    // No secret reached the log file.
    let logs = read_all(&t.log_files());
    assert!(!logs.is_empty(), "the log file was written");
    for secret in ["sandbox-client-secret", "sandbox-api-key"] {
        assert!(!logs.contains(secret), "{secret} leaked into the log");
    }
}

#[test]
fn read_only_blocks_writes_and_says_so() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let t = Tmux::new("ro");
    t.start(80, 24, &["--sandbox", "--read-only"]);
    let screen = t.wait_for("@example.com");
    assert!(screen.contains("[RO]"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for("firstname");
    t.keys(&["j", "e"]);
    t.text("Z");
    t.keys(&["C-s"]);
    std::thread::sleep(Duration::from_millis(300));
    let screen = t.screen();
    assert!(!screen.contains("unsaved"), "{screen}");
    assert!(!screen.contains("Saving"), "{screen}");
}

#[test]
fn an_admin_walks_a_users_sections_and_the_events_screen_at_80x24() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let t = Tmux::new("audit");
    t.start(80, 24, &["--sandbox"]);
    t.wait_for("@example.com");
    // The user view: each section read as it is shown.
    t.keys(&["j", "Enter"]);
    let screen = t.wait_for("firstname");
    assert!(
        screen.contains("Fields") && screen.contains("MFA factors"),
        "{screen}"
    );
    t.keys(&["Tab", "Tab"]);
    t.wait_for("prov. state");
    t.keys(&["Tab"]);
    // The seeded user 10002 has one factor.
    let screen = t.wait_for("device id");
    assert!(screen.contains("d remove"), "{screen}");
    t.keys(&["Tab"]);
    let screen = t.wait_for("time (UTC)");
    assert!(screen.contains("E all on the events screen"), "{screen}");
    // E: the same user's events on the events screen; Enter shows one whole.
    t.keys(&["E"]);
    let screen = t.wait_for("live · every");
    assert!(screen.contains("user 10002"), "{screen}");
    t.keys(&["Enter"]);
    let screen = t.wait_for("created_at");
    assert!(screen.contains("event_type_id"), "{screen}");
    assert!(screen.lines().count() <= 24, "{screen}");
    t.keys(&["Escape", "x"]);
    t.wait_for("every event");
    // q leaves the events screen for the users list; q there quits.
    t.keys(&["q"]);
    t.wait_for("@example.com");
    t.keys(&["q"]);
    t.wait_until_gone("1 Users");
}

/// Issue 10's walk: select 20 Active users, `!` → lock, and the list shows them Locked;
/// undo from past runs, and they are Active again.
#[test]
fn an_admin_locks_twenty_users_and_undoes_it() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let t = Tmux::new("lock");
    t.start(120, 40, &["--sandbox"]);
    t.wait_for("@example.com");
    let marked_and = |screen: &str, status: &str| {
        screen
            .lines()
            .filter(|l| l.starts_with("* ") && l.contains(status))
            .count()
    };
    // The first 20 Active users of the first page.
    t.keys(&["s", "C-u"]);
    t.text("status:active");
    t.keys(&["Enter"]);
    t.wait_for("search: status:active");
    for _ in 0..20 {
        t.keys(&["Space"]);
    }
    t.wait_for("20 selected");
    t.keys(&["!"]);
    t.wait_for("20 selected user(s) · Enter chooses");
    t.keys(&["Enter"]); // lock…
    t.wait_for("Lock for how many minutes?");
    t.keys(&["Enter"]); // the policy's time
    let preview = t.wait_for("sends: 20 × PUT /api/1/users/:id/lock_user");
    assert!(preview.contains("Action: lock"), "{preview}");
    t.keys(&["C-s"]);
    t.wait_for("Type 20 and Enter");
    t.text("20");
    t.keys(&["Enter"]);
    t.wait_for("20 done, 0 failed");
    // Without the search, the whole cached list: the 20 show Locked (the run's write-back
    // kept them in the cache, no reload from the tenant) and stay selected.
    t.keys(&["1", "s", "C-u", "Enter"]);
    t.wait_for("500 of 500 users");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut screen = t.screen();
    while marked_and(&screen, " Locked ") != 20 {
        assert!(Instant::now() < deadline, "not 20 locked:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
        screen = t.screen();
    }
    // Undo: past runs, `u` on the newest, the count typed.
    t.keys(&["2", "h"]);
    t.wait_for("finished");
    t.keys(&["u"]);
    t.wait_for("sends: 20 × POST /api/2/users/:id/unlock");
    t.keys(&["C-s"]);
    t.wait_for("Type 20 and Enter");
    t.text("20");
    t.keys(&["Enter"]);
    t.wait_for("20 done, 0 failed");
    t.keys(&["1"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = t.screen();
        if marked_and(&screen, " Active ") == 20 && marked_and(&screen, " Locked ") == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "not back to Active:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
    t.keys(&["q"]);
    t.wait_until_gone("1 Users");
}
