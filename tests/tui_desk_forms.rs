//! The desk screen's add and edit forms and slot actions, driven through the `Pane` trait with
//! a real desk (fixed clock, shipped `standard` policy) and drawn into a test backend: adding a
//! walk-in client, a duplicate student number, editing a client by role, the slot picker's
//! consultants, a series of slots and withdrawing a slot from the calendar, and commands that
//! cannot act saying why.

mod common;

use std::sync::Arc;

use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::pane::Pane;
use careerdesk::ui::panes::calendar::CalendarPane;
use careerdesk::ui::panes::clients::ClientsPane;
use careerdesk::ui::panes::employers::EmployersPane;

use common::panes::*;
use common::*;

/// cons1, cons2, desk1 and sup1; clients 10000001..=10000003; Monday 30 November 2026 08:00 UTC.
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

fn large(pane: &mut dyn Pane) -> String {
    screen(pane, 160, 48)
}

// ---------------------------------------------------------------------------------------------
// Clients

#[test]
fn a_walk_in_client_is_added_from_the_clients_pane_and_found_by_name() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let shared = built_index(&desk);
    let mut pane = ClientsPane::new(&desk, shared.clone());
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Back); // leave the search box
    assert!(ui.cmd(&mut pane, Command::AddClient));
    assert!(pane.typing(), "the form takes what is typed");
    let s = large(&mut pane);
    has(&s, "Add a walk-in client");
    has(&s, "enter adds");
    ui.type_text(&mut pane, "20249999");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Quentin Walkin");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "qw@student.example.ac.uk");
    ui.cmds(&mut pane, &[Command::Down, Command::Down]);
    ui.type_text(&mut pane, "BA History");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Added Quentin Walkin (20249999).");
    let s = large(&mut pane);
    has(&s, "Quentin Walkin  20249999");
    has(&s, "May book");
    // In the store, and found by a few letters of the name in the shared lookup.
    let c = w.admin.client_by_student_number(&sn("20249999")).unwrap();
    assert_eq!(c.programme, "BA History");
    open_client(&mut ui, &mut pane, "quen");
    let s = large(&mut pane);
    has(&s, "Matches: 1");
    has(&s, "Quentin Walkin  20249999  BA History");
    assert_eq!(shared.search("walkin", 5).unwrap()[0].id, c.id);
}

#[test]
fn a_walk_in_whose_student_number_exists_is_offered_the_existing_client_s_card() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = ClientsPane::new(&desk, built_index(&desk));
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Back);
    ui.cmd(&mut pane, Command::AddClient);
    ui.type_text(&mut pane, "10000002");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Bo Other");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "bo.other@example.ac.uk");
    ui.cmds(&mut pane, &[Command::Down, Command::Down]);
    ui.type_text(&mut pane, "MSc Physics");
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "student number 10000002 is already Bo Two's");
    has(&s, "enter opens Bo Two's card");
    assert_eq!(
        w.admin.find_clients("Bo Other", 5).unwrap().len(),
        0,
        "nobody was added"
    );
    // One key opens the existing client's card.
    ui.cmd(&mut pane, Command::Select);
    assert!(!pane.typing());
    let s = large(&mut pane);
    has(&s, "Bo Two  10000002");
    has(&s, "May book");
    lacks(&s, "Add a walk-in client");
}

#[test]
fn the_add_form_names_each_wrong_field_and_adds_nothing() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = ClientsPane::new(&desk, built_index(&desk));
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Back);
    ui.cmd(&mut pane, Command::AddClient);
    ui.type_text(&mut pane, "20240001");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "Rae Wrong");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "not-an-email");
    ui.cmd(&mut pane, Command::Down);
    ui.type_text(&mut pane, "12345");
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    has(&s, "✗ email: `not-an-email` is not a valid e-mail address");
    has(&s, "✗ phone:");
    has(&s, "✗ programme: is required");
    assert!(w.admin.client_by_student_number(&sn("20240001")).is_err());
    // Esc asks before throwing away what was typed; the second esc leaves the form and
    // nothing was added.
    ui.cmd(&mut pane, Command::Back);
    has(&large(&mut pane), "press esc again to close the form");
    ui.cmd(&mut pane, Command::Back);
    lacks(&large(&mut pane), "Add a walk-in client");
}

