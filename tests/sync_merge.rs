//! Merging: what one desk does reaches the other desks' records through the server, and two
//! desks' offline edits of one record merge the same way on every desk (last writer by clock
//! for a field, element by element for a set, a delete over any update), with whatever cannot
//! be merged kept in a conflicts queue, never dropped.

mod common;

use careerdesk::desk::{ClientEdit, Desk};
use careerdesk::domain::operator::Role;
use common::desks::{sync, twin};
use common::server::Running;
use common::{sn, World};

/// Desk A with staff and clients, desk B made from it, both enrolled with a fresh server.
fn two_desks() -> (tempfile::TempDir, Running, World, tempfile::TempDir, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("desk1", Role::Desk),
            ("er1", Role::EmployerRelations),
        ],
        &[("10000001", "Ada One"), ("10000002", "Bo Two")],
    );
    let (b_dir, b) = twin(&a, a.clock.clone());
    server.enrol(&a.admin, "Main desk");
    server.enrol(&b, "Fair desk");
    (dir, server, a, b_dir, b)
}

/// Everyone syncs until nothing moves: A, B, A.
fn settle(a: &Desk, b: &Desk) {
    sync(a);
    sync(b);
    sync(a);
}

/// Moves the desks' shared clock on by `minutes`.
fn later(w: &World, minutes: i64) {
    w.clock.set(w.admin.now() + chrono::Duration::minutes(minutes));
}

fn edit(desk: &Desk, student: &str, e: ClientEdit) {
    let c = desk.client_by_student_number(&sn(student)).unwrap();
    desk.edit_client(c.id, &e.parse().unwrap()).unwrap();
}

/// The slots `desk` holds on Thu 10 Dec 2026.
fn slots_on_10_dec(desk: &Desk) -> Vec<careerdesk::domain::appointment::Slot> {
    desk.slots_between(common::local("2026-12-10 00:00"), common::local("2026-12-11 00:00"))
        .unwrap()
}

#[test]
fn sync_a_client_and_a_booking_made_on_one_desk_are_on_the_other_after_both_sync() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    common::add(&a.admin, &common::new_client("10000009", "Zyqnew Person")).unwrap();
    a.slot("cons1", "applications", "2026-12-09 10:00");
    let booked = a
        .book_with(&a.admin, "10000009", "applications", "2026-12-09 10:00", None)
        .unwrap();
    let pushed = sync(&a.admin);
    assert!(pushed.pushed >= 3);
    let report = sync(&b);
    assert!(report.merged >= 3, "client, slot and booking merged: {report:?}");
    let there = b.client_by_student_number(&sn("10000009")).unwrap();
    assert_eq!(there.name, "Zyqnew Person");
    let bookings = b.client_appointments(there.id).unwrap();
    assert_eq!(bookings.len(), 1, "the booking is on desk B");
    assert_eq!(bookings[0].id, booked.id);
    // The client is found by name on B (the lookup took in the merge).
    let found = b.find_clients("zyqnew", 10).unwrap();
    assert_eq!(found.len(), 1);
    // Nothing moves the second time.
    let again = sync(&b);
    assert_eq!((again.new, again.merged), (0, 0));
    assert_eq!(again.conflicts, 0);
}

#[test]
fn sync_two_desks_editing_different_fields_of_one_client_offline_keep_both_edits() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    settle(&a.admin, &b);
    edit(
        &a.admin,
        "10000001",
        ClientEdit {
            email: Some("ada.new@student.example.ac.uk".into()),
            ..Default::default()
        },
    );
    later(&a, 1);
    edit(
        &b,
        "10000001",
        ClientEdit {
            phone: Some("07700 900999".into()),
            ..Default::default()
        },
    );
    settle(&a.admin, &b);
    for desk in [&a.admin, &b] {
        let c = desk.client_by_student_number(&sn("10000001")).unwrap();
        assert_eq!(c.email.as_str(), "ada.new@student.example.ac.uk");
        assert_eq!(c.phone.as_ref().map(|p| p.as_str()), Some("+447700900999"));
    }
    assert_eq!(
        a.admin.client_by_student_number(&sn("10000001")).unwrap(),
        b.client_by_student_number(&sn("10000001")).unwrap(),
        "the same record on both desks"
    );
}

