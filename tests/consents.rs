//! The consent register (DATA-11): opt-in per client per named third-party service, given or
//! withdrawn, when and by whom, with its history; reached by erasure and the subject-access
//! export.

mod common;

use careerdesk::domain::operator::Role;
use careerdesk::domain::records::{Consent, ConsentState};
use careerdesk::paths::Paths;
use common::{at, sn, World};
use predicates::prelude::PredicateBooleanExt;

#[test]
fn data_11_consent_is_given_and_withdrawn_per_service_with_when_who_and_history() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("desk1", Role::Desk), ("er1", Role::EmployerRelations)],
        &[("10000001", "Ada One"), ("10000002", "Bo Two")],
    );
    let desk = w.as_("desk1");
    let ada = sn("10000001");
    assert!(
        !desk.may_use_service(&ada, "cv-scoring").unwrap(),
        "no record means no consent"
    );
    desk.give_consent(&ada, "CV-Scoring").unwrap();
    assert!(desk.may_use_service(&ada, "cv-scoring").unwrap());
    assert!(
        !desk.may_use_service(&sn("10000002"), "cv-scoring").unwrap(),
        "consent is the client's own"
    );
    assert!(
        !desk.may_use_service(&ada, "interview-bot").unwrap(),
        "consent is per service"
    );

    w.clock.set(at(2026, 12, 1, 10, 0));
    let c = desk.withdraw_consent(&ada, "cv-scoring").unwrap();
    assert_eq!(c.state, ConsentState::Withdrawn);
    assert!(!desk.may_use_service(&ada, "cv-scoring").unwrap());
    let err = desk.withdraw_consent(&ada, "cv-scoring").unwrap_err();
    assert_eq!(err.exit_code(), 2, "{err}");

    let reg = desk.consents(&ada).unwrap();
    assert_eq!(reg.current.len(), 1);
    assert_eq!(reg.current[0].consent.state, ConsentState::Withdrawn);
    assert_eq!(reg.current[0].consent.at, at(2026, 12, 1, 10, 0));
    assert_eq!(reg.current[0].recorded_by_login, "desk1");
    let states: Vec<ConsentState> = reg.history.iter().map(|l| l.consent.state).collect();
    assert_eq!(states, [ConsentState::Given, ConsentState::Withdrawn]);

    // Bad names are refused, and a role without client edits may not record.
    assert_eq!(desk.give_consent(&ada, "cv scoring").unwrap_err().exit_code(), 2);
    let er = w.as_("er1");
    assert_eq!(er.give_consent(&ada, "cv-scoring").unwrap_err().exit_code(), 4);
    // Every change is audited against its record.
    let log = w.admin.audit_log().unwrap();
    let about = log
        .iter()
        .flatten()
        .filter(|e| e.detail.starts_with("consent to cv-scoring"))
        .count();
    assert_eq!(about, 2);
}

#[test]
fn data_11_the_register_is_in_the_subject_access_export_and_goes_with_erasure() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("sup1", Role::Supervisor)],
        &[("10000001", "Ada One"), ("10000002", "Bo Two")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    std::fs::write(paths.policy(), careerdesk::policy::example("standard").unwrap().text).unwrap();
    let ada = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    w.admin.give_consent(&sn("10000001"), "cv-scoring").unwrap();
    w.admin.give_consent(&sn("10000002"), "cv-scoring").unwrap();
    let sup = w.as_("sup1");
    let export = sup.subject_access_export(&sn("10000001")).unwrap();
    assert_eq!(export.held.consents.len(), 1);
    assert_eq!(export.held.consents[0].service, "cv-scoring");
    assert!(export.audit.iter().any(|e| e.detail.starts_with("consent to")));

    sup.erase_client(&paths, &sn("10000001"), "the student asked").unwrap();
    let left: Vec<Consent> = w.admin.store().sealed_for(ada.id.0).unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    assert!(
        w.admin.may_use_service(&sn("10000002"), "cv-scoring").unwrap(),
        "the other client's stays"
    );
}

#[test]
fn data_11_consents_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    common::cli_init_with(dir, &[("desk1", "desk")]);
    common::cli_add_clients(|| common::as_op(dir, "admin"), &["10000001"]);
    common::as_op(dir, "desk1")
        .args(["consent", "give", "10000001", "--service", "cv-scoring"])
        .assert()
        .success();
    common::as_op(dir, "desk1")
        .args(["consent", "withdraw", "10000001", "--service", "interview-bot"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no consent to interview-bot"));
    let out = common::as_op(dir, "desk1")
        .args(["--format", "json", "consent", "list", "10000001"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["current"][0]["service"], "cv-scoring");
    assert_eq!(v["current"][0]["state"], "given");
    assert_eq!(v["current"][0]["recorded_by_login"], "desk1");
    common::as_op(dir, "desk1")
        .args(["consent", "list", "10000001"])
        .assert()
        .success()
        .stdout(predicates::str::contains("History").and(predicates::str::contains("cv-scoring")));
}

#[test]
fn data_12_a_queued_reminder_is_not_sent_once_the_client_withdraws_that_channel() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("cons1", Role::Consultant)],
        &[("10000001", "Ada One")],
    );
    w.slot("cons1", "guidance", "2026-12-03 10:00");
    w.book_with(&w.admin, "10000001", "guidance", "2026-12-03 10:00", None)
        .unwrap();
    let pending = |w: &World| {
        w.admin
            .outbox()
            .unwrap()
            .iter()
            .filter(|e| matches!(e.state, careerdesk::domain::outbox::Delivery::Pending { .. }))
            .count()
    };
    assert_eq!(pending(&w), 2, "a confirmation and a reminder are planned");
    let dir = tempfile::tempdir().unwrap();
    let eml = careerdesk::notify::EmlDir::new(dir.path());
    let first = w.admin.flush_outbox(&eml, None, "careers@example.ac.uk").unwrap();
    assert_eq!((first.sent, first.withheld), (1, 0));

    // The client now wants no contact at all: the reminder, planned when e-mail was allowed,
    // is withdrawn unsent when it falls due.
    let client = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let changes = careerdesk::desk::ClientChanges {
        contact: Some(careerdesk::domain::client::ContactPreferences::parse("none").unwrap()),
        ..Default::default()
    };
    w.admin.edit_client(client.id, &changes).unwrap();
    w.clock.set(at(2026, 12, 3, 9, 0));
    let later = w.admin.flush_outbox(&eml, None, "careers@example.ac.uk").unwrap();
    assert_eq!((later.sent, later.withheld), (0, 1));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the confirmation was written"
    );
    assert_eq!(pending(&w), 0);
}