#[test]
fn desk_staff_edit_contact_details_and_see_the_study_record_read_only() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let shared = built_index(&desk);
    let mut pane = ClientsPane::new(&desk, shared.clone());
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    assert!(ui.cmd(&mut pane, Command::EditClient));
    let s = large(&mut pane);
    has(&s, "Edit the client's details");
    has(&s, "10000001@student.example.ac.uk");
    has(&s, "(read-only: a consultant or supervisor changes this)");
    // Focus starts on the e-mail; ↓ goes to the phone, then contact, never to read-only rows.
    ui.replace(&mut pane, "ada.one@example.ac.uk");
    ui.cmd(&mut pane, Command::Down);
    ui.replace(&mut pane, "");
    ui.cmds(&mut pane, &[Command::Down, Command::Down, Command::Down]);
    ui.replace(&mut pane, "email");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Changed email, phone, contact for Ada One.");
    let c = w.admin.client_by_student_number(&sn("10000001")).unwrap();
    assert_eq!((c.email.as_str(), c.phone.is_none()), ("ada.one@example.ac.uk", true));
    assert_eq!(c.programme, "BSc Physics", "read-only fields did not change");
    has(&large(&mut pane), "ada.one@example.ac.uk");
    // The lookup finds her by the new address.
    assert_eq!(shared.search("ada.one@", 5).unwrap()[0].id, c.id);
    // A consultant may change the study record from the same form.
    let cons = Arc::new(w.as_("cons1"));
    let mut ui = Ui::new(&cons);
    let mut pane = ClientsPane::new(&cons, built_index(&cons));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Ada");
    ui.cmd(&mut pane, Command::EditClient);
    lacks(&large(&mut pane), "read-only");
    ui.cmds(
        &mut pane,
        &[
            Command::Down,
            Command::Down,
            Command::Down,
            Command::Down,
            Command::Down,
            Command::Down,
        ],
    );
    ui.replace(&mut pane, "graduate");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Changed status for Ada One.");
}

#[test]
fn the_slot_picker_names_each_slot_s_consultant() {
    let w = world();
    w.slot("cons1", "guidance", "2026-12-01 10:00");
    w.slot("cons2", "guidance", "2026-12-01 10:00");
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = ClientsPane::new(&desk, built_index(&desk));
    ui.shown(&mut pane);
    open_client(&mut ui, &mut pane, "Cy Three");
    ui.cmd(&mut pane, Command::Book);
    ui.cmd(&mut pane, Command::Select); // guidance, the first type
    let s = large(&mut pane);
    has(&s, "choose a free slot");
    let rows: Vec<&str> = s.lines().filter(|l| l.contains("Tue 1 Dec 2026 10:00")).collect();
    assert_eq!(rows.len(), 2, "{s}");
    assert!(rows.iter().any(|r| r.contains("cons1 (cons1 person)")), "{rows:?}");
    assert!(rows.iter().any(|r| r.contains("cons2 (cons2 person)")), "{rows:?}");
}

// ---------------------------------------------------------------------------------------------
// Calendar

#[test]
fn the_calendar_adds_a_series_after_a_preview() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    assert!(ui.cmd(&mut pane, Command::AddSeries));
    let s = large(&mut pane);
    has(&s, "Add a series of slots");
    has(&s, "2026-11-30");
    has(&s, "2026-12-11"); // the end of the autumn term
    ui.replace(&mut pane, "cons1");
    ui.cmd(&mut pane, Command::Select);
    let s = large(&mut pane);
    // Mondays, Tuesdays and Thursdays to 11 December, four slots a day from 09:00 to 12:30.
    has(&s, "Would make 24 slot(s) and skip 0.");
    has(&s, "Enter again makes them");
    assert!(
        w.admin.calendar(d("2026-11-30"), 14, None).unwrap().is_empty(),
        "a preview makes nothing"
    );
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().starts_with("Series made: 24 slot(s) for cons1"),
        "{}",
        ui.done()
    );
    let made = w.admin.calendar(d("2026-11-30"), 14, None).unwrap();
    assert_eq!(made.len(), 24);
    assert!(made.iter().all(|s| s.series.is_some()));
    has(&large(&mut pane), "09:00–09:45");
    // A wrong field is named and the series is not made.
    ui.cmd(&mut pane, Command::AddSeries);
    ui.replace(&mut pane, "cons2");
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::Down);
    ui.replace(&mut pane, "funday");
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "✗ days: `funday` is not a weekday");
    ui.cmd(&mut pane, Command::Back);
    assert_eq!(w.admin.calendar(d("2026-11-30"), 14, None).unwrap().len(), 24);
}