#[test]
fn sync_one_field_changed_on_two_desks_offline_ends_as_the_later_change_on_both() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    settle(&a.admin, &b);
    // B changes the programme first; A later. A syncs first, B last: A's later change wins
    // everywhere, whatever order they arrive in.
    edit(
        &b,
        "10000002",
        ClientEdit {
            programme: Some("BSc Chemistry".into()),
            ..Default::default()
        },
    );
    later(&a, 5);
    edit(
        &a.admin,
        "10000002",
        ClientEdit {
            programme: Some("MSc Data Science".into()),
            ..Default::default()
        },
    );
    sync(&a.admin);
    sync(&b);
    sync(&a.admin);
    for desk in [&a.admin, &b] {
        let c = desk.client_by_student_number(&sn("10000002")).unwrap();
        assert_eq!(c.programme, "MSc Data Science");
    }
}

#[test]
fn sync_a_slot_withdrawn_on_one_desk_and_booked_on_another_waits_in_both_conflicts_queues() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    a.slot("cons1", "applications", "2026-12-10 10:00");
    settle(&a.admin, &b);
    let slot = slots_on_10_dec(&a.admin)[0].clone();
    // Offline, A withdraws it and B books it. Merged field by field the slot would be both
    // withdrawn and booked, which neither desk allows: each keeps its own and lists the other's.
    a.admin.withdraw_slot(slot.id).unwrap();
    later(&a, 1);
    let booked = a
        .book_with(&b, "10000001", "applications", "2026-12-10 10:00", None)
        .unwrap();
    settle(&a.admin, &b);
    for desk in [&a.admin, &b] {
        let list = desk.sync_conflicts().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].kind, "slots");
        assert!(list[0].what.contains("withdrawn"), "{}", list[0].what);
    }
    assert!(slots_on_10_dec(&a.admin)[0].withdrawn && slots_on_10_dec(&a.admin)[0].booking.is_none());
    assert_eq!(
        slots_on_10_dec(&b)[0].booking,
        Some(booked.id),
        "B's booking is not lost"
    );
    let ada = b.client_by_student_number(&sn("10000001")).unwrap();
    assert_eq!(b.client_appointments(ada.id).unwrap().len(), 1);
}

#[test]
fn emp_01_tags_added_on_two_desks_offline_both_survive_and_a_removal_is_kept() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    let er_a = a.as_("er1");
    let employer = er_a
        .add_employer(&careerdesk::desk::NewEmployer {
            name: "Zyqtag Ltd".into(),
            sector: "engineering".into(),
            website: None,
            tags: vec!["graduate".into(), "placement".into()],
            owner: None,
            multi_owner: false,
            self_registered: false,
        })
        .unwrap();
    settle(&a.admin, &b);
    let er_b = common::sign_in_via(&b, "er1", common::STAFF_PASSWORD, a.clock.clone()).unwrap();
    er_a.tag_employer(employer.id, &["bursary".into()]).unwrap();
    er_b.tag_employer(employer.id, &["internship".into()]).unwrap();
    er_b.untag_employer(employer.id, &["placement".into()]).unwrap();
    settle(&a.admin, &b);
    let on_a = er_a.resolve_employer("Zyqtag Ltd").unwrap();
    let on_b = er_b.resolve_employer("Zyqtag Ltd").unwrap();
    assert_eq!(on_a, on_b, "the same employer on both desks");
    assert_eq!(on_a.tags, ["bursary", "graduate", "internship"]);
}

