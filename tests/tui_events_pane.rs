//! The events pane driven through the `Pane` trait with a real desk (fixed clock, shipped
//! `standard` policy), drawn into a test backend, with assertions on the text on screen and on
//! what the desk then holds (EVT-01, EVT-02, EVT-03, SEC-02).

mod common;

use std::sync::Arc;

use careerdesk::desk::{Clock, Desk, NewEmployer, NewEvent};
use careerdesk::domain::audit::AuditAction;
use careerdesk::domain::event::Event;
use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::pane::Pane;
use careerdesk::ui::panes::events::EventsPane;
use chrono::{DateTime, Duration, Utc};

use common::panes::*;
use common::*;

/// er1 (employer relations), desk1 (desk), sup1, and clients 10000001..=10000004; the clock at
/// Monday 30 November 2026 08:00 UTC (London is on UTC).
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("er1", Role::EmployerRelations),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
            ("10000004", "Di Four"),
        ],
    )
}

/// Monday 7 December 2026 10:00 UTC.
fn fair_start() -> DateTime<Utc> {
    at(2026, 12, 7, 10, 0)
}

fn employer(w: &World, name: &str) -> careerdesk::domain::employer::Employer {
    w.admin
        .add_employer(&NewEmployer {
            name: name.into(),
            sector: "engineering".into(),
            ..NewEmployer::default()
        })
        .unwrap()
}

/// An event added through the desk: two hours from `start`, in its own sector.
fn event(w: &World, title: &str, start: DateTime<Utc>, capacity: u32) -> Event {
    w.admin
        .add_event(
            &NewEvent {
                title: title.into(),
                sector: format!("sector {title}"),
                start,
                minutes: 120,
                capacity,
                location: "Main hall".into(),
                ..NewEvent::default()
            },
            None,
        )
        .unwrap()
}

fn tick(w: &World, minutes: i64) {
    w.clock.set(w.clock.now() + Duration::minutes(minutes));
}

/// The pane for `desk`, shown (its list loaded).
fn pane_for<'d>(desk: &'d Arc<Desk>) -> (Ui<'d>, EventsPane) {
    let mut ui = Ui::new(desk);
    let mut pane = EventsPane::new(desk);
    ui.shown(&mut pane);
    (ui, pane)
}

fn large(pane: &mut dyn Pane) -> String {
    screen(pane, 160, 48)
}

/// Fills the create form: each (field position, text), moving down from the title.
fn fill(ui: &mut Ui<'_>, pane: &mut EventsPane, values: &[&str]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            ui.cmd(pane, Command::Down);
        }
        ui.replace(pane, v);
    }
}

/// The create form's fields for a fair with Acme on 7 December 10:00-12:00.
const ACME_TALK: [&str; 9] = [
    "Acme bridges talk",
    "2026-12-07 11:00",
    "12:30",
    "Room 2",
    "Acme Engineering",
    "civil works",
    "MEng Civil",
    "",
    "30",
];

