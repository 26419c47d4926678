//! The employer commands as a user runs them: the real binary, its output and exit codes
//! (2 bad input, 3 refused by policy, 4 permission denied).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

fn as_(dir: &Path, login: &str) -> Command {
    common::as_op(dir, login)
}

/// A store with er1 and er2 (employer relations) and desk1, and a key account of er1's.
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
        .args(["--website", "https://acme.example", "--owner", "er1", "--tag", "stem"])
        .assert()
        .success()
        .stdout(predicate::str::contains("added employer"));
    as_(dir, "er1")
        .args(["employer", "contact", "add", "Acme Engineering", "--name", "Sam Key"])
        .args([
            "--email",
            "sam@acme.example",
            "--key",
            "--guidance",
            "Call before e-mailing",
        ])
        .assert()
        .success();
}

#[test]
fn emp_01_add_tag_find_show_and_note_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args(["employer", "tag", "acme engineering", "graduate-scheme", "Fairs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("stem, graduate-scheme, fairs"));
    as_(dir, "er1")
        .args([
            "employer",
            "add",
            "--name",
            "Bolt Law",
            "--sector",
            "law",
            "--multi-owner",
            "--tag",
            "stem",
        ])
        .assert()
        .success();
    as_(dir, "er1")
        .args(["employer", "find", "--tag", "stem", "--tag", "fairs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Acme Engineering").and(predicate::str::contains("Bolt Law").not()));
    as_(dir, "er1")
        .args([
            "employer",
            "note",
            "Acme Engineering",
            "--kind",
            "visit",
            "--text",
            "Site visit",
        ])
        .args(["--contact", "Sam Key"])
        .assert()
        .success()
        .stdout(predicate::str::contains("logged visit"));
    as_(dir, "er1")
        .args(["employer", "edit", "Acme Engineering", "--sector", "aerospace"])
        .assert()
        .success();
    as_(dir, "desk1")
        .args(["employer", "show", "Acme Engineering"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("key account of er1")
                .and(predicate::str::contains("Sam Key*"))
                .and(predicate::str::contains("guidance: Call before e-mailing"))
                .and(predicate::str::contains("visit by er1: Site visit"))
                .and(predicate::str::contains("aerospace")),
        );
}

#[test]
fn emp_01_bad_input_ambiguity_and_permission_give_their_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args(["employer", "add", "--name", "Acme Aviation", "--sector", "aviation"])
        .assert()
        .success();
    as_(dir, "er1")
        .args(["employer", "show", "Acme"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Acme Aviation").and(predicate::str::contains("Acme Engineering")));
    as_(dir, "er1")
        .args(["employer", "note", "Acme Aviation", "--kind", "pigeon", "--text", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("kind"));
    as_(dir, "er1")
        .args([
            "employer",
            "add",
            "--name",
            "acme engineering",
            "--sector",
            "x",
            "--website",
            "https://ACME.example/",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already in the store"));
    as_(dir, "desk1")
        .args(["employer", "add", "--name", "Nope", "--sector", "x"])
        .assert()
        .code(4);
}

#[test]
fn emp_04_non_owner_is_refused_until_a_liaison_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let note = |dir: &Path| {
        let mut c = as_(dir, "er2");
        c.args([
            "employer",
            "note",
            "Acme Engineering",
            "--kind",
            "call",
            "--text",
            "Invited to fair",
        ])
        .args(["--contact", "Sam Key"]);
        c
    };
    note(dir)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("owned by er1"));
    as_(dir, "er2")
        .args([
            "employer",
            "liaise",
            "Acme Engineering",
            "--with",
            "er1",
            "--note",
            "er1 agreed",
        ])
        .assert()
        .success();
    note(dir).assert().success();
    as_(dir, "er1")
        .args(["employer", "hand-over", "Acme Engineering", "--to", "er2"])
        .assert()
        .success()
        .stdout(predicate::str::contains("key account of er2"));
}

/// Now in the service's time zone (the binary runs on the real clock), `minutes_ago` back,
/// as `--when` takes it.
fn local_ago(minutes_ago: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago))
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// This week's Monday in the service's time zone.
fn this_monday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()))
}

/// Logs a call with `employer` by er1 (its owner, or an open employer), `minutes_ago` back.
fn call(dir: &Path, employer: &str, minutes_ago: i64) {
    as_(dir, "er1")
        .args(["employer", "note", employer, "--kind", "call", "--text", "Called"])
        .args(["--when", &local_ago(minutes_ago)])
        .assert()
        .success();
}

