//! One search grammar: `export --search` takes what the console's `s` box takes. Terms
//! API /1 cannot search (`department:Sales`) are matched over the listed users, and the
//! export holds exactly the users the console shows for the same text.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;
mod console_common;

use std::collections::BTreeSet;

use bulk_common::{Cli, all_users, client, sandbox};
use console_common::Console;
use crossterm::event::{KeyCode, KeyModifiers};
use onelogin_tui::api::{User, status_name};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig, Scope};

/// More than two pages of users, so the local terms filter across cursors.
async fn setup() -> (Sandbox, Cli, Vec<User>) {
    let sb = sandbox(SandboxConfig {
        users: 130,
        ..SandboxConfig::default()
    })
    .await;
    let users = all_users(
        &client(&sb),
        &["email", "firstname", "department", "status"],
    )
    .await;
    let cli = Cli::new(&sb.url());
    (sb, cli, users)
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}

/// Runs `export ARGS -o FILE`; the header and the ids of the rows written.
async fn exported(cli: &Cli, args: &[&str]) -> (Vec<String>, Vec<i64>) {
    let path = cli.path("search.csv");
    let p = path.to_string_lossy().into_owned();
    let mut full = vec!["export"];
    full.extend_from_slice(args);
    full.extend(["-o", p.as_str()]);
    let out = cli.run(&full).await;
    assert_eq!(out.code, 0, "{out:?}");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let ids = reader
        .records()
        .map(|r| r.unwrap()[0].parse::<i64>().unwrap())
        .collect();
    (header, ids)
}

fn ids_where(users: &[User], keep: impl Fn(&User) -> bool) -> Vec<i64> {
    users.iter().filter(|u| keep(u)).map(|u| u.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_search_on_department_gives_exactly_that_department() {
    let (_sb, cli, users) = setup().await;
    let sales = ids_where(&users, |u| text(&u.department) == "Sales");
    assert!(
        !sales.is_empty() && sales.len() < users.len(),
        "the tenant has Sales and others"
    );

    // `--columns` narrows `fields` to id,email: the department is still asked for.
    let (header, got) = exported(
        &cli,
        &["--search", "department:Sales", "--columns", "id,email"],
    )
    .await;
    assert_eq!(header, ["id", "email"], "the columns asked for, no more");
    assert_eq!(got, sales);

    // The default columns hold no department either; case does not matter.
    let (_, got) = exported(&cli, &["--search", "department:sales"]).await;
    assert_eq!(got, sales);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_search_combines_a_server_term_and_a_local_term() {
    let (_sb, cli, users) = setup().await;
    let want = ids_where(&users, |u| {
        text(&u.firstname).to_lowercase().starts_with('j')
            && text(&u.department).to_lowercase().contains("ing")
    });
    assert!(!want.is_empty(), "some J* in a department with `ing`");
    let (_, got) = exported(
        &cli,
        &[
            "--search",
            "firstname:j* department:*ing*",
            "--columns",
            "id",
        ],
    )
    .await;
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_search_negates_local_terms() {
    let (_sb, cli, users) = setup().await;
    let want = ids_where(&users, |u| text(&u.department) != "Sales");
    let (_, got) = exported(&cli, &["--search", "department:!Sales"]).await;
    assert_eq!(got, want);

    // `!` covers the status number and its name alike.
    let active = ids_where(&users, |u| u.status == Some(1));
    assert!(!active.is_empty() && active.len() < users.len());
    let want = ids_where(&users, |u| u.status != Some(1));
    let (_, got) = exported(&cli, &["--search", "status:!1"]).await;
    assert_eq!(got, want);
    let (_, got) = exported(&cli, &["--search", "status:!active"]).await;
    assert_eq!(got, want);
    assert_eq!(status_name(1), "Active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_refuses_a_term_nobody_can_search() {
    let (sb, cli, _) = setup().await;
    let out = cli.run(&["export", "--search", "nickname:kat"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("--search: `nickname` is not searchable"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("department"), "{}", out.stderr);
    drop(sb);
}

/// The console's `s` search, every page loaded with `L`: the ids of the rows it shows.
async fn console_rows(sb: &Sandbox, search: &str) -> BTreeSet<i64> {
    let mut console = Console::new(sb, &sb.credential(Scope::ManageAll), None);
    console.start().await;
    console.keys("s").await;
    console.keys(search).await;
    console.key(KeyCode::Enter, KeyModifiers::NONE).await;
    assert!(console.errors().is_empty(), "{:?}", console.errors());
    let note = console.status_text();
    assert!(
        note.as_deref().is_some_and(|t| t.contains(
            "matched in the console over loaded pages (API /1 cannot search it): L loads every page"
        )),
        "{note:?}"
    );
    console.keys("L").await;
    assert!(console.state.users.complete, "every page loaded");
    let users = &console.state.users;
    users.rows.iter().map(|&i| users.all[i].id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_and_export_select_the_same_users_for_the_same_search() {
    let (sb, cli, users) = setup().await;
    for search in [
        "department:Sales",
        r#"email:*@example.com department:!Sales status:"active""#,
        "firstname:!j* department:*ing* status:!1",
    ] {
        let shown = console_rows(&sb, search).await;
        let (_, exported_ids) = exported(&cli, &["--search", search, "--columns", "id"]).await;
        let exported_ids: BTreeSet<i64> = exported_ids.into_iter().collect();
        assert!(
            !shown.is_empty() && shown.len() < users.len(),
            "{search}: a real selection ({} of {})",
            shown.len(),
            users.len()
        );
        assert_eq!(shown, exported_ids, "{search}");
    }
}
