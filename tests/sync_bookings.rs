//! Bookings decided by the server: a desk that syncs books provisionally; at its next sync the
//! server gives the slot to the first booking to arrive and tells the others which booking
//! has it. Exactly one is confirmed, the others wait in their own desk's conflicts queue with
//! free slots to offer, nothing is dropped, and a confirmation message is planned only once
//! the server has confirmed.

mod common;

use careerdesk::desk::Desk;
use careerdesk::domain::appointment::{Appointment, Confirmation, Slot};
use careerdesk::domain::operator::Role;
use common::desks::{sync, twin};
use common::server::Running;
use common::World;

const STUDENTS: [&str; 3] = ["10000001", "10000002", "10000003"];
const AT: &str = "2026-12-11 10:00";

/// Desk A with staff, clients and two slots (10:00 and 11:00), and `n - 1` desks made from
/// it, every one enrolled with a fresh server and synced.
fn desks(n: usize) -> (tempfile::TempDir, Running, World, Vec<(tempfile::TempDir, Desk)>) {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[("cons1", Role::Consultant)],
        &[
            (STUDENTS[0], "Ada One"),
            (STUDENTS[1], "Bo Two"),
            (STUDENTS[2], "Cy Three"),
        ],
    );
    a.slot("cons1", "applications", AT);
    a.slot("cons1", "applications", "2026-12-11 11:00");
    let others: Vec<(tempfile::TempDir, Desk)> = (1..n).map(|_| twin(&a, a.clock.clone())).collect();
    server.enrol(&a.admin, "desk 0");
    for (i, (_, d)) in others.iter().enumerate() {
        server.enrol(d, &format!("desk {}", i + 1));
    }
    sync(&a.admin);
    for (_, d) in &others {
        sync(d);
    }
    (dir, server, a, others)
}

fn later(w: &World, minutes: i64) {
    w.clock.set(w.admin.now() + chrono::Duration::minutes(minutes));
}

fn appointment(desk: &Desk, id: careerdesk::domain::ids::AppointmentId) -> Appointment {
    desk.store()
        .get::<Appointment>(id.0)
        .unwrap()
        .expect("the booking is held")
}

