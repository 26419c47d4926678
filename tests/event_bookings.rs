//! Event bookings through the service layer and the command line (EVT-03, with EVT-02 and
//! SEC-02): capacity and the waiting list, promotion on cancellation with a message through
//! the outbox, never over capacity when two desks act at once, attendance by student number and
//! by card, the absent list and a message to it, audience and double-booking refusals.

mod common;

use std::sync::Barrier;

use careerdesk::desk::{Attendee, Clock, Desk, DeskError, NewClient, NewEvent};
use careerdesk::domain::event::EventBookingState;
use careerdesk::domain::event_places::Placement;
use careerdesk::domain::messages::MessageKind;
use careerdesk::domain::operator::Role;
use careerdesk::domain::outbox::OutboxEntry;
use chrono::{DateTime, Duration, Utc};
use common::*;
use predicates::prelude::*;

const CLIENTS: [(&str, &str); 6] = [
    ("20240001", "Amara Okafor"),
    ("20240002", "Bilal Hussain"),
    ("20240003", "Chloe Martin"),
    ("20240004", "Dev Patel"),
    ("20240005", "Erin Walsh"),
    ("20240006", "Femi Adeyemi"),
];

/// er1 (employer relations), desk1 and desk2 (desk), six clients of Natural Sciences; the clock
/// at Monday 30 November 2026 08:00 UTC.
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("desk2", Role::Desk),
        ],
        &CLIENTS,
    )
}

/// The event's start: Monday 7 December 2026 10:00 UTC, for two hours.
fn start() -> DateTime<Utc> {
    at(2026, 12, 7, 10, 0)
}

fn event(w: &World, title: &str, capacity: u32, audience: &[&str]) -> careerdesk::domain::event::Event {
    // Each event a day apart, in its own sector, so none clashes with another.
    w.as_("er1")
        .add_event(
            &NewEvent {
                title: title.into(),
                sector: format!("sector {title}"),
                start: start(),
                minutes: 120,
                capacity,
                audience_schools: audience.iter().map(|s| s.to_string()).collect(),
                location: "Main hall".into(),
                ..NewEvent::default()
            },
            Some("test events share a day"),
        )
        .unwrap()
}

/// Moves the clock on by `minutes`.
fn tick(w: &World, minutes: i64) {
    w.clock.set(w.clock.now() + Duration::minutes(minutes));
}

fn book(desk: &Desk, title: &str, n: &str) -> Result<careerdesk::desk::EventBooked, DeskError> {
    desk.book_event(title, &sn(n))
}

fn messages_to(desk: &Desk, client: &str, kind: MessageKind) -> Vec<OutboxEntry> {
    let id = desk.client_by_student_number(&sn(client)).unwrap().id;
    desk.outbox()
        .unwrap()
        .into_iter()
        .filter(|m| m.client == Some(id) && m.message.kind == kind)
        .collect()
}

#[test]
fn evt_03_full_event_puts_client_on_waiting_list() {
    let w = world();
    event(&w, "Insight day", 2, &[]);
    let desk = w.as_("desk1");
    assert_eq!(
        book(&desk, "Insight day", "20240001").unwrap().placement,
        Placement::Place
    );
    assert_eq!(
        book(&desk, "insight day", "20240002").unwrap().placement,
        Placement::Place
    );
    let third = book(&desk, "Insight day", "20240003").unwrap();
    assert_eq!(third.placement, Placement::Waiting { position: 1 });
    assert_eq!(third.booking.state, EventBookingState::Waiting);
    tick(&w, 5);
    assert_eq!(
        book(&desk, "Insight day", "20240004").unwrap().placement,
        Placement::Waiting { position: 2 }
    );
    let r = desk.event_roster("Insight day").unwrap();
    assert_eq!((r.tally.taken, r.tally.waiting, r.capacity), (2, 2, 2));
    let waiting: Vec<&str> = r.waiting.iter().map(|l| l.number()).collect();
    assert_eq!(waiting, ["20240003", "20240004"]);
}

