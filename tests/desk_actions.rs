//! The desk's everyday actions through the service layer: editing clients, a series of slots
//! over a term, room capacity and closed days, withdrawing slots, a client in one place at a
//! time, checking in on the day, and a consultant's day naming each client.

mod common;

use careerdesk::desk::{ClientEdit, DeskError, NewSeries, NewSlot};
use careerdesk::domain::appointment::AppointmentState;
use careerdesk::domain::change::Change;
use careerdesk::domain::client::Status;
use careerdesk::domain::operator::Role;
use careerdesk::domain::rules::Rule;
use careerdesk::domain::series::SkipReason;
use chrono::{NaiveDate, NaiveTime, Weekday};
use common::*;

/// Consultants cons1 and cons2, desk1, sup1, clients 10000001..=10000003; the clock at Monday
/// 30 November 2026 08:00 UTC (London is on UTC then).
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
        ],
    )
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn hm(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

fn slot_at(consultant: &str, ty: &str, at: &str, location: Option<&str>) -> NewSlot {
    NewSlot {
        consultant: login(consultant),
        appointment_type: ty.into(),
        start: local(at),
        minutes: None,
        location: location.map(Into::into),
    }
}

fn refused_rule(e: &DeskError) -> Option<Rule> {
    match e {
        DeskError::Refused(d) => d.refusals.first().map(|r| r.rule),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Clients: add and edit

fn edit(
    w: &World,
    desk: &careerdesk::desk::Desk,
    sn: &str,
    e: ClientEdit,
) -> Result<careerdesk::desk::Edited, DeskError> {
    let changes = e.parse().map_err(DeskError::Fields)?;
    let id = w.admin.client_by_student_number(&self::sn(sn)).unwrap().id;
    desk.edit_client(id, &changes)
}

#[test]
fn data_01_an_edit_refuses_each_invalid_field_with_the_field_named() {
    let bad = ClientEdit {
        email: Some("not-an-address".into()),
        phone: Some("12345".into()),
        contact: Some("pigeon".into()),
        programme: Some("   ".into()),
        level: Some("phd".into()),
        status: Some("alumnus".into()),
        course_end: Some("2027-02-30".into()),
        school: None,
    };
    let errors = bad.parse().unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "email",
            "phone",
            "contact",
            "programme",
            "level",
            "status",
            "course-end"
        ]
    );
    // The same messages as adding a client.
    let mut as_new = new_client("10000009", "Di Nine");
    as_new.email = "not-an-address".into();
    let w = world();
    let DeskError::Fields(add_errors) = add(&w.admin, &as_new).unwrap_err() else {
        panic!("expected field errors");
    };
    assert_eq!(add_errors[0].to_string(), errors[0].to_string());
    // Nothing was changed by the refused edit.
    let before = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    assert!(edit(&w, &w.admin, "10000001", bad).is_err());
    assert_eq!(w.admin.client_by_student_number(&sn("10000001")).unwrap(), before);
}

#[test]
fn a_duplicate_student_number_is_refused_naming_the_client_who_has_it() {
    let w = world();
    let ada = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    let e = add(&w.admin, &new_client("10000001", "Someone Else")).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    match &e {
        DeskError::ClientExists { existing, name, .. } => {
            assert_eq!(*existing, ada.id);
            assert_eq!(name, "Ada One");
        }
        other => panic!("expected ClientExists, got {other:?}"),
    }
    assert!(e.to_string().contains("client show 10000001"), "{e}");
    // Typed differently (spaces, lower case), it is still the same number.
    let mut spaced = new_client("10000001", "Someone Else");
    spaced.student_number = " 1000 0001 ".into();
    assert!(matches!(add(&w.admin, &spaced), Err(DeskError::ClientExists { .. })));
}

#[test]
fn sec_05_desk_staff_edit_contact_details_but_not_the_study_record() {
    let w = world();
    let desk = w.as_("desk1");
    let done = edit(
        &w,
        &desk,
        "10000001",
        ClientEdit {
            email: Some("ada.one@example.ac.uk".into()),
            phone: Some("".into()),
            contact: Some("email".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    assert_eq!(done.changed, ["email", "phone", "contact"]);
    assert_eq!(done.client.email.as_str(), "ada.one@example.ac.uk");
    assert_eq!(done.client.phone, None, "an empty phone clears it");
    for study in [
        ClientEdit {
            status: Some("graduate".into()),
            ..ClientEdit::default()
        },
        ClientEdit {
            programme: Some("MSc Physics".into()),
            ..ClientEdit::default()
        },
        ClientEdit {
            course_end: Some("".into()),
            ..ClientEdit::default()
        },
    ] {
        let e = edit(&w, &desk, "10000001", study).unwrap_err();
        assert_eq!(e.exit_code(), 4, "{e}");
        assert!(
            e.to_string().contains("programme, school, level, status or course end"),
            "{e}"
        );
    }
    // Giving the value the client already has changes nothing, so it is not refused.
    let same = edit(
        &w,
        &desk,
        "10000001",
        ClientEdit {
            status: Some("student".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    assert!(same.changed.is_empty());
    // A consultant may change the study record.
    let cons = w.as_("cons1");
    let graduated = edit(
        &w,
        &cons,
        "10000001",
        ClientEdit {
            status: Some("graduate".into()),
            course_end: Some("2026-06-30".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    assert_eq!(graduated.changed, ["status", "course-end"]);
    assert_eq!(graduated.client.status, Status::Graduate);
}

#[test]
fn an_edit_is_audited_by_field_name_and_logged_as_a_field_level_update() {
    let w = world();
    let desk = w.as_("desk1");
    let before = w.admin.store().last_op().unwrap().unwrap().seq;
    let done = edit(
        &w,
        &desk,
        "10000002",
        ClientEdit {
            email: Some("bo.two@example.ac.uk".into()),
            phone: Some("07700 900999".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    let op = w.admin.store().last_op().unwrap().unwrap();
    assert_eq!(op.seq, before + 1);
    assert_eq!(op.changes.len(), 1);
    match &op.changes[0] {
        Change::Update { record, fields, .. } => {
            assert_eq!(record.id, done.client.id.0);
            let names: Vec<&str> = fields.keys().map(String::as_str).collect();
            assert_eq!(names, ["email", "phone"], "only the changed fields");
        }
        other => panic!("expected a field-level update, got {other:?}"),
    }
    let audit = w.admin.audit_log().unwrap();
    let last = audit.last().unwrap().as_ref().unwrap();
    assert_eq!(last.detail, "client edited: email, phone");
    assert_eq!(last.login.as_deref(), Some("desk1"));
    assert!(!last.detail.contains("bo.two"), "no personal data in the audit log");
    // An edit that changes nothing writes nothing.
    let same = edit(
        &w,
        &desk,
        "10000002",
        ClientEdit {
            email: Some("bo.two@example.ac.uk".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    assert!(same.changed.is_empty());
    assert_eq!(w.admin.store().last_op().unwrap().unwrap().seq, op.seq);
}

#[test]
fn the_client_directory_follows_an_edit() {
    let w = world();
    assert!(w.admin.find_clients("bo.two@", 5).unwrap().is_empty());
    edit(
        &w,
        &w.admin,
        "10000002",
        ClientEdit {
            email: Some("bo.two@example.ac.uk".into()),
            programme: Some("MA History".into()),
            ..ClientEdit::default()
        },
    )
    .unwrap();
    let hits = w.admin.find_clients("bo.two@", 5).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].programme, "MA History");
}

// ---------------------------------------------------------------------------------------------
// Series, rooms and closed days

/// cons1's guidance on Mondays, Tuesdays and Thursdays, 09:00 to 12:45 every 45 minutes, from
/// Monday 14 December to Friday 8 January: twelve days, four of them in the standard policy's
/// winter closure (24 December to 1 January).
fn december_series() -> NewSeries {
    NewSeries {
        consultant: login("cons1"),
        appointment_type: "guidance".into(),
        days: vec![Weekday::Mon, Weekday::Tue, Weekday::Thu],
        from: hm("09:00"),
        to: hm("12:45"),
        every: 45,
        minutes: None,
        start: d("2026-12-14"),
        until: d("2027-01-08"),
        location: None,
        skip: vec![d("2027-01-05")],
    }
}

#[test]
fn a_series_skips_closures_a_busy_consultant_a_full_room_and_the_days_asked() {
    let w = world();
    // cons1 already has applications advice on Tuesday 15 December at 10:00 (30 minutes), and
    // cons2 has the private pod on Thursday 17 December at 09:00.
    w.admin
        .add_slot(&slot_at("cons1", "applications", "2026-12-15 10:00", None))
        .unwrap();
    w.admin
        .add_slot(&slot_at("cons2", "guidance", "2026-12-17 09:00", Some("atrium-pod-1")))
        .unwrap();
    let slots_before = w
        .admin
        .slots_between(local("2026-12-14 00:00"), local("2027-01-09 00:00"))
        .unwrap();

    let dry = w.admin.add_series(&december_series(), true).unwrap();
    assert!(dry.dry_run);
    let after_dry = w
        .admin
        .slots_between(local("2026-12-14 00:00"), local("2027-01-09 00:00"))
        .unwrap();
    assert_eq!(after_dry, slots_before, "a dry run makes nothing");

    let report = w.admin.add_series(&december_series(), false).unwrap();
    let skipped: Vec<(NaiveDate, Option<NaiveTime>, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.date, s.time, s.reason.clone()))
        .collect();
    let closed = || SkipReason::Closed {
        name: "Winter closure".into(),
    };
    assert_eq!(
        skipped,
        [
            (
                d("2026-12-15"),
                Some(hm("09:45")),
                SkipReason::ConsultantBusy {
                    other: "10:00-10:30".into()
                }
            ),
            (
                d("2026-12-17"),
                Some(hm("09:00")),
                SkipReason::RoomFull { used: 1, capacity: 1 }
            ),
            (d("2026-12-24"), None, closed()),
            (d("2026-12-28"), None, closed()),
            (d("2026-12-29"), None, closed()),
            (d("2026-12-31"), None, closed()),
            (d("2027-01-05"), None, SkipReason::Skipped),
        ]
    );
    // Eight open days of five slots, less the busy time and the full room.
    assert_eq!(report.made.len(), 8 * 5 - 5 - 2);
    assert_eq!(dry.made.len(), report.made.len());
    assert_eq!(dry.skipped, report.skipped);
    let stored = w.admin.series_slots(report.series).unwrap();
    assert_eq!(stored.len(), report.made.len());
    assert!(stored
        .iter()
        .all(|s| s.series == Some(report.series) && s.location.as_str() == "atrium-pod-1" && s.minutes == 45));
    let first = w.admin.local_time(stored[0].start).format("%Y-%m-%d %H:%M").to_string();
    assert_eq!(first, "2026-12-14 09:00");
    // One commit for the whole series, audited once.
    let audit = w.admin.audit_log().unwrap();
    let series_entries = audit
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .filter(|e| e.detail.starts_with(&format!("series {}", report.series)))
        .count();
    assert_eq!(series_entries, 1);
}

#[test]
fn room_capacity_is_refused_for_a_single_slot_and_default_locations_find_a_free_room() {
    let w = world();
    w.admin
        .add_slot(&slot_at("cons1", "guidance", "2026-12-01 10:00", Some("atrium-pod-1")))
        .unwrap();
    // Another consultant in the same private pod at an overlapping time is refused.
    let e = w
        .admin
        .add_slot(&slot_at("cons2", "guidance", "2026-12-01 10:15", Some("atrium-pod-1")))
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::RoomFull));
    assert_eq!(e.exit_code(), 3);
    assert!(
        e.to_string().contains("Atrium private pod 1 holds one slot at a time"),
        "{e}"
    );
    // Given no location, the next private room with space is used.
    let s = w
        .admin
        .add_slot(&slot_at("cons2", "guidance", "2026-12-01 10:15", None))
        .unwrap();
    assert_eq!(s.location.as_str(), "atrium-room-2");
    // With both private rooms taken, a third consultant is refused with what to do.
    let e = w
        .admin
        .add_slot(&slot_at("sup1", "guidance", "2026-12-01 10:30", None))
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::RoomFull));
    assert!(e.to_string().contains("every confidential place"), "{e}");
    // Online has no room limit.
    w.admin
        .add_slot(&slot_at("sup1", "guidance", "2026-12-01 10:30", Some("online")))
        .unwrap();
    // The careers desk holds two at once.
    for who in ["cons1", "cons2"] {
        w.admin
            .add_slot(&slot_at(who, "drop-in", "2026-12-02 12:00", Some("careers-desk")))
            .unwrap();
    }
    let e = w
        .admin
        .add_slot(&slot_at("sup1", "drop-in", "2026-12-02 12:05", Some("careers-desk")))
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::RoomFull));
    // A withdrawn slot frees its room.
    let slots = w
        .admin
        .slots_between(local("2026-12-02 12:00"), local("2026-12-02 12:01"))
        .unwrap();
    w.admin.withdraw_slot(slots[0].id).unwrap();
    w.admin
        .add_slot(&slot_at("sup1", "drop-in", "2026-12-02 12:05", Some("careers-desk")))
        .unwrap();
}

#[test]
fn no_slot_is_added_on_a_day_the_service_is_closed() {
    let w = world();
    let e = w
        .admin
        .add_slot(&slot_at("cons1", "guidance", "2026-12-29 10:00", None))
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::Closed));
    assert!(e.to_string().contains("Winter closure"), "{e}");
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn withdrawing_refuses_booked_slots_and_lists_them_withdrawing_the_free_ones() {
    let w = world();
    let mut series = december_series();
    series.until = d("2026-12-17");
    series.skip.clear();
    let report = w.admin.add_series(&series, false).unwrap();
    assert_eq!(report.made.len(), 15);
    let booked = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-15 10:30", Some("cons1"))
        .unwrap();
    // One slot on its own: a booked one is refused, naming the booking.
    let held = report.made.iter().find(|s| s.id == booked.slot).unwrap();
    let e = w.admin.withdraw_slot(held.id).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains(&booked.id.to_string()), "{e}");
    // The series from 15 December: the booked slot is kept and listed, the rest withdrawn.
    let done = w
        .admin
        .withdraw_series(report.series, Some(d("2026-12-15")), None)
        .unwrap();
    assert_eq!(done.withdrawn.len(), 9);
    assert_eq!(done.booked.len(), 1);
    assert_eq!(done.booked[0].id, booked.slot);
    let after = w.admin.series_slots(report.series).unwrap();
    assert_eq!(after.iter().filter(|s| s.withdrawn).count(), 9);
    assert!(after
        .iter()
        .any(|s| s.id == booked.slot && !s.withdrawn && s.booking == Some(booked.id)));
    // A withdrawn slot cannot be booked; Monday's slots are untouched and can.
    assert!(w
        .book_with(&w.admin, "10000002", "guidance", "2026-12-17 09:00", Some("cons1"))
        .is_err());
    w.book_with(&w.admin, "10000002", "guidance", "2026-12-14 09:00", Some("cons1"))
        .unwrap();
    // Withdrawing again reports what was already done.
    let again = w
        .admin
        .withdraw_series(report.series, Some(d("2026-12-15")), None)
        .unwrap();
    assert_eq!(
        (again.withdrawn.len(), again.already_withdrawn, again.booked.len()),
        (0, 9, 1)
    );
}

// ---------------------------------------------------------------------------------------------
// A client is in one place at a time

#[test]
fn a_client_booked_at_ten_cannot_be_booked_elsewhere_at_ten() {
    let w = world();
    w.admin
        .add_slot(&slot_at("cons1", "guidance", "2026-12-01 10:00", None))
        .unwrap();
    w.admin
        .add_slot(&slot_at("cons2", "guidance", "2026-12-01 10:00", None))
        .unwrap();
    w.admin
        .add_slot(&slot_at("sup1", "applications", "2026-12-01 10:30", None))
        .unwrap();
    let first = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-01 10:00", Some("cons1"))
        .unwrap();
    let e = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-01 10:00", Some("cons2"))
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::Overlap));
    assert_eq!(e.exit_code(), 3);
    let text = e.to_string();
    assert!(text.contains("OVERLAP"), "{text}");
    assert!(
        text.contains("Careers guidance on Tue 1 Dec 2026 10:00-10:45"),
        "{text}"
    );
    assert!(text.contains("(cons1)"), "{text}");
    assert!(text.contains(&first.id.to_string()), "{text}");
    // An overlapping start is refused too.
    let e = w
        .book_with(&w.admin, "10000001", "applications", "2026-12-01 10:30", None)
        .unwrap_err();
    assert_eq!(refused_rule(&e), Some(Rule::Overlap));
    // Someone else may have those slots.
    w.book_with(&w.admin, "10000002", "guidance", "2026-12-01 10:00", Some("cons2"))
        .unwrap();
    // Once the first booking is cancelled, the client is free at ten again.
    w.admin.cancel(first.id).unwrap();
    w.book_with(&w.admin, "10000001", "applications", "2026-12-01 10:30", None)
        .unwrap();
}

#[test]
fn booking_the_same_slot_again_says_it_is_already_booked_with_the_booking_id() {
    let w = world();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    let a = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-01 10:00", None)
        .unwrap();
    let e = w
        .book_with(&w.admin, "10000001", "guidance", "2026-12-01 10:00", None)
        .unwrap_err();
    match &e {
        DeskError::AlreadyBooked { booking, message } => {
            assert_eq!(*booking, a.id);
            assert!(message.contains("already booked into this slot"), "{message}");
            assert!(message.contains(&a.id.to_string()), "{message}");
        }
        other => panic!("expected AlreadyBooked, got {other:?}"),
    }
    assert_eq!(e.exit_code(), 2);
    let client = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    assert!(matches!(
        w.admin.book_slot(&client, a.slot, w.admin.now()),
        Err(DeskError::AlreadyBooked { .. })
    ));
    // Another client is told the slot is taken, as before.
    let e = w
        .book_with(&w.admin, "10000002", "guidance", "2026-12-01 10:00", None)
        .unwrap_err();
    assert!(e.to_string().contains("already booked"), "{e}");
    assert!(!matches!(e, DeskError::AlreadyBooked { .. }));
}

// ---------------------------------------------------------------------------------------------
// Check-in on the day, and a consultant's day

#[test]
fn check_in_works_only_on_the_day_and_before_the_end() {
    let w = world();
    w.slot("cons1", "guidance", "2026-11-30 11:00");
    w.slot("cons1", "guidance", "2026-12-01 11:00");
    let today = w
        .book_with(&w.admin, "10000001", "guidance", "2026-11-30 11:00", None)
        .unwrap();
    let tomorrow = w
        .book_with(&w.admin, "10000002", "guidance", "2026-12-01 11:00", None)
        .unwrap();
    let desk = w.as_("desk1");
    let e = desk.check_in(tomorrow.id).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("not today"), "{e}");
    let checked = desk.check_in(today.id).unwrap();
    assert!(matches!(checked.state, AppointmentState::CheckedIn { .. }));
    assert_eq!(checked.state_code(), "checked-in");
    let e = desk.check_in(today.id).unwrap_err();
    assert!(e.to_string().contains("already checked in at 08:00"), "{e}");
    // Tomorrow, after the appointment is over, it is too late.
    w.clock.set(at(2026, 12, 1, 12, 0));
    let e = desk.check_in(tomorrow.id).unwrap_err();
    assert!(e.to_string().contains("already over"), "{e}");
}

#[test]
fn a_consultant_s_day_names_the_client_of_each_booking() {
    let w = world();
    w.slot("cons1", "guidance", "2026-11-30 10:00");
    w.slot("cons1", "guidance", "2026-11-30 11:00");
    w.book_with(&w.admin, "10000003", "guidance", "2026-11-30 11:00", None)
        .unwrap();
    let day = w.as_("cons1").my_day().unwrap();
    assert_eq!(day.len(), 2);
    assert_eq!(day[0].client, None, "the free slot has nobody");
    let (name, number) = day[1].client.clone().unwrap();
    assert_eq!((name.as_str(), number.as_str()), ("Cy Three", "10000003"));
}

#[test]
fn generated_demo_slots_keep_every_room_within_its_capacity_and_skip_closed_days() {
    use careerdesk::domain::appointment::Slot;
    use careerdesk::domain::rules::rooms::peak_use;
    let tmp = tempfile::tempdir().unwrap();
    let clock = clock();
    clock.set(at(2026, 12, 14, 8, 0)); // four weeks ahead reach into the winter closure
    let admin = init(tmp.path(), clock);
    // Three consultants at the same times, and only two private rooms.
    careerdesk::demo::generate(&admin, 600, 7, &careerdesk::demo::Progress::Hidden).unwrap();
    let slots: Vec<Slot> = admin.store().scan::<Slot>().unwrap().map(|s| s.unwrap()).collect();
    assert!(slots.len() > 1000, "{}", slots.len());
    let policy = admin.policy();
    // Demo slots never cross midnight, so a place's slots are compared within each day.
    let mut by_place_and_day: std::collections::HashMap<_, Vec<&Slot>> = std::collections::HashMap::new();
    for s in &slots {
        by_place_and_day
            .entry((s.location.clone(), policy.local_date(s.start)))
            .or_default()
            .push(s);
    }
    let mut online = 0;
    for s in &slots {
        assert!(
            policy.closure_on(policy.local_date(s.start)).is_none(),
            "a slot on a closed day"
        );
        let place = policy.location(&s.location).unwrap();
        online += usize::from(place.online);
        if let Some(limit) = place.room_limit() {
            let same_place = by_place_and_day[&(s.location.clone(), policy.local_date(s.start))]
                .iter()
                .copied();
            let used = peak_use(same_place, s.start, s.end());
            assert!(used <= limit, "{} holds {limit}, {used} at {}", place.id, s.start);
        }
    }
    assert!(online > 0, "consultants beyond the rooms' capacity work online");
}