#[test]
fn sync_a_note_amended_on_two_desks_offline_keeps_both_revisions_and_is_flagged() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    let cons_a = a.as_("cons1");
    let ada = cons_a.client_by_student_number(&sn("10000001")).unwrap();
    let note = cons_a.write_note(ada.id, None, "First version of the note.").unwrap();
    assert!(!note.needs_review);
    settle(&a.admin, &b);
    let cons_b = common::sign_in_via(&b, "cons1", common::STAFF_PASSWORD, a.clock.clone()).unwrap();
    later(&a, 1);
    cons_a.amend_note(note.id, "Amended at the main desk.").unwrap();
    later(&a, 1);
    cons_b.amend_note(note.id, "Amended at the fair.").unwrap();
    settle(&a.admin, &b);
    let on_a = cons_a.read_note(note.id).unwrap();
    let on_b = cons_b.read_note(note.id).unwrap();
    assert_eq!(on_a, on_b, "the same note on both desks");
    let bodies: Vec<&str> = on_a.revisions.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "First version of the note.",
            "Amended at the main desk.",
            "Amended at the fair."
        ]
    );
    assert!(on_a.needs_review, "flagged for its author to look at");
}

#[test]
fn sync_one_student_number_given_to_two_people_on_two_desks_waits_in_the_conflicts_queue() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    common::add(&a.admin, &common::new_client("10000077", "Zyqfirst Person")).unwrap();
    common::add(&b, &common::new_client("10000077", "Zyqsecond Person")).unwrap();
    settle(&a.admin, &b);
    for desk in [&a.admin, &b] {
        let list = desk.sync_conflicts().unwrap();
        assert_eq!(list.len(), 1, "one op waits on each desk");
        assert_eq!(list[0].kind, "clients");
        assert!(list[0].what.contains("student number"), "{}", list[0].what);
        assert!(!list[0].what.contains("Zyq"), "names no one: {}", list[0].what);
        assert_eq!(desk.sync_status().unwrap().conflicts, 1);
    }
    // Each desk keeps its own; nothing was dropped: the other's op is held and listed.
    assert_eq!(
        a.admin.client_by_student_number(&sn("10000077")).unwrap().name,
        "Zyqfirst Person"
    );
    assert_eq!(
        b.client_by_student_number(&sn("10000077")).unwrap().name,
        "Zyqsecond Person"
    );
    // On B, A's change merged again before anything is settled still waits, saying why.
    let waiting = &b.sync_conflicts().unwrap()[0];
    let change = format!("{}:{}", waiting.device, waiting.seq);
    let again = b.retry_conflict(&change).unwrap();
    assert!(!again.merged, "{again:?}");
    assert!(
        again.what.as_deref().is_some_and(|w| w.contains("student number")),
        "{again:?}"
    );
    assert_eq!(b.sync_conflicts().unwrap().len(), 1, "still listed");
    // The second person is erased on B: on A the op about them goes with their key, and the
    // count the sync reports (read from the queue's headers) agrees with the list.
    let b_paths = careerdesk::paths::Paths::resolve(b.store().path().parent());
    b.erase_client(&b_paths, &sn("10000077"), "the student asked").unwrap();
    settle(&a.admin, &b);
    for desk in [&a.admin, &b] {
        let listed = desk.sync_conflicts().unwrap().len() as u64;
        assert_eq!(desk.sync_status().unwrap().conflicts, listed);
        assert_eq!(sync(desk).conflicts, listed);
    }
    assert!(
        a.admin.sync_conflicts().unwrap().is_empty(),
        "gone with the erased client's key"
    );
    // The student number is free on B now: A's change merges when tried again, and leaves
    // the queue; both desks hold the first person.
    let done = b.retry_conflict(&change).unwrap();
    assert!(done.merged && done.records >= 1, "{done:?}");
    assert!(b.sync_conflicts().unwrap().is_empty());
    assert_eq!(b.sync_status().unwrap().conflicts, 0);
    settle(&a.admin, &b);
    assert_eq!(
        b.client_by_student_number(&sn("10000077")).unwrap(),
        a.admin.client_by_student_number(&sn("10000077")).unwrap()
    );
    // Once merged it is no longer there to merge, and a change named wrongly is refused with
    // how to name one.
    let e = b.retry_conflict(&change).unwrap_err().to_string();
    assert!(e.contains("no change") && e.contains("careerdesk conflicts"), "{e}");
    let e = b.retry_conflict("nonsense").unwrap_err().to_string();
    assert!(e.contains("DEVICE:OP"), "{e}");
}