#[test]
fn evt_03_waiting_list_is_promoted_on_cancel_with_an_outbox_message() {
    let w = world();
    event(&w, "Insight day", 1, &[]);
    let desk = w.as_("desk1");
    // 20240007 allows post only: promoted all the same, but sent nothing (DATA-12).
    let quiet = NewClient {
        contact: Some("post".into()),
        ..new_client("20240007", "Gita Rao")
    };
    add(&w.admin, &quiet).unwrap();
    book(&desk, "Insight day", "20240001").unwrap();
    book(&desk, "Insight day", "20240007").unwrap();
    tick(&w, 1);
    book(&desk, "Insight day", "20240003").unwrap();

    let done = desk.cancel_event_booking("Insight day", &sn("20240001")).unwrap();
    assert_eq!(done.booking.state, EventBookingState::Cancelled);
    assert_eq!(done.promoted.len(), 1);
    assert_eq!(done.promoted[0].0.number(), "20240007", "the first to join is promoted");
    assert_eq!(
        done.promoted[0].1, 0,
        "nothing queued for a client who allows post only"
    );
    assert!(messages_to(&desk, "20240007", MessageKind::EventPlace).is_empty());
    let r = desk.event_roster("Insight day").unwrap();
    assert_eq!(r.booked.iter().map(|l| l.number()).collect::<Vec<_>>(), ["20240007"]);
    assert_eq!(r.waiting.iter().map(|l| l.number()).collect::<Vec<_>>(), ["20240003"]);

    // The next cancellation promotes the next, who is told by e-mail.
    let done = desk.cancel_event_booking("Insight day", &sn("20240007")).unwrap();
    assert_eq!(done.promoted[0].0.number(), "20240003");
    let told = messages_to(&desk, "20240003", MessageKind::EventPlace);
    assert!(!told.is_empty(), "the promoted client is told");
    let email = told.iter().find(|m| m.message.to.contains('@')).expect("an e-mail");
    assert!(
        email.message.subject.contains("Insight day"),
        "{}",
        email.message.subject
    );
    assert!(messages_to(&desk, "20240001", MessageKind::EventPlace).is_empty());
    // Cancelling twice is refused: there is nothing left to cancel.
    let e = desk.cancel_event_booking("Insight day", &sn("20240001")).unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
}

/// Runs `a` and `b` on two threads released at the same moment.
fn at_once<A: FnOnce() + Send, B: FnOnce() + Send>(a: A, b: B) {
    let go = Barrier::new(2);
    std::thread::scope(|s| {
        s.spawn(|| {
            go.wait();
            a()
        });
        s.spawn(|| {
            go.wait();
            b()
        });
    });
}

#[test]
fn evt_03_two_desks_cancelling_at_once_never_put_the_event_over_capacity() {
    let w = world();
    let (d1, d2) = (w.as_("desk1"), w.as_("desk2"));
    for round in 0..4 {
        let title = format!("Race {round}");
        event(&w, &title, 2, &[]);
        for (i, (n, _)) in CLIENTS.iter().enumerate() {
            tick(&w, 1);
            let b = book(&d1, &title, n).unwrap();
            assert_eq!(b.booking.state == EventBookingState::Booked, i < 2);
        }
        at_once(
            || {
                d1.cancel_event_booking(&title, &sn("20240001")).unwrap();
            },
            || {
                d2.cancel_event_booking(&title, &sn("20240002")).unwrap();
            },
        );
        let r = d1.event_roster(&title).unwrap();
        assert_eq!(r.tally.taken, 2, "round {round}: both freed places filled, no more");
        let booked: Vec<&str> = r.booked.iter().map(|l| l.number()).collect();
        assert_eq!(booked, ["20240003", "20240004"], "round {round}: the first two waiting");
        assert_eq!(r.waiting.len(), 2);
    }
}

#[test]
fn evt_03_two_desks_booking_the_last_place_at_once_give_it_to_one() {
    let w = world();
    let (d1, d2) = (w.as_("desk1"), w.as_("desk2"));
    for round in 0..8 {
        let title = format!("Last place {round}");
        event(&w, &title, 1, &[]);
        at_once(
            || {
                book(&d1, &title, "20240001").unwrap();
            },
            || {
                book(&d2, &title, "20240002").unwrap();
            },
        );
        let r = d1.event_roster(&title).unwrap();
        assert_eq!((r.tally.taken, r.tally.waiting), (1, 1), "round {round}");
    }
}

