//! The employer directory meant for students (DATA-13): contacts not visible to students, key
//! contact guidance, ownership, tags and engagement notes never appear in it, through the
//! service layer and through the binary in every format.

mod common;

use std::path::Path;

use careerdesk::desk::{NewContact, NewEmployer};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::employer::EngagementKind;
use careerdesk::domain::operator::Role;
use common::*;
use predicates::prelude::*;

/// What must never reach students: a hidden contact's name and address, guidance, a tag and an
/// engagement note's text.
const NEVER: [&str; 5] = [
    "Hidden Person",
    "hidden@acme.example",
    "Call before e-mailing",
    "internal-tag",
    "Discussed fees",
];

#[test]
fn data_13_the_student_directory_leaves_out_hidden_contacts_and_internal_details() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("er1", Role::EmployerRelations), ("desk1", Role::Desk)],
        &[],
    );
    let er1 = w.as_("er1");
    let acme = er1
        .add_employer(&NewEmployer {
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            tags: vec!["internal-tag".into()],
            owner: Some(login("er1")),
            ..NewEmployer::default()
        })
        .unwrap();
    for (name, email, visible, key) in [
        ("Hidden Person", "hidden@acme.example", false, true),
        ("Shown Person", "shown@acme.example", true, false),
    ] {
        er1.add_contact(
            acme.id,
            &NewContact {
                name: name.into(),
                email: Some(email.into()),
                visible_to_students: visible,
                key_contact: key,
                guidance: if key {
                    "Call before e-mailing".into()
                } else {
                    String::new()
                },
                ..NewContact::default()
            },
        )
        .unwrap();
    }
    er1.log_engagement(acme.id, EngagementKind::Meeting, "Discussed fees", &[])
        .unwrap();
    // Desk staff hand the directory to students.
    let d = w.as_("desk1").student_employer_directory().unwrap();
    assert_eq!(d.employers.len(), 1);
    assert_eq!(d.hidden_contacts, 1);
    let names: Vec<&str> = d.employers[0].contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Shown Person"]);
    let json = serde_json::to_string(&d).unwrap();
    for never in NEVER {
        assert!(!json.contains(never), "{never:?} reached students: {json}");
    }
    let log: Vec<_> = w.admin.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    let entry = log.last().unwrap();
    assert_eq!(entry.action, AuditAction::Export);
    assert!(
        entry
            .detail
            .contains("1 contact(s) visible to students, 1 hidden contact(s) left out"),
        "{}",
        entry.detail
    );
}

fn setup(dir: &Path) {
    cli_init_with(dir, &[("er1", "employer-relations"), ("desk1", "desk")]);
    as_op(dir, "er1")
        .args([
            "employer",
            "add",
            "--name",
            "Acme Engineering",
            "--sector",
            "engineering",
        ])
        .args(["--owner", "er1", "--tag", "internal-tag"])
        .assert()
        .success();
    as_op(dir, "er1")
        .args([
            "employer",
            "contact",
            "add",
            "Acme Engineering",
            "--name",
            "Hidden Person",
        ])
        .args([
            "--email",
            "hidden@acme.example",
            "--key",
            "--guidance",
            "Call before e-mailing",
        ])
        .assert()
        .success();
    as_op(dir, "er1")
        .args([
            "employer",
            "contact",
            "add",
            "Acme Engineering",
            "--name",
            "Shown Person",
        ])
        .args(["--email", "shown@acme.example", "--visible-to-students"])
        .assert()
        .success();
    as_op(dir, "er1")
        .args([
            "employer",
            "note",
            "Acme Engineering",
            "--kind",
            "meeting",
            "--text",
            "Discussed fees",
        ])
        .assert()
        .success();
}

#[test]
fn data_13_employer_export_for_students_never_shows_hidden_contacts_in_any_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    setup(dir);
    for format in ["table", "json", "csv"] {
        let out = as_op(dir, "desk1")
            .args(["employer", "export", "--for-students", "--format", format])
            .assert()
            .success()
            .stdout(predicate::str::contains("shown@acme.example"));
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        for never in NEVER {
            assert!(!text.contains(never), "{never:?} in the {format} export:\n{text}");
        }
    }
    let file = dir.join("students.csv");
    as_op(dir, "desk1")
        .args(["employer", "export", "--for-students", "--format", "csv", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "1 contact(s) not visible to students left out",
        ));
    let written = std::fs::read_to_string(&file).unwrap();
    let mut csv = csv::Reader::from_reader(written.as_bytes());
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][3], "Shown Person");
    for never in NEVER {
        assert!(!written.contains(never), "{never:?} in {written}");
    }
    // Never over an existing file; the export has to say it is for students.
    as_op(dir, "desk1")
        .args(["employer", "export", "--for-students", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    as_op(dir, "desk1").args(["employer", "export"]).assert().code(2);
}
