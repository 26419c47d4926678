//! Enquiries (DATA-03, DATA-04): a summary always, e-mail correspondence only until the
//! policy's days after resolution, never a chat transcript.

mod common;

use careerdesk::desk::NewEnquiry;
use careerdesk::domain::enquiry::EnquiryChannel;
use careerdesk::domain::operator::Role;
use careerdesk::paths::Paths;
use common::{at, sn, World};
use predicates::prelude::PredicateBooleanExt;

fn email(body: &str) -> NewEnquiry {
    NewEnquiry {
        channel: EnquiryChannel::Email,
        client: Some(sn("10000001")),
        summary: "asked about graduate schemes".into(),
        body: Some(body.into()),
    }
}

#[test]
fn data_04_a_chat_enquiry_keeps_a_summary_never_a_transcript() {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("desk1", Role::Desk)],
        &[("10000001", "Ada One")],
    );
    let desk = w.as_("desk1");
    let mut chat = email("the whole transcript");
    chat.channel = EnquiryChannel::Chat;
    let err = desk.add_enquiry(&chat).unwrap_err().to_string();
    assert!(err.contains("body") && err.contains("DATA-04"), "{err}");
    assert!(desk.enquiries(false).unwrap().is_empty(), "nothing recorded");
    chat.body = None;
    let e = desk.add_enquiry(&chat).unwrap();
    assert_eq!(e.body, None);
    assert_eq!(desk.enquiries(true).unwrap().len(), 1);
}

#[test]
fn data_03_email_correspondence_is_removed_the_day_after_the_policys_days_and_the_summary_stays() {
    let w = World::new(
        at(2026, 1, 31, 9, 0),
        &[("desk1", Role::Desk)],
        &[("10000001", "Ada One")],
    );
    let paths = Paths::resolve(Some(w._tmp.path()));
    let desk = w.as_("desk1");
    let e = desk
        .add_enquiry(&email("Dear careers service, ... and our reply"))
        .unwrap();
    // Unresolved: kept however long it waits.
    w.clock.set(at(2026, 9, 1, 9, 0));
    assert_eq!(
        w.admin
            .purge(&paths, true, &careerdesk::store::no_progress)
            .unwrap()
            .enquiry_bodies,
        0
    );
    w.clock.set(at(2026, 1, 31, 9, 0));
    desk.resolve_enquiry(e.id).unwrap();
    // 61 days after resolution (the standard policy) is the last day it is kept.
    w.clock.set(at(2026, 4, 2, 12, 0));
    assert_eq!(
        w.admin
            .purge(&paths, true, &careerdesk::store::no_progress)
            .unwrap()
            .enquiry_bodies,
        0
    );
    w.clock.set(at(2026, 4, 3, 12, 0));
    let dry = w.admin.purge(&paths, true, &careerdesk::store::no_progress).unwrap();
    assert_eq!(dry.enquiry_bodies, 1);
    assert!(
        desk.enquiries(false).unwrap()[0].body.is_some(),
        "a dry run changes nothing"
    );
    let done = w.admin.purge(&paths, false, &careerdesk::store::no_progress).unwrap();
    assert_eq!(done.enquiry_bodies, 1);
    let kept = &desk.enquiries(false).unwrap()[0];
    assert_eq!(kept.body, None);
    assert_eq!(kept.summary, "asked about graduate schemes");
}

#[test]
fn data_03_enquiries_through_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = common::ADMIN_PASSWORD;
    common::cli_init(dir);
    common::cli_add_clients(|| common::bin_as(dir, "admin", pw), &["10000001"]);
    let body = dir.join("mail.txt");
    std::fs::write(&body, "the query\nand the reply").unwrap();
    let out = common::bin_as(dir, "admin", pw)
        .args([
            "--format",
            "json",
            "enquiry",
            "add",
            "--channel",
            "email",
            "--client",
            "10000001",
        ])
        .args(["--summary", "asked about CV reviews", "--body-file"])
        .arg(&body)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let id = v["enquiry"].as_str().unwrap().to_string();
    common::bin_as(dir, "admin", pw)
        .args(["enquiry", "add", "--channel", "chat", "--summary", "s", "--body-file"])
        .arg(&body)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("DATA-04"));
    common::bin_as(dir, "admin", pw)
        .args(["enquiry", "add", "--channel", "fax", "--summary", "s"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("email, phone, desk, chat"));
    common::bin_as(dir, "admin", pw)
        .args(["enquiry", "list", "--open"])
        .assert()
        .success()
        .stdout(predicates::str::contains("asked about CV reviews"));
    common::bin_as(dir, "admin", pw)
        .args(["enquiry", "resolve", &id])
        .assert()
        .success();
    common::bin_as(dir, "admin", pw)
        .args(["enquiry", "list", "--open"])
        .assert()
        .success()
        .stdout(predicates::str::contains("asked about CV reviews").not());
}
