//! The "outside" client: `tests/doc_client.py`, written from OneLogin's
//! documentation with Python's standard library only, runs against an
//! in-process sandbox; then `api::Client` reads its effects back. Skipped,
//! visibly, when python3 is missing (fails under CI=true).

mod client_common;
mod skip;

use std::time::Duration;

use client_common::*;
use onelogin_tui::sandbox::Scope;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/doc_client.py");

#[tokio::test]
async fn documented_python_client_agrees_with_the_sandbox_and_the_client() {
    if !skip::need("python3", "--version") {
        return;
    }
    let env = start(small()).await;
    let cred = env.sb.credential(Scope::ManageAll);
    // What the script will leave alone.
    let id = env.plain_ids(1)[0];
    let roles_before = env.client.user_roles(id).await.unwrap();
    // The user its API /2 part changes: the fourth of the tenant.
    let v2_id = env.plain_ids(2)[1];
    let v2_roles_before = env.client.user_roles(v2_id).await.unwrap();

    // Async, so the sandbox on this runtime keeps serving while the script runs.
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("python3")
            .arg(SCRIPT)
            .arg(env.sb.url())
            .arg(&cred.client_id)
            .arg(&cred.client_secret)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("doc_client.py finished within 60 s")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "doc_client.py failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    let n: usize = last
        .strip_prefix("doc_client: ")
        .and_then(|s| s.strip_suffix(" checks passed"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("last line `{last}`:\n{stdout}"));
    assert!(n >= 100, "only {n} checks ran:\n{stdout}");
    eprintln!("{last}");

    // Its effects, read back through the client.
    let user_line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("doc_client: user "))
        .unwrap();
    assert_eq!(user_line.parse::<i64>().unwrap(), id, "the second user");
    let u = env.client.get_user(id).await.unwrap();
    assert_eq!(u.title.as_deref(), Some("Documented Title"));
    assert_eq!(
        u.field("custom_attributes.skype").as_deref(),
        Some("l_gonzalez")
    );
    assert_eq!(u.custom_attributes.get("AWS_Role"), Some(&None));
    assert_eq!(env.client.user_roles(id).await.unwrap(), roles_before);
    // Its API /2 PUT set a field and custom attributes in one call; its role grant was undone.
    let v2_line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("doc_client: v2 user "))
        .unwrap();
    assert_eq!(v2_line.parse::<i64>().unwrap(), v2_id);
    let u = env.client.get_user(v2_id).await.unwrap();
    assert_eq!(u.title.as_deref(), Some("Documented v2 Title"));
    assert_eq!(
        u.field("custom_attributes.skype").as_deref(),
        Some("v2_skype")
    );
    assert_eq!(u.custom_attributes.get("AWS_Role"), Some(&None));
    assert_eq!(env.client.user_roles(v2_id).await.unwrap(), v2_roles_before);
    // Its lifecycle part deleted the last user, through /1.
    let deleted = stdout
        .lines()
        .find_map(|l| l.strip_prefix("doc_client: deleted user "))
        .unwrap();
    let deleted: i64 = deleted.parse().unwrap();
    assert!(
        env.sb.user_json(deleted).is_none(),
        "user {deleted} still there"
    );
    assert!(deleted > v2_id);
    // Its tokens are revoked; the client's own is not.
    env.client.get_user(OWNER_ID).await.unwrap();
    assert!(env.sb.stats().writes >= 5);
}
