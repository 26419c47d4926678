//! Employer relations through the service layer: profiles, tags, contacts, engagement notes,
//! the liaison gate and hand-over (EMP-01, EMP-03..EMP-05).

mod common;

use careerdesk::desk::{Desk, DeskError, EmployerChanges, NewContact, NewEmployer};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::employer::{Employer, EngagementKind, Ownership};
use careerdesk::domain::operator::Role;
use common::*;

fn world() -> World {
    World::new(
        at(2026, 11, 30, 9, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("er2", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[],
    )
}

fn new_employer(name: &str, tags: &[&str]) -> NewEmployer {
    NewEmployer {
        name: name.into(),
        sector: "engineering".into(),
        website: Some(format!("https://{}.example", name.to_lowercase().replace(' ', "-"))),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..NewEmployer::default()
    }
}

fn contact(name: &str, key: bool) -> NewContact {
    NewContact {
        name: name.into(),
        title: None,
        email: Some(format!("{}@firm.example", name.to_lowercase().replace(' ', "."))),
        phone: None,
        key_contact: key,
        visible_to_students: false,
        guidance: if key {
            "Call before e-mailing".into()
        } else {
            String::new()
        },
    }
}

/// A key account owned by er1 with a key contact and an ordinary one.
fn key_account(w: &World) -> Employer {
    let er1 = w.as_("er1");
    let mut n = new_employer("Acme Engineering", &["graduate-scheme"]);
    n.owner = Some(login("er1"));
    let e = er1.add_employer(&n).unwrap();
    er1.add_contact(e.id, &contact("Sam Key", true)).unwrap();
    er1.add_contact(e.id, &contact("Pat Plain", false)).unwrap();
    e
}

fn note(desk: &Desk, e: &Employer, contacts: &[&str]) -> Result<careerdesk::desk::Logged, DeskError> {
    let names: Vec<String> = contacts.iter().map(|c| c.to_string()).collect();
    desk.log_engagement(e.id, EngagementKind::Call, "Talked about the spring fair", &names)
}

#[test]
fn emp_01_profiles_are_added_edited_and_found_by_text_and_any_tags() {
    let w = world();
    let er = w.as_("er1");
    let a = er
        .add_employer(&new_employer("Acme Engineering", &["Graduate-Scheme", "STEM", "stem"]))
        .unwrap();
    assert_eq!(a.tags, ["graduate-scheme", "stem"], "tags are lower-cased, once each");
    er.add_employer(&new_employer("Bolt Law", &["stem", "internships"]))
        .unwrap();
    er.add_employer(&new_employer("Cog Finance", &["internships"])).unwrap();
    let names = |hits: Vec<Employer>| hits.into_iter().map(|e| e.name).collect::<Vec<_>>();
    assert_eq!(
        names(er.find_employers("", &["stem".into()]).unwrap()),
        ["Acme Engineering", "Bolt Law"]
    );
    assert_eq!(
        names(er.find_employers("", &["stem".into(), "internships".into()]).unwrap()),
        ["Bolt Law"]
    );
    assert_eq!(names(er.find_employers("acme", &[]).unwrap()), ["Acme Engineering"]);
    assert!(er
        .find_employers("law", &["graduate-scheme".into()])
        .unwrap()
        .is_empty());

    er.tag_employer(a.id, &["fairs".into(), "stem".into()]).unwrap();
    let edited = er
        .edit_employer(
            a.id,
            &EmployerChanges {
                sector: Some("aerospace".into()),
                website: Some(String::new()),
                ..EmployerChanges::default()
            },
        )
        .unwrap();
    assert_eq!(edited.sector, "aerospace");
    assert_eq!(edited.website, None);
    assert_eq!(
        edited.tags,
        ["fairs", "graduate-scheme", "stem"],
        "tags in alphabetical order"
    );
    assert_eq!(
        names(er.find_employers("aero", &["fairs".into()]).unwrap()),
        ["Acme Engineering"]
    );
}

#[test]
fn emp_01_every_employer_write_needs_manage_employers() {
    let w = world();
    let e = key_account(&w);
    let desk = w.as_("desk1");
    let denied = |r: Result<(), DeskError>| matches!(r, Err(DeskError::Denied(_)));
    assert!(denied(desk.add_employer(&new_employer("Nope Ltd", &[])).map(drop)));
    assert!(denied(desk.edit_employer(e.id, &EmployerChanges::default()).map(drop)));
    assert!(denied(desk.tag_employer(e.id, &["x".into()]).map(drop)));
    assert!(denied(desk.add_contact(e.id, &contact("Al Ex", false)).map(drop)));
    assert!(denied(note(&desk, &e, &[]).map(drop)));
    assert!(denied(desk.record_liaison(e.id, &login("er1"), "ok").map(drop)));
    assert!(denied(desk.hand_over(e.id, &login("er2")).map(drop)));
    assert_eq!(w.admin.find_employers("", &[]).unwrap().len(), 1, "nothing was added");
}

#[test]
fn emp_01_bad_fields_are_all_named_and_nothing_is_saved() {
    let w = world();
    let er = w.as_("er1");
    let bad = NewEmployer {
        name: "  ".into(),
        sector: "s".repeat(500),
        website: Some("not a site".into()),
        tags: vec!["t".repeat(100)],
        owner: Some(login("nobody")),
        ..NewEmployer::default()
    };
    let Err(DeskError::Fields(errors)) = er.add_employer(&bad) else {
        panic!("expected field errors")
    };
    let named: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(named, ["name", "sector", "website", "tags", "owner"]);
    let e = er.add_employer(&new_employer("Acme", &[])).unwrap();
    assert!(matches!(
        er.add_contact(
            e.id,
            &NewContact {
                name: "Al".into(),
                email: Some("nope".into()),
                ..contact("x", false)
            }
        ),
        Err(DeskError::Fields(_))
    ));
    assert!(matches!(
        er.log_engagement(e.id, EngagementKind::Call, "   ", &[]),
        Err(DeskError::Fields(_))
    ));
    assert!(er.employer_profile(e.id).unwrap().contacts.is_empty());
    assert!(er.employer_profile(e.id).unwrap().engagement.is_empty());
}

#[test]
fn emp_01_the_same_name_and_website_is_refused_not_doubled() {
    let w = world();
    let er = w.as_("er1");
    er.add_employer(&new_employer("Acme", &[])).unwrap();
    let mut again = new_employer("ACME ", &[]);
    again.website = Some("HTTPS://acme.example/".into());
    let err = er.add_employer(&again).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("already in the store"), "{err}");
    assert_eq!(er.find_employers("acme", &[]).unwrap().len(), 1);
}

#[test]
fn emp_01_engagement_notes_record_who_when_kind_and_contacts() {
    let w = world();
    let e = key_account(&w);
    let er1 = w.as_("er1");
    for kind in [EngagementKind::Meeting, EngagementKind::Fair, EngagementKind::Visit] {
        er1.log_engagement(e.id, kind, "Met at the stand", &["sam key".into()])
            .unwrap();
    }
    let p = er1.employer_profile(e.id).unwrap();
    assert_eq!(p.engagement.len(), 3);
    let sam = p.contacts.iter().find(|c| c.name == "Sam Key").unwrap();
    assert!(p
        .engagement
        .iter()
        .all(|n| n.author == er1.operator().id && n.contacts == [sam.id]));
    assert_eq!(p.engagement[0].at, at(2026, 11, 30, 9, 0));
    assert!(matches!(
        er1.log_engagement(e.id, EngagementKind::Call, "hello", &["Nobody Here".into()]),
        Err(DeskError::Invalid(_))
    ));
}

#[test]
fn emp_01_an_employer_is_found_by_id_or_unique_name_and_an_ambiguous_name_lists_the_matches() {
    let w = world();
    let er = w.as_("er1");
    let a = er.add_employer(&new_employer("Acme North", &[])).unwrap();
    er.add_employer(&new_employer("Acme South", &[])).unwrap();
    assert_eq!(er.resolve_employer(&a.id.to_string()).unwrap().id, a.id);
    assert_eq!(er.resolve_employer("acme north").unwrap().id, a.id);
    let err = er.resolve_employer("acme").unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(text.contains("Acme North") && text.contains("Acme South"), "{text}");
}

#[test]
fn emp_03_key_contacts_are_shown_with_a_star_and_come_first() {
    let w = world();
    let e = key_account(&w);
    let p = w.admin.employer_profile(e.id).unwrap();
    let shown: Vec<String> = p.contacts.iter().map(|c| c.display_name()).collect();
    assert_eq!(shown, ["Sam Key*", "Pat Plain"]);
    assert_eq!(p.contacts[0].guidance, "Call before e-mailing");
}

#[test]
fn emp_04_owner_logs_contact_with_their_key_contact() {
    let w = world();
    let e = key_account(&w);
    assert!(note(&w.as_("er1"), &e, &["Sam Key"]).is_ok());
}

#[test]
fn emp_04_non_owner_without_liaison_is_refused_naming_the_owner() {
    let w = world();
    let e = key_account(&w);
    let er2 = w.as_("er2");
    let err = note(&er2, &e, &["Sam Key"]).unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(
        matches!(&err, DeskError::LiaiseFirst { owner, .. } if owner == "er1"),
        "{err}"
    );
    assert!(err.to_string().contains("liaise with er1"), "{err}");
    assert!(
        w.admin.employer_profile(e.id).unwrap().engagement.is_empty(),
        "nothing was logged"
    );
    // An ordinary contact at the same employer is not gated.
    assert!(note(&er2, &e, &["Pat Plain"]).is_ok());
}

#[test]
fn emp_04_non_owner_after_liaison_may_log_contact() {
    let w = world();
    let e = key_account(&w);
    let er2 = w.as_("er2");
    let l = er2
        .record_liaison(e.id, &login("er1"), "Agreed er2 invites Sam to the fair")
        .unwrap();
    assert_eq!(l.kind, EngagementKind::Liaison);
    assert_eq!(
        l.liaised_with,
        Some(w.admin.operator_by_login(&login("er1")).unwrap().id)
    );
    assert!(note(&er2, &e, &["Sam Key"]).is_ok());
    // Liaison must be with the owner.
    assert!(matches!(
        er2.record_liaison(e.id, &login("sup1"), "x"),
        Err(DeskError::Invalid(_))
    ));
}

#[test]
fn emp_04_hand_over_is_audited_and_needs_a_fresh_liaison() {
    let w = world();
    let e = key_account(&w);
    let er2 = w.as_("er2");
    er2.record_liaison(e.id, &login("er1"), "Agreed").unwrap();
    let moved = w.as_("er1").hand_over(e.id, &login("sup1")).unwrap();
    assert!(
        matches!(moved.ownership, Ownership::KeyAccount { owner } if owner == w.admin.operator_by_login(&login("sup1")).unwrap().id)
    );
    let err = note(&er2, &e, &["Sam Key"]).unwrap_err();
    assert!(
        matches!(&err, DeskError::LiaiseFirst { owner, .. } if owner == "sup1"),
        "{err}"
    );
    let audited = w
        .admin
        .audit_log()
        .unwrap()
        .into_iter()
        .filter_map(Result::ok)
        .any(|a| a.action == AuditAction::Update && a.detail == "key account handed over from er1 to sup1");
    assert!(audited);
}

#[test]
fn emp_05_multi_owner_has_no_gate_and_shows_recent_engagement() {
    let w = world();
    let er1 = w.as_("er1");
    let mut n = new_employer("Big Bank", &[]);
    n.multi_owner = true;
    let e = er1.add_employer(&n).unwrap();
    er1.add_contact(e.id, &contact("Kim Key", true)).unwrap();
    let first = er1
        .log_engagement(e.id, EngagementKind::Meeting, "Planned the autumn", &["Kim Key".into()])
        .unwrap();
    w.clock.set(at(2026, 12, 1, 9, 0));
    let second = note(&w.as_("er2"), &e, &["Kim Key"]).unwrap();
    assert_eq!(second.recent, [first.note]);
}

#[test]
fn emp_01_search_sees_every_write_made_since_the_last_search() {
    let w = world();
    let er = w.as_("er1");
    let names = |hits: Vec<Employer>| hits.into_iter().map(|e| e.name).collect::<Vec<_>>();
    let a = er.add_employer(&new_employer("Acme Engineering", &["stem"])).unwrap();
    assert_eq!(
        names(er.find_employers("", &["stem".into()]).unwrap()),
        ["Acme Engineering"]
    );
    // Each write lands between two searches of the same session: none may be missed.
    er.untag_employer(a.id, &["stem".into()]).unwrap();
    assert!(er.find_employers("", &["stem".into()]).unwrap().is_empty());
    er.add_employer(&new_employer("Bolt Robotics", &["stem"])).unwrap();
    assert_eq!(
        names(er.find_employers("", &["stem".into()]).unwrap()),
        ["Bolt Robotics"]
    );
    er.edit_employer(
        a.id,
        &EmployerChanges {
            name: Some("Acme Aerospace".into()),
            ..EmployerChanges::default()
        },
    )
    .unwrap();
    assert_eq!(names(er.find_employers("aerospace", &[]).unwrap()), ["Acme Aerospace"]);
    assert_eq!(
        names(er.find_employers("acme", &[]).unwrap()),
        ["Acme Aerospace"],
        "the old name is gone"
    );
}