fn ten_o_clock(desk: &Desk) -> Slot {
    desk.slots_between(common::local(AT), common::local("2026-12-11 10:01"))
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

fn messages_for(desk: &Desk, id: careerdesk::domain::ids::AppointmentId) -> usize {
    desk.outbox()
        .unwrap()
        .iter()
        .filter(|m| m.appointment == Some(id))
        .count()
}

/// Every desk books its own student into the 10:00 slot offline; then they sync in `order`,
/// and all sync again until nothing moves.
fn race(n: usize, order: &[usize]) {
    let (_dir, _server, a, others) = desks(n);
    let all: Vec<&Desk> = std::iter::once(&a.admin).chain(others.iter().map(|(_, d)| d)).collect();
    let mut made = Vec::new();
    for (i, desk) in all.iter().enumerate() {
        let b = a.book_with(desk, STUDENTS[i], "applications", AT, None).unwrap();
        assert!(
            matches!(b.confirmation, Confirmation::Provisional { .. }),
            "a desk that syncs books provisionally: {:?}",
            b.confirmation
        );
        assert_eq!(messages_for(desk, b.id), 0, "no message before the server confirms");
        made.push(b.id);
        later(&a, 1);
    }
    for &i in order {
        sync(all[i]);
    }
    for _ in 0..2 {
        for desk in &all {
            sync(desk);
        }
    }
    let first = order[0];
    for (i, desk) in all.iter().enumerate() {
        // Nothing lost: every desk holds every booking, and agrees on each one's standing.
        for (j, &id) in made.iter().enumerate() {
            let b = appointment(desk, id);
            if j == first {
                assert_eq!(b.confirmation, Confirmation::Confirmed, "desk {i}, booking of desk {j}");
            } else {
                match &b.confirmation {
                    Confirmation::NeedsRebooking {
                        taken_by, alternatives, ..
                    } => {
                        assert_eq!(*taken_by, Some(made[first]), "desk {i}, booking of desk {j}");
                        assert!(!alternatives.is_empty(), "the 11:00 slot is offered");
                    }
                    other => panic!("desk {i}, booking of desk {j}: {other:?}"),
                }
            }
        }
        assert_eq!(
            ten_o_clock(desk).booking,
            Some(made[first]),
            "desk {i}: the slot is the winner's"
        );
        // Each desk's conflicts queue lists its own booking to rebook, and only that.
        let list = desk.sync_conflicts().unwrap();
        if i == first {
            assert!(list.is_empty(), "desk {i}: {list:?}");
        } else {
            assert_eq!(list.len(), 1, "desk {i}: {list:?}");
            assert!(list[0].what.contains("needs rebooking"), "{}", list[0].what);
            assert!(list[0].what.contains("free:"), "{}", list[0].what);
            assert_eq!(list[0].record, format!("{:032x}", made[i].0));
        }
        assert_eq!(desk.sync_status().unwrap().to_rebook, u64::from(i != first));
    }
    // The confirmation goes only for the confirmed booking, from the desk that made it.
    assert!(
        messages_for(all[first], made[first]) > 0,
        "the winner's messages are planned"
    );
    for (j, &id) in made.iter().enumerate().filter(|(j, _)| *j != first) {
        assert_eq!(
            messages_for(all[j], id),
            0,
            "no message for a booking that lost its slot"
        );
    }
}

#[test]
fn sync_one_slot_booked_offline_on_two_desks_goes_to_the_first_to_sync_a_first() {
    race(2, &[0, 1]);
}

#[test]
fn sync_one_slot_booked_offline_on_two_desks_goes_to_the_first_to_sync_b_first() {
    race(2, &[1, 0]);
}

#[test]
fn sync_one_slot_booked_offline_on_three_desks_is_confirmed_once_and_rebooked_twice() {
    race(3, &[2, 0, 1]);
}

#[test]
fn sync_a_rebooked_client_takes_an_offered_slot_and_is_confirmed() {
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    let on_a = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    let on_b = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    sync(&a.admin);
    sync(b);
    assert!(appointment(b, on_b.id).needs_rebooking());
    // The desk cancels the booking that lost its slot and books one offered: it leaves the
    // queue, and the new booking is confirmed at the next sync. The winner's slot stays held.
    b.cancel(on_b.id).unwrap();
    assert_eq!(
        ten_o_clock(b).booking,
        Some(on_a.id),
        "cancelling the loser frees nothing"
    );
    let again = a
        .book_with(b, STUDENTS[1], "applications", "2026-12-11 11:00", None)
        .unwrap();
    sync(b);
    assert_eq!(appointment(b, again.id).confirmation, Confirmation::Confirmed);
    assert!(b.sync_conflicts().unwrap().is_empty());
    sync(&a.admin);
    assert_eq!(appointment(&a.admin, again.id).confirmation, Confirmation::Confirmed);
}

#[test]
fn sync_a_confirmed_booking_cancelled_lets_the_server_give_its_slot_to_another() {
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    let first = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    sync(&a.admin);
    assert_eq!(appointment(&a.admin, first.id).confirmation, Confirmation::Confirmed);
    sync(b);
    a.admin.cancel(first.id).unwrap();
    // A's cancellation reaches the server at A's sync, which lets the slot go.
    let report = sync(&a.admin);
    assert_eq!(report.bookings.released, 1, "{report:?}");
    assert_eq!(appointment(&a.admin, first.id).confirmation, Confirmation::Released);
    sync(b);
    let second = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    sync(b);
    assert_eq!(appointment(b, second.id).confirmation, Confirmation::Confirmed);
}

#[test]
fn sync_a_desk_with_no_server_books_as_before_decided_here() {
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[("cons1", Role::Consultant)],
        &[(STUDENTS[0], "Ada One")],
    );
    a.slot("cons1", "applications", AT);
    let b = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    assert_eq!(b.confirmation, Confirmation::Local);
    assert!(messages_for(&a.admin, b.id) > 0, "its messages are planned at once");
}

