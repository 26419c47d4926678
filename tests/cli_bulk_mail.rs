//! `mail employers` and `employer export --for-students` as a user runs them: the real binary,
//! its output, its files and exit codes (2 bad input, 4 permission denied) (EVT-04, SEC-06,
//! DATA-13).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

fn as_(dir: &Path, login: &str) -> Command {
    common::as_op(dir, login)
}

/// er1 owns Acme (key contact Sam Key, Pat Plain visible to students); Bolt Law is open (Lee
/// Bolt); two events; er2 has the bulk-email grant; a body file.
fn setup(dir: &Path) {
    common::cli_init_with(dir, &[("er1", "employer-relations"), ("er2", "employer-relations")]);
    as_(dir, "er1")
        .args([
            "employer",
            "add",
            "--name",
            "Acme Engineering",
            "--sector",
            "engineering",
        ])
        .args(["--owner", "er1", "--tag", "stem"])
        .assert()
        .success();
    as_(dir, "er1")
        .args([
            "employer", "add", "--name", "Bolt Law", "--sector", "law", "--tag", "stem",
        ])
        .assert()
        .success();
    for (employer, name, email, extra) in [
        (
            "Acme Engineering",
            "Sam Key",
            "sam@acme.example",
            &["--key", "--guidance", "Call before e-mailing"][..],
        ),
        (
            "Acme Engineering",
            "Pat Plain",
            "pat@acme.example",
            &["--visible-to-students"][..],
        ),
        ("Bolt Law", "Lee Bolt", "lee@bolt.example", &[][..]),
    ] {
        as_(dir, "er1")
            .args(["employer", "contact", "add", employer, "--name", name, "--email", email])
            .args(extra)
            .assert()
            .success();
    }
    for (title, sector, at) in [
        ("Engineering fair", "engineering", "2027-03-01 10:00"),
        ("Law insight day", "law", "2027-03-08 14:00"),
    ] {
        as_(dir, "er1")
            .args(["event", "add", "--title", title, "--sector", sector, "--at", at])
            .args(["--minutes", "120", "--capacity", "40", "--location", "Main hall"])
            .args(["--audience", "Engineering"])
            .assert()
            .success();
    }
    as_(dir, "admin")
        .args(["operator", "grant", "er2", "bulk-email"])
        .assert()
        .success();
    std::fs::write(
        dir.join("body.txt"),
        "Please join us at these events.\r\nReply to book a stand.\r\n",
    )
    .unwrap();
}

fn mail(dir: &Path, login: &str, mode: &str) -> Command {
    let mut c = as_(dir, login);
    c.args([
        "mail",
        "employers",
        "--event",
        "Engineering fair",
        "--event",
        "Law insight day",
    ])
    .args(["--tag", "stem", "--subject", "Spring events"])
    .arg("--body-file")
    .arg(dir.join("body.txt"))
    .arg(mode);
    c
}

fn eml_files(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir.join("outbox")) {
        Ok(entries) => entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn sec_06_mail_employers_without_the_grant_exits_4() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    mail(dir, "er1", "--send")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("bulk-email grant"));
    // Refused before the body file is even looked at.
    as_(dir, "er1")
        .args(["mail", "employers", "--event", "Engineering fair", "--tag", "stem"])
        .args(["--subject", "S", "--body-file", "/no/such/file", "--preview"])
        .assert()
        .code(4);
}

#[test]
fn evt_04_preview_then_send_then_flush_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    mail(dir, "er2", "--preview").assert().success().stdout(
        predicate::str::contains("2 message(s), one to each recipient")
            .and(predicate::str::contains("pat@acme.example"))
            .and(predicate::str::contains("lee@bolt.example"))
            .and(predicate::str::contains("Sam Key*"))
            .and(predicate::str::contains("liaise with er1 first"))
            .and(predicate::str::contains("Mon 1 Mar 2027 10:00-12:00 GMT"))
            .and(predicate::str::contains("Law insight day"))
            .and(predicate::str::contains("nothing was queued")),
    );
    as_(dir, "admin")
        .args(["outbox", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("employer-mail").not());
    let out = mail(dir, "er2", "--send")
        .arg("--format")
        .arg("json")
        .assert()
        .success();
    let sent: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(sent["queued"], 2);
    assert_eq!(sent["engagement_notes"], 2);
    assert_eq!(sent["preview"]["left_out"][0]["contact"], "Sam Key*");
    as_(dir, "er2")
        .args(["employer", "show", "Bolt Law"])
        .assert()
        .success()
        .stdout(predicate::str::contains("email by er2: Bulk mail \"Spring events\""));
    as_(dir, "admin").args(["outbox", "flush"]).assert().success();
    let files = eml_files(dir);
    assert_eq!(files.len(), 2);
    for f in &files {
        let named = ["pat@acme.example", "lee@bolt.example", "sam@acme.example"]
            .iter()
            .filter(|a| f.contains(*a))
            .count();
        assert_eq!(named, 1, "one recipient per message:\n{f}");
        assert!(f.contains("Spring events"));
    }
    as_(dir, "admin")
        .args(["audit", "--last", "20"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("bulk mail to employer contacts queued: 2 message(s)")
                .and(predicate::str::contains("@acme.example").not())
                .and(predicate::str::contains("@bolt.example").not()),
        );
}

#[test]
fn evt_04_bad_input_to_mail_employers_exits_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    let run = |args: &[&str], body: &Path, want: &str| {
        as_(dir, "er2")
            .args(["mail", "employers", "--subject", "Spring events", "--preview"])
            .args(args)
            .arg("--body-file")
            .arg(body)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    };
    let body = dir.join("body.txt");
    run(
        &["--event", "Nope", "--tag", "stem"],
        &body,
        "no event has the id or title \"Nope\"",
    );
    run(&["--event", "Engineering fair"], &body, "say who to write to");
    run(
        &["--event", "Engineering fair", "--tag", "stem"],
        &dir.join("missing.txt"),
        "cannot read",
    );
    let bell = dir.join("bell.txt");
    std::fs::write(&bell, "Ring \u{7} the bell").unwrap();
    run(&["--event", "Engineering fair", "--tag", "stem"], &bell, "body");
    let latin1 = dir.join("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9").unwrap();
    run(&["--event", "Engineering fair", "--tag", "stem"], &latin1, "not UTF-8");
    // Only another owner's key contact: nobody is left to send to.
    as_(dir, "er1")
        .args([
            "employer", "add", "--name", "Solo Ltd", "--sector", "retail", "--owner", "er1",
        ])
        .assert()
        .success();
    as_(dir, "er1")
        .args(["employer", "contact", "add", "Solo Ltd", "--name", "Only Key"])
        .args(["--email", "only@solo.example", "--key"])
        .assert()
        .success();
    run(
        &["--event", "Engineering fair", "--employer", "Solo Ltd"],
        &body,
        "nobody to send to: every contact was left out",
    );
    // Neither --preview nor --send: clap's usage error, also exit 2.
    as_(dir, "er2")
        .args(["mail", "employers", "--event", "Engineering fair", "--tag", "stem"])
        .args(["--subject", "S", "--body-file"])
        .arg(&body)
        .assert()
        .code(2);
    assert!(eml_files(dir).is_empty());
}
