//! `onelogin-tui apply / export / undo` as a user runs them: the real binary
//! against an in-process sandbox. Every refusal exits 1 and writes nothing.
// Helper functions here are part of the tests: a panic is a failed assertion
// (clippy.toml allows unwrap in #[test] functions only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_common;

use bulk_common::{Cli, all_users, client, sandbox};
use onelogin_tui::sandbox::{Sandbox, SandboxConfig};

async fn setup() -> (Sandbox, Cli, Vec<onelogin_tui::api::User>) {
    let sb = sandbox(SandboxConfig {
        users: 60,
        ..SandboxConfig::default()
    })
    .await;
    let users = all_users(&client(&sb), &["email", "username", "title"]).await;
    let cli = Cli::new(&sb.url());
    (sb, cli, users)
}

/// Writes `text` as `name` in the CLI's home and applies it with `--yes`.
async fn apply(cli: &Cli, name: &str, text: &[u8], extra: &[&str]) -> bulk_common::Output {
    let path = cli.path(name);
    std::fs::write(&path, text).unwrap();
    let p = path.to_string_lossy().into_owned();
    let mut args = vec!["apply", p.as_str(), "--yes"];
    args.extend_from_slice(extra);
    cli.run(&args).await
}

#[track_caller]
fn assert_refused(out: &bulk_common::Output, sb: &Sandbox, cli: &Cli, needle: &str) {
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains(needle),
        "{needle:?} not in {}",
        out.stderr
    );
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_eq!(sb.stats().writes, 0, "nothing written");
    assert!(!cli.runs_dir().exists() || std::fs::read_dir(cli.runs_dir()).unwrap().count() == 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_names_row_and_column_and_writes_nothing() {
    let (sb, cli, users) = setup().await;
    let (a, b) = (users[5].id, users[6].id);

    let out = apply(
        &cli,
        "col.csv",
        format!("id,nickname\n{a},x\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 1, column `nickname`: unknown column");

    let out = apply(
        &cli,
        "attr.csv",
        format!("id,custom_attributes.AWS_Role,custom_attributes.shoe_size\n{a},Admin,42\n")
            .as_bytes(),
        &[],
    )
    .await;
    assert_refused(
        &out,
        &sb,
        &cli,
        "line 1, column `custom_attributes.shoe_size`: unknown custom attribute `shoe_size`",
    );

    let out = apply(
        &cli,
        "dup.csv",
        format!("id,title\n{a},x\n{b},y\n{a},z\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(
        &out,
        &sb,
        &cli,
        &format!("line 4, column `id`: duplicate key `{a}`: already on line 2"),
    );

    let email = users[5].email.clone().unwrap();
    let out = apply(
        &cli,
        "dupmail.csv",
        format!("email,title\n{email},x\n{},y\n", email.to_uppercase()).as_bytes(),
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 3, column `email`: duplicate key");

    let out = apply(
        &cli,
        "badid.csv",
        format!("id,title\n{a},x\n12ab,y\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 3, column `id`: bad id `12ab`");

    // Saved by a spreadsheet or Python's csv module: CRLF line ends and a BOM (bug 10b).
    let out = apply(
        &cli,
        "crlf.csv",
        format!("\u{feff}id,title\r\n{a},x\r\n12ab,y\r\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 3, column `id`: bad id `12ab`");

    let out = apply(
        &cli,
        "unknown.csv",
        format!("id,title\n{a},x\n999999,y\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(
        &out,
        &sb,
        &cli,
        "line 3, column `id`: unknown user: no user has id 999999",
    );

    let out = apply(
        &cli,
        "unknownmail.csv",
        b"email,title\nnobody-at-all@example.com,x\n",
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 2, column `email`: unknown user");

    let out = apply(
        &cli,
        "state.csv",
        format!("id,state\n{a},approved\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(
        &out,
        &sb,
        &cli,
        "line 2, column `state`: state must be a whole number",
    );

    let out = apply(
        &cli,
        "short.csv",
        format!("id,title\n{a}\n").as_bytes(),
        &[],
    )
    .await;
    assert_refused(&out, &sb, &cli, "line 2:");

    let mut latin1 = format!("id,title\n{a},Caf").into_bytes();
    latin1.extend_from_slice(b"\xe9\n");
    let out = apply(&cli, "latin1.csv", &latin1, &[]).await;
    assert_refused(&out, &sb, &cli, "line 2: not UTF-8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bom_is_accepted_and_email_keys_resolve() {
    let (sb, cli, users) = setup().await;
    let c = client(&sb);
    let (a, b) = (&users[7], &users[8]);
    let text = format!(
        "\u{feff}email,title,custom_attributes.branch\n{},Bom Title,Lisbon\n{},Other Title,\n",
        a.email.clone().unwrap(),
        b.email.clone().unwrap()
    );
    let out = apply(&cli, "bom.csv", text.as_bytes(), &[]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let ua = c.get_user(a.id).await.unwrap();
    assert_eq!(ua.title.as_deref(), Some("Bom Title"));
    assert_eq!(ua.custom_attributes["branch"].as_deref(), Some("Lisbon"));
    let ub = c.get_user(b.id).await.unwrap();
    assert_eq!(ub.title.as_deref(), Some("Other Title"));
    // An empty cell clears.
    assert_eq!(
        ub.custom_attributes["branch"].clone().unwrap_or_default(),
        ""
    );
    let results = std::fs::read_to_string(cli.path("bom.results.csv")).unwrap();
    assert!(results.starts_with("email,status,message\n"), "{results}");
    assert_eq!(results.matches(",done,").count(), 2, "{results}");
    assert_eq!(
        std::fs::read_to_string(cli.path("bom.failed.csv")).unwrap(),
        "email,title,custom_attributes.branch\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_edit_apply_round_trips_and_undo_restores() {
    let (sb, cli, users) = setup().await;
    let c = client(&sb);
    let export = cli.path("users.csv");
    let out = cli
        .run(&[
            "export",
            "--columns",
            "id,email,title,department,group_id,custom_attributes.AWS_Role,custom_attributes.skype",
            "--output",
            &export.to_string_lossy(),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(&export).unwrap();
    assert!(text.starts_with(
        "id,email,title,department,group_id,custom_attributes.AWS_Role,custom_attributes.skype\n"
    ));

    // --search picks the users; stdout when no --output.
    let out = cli
        .run(&[
            "export",
            "--search",
            "email:b*@example.com",
            "--columns",
            "id,email",
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    let picked = users
        .iter()
        .filter(|u| u.email.as_deref().is_some_and(|e| e.starts_with('b')))
        .count();
    assert!(picked > 0);
    assert_eq!(out.stdout.lines().count(), picked + 1, "{}", out.stdout);
    let out = cli.run(&["export", "--columns", "id,status"]).await;
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("cannot be applied back"),
        "{}",
        out.stderr
    );

    // Unedited, the export is the current state: a dry run finds nothing to change.
    let out = cli
        .run(&["apply", &export.to_string_lossy(), "--dry-run"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("nothing to change"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("0 user(s) to change, 0 call(s); 60 unchanged"),
        "{}",
        out.stdout
    );

    // Edit: ten users get a new title and AWS_Role; one gets a taken email (fails alone).
    let mut reader = csv::Reader::from_path(&export).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let taken = users[1].email.clone().unwrap();
    for (i, row) in rows.iter_mut().enumerate().skip(10).take(11) {
        let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
        if i == 20 {
            cells[1] = taken.clone();
        } else {
            cells[2] = format!("Edited {i}");
            cells[5] = "ReadOnly".into();
        }
        *row = csv::StringRecord::from(cells);
    }
    let edited = cli.path("edited.csv");
    let mut w = csv::Writer::from_path(&edited).unwrap();
    w.write_record(&headers).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    drop(w);

    let out = cli
        .run(&["apply", &edited.to_string_lossy(), "--dry-run"])
        .await;
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("11 user(s) to change"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("49 unchanged user(s) skipped"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("estimated time"), "{}", out.stdout);
    assert!(
        out.stdout.contains("dry run: nothing was written"),
        "{}",
        out.stdout
    );
    assert_eq!(sb.stats().writes, 0);

    // Without --yes and without a terminal: refused.
    let out = cli.run(&["apply", &edited.to_string_lossy()]).await;
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);

    let reports = cli.path("reports");
    let out = cli
        .run(&[
            "apply",
            &edited.to_string_lossy(),
            "--yes",
            "--concurrency",
            "3",
            "--report-dir",
            &reports.to_string_lossy(),
        ])
        .await;
    assert_eq!(out.code, 2, "one row failed: {out:?}");
    assert!(out.stdout.contains("10 done, 1 failed"), "{}", out.stdout);
    let results = std::fs::read_to_string(reports.join("edited.results.csv")).unwrap();
    assert_eq!(
        results.lines().count(),
        61,
        "one line per input row + header"
    );
    assert_eq!(results.matches(",done,").count(), 10);
    assert_eq!(results.matches(",unchanged,").count(), 49);
    // One PUT /api/2/users/:id carries the row's fields and attributes: the taken email
    // refuses it whole, in the /2 error's words.
    assert!(
        results.contains("failed,422: Validation failed: email has already been taken"),
        "{results}"
    );
    let failed = std::fs::read_to_string(reports.join("edited.failed.csv")).unwrap();
    assert_eq!(failed.lines().count(), 2, "{failed}");
    assert!(failed.contains(&taken));
    let u = c.get_user(users[10].id).await.unwrap();
    assert_eq!(u.title.as_deref(), Some("Edited 10"));
    assert_eq!(u.custom_attributes["AWS_Role"].as_deref(), Some("ReadOnly"));

    // Undo the run: everything back as exported.
    let run = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("run "))
        .and_then(|l| l.split(':').next())
        .unwrap()
        .to_string();
    let out = cli.run(&["undo", &run, "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let out = cli
        .run(&["apply", &export.to_string_lossy(), "--dry-run"])
        .await;
    assert!(out.stdout.contains("nothing to change"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_apply_previews_and_writes_nothing() {
    let (sb, cli, users) = setup().await;
    let id = users[5].id;
    let text = format!("id,custom_attributes.AWS_Role\n{id},read-only-check\n");
    // Before or after the subcommand, --read-only holds.
    for flags in [
        &["--read-only"][..],
        &["--profile", "default", "--read-only"][..],
    ] {
        let out = apply(&cli, "ro.csv", text.as_bytes(), flags).await;
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stderr.contains("read-only"), "{}", out.stderr);
        assert!(out.stdout.contains("1 user(s) to change"), "{}", out.stdout);
    }
    assert_eq!(sb.stats().writes, 0, "a read-only apply wrote");
    let out = cli.run(&["resume", "--read-only"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("read-only"), "{}", out.stderr);
    assert_eq!(sb.stats().writes, 0);
}

/// A user record is text anyone may have typed: an export never hands a spreadsheet a
/// formula, is private to its owner, and applied unchanged changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_cells_are_guarded_and_an_export_applies_back_unchanged() {
    let (sb, cli, users) = setup().await;
    let c = client(&sb);
    let id = users[3].id;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let mut values = std::collections::BTreeMap::new();
    values.insert("skype".to_string(), formula.to_string());
    c.set_custom_attributes(id, &values).await.unwrap();
    let mut update = onelogin_tui::api::UserUpdate::default();
    update.set("title", serde_json::json!("@SUM(A1)"));
    c.update_user(id, &update).await.unwrap();

    let export = cli.path("users.csv");
    let out = cli
        .run(&[
            "export",
            "--columns",
            "id,title,phone,custom_attributes.skype",
            "--output",
            &export.to_string_lossy(),
        ])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&export).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the export holds user data: {mode:o}");
    }
    let mut reader = csv::Reader::from_path(&export).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let row = rows.iter().find(|r| r[0] == id.to_string()).unwrap();
    assert_eq!(&row[1], "'@SUM(A1)");
    assert_eq!(&row[3], format!("'{formula}"));
    // No cell of the file starts a formula.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
        }
    }
    assert!(rows.iter().any(|r| r[2].starts_with("'+")), "phones +1…");

    // Read back, every guarded cell is its value again: nothing to change.
    let out = cli
        .run(&["apply", &export.to_string_lossy(), "--dry-run"])
        .await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("nothing to change"), "{}", out.stdout);

    // The log files of these runs are private too (in a private folder).
    use std::os::unix::fs::PermissionsExt;
    let logs = cli.path("state/onelogin-tui/logs");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&logs), 0o700);
    let files: Vec<_> = std::fs::read_dir(&logs).unwrap().flatten().collect();
    assert!(!files.is_empty());
    for file in files {
        assert_eq!(mode(&file.path()), 0o600, "{}", file.path().display());
    }
}