#[test]
fn sync_a_page_of_ops_merged_together_lands_as_one_by_one_with_a_clash_in_its_middle_kept_aside() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    // On A, one page of ops: twelve new clients, the first edited between each of the others
    // (ops about one record in one page), and the seventh given a student number B gave to
    // someone else offline.
    common::add(&b, &common::new_client("20000007", "Zyqother Person")).unwrap();
    for i in 1..=12u32 {
        let number = format!("200000{i:02}");
        common::add(&a.admin, &common::new_client(&number, &format!("Page Client {i}"))).unwrap();
        if i > 1 {
            edit(
                &a.admin,
                "20000001",
                ClientEdit {
                    phone: Some(format!("07700 900{i:03}")),
                    ..ClientEdit::default()
                },
            );
        }
    }
    let report = sync(&a.admin);
    assert!(report.pushed >= 23, "the page went up: {report:?}");
    let report = sync(&b);
    assert_eq!(report.new_conflicts, 1, "only the clash waits: {report:?}");
    for i in (1..=12u32).filter(|i| *i != 7) {
        let number = format!("200000{i:02}");
        let here = b.client_by_student_number(&sn(&number)).unwrap();
        let there = a.admin.client_by_student_number(&sn(&number)).unwrap();
        assert_eq!(here, there, "client {number} as on A");
    }
    let phone = b
        .client_by_student_number(&sn("20000001"))
        .unwrap()
        .phone
        .map(|p| p.to_string());
    assert!(
        phone.as_deref().is_some_and(|p| p.replace(' ', "").ends_with("900012")),
        "the last of eleven edits in the page: {phone:?}"
    );
    assert_eq!(
        b.client_by_student_number(&sn("20000007")).unwrap().name,
        "Zyqother Person",
        "B keeps its own"
    );
    let listed = b.sync_conflicts().unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].what.contains("student number"), "{}", listed[0].what);
}

#[test]
fn sync_a_slot_booked_cancelled_and_withdrawn_on_one_desk_merges_in_one_page_as_one_by_one() {
    let (_dir, _server, a, _b_dir, b) = two_desks();
    a.slot("cons1", "applications", "2026-12-10 10:00");
    settle(&a.admin, &b);
    let slot = slots_on_10_dec(&a.admin)[0].clone();
    // On A, between two syncs: the slot booked, the booking cancelled, the slot withdrawn.
    // B takes the three in one page. The withdrawal, worked out on the slot as the booking
    // left it, would look like a withdrawn slot still booked; worked out after the
    // cancellation, as one by one, it merges.
    let booked = a
        .book_with(&a.admin, "10000001", "applications", "2026-12-10 10:00", None)
        .unwrap();
    later(&a, 1);
    a.admin.cancel(booked.id).unwrap();
    later(&a, 1);
    a.admin.withdraw_slot(slot.id).unwrap();
    sync(&a.admin);
    let report = sync(&b);
    assert_eq!(report.new_conflicts, 0, "{report:?}");
    assert!(b.sync_conflicts().unwrap().is_empty());
    assert_eq!(slots_on_10_dec(&b), slots_on_10_dec(&a.admin), "the slot as on A");
    assert!(slots_on_10_dec(&b)[0].withdrawn && slots_on_10_dec(&b)[0].booking.is_none());
}