#[test]
fn evt_04_employer_contacts_charts_weeks_as_text_json_and_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let day = 24 * 60;
    for minutes_ago in [2, 3, 9 * day, 400 * day] {
        call(dir, "Acme Engineering", minutes_ago);
    }
    // A liaison is between colleagues, not a contact with the employer.
    as_(dir, "er2")
        .args([
            "employer",
            "liaise",
            "Acme Engineering",
            "--with",
            "er1",
            "--note",
            "Agreed",
        ])
        .assert()
        .success();
    let out = as_(dir, "desk1")
        .args(["--format", "json", "employer", "contacts", "Acme Engineering"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let weeks: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(weeks.len(), 52);
    let total: u64 = weeks.iter().map(|w| w["contacts"].as_u64().unwrap()).sum();
    assert_eq!(total, 3, "the call 400 days ago is older than the chart");
    let last = this_monday();
    assert_eq!(weeks[51]["week"], last.to_string());
    assert_eq!(weeks[0]["week"], (last - chrono::Duration::weeks(51)).to_string());
    // Text: the heading with the total, and a bar on this week's line.
    let text = as_(dir, "er2")
        .args(["employer", "contacts", "acme engineering"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Contacts with Acme Engineering per week, last 52 week(s) (EVT-04)"),
        "{text}"
    );
    assert!(text.contains("3 contact(s) in all; most in one week: "), "{text}");
    let this_week = text.lines().find(|l| l.starts_with(&last.to_string())).unwrap();
    assert!(this_week.contains("│█"), "{this_week}");
    // CSV: a header and a row per week; --weeks narrows the chart.
    as_(dir, "er2")
        .args([
            "--format",
            "csv",
            "employer",
            "contacts",
            "Acme Engineering",
            "--weeks",
            "2",
        ])
        .assert()
        .success()
        .stdout(predicate::function(|s: &str| {
            let lines: Vec<&str> = s.lines().collect();
            lines.len() == 3 && lines[0].contains("week") && lines[0].contains("contacts")
        }));
    as_(dir, "er2")
        .args(["employer", "contacts", "Acme Engineering", "--weeks", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("weeks: must be between 1 and 520"));
    // A contact after now is refused, naming the field.
    as_(dir, "er1")
        .args([
            "employer",
            "note",
            "Acme Engineering",
            "--kind",
            "call",
            "--text",
            "Soon",
        ])
        .args(["--when", &local_ago(-120)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("when: is after now"));
}

#[test]
fn evt_04_employer_busiest_lists_the_employers_with_most_contacts_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args(["employer", "add", "--name", "Bolt Law", "--sector", "law"])
        .assert()
        .success();
    as_(dir, "er1")
        .args(["employer", "add", "--name", "Quiet Ltd", "--sector", "retail"])
        .assert()
        .success();
    for minutes_ago in [5, 6] {
        call(dir, "Bolt Law", minutes_ago);
    }
    call(dir, "Acme Engineering", 7);
    call(dir, "Acme Engineering", 60 * 24 * 30);
    call(dir, "Acme Engineering", 60 * 24 * 60);
    let out = as_(dir, "desk1")
        .args(["--format", "json", "employer", "busiest"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["employer"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Engineering", "Bolt Law"], "Quiet Ltd has no contacts");
    assert_eq!(
        (rows[0]["contacts"].as_u64(), rows[1]["contacts"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(rows[1]["busiest_week"], this_monday().to_string());
    assert_eq!(rows[1]["most_in_a_week"], 2);
    // Over the last 2 weeks Bolt Law is busier; --limit 1 keeps the first.
    as_(dir, "er2")
        .args(["employer", "busiest", "--weeks", "2", "--limit", "1"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Employers with the most contacts, last 2 week(s) (EVT-04)")
                .and(predicate::str::contains("Bolt Law"))
                .and(predicate::str::contains("Acme Engineering").not()),
        );
    as_(dir, "er2")
        .args(["employer", "busiest", "--limit", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("limit: must be between 1 and 500"));
}

/// The id of the one vacancy `employer show` lists for Acme Engineering.
fn vacancy_id(dir: &Path) -> String {
    let out = as_(dir, "er1")
        .args(["--format", "json", "employer", "show", "acme engineering"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vacancies = v["vacancies"].as_array().expect("vacancies listed");
    assert_eq!(vacancies.len(), 1, "{v}");
    vacancies[0]["id"].as_str().expect("an id").to_string()
}

#[test]
fn emp_01_a_vacancy_is_added_edited_and_closed_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args([
            "employer",
            "vacancy",
            "add",
            "acme engineering",
            "--title",
            "Graduate engineer",
        ])
        .args(["--closes", "2027-01-31", "--url", "https://acme.example/jobs"])
        .assert()
        .success()
        .stdout(predicate::str::contains("added vacancy").and(predicate::str::contains("closes 2027-01-31")));
    let id = vacancy_id(dir);
    as_(dir, "er1")
        .args(["employer", "show", "acme engineering"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{id}  Graduate engineer  (closes 2027-01-31)"
        )));
    as_(dir, "er1")
        .args([
            "employer",
            "vacancy",
            "edit",
            &id,
            "--title",
            "Graduate design engineer",
        ])
        .args(["--closes", ""])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"Graduate design engineer\" (open-ended)"));
    as_(dir, "er1")
        .args(["employer", "vacancy", "close", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("closed vacancy"));
    let out = as_(dir, "er1")
        .args(["--format", "json", "employer", "show", "acme engineering"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vacancies"][0]["title"], "Graduate design engineer");
    assert!(
        v["vacancies"][0]["closes"].is_string(),
        "closing sets today's date: {v}"
    );
}

#[test]
fn emp_01_bad_vacancy_input_is_exit_2_other_roles_exit_4_and_nothing_is_saved() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    as_(dir, "er1")
        .args(["employer", "vacancy", "add", "acme engineering", "--title", "Intern"])
        .args(["--closes", "31/01/2027"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("closes"));
    as_(dir, "er1")
        .args(["employer", "vacancy", "add", "acme engineering", "--title", "  "])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("title"));
    as_(dir, "desk1")
        .args(["employer", "vacancy", "add", "acme engineering", "--title", "Intern"])
        .assert()
        .code(4);
    as_(dir, "er1")
        .args(["employer", "vacancy", "close", "not-an-id"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a vacancy id"));
    let out = as_(dir, "er1")
        .args(["--format", "json", "employer", "show", "acme engineering"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vacancies"].as_array().map(Vec::len), Some(0), "{v}");
}
