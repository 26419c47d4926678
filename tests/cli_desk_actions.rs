//! The desk's everyday actions as scripts use them: `client edit`, `slot series`, `slot
//! withdraw`, one place at a time when booking, `check-in`, and SMS only where configured.

mod common;

use std::path::Path;

use assert_cmd::Command;
use chrono::{Datelike, Duration, Local, NaiveDate, Weekday};
use predicates::prelude::*;

const ADMIN_PW: &str = "admin-password-1";
const STAFF_PW: &str = "staff-password-1";

fn cd(dir: &Path, login: &str, pw: &str) -> Command {
    let mut c = Command::cargo_bin("careerdesk").unwrap();
    c.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env("CAREERDESK_PASSWORD", pw)
        .env_remove("CAREERDESK_OPERATOR")
        .args(["--as", login]);
    c
}

fn admin(dir: &Path) -> Command {
    cd(dir, "admin", ADMIN_PW)
}

fn desk1(dir: &Path) -> Command {
    cd(dir, "desk1", STAFF_PW)
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// The standard policy with generous allocations, no peak periods and no closures (they follow
/// the peak periods in the file), so the tests read the same whatever day they run on.
fn write_policy(dir: &Path) -> std::path::PathBuf {
    let text = careerdesk::policy::example("standard").unwrap().text;
    let text = text
        .replace("period = \"term\"", "period = \"academic-year\"")
        .replace("count = 2\nperiod", "count = 9\nperiod");
    let cut = text.find("# APPT-06").unwrap_or(text.len());
    let p = dir.join("test-policy.toml");
    std::fs::write(&p, &text[..cut]).unwrap();
    p
}

/// The Monday at least two weeks ahead.
fn monday() -> NaiveDate {
    let mut d = Local::now().date_naive() + Duration::days(14);
    while d.weekday() != Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

/// A store with cons1, cons2, desk1 and sup1, and clients 10000001 and 10000002.
fn setup(dir: &Path) {
    let policy = write_policy(dir);
    let mut init = Command::cargo_bin("careerdesk").unwrap();
    init.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", policy.to_str().unwrap(), "--admin", "admin"])
        .assert()
        .success();
    for (login, role) in [
        ("cons1", "consultant"),
        ("cons2", "consultant"),
        ("desk1", "desk"),
        ("sup1", "supervisor"),
    ] {
        admin(dir)
            .args(["operator", "add", login, "--name", login, "--role", role])
            .args(["--trained", "2026-01-05", "--password-stdin"])
            .write_stdin(format!("{STAFF_PW}\n"))
            .assert()
            .success();
    }
    common::cli_add_clients(|| admin(dir), &["10000001", "10000002"]);
}

fn slot(dir: &Path, consultant: &str, ty: &str, at: &str) -> String {
    let out = admin(dir)
        .args([
            "--format",
            "json",
            "slot",
            "add",
            "--consultant",
            consultant,
            "--type",
            ty,
            "--at",
            at,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    json(&out)["slot"].as_str().unwrap().to_string()
}

fn book(dir: &Path, sn: &str, ty: &str, at: &str, consultant: &str) -> String {
    let out = desk1(dir)
        .args(["--format", "json", "book", "--client", sn, "--type", ty, "--at", at])
        .args(["--consultant", consultant])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    json(&out)["booking"].as_str().unwrap().to_string()
}

#[test]
fn client_edit_changes_only_the_fields_given_and_desk_staff_may_not_change_the_status() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    desk1(tmp.path())
        .args([
            "client",
            "edit",
            "10000001",
            "--email",
            "new.one@example.ac.uk",
            "--phone",
            "",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("changed email, phone for 10000001"));
    let shown = admin(tmp.path())
        .args(["--format", "json", "client", "show", "10000001"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&shown);
    assert_eq!(v["email"], "new.one@example.ac.uk");
    assert_eq!(v["phone"], serde_json::Value::Null, "--phone \"\" clears it");
    assert_eq!(v["programme"], "BSc Physics", "fields not given are unchanged");
    // Desk staff may not change the study record: permission denied, exit 4, nothing changed.
    desk1(tmp.path())
        .args(["client", "edit", "10000001", "--status", "graduate"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("status"));
    // Bad values are refused with each field named, exit 2.
    desk1(tmp.path())
        .args(["client", "edit", "10000001", "--email", "nope", "--phone", "12"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("email:").and(predicate::str::contains("phone:")));
    cd(tmp.path(), "sup1", STAFF_PW)
        .args(["--format", "json", "client", "edit", "10000001", "--status", "graduate"])
        .args(["--course-end", "2026-06-30"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"changed\"").and(predicate::str::contains("course-end")));
    // The audit log names who changed which fields, never the values.
    let audit = admin(tmp.path())
        .args(["audit", "--last", "10"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let audit = String::from_utf8_lossy(&audit);
    assert!(audit.contains("client edited: email, phone"), "{audit}");
    assert!(audit.contains("client edited: status, course-end"), "{audit}");
    assert!(!audit.contains("new.one@"), "{audit}");
    // Nothing to change is said plainly.
    desk1(tmp.path())
        .args(["client", "edit", "10000001"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("say what to change"));
}

#[test]
fn adding_a_client_whose_student_number_exists_names_the_client() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    desk1(tmp.path())
        .args([
            "--format",
            "json",
            "client",
            "add",
            "--student-number",
            "10000001",
            "--name",
            "Someone",
        ])
        .args(["--email", "someone@example.ac.uk", "--programme", "BA History"])
        .args(["--level", "ug", "--status", "student"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("already exists (Client 10000001)")
                .and(predicate::str::contains("\"existing_client\":\"10000001\"")),
        );
}

#[test]
fn slot_series_makes_a_term_reports_each_skip_and_a_dry_run_makes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let m = monday();
    let until = m + Duration::days(27); // four weeks
                                        // cons1 is busy on the first Tuesday at 10:00; the second Thursday is skipped.
    slot(
        tmp.path(),
        "cons1",
        "applications",
        &format!("{} 10:00", m + Duration::days(1)),
    );
    let series = |dry: bool| {
        let mut c = admin(tmp.path());
        c.args([
            "--format",
            "json",
            "slot",
            "series",
            "--consultant",
            "cons1",
            "--type",
            "guidance",
        ])
        .args([
            "--days",
            "mon,tue,thu",
            "--from",
            "09:00",
            "--to",
            "12:45",
            "--every",
            "45m",
        ])
        .args(["--start", &m.to_string(), "--until", &until.to_string()])
        .args(["--skip", &(m + Duration::days(10)).to_string()]);
        if dry {
            c.arg("--dry-run");
        }
        let out = c.assert().success().get_output().stdout.clone();
        json(&out)
    };
    let dry = series(true);
    assert_eq!(dry["dry_run"], true);
    let listed = admin(tmp.path())
        .args(["--format", "json", "slot", "list", "--date", &m.to_string()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&listed).as_array().unwrap().len(), 0, "the dry run made nothing");
    let made = series(false);
    // Four weeks of three days and five slots, less the busy time and the skipped Thursday.
    assert_eq!(made["made"].as_array().unwrap().len(), 4 * 3 * 5 - 1 - 5);
    let skipped = made["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0]["time"], "09:45");
    assert!(skipped[0]["reason"]
        .as_str()
        .unwrap()
        .contains("already has a slot 10:00-10:30"));
    assert_eq!(skipped[1]["reason"], "skipped as asked");
    assert_eq!(dry["skipped"], made["skipped"]);
    let starts = |v: &serde_json::Value| -> Vec<String> {
        v["made"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["start"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(starts(&dry), starts(&made));
    let id = made["series"].as_str().unwrap().to_string();
    assert!(made["made"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["series"] == id.as_str()));
    // The table output says what was skipped and why.
    admin(tmp.path())
        .args([
            "slot",
            "series",
            "--consultant",
            "cons2",
            "--type",
            "guidance",
            "--days",
            "mon",
        ])
        .args(["--from", "09:00", "--to", "10:00", "--every", "1h"])
        .args(["--start", &m.to_string(), "--until", &m.to_string(), "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "dry run: series would make 0 slot(s) and skip 1; nothing was made",
        ))
        .stdout(predicate::str::contains(format!(
            "skipped Mon {m} 09:00: the room is full then (1 of 1 in use)"
        )));
    admin(tmp.path())
        .args([
            "slot",
            "series",
            "--consultant",
            "cons2",
            "--type",
            "guidance",
            "--days",
            "mon",
        ])
        .args([
            "--from",
            "09:00",
            "--to",
            "10:00",
            "--every",
            "1h",
            "--location",
            "atrium-room-2",
        ])
        .args(["--start", &m.to_string(), "--until", &m.to_string(), "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "dry run: series would make 1 slot(s) and skip 0",
        ));
    // Bad input names the field.
    admin(tmp.path())
        .args([
            "slot",
            "series",
            "--consultant",
            "cons2",
            "--type",
            "guidance",
            "--days",
            "funday",
        ])
        .args(["--from", "09:00", "--to", "10:00", "--every", "1h"])
        .args(["--start", &m.to_string(), "--until", &m.to_string()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("days:"));

    // Withdrawing the series keeps the booked slot and lists it.
    let booking = book(tmp.path(), "10000001", "guidance", &format!("{m} 09:00"), "cons1");
    let out = admin(tmp.path())
        .args(["--format", "json", "slot", "withdraw", "--series", &id])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let w = json(&out);
    assert_eq!(w["withdrawn"].as_array().unwrap().len(), 54 - 1);
    let kept = w["booked_kept"].as_array().unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["start"], format!("{m} 09:00"));
    // The booking stands.
    desk1(tmp.path())
        .args(["check-in", &booking])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not today"));
}

#[test]
fn slot_withdraw_refuses_a_booked_slot_and_withdraws_a_free_one() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let at = format!("{} 10:00", monday());
    let free = slot(tmp.path(), "cons1", "guidance", &at);
    let taken = slot(tmp.path(), "cons2", "guidance", &at);
    let booking = book(tmp.path(), "10000001", "guidance", &at, "cons2");
    admin(tmp.path())
        .args(["slot", "withdraw", &taken])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is booked").and(predicate::str::contains(booking.as_str())));
    desk1(tmp.path())
        .args(["--format", "json", "slot", "withdraw", &free])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"state\": \"withdrawn\""));
    desk1(tmp.path())
        .args(["slot", "withdraw", "not-an-id"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("slot:"));
}

#[test]
fn room_capacity_from_the_command_line_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let at = format!("{} 10:00", monday());
    admin(tmp.path())
        .args([
            "slot",
            "add",
            "--consultant",
            "cons1",
            "--type",
            "guidance",
            "--at",
            &at,
        ])
        .args(["--location", "atrium-pod-1"])
        .assert()
        .success();
    let out = admin(tmp.path())
        .args([
            "--format",
            "json",
            "slot",
            "add",
            "--consultant",
            "cons2",
            "--type",
            "guidance",
        ])
        .args(["--at", &at, "--location", "atrium-pod-1"])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let v = json(&out);
    assert_eq!(v["refused"]["refusals"][0]["rule"], "room-full");
    assert_eq!(v["refused"]["refusals"][0]["clause"], "CAPACITY");
}

#[test]
fn a_client_booked_three_times_at_ten_is_refused_the_second_and_third() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let at = format!("{} 10:00", monday());
    for who in ["cons1", "cons2"] {
        slot(tmp.path(), who, "guidance", &at);
    }
    // Both private rooms are in use at ten now: sup1's slot is online.
    admin(tmp.path())
        .args(["slot", "add", "--consultant", "sup1", "--type", "guidance", "--at", &at])
        .args(["--location", "online"])
        .assert()
        .success();
    let first = book(tmp.path(), "10000001", "guidance", &at, "cons1");
    for who in ["cons2", "sup1"] {
        let out = desk1(tmp.path())
            .args(["--format", "json", "book", "--client", "10000001", "--type", "guidance"])
            .args(["--at", &at, "--consultant", who])
            .assert()
            .code(3)
            .get_output()
            .stderr
            .clone();
        let v = json(&out);
        let r = &v["refused"]["refusals"][0];
        assert_eq!(r["rule"], "overlap");
        assert_eq!(r["clause"], "OVERLAP");
        let message = r["message"].as_str().unwrap();
        assert!(
            message.contains("Careers guidance") && message.contains("10:00-10:45"),
            "{message}"
        );
        assert!(
            message.contains("(cons1)") && message.contains(first.as_str()),
            "{message}"
        );
    }
    // The same booking again says it is already booked, with its id.
    let out = desk1(tmp.path())
        .args(["--format", "json", "book", "--client", "10000001", "--type", "guidance"])
        .args(["--at", &at, "--consultant", "cons1"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let v = json(&out);
    assert_eq!(v["booking"], first.as_str());
    assert!(v["error"].as_str().unwrap().contains("already booked into this slot"));
}

#[test]
fn check_in_prints_the_new_state_and_only_works_on_the_day() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::London);
    // A slot later today (if the day is nearly over, the test checks tomorrow's refusal only).
    let later = now + Duration::minutes(30);
    let tomorrow = format!("{} 10:00", now.date_naive() + Duration::days(1));
    slot(tmp.path(), "cons1", "guidance", &tomorrow);
    let b = book(tmp.path(), "10000001", "guidance", &tomorrow, "cons1");
    desk1(tmp.path())
        .args(["check-in", &b])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not today"));
    if later.date_naive() == now.date_naive() && later.time() < chrono::NaiveTime::from_hms_opt(23, 0, 0).unwrap() {
        let at = later.format("%Y-%m-%d %H:%M").to_string();
        admin(tmp.path())
            .args(["slot", "add", "--consultant", "cons2", "--type", "drop-in", "--at", &at])
            .assert()
            .success();
        let b = book(tmp.path(), "10000002", "drop-in", &at, "cons2");
        desk1(tmp.path())
            .args(["check-in", &b])
            .assert()
            .success()
            .stdout(predicate::str::contains("checked in").and(predicate::str::contains("(checked in at")));
        desk1(tmp.path())
            .args(["--format", "json", "check-in", &b])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("already checked in"));
    }
}

#[test]
fn appt_09_sms_reminders_are_planned_only_when_notify_toml_names_an_sms_command() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let m = monday();
    let channels = |dir: &Path| -> Vec<String> {
        let out = desk1(dir)
            .args(["--format", "json", "outbox", "list"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["channel"].as_str().unwrap().to_string())
            .collect()
    };
    slot(tmp.path(), "cons1", "guidance", &format!("{m} 10:00"));
    book(tmp.path(), "10000001", "guidance", &format!("{m} 10:00"), "cons1");
    assert!(
        !channels(tmp.path()).contains(&"sms".to_string()),
        "no SMS command: no text planned"
    );
    std::fs::create_dir_all(tmp.path().join("config")).unwrap();
    std::fs::write(
        tmp.path().join("config/notify.toml"),
        "[sms]\ncommand = [\"/bin/true\"]\n",
    )
    .unwrap();
    slot(tmp.path(), "cons1", "guidance", &format!("{m} 11:00"));
    book(tmp.path(), "10000002", "guidance", &format!("{m} 11:00"), "cons1");
    let after = channels(tmp.path());
    assert_eq!(after.iter().filter(|c| *c == "sms").count(), 1, "{after:?}");
}
