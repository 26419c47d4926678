//! The event commands as a user runs them: the real binary, its output and exit codes
//! (2 bad input, 3 refused by policy, 4 permission denied).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

fn as_(dir: &Path, login: &str) -> Command {
    common::as_op(dir, login)
}

/// A store with er1 and er2 (employer relations), desk1, an employer and one event:
/// "Spring Engineering Fair", engineering, 2027-03-10 10:00 for two hours.
fn setup(dir: &Path) {
    common::cli_init_with(
        dir,
        &[
            ("er1", "employer-relations"),
            ("er2", "employer-relations"),
            ("desk1", "desk"),
        ],
    );
    as_(dir, "er1")
        .args([
            "employer",
            "add",
            "--name",
            "Acme Engineering",
            "--sector",
            "engineering",
        ])
        .assert()
        .success();
    as_(dir, "er1")
        .args([
            "event",
            "add",
            "--title",
            "Spring Engineering Fair",
            "--sector",
            "engineering",
        ])
        .args(["--at", "2027-03-10 10:00", "--minutes", "120", "--capacity", "200"])
        .args(["--location", "Main Hall", "--employer", "acme engineering"])
        .args(["--audience", "School of Engineering", "--programme", "MEng,BEng"])
        .assert()
        .success()
        .stdout(predicate::str::contains("added event").and(predicate::str::contains("2027-03-10 10:00")));
}

