//! A server restored from an older backup forgets the slots and event places it gave since.
//! Each desk gives them back at its first sync after it sees the new epoch; one the server gave
//! to another booking meanwhile is treated as taken on the desk that held it (needs rebooking,
//! or back on the waiting list), so no slot ends with two bookings and no event goes over.

mod common;

use careerdesk::desk::NewEvent;
use careerdesk::domain::appointment::{Appointment, Confirmation, Slot};
use careerdesk::domain::event::{EventBooking, EventBookingState, PlaceConfirmation};
use careerdesk::domain::operator::Role;
use careerdesk::store::relay::RelayStore;
use common::desks::{sync, twin};
use common::server::Running;
use common::World;

const AT: &str = "2026-12-11 10:00";
const FAIR: &str = "Engineering fair";

#[test]
fn sync_a_server_restored_from_an_older_backup_gets_its_decisions_back_and_none_is_given_twice() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = dir.path().join("server");
    let backup_dir = dir.path().join("backup");
    let a = World::new(
        common::at(2026, 11, 30, 8, 0),
        &[("cons1", Role::Consultant)],
        &[("10000001", "Ada One"), ("10000003", "Cy Three")],
    );
    a.slot("cons1", "applications", AT);
    a.admin
        .add_event(
            &NewEvent {
                title: FAIR.into(),
                sector: "engineering".into(),
                start: common::at(2026, 12, 7, 10, 0),
                minutes: 120,
                capacity: 1,
                audience_schools: vec!["Natural Sciences".into()],
                location: "Main hall".into(),
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
    let (_c_dir, c) = twin(&a, a.clock.clone());
    let server = Running::start(&server_dir);
    server.enrol(&a.admin, "Main desk");
    server.enrol(&c, "Fair laptop");
    sync(&a.admin);
    sync(&c);
    let listen = server.addr.to_string();
    server.stop();
    common::copy_dir(&server_dir, &backup_dir);

    // After the backup: A books Ada into the slot and gives her the event's one place; the
    // server confirms both. C is offline at a fair meanwhile and hears nothing.
    let server = Running::start_on(&server_dir, &listen);
    let ada = a.book_with(&a.admin, "10000001", "applications", AT, None).unwrap();
    let ada_place = a.admin.book_event(FAIR, &common::sn("10000001")).unwrap().booking;
    sync(&a.admin);
    let held = |d: &careerdesk::desk::Desk, id: careerdesk::domain::ids::AppointmentId| {
        d.store().get::<Appointment>(id.0).unwrap().unwrap()
    };
    assert_eq!(held(&a.admin, ada.id).confirmation, Confirmation::Confirmed);
    server.stop();

    // The server's disk is lost; the older backup is put back, with a new epoch.
    std::fs::remove_dir_all(&server_dir).unwrap();
    common::copy_dir(&backup_dir, &server_dir);
    RelayStore::open(&server_dir).unwrap().new_epoch().unwrap();
    let server = Running::start_on(&server_dir, &listen);
    assert_eq!(server.relay().holds().unwrap(), 0, "the restored server forgot");

    // C, back from the fair, gives Cy the same slot and the same place before A syncs: the
    // server, knowing of neither of Ada's, confirms Cy's.
    let cy = a.book_with(&c, "10000003", "applications", AT, None).unwrap();
    let cy_place = c.book_event(FAIR, &common::sn("10000003")).unwrap().booking;
    let on_c = sync(&c);
    assert!(on_c.server_restored);
    assert_eq!(held(&c, cy.id).confirmation, Confirmation::Confirmed);

    // A's first sync after the restore gives its decisions back, and learns both were given
    // away: Ada's booking needs rebooking and her place goes back on the waiting list, each in
    // A's conflicts queue; nothing is dropped and nothing is held twice.
    let on_a = sync(&a.admin);
    assert!(on_a.server_restored);
    // Everything A holds as confirmed goes back, Cy's merged this sync among it.
    assert!(on_a.reinstated.sent >= 2, "{:?}", on_a.reinstated);
    assert_eq!((on_a.reinstated.slots_taken, on_a.reinstated.places_lost), (1, 1));
    for _ in 0..2 {
        sync(&c);
        sync(&a.admin);
    }
    for (name, desk) in [("A", &a.admin), ("C", &c)] {
        let ada_now = held(desk, ada.id);
        assert!(
            matches!(&ada_now.confirmation, Confirmation::NeedsRebooking { taken_by, .. } if *taken_by == Some(cy.id)),
            "desk {name}: {:?}",
            ada_now.confirmation
        );
        assert_eq!(held(desk, cy.id).confirmation, Confirmation::Confirmed, "desk {name}");
        let slot = desk.store().get::<Slot>(cy.slot.0).unwrap().unwrap();
        assert_eq!(slot.booking, Some(cy.id), "desk {name}: the slot is Cy's");
        let place =
            |id: careerdesk::domain::ids::EventBookingId| desk.store().get::<EventBooking>(id.0).unwrap().unwrap();
        assert_eq!(
            place(cy_place.id).confirmation,
            PlaceConfirmation::Confirmed,
            "desk {name}"
        );
        assert_eq!(place(ada_place.id).state, EventBookingState::Waiting, "desk {name}");
        assert_eq!(desk.event_roster(FAIR).unwrap().tally.taken, 1, "desk {name}");
    }
    let queue = a.admin.sync_conflicts().unwrap();
    assert_eq!(queue.len(), 2, "{queue:?}");
    assert!(
        queue.iter().any(|q| q.what.contains("restored from a backup")),
        "{queue:?}"
    );
    assert!(c.sync_conflicts().unwrap().is_empty());
    assert_eq!(server.relay().holds().unwrap(), 1);
    assert_eq!(server.relay().places_held().unwrap(), 1);
    // Given back once: a later sync sends nothing again.
    assert_eq!(sync(&a.admin).reinstated.sent, 0);
    server.stop();
}