#[test]
fn evt_01_the_list_shows_events_with_employers_audience_and_places_and_the_roster() {
    let w = world();
    let acme = employer(&w, "Acme Engineering");
    let fair = w
        .admin
        .add_event(
            &NewEvent {
                title: "Engineering fair".into(),
                sector: "engineering".into(),
                start: fair_start(),
                minutes: 120,
                capacity: 40,
                employers: vec![acme.id],
                audience_schools: vec!["Natural Sciences".into()],
                location: "Main hall".into(),
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
    event(&w, "Long gone", at(2026, 10, 1, 10, 0), 10);
    w.admin.book_event(&fair.title, &sn("10000001")).unwrap();
    tick(&w, 1);
    w.admin.book_event(&fair.title, &sn("10000002")).unwrap();
    let desk = Arc::new(w.as_("desk1"));
    let (_ui, mut pane) = pane_for(&desk);
    let s = large(&mut pane);
    insta::assert_snapshot!("events_pane_list_and_roster_160x48", s);
    has(&s, "Mon 7 Dec 2026 10:00–12:00");
    has(&s, "Engineering fair");
    has(&s, "Acme Engineering · Natural Sciences · 2/40 booked · 0 waiting");
    lacks(&s, "Long gone");
    // The detail of the selected event: audience, places and who is booked.
    has(&s, "Audience: Natural Sciences");
    has(&s, "Booked (2)");
    has(&s, "10000001 Ada One");
    has(&s, "10000002 Bo Two");
    has(&s, "Waiting list, in order (0)");
    // A narrow screen draws too.
    has(&screen(&mut pane, 80, 24), "Engineering fair");
}

#[test]
fn evt_01_a_bad_date_in_the_form_is_named_and_nothing_is_saved() {
    let w = world();
    employer(&w, "Acme Engineering");
    let desk = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::AddEvent);
    assert!(pane.typing(), "the form has the keyboard");
    let mut values = ACME_TALK;
    values[1] = "2026-13-07 11:00";
    values[8] = "thirty";
    fill(&mut ui, &mut pane, &values);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "start: `2026-13-07 11:00` is not a date and time");
    has(&s, "capacity: `thirty` is not a number of places");
    lacks(&s, "end:");
    assert!(pane.typing(), "the form stays open to be put right");
    assert!(desk.events().unwrap().is_empty(), "nothing was saved");
    // Put right, it is saved.
    ui.cmd(&mut pane, Command::First);
    ui.cmd(&mut pane, Command::Down);
    ui.replace(&mut pane, "2026-12-07 11:00");
    ui.cmd(&mut pane, Command::Last);
    ui.replace(&mut pane, "30");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("Saved \"Acme bridges talk\""), "{}", ui.done());
    let saved = desk.find_event("Acme bridges talk").unwrap();
    assert_eq!((saved.end - saved.start).num_minutes(), 90);
    assert_eq!(saved.capacity, 30);
    has(&large(&mut pane), "Acme bridges talk");
}

/// A fair with Acme on 7 December, and the pane with the create form filled with a talk that
/// overlaps it and shares Acme, enter pressed once.
fn clash_shown(w: &World) -> (Arc<Desk>, Event) {
    let acme = employer(w, "Acme Engineering");
    let fair = w
        .admin
        .add_event(
            &NewEvent {
                title: "Engineering fair".into(),
                sector: "engineering".into(),
                start: fair_start(),
                minutes: 120,
                capacity: 40,
                employers: vec![acme.id],
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
    (Arc::new(w.as_("er1")), fair)
}

#[test]
fn evt_01_a_clash_is_listed_with_its_reason_and_saved_only_with_a_reason() {
    let w = world();
    let (desk, _) = clash_shown(&w);
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::AddEvent);
    fill(&mut ui, &mut pane, &ACME_TALK);
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "Clashes on the combined calendar (EVT-01)");
    has(
        &s,
        "EVT-01: \"Engineering fair\" (Mon 7 Dec 2026 10:00) overlaps it and shares employer Acme Engineering",
    );
    assert_eq!(desk.events().unwrap().len(), 1, "nothing saved yet");
    // Enter without a reason does not go ahead.
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "type a reason to go ahead despite the clash");
    assert_eq!(desk.events().unwrap().len(), 1);
    ui.type_text(&mut pane, "Acme can only come that morning");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done()
            .contains("despite the clash, because: Acme can only come that morning"),
        "{}",
        ui.done()
    );
    assert!(!pane.typing(), "the form closed");
    assert_eq!(desk.events().unwrap().len(), 2);
    let entry = w
        .as_("sup1")
        .audit_log()
        .unwrap()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.action == AuditAction::Override)
        .last()
        .expect("the override is audited");
    assert_eq!(entry.reason.as_deref(), Some("Acme can only come that morning"));
    assert!(entry.detail.contains("Engineering fair"), "{}", entry.detail);
}

#[test]
fn evt_01_esc_at_the_clash_saves_nothing() {
    let w = world();
    let (desk, _) = clash_shown(&w);
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::AddEvent);
    fill(&mut ui, &mut pane, &ACME_TALK);
    ui.cmd(&mut pane, Command::Select);
    ui.type_text(&mut pane, "half a reason");
    ui.cmd(&mut pane, Command::Back);
    let s = large(&mut pane);
    has(&s, "Not saved.");
    has(&s, "Create an event");
    // The form asks before throwing the typing away, then closes.
    ui.cmd(&mut pane, Command::Back);
    ui.cmd(&mut pane, Command::Back);
    assert!(!pane.typing(), "the form closed");
    assert!(ui.done().contains("nothing was saved"), "{}", ui.done());
    assert_eq!(desk.events().unwrap().len(), 1, "only the fair");
    lacks(&large(&mut pane), "Acme bridges talk");
}