#[test]
fn evt_03_attendance_by_student_number_and_by_card_only_for_the_booked() {
    let w = world();
    event(&w, "Insight day", 2, &[]);
    let desk = w.as_("desk1");
    for n in ["20240001", "20240002", "20240003"] {
        book(&desk, "Insight day", n).unwrap();
    }
    let e = desk
        .attend_event("Insight day", &Attendee::Client(sn("20240001")))
        .unwrap_err();
    assert!(e.to_string().contains("minutes before"), "too early: {e}");
    w.clock.set(start() + Duration::minutes(5));
    let b = desk
        .attend_event("Insight day", &Attendee::Client(sn("20240001")))
        .unwrap();
    assert_eq!(b.state, EventBookingState::Attended);
    // A card swipe in magnetic-stripe form finds the same student number.
    let b = desk
        .attend_event("Insight day", &Attendee::Card("%B20240002^CLIENT^?".into()))
        .unwrap();
    assert_eq!(b.state, EventBookingState::Attended);
    let e = desk
        .attend_event("Insight day", &Attendee::Client(sn("20240001")))
        .unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
    let e = desk
        .attend_event("Insight day", &Attendee::Client(sn("20240003")))
        .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("waiting list"), "{e}");
    let e = desk
        .attend_event("Insight day", &Attendee::Client(sn("20240004")))
        .unwrap_err();
    assert!(e.to_string().contains("not booked"), "{e}");
    assert_eq!(desk.event_roster("Insight day").unwrap().tally.attended, 2);
}

#[test]
fn evt_03_booked_but_absent_are_listed_and_messaged_after_the_event() {
    let w = world();
    event(&w, "Insight day", 3, &[]);
    let desk = w.as_("desk1");
    for n in ["20240001", "20240002", "20240003"] {
        // A minute apart, so the list's booking order is theirs.
        tick(&w, 1);
        book(&desk, "Insight day", n).unwrap();
    }
    w.clock.set(start());
    desk.attend_event("Insight day", &Attendee::Client(sn("20240002")))
        .unwrap();
    let e = desk.event_absentees("Insight day").unwrap_err();
    assert!(e.to_string().contains("not ended"), "{e}");
    w.clock.set(start() + Duration::hours(3));
    let absent: Vec<String> = desk
        .event_absentees("Insight day")
        .unwrap()
        .iter()
        .map(|l| l.number().to_string())
        .collect();
    assert_eq!(absent, ["20240001", "20240003"]);
    // The desk may not message them; employer relations may.
    let e = desk
        .message_event_absentees("Insight day", "Sorry we missed you")
        .unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
    let er = w.as_("er1");
    let e = er.message_event_absentees("Insight day", "   ").unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    let done = er
        .message_event_absentees("Insight day", "The slides are online; the next session is in January.")
        .unwrap();
    assert_eq!(done.messaged, 2);
    for n in ["20240001", "20240003"] {
        let m = messages_to(&desk, n, MessageKind::EventFollowUp);
        assert!(
            m.iter().any(|m| m.message.body.contains("The slides are online")),
            "{n} gets the text"
        );
    }
    assert!(messages_to(&desk, "20240002", MessageKind::EventFollowUp).is_empty());
    let r = desk.event_roster("Insight day").unwrap();
    assert_eq!(r.absent.len(), 2, "recorded as absent");
}

#[test]
fn evt_02_a_client_of_another_school_is_refused_with_the_reason() {
    let w = world();
    event(&w, "Law fair", 10, &["Law"]);
    let desk = w.as_("desk1");
    let e = book(&desk, "Law fair", "20240001").unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    let text = e.to_string();
    assert!(
        text.contains("EVT-02") && text.contains("Law") && text.contains("Natural Sciences"),
        "{text}"
    );
    // Opened to the client's school by consultation, the same booking goes through.
    w.as_("er1").open_event("Law fair", "Natural Sciences", "er1").unwrap();
    assert_eq!(book(&desk, "Law fair", "20240001").unwrap().placement, Placement::Place);
}

#[test]
fn evt_03_booking_twice_is_refused_clearly() {
    let w = world();
    event(&w, "Insight day", 1, &[]);
    let desk = w.as_("desk1");
    let first = book(&desk, "Insight day", "20240001").unwrap();
    let e = book(&desk, "Insight day", "20240001").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let text = e.to_string();
    assert!(
        text.contains("already") && text.contains(&first.booking.id.to_string()),
        "{text}"
    );
    // On the waiting list too.
    book(&desk, "Insight day", "20240002").unwrap();
    assert!(book(&desk, "Insight day", "20240002")
        .unwrap_err()
        .to_string()
        .contains("waiting"));
}