#[test]
fn appt_05_fair_use_is_checked_again_on_the_server_with_every_desks_bookings() {
    use careerdesk::desk::Clock as _;
    let dir = tempfile::tempdir().unwrap();
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[("cons1", Role::Consultant)],
        &[(STUDENTS[0], "Ada One")],
    );
    // The server's clock is the desks' (fair use counts what is still to come at its now).
    let clock = a.clock.clone();
    let server = Running::start_with(
        dir.path(),
        "127.0.0.1:0",
        std::sync::Arc::new(move || clock.now().timestamp_millis() as u64),
    );
    server
        .relay()
        .set_policy(careerdesk::policy::example("standard").unwrap().text)
        .unwrap();
    for day in [
        "2026-12-14 10:00",
        "2026-12-16 10:00",
        "2026-12-18 10:00",
        "2026-12-21 10:00",
    ] {
        a.slot("cons1", "guidance", day);
    }
    let (_b_dir, b) = twin(&a, a.clock.clone());
    server.enrol(&a.admin, "desk 0");
    server.enrol(&b, "desk 1");
    sync(&a.admin);
    sync(&b);
    // Two consultant contacts, confirmed and known to both desks.
    for day in ["2026-12-14 10:00", "2026-12-16 10:00"] {
        a.book_with(&a.admin, STUDENTS[0], "guidance", day, None).unwrap();
    }
    sync(&a.admin);
    sync(&b);
    // Apart, each desk books a third: allowed on each alone, a fourth in 28 days together.
    let third = a
        .book_with(&a.admin, STUDENTS[0], "guidance", "2026-12-18 10:00", None)
        .unwrap();
    let fourth = a
        .book_with(&b, STUDENTS[0], "guidance", "2026-12-21 10:00", None)
        .unwrap();
    sync(&a.admin);
    sync(&b);
    assert_eq!(appointment(&a.admin, third.id).confirmation, Confirmation::Confirmed);
    match appointment(&b, fourth.id).confirmation {
        Confirmation::NeedsRebooking { reason, taken_by, .. } => {
            assert!(reason.contains("APPT-05"), "{reason}");
            assert_eq!(taken_by, None);
        }
        other => panic!("{other:?}"),
    }
    // The refused booking frees its slot for someone else, and is listed on its own desk.
    let slot = b
        .slots_between(common::local("2026-12-21 10:00"), common::local("2026-12-21 10:01"))
        .unwrap()
        .remove(0);
    assert_eq!(slot.booking, None);
    assert_eq!(b.sync_conflicts().unwrap().len(), 1);
}

#[test]
fn sync_a_booking_to_rebook_is_moved_into_an_offered_slot_in_one_step_and_leaves_the_queue() {
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    let on_b = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    sync(&a.admin);
    sync(b);
    let Confirmation::NeedsRebooking { alternatives, .. } = appointment(b, on_b.id).confirmation else {
        panic!("B's booking lost its slot");
    };
    // The slot it lost is refused (it is the other booking's), and nothing changes.
    let err = b.rebook_into(on_b.id, on_b.slot).unwrap_err();
    assert!(err.to_string().contains("no longer free"), "{err}");
    assert!(appointment(b, on_b.id).needs_rebooking());
    let moved = b.rebook_into(on_b.id, alternatives[0]).unwrap();
    assert_eq!(moved.slot, alternatives[0]);
    assert!(
        appointment(b, on_b.id).outcome().is_some(),
        "the old booking is cancelled"
    );
    assert!(b.sync_conflicts().unwrap().is_empty());
    sync(b);
    assert_eq!(appointment(b, moved.id).confirmation, Confirmation::Confirmed);
    // A booking that does not need rebooking is not moved this way.
    assert!(b.rebook_into(moved.id, on_b.slot).is_err());
}

