//! Bulk mail to employer contacts through the service layer (EVT-04, SEC-06, EMP-04): the grant,
//! the liaison gate, several events in one message, one message per recipient through the
//! outbox, a preview that queues nothing, the engagement note and the audit entry.

mod common;

use careerdesk::desk::{BulkMailRequest, Desk, DeskError, NewContact, NewEmployer, NewEvent};
use careerdesk::domain::employer::{Employer, EngagementKind};
use careerdesk::domain::messages::MessageKind;
use careerdesk::domain::operator::Role;
use careerdesk::domain::outbox::OutboxEntry;
use careerdesk::notify::EmlDir;
use common::*;

/// er1 owns a key account (Acme: key contact Sam Key, Pat Plain, No Mail without an address);
/// Bolt Law is open with one contact; two events; er2 has the bulk-email grant.
fn world() -> World {
    let w = World::new(
        at(2026, 11, 30, 9, 0),
        &[("er1", Role::EmployerRelations), ("er2", Role::EmployerRelations)],
        &[],
    );
    let er1 = w.as_("er1");
    let acme = er1
        .add_employer(&NewEmployer {
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            tags: vec!["stem".into()],
            owner: Some(login("er1")),
            ..NewEmployer::default()
        })
        .unwrap();
    let bolt = er1
        .add_employer(&NewEmployer {
            name: "Bolt Law".into(),
            sector: "law".into(),
            tags: vec!["stem".into(), "law".into()],
            ..NewEmployer::default()
        })
        .unwrap();
    for (e, name, email, key) in [
        (&acme, "Sam Key", Some("sam@acme.example"), true),
        (&acme, "Pat Plain", Some("pat@acme.example"), false),
        (&acme, "No Mail", None, false),
        (&bolt, "Lee Bolt", Some("lee@bolt.example"), false),
    ] {
        er1.add_contact(
            e.id,
            &NewContact {
                name: name.into(),
                email: email.map(str::to_string),
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
    for (title, sector, day, place) in [
        ("Engineering fair", "engineering", 7, "Main hall"),
        ("Law insight day", "law", 9, "Room 2.14"),
    ] {
        er1.add_event(
            &NewEvent {
                title: title.into(),
                sector: sector.into(),
                start: at(2026, 12, day, 10, 0),
                minutes: 120,
                capacity: 50,
                employers: Vec::new(),
                audience_schools: vec!["Engineering".into()],
                target_programmes: vec!["MEng Civil".into()],
                location: place.into(),
            },
            None,
        )
        .unwrap();
    }
    w.admin.set_bulk_email_grant(&login("er2"), true).unwrap();
    w
}

fn request(employers: &[&str], tags: &[&str]) -> BulkMailRequest {
    BulkMailRequest {
        events: vec!["Engineering fair".into(), "law insight day".into()],
        employers: employers.iter().map(|e| e.to_string()).collect(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        subject: "Two events this December".into(),
        body: "We would love you to take part in these events.\nReply to book a stand.".into(),
    }
}

fn employer_mail(w: &World) -> Vec<OutboxEntry> {
    w.admin
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|e| e.message.kind == MessageKind::EmployerMail)
        .collect()
}

fn acme(desk: &Desk) -> Employer {
    desk.resolve_employer("Acme Engineering").unwrap()
}

const ADDRESSES: [&str; 3] = ["sam@acme.example", "pat@acme.example", "lee@bolt.example"];

#[test]
fn sec_06_bulk_mail_is_refused_without_the_grant() {
    let w = world();
    let er1 = w.as_("er1");
    for result in [
        er1.preview_bulk_mail(&request(&["Acme Engineering"], &[])).map(drop),
        er1.send_bulk_mail(&request(&["Acme Engineering"], &[])).map(drop),
    ] {
        match result {
            Err(e @ DeskError::Denied(_)) => {
                assert_eq!(e.exit_code(), 4);
                assert!(e.to_string().contains("bulk-email grant"), "{e}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert!(employer_mail(&w).is_empty());
    // Given the grant, the same operator may.
    w.admin.set_bulk_email_grant(&login("er1"), true).unwrap();
    let er1 = w.as_("er1");
    assert!(er1.preview_bulk_mail(&request(&["Acme Engineering"], &[])).is_ok());
}

#[test]
fn sec_06_emp_04_another_owners_key_contact_is_left_out_until_a_liaison() {
    let w = world();
    let er2 = w.as_("er2");
    let p = er2.preview_bulk_mail(&request(&["Acme Engineering"], &[])).unwrap();
    let names: Vec<&str> = p.recipients.iter().map(|r| r.contact_name.as_str()).collect();
    assert_eq!(names, ["Pat Plain"]);
    let sam = p
        .left_out
        .iter()
        .find(|l| l.contact == "Sam Key*")
        .expect("Sam Key is left out");
    assert!(sam.reason.contains("liaise with er1 first"), "{}", sam.reason);
    let no_mail = p
        .left_out
        .iter()
        .find(|l| l.contact == "No Mail")
        .expect("No Mail is left out");
    assert!(no_mail.reason.contains("no e-mail address"), "{}", no_mail.reason);

    er2.record_liaison(acme(&er2).id, &login("er1"), "Agreed to promote the fair")
        .unwrap();
    let p = er2.preview_bulk_mail(&request(&["Acme Engineering"], &[])).unwrap();
    let names: Vec<&str> = p.recipients.iter().map(|r| r.contact_name.as_str()).collect();
    assert_eq!(names, ["Sam Key", "Pat Plain"]);
    assert!(p.recipients[0].key_contact);
    assert_eq!(
        p.left_out.len(),
        1,
        "only the contact without an address: {:?}",
        p.left_out
    );
}

#[test]
fn evt_04_bulk_mail_bundles_several_events_in_one_message() {
    let w = world();
    let p = w.as_("er2").preview_bulk_mail(&request(&["Bolt Law"], &[])).unwrap();
    assert_eq!(p.events.len(), 2);
    let body = &p.sample.body;
    for want in [
        "Dear Lee Bolt,",
        "Reply to book a stand.",
        "1. Engineering fair",
        "When:     Mon 7 Dec 2026 10:00-12:00 GMT",
        "Where:    Main hall",
        "2. Law insight day",
        "When:     Wed 9 Dec 2026 10:00-12:00 GMT",
        "Where:    Room 2.14",
        "Audience: students of Engineering; aimed at MEng Civil",
    ] {
        assert!(body.contains(want), "{want:?} missing from:\n{body}");
    }
    assert_eq!(p.sample.subject, "Two events this December");
}

#[test]
fn evt_04_preview_queues_nothing() {
    let w = world();
    let er2 = w.as_("er2");
    let notes_before = er2.employer_profile(acme(&er2).id).unwrap().engagement.len();
    let audit_before = w.admin.audit_log().unwrap().len();
    let p = er2.preview_bulk_mail(&request(&[], &["stem"])).unwrap();
    assert_eq!(p.recipients.len(), 2);
    assert!(employer_mail(&w).is_empty());
    assert_eq!(
        er2.employer_profile(acme(&er2).id).unwrap().engagement.len(),
        notes_before
    );
    assert_eq!(w.admin.audit_log().unwrap().len(), audit_before);
}

#[test]
fn evt_04_each_recipient_gets_their_own_message_through_the_outbox() {
    let w = world();
    // The owner mails their own key contact without a liaison.
    w.admin.set_bulk_email_grant(&login("er1"), true).unwrap();
    let sent = w
        .as_("er1")
        .send_bulk_mail(&request(&["Acme Engineering"], &["law"]))
        .unwrap();
    assert_eq!(sent.queued, 3);
    let queued = employer_mail(&w);
    let mut to: Vec<&str> = queued.iter().map(|e| e.message.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["lee@bolt.example", "pat@acme.example", "sam@acme.example"]);
    for e in &queued {
        assert_eq!(
            (e.client, e.appointment),
            (None, None),
            "an employer message has no client"
        );
        for other in ADDRESSES.iter().filter(|a| **a != e.message.to) {
            assert!(!e.message.body.contains(other) && !e.message.subject.contains(other));
        }
    }
    // Sent through the outbox like any message: one .eml file per recipient, each to one address.
    let dir = tempfile::tempdir().unwrap();
    let report = w
        .admin
        .flush_outbox(&EmlDir::new(dir.path()), None, "Careers <careers@uni.example.ac.uk>")
        .unwrap();
    assert_eq!(report.sent, 3);
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len(), 3);
    for f in &files {
        let mentioned = ADDRESSES.iter().filter(|a| f.contains(*a)).count();
        assert_eq!(mentioned, 1, "each file names only its own recipient:\n{f}");
    }
}

#[test]
fn evt_04_sending_notes_an_email_engagement_per_employer_and_audits_without_addresses() {
    let w = world();
    let er2 = w.as_("er2");
    let sent = er2.send_bulk_mail(&request(&[], &["stem"])).unwrap();
    assert_eq!((sent.queued, sent.engagement_notes), (2, 2));
    for name in ["Acme Engineering", "Bolt Law"] {
        let profile = er2.employer_profile(er2.resolve_employer(name).unwrap().id).unwrap();
        let emails: Vec<_> = profile
            .engagement
            .iter()
            .filter(|n| n.kind == EngagementKind::Email)
            .collect();
        assert_eq!(emails.len(), 1, "{name}");
        assert_eq!(emails[0].author, er2.operator().id);
        assert_eq!(emails[0].at, er2.now());
        assert!(emails[0].text.contains("\"Engineering fair\""), "{}", emails[0].text);
        assert_eq!(emails[0].contacts.len(), 1);
    }
    let log: Vec<_> = w.admin.audit_log().unwrap().into_iter().map(Result::unwrap).collect();
    let entry = log
        .iter()
        .find(|e| e.detail.starts_with("bulk mail to employer contacts"))
        .expect("the send is audited");
    assert_eq!(entry.operator, Some(er2.operator().id));
    assert!(
        entry
            .detail
            .contains("2 message(s) to 2 employer(s) promoting 2 event(s)"),
        "{}",
        entry.detail
    );
    for e in &sent.preview.events {
        assert!(entry.detail.contains(&e.id.to_string()), "{}", entry.detail);
    }
    for e in &log {
        for a in ADDRESSES {
            assert!(!e.detail.contains(a), "an address in the audit: {}", e.detail);
        }
    }
}

#[test]
fn evt_04_bad_requests_are_refused_clearly_and_queue_nothing() {
    let w = world();
    let er2 = w.as_("er2");
    let invalid = |req: BulkMailRequest, want: &str| match er2.send_bulk_mail(&req) {
        Err(e @ DeskError::Invalid(_)) => {
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains(want), "{want:?} not in {e}");
        }
        other => panic!("expected bad input, got {other:?}"),
    };
    let mut r = request(&["Bolt Law"], &[]);
    r.events = vec!["No such event".into()];
    invalid(r, "no event has the id or title \"No such event\"");
    let mut r = request(&["Bolt Law"], &[]);
    r.events.clear();
    invalid(r, "name at least one event");
    invalid(request(&[], &[]), "say who to write to");
    invalid(request(&[], &["nobody-has-this"]), "no employer carries every tag");
    invalid(request(&["Nope Ltd"], &[]), "no employer is called");
    let mut r = request(&["Bolt Law"], &[]);
    r.body = "Ring \u{7} the bell".into();
    invalid(r, "body");
    // An employer whose only contact has no address: nobody is left to send to.
    let er1 = w.as_("er1");
    er1.add_employer(&NewEmployer {
        name: "Quiet Ltd".into(),
        sector: "retail".into(),
        ..NewEmployer::default()
    })
    .unwrap();
    let quiet = er1.resolve_employer("Quiet Ltd").unwrap();
    er1.add_contact(
        quiet.id,
        &NewContact {
            name: "Nobody Mailable".into(),
            ..NewContact::default()
        },
    )
    .unwrap();
    invalid(
        request(&["Quiet Ltd"], &[]),
        "every contact was left out:\n  Quiet Ltd, Nobody Mailable: no e-mail address",
    );
    assert!(employer_mail(&w).is_empty());
}
