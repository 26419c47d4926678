//! Event places decided by the server (EVT-03, decision 0023): a desk that syncs gives places
//! provisionally; at its next sync the server counts them first to arrive first, up to the
//! event's capacity. Two offline desks giving an event's last place end with one place given
//! and the other booking back on the waiting list, in its own desk's conflicts queue until
//! the client is told, nothing dropped. A desk that leased places before going offline gives
//! them for certain, and no other desk gets them.

mod common;

use careerdesk::desk::{Desk, NewEvent};
use careerdesk::domain::event::{EventBooking, EventBookingState, PlaceConfirmation};
use careerdesk::domain::ids::EventBookingId;
use careerdesk::domain::messages::MessageKind;
use careerdesk::domain::operator::Role;
use common::desks::{sync, twin};
use common::server::Running;
use common::World;

const STUDENTS: [&str; 4] = ["10000001", "10000002", "10000003", "10000004"];
const TITLE: &str = "Engineering fair";

/// Desk A with an events officer, four clients and an event of `capacity` places on Monday 7
/// December, and `n - 1` desks made from it, every one enrolled with a fresh server and synced.
fn desks(n: usize, capacity: u32) -> (tempfile::TempDir, Running, World, Vec<(tempfile::TempDir, Desk)>) {
    let dir = tempfile::tempdir().unwrap();
    let server = Running::start(dir.path());
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[("er1", Role::EmployerRelations)],
        &[
            (STUDENTS[0], "Ada One"),
            (STUDENTS[1], "Bo Two"),
            (STUDENTS[2], "Cy Three"),
            (STUDENTS[3], "Di Four"),
        ],
    );
    a.as_("er1")
        .add_event(
            &NewEvent {
                title: TITLE.into(),
                sector: "engineering".into(),
                start: common::at(2026, 12, 7, 10, 0),
                minutes: 120,
                capacity,
                audience_schools: vec!["Natural Sciences".into()],
                location: "Main hall".into(),
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
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

fn booking(desk: &Desk, id: EventBookingId) -> EventBooking {
    desk.store()
        .get::<EventBooking>(id.0)
        .unwrap()
        .expect("the booking is held")
}

fn place_offers(desk: &Desk, student: &str) -> usize {
    let id = desk.client_by_student_number(&common::sn(student)).unwrap().id;
    desk.outbox()
        .unwrap()
        .iter()
        .filter(|m| m.client == Some(id) && m.message.kind == MessageKind::EventPlace)
        .count()
}

fn sync_all(all: &[&Desk]) {
    for _ in 0..2 {
        for desk in all {
            sync(desk);
        }
    }
}

/// Every desk gives its own student the event's one place offline; then they sync in `order`,
/// and all sync again until nothing moves.
fn race(n: usize, order: &[usize]) {
    let (_dir, server, a, others) = desks(n, 1);
    let all: Vec<&Desk> = std::iter::once(&a.admin).chain(others.iter().map(|(_, d)| d)).collect();
    let mut made = Vec::new();
    for (i, desk) in all.iter().enumerate() {
        let b = desk.book_event(TITLE, &common::sn(STUDENTS[i])).unwrap().booking;
        assert_eq!(b.state, EventBookingState::Booked, "desk {i} sees a free place");
        assert!(
            matches!(b.confirmation, PlaceConfirmation::Provisional { .. }),
            "a desk that syncs gives places provisionally: {:?}",
            b.confirmation
        );
        made.push(b.id);
        later(&a, 1);
    }
    for &i in order {
        sync(all[i]);
    }
    sync_all(&all);
    let first = order[0];
    assert_eq!(server.relay().places_held().unwrap(), 1, "the server counts one place");
    for (i, desk) in all.iter().enumerate() {
        // Nothing lost: every desk holds every booking and agrees on each one's standing.
        for (j, &id) in made.iter().enumerate() {
            let b = booking(desk, id);
            if j == first {
                assert_eq!(b.state, EventBookingState::Booked, "desk {i}, booking of desk {j}");
                assert_eq!(
                    b.confirmation,
                    PlaceConfirmation::Confirmed,
                    "desk {i}, booking of desk {j}"
                );
            } else {
                assert_eq!(b.state, EventBookingState::Waiting, "desk {i}, booking of desk {j}");
                assert!(
                    matches!(&b.confirmation, PlaceConfirmation::Displaced { reason, .. } if reason.contains("full")),
                    "desk {i}, booking of desk {j}: {:?}",
                    b.confirmation
                );
            }
        }
        let roster = desk.event_roster(TITLE).unwrap();
        assert_eq!(roster.tally.taken, 1, "desk {i}: never over the capacity");
        assert_eq!(roster.waiting.len(), n - 1, "desk {i}: the others wait");
        // Each desk's conflicts queue names its own booking that lost its place, and only it.
        let list: Vec<_> = desk
            .sync_conflicts()
            .unwrap()
            .into_iter()
            .filter(|c| c.kind == "event_bookings")
            .collect();
        if i == first {
            assert!(list.is_empty(), "desk {i}: {list:?}");
        } else {
            assert_eq!(list.len(), 1, "desk {i}: {list:?}");
            assert!(list[0].what.contains("lost its place"), "{}", list[0].what);
            assert!(list[0].what.contains("waiting list"), "{}", list[0].what);
            assert_eq!(list[0].record, format!("{:032x}", made[i].0));
        }
        assert_eq!(desk.sync_status().unwrap().places_lost, u64::from(i != first));
    }
    // Once the client is told, the booking stays waiting and leaves the queue.
    let loser = (0..n).find(|&i| i != first).unwrap();
    let told = all[loser].place_loss_told(&made[loser].to_string()).unwrap();
    assert_eq!(told.state, EventBookingState::Waiting);
    assert_eq!(all[loser].sync_status().unwrap().places_lost, 0);
    assert!(
        all[loser].place_loss_told(&made[loser].to_string()).is_err(),
        "told twice: refused"
    );
}

#[test]
fn evt_03_two_offline_desks_give_an_event_s_last_place_and_the_first_to_sync_keeps_it() {
    race(2, &[0, 1]);
}

#[test]
fn evt_03_two_offline_desks_give_an_event_s_last_place_the_other_arrival_order() {
    race(2, &[1, 0]);
}

#[test]
fn evt_03_three_offline_desks_give_an_event_s_last_place_exactly_one_keeps_it() {
    race(3, &[2, 0, 1]);
}

#[test]
fn evt_03_a_place_freed_on_a_desk_that_syncs_is_told_to_the_promoted_client_only_once_the_server_confirms() {
    let (_dir, server, a, others) = desks(2, 1);
    let b = &others[0].1;
    let first = a.admin.book_event(TITLE, &common::sn(STUDENTS[0])).unwrap().booking;
    later(&a, 1);
    let waiting = a.admin.book_event(TITLE, &common::sn(STUDENTS[1])).unwrap().booking;
    assert_eq!(waiting.state, EventBookingState::Waiting);
    sync_all(&[&a.admin, b]);
    assert_eq!(booking(b, first.id).confirmation, PlaceConfirmation::Confirmed);
    // Cancelled on the other desk: the first waiting is promoted there, provisionally, and is
    // told nothing yet.
    let cancelled = b.cancel_event_booking(TITLE, &common::sn(STUDENTS[0])).unwrap();
    assert_eq!(cancelled.promoted.len(), 1);
    assert_eq!(cancelled.promoted[0].1, 0, "no message before the server confirms");
    let promoted = booking(b, waiting.id);
    assert!(
        matches!(
            promoted.confirmation,
            PlaceConfirmation::Provisional { promoted: true, .. }
        ),
        "{:?}",
        promoted.confirmation
    );
    assert_eq!(place_offers(b, STUDENTS[1]), 0);
    let report = sync(b);
    assert_eq!(report.places.released, 1, "the cancelled place is let go first");
    assert_eq!(report.places.confirmed, 1, "then given to the promoted booking");
    assert_eq!(booking(b, waiting.id).confirmation, PlaceConfirmation::Confirmed);
    assert_eq!(booking(b, first.id).confirmation, PlaceConfirmation::Released);
    assert_eq!(
        place_offers(b, STUDENTS[1]),
        1,
        "told once confirmed, from the desk that promoted"
    );
    assert_eq!(server.relay().places_held().unwrap(), 1);
    sync(&a.admin);
    assert_eq!(booking(&a.admin, waiting.id).confirmation, PlaceConfirmation::Confirmed);
    // The message is a record like any other: the other desk holds the same one, not a second.
    assert_eq!(
        place_offers(&a.admin, STUDENTS[1]),
        1,
        "one message to the client, not two"
    );
}

#[test]
fn evt_03_places_leased_before_going_offline_are_certain_and_no_other_desk_gets_them() {
    let (_dir, server, a, others) = desks(2, 2);
    let b = &others[0].1;
    // Desk A leases one of the two places; more than the places free is refused, saying why.
    let too_many = a.admin.lease_event_places(TITLE, 3, 8).unwrap_err();
    assert!(
        too_many.to_string().contains("only 2 of the event's 2 places"),
        "{too_many}"
    );
    let lease = a.admin.lease_event_places(TITLE, 1, 8).unwrap();
    assert_eq!(a.admin.place_leases().unwrap(), vec![lease.clone()]);
    // Offline, each desk gives places: A's first is in its lease, certain; B gives two
    // provisionally, as it cannot know of the lease.
    let in_lease = a.admin.book_event(TITLE, &common::sn(STUDENTS[0])).unwrap().booking;
    assert!(
        matches!(in_lease.confirmation, PlaceConfirmation::Leased { lease: l, told: false, .. } if l.0 == lease.id),
        "{:?}",
        in_lease.confirmation
    );
    later(&a, 1);
    let b1 = b.book_event(TITLE, &common::sn(STUDENTS[1])).unwrap().booking;
    later(&a, 1);
    let b2 = b.book_event(TITLE, &common::sn(STUDENTS[2])).unwrap().booking;
    assert!(matches!(b2.confirmation, PlaceConfirmation::Provisional { .. }));
    // B syncs first: it gets the one place not leased, and its second finds the event full.
    let report = sync(b);
    assert_eq!((report.places.confirmed, report.places.displaced), (1, 1));
    assert_eq!(booking(b, b1.id).confirmation, PlaceConfirmation::Confirmed);
    assert_eq!(booking(b, b2.id).state, EventBookingState::Waiting);
    // A's leased place stands when A syncs, though B synced first.
    let report = sync(&a.admin);
    assert_eq!(report.places.confirmed, 1);
    assert!(matches!(
        booking(&a.admin, in_lease.id).confirmation,
        PlaceConfirmation::Leased { told: true, .. }
    ));
    sync_all(&[&a.admin, b]);
    for desk in [&a.admin, b] {
        assert!(desk
            .sync_conflicts()
            .unwrap()
            .iter()
            .all(|c| !c.what.contains("does not read")));
        assert_eq!(desk.event_roster(TITLE).unwrap().tally.taken, 2, "never over capacity");
    }
    assert_eq!(server.relay().places_held().unwrap(), 2);
    // Handing the lease back forgets it here.
    assert!(a.admin.return_lease(lease.id).unwrap());
    assert!(a.admin.place_leases().unwrap().is_empty());
}