#[test]
fn sync_booking_claims_out_of_turn_or_too_many_are_refused_and_decide_nothing() {
    use careerdesk::domain::booking_claim::{Claim, MAX_CLAIMS};
    use careerdesk::sync::client::{self, Session};
    use careerdesk::sync::message::{ErrorCode, Reply, Request};
    let (_dir, server, a, _others) = desks(1);
    let booking = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    let claim = Claim {
        booking: booking.clone(),
        history: Vec::new(),
    };
    let endpoint = server.endpoint();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (terminal, secret, _) = rt.block_on(client::enrol(&endpoint, &server.code(), "Claims")).unwrap();
    let refused = |r: Result<Reply, careerdesk::sync::SyncError>| match r {
        Err(careerdesk::sync::SyncError::Refused { code, message, .. }) => (code, message),
        other => panic!("refused expected, got {other:?}"),
    };
    let institution = a.admin.store().institution_check();
    // A session opened with a hello as the other terminal, which has no replica.
    let opened = || async {
        let mut s = Session::connect(&endpoint).await.unwrap();
        s.call(&Request::Hello {
            terminal,
            secret,
            replicas: Vec::new(),
            institution,
        })
        .await
        .unwrap();
        s
    };
    rt.block_on(async {
        // Before a hello.
        let mut s = Session::connect(&endpoint).await.unwrap();
        let r = s
            .call(&Request::Bookings {
                claims: vec![claim.clone()],
                releases: Vec::new(),
            })
            .await;
        assert_eq!(refused(r).0, ErrorCode::Unauthorised);
        // Another desk's booking, or too many claims, after a hello.
        let mut s = opened().await;
        let r = s
            .call(&Request::Bookings {
                claims: vec![claim.clone()],
                releases: Vec::new(),
            })
            .await;
        let (code, message) = refused(r);
        assert_eq!(code, ErrorCode::BadRequest);
        assert!(message.contains("each desk claims its own"), "{message}");
        let mut s = opened().await;
        let r = s
            .call(&Request::Bookings {
                claims: Vec::new(),
                releases: vec![
                    careerdesk::domain::booking_claim::Release {
                        slot: booking.slot,
                        booking: booking.id
                    };
                    MAX_CLAIMS + 1
                ],
            })
            .await;
        let (code, message) = refused(r);
        assert_eq!(code, ErrorCode::BadRequest);
        assert!(message.contains("at most"), "{message}");
    });
    // None of those decided anything: the desk's own claim still gets the slot.
    sync(&a.admin);
    assert_eq!(appointment(&a.admin, booking.id).confirmation, Confirmation::Confirmed);
}

