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

    /// The shell line that runs the binary with its own HOME and XDG dirs.
    fn command(&self, args: &[&str]) -> String {
        let bin = env!("CARGO_BIN_EXE_onelogin-tui");
        let home = self.home.path();
        format!(
            "cd {home} && env -u NO_COLOR HOME={home} XDG_CONFIG_HOME={home}/config XDG_STATE_HOME={home}/state TERM=xterm-256color {bin} {}; sleep 30",
            args.join(" "),
            home = home.display()
        )
    }

    /// Runs the binary again in the same pane (the session, and so the tmux server, stay:
    /// a server that exits with its last session races the next one starting).
    fn restart(&self, args: &[&str]) {
        let out = self.tmux(&["respawn-pane", "-k", "-t", "main", &self.command(args)]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the binary in a fresh session of the given size, with its own HOME and XDG dirs.
    fn start(&self, width: u16, height: u16, args: &[&str]) {
        let command = self.command(args);
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

    /// Waits until nothing is in flight and no cache refresh is going (the status line).
    fn wait_until_settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            let status = screen
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            if status.contains("idle") && !status.contains("refreshing") {
                return;
            }
            assert!(Instant::now() < deadline, "never settled:\n{screen}");
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

    /// Opens the first user of the list and sets AWS_Role to `value`, unsaved.
    fn edit_first_users_aws_role(&self, value: &str) {
        self.keys(&["g", "Enter"]);
        self.wait_for("AWS_Role");
        let screen = self.wait_for("roles");
        let rows: Vec<&str> = screen.lines().collect();
        // The cursor starts on the first row under the header.
        let header = rows
            .iter()
            .position(|l| l.contains("field") && l.contains("value"))
            .unwrap();
        let aws = rows.iter().position(|l| l.contains("AWS_Role")).unwrap();
        for _ in 0..(aws - header - 1) {
            self.keys(&["j"]);
        }
        // x clears the value, e edits from empty.
        self.keys(&["x", "e"]);
        self.text(value);
        self.keys(&["Enter"]);
        self.wait_for("1 unsaved");
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
    t.edit_first_users_aws_role("Administrator");
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
    // The cache's first refresh may still be going: rows replaced under the cursor would
    // move it while Space is pressed. Select once the list has settled.
    t.wait_until_settled();
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

/// A sandbox tenant served by the real binary in a process of its own, on an ephemeral
/// loopback port; stopped when dropped.
struct Tenant {
    child: std::process::Child,
    url: String,
}

impl Tenant {
    fn serve(users: u32, seed: u32) -> Tenant {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_onelogin-tui"))
            .args(["sandbox", "--listen", "127.0.0.1:0", "--no-cache"])
            .args(["--users", &users.to_string(), "--seed", &seed.to_string()])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        // The rest is read to the end: a closed pipe would stop the tenant at its next line.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        Tenant { child, url }
    }
}

impl Drop for Tenant {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_admin_switches_tenants_and_a_protected_save_asks_for_the_name() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let prod = Tenant::serve(60, 1);
    let test = Tenant::serve(40, 2);
    let t = Tmux::new("tenants");
    let dir = t.home.path().join("config/onelogin-tui");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "profile = \"prod\"\n\
             [profiles.prod]\nbase_url = \"{}\"\nclient_id = \"sandbox-client-id\"\n\
             client_secret = \"sandbox-client-secret\"\ncolor = \"red\"\nprotected = true\ncache = false\n\
             [profiles.test]\nbase_url = \"{}\"\nclient_id = \"sandbox-client-id\"\n\
             client_secret = \"sandbox-client-secret\"\ncolor = \"blue\"\ncache = false\n",
            prod.url, test.url
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    t.start(120, 40, &[]);
    // The first page of prod's 60 users.
    t.wait_for(" 50 of 50 users");
    let band = |t: &Tmux| {
        let out = t.tmux(&["capture-pane", "-p", "-e", "-t", "main"]);
        let screen = String::from_utf8_lossy(&out.stdout).into_owned();
        screen.lines().next().unwrap_or_default().to_string()
    };
    // prod: its name on a red band (colour 1) at the top left, [protected] below.
    assert!(band(&t).contains("48;5;1m prod "), "{}", band(&t));
    assert!(t.screen().contains("[protected]"));

    // `:profile test`, completed with Tab: the other tenant, on a blue band (colour 4).
    t.keys(&[":"]);
    t.text("profile t");
    t.keys(&["Tab"]);
    t.wait_for(":profile test");
    t.keys(&["Enter"]);
    let screen = t.wait_for(" 40 of 40 users");
    assert!(screen.contains("test@127.0.0.1"), "{screen}");
    assert!(!screen.contains("[protected]"), "{screen}");
    assert!(band(&t).contains("48;5;4m test "), "{}", band(&t));

    // Back to prod: the same list, as it was left.
    t.keys(&[":"]);
    t.text("profile prod");
    t.keys(&["Enter"]);
    t.wait_for("prod@127.0.0.1");
    t.wait_for(" 50 of 50 users");
    assert!(band(&t).contains("48;5;1m prod "), "{}", band(&t));

    // A save on prod waits for the profile's name.
    t.edit_first_users_aws_role("Auditor");
    t.keys(&["C-s"]);
    let screen = t.wait_for("is protected");
    assert!(screen.contains("Type prod"), "{screen}");
    assert!(screen.contains("1 custom attribute(s) of user"), "{screen}");
    t.text("test");
    t.keys(&["Enter"]);
    t.wait_for("\"test\" is not \"prod\": nothing was sent");
    t.text("prod");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Saved custom attributes");
    assert!(screen.contains("Auditor"), "{screen}");

    // The write reached prod and only prod.
    t.keys(&["3"]);
    let screen = t.wait_for("set_custom_attributes");
    assert!(
        screen.contains(&prod.url.replace("http://", "")),
        "{screen}"
    );
}

/// Issue 12's walk: in --sandbox, `:columns add custom_attributes.cost_center`, a `/`
/// filter, `:view save mine`, quit; started again with `--view mine`, the same columns
/// and filter. The view lands in the config file of the temporary XDG_CONFIG_HOME.
#[test]
fn a_saved_view_comes_back_at_the_next_start() {
    if !skip::need("tmux", "-V") {
        return;
    }
    let t = Tmux::new("views");
    t.start(120, 40, &["--sandbox"]);
    t.wait_for("@example.com");
    t.keys(&[":"]);
    t.text("columns add custom_attributes.cost");
    // Tab completes the tenant's attribute.
    t.keys(&["Tab"]);
    t.wait_for(":columns add custom_attributes.cost_center");
    t.keys(&["Enter"]);
    // The column's values (the line typed also said cost_center).
    let screen = t.wait_for("CC-1");
    let header = screen
        .lines()
        .find(|l| l.contains("email"))
        .unwrap_or_default();
    assert!(header.contains("cost_center"), "{screen}");
    t.keys(&["/"]);
    t.text("cc-100");
    t.keys(&["Enter"]);
    t.wait_for("filter: /cc-100");
    t.keys(&[":"]);
    t.text("view save mine");
    t.keys(&["Enter"]);
    t.wait_for("Saved view `mine`");

    let config = t.home.path().join("config/onelogin-tui/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("[profiles.sandbox.views.mine]"), "{text}");
    assert!(text.contains("custom_attributes.cost_center"), "{text}");
    assert!(!text.contains("secret"), "no secret is written:\n{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", config.display());
    }

    t.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(300));
    if t.screen().contains("Quit anyway") {
        t.keys(&["y"]);
    }
    t.wait_until_gone("1 Users");
    t.restart(&["--sandbox", "--view", "mine"]);
    // The rows' values, once loaded (the info line says the filter in lower case).
    t.wait_for("CC-100");
    let screen = t.wait_for("filter: /cc-100");
    let header = screen
        .lines()
        .find(|l| l.contains("email"))
        .unwrap_or_default();
    assert!(
        header.contains("cost_center"),
        "the view's columns are back:\n{screen}"
    );
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("@example")).collect();
    assert!(!rows.is_empty(), "{screen}");
    assert!(
        rows.iter().all(|l| l.to_lowercase().contains("cc-100")),
        "every row passes the filter:\n{screen}"
    );
}
