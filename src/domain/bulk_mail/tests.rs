use chrono::TimeZone;

use super::*;
use crate::domain::employer::{EngagementKind, Ownership};
use crate::domain::ids::EngagementId;

const ME: OperatorId = OperatorId(1);
const OWNER: OperatorId = OperatorId(2);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn event(id: u128, title: &str, day: u32) -> Event {
    Event {
        id: EventId(id),
        title: title.into(),
        organiser: ME,
        employers: Vec::new(),
        sector: "engineering".into(),
        audience_schools: vec!["Engineering".into()],
        target_programmes: vec!["MEng Civil".into()],
        start: Utc.with_ymd_and_hms(2026, 12, day, 10, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap(),
        location: "Main hall".into(),
        capacity: 100,
        consultations: Vec::new(),
    }
}

fn employer(id: u128, name: &str, ownership: Ownership) -> Employer {
    Employer {
        id: EmployerId(id),
        name: name.into(),
        sector: "engineering".into(),
        website: None,
        tags: Vec::new(),
        ownership,
        self_registered: false,
        created_at: now(),
    }
}

fn contact(id: u128, employer: u128, name: &str, email: Option<&str>, key: bool) -> Contact {
    Contact {
        id: ContactId(id),
        employer: EmployerId(employer),
        name: name.into(),
        title: None,
        email: email.map(|e| Email::parse(e).unwrap()),
        phone: None,
        key_contact: key,
        guidance: String::new(),
        visible_to_students: false,
    }
}

fn liaison(by: OperatorId, with: OperatorId) -> EngagementNote {
    EngagementNote {
        id: EngagementId(9),
        employer: EmployerId(1),
        contacts: Vec::new(),
        author: by,
        at: now() - chrono::Duration::days(1),
        kind: EngagementKind::Liaison,
        liaised_with: Some(with),
        text: "agreed".into(),
    }
}

fn letter(events: Vec<Event>) -> Result<Letter, BulkMailError> {
    let tz: Tz = "Europe/London".parse().unwrap();
    let promoted = events.iter().map(|e| PromotedEvent::of(e, tz)).collect();
    Letter::new(
        "Spring events",
        "We would love you to take part.",
        promoted,
        "Careers Service",
    )
}

#[test]
fn evt_04_one_message_bundles_every_event_with_time_place_and_audience() {
    let l = letter(vec![event(1, "Engineering fair", 7), event(2, "Insight day", 9)]).unwrap();
    let e = employer(1, "Acme", Ownership::Open);
    let contacts = [contact(1, 1, "Pat Plain", Some("pat@acme.example"), false)];
    let facts = [EmployerFacts {
        employer: &e,
        contacts: &contacts,
        notes: &[],
    }];
    let plan = plan(ME, &l, &facts, now(), |_| String::new()).unwrap();
    assert_eq!(plan.messages.len(), 1);
    let m = &plan.messages[0];
    assert_eq!(
        (m.kind, m.channel, m.to.as_str()),
        (MessageKind::EmployerMail, Channel::Email, "pat@acme.example")
    );
    assert!(m
        .body
        .starts_with("Dear Pat Plain,\n\nWe would love you to take part.\n\nThe events:"));
    for want in [
        "1. Engineering fair",
        "When:     Mon 7 Dec 2026 10:00-12:00 GMT",
        "2. Insight day",
        "When:     Wed 9 Dec 2026 10:00-12:00 GMT",
        "Where:    Main hall",
        "Audience: students of Engineering; aimed at MEng Civil",
    ] {
        assert!(m.body.contains(want), "{want:?} missing from {}", m.body);
    }
    assert_eq!(m.due_at, now());
}

#[test]
fn evt_04_events_are_one_to_ten_each_once() {
    assert_eq!(letter(Vec::new()), Err(BulkMailError::NoEvents));
    let twice = letter(vec![event(1, "Fair", 7), event(1, "Fair", 7)]).unwrap();
    assert_eq!(twice.events.len(), 1);
    let many: Vec<Event> = (0..=MAX_EVENTS as u128).map(|i| event(i, "E", 7)).collect();
    assert_eq!(letter(many), Err(BulkMailError::TooManyEvents(MAX_EVENTS + 1)));
}

#[test]
fn evt_04_subject_and_body_are_checked_and_windows_line_ends_are_read() {
    let tz: Tz = "Europe/London".parse().unwrap();
    let ev = || vec![PromotedEvent::of(&event(1, "Fair", 7), tz)];
    let ok = Letter::new("Hello", "Line one\r\nLine two", ev(), "Careers").unwrap();
    assert_eq!(ok.body, "Line one\nLine two");
    let bad = Letter::new("Hello", "Bell \u{7} here", ev(), "Careers").unwrap_err();
    assert!(bad.to_string().contains("body"), "{bad}");
    assert!(Letter::new("Two\nlines", "Body", ev(), "Careers").is_err());
    assert!(Letter::new("Hello", "  \n ", ev(), "Careers")
        .unwrap_err()
        .to_string()
        .contains("body: is empty"));
}

#[test]
fn emp_04_another_owners_key_contact_is_left_out_until_a_liaison() {
    let e = employer(1, "Acme", Ownership::KeyAccount { owner: OWNER });
    let contacts = [
        contact(1, 1, "Sam Key", Some("sam@acme.example"), true),
        contact(2, 1, "Pat Plain", Some("pat@acme.example"), false),
    ];
    fn facts<'a>(e: &'a Employer, contacts: &'a [Contact], notes: &'a [EngagementNote]) -> [EmployerFacts<'a>; 1] {
        [EmployerFacts {
            employer: e,
            contacts,
            notes,
        }]
    }
    let r = choose_recipients(ME, &facts(&e, &contacts, &[]), now());
    assert_eq!(
        r.to.iter().map(|t| t.contact_name.as_str()).collect::<Vec<_>>(),
        ["Pat Plain"]
    );
    assert_eq!(r.left_out.len(), 1);
    assert_eq!(r.left_out[0].contact_name, "Sam Key*");
    assert_eq!(r.left_out[0].reason, LeftOutReason::LiaiseFirst { owner: OWNER });
    // The owner mails their own key contact.
    assert_eq!(choose_recipients(OWNER, &facts(&e, &contacts, &[]), now()).to.len(), 2);
    // After a liaison with the owner, the key contact is included; someone else's does not count.
    let mine = [liaison(ME, OWNER)];
    let after = choose_recipients(ME, &facts(&e, &contacts, &mine), now());
    assert_eq!(after.to.len(), 2);
    assert!(after.to[0].key_contact);
    let others = [liaison(OperatorId(7), OWNER)];
    assert_eq!(choose_recipients(ME, &facts(&e, &contacts, &others), now()).to.len(), 1);
}

