//! Complaints (CMP-01, CMP-02): about an employer, taken up with the student's permission or
//! once enough distinct students complain; about the service, escalating one stage at a time.

mod common;

use careerdesk::desk::{ComplaintAbout, Desk, NewComplaint, NewEmployer};
use careerdesk::domain::access::Permission;
use careerdesk::domain::operator::Role;
use careerdesk::domain::records::{ComplaintSubject, EscalationStage};
use careerdesk::paths::Paths;
use common::{at, sn, World};
use predicates::prelude::*;

fn world() -> World {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[
            ("desk1", Role::Desk),
            ("er1", Role::EmployerRelations),
            ("sup1", Role::Supervisor),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
        ],
    );
    for name in ["Acme Engineering", "Brightside Retail"] {
        w.admin
            .add_employer(&NewEmployer {
                name: name.into(),
                sector: "engineering".into(),
                ..NewEmployer::default()
            })
            .unwrap();
    }
    w
}

fn about_employer(
    desk: &Desk,
    client: &str,
    employer: &str,
    permission: bool,
) -> careerdesk::domain::records::Complaint {
    desk.add_complaint(&NewComplaint {
        client: sn(client),
        about: ComplaintAbout::Employer {
            employer: employer.into(),
            permission,
        },
        summary: "asked to work an unpaid trial week".into(),
    })
    .unwrap()
}

#[test]
fn cmp_01_a_complaint_about_an_employer_is_taken_up_only_with_permission_until_the_employer_is_flagged() {
    let w = world();
    let desk = w.as_("desk1");
    let c = about_employer(&desk, "10000001", "Acme", false);
    let ComplaintSubject::Employer { permission, .. } = c.subject else {
        panic!("about an employer")
    };
    assert!(!permission);
    let line = desk.complaint(c.id).unwrap();
    assert!(!line.may_take_up, "no permission, not flagged");
    assert_eq!(line.employer_name.as_deref(), Some("Acme Engineering"));
    let with = about_employer(&desk, "10000002", "Acme", true);
    assert!(desk.complaint(with.id).unwrap().may_take_up, "permission given");
    // Employer relations do not read complaints.
    let er = w.as_("er1");
    assert_eq!(er.complaints(None).unwrap_err().exit_code(), 4);
    assert_eq!(
        er.add_complaint(&NewComplaint {
            client: sn("10000003"),
            about: ComplaintAbout::Service,
            summary: "x".into(),
        })
        .unwrap_err()
        .exit_code(),
        4
    );
}

#[test]
fn cmp_01_an_employer_is_flagged_to_supervisors_by_complaints_from_the_thresholds_distinct_clients() {
    let w = world();
    let threshold = w.admin.policy().complaints.alert_threshold;
    assert_eq!(threshold, 3, "the standard policy's threshold");
    let desk = w.as_("desk1");
    let sup = w.as_("sup1");
    // The same student twice counts once.
    about_employer(&desk, "10000001", "Acme", false);
    about_employer(&desk, "10000001", "Acme", false);
    about_employer(&desk, "10000002", "Acme", false);
    about_employer(&desk, "10000003", "Brightside", false);
    assert!(sup.flagged_employers().unwrap().is_empty());
    about_employer(&desk, "10000003", "Acme", false);
    let flagged = sup.flagged_employers().unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!((flagged[0].name.as_str(), flagged[0].clients), ("Acme Engineering", 3));
    // Flagged: every complaint about it may now be taken up, and supervisors see the flag.
    let lines = sup.complaints(Some("Acme")).unwrap();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l.may_take_up && l.employer_flag == Some(3)));
    // Desk staff see the complaints but not the flag; the flag itself is for supervisors.
    assert!(desk
        .complaints(Some("Acme"))
        .unwrap()
        .iter()
        .all(|l| l.employer_flag.is_none()));
    assert_eq!(desk.flagged_employers().unwrap_err().exit_code(), 4);
    assert!(!desk.may(Permission::SupervisorReports));
}

