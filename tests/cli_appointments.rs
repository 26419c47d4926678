//! The appointment commands as scripts use them: booking ids on standard output, the policy's
//! reason on standard error with exit code 3, permission refusals with 4.

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

/// A policy like the standard one but with no peak periods and allocations per academic year,
/// so the tests read the same whatever the date they run on.
fn write_policy(dir: &Path) -> std::path::PathBuf {
    let text = careerdesk::policy::example("standard").unwrap().text;
    let text = text
        .replace("period = \"term\"", "period = \"academic-year\"")
        .replace("count = 2\nperiod", "count = 9\nperiod");
    let cut = text.find("[[peak_periods]]").unwrap_or(text.len());
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

fn setup(dir: &Path) {
    setup_with(dir, "");
}

/// The same set-up with extra policy text appended (e.g. a peak period).
fn setup_with(dir: &Path, extra_policy: &str) {
    let policy = write_policy(dir);
    if !extra_policy.is_empty() {
        let mut text = std::fs::read_to_string(&policy).unwrap();
        text.push_str(extra_policy);
        std::fs::write(&policy, text).unwrap();
    }
    let mut init = Command::cargo_bin("careerdesk").unwrap();
    init.env("CAREERDESK_DATA_DIR", dir)
        .env("HOME", dir)
        .env("CAREERDESK_PASSWORD", ADMIN_PW)
        .args(["init", "--policy", policy.to_str().unwrap(), "--admin", "admin"])
        .assert()
        .success();
    for (login, role) in [("cons1", "consultant"), ("desk1", "desk"), ("sup1", "supervisor")] {
        admin(dir)
            .args([
                "operator",
                "add",
                login,
                "--name",
                login,
                "--role",
                role,
                "--trained",
                "2026-01-05",
                "--password-stdin",
            ])
            .write_stdin(format!("{STAFF_PW}\n"))
            .assert()
            .success();
    }
    common::cli_add_clients(|| admin(dir), &["10000001", "10000002"]);
}

fn slot(dir: &Path, ty: &str, at: &str) {
    admin(dir)
        .args(["slot", "add", "--consultant", "cons1", "--type", ty, "--at", at])
        .assert()
        .success();
}

fn book(dir: &Path, sn: &str, ty: &str, at: &str) -> String {
    let out = cd(dir, "desk1", STAFF_PW)
        .args(["--format", "json", "book", "--client", sn, "--type", ty, "--at", at])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    v["booking"].as_str().unwrap().to_string()
}

#[test]
fn appt_05_refusal_exits_3_with_the_reason_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let m = monday();
    for (i, ty) in ["guidance", "applications", "guidance", "applications"]
        .iter()
        .enumerate()
    {
        slot(tmp.path(), ty, &format!("{} 10:00", m + Duration::days(i as i64)));
    }
    for (i, ty) in ["guidance", "applications", "guidance"].iter().enumerate() {
        book(
            tmp.path(),
            "10000001",
            ty,
            &format!("{} 10:00", m + Duration::days(i as i64)),
        );
    }
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["book", "--client", "10000001", "--type", "applications"])
        .args(["--at", &format!("{} 10:00", m + Duration::days(3))])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("APPT-05").and(predicate::str::contains("next possible")));
    // A script asking for JSON gets the decision's structure, not only its words.
    let out = cd(tmp.path(), "desk1", STAFF_PW)
        .args([
            "--format",
            "json",
            "book",
            "--client",
            "10000001",
            "--type",
            "applications",
        ])
        .args(["--at", &format!("{} 10:00", m + Duration::days(3))])
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("a JSON error");
    assert_eq!(v["exit_code"], 3);
    let refusal = &v["refused"]["refusals"][0];
    assert_eq!(refusal["clause"], "APPT-05");
    assert_eq!(refusal["rule"], "fair-use");
    assert_eq!(refusal["figures"]["used"], 3);
    assert_eq!(refusal["figures"]["limit"], 3);
    let next: NaiveDate = serde_json::from_value(refusal["allowed_from"].clone()).expect("a next possible date");
    assert!(next > m + Duration::days(3), "{next}");
    // The other client may have it.
    book(
        tmp.path(),
        "10000002",
        "applications",
        &format!("{} 10:00", m + Duration::days(3)),
    );
}

#[test]
fn book_cancel_and_transfer_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let at = format!("{} 11:00", monday());
    slot(tmp.path(), "guidance", &at);
    let id = book(tmp.path(), "10000001", "guidance", &at);
    assert_eq!(id.len(), 26, "a booking id: {id}");
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["transfer", &id, "--to", "10000002"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("SEC-02"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["cancel", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("cancelled"));
    // The slot is free again.
    book(tmp.path(), "10000002", "guidance", &at);
    // A booking id that is not one is bad input.
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["cancel", "not-an-id"])
        .assert()
        .code(2);
}

