//! The lifecycle verbs of the real binary against the sandbox (issue 10): `lock` on the
//! users a search names, under faults, and `undo` of it; `delete`'s confirmation (no
//! terminal, a wrong typed answer, the right one on a pseudo-terminal); `--read-only`
//! and `--dry-run` write nothing and leave no journal; a bad line of an `--ids` file is
//! refused by its number; a refused user exits 2 with the result files.
// Helper functions here are part of the tests: a panic is a failed assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;
mod skip;

use std::collections::BTreeMap;

use bulk_common::{Cli, Output, sandbox};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};
use tokio::io::AsyncWriteExt;

async fn tenant(users: usize, fault_rate: f64) -> Sandbox {
    sandbox(SandboxConfig {
        users,
        fault_rate,
        ..SandboxConfig::default()
    })
    .await
}

/// Every user the sandbox holds (its own listing, not the API's), as id → JSON.
fn every_user(sb: &Sandbox, users: usize) -> BTreeMap<i64, serde_json::Value> {
    let last = 10_001 + 3 * i64::try_from(users).unwrap();
    (10_001..=last)
        .filter_map(|id| sb.user_json(id).map(|u| (id, u)))
        .collect()
}

fn int(u: &serde_json::Value, key: &str) -> i64 {
    u[key].as_i64().unwrap()
}

fn journals(cli: &Cli) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(cli.runs_dir())
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// The binary on a pseudo-terminal (`script`), with `answer` typed at its prompt.
async fn typed(cli: &Cli, args: &[&str], answer: &str) -> Output {
    let bin = env!("CARGO_BIN_EXE_onelogin-tui");
    let line = std::iter::once(bin)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    // The same isolated environment as every other run of the binary.
    let cmd = cli.command(&[]);
    let mut script = tokio::process::Command::new("script");
    script
        .args(["-qec", &line, "/dev/null"])
        .env_clear()
        .envs(cmd.as_std().get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(cli.home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = script.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{answer}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let o = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    eprintln!(
        "$ script … {line} (typed {answer:?}) → exit {}\n{}",
        o.code, o.stdout
    );
    o
}

#[tokio::test]
async fn lock_by_search_under_faults_locks_exactly_those_users_and_undo_puts_them_back() {
    let users = 400;
    let sb = tenant(users, 0.0).await;
    let before = every_user(&sb, users);
    let sales: Vec<i64> = before
        .iter()
        .filter(|(_, u)| u["department"] == "Sales")
        .map(|(id, _)| *id)
        .collect();
    let were_locked: Vec<i64> = sales
        .iter()
        .filter(|id| int(&before[id], "status") == 3)
        .copied()
        .collect();
    assert!(sales.len() >= 20, "{} Sales users", sales.len());
    sb.set_fault_rate(0.05);
    let cli = Cli::new(&sb.url());

    let out = cli
        .run(&["lock", "--search", "department:Sales", "--yes"])
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            "lock plan: {} user(s) to change",
            sales.len() - were_locked.len()
        )),
        "{}",
        out.stdout
    );
    sb.set_fault_rate(0.0);
    let after = every_user(&sb, users);
    for (id, u) in &after {
        let want = if sales.contains(id) {
            3
        } else {
            int(&before[id], "status")
        };
        assert_eq!(int(u, "status"), want, "user {id}");
    }
    let runs = journals(&cli);
    assert_eq!(runs.len(), 1);
    let head: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&runs[0])
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(head["meta"]["kind"], "lock");
    let run = head["meta"]["run"].as_str().unwrap().to_string();

    sb.set_fault_rate(0.05);
    let out = cli.run(&["undo", &run, "--yes"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    sb.set_fault_rate(0.0);
    assert!(sb.stats().faults > 0, "the runs met faults");
    // Every user's status as before the lock: the Active ones unlocked, the others (a
    // Suspended user, say) given their own status back rather than made Active.
    let undone = every_user(&sb, users);
    let mut unlocked = 0;
    for (id, u) in &undone {
        let was = int(&before[id], "status");
        assert_eq!(int(u, "status"), was, "user {id}");
        unlocked += usize::from(sales.contains(id) && !were_locked.contains(id) && was == 1);
    }
    assert!(unlocked > 0, "some Sales users were Active and are again");
}

#[tokio::test]
async fn delete_needs_yes_or_the_count_and_the_word_typed() {
    let sb = tenant(20, 0.0).await;
    let cli = Cli::new(&sb.url());
    let ids = [10_002_i64, 10_003, 10_004];
    let ids: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| sb.user_json(*id).is_some())
        .collect();
    let file = cli.path("doomed.txt");
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    let alive = |sb: &Sandbox| ids.iter().filter(|id| sb.user_json(**id).is_some()).count();

    // No terminal, no --yes.
    let out = cli.run(&["delete", "--ids", file]).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    assert!(out.stdout.contains("cannot be undone"), "{}", out.stdout);
    assert_eq!(alive(&sb), ids.len());
    assert!(journals(&cli).is_empty());

    if !skip::need("script", "--version") {
        return;
    }
    let n = ids.len().to_string();
    // The count alone is not enough for a delete; nor is the word alone.
    for wrong in [n.as_str(), "delete", "yes"] {
        let out = typed(&cli, &["delete", "--ids", file], wrong).await;
        assert_eq!(out.code, 1, "typed {wrong:?}");
        assert!(
            out.stdout
                .contains(&format!("Type `{n} delete` to confirm")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("cancelled"), "{}", out.stdout);
        assert_eq!(alive(&sb), ids.len(), "typed {wrong:?}: nothing deleted");
    }
    assert!(journals(&cli).is_empty());
    let out = typed(&cli, &["delete", "--ids", file], &format!("{n} delete")).await;
    assert_eq!(out.code, 0);
    assert_eq!(alive(&sb), 0);
}

#[tokio::test]
async fn read_only_previews_every_verb_and_writes_nothing() {
    let sb = tenant(60, 0.0).await;
    let cli = Cli::new(&sb.url());
    let all = every_user(&sb, 60);
    // Something for every verb: a locked user, one not approved, an active approved one.
    let pick = |f: &dyn Fn(&serde_json::Value) -> bool| {
        *all.iter().find(|(id, u)| **id > 10_001 && f(u)).unwrap().0
    };
    let ids = [
        pick(&|u| int(u, "status") == 3),
        pick(&|u| int(u, "state") != 1 && int(u, "status") == 1),
        pick(&|u| int(u, "state") == 1 && int(u, "status") == 1),
    ];
    let file = cli.path("ids.txt");
    std::fs::write(&file, ids.map(|i| i.to_string()).join("\n")).unwrap();
    let file = file.to_str().unwrap();
    let writes = sb.stats().writes;
    for verb in [
        &["lock"][..],
        &["unlock"],
        &["logout"],
        &["delete"],
        &["set-state", "approved"],
    ] {
        let mut args = verb.to_vec();
        args.extend(["--ids", file, "--yes", "--read-only"]);
        let out = cli.run(&args).await;
        assert_eq!(out.code, 0, "{verb:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("read-only: {} shows the preview", verb[0])),
            "{verb:?}: {}",
            out.stderr
        );
        assert!(
            out.stdout.contains("dry run: nothing was written"),
            "{verb:?}: {}",
            out.stdout
        );
    }
    assert_eq!(sb.stats().writes, writes, "nothing was written");
    assert!(journals(&cli).is_empty(), "no journal");
    assert_eq!(every_user(&sb, 60), all);
}

#[tokio::test]
async fn an_ids_file_with_a_bad_line_is_refused_by_its_number() {
    let sb = tenant(20, 0.0).await;
    let cli = Cli::new(&sb.url());
    let file = cli.path("ids.txt");
    std::fs::write(&file, "# the first two\n10002\n\n10003x\n10004\n").unwrap();
    let writes = sb.stats().writes;
    let out = cli
        .run(&["logout", "--ids", file.to_str().unwrap(), "--yes"])
        .await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("line 4: `10003x` is not a user id: one positive whole number a line"),
        "{}",
        out.stderr
    );
    assert_eq!(sb.stats().writes, writes);
    assert!(journals(&cli).is_empty());
}