#[test]
fn sync_bookings_in_a_desks_lease_are_certain_at_once_and_no_other_desk_gets_those_slots() {
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    let day = |t: &str| common::local(&format!("2026-12-11 {t}"));
    let lease = a
        .admin
        .lease_slots(&common::login("cons1"), day("09:00"), day("12:00"), 8)
        .unwrap();
    assert_eq!(a.admin.leases().unwrap(), vec![lease.clone()]);
    // Another desk cannot lease the same consultant's slots then.
    let err = b
        .lease_slots(&common::login("cons1"), day("10:30"), day("13:00"), 8)
        .unwrap_err();
    assert!(err.to_string().contains("another desk holds a lease"), "{err}");
    // Apart: A books in its lease (certain, messages at once); B books the same slot.
    let on_a = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    assert!(
        matches!(on_a.confirmation, Confirmation::Leased { .. }),
        "{:?}",
        on_a.confirmation
    );
    assert!(
        messages_for(&a.admin, on_a.id) > 0,
        "a leased booking's messages are planned at once"
    );
    let on_b = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    assert!(matches!(on_b.confirmation, Confirmation::Provisional { .. }));
    // B reaches the server first, and is still refused: the slot is in A's lease.
    sync(b);
    match appointment(b, on_b.id).confirmation {
        Confirmation::NeedsRebooking { reason, .. } => assert!(reason.contains("leased to another desk"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let planned = messages_for(&a.admin, on_a.id);
    sync(&a.admin);
    assert_eq!(appointment(&a.admin, on_a.id).confirmation, Confirmation::Confirmed);
    assert_eq!(
        messages_for(&a.admin, on_a.id),
        planned,
        "planned once, not again at the confirmation"
    );
    sync(b);
    assert_eq!(ten_o_clock(b).booking, Some(on_a.id));
    // Handed back, the lease frees the consultant's other slots for any desk.
    assert!(a.admin.return_lease(lease.id).unwrap());
    assert!(a.admin.leases().unwrap().is_empty());
    let eleven = a
        .book_with(b, STUDENTS[1], "applications", "2026-12-11 11:00", None)
        .unwrap();
    sync(b);
    assert_eq!(appointment(b, eleven.id).confirmation, Confirmation::Confirmed);
}

#[test]
fn sync_a_booking_to_rebook_is_offered_the_slots_offered_then_or_the_next_free_ones_once_those_are_taken() {
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    let on_b = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    sync(&a.admin);
    sync(b);
    let Confirmation::NeedsRebooking { alternatives, .. } = appointment(b, on_b.id).confirmation else {
        panic!("B's booking lost its slot");
    };
    let choices = b.rebooking_choices(on_b.id, 5).unwrap();
    assert!(choices.offered, "the 11:00 offered then is still free");
    assert_eq!(choices.slots.iter().map(|s| s.id).collect::<Vec<_>>(), alternatives);
    // Someone else takes the 11:00; a new slot at 14:00 is the next free of the type.
    a.book_with(b, STUDENTS[2], "applications", "2026-12-11 11:00", None)
        .unwrap();
    b.add_slot(&careerdesk::desk::NewSlot {
        consultant: common::login("cons1"),
        appointment_type: "applications".into(),
        start: common::local("2026-12-11 14:00"),
        minutes: None,
        location: None,
    })
    .unwrap();
    let choices = b.rebooking_choices(on_b.id, 5).unwrap();
    assert!(!choices.offered);
    let starts: Vec<_> = choices.slots.iter().map(|s| s.start).collect();
    assert_eq!(starts, vec![common::local("2026-12-11 14:00")]);
    // A booking that does not need rebooking has no choices.
    let moved = b.rebook_into(on_b.id, choices.slots[0].id).unwrap();
    assert!(b.rebooking_choices(moved.id, 5).is_err());
}

#[test]
fn sync_a_leased_booking_of_a_slot_another_desk_had_before_the_lease_needs_rebooking_and_its_messages_are_withdrawn() {
    use careerdesk::domain::outbox::Delivery;
    let (_dir, _server, a, others) = desks(2);
    let b = &others[0].1;
    // B books and is confirmed before A leases; A has not pulled it.
    let first = a.book_with(b, STUDENTS[1], "applications", AT, None).unwrap();
    sync(b);
    assert_eq!(appointment(b, first.id).confirmation, Confirmation::Confirmed);
    a.admin
        .lease_slots(
            &common::login("cons1"),
            common::local("2026-12-11 09:00"),
            common::local("2026-12-11 12:00"),
            8,
        )
        .unwrap();
    let leased = a.book_with(&a.admin, STUDENTS[0], "applications", AT, None).unwrap();
    assert!(matches!(leased.confirmation, Confirmation::Leased { .. }));
    assert!(messages_for(&a.admin, leased.id) > 0);
    sync(&a.admin);
    assert!(appointment(&a.admin, leased.id).needs_rebooking());
    let pending = a
        .admin
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|m| m.appointment == Some(leased.id) && matches!(m.state, Delivery::Pending { .. }))
        .filter(|m| m.message.kind != careerdesk::notify::MessageKind::Cancellation)
        .count();
    assert_eq!(pending, 0, "the booking's confirmation and reminders are withdrawn");
    assert_eq!(ten_o_clock(&a.admin).booking, Some(first.id));
}