#[test]
fn evt_03_bad_input_names_what_was_wrong() {
    let w = world();
    event(&w, "Insight day", 1, &[]);
    let desk = w.as_("desk1");
    let e = book(&desk, "No such event", "20240001").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("event list"), "{e}");
    let e = book(&desk, "Insight day", "29999999").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("29999999"), "{e}");
    // Employer relations may not book students onto events: the desk does (SEC-05).
    let e = book(&w.as_("er1"), "Insight day", "20240001").unwrap_err();
    assert_eq!(e.exit_code(), 4, "{e}");
}

// ---- the command line ----

fn now_local(offset_minutes: i64) -> String {
    (Utc::now() + Duration::minutes(offset_minutes))
        .with_timezone(&policy().institution.time_zone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A store with desk1 and er1, three clients, a two-place event "Careers fair" in 2027, a
/// "Door test" that began ten minutes ago, and "Law evening" for the School of Law only.
fn cli_setup(dir: &std::path::Path) {
    cli_init_with(dir, &[("desk1", "desk"), ("er1", "employer-relations")]);
    cli_add_clients(|| as_op(dir, "admin"), &["30000001", "30000002", "30000003"]);
    let door = now_local(-10);
    for (title, at, audience, sector) in [
        ("Careers fair", "2027-03-10 10:00", "", "careers"),
        ("Door test", door.as_str(), "", "doors"),
        ("Law evening", "2027-03-11 18:00", "Law", "law"),
    ] {
        let mut c = as_op(dir, "er1");
        c.args(["event", "add", "--title", title, "--sector", sector, "--at", at])
            .args(["--minutes", "120", "--capacity", "2"]);
        if !audience.is_empty() {
            c.args(["--audience", audience]);
        }
        c.assert().success();
    }
}

#[test]
fn evt_03_cli_book_wait_cancel_promote_and_list_the_bookings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_setup(dir);
    let desk = || as_op(dir, "desk1");
    for n in ["30000001", "30000002"] {
        desk()
            .args(["event", "book", "Careers fair", "--client", n])
            .assert()
            .success()
            .stdout(predicate::str::contains("has a place"));
    }
    desk()
        .args(["event", "book", "Careers fair", "--client", "30000003"])
        .assert()
        .success()
        .stdout(predicate::str::contains("number 1 on the waiting list"));
    desk()
        .args(["event", "book", "Careers fair", "--client", "30000003"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds a booking"));
    let out = desk().args(["--format", "json", "event", "list"]).output().unwrap();
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let fair = listed.iter().find(|e| e["title"] == "Careers fair").unwrap();
    assert_eq!((fair["taken"].as_u64(), fair["waiting"].as_u64()), (Some(2), Some(1)));
    desk()
        .args(["event", "cancel", "Careers fair", "--client", "30000001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("30000003").and(predicate::str::contains("now has the place")));
    let out = desk()
        .args(["--format", "json", "event", "bookings", "Careers fair"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let booked: Vec<&str> = r["booked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["student_number"].as_str().unwrap())
        .collect();
    assert_eq!(booked, ["30000002", "30000003"]);
    assert_eq!(r["waiting"].as_array().unwrap().len(), 0);
    desk()
        .args(["event", "show", "Careers fair"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 of 2"));
    // The promoted client's message waits in the outbox.
    desk()
        .args(["outbox", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("event-place"));
}

#[test]
fn evt_03_cli_attendance_by_number_and_card_and_refusals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_setup(dir);
    let desk = || as_op(dir, "desk1");
    for n in ["30000001", "30000002", "30000003"] {
        desk()
            .args(["event", "book", "Door test", "--client", n])
            .assert()
            .success();
    }
    desk()
        .args(["event", "attend", "Door test", "--client", "30000001"])
        .assert()
        .success()
        .stdout(predicate::str::contains("attending"));
    desk()
        .args(["event", "attend", "Door test", "--card", ";30000002?"])
        .assert()
        .success();
    desk()
        .args(["event", "attend", "Door test", "--client", "30000003"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("waiting list"));
    desk().args(["event", "attend", "Door test"]).assert().code(2);
    desk()
        .args(["event", "absent", "Door test"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not ended"));
    let out = desk()
        .args(["--format", "json", "event", "bookings", "Door test"])
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["attended_count"], 2);
}

#[test]
fn evt_03_cli_audience_refusal_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    cli_setup(dir);
    let desk = || as_op(dir, "desk1");
    desk()
        .args(["event", "book", "Law evening", "--client", "30000001"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("EVT-02").and(predicate::str::contains("Law")));
    desk()
        .args(["event", "book", "No such event", "--client", "30000001"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no event has the id or title"));
    desk()
        .args(["event", "book", "Careers fair", "--client", "39999999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no client has student number"));
    desk()
        .args(["event", "book", "Careers fair", "--client", "not a number!"])
        .assert()
        .code(2);
    as_op(dir, "desk1")
        .args(["event", "absent", "Careers fair", "--message", "hello"])
        .assert()
        .code(4);
    as_op(dir, "er1")
        .args(["event", "cancel", "Careers fair", "--client", "30000001"])
        .assert()
        .code(4);
}

#[test]
fn data_05_erasing_a_promoted_client_takes_their_event_place_message_too() {
    let w = world();
    event(&w, "Insight day", 1, &[]);
    let desk = w.as_("desk1");
    book(&desk, "Insight day", "20240001").unwrap();
    book(&desk, "Insight day", "20240003").unwrap();
    desk.cancel_event_booking("Insight day", &sn("20240001")).unwrap();
    let id = desk.client_by_student_number(&sn("20240003")).unwrap().id;
    assert!(!messages_to(&desk, "20240003", MessageKind::EventPlace).is_empty());
    let paths = careerdesk::paths::Paths::resolve(Some(w._tmp.path()));
    let done = w
        .admin
        .erase_client(&paths, &sn("20240003"), "the student asked")
        .unwrap();
    assert!(done.messages_withdrawn >= 1, "{done:?}");
    // No message, booking or other record sealed for them is left, readable or not.
    let left: Vec<String> = w
        .admin
        .store()
        .every_value()
        .unwrap()
        .into_iter()
        .filter(
            |v| matches!(v.sealed_with, Some(careerdesk::store::crypto::KeyRef::Subject { id: s, .. }) if s == id.0),
        )
        .filter(|v| v.tree != "oplog" && v.tree != "audit")
        .map(|v| v.tree)
        .collect();
    assert!(left.is_empty(), "records left sealed for the erased client in {left:?}");
    assert!(desk.outbox().unwrap().iter().all(|m| m.client != Some(id)));
    assert!(desk.event_roster("Insight day").unwrap().booked.is_empty());
}

#[test]
fn evt_03_a_demo_event_s_roster_names_real_clients_of_its_audience_each_once() {
    use careerdesk::domain::event::EventBooking;
    let tmp = tempfile::tempdir().unwrap();
    let admin = init(tmp.path(), clock());
    careerdesk::demo::generate(&admin, 300, 5, &careerdesk::demo::Progress::Hidden).unwrap();
    let events = admin.events().unwrap();
    assert!(events.len() >= 6);
    for e in &events {
        let r = admin.event_roster(&e.id.to_string()).unwrap();
        let lines: Vec<_> = r
            .booked
            .iter()
            .chain(&r.waiting)
            .chain(&r.attended)
            .chain(&r.absent)
            .collect();
        assert!(lines.len() >= 10, "{} has {} bookings", e.title, lines.len());
        let mut seen = std::collections::HashSet::new();
        for line in lines {
            assert_ne!(line.name, "(unknown client)", "{}", e.title);
            let number = line.student_number.clone().expect("a real client");
            assert!(seen.insert(number.to_string()), "{number} booked twice on {}", e.title);
            let client = admin.client_by_student_number(&number).unwrap();
            assert_eq!(line.name, client.name);
            assert!(
                e.audience_schools.contains(client.school.as_ref().unwrap()),
                "{}",
                e.title
            );
            // Sealed with the client's own key, as a booking made at the desk is.
            let sealed = admin.store().sealed_for::<EventBooking>(client.id.0).unwrap();
            assert!(sealed.iter().any(|b| b.id == line.id), "{number} on {}", e.title);
        }
    }
}