fn d(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[test]
fn the_calendar_withdraws_a_free_slot_after_asking_and_says_why_not_for_a_booked_one() {
    let w = world();
    w.slot("cons1", "guidance", "2026-11-30 10:00");
    w.slot("cons1", "guidance", "2026-11-30 11:00");
    w.book_with(&w.admin, "10000003", "guidance", "2026-11-30 11:00", None)
        .unwrap();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    // The booked slot, second: refused with the reason and the client.
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::WithdrawSlot);
    let why = ui.problem();
    assert!(
        why.contains("booked by Cy Three (10000003)") && why.contains("cancel the booking first"),
        "{why}"
    );
    // The free slot, first: asked, then withdrawn.
    ui.cmd(&mut pane, Command::Up);
    ui.cmd(&mut pane, Command::WithdrawSlot);
    let s = large(&mut pane);
    has(&s, "Withdraw the free slot Mon 30 Nov 10:00 guidance with cons1");
    has(&s, "enter withdraws it · esc keeps it");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().starts_with("Withdrew the slot Mon 30 Nov 10:00"),
        "{}",
        ui.done()
    );
    let slots = w.admin.calendar(d("2026-11-30"), 1, None).unwrap();
    assert!(slots[0].withdrawn && !slots[1].withdrawn);
    has(&large(&mut pane), "– withdrawn");
    // Asked again on the withdrawn slot: it says so.
    ui.cmd(&mut pane, Command::WithdrawSlot);
    assert_eq!(ui.problem(), "that slot is already withdrawn");
}

#[test]
fn a_consultant_s_day_in_the_calendar_names_each_client_with_their_student_number() {
    let w = world();
    w.slot("cons1", "guidance", "2026-11-30 10:00");
    w.book_with(&w.admin, "10000003", "guidance", "2026-11-30 10:00", None)
        .unwrap();
    let cons = Arc::new(w.as_("cons1"));
    let mut ui = Ui::new(&cons);
    let mut pane = CalendarPane::new(&cons, Default::default());
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::CalendarConsultant);
    let s = large(&mut pane);
    has(&s, "cons1 (cons1 person)");
    has(&s, "Cy Three (10000003)");
}

// ---------------------------------------------------------------------------------------------
// Commands with nothing to act on say why

#[test]
fn commands_that_cannot_act_on_the_selection_say_why() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    // Clients: enter with nothing typed, cancel and check-in with no client chosen.
    let mut clients = ClientsPane::new(&desk, built_index(&desk));
    ui.shown(&mut clients);
    assert!(ui.cmd(&mut clients, Command::Select));
    assert!(ui.problem().contains("nobody to open"), "{}", ui.problem());
    ui.type_text(&mut clients, "zzzz");
    ui.cmd(&mut clients, Command::Select);
    assert!(ui.problem().contains("no client matches `zzzz`"), "{}", ui.problem());
    ui.cmds(&mut clients, &[Command::Back, Command::Back]);
    ui.cmd(&mut clients, Command::CancelBooking);
    assert!(ui.problem().starts_with("choose a client first"), "{}", ui.problem());
    ui.cmd(&mut clients, Command::CheckIn);
    assert!(ui.problem().starts_with("choose a client first"), "{}", ui.problem());
    ui.cmd(&mut clients, Command::EditClient);
    assert!(ui.problem().starts_with("choose a client first"), "{}", ui.problem());
    // A client with nothing booked: nothing to cancel or check in.
    open_client(&mut ui, &mut clients, "Ada");
    ui.cmd(&mut clients, Command::CancelBooking);
    assert!(
        ui.problem().contains("no upcoming bookings to cancel"),
        "{}",
        ui.problem()
    );
    ui.cmd(&mut clients, Command::CheckIn);
    assert!(ui.problem().contains("no booking today"), "{}", ui.problem());
    // Calendar: enter and withdraw on a day with no slots.
    let mut calendar = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut calendar);
    assert!(ui.cmd(&mut calendar, Command::Select));
    assert!(ui.problem().contains("no slot on show"), "{}", ui.problem());
    ui.cmd(&mut calendar, Command::WithdrawSlot);
    assert!(ui.problem().contains("no slot selected"), "{}", ui.problem());
    // Employers: enter with no employer listed.
    let mut employers = EmployersPane::new(&desk);
    ui.shown(&mut employers);
    ui.notice = None;
    ui.cmd(&mut employers, Command::Select); // leaves the search box for the list
    ui.cmd(&mut employers, Command::Select);
    assert!(ui.problem().contains("no employer to open"), "{}", ui.problem());
}