#[test]
fn cmp_02_a_service_complaint_escalates_in_order_with_dated_history() {
    let w = world();
    let desk = w.as_("desk1");
    let sup = w.as_("sup1");
    let c = desk
        .add_complaint(&NewComplaint {
            client: sn("10000001"),
            about: ComplaintAbout::Service,
            summary: "appointment cancelled three times".into(),
        })
        .unwrap();
    // Desk staff record complaints; supervisors escalate them.
    assert_eq!(
        desk.escalate_complaint(c.id, EscalationStage::Director)
            .unwrap_err()
            .exit_code(),
        4
    );
    let skip = sup.escalate_complaint(c.id, EscalationStage::Committee).unwrap_err();
    assert_eq!(skip.exit_code(), 3, "{skip}");
    assert!(
        skip.to_string().contains("CMP-02") && skip.to_string().contains("director"),
        "{skip}"
    );
    sup.escalate_complaint(c.id, EscalationStage::Director).unwrap();
    w.clock.set(at(2026, 12, 7, 10, 0));
    sup.escalate_complaint(c.id, EscalationStage::Committee).unwrap();
    let back = sup.escalate_complaint(c.id, EscalationStage::Director).unwrap_err();
    assert_eq!(back.exit_code(), 3, "{back}");
    let shown = sup.complaint(c.id).unwrap().complaint;
    let ComplaintSubject::Service { history } = shown.subject else {
        panic!("about the service")
    };
    assert_eq!(
        history,
        vec![
            (EscalationStage::Director, at(2026, 11, 30, 9, 0)),
            (EscalationStage::Committee, at(2026, 12, 7, 10, 0)),
        ]
    );
    // An employer complaint does not climb the service's ladder.
    let e = about_employer(&desk, "10000002", "Acme", true);
    assert_eq!(
        sup.escalate_complaint(e.id, EscalationStage::Director)
            .unwrap_err()
            .exit_code(),
        3
    );
}

#[test]
fn cmp_01_complaints_are_in_the_subject_access_export_and_go_with_erasure() {
    let w = world();
    let desk = w.as_("desk1");
    about_employer(&desk, "10000001", "Acme", true);
    about_employer(&desk, "10000002", "Acme", true);
    let export = w.admin.subject_access_export(&sn("10000001")).unwrap();
    assert_eq!(export.held.complaints.len(), 1);
    let paths = Paths::resolve(Some(w._tmp.path()));
    w.admin
        .erase_client(&paths, &sn("10000001"), "student asked to be forgotten")
        .unwrap();
    let left = w.admin.complaints(None).unwrap();
    assert_eq!(left.len(), 1, "the erased client's complaint is gone, the other stays");
    assert_eq!(left[0].student_number, Some(sn("10000002")));
}

#[test]
fn cmp_02_complaint_commands_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::cli_init_with(dir, &[("desk1", "desk"), ("sup1", "supervisor")]);
    let admin = || common::as_op(dir, "admin");
    common::cli_add_clients(admin, &["10000001", "10000002", "10000003"]);
    admin()
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
    let desk = || common::as_op(dir, "desk1");
    let sup = || common::as_op(dir, "sup1");
    let out = desk()
        .args([
            "--format",
            "json",
            "complaint",
            "add",
            "--client",
            "10000001",
            "--about-service",
        ])
        .args(["--summary", "waited an hour at the desk"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = v["complaint"].as_str().unwrap().to_string();
    sup()
        .args(["complaint", "escalate", &id, "--to", "university"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("CMP-02").and(predicate::str::contains("director")));
    desk()
        .args(["complaint", "escalate", &id, "--to", "director"])
        .assert()
        .code(4);
    sup()
        .args(["complaint", "escalate", &id, "--to", "sideways"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("director, committee, university"));
    sup()
        .args(["complaint", "escalate", &id, "--to", "director"])
        .assert()
        .success();
    sup()
        .args(["complaint", "show", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("escalation:").and(predicate::str::contains("director")));
    for client in ["10000001", "10000002", "10000003"] {
        desk()
            .args(["complaint", "add", "--client", client, "--employer", "Acme"])
            .args(["--summary", "no pay for the trial shift"])
            .assert()
            .success();
    }
    sup()
        .args(["complaint", "list", "--employer", "Acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FLAGGED: 3 students"));
    desk()
        .args(["complaint", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no permission").and(predicate::str::contains("FLAGGED").not()));
    sup()
        .args(["employer", "show", "Acme"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FLAGGED (CMP-01)"));
    sup()
        .args(["triage"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Acme Engineering"));
    desk()
        .args([
            "complaint",
            "add",
            "--client",
            "10000001",
            "--employer",
            "Nobody Ltd",
            "--summary",
            "x",
        ])
        .assert()
        .code(2);
}
