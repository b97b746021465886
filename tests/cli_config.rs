//! Settings as a user meets them through the real binary: profile names that are not
//! plain words, and the documented XDG locations of the config file, the logs and the
//! run journals. Each run has its own home and environment (`Command::env`), so nothing
//! here reads or changes this process's environment.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use std::path::Path;

use bulk_common::{Cli, Output, all_users, client, sandbox};
use onelogin_tui::sandbox::SandboxConfig;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs the binary with the tenant taken from the config file only.
async fn run_without_api_url(
    cli: &Cli,
    args: &[&str],
    env: &[(&str, &Path)],
    unset: &[&str],
) -> Output {
    let mut cmd = cli.command(args);
    cmd.env_remove("ONELOGIN_API_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let out = cmd.output().await.unwrap();
    let o = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!(
        "$ onelogin-tui {} → exit {}\n{}",
        args.join(" "),
        o.code,
        o.stderr
    );
    o
}

/// Issue 8, bug 10a: `[profiles."acme.prod"]` with ONELOGIN_CLIENT_ID/SECRET in the
/// environment authenticates. A profile `acme` with a `prod` table beside it must not be
/// confused with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dotted_profile_authenticates_with_the_environment_credentials() {
    let sb = sandbox(SandboxConfig {
        users: 12,
        ..SandboxConfig::default()
    })
    .await;
    let cli = Cli::new(&sb.url());
    // No secret in the file: the credential comes from the environment only.
    write(
        &cli.path("config/onelogin-tui/config.toml"),
        &format!(
            "[profiles.acme]\nbase_url = \"https://acme.invalid\"\n\n\
             [profiles.\"acme.prod\"]\nbase_url = \"{}\"\n\n\
             [profiles.\"acme prod\"]\nbase_url = \"{}\"\n",
            sb.url(),
            sb.url()
        ),
    );
    for profile in ["acme.prod", "acme prod"] {
        let out = run_without_api_url(
            &cli,
            &["--profile", profile, "export", "--columns", "id,email"],
            &[],
            &[],
        )
        .await;
        assert_eq!(out.code, 0, "{profile}: {out:?}");
        assert!(out.stdout.starts_with("id,email\n"), "{}", out.stdout);
        assert_eq!(out.stdout.lines().count(), 13, "{}", out.stdout);
    }
    assert!(sb.stats().api_calls >= 2);
}

/// The documented locations: `$XDG_CONFIG_HOME/onelogin-tui/config.toml`,
/// `$XDG_STATE_HOME/onelogin-tui/{logs,runs}`, and without those variables
/// `~/.config/onelogin-tui/config.toml` and `~/.local/state/onelogin-tui/{logs,runs}`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_found_and_written_where_the_readme_says() {
    let sb = sandbox(SandboxConfig {
        users: 12,
        ..SandboxConfig::default()
    })
    .await;
    let users = all_users(&client(&sb), &["title"]).await;
    let cli = Cli::new(&sb.url());
    let home = cli.home.path();
    let config = format!(
        "profile = \"t\"\n[profiles.t]\nbase_url = \"{}\"\n",
        sb.url()
    );
    let csv = cli.path("one.csv");
    std::fs::write(&csv, format!("id,title\n{},Fixed title\n", users[0].id)).unwrap();
    let csv = csv.to_string_lossy().into_owned();

    // With the XDG variables (the harness sets XDG_CONFIG_HOME=home/config and
    // XDG_STATE_HOME=home/state).
    write(&home.join("config/onelogin-tui/config.toml"), &config);
    let out = run_without_api_url(&cli, &["apply", &csv, "--yes"], &[], &[]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(home.join("state/onelogin-tui/logs").is_dir());
    assert_eq!(
        std::fs::read_dir(home.join("state/onelogin-tui/runs"))
            .unwrap()
            .count(),
        1
    );

    // Without them: under HOME. The XDG folders above are not touched again.
    std::fs::remove_dir_all(home.join("config")).unwrap();
    std::fs::remove_dir_all(home.join("state")).unwrap();
    write(&home.join(".config/onelogin-tui/config.toml"), &config);
    let out = run_without_api_url(
        &cli,
        &["export", "--columns", "id"],
        &[],
        &["XDG_CONFIG_HOME", "XDG_STATE_HOME"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 13, "{}", out.stdout);
    std::fs::write(&csv, format!("id,title\n{},Other title\n", users[1].id)).unwrap();
    let out = run_without_api_url(
        &cli,
        &["apply", &csv, "--yes"],
        &[],
        &["XDG_CONFIG_HOME", "XDG_STATE_HOME"],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(home.join(".local/state/onelogin-tui/logs").is_dir());
    assert!(home.join(".local/state/onelogin-tui/runs").is_dir());
    assert!(!home.join("state").exists() && !home.join("config").exists());

    // An XDG variable that is set wins over HOME: the file under HOME now names a port
    // where nothing listens, the one under XDG_CONFIG_HOME the sandbox.
    write(
        &home.join(".config/onelogin-tui/config.toml"),
        "profile = \"t\"\n[profiles.t]\nbase_url = \"http://127.0.0.1:1\"\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    write(&elsewhere.path().join("onelogin-tui/config.toml"), &config);
    let out = run_without_api_url(
        &cli,
        &["export", "--columns", "id"],
        &[("XDG_CONFIG_HOME", elsewhere.path())],
        &[],
    )
    .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout.lines().count(), 13, "{}", out.stdout);
}
