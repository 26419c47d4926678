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