#[test]
fn evt_04_contacts_without_an_address_and_repeated_addresses_are_left_out_with_a_reason() {
    let a = employer(1, "Acme", Ownership::Open);
    let b = employer(2, "Bolt", Ownership::MultiOwner);
    let ca = [
        contact(1, 1, "No Mail", None, false),
        contact(2, 1, "Pat Plain", Some("shared@agency.example"), false),
    ];
    let cb = [contact(3, 2, "Lee Other", Some("Shared@agency.example"), false)];
    let facts = [
        EmployerFacts {
            employer: &b,
            contacts: &cb,
            notes: &[],
        },
        EmployerFacts {
            employer: &a,
            contacts: &ca,
            notes: &[],
        },
    ];
    let r = choose_recipients(ME, &facts, now());
    assert_eq!(r.to.len(), 1);
    assert_eq!(r.to[0].employer_name, "Acme", "employers come by name");
    let reasons: Vec<(&str, &LeftOutReason)> = r
        .left_out
        .iter()
        .map(|l| (l.contact_name.as_str(), &l.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("No Mail", &LeftOutReason::NoEmail),
            (
                "Lee Other",
                &LeftOutReason::SameAddress {
                    as_contact: "Pat Plain at Acme".into()
                }
            ),
        ]
    );
    assert_eq!(r.employers(), 1);
    assert!(r.check_recent.is_empty(), "Bolt is not mailed, so nothing to check");
}

#[test]
fn evt_04_nobody_left_to_send_to_is_refused_naming_each_reason() {
    let l = letter(vec![event(1, "Fair", 7)]).unwrap();
    let e = employer(1, "Acme", Ownership::Open);
    let contacts = [contact(1, 1, "No Mail", None, false)];
    let facts = [EmployerFacts {
        employer: &e,
        contacts: &contacts,
        notes: &[],
    }];
    let err = plan(ME, &l, &facts, now(), |_| "no e-mail address".into()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "nobody to send to: every contact was left out:\n  Acme, No Mail: no e-mail address"
    );
}