#[tokio::test]
async fn dry_run_by_csv_previews_and_leaves_no_journal() {
    let sb = tenant(30, 0.0).await;
    let cli = Cli::new(&sb.url());
    let all = every_user(&sb, 30);
    let active: Vec<(&i64, &serde_json::Value)> = all
        .iter()
        .filter(|(id, u)| **id > 10_001 && int(u, "status") == 1)
        .take(3)
        .collect();
    // Keyed by email; the other columns (as an export has them) are ignored.
    let mut csv = String::from("email,department,custom_attributes.nope\n");
    for (_, u) in &active {
        csv.push_str(&format!("{},Ignored,x\n", u["email"].as_str().unwrap()));
    }
    let file = cli.path("users.csv");
    std::fs::write(&file, csv).unwrap();
    let out = cli
        .run(&[
            "lock",
            "--csv",
            file.to_str().unwrap(),
            "--minutes",
            "15",
            "--dry-run",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("change: lock for 15 minute(s)"));
    for (id, _) in &active {
        assert!(
            out.stdout.contains(&format!("user {id} ")),
            "{}",
            out.stdout
        );
    }
    assert!(out.stdout.contains("lock plan: 3 user(s) to change"));
    assert!(out.stdout.contains("dry run: nothing was written"));
    assert!(!cli.runs_dir().exists(), "no journal, not even its folder");
    assert!(!cli.path("users.results.csv").exists());
    assert_eq!(every_user(&sb, 30), all);
}

#[tokio::test]
async fn a_refused_user_exits_2_with_the_result_files() {
    let sb = tenant(20, 0.0).await;
    let cli = Cli::new(&sb.url());
    // The account owner (10001) cannot be deleted, even with Manage All.
    let file = cli.path("some.txt");
    std::fs::write(&file, "id\n10001\n10002\n").unwrap();
    let out = cli
        .run(&["delete", "--ids", file.to_str().unwrap(), "--yes"])
        .await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(sb.user_json(10_001).is_some());
    assert!(sb.user_json(10_002).is_none());
    let results = std::fs::read_to_string(cli.path("some.results.csv")).unwrap();
    assert!(
        results.contains("10001,failed,403: The account owner cannot be deleted"),
        "{results}"
    );
    assert!(results.contains("10002,done,"), "{results}");
    let failed = std::fs::read_to_string(cli.path("some.failed.csv")).unwrap();
    assert_eq!(failed, "id\n10001\n");
}