/// The events listed as JSON.
fn listed(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let out = as_(dir, "er1")
        .args(["--format", "json", "event", "list"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
}

fn titles(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn evt_01_a_clash_is_refused_with_exit_3_naming_the_event_then_accepted_despite_clash() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let talk = |c: &mut Command| {
        c.args([
            "event",
            "add",
            "--title",
            "Engineering Careers Talk",
            "--sector",
            "Engineering",
        ])
        .args(["--at", "2027-03-10 11:00", "--minutes", "60", "--capacity", "40"]);
    };
    let mut refused = as_(dir, "er1");
    talk(&mut refused);
    refused.assert().code(3).stderr(
        predicate::str::contains("EVT-01")
            .and(predicate::str::contains("\"Spring Engineering Fair\""))
            .and(predicate::str::contains("overlaps it"))
            .and(predicate::str::contains("sector \"engineering\""))
            .and(predicate::str::contains("--despite-clash")),
    );
    let mut as_json = as_(dir, "er1");
    as_json.args(["--format", "json"]);
    talk(&mut as_json);
    let out = as_json.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["clashes"][0]["title"], "Spring Engineering Fair");
    assert_eq!(err["clashes"][0]["overlaps"], true);
    assert_eq!(
        titles(&listed(dir, &[])),
        ["Spring Engineering Fair"],
        "a refused event is not saved"
    );

    let mut accepted = as_(dir, "er1");
    talk(&mut accepted);
    accepted
        .args(["--despite-clash", "the talk is part of the fair"])
        .assert()
        .success()
        .stdout(predicate::str::contains("added event"));
    assert_eq!(
        titles(&listed(dir, &[])),
        ["Spring Engineering Fair", "Engineering Careers Talk"]
    );
    // The audit log keeps the reason with the clashes it overrode.
    let out = as_(dir, "admin")
        .args(["--format", "json", "audit", "--action", "override"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["reason"], "the talk is part of the fair");
    assert!(entries[0]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("\"Spring Engineering Fair\"")));
}

#[test]
fn evt_01_moving_an_event_into_a_clash_is_refused_then_accepted_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args([
            "event",
            "add",
            "--title",
            "Acme Site Visit",
            "--sector",
            "manufacturing",
        ])
        .args(["--at", "2027-03-20 14:00", "--minutes", "90", "--capacity", "15"])
        .args(["--employer", "Acme Engineering"])
        .assert()
        .success();
    // The same employer the evening before the fair: within the default 24 hours.
    as_(dir, "er1")
        .args(["event", "move", "acme site visit", "--at", "2027-03-09 18:00"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("\"Spring Engineering Fair\"").and(predicate::str::contains("employer")));
    let before = listed(dir, &["--from", "2027-03-20", "--to", "2027-03-20"]);
    assert_eq!(titles(&before), ["Acme Site Visit"], "a refused move changes nothing");
    as_(dir, "er1")
        .args([
            "event",
            "move",
            "Acme Site Visit",
            "--at",
            "2027-03-09 18:00",
            "--minutes",
            "60",
        ])
        .args(["--despite-clash", "the only evening the site is free"])
        .assert()
        .success()
        .stdout(predicate::str::contains("moved event").and(predicate::str::contains("2027-03-09 18:00")));
    let moved = listed(dir, &["--from", "2027-03-09", "--to", "2027-03-09"]);
    assert_eq!(titles(&moved), ["Acme Site Visit"]);
    assert_eq!(moved[0]["end"], "2027-03-09 19:00");
    assert_eq!(moved[0]["employers"][0], "Acme Engineering");
    assert!(listed(dir, &["--from", "2027-03-11"]).is_empty());
}

#[test]
fn evt_01_bad_input_is_exit_2_naming_the_field_and_saves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--at", "2027-13-01 10:00", "--minutes", "60", "--capacity", "5"],
            "at:",
        ),
        (&["--at", "tomorrow", "--minutes", "60", "--capacity", "5"], "at:"),
        (
            &["--at", "2027-05-01 10:00", "--minutes", "0", "--capacity", "5"],
            "minutes:",
        ),
        (
            &["--at", "2027-05-01 10:00", "--minutes", "sixty", "--capacity", "5"],
            "--minutes",
        ),
        (
            &["--at", "2027-05-01 10:00", "--minutes", "60", "--capacity", "0"],
            "capacity:",
        ),
        (
            &[
                "--at",
                "2027-05-01 10:00",
                "--minutes",
                "60",
                "--capacity",
                "5",
                "--employer",
                "Nobody Ltd",
            ],
            "no employer",
        ),
        (
            &[
                "--at",
                "2027-05-01 10:00",
                "--minutes",
                "60",
                "--capacity",
                "5",
                "--despite-clash",
                " ",
            ],
            "",
        ),
    ];
    for (extra, field) in cases {
        let mut c = as_(dir, "er1");
        c.args(["event", "add", "--title", "Law Fair", "--sector", "law"])
            .args(extra);
        if field.is_empty() {
            // A blank reason is no reason, but with no clash none is needed: the event is added.
            c.assert().success();
            continue;
        }
        c.assert().code(2).stderr(predicate::str::contains(field));
    }
    as_(dir, "er1")
        .args(["event", "add", "--title", "   ", "--sector", "law"])
        .args(["--at", "2027-05-02 10:00", "--minutes", "60", "--capacity", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("title:"));
    as_(dir, "er1")
        .args(["event", "list", "--from", "2027-02-30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("from:"));
    as_(dir, "er1")
        .args(["event", "list", "--from", "2027-03-11", "--to", "2027-03-10"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("to:"));
    as_(dir, "er1")
        .args(["event", "show", "No Such Event"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("event list"));
    assert_eq!(titles(&listed(dir, &[])), ["Spring Engineering Fair", "Law Fair"]);
}

#[test]
fn evt_01_desk_staff_may_list_and_show_events_but_not_change_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "desk1")
        .args(["event", "add", "--title", "Desk Event", "--sector", "law"])
        .args(["--at", "2027-05-01 10:00", "--minutes", "60", "--capacity", "5"])
        .assert()
        .code(4);
    as_(dir, "desk1")
        .args(["event", "move", "Spring Engineering Fair", "--at", "2027-06-01 10:00"])
        .assert()
        .code(4);
    as_(dir, "desk1")
        .args([
            "event",
            "open",
            "Spring Engineering Fair",
            "--school",
            "School of Physics",
        ])
        .args(["--consulted", "er2"])
        .assert()
        .code(4);
    as_(dir, "desk1")
        .args(["event", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Spring Engineering Fair").and(predicate::str::contains("Desk Event").not()));
    as_(dir, "desk1")
        .args(["event", "show", "spring engineering fair"])
        .assert()
        .success()
        .stdout(predicate::str::contains("start").and(predicate::str::contains("2027-03-10 10:00")));
}

#[test]
fn evt_02_open_records_the_consultation_shown_by_event_show() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args([
            "event",
            "open",
            "Spring Engineering Fair",
            "--school",
            "School of Physics",
        ])
        .args(["--consulted", "nobody"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("consulted"));
    as_(dir, "er1")
        .args([
            "event",
            "open",
            "Spring Engineering Fair",
            "--school",
            "School of Physics",
        ])
        .args(["--consulted", "ER2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("School of Engineering, School of Physics"));
    as_(dir, "er1")
        .args([
            "event",
            "open",
            "Spring Engineering Fair",
            "--school",
            "school of physics",
        ])
        .args(["--consulted", "er2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already open"));
    as_(dir, "er1")
        .args(["event", "show", "Spring Engineering Fair"])
        .assert()
        .success()
        .stdout(predicate::str::contains("opened to School of Physics, consulting er2"));
    let out = as_(dir, "desk1")
        .args(["--format", "json", "event", "show", "Spring Engineering Fair"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown["audience"],
        serde_json::json!(["School of Engineering", "School of Physics"])
    );
    assert_eq!(shown["consultations"][0]["school"], "School of Physics");
    assert_eq!(shown["consultations"][0]["consulted"], "er2");
    assert_eq!(shown["organiser"], "er1");
}

#[test]
fn evt_01_a_clash_names_the_other_event_in_local_time_and_its_employer_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let summer = |c: &mut Command, title: &str, at: &str| {
        c.args(["event", "add", "--title", title, "--sector", "law"])
            .args(["--at", at, "--minutes", "90", "--capacity", "30"])
            .args(["--employer", "acme engineering"]);
    };
    let mut first = as_(dir, "er1");
    summer(&mut first, "Summer Open Day", "2027-06-15 10:00");
    first.assert().success();
    // London is an hour ahead of UTC in June: the refusal gives the time as typed.
    let mut second = as_(dir, "er1");
    summer(&mut second, "Summer Workshop", "2027-06-15 11:00");
    second.assert().code(3).stderr(
        predicate::str::contains("\"Summer Open Day\" (Tue 15 Jun 2027 10:00) overlaps it")
            .and(predicate::str::contains("employer Acme Engineering"))
            .and(predicate::str::contains("09:00").not()),
    );
    let mut as_json = as_(dir, "er1");
    as_json.args(["--format", "json"]);
    summer(&mut as_json, "Summer Workshop", "2027-06-15 11:00");
    let out = as_json.output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["clashes"][0]["start_utc"], "2027-06-15 09:00");
    assert!(err["clashes"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("Tue 15 Jun 2027 10:00") && t.contains("Acme Engineering")));
}