#[test]
fn evt_01_moving_an_event_into_a_clash_asks_for_a_reason() {
    let w = world();
    let (desk, fair) = clash_shown(&w);
    let acme = desk.resolve_employer("Acme Engineering").unwrap();
    let talk = w
        .admin
        .add_event(
            &NewEvent {
                title: "Acme site visit".into(),
                sector: "construction".into(),
                start: at(2026, 12, 14, 10, 0),
                minutes: 60,
                capacity: 12,
                employers: vec![acme.id],
                ..NewEvent::default()
            },
            None,
        )
        .unwrap();
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::Last);
    ui.cmd(&mut pane, Command::MoveEvent);
    let s = large(&mut pane);
    has(&s, "Move the event");
    has(&s, "2026-12-14 10:00");
    ui.replace(&mut pane, "2026-12-07 12:30");
    ui.cmd(&mut pane, Command::Down);
    ui.replace(&mut pane, "13:30");
    ui.cmd(&mut pane, Command::Select);
    has(
        &large(&mut pane),
        "\"Engineering fair\" (Mon 7 Dec 2026 10:00) is 0h30 away",
    );
    assert_eq!(desk.find_event(&talk.id.to_string()).unwrap().start, talk.start);
    ui.type_text(&mut pane, "the site is only open that day");
    ui.cmd(&mut pane, Command::Select);
    let moved = desk.find_event(&talk.id.to_string()).unwrap();
    assert_eq!(moved.start, at(2026, 12, 7, 12, 30));
    assert_eq!((moved.end - moved.start).num_minutes(), 60);
    assert_eq!(desk.find_event(&fair.id.to_string()).unwrap().start, fair.start);
}

#[test]
fn evt_02_opening_to_another_school_records_who_was_consulted() {
    let w = world();
    let fair = event(&w, "Engineering fair", fair_start(), 40);
    let desk = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::OpenEvent);
    ui.type_text(&mut pane, "Engineering");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "sup1");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().contains("is open to Engineering (consulted sup1)"),
        "{}",
        ui.done()
    );
    has(
        &large(&mut pane),
        "opened to Engineering on Mon 30 Nov 2026 08:00, consulting sup1",
    );
    let now = desk.find_event(&fair.title).unwrap();
    assert_eq!(now.consultations.len(), 1);
    // Someone who is not an operator is refused by the desk, on the status line.
    ui.cmd(&mut pane, Command::OpenEvent);
    ui.type_text(&mut pane, "Law");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "nobody");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.problem().contains("no operator has the login \"nobody\""),
        "{}",
        ui.problem()
    );
}

#[test]
fn evt_03_booking_into_a_full_event_goes_to_the_waiting_list_and_says_so() {
    let w = world();
    event(&w, "Small workshop", fair_start(), 1);
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::BookEvent);
    ui.type_text(&mut pane, "10000001");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done()
            .contains("Ada One (10000001) has a place on \"Small workshop\" (1 of 1 taken)"),
        "{}",
        ui.done()
    );
    tick(&w, 1);
    // The prompt stays open for the next student.
    ui.type_text(&mut pane, "10000002");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done()
            .contains("\"Small workshop\" is full: Bo Two (10000002) is number 1 on the waiting list"),
        "{}",
        ui.done()
    );
    ui.cmd(&mut pane, Command::Back);
    let s = large(&mut pane);
    has(&s, "1/1 booked · 1 waiting · full");
    has(&s, "Waiting list, in order (1)");
    has(&s, "1. 10000002 Bo Two");
    // A bad student number is the desk's refusal, and the screen goes on.
    ui.cmd(&mut pane, Command::BookEvent);
    ui.type_text(&mut pane, "12");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("student-number"), "{}", ui.problem());
}