#[test]
fn outcomes_waivers_and_blocks_need_the_right_role() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    // A slot that has just begun can still be booked by a walk-in, and then settled.
    let now = chrono::Utc::now().with_timezone(&chrono_tz::Europe::London);
    let at = now.format("%Y-%m-%d %H:%M").to_string();
    admin(tmp.path())
        .args(["slot", "add", "--consultant", "cons1", "--type", "drop-in", "--at", &at])
        .assert()
        .success();
    let id = book(tmp.path(), "10000001", "drop-in", &at);
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["outcome", &id, "no-show"])
        .assert()
        .code(4);
    cd(tmp.path(), "cons1", STAFF_PW)
        .args(["outcome", &id, "no-show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no-show"));
    cd(tmp.path(), "cons1", STAFF_PW)
        .args(["waive", &id, "--reason", ""])
        .assert()
        .code(2);
    cd(tmp.path(), "cons1", STAFF_PW)
        .args(["waive", &id, "--reason", "train cancelled"])
        .assert()
        .success()
        .stdout(predicate::str::contains("waived"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["block", "10000001", "--reason", "x"])
        .assert()
        .code(4);
    cd(tmp.path(), "sup1", STAFF_PW)
        .args(["block", "10000001", "--reason", "repeated no-shows"])
        .assert()
        .success()
        .stdout(predicate::str::contains("may not book until"));
    let later = format!("{} 10:00", monday());
    slot(tmp.path(), "guidance", &later);
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["book", "--client", "10000001", "--type", "guidance", "--at", &later])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("APPT-04"));
    cd(tmp.path(), "sup1", STAFF_PW)
        .args(["unblock", "10000001", "--reason", "spoke to the student"])
        .assert()
        .success();
    book(tmp.path(), "10000001", "guidance", &later);
    cd(tmp.path(), "sup1", STAFF_PW)
        .args(["triage"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Waivers in the last 28 days (1)")
                .and(predicate::str::contains("train cancelled")),
        );
}

#[test]
fn queue_outbox_report_and_ics_export() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let desk = |args: &[&str]| {
        let mut c = cd(tmp.path(), "desk1", STAFF_PW);
        c.args(args);
        c
    };
    desk(&["queue", "add", ";10000001?"])
        .assert()
        .success()
        .stdout(predicate::str::contains("number 1"));
    desk(&["queue", "add", "10000002"])
        .assert()
        .success()
        .stdout(predicate::str::contains("number 2"));
    desk(&["queue", "next"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Client 10000001"));
    desk(&["queue", "done", "10000001"]).assert().success();
    desk(&["--format", "json", "queue", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("10000002").and(predicate::str::contains("10000001").not()));
    // A booking more than a day ahead: confirmation now, reminder later; flush writes .eml files.
    let at = format!("{} 14:00", monday());
    slot(tmp.path(), "guidance", &at);
    book(tmp.path(), "10000001", "guidance", &at);
    desk(&["outbox", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("confirmation").and(predicate::str::contains("reminder")));
    desk(&["outbox", "flush"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sent 1"));
    let eml: Vec<_> = std::fs::read_dir(tmp.path().join("outbox")).unwrap().collect();
    assert_eq!(eml.len(), 1);
    desk(&["--format", "csv", "report", "no-shows", "--weeks", "4", "--publishable"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("week_of,"));
    desk(&["export", "ics", "--consultant", "cons1", "--days", "60"])
        .assert()
        .success()
        .stdout(predicate::str::contains("BEGIN:VCALENDAR").and(predicate::str::contains("BEGIN:VEVENT")));
}

#[test]
fn eligibility_setting_recording_consent_suspension_and_rebook_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let m = monday();
    // APPT-01: a mock interview needs an interview workshop first.
    slot(tmp.path(), "mock-interview", &format!("{m} 09:00"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args([
            "book",
            "--client",
            "10000001",
            "--type",
            "mock-interview",
            "--at",
            &format!("{m} 09:00"),
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("APPT-01").and(predicate::str::contains("interview-workshop")));
    // APPT-07: the booking says whether the setting is confidential.
    slot(tmp.path(), "applications", &format!("{m} 11:00"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args([
            "book",
            "--client",
            "10000001",
            "--type",
            "applications",
            "--at",
            &format!("{m} 11:00"),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("not a confidential setting"));
    // APPT-08: online appointments carry recording consent, off unless given.
    admin(tmp.path())
        .args([
            "slot",
            "add",
            "--consultant",
            "cons1",
            "--type",
            "guidance",
            "--location",
            "online",
        ])
        .args(["--at", &format!("{} 10:00", m + Duration::days(1))])
        .assert()
        .success();
    let online = book(
        tmp.path(),
        "10000002",
        "guidance",
        &format!("{} 10:00", m + Duration::days(1)),
    );
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["--format", "json", "recording-consent", &online, "given"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"recording_consent\": true"));
    // APPT-10: offers for a re-book list free slots of the same type.
    slot(tmp.path(), "guidance", &format!("{} 15:00", m + Duration::days(1)));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["rebook", &online])
        .assert()
        .success()
        .stdout(predicate::str::contains("15:00").and(predicate::str::contains("free")));
    // SEC-03: a suspended client cannot be booked; desk staff may not suspend.
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["client", "suspend", "10000002", "--reason", "x"])
        .assert()
        .code(4);
    cd(tmp.path(), "sup1", STAFF_PW)
        .args(["client", "suspend", "10000002", "--reason", "suspected account sharing"])
        .assert()
        .success()
        .stdout(predicate::str::contains("suspected account sharing"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args([
            "book",
            "--client",
            "10000002",
            "--type",
            "guidance",
            "--at",
            &format!("{} 15:00", m + Duration::days(1)),
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("SEC-03"));
}

#[test]
fn appt_06_a_peak_period_refusal_names_the_period_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let m = monday();
    let peak = format!(
        "\n[[peak_periods]]\nname = \"Test peak\"\nfrom = \"{}\"\nto = \"{}\"\nmax_contacts = 1\nwindow_days = 28\n",
        m,
        m + Duration::days(27)
    );
    setup_with(tmp.path(), &peak);
    slot(tmp.path(), "guidance", &format!("{m} 10:00"));
    slot(tmp.path(), "applications", &format!("{} 10:00", m + Duration::days(2)));
    book(tmp.path(), "10000001", "guidance", &format!("{m} 10:00"));
    cd(tmp.path(), "desk1", STAFF_PW)
        .args(["book", "--client", "10000001", "--type", "applications"])
        .args(["--at", &format!("{} 10:00", m + Duration::days(2))])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("APPT-06").and(predicate::str::contains("Test peak")));
}
