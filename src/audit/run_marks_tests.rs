use std::io::Write;

use serde_json::json;

use super::*;
use crate::bulk::{Record, RunKind};

fn tenant(profile: &str, port: u16) -> Tenant {
    let url = reqwest::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    Tenant::new(profile, &url)
}

fn record(r: &Record) -> String {
    serde_json::to_string(r).unwrap()
}

fn sent(user: i64, call: usize, attempt: u32, at: &str) -> String {
    record(&Record::Sent {
        user,
        call,
        attempt,
        at: at.into(),
    })
}

fn ok(user: i64, call: usize, at: &str) -> String {
    record(&Record::Ok {
        user,
        call,
        at: at.into(),
        note: None,
    })
}

/// A journal of run `run` on `on` holding `lines` after its head.
fn journal(dir: &Path, run: &str, on: &Tenant, lines: &[String]) {
    let mut meta = RunMeta::new(RunKind::Apply, on);
    meta.run = run.into();
    let head = record(&Record::Planned {
        meta: Box::new(meta),
        users: vec![],
    });
    let mut file = File::create(dir.join(format!("{run}.jsonl"))).unwrap();
    writeln!(file, "{head}").unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

fn event(user: i64, at: &str, client_id: Option<&str>) -> Event {
    serde_json::from_value(json!({
        "id": 1, "user_id": user, "created_at": at, "event_type_id": 11,
        "client_id": client_id,
    }))
    .unwrap()
}

#[test]
fn an_event_inside_a_calls_window_is_the_runs() {
    let dir = tempfile::tempdir().unwrap();
    let here = tenant("sandbox", 8089);
    journal(
        dir.path(),
        "20261130-120235-ab12",
        &here,
        &[
            sent(7, 0, 1, "2026-11-30T12:02:36.000Z"),
            ok(7, 0, "2026-11-30T12:02:36.400Z"),
            sent(8, 0, 1, "2026-11-30T12:02:40.000Z"),
            "{\"type\":\"finished\",\"at\":\"2026-11-30T12:02:41.000Z\",\"done\":2,\"failed\":0}"
                .into(),
        ],
    );
    // Another tenant's run never marks an event here, whatever its windows.
    journal(
        dir.path(),
        "20261130-120000-zz99",
        &tenant("sandbox", 9999),
        &[
            sent(7, 0, 1, "2026-11-30T12:02:36.000Z"),
            ok(7, 0, "2026-11-30T12:02:36.400Z"),
        ],
    );
    let marks = RunMarks::build(dir.path(), &here, Some("ours".into()));
    assert_eq!(marks.runs(), 1);
    let run = Some("20261130-120235-ab12");
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:02:36.200Z", Some("ours"))),
        run
    );
    // The tenant's clock may be a few seconds off ours.
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:02:40.000Z", None)),
        run
    );
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:02:46.000Z", None)),
        None
    );
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:02:30.000Z", None)),
        None
    );
    // Another credential's call in the same second is not ours.
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:02:36.200Z", Some("theirs"))),
        None
    );
    // Another user, or an event with no user.
    assert_eq!(
        marks.run_of(&event(9, "2026-11-30T12:02:36.200Z", None)),
        None
    );
    // A call sent with no answer recorded (the run was killed) may still have landed.
    assert_eq!(
        marks.run_of(&event(8, "2026-11-30T12:02:42.000Z", None)),
        run
    );
}

#[test]
fn a_retry_keeps_the_first_attempts_start_and_bad_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let here = tenant("prod", 8089);
    journal(
        dir.path(),
        "r1",
        &here,
        &[
            sent(7, 0, 1, "2026-11-30T12:00:00.000Z"),
            "not json".into(),
            sent(7, 0, 2, "2026-11-30T12:01:00.000Z"),
            ok(7, 0, "2026-11-30T12:01:01.000Z"),
        ],
    );
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    std::fs::write(dir.path().join("empty.jsonl"), "").unwrap();
    // The index is the tenant's: a run made under another profile name still counts.
    let marks = RunMarks::build(dir.path(), &tenant("sandbox", 8089), None);
    assert_eq!(marks.runs(), 1);
    assert_eq!(
        marks.run_of(&event(7, "2026-11-30T12:00:30.000Z", Some("any"))),
        Some("r1"),
        "without our client id, any credential's event in the window counts"
    );
    let none = RunMarks::build(&dir.path().join("missing"), &here, None);
    assert_eq!(none.runs(), 0);
}