#[test]
fn evt_03_cancelling_promotes_the_first_waiting_and_names_them() {
    let w = world();
    let e = event(&w, "Small workshop", fair_start(), 1);
    for n in ["10000001", "10000002", "10000003"] {
        w.admin.book_event(&e.title, &sn(n)).unwrap();
        tick(&w, 1);
    }
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::CancelEventBooking);
    ui.type_text(&mut pane, "10000001");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done()
            .contains("Bo Two (10000002) was first on the waiting list and now has the place"),
        "{}",
        ui.done()
    );
    assert!(ui.messages_queued, "the promoted student's message is sent now");
    assert!(!pane.typing(), "the prompt closed");
    let s = large(&mut pane);
    has(&s, "Booked (1)");
    has(&s, "10000002 Bo Two");
    has(&s, "1. 10000003 Cy Three");
    let roster = desk.event_roster(&e.title).unwrap();
    assert_eq!(roster.booked[0].name, "Bo Two");
}

#[test]
fn evt_03_attendance_is_marked_by_card_swipe() {
    let w = world();
    let e = event(&w, "Engineering fair", fair_start(), 40);
    w.admin.book_event(&e.title, &sn("10000001")).unwrap();
    w.clock.set(fair_start());
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = pane_for(&desk);
    ui.cmd(&mut pane, Command::AttendEvent);
    ui.type_text(&mut pane, ";10000001?");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done()
            .contains("Ada One (10000001) is marked as attending \"Engineering fair\""),
        "{}",
        ui.done()
    );
    // Someone not booked is refused by the desk; the prompt stays for the next card.
    ui.type_text(&mut pane, ";10000002?");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("not booked on this event"), "{}", ui.problem());
    ui.cmd(&mut pane, Command::Back);
    let s = large(&mut pane);
    has(&s, "Attended (1)");
    assert_eq!(desk.event_roster(&e.title).unwrap().attended.len(), 1);
}

#[test]
fn evt_03_after_the_event_the_absent_are_listed_and_messaged() {
    let w = world();
    let e = event(&w, "Engineering fair", fair_start(), 40);
    w.admin.book_event(&e.title, &sn("10000001")).unwrap();
    tick(&w, 1);
    w.admin.book_event(&e.title, &sn("10000002")).unwrap();
    w.clock.set(fair_start());
    w.admin
        .attend_event(&e.title, &careerdesk::desk::Attendee::Client(sn("10000001")))
        .unwrap();
    w.clock.set(fair_start() + Duration::hours(3));
    let desk = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = pane_for(&desk);
    let s = large(&mut pane);
    has(&s, "✓ ended");
    has(&s, "Booked but absent (1)");
    has(&s, "10000002 Bo Two");
    ui.cmd(&mut pane, Command::MessageAbsent);
    ui.type_text(&mut pane, "Sorry we missed you: the slides are online.");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().contains("Queued 1 message(s) to 1 absent student(s)"),
        "{}",
        ui.done()
    );
    assert!(ui.messages_queued);
    assert_eq!(desk.event_roster(&e.title).unwrap().absent.len(), 1);
}

#[test]
fn evt_03_an_operator_without_the_right_sees_the_desks_refusal() {
    let w = world();
    event(&w, "Engineering fair", fair_start(), 40);
    // The desk may book but not manage events.
    let desk = Arc::new(w.as_("desk1"));
    let (mut ui, mut pane) = pane_for(&desk);
    for c in [
        Command::AddEvent,
        Command::MoveEvent,
        Command::OpenEvent,
        Command::MessageAbsent,
    ] {
        ui.cmd(&mut pane, c);
        assert!(
            ui.problem().contains("may not manage employers and events"),
            "{c:?}: {}",
            ui.problem()
        );
        assert!(!pane.typing(), "{c:?} opened nothing");
    }
    // Employer relations may manage events but not book.
    let er = Arc::new(w.as_("er1"));
    let (mut ui, mut pane) = pane_for(&er);
    for c in [Command::BookEvent, Command::CancelEventBooking, Command::AttendEvent] {
        ui.cmd(&mut pane, c);
        assert!(ui.problem().contains("may not book"), "{c:?}: {}", ui.problem());
        assert!(!pane.typing());
    }
    assert!(er.event_roster("Engineering fair").unwrap().booked.is_empty());
}
