//! Events through the service layer: clashes on the combined calendar stop an event unless a
//! reason is given (EVT-01), moving checks again, and opening an event to another school
//! records the consultation (EVT-02).

mod common;

use careerdesk::desk::{Desk, DeskError, NewEvent};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::clash::Shared;
use careerdesk::domain::operator::Role;
use common::*;

/// er1 (employer relations), desk1, sup1; the clock at Monday 30 November 2026 08:00 UTC.
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[],
    )
}

fn fair(title: &str, sector: &str, day: u32, hour: u32) -> NewEvent {
    NewEvent {
        title: title.into(),
        sector: sector.into(),
        start: at(2026, 12, day, hour, 0),
        minutes: 120,
        capacity: 30,
        audience_schools: vec!["Engineering".into()],
        target_programmes: vec!["MEng Civil".into()],
        location: "Main hall".into(),
        ..NewEvent::default()
    }
}

fn clashes_of(e: DeskError) -> Vec<careerdesk::domain::clash::Clash> {
    match e {
        DeskError::Clashes(c) => c.into_iter().map(|r| r.clash).collect(),
        other => panic!("expected clashes, got {other}"),
    }
}

fn last_audit(w: &World) -> careerdesk::domain::audit::AuditEntry {
    // Signing in to read the log is itself audited: the event's entry is the last other one.
    let sup: Desk = w.as_("sup1");
    sup.audit_log()
        .unwrap()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.action != AuditAction::SignIn)
        .last()
        .unwrap()
}

#[test]
fn evt_01_a_clash_is_refused_naming_each_event_and_why_unless_a_reason_is_given() {
    let w = world();
    let er = w.as_("er1");
    let first = er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    let mut other = fair("Finance evening", "Finance", 7, 11);
    other.target_programmes = vec!["BSc Economics".into()];
    er.add_event(&other, None).unwrap();

    let e = er
        .add_event(&fair("Bridges talk", "engineering", 7, 11), None)
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    let text = e.to_string();
    assert!(
        text.contains("Civil fair") && text.contains("sector \"Engineering\""),
        "{text}"
    );
    let found = clashes_of(e);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].event, first.id);
    assert!(found[0].shared.contains(&Shared::Programme("MEng Civil".into())));
    assert_eq!(er.events().unwrap().len(), 2, "nothing was saved");

    let blank = er
        .add_event(&fair("Bridges talk", "engineering", 7, 11), Some("  "))
        .unwrap_err();
    assert_eq!(blank.exit_code(), 2);
    let made = er
        .add_event(
            &fair("Bridges talk", "engineering", 7, 11),
            Some("the employer can only come that day"),
        )
        .unwrap();
    assert_eq!(er.events().unwrap().len(), 3);
    let entry = last_audit(&w);
    assert_eq!(entry.action, AuditAction::Override);
    assert_eq!(entry.reason.as_deref(), Some("the employer can only come that day"));
    assert!(entry.detail.contains("Civil fair"), "{}", entry.detail);
    assert_eq!(er.find_event("bridges TALK").unwrap().id, made.id);
}

#[test]
fn evt_01_moving_an_event_checks_clashes_again() {
    let w = world();
    let er = w.as_("er1");
    er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    er.add_event(&fair("Site visit", "Engineering", 14, 10), None).unwrap();
    let e = er
        .move_event("Site visit", at(2026, 12, 7, 15, 0), None, None)
        .unwrap_err();
    assert_eq!(clashes_of(e)[0].title, "Civil fair");
    assert_eq!(er.find_event("Site visit").unwrap().start, at(2026, 12, 14, 10, 0));
    let moved = er
        .move_event("Site visit", at(2026, 12, 10, 10, 0), Some(60), None)
        .unwrap();
    assert_eq!(moved.end, at(2026, 12, 10, 11, 0));
    // Moving within its own old time never clashes with itself.
    er.move_event("Site visit", at(2026, 12, 10, 10, 30), None, None)
        .unwrap();
}

#[test]
fn evt_01_writes_need_permission_and_bad_input_is_named() {
    let w = world();
    let desk = w.as_("desk1");
    let e = desk
        .add_event(&fair("Civil fair", "Engineering", 7, 10), None)
        .unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let er = w.as_("er1");
    let mut bad = fair("", "Engineering", 7, 10);
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("title"));
    bad.title = "Fair".into();
    bad.capacity = 0;
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("capacity"));
    bad.capacity = 10;
    bad.minutes = 0;
    assert!(er.add_event(&bad, None).unwrap_err().to_string().contains("minutes"));
    assert!(er.events().unwrap().is_empty());
    assert_eq!(desk.events().unwrap().len(), 0, "desk staff may list events");
}

#[test]
fn evt_02_opening_an_event_to_another_school_records_the_consultation() {
    let w = world();
    let er = w.as_("er1");
    er.add_event(&fair("Civil fair", "Engineering", 7, 10), None).unwrap();
    let e = er.open_event("Civil fair", "Natural Sciences", "nobody").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let opened = er.open_event("Civil fair", "Natural Sciences", "sup1").unwrap();
    assert_eq!(opened.audience_schools, ["Engineering", "Natural Sciences"]);
    let c = &opened.consultations[0];
    assert_eq!(c.school, "Natural Sciences");
    assert_eq!(c.at, at(2026, 11, 30, 8, 0));
    assert_eq!(Some(c.consulted), w.as_("sup1").operator().id.into());
    assert!(last_audit(&w).detail.contains("consulting sup1"));
    let again = er.open_event("Civil fair", "natural sciences", "sup1").unwrap_err();
    assert_eq!(again.exit_code(), 2);
    let desk = w.as_("desk1");
    assert_eq!(desk.open_event("Civil fair", "Law", "sup1").unwrap_err().exit_code(), 4);
}
