//! The calendar, employers, triage and queue panes driven through the `Pane` trait with a real
//! desk (fixed clock, shipped `standard` policy), drawn into a test backend at 80x24 and
//! 160x48, with assertions on the text on screen and on what changed in the store.

mod common;

use careerdesk::domain::appointment::{Appointment, Outcome};
use careerdesk::domain::client::FlagKind;
use careerdesk::domain::employer::{Contact, Employer, EngagementKind, EngagementNote, Ownership};
use careerdesk::domain::ids::{ContactId, EmployerId, EngagementId};
use careerdesk::domain::operator::Role;
use careerdesk::domain::validate::Email;
use std::sync::Arc;

use careerdesk::ui::command::Command;
use careerdesk::ui::pane::{Pane, PaneId};
use careerdesk::ui::panes::calendar::CalendarPane;
use careerdesk::ui::panes::employers::EmployersPane;
use careerdesk::ui::panes::queue::QueuePane;
use careerdesk::ui::panes::triage::TriagePane;

use common::panes::*;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

// ---------------------------------------------------------------------------------------------
// Set-up

/// Consultants cons1 and cons2, desk1, sup1, employer-relations er1 and er2, and clients
/// 10000001..=10000006; the clock at Monday 30 November 2026 08:00 UTC (London is on UTC).
fn world() -> World {
    World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
            ("sup1", Role::Supervisor),
            ("er1", Role::EmployerRelations),
            ("er2", Role::EmployerRelations),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
            ("10000004", "Di Four"),
            ("10000005", "Ed Five"),
            ("10000006", "Flo Six"),
        ],
    )
}

impl World {
    fn slot_and_book(&self, consultant: &str, sn: &str, ty: &str, local: &str) -> Appointment {
        self.slot(consultant, ty, local);
        self.book_with(&self.admin, sn, ty, local, Some(consultant)).unwrap()
    }

    /// Monday 30 Nov: attended 09:00, unresolved 10:00, checked in 11:30, booked 14:00, free
    /// 15:00; Tuesday: a free slot with cons2. The clock ends at 12:00.
    fn calendar_day(&self) -> Vec<Appointment> {
        let attended = self.slot_and_book("cons1", "10000001", "guidance", "2026-11-30 09:00");
        let unresolved = self.slot_and_book("cons1", "10000002", "guidance", "2026-11-30 10:00");
        let checked_in = self.slot_and_book("cons2", "10000003", "guidance", "2026-11-30 11:30");
        let booked = self.slot_and_book("cons1", "10000004", "applications", "2026-11-30 14:00");
        self.slot("cons2", "applications", "2026-11-30 15:00");
        self.slot("cons2", "guidance", "2026-12-01 10:00");
        self.clock.set(at(2026, 11, 30, 12, 0));
        self.admin.record_outcome(attended.id, Outcome::Attended).unwrap();
        self.admin.check_in(checked_in.id).unwrap();
        vec![attended, unresolved, checked_in, booked]
    }
}

fn small(pane: &mut dyn Pane) -> String {
    screen(pane, 80, 24)
}

fn large(pane: &mut dyn Pane) -> String {
    screen(pane, 160, 48)
}

/// The screen line holding `text`.
fn line_with<'s>(screen: &'s str, text: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line holds `{text}`:\n{screen}"))
}

// ---------------------------------------------------------------------------------------------
// Calendar

#[test]
fn calendar_day_view_shows_every_slot_state_as_symbol_and_word() {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    assert!(ui.notice.is_none(), "{:?}", ui.notice);
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Mon 30 Nov 2026 (today)");
        has(&s, "everyone");
        for state in ["✔ attended", "? unresolved", "◆ checked in", "● booked", "○ free"] {
            has(&s, state);
        }
    }
    let s = large(&mut pane);
    let row = line_with(&s, "09:00–09:45");
    for part in ["cons1", "guidance", "atrium-pod-1", "✔ attended", "Ada One"] {
        assert!(row.contains(part), "{part} missing from {row}");
    }
    assert!(line_with(&s, "14:00–14:30").contains("● booked"));
    assert!(line_with(&s, "10:00–10:45").contains("? unresolved"));
    // Tuesday's slot is not on Monday's page.
    lacks(&s, "Tue 1 Dec");
}

#[test]
fn calendar_week_view_has_seven_day_columns_with_compact_cells() {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    assert!(ui.cmd(&mut pane, Command::CalendarWeek));
    let s = large(&mut pane);
    has(&s, "week of Mon 30 Nov 2026");
    has(&s, "week view");
    for day in ["[Mon 30]", "Tue 1", "Wed 2", "Thu 3", "Fri 4", "Sat 5", "Sun 6"] {
        has(&s, day);
    }
    for cell in [
        "09:00 ✔ cons1",
        "10:00 ? cons1",
        "11:30 ◆ cons2",
        "14:00 ● cons1",
        "15:00 ○ cons2",
        "10:00 ○ cons2",
    ] {
        has(&s, cell);
    }
    // The legend gives every symbol its word; the selected slot is spelled out in full.
    has(&s, "○ free  ● booked  ◌ provisional  ◆ checked in");
    let s = small(&mut pane);
    has(&s, "[Mon 30]");
    has(&s, "Sun 6");
    has(&s, "1400●cons1");
    // Next week is empty; back again finds the slots.
    ui.cmd(&mut pane, Command::CalendarNext);
    let s = large(&mut pane);
    has(&s, "week of Mon 7 Dec 2026");
    has(&s, "No slots this week");
    ui.cmd(&mut pane, Command::CalendarPrev);
    has(&large(&mut pane), "14:00 ● cons1");
    // Back to the day view lands on the selected slot's day.
    ui.cmd(&mut pane, Command::CalendarWeek);
    has(&large(&mut pane), "day view");
}

#[test]
fn calendar_consultant_filter_cycles_everyone_then_each_consultant_then_everyone() {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::CalendarConsultant);
    assert!(ui.done().contains("cons1"), "{}", ui.done());
    let s = large(&mut pane);
    has(&s, "cons1 (cons1 person)");
    lacks(&s, "11:30–12:15");
    has(&s, "14:00–14:30");
    ui.cmd(&mut pane, Command::CalendarConsultant);
    let s = large(&mut pane);
    has(&s, "cons2 (cons2 person)");
    has(&s, "11:30–12:15");
    lacks(&s, "14:00–14:30");
    ui.cmd(&mut pane, Command::CalendarConsultant);
    assert_eq!(ui.done(), "Showing everyone's calendar");
    let s = large(&mut pane);
    has(&s, "11:30–12:15");
    has(&s, "14:00–14:30");
}

#[test]
fn calendar_goto_jumps_to_a_typed_date_and_explains_a_bad_one() {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    assert!(!pane.typing());
    ui.cmd(&mut pane, Command::CalendarGoto);
    assert!(pane.typing(), "the date field takes plain keys");
    has(&small(&mut pane), "Go to date");
    ui.type_text(&mut pane, "2026-13-01");
    ui.cmd(&mut pane, Command::Select);
    let msg = ui.problem();
    assert!(
        msg.contains("`2026-13-01` is not a date") && msg.contains("YYYY-MM-DD"),
        "{msg}"
    );
    assert!(pane.typing(), "the field stays open to correct the date");
    // ctrl-u clears the field, as in every text field.
    let mut cx = ui.cx();
    pane.key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL), &mut cx);
    ui.type_text(&mut pane, "2026-12-01");
    ui.cmd(&mut pane, Command::Select);
    assert!(!pane.typing());
    let s = large(&mut pane);
    has(&s, "Tue 1 Dec 2026");
    has(&s, "10:00–10:45");
    // esc closes the field without moving.
    ui.cmd(&mut pane, Command::CalendarGoto);
    ui.type_text(&mut pane, "today");
    ui.cmd(&mut pane, Command::Back);
    assert!(!pane.typing());
    has(&large(&mut pane), "Tue 1 Dec 2026");
    ui.cmd(&mut pane, Command::CalendarToday);
    has(&large(&mut pane), "Mon 30 Nov 2026 (today)");
}

#[test]
fn calendar_book_slot_books_the_chosen_client_through_the_desk() {
    book_through_the_picker(false);
}

#[test]
fn calendar_picker_searches_the_lookup_index_shared_with_the_clients_pane() {
    book_through_the_picker(true);
}

/// Books Flo Six into the last slot through the calendar's client picker, which searches the
/// shared lookup index when it has been built (`shared`) and the desk otherwise.
fn book_through_the_picker(shared: bool) {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let index = careerdesk::ui::lookup::SharedIndex::default();
    // The shared index spells Flo's name its own way, so the list shows which one was searched.
    let listed = if shared {
        let mut directory = desk.build_directory().unwrap();
        let flo = desk.client_by_student_number(&sn("10000006")).unwrap();
        directory.put(flo.id, ["Flo Shared", "10000006", flo.email.as_str(), &flo.programme]);
        index.set(careerdesk::desk::Lookup::new(directory));
        "Flo Shared  10000006"
    } else {
        "Flo Six  10000006"
    };
    let mut pane = CalendarPane::new(&desk, index.clone());
    ui.shown(&mut pane);
    // A booked slot cannot be booked again.
    ui.cmd(&mut pane, Command::First);
    ui.cmd(&mut pane, Command::BookSlot);
    assert!(ui.problem().contains("not free"), "{}", ui.problem());
    ui.cmd(&mut pane, Command::Last);
    ui.cmd(&mut pane, Command::BookSlot);
    assert!(pane.typing(), "the client picker has a search field");
    ui.type_text(&mut pane, "flo");
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Book applications Mon 30 Nov 15:00 with cons2");
        has(&s, listed);
    }
    ui.cmd(&mut pane, Command::Select);
    let msg = ui.done();
    assert!(msg.contains("Booked Flo Six (10000006) into applications"), "{msg}");
    assert!(!pane.typing());
    let slots = desk.calendar(desk.today(), 1, None).unwrap();
    let slot = slots.iter().find(|s| {
        s.appointment_type.as_str() == "applications" && s.booking.is_some() && {
            let a = desk.slot_appointment(s).unwrap().unwrap();
            desk.client(a.client).unwrap().student_number.to_string() == "10000006"
        }
    });
    assert!(slot.is_some(), "the booking is in the store");
    assert!(line_with(&large(&mut pane), "15:00–15:30").contains("● booked"));
}

#[test]
fn calendar_booking_refusal_shows_the_rule_and_keeps_the_picker_open() {
    let w = world();
    w.calendar_day();
    w.as_("sup1")
        .suspend_client(&sn("10000005"), "suspected account sharing")
        .unwrap();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Last);
    ui.cmd(&mut pane, Command::BookSlot);
    ui.type_text(&mut pane, "10000005");
    ui.cmd(&mut pane, Command::Select);
    let msg = ui.problem();
    assert!(msg.contains("SEC-03"), "{msg}");
    assert!(pane.typing(), "another client can be chosen");
    ui.cmd(&mut pane, Command::Back);
    assert!(line_with(&large(&mut pane), "15:00–15:30").contains("○ free"));
}

#[test]
fn calendar_select_on_a_booked_slot_opens_its_client_and_notes() {
    let w = world();
    let appts = w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::First);
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.client, Some(appts[1].client));
    assert_eq!(ui.go_to, Some(PaneId::Notes));
}

#[test]
fn calendar_remembers_date_view_consultant_and_selection_when_shown_again() {
    let w = world();
    w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    ui.cmds(
        &mut pane,
        &[
            Command::CalendarWeek,
            Command::CalendarConsultant,
            Command::First,
            Command::Down,
        ],
    );
    let before = large(&mut pane);
    has(&before, ">10:00 ? cons1");
    // Away to another pane and back.
    ui.shown(&mut pane);
    let after = large(&mut pane);
    assert_eq!(before, after);
}

#[test]
fn calendar_click_selects_the_slot_under_the_pointer() {
    let w = world();
    let appts = w.calendar_day();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = CalendarPane::new(&desk, Default::default());
    ui.shown(&mut pane);
    let s = large(&mut pane);
    let row = s.lines().position(|l| l.contains("14:00–14:30")).unwrap() as u16;
    ui.click(&mut pane, 10, row);
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.client, Some(appts[3].client));
}

// ---------------------------------------------------------------------------------------------
// Employers

/// Acme (key account owned by er1, a key contact with guidance and a hidden contact, one
/// engagement note), Globex (multi-owner), Initech (open).
fn employers(w: &World) {
    let er1 = w.as_("er1").operator().id;
    let store = w.admin.store();
    let mut bulk = store.bulk();
    let created = at(2026, 1, 5, 9, 0);
    let employer = |name: &str, sector: &str, tags: &[&str], ownership| Employer {
        id: EmployerId::new_at(created.timestamp_millis() as u64),
        name: name.into(),
        sector: sector.into(),
        website: Some(format!(
            "https://{}.example.com",
            name.split(' ').next().unwrap().to_lowercase()
        )),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ownership,
        self_registered: false,
        created_at: created,
    };
    let acme = employer(
        "Acme Engineering",
        "engineering",
        &["engineering", "graduate"],
        Ownership::KeyAccount { owner: er1 },
    );
    let globex = employer(
        "Globex Finance",
        "finance",
        &["finance", "graduate"],
        Ownership::MultiOwner,
    );
    let initech = employer("Initech Consulting", "consulting", &["consulting"], Ownership::Open);
    let contact = |name: &str, key: bool, guidance: &str, visible: bool| Contact {
        id: ContactId::new_at(created.timestamp_millis() as u64),
        employer: acme.id,
        name: name.into(),
        title: Some("Graduate recruitment".into()),
        email: Email::parse(&format!(
            "{}@acme.example.com",
            name.split(' ').next().unwrap().to_lowercase()
        ))
        .ok(),
        phone: None,
        key_contact: key,
        guidance: guidance.into(),
        visible_to_students: visible,
    };
    bulk.put(&contact(
        "Kim Key",
        true,
        "Call before e-mailing; prefers Tuesdays",
        true,
    ))
    .unwrap();
    bulk.put(&contact("Pat Plain", false, "", false)).unwrap();
    bulk.put(&EngagementNote {
        id: EngagementId::new_at(created.timestamp_millis() as u64),
        employer: acme.id,
        contacts: Vec::new(),
        author: er1,
        at: at(2026, 11, 2, 10, 0),
        kind: EngagementKind::Meeting,
        liaised_with: None,
        text: "Discussed the graduate scheme".into(),
    })
    .unwrap();
    for e in [&acme, &globex, &initech] {
        bulk.put(e).unwrap();
    }
    bulk.finish(&|_, _| {}).unwrap();
}

#[test]
fn emp_03_emp_05_employers_list_puts_key_accounts_first_with_owner_multi_owner_and_tags() {
    let w = world();
    employers(&w);
    let desk = Arc::new(w.as_("er2"));
    let mut ui = Ui::new(&desk);
    let mut pane = EmployersPane::new(&desk);
    ui.shown(&mut pane);
    assert!(ui.notice.is_none(), "{:?}", ui.notice);
    let s = large(&mut pane);
    let acme = s.lines().position(|l| l.contains("Acme Engineering  ★")).unwrap();
    let globex = s.lines().position(|l| l.contains("Globex Finance  ◇")).unwrap();
    let initech = s.lines().position(|l| l.contains("Initech Consulting  #")).unwrap();
    assert!(
        acme < globex && globex < initech,
        "key accounts first, then by name:\n{s}"
    );
    has(
        &s,
        "Acme Engineering  ★ key account (owner: er1)  #engineering #graduate",
    );
    has(&s, "Globex Finance  ◇ multi-owner  #finance #graduate");
    let s = small(&mut pane);
    has(&s, "Acme Engineering  ★ er1");
    has(&s, "Globex Finance  ◇ multi-owner");
}

#[test]
fn emp_03_emp_04_employers_profile_marks_key_contacts_and_shows_the_liaison_gate_to_others() {
    let w = world();
    employers(&w);
    let desk = Arc::new(w.as_("er2"));
    let mut ui = Ui::new(&desk);
    let mut pane = EmployersPane::new(&desk);
    ui.shown(&mut pane);
    let s = large(&mut pane);
    has(
        &s,
        "Key account: liaise with er1 before contacting its key contacts (EMP-04)",
    );
    has(&s, "Sector: engineering · Website: https://acme.example.com");
    has(&s, "Tags: #engineering #graduate");
    has(&s, "Ownership: ★ key account, owner er1 (er1 person)");
    assert!(line_with(&s, "Kim Key*").contains("◉ visible to students"));
    has(&s, "guidance: Call before e-mailing; prefers Tuesdays");
    let pat = line_with(&s, "Pat Plain");
    assert!(
        pat.contains("⊘ hidden from students") && !pat.contains("Pat Plain*"),
        "{pat}"
    );
    has(&s, "2026-11-02 meeting · er1: Discussed the graduate scheme");
    let s = small(&mut pane);
    has(&s, "Kim Key*");
    has(&s, "Key account: liaise with er1 before");
    // The owner sees no gate.
    let owner = Arc::new(w.as_("er1"));
    let mut ui = Ui::new(&owner);
    let mut pane = EmployersPane::new(&owner);
    ui.shown(&mut pane);
    let s = large(&mut pane);
    lacks(&s, "liaise with");
    has(&s, "You own this key account.");
    // A multi-owner employer has no single gate.
    ui.cmd(&mut pane, Command::Down);
    let s = large(&mut pane);
    has(&s, "Ownership: ◇ multi-owner, no single owner (EMP-05)");
    lacks(&s, "liaise with");
}

#[test]
fn emp_01_employers_search_and_tag_filter_narrow_the_list() {
    let w = world();
    employers(&w);
    let desk = Arc::new(w.as_("er2"));
    let mut ui = Ui::new(&desk);
    let mut pane = EmployersPane::new(&desk);
    ui.shown(&mut pane);
    assert!(!pane.typing(), "the list has focus first, so letters are commands");
    ui.cmd(&mut pane, Command::Search);
    assert!(pane.typing());
    ui.type_text(&mut pane, "initech");
    let s = large(&mut pane);
    has(&s, "Employers: 1");
    lacks(&s, "Acme Engineering");
    // esc leaves the search field, keeping the search; esc again clears it.
    ui.cmd(&mut pane, Command::Back);
    assert!(!pane.typing());
    has(&large(&mut pane), "Employers: 1");
    ui.cmd(&mut pane, Command::Back);
    assert_eq!(ui.done(), "Search cleared");
    has(&large(&mut pane), "Employers: 3");
    assert!(ui.cmd(&mut pane, Command::FilterTags));
    assert!(pane.typing());
    ui.type_text(&mut pane, "#finance, graduate");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().contains("1 employer(s) tagged #finance #graduate"),
        "{}",
        ui.done()
    );
    let s = large(&mut pane);
    has(&s, "Globex Finance");
    lacks(&s, "Acme Engineering");
    lacks(&s, "Initech Consulting");
    // esc in the list clears the tag filter.
    ui.cmd(&mut pane, Command::Back);
    has(&large(&mut pane), "Employers: 3");
}

// ---------------------------------------------------------------------------------------------
// Triage

/// Ed Five (10000005) missed three appointments on Monday (a block is proposed); Flo Six's
/// 14:00 has no outcome. The clock ends at 16:00.
fn triage_world() -> (World, Vec<Appointment>, Appointment) {
    let w = world();
    let missed = vec![
        w.slot_and_book("cons1", "10000005", "guidance", "2026-11-30 09:00"),
        w.slot_and_book("cons1", "10000005", "applications", "2026-11-30 10:00"),
        w.slot_and_book("cons2", "10000005", "guidance", "2026-11-30 11:00"),
    ];
    let open = w.slot_and_book("cons2", "10000006", "applications", "2026-11-30 14:00");
    w.clock.set(at(2026, 11, 30, 16, 0));
    for a in &missed {
        w.admin.record_outcome(a.id, Outcome::NoShow).unwrap();
    }
    (w, missed, open)
}

#[test]
fn triage_is_for_supervisors_only() {
    let (w, _, _) = triage_world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Triage is for supervisors");
        lacks(&s, "Ed Five");
    }
    assert!(!ui.cmd(&mut pane, Command::ConfirmBlock));
    assert!(ui.notice.is_none());
}

#[test]
fn triage_lists_unresolved_flagged_and_waivers_with_a_suppressed_chart() {
    let (w, _, _) = triage_world();
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    assert!(ui.notice.is_none(), "{:?}", ui.notice);
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Unresolved outcomes (1)");
        has(&s, "Over a no-show threshold (1)");
        has(&s, "Waivers in the last 28 days (0)");
        has(&s, "No-shows by week");
        // Three no-shows this week: under the threshold, so text only and no bar.
        let week = line_with(&s, "30 Nov │");
        assert!(week.contains("<5") && !week.contains('█'), "{week}");
    }
    let s = large(&mut pane);
    assert!(line_with(&s, "? unresolved 10000006 Flo Six").contains("2026-11-30 14:00 applications cons2"));
    let flagged = line_with(&s, "⚑ block proposed 10000005 Ed Five");
    assert!(flagged.contains("3 no-shows since"), "{flagged}");
    assert_eq!(s.matches("✗ no-show 2026-11-30").count(), 3, "{s}");
    has(&s, "<5: a count from 1 to 4");
}

#[test]
fn triage_select_on_unresolved_records_the_outcome_with_one_key() {
    let (w, _, open) = triage_world();
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Select);
    let s = small(&mut pane);
    has(&s, "Record outcome");
    has(&s, "a  ✔ attended");
    has(&s, "n  ✗ no-show");
    assert!(ui.key(&mut pane, KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)));
    assert!(ui.done().contains("Recorded attended"), "{}", ui.done());
    assert_eq!(desk.appointment(open.id).unwrap().outcome(), Some(Outcome::Attended));
    has(&large(&mut pane), "Unresolved outcomes (0)");
}

#[test]
fn triage_confirm_block_asks_for_a_reason_then_blocks_the_client() {
    let (w, _, _) = triage_world();
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::ConfirmBlock);
    assert!(pane.typing(), "a reason is asked for");
    has(&large(&mut pane), "Block Ed Five (10000005) from booking");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.problem().contains("a reason is required (APPT-04)"),
        "{}",
        ui.problem()
    );
    assert!(desk.client_by_student_number(&sn("10000005")).unwrap().block.is_none());
    ui.type_text(&mut pane, "three no-shows, no mitigation");
    ui.cmd(&mut pane, Command::Select);
    assert!(
        ui.done().contains("Ed Five is blocked from booking until"),
        "{}",
        ui.done()
    );
    let c = desk.client_by_student_number(&sn("10000005")).unwrap();
    assert_eq!(
        c.block.map(|b| b.reason),
        Some("three no-shows, no mitigation".to_string())
    );
    assert!(!c.flags.iter().any(|f| f.kind == FlagKind::BlockProposed));
    lacks(&large(&mut pane), "⚑ block proposed");
}

#[test]
fn triage_dismiss_block_clears_the_proposal() {
    let (w, _, _) = triage_world();
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::Down);
    ui.cmd(&mut pane, Command::DismissBlock);
    ui.type_text(&mut pane, "illness, evidence seen");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("dismissed"), "{}", ui.done());
    let c = desk.client_by_student_number(&sn("10000005")).unwrap();
    assert!(c.block.is_none() && !c.flags.iter().any(|f| f.kind == FlagKind::BlockProposed));
}

#[test]
fn triage_waive_on_a_no_show_row_waives_it_with_the_reason() {
    let (w, _, open) = triage_world();
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    ui.cmds(&mut pane, &[Command::Down, Command::Down, Command::Waive]);
    assert!(pane.typing());
    ui.type_text(&mut pane, "bus strike");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.done().contains("Waived the no-show"), "{}", ui.done());
    let waivers = desk.recent_waivers(28).unwrap();
    assert_eq!(waivers.len(), 1);
    assert_eq!(waivers[0].reason, "bus strike");
    let s = large(&mut pane);
    has(&s, "Waivers in the last 28 days (1)");
    has(&s, "✓ waived");
    // An unresolved appointment is recorded as a no-show and waived in one step.
    ui.cmd(&mut pane, Command::First);
    ui.cmd(&mut pane, Command::Waive);
    has(&large(&mut pane), "as a no-show and");
    ui.type_text(&mut pane, "fire alarm");
    ui.cmd(&mut pane, Command::Select);
    let a = desk.appointment(open.id).unwrap();
    assert_eq!(a.outcome(), Some(Outcome::NoShow));
    assert_eq!(a.waiver.map(|w| w.reason), Some("fire alarm".to_string()));
}

// ---------------------------------------------------------------------------------------------
// Queue

#[test]
fn queue_check_in_by_number_and_card_swipe_shows_positions() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    let mut ui = Ui::new(&desk);
    let mut pane = QueuePane::new(&desk);
    ui.shown(&mut pane);
    has(&small(&mut pane), "Nobody is in the queue.");
    ui.cmd(&mut pane, Command::QueueCheckIn);
    assert!(pane.typing());
    has(&small(&mut pane), "Student number or card");
    ui.type_text(&mut pane, "10000001");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Ada One (10000001) joined the queue at position 1.");
    assert!(!pane.typing());
    w.clock.set(at(2026, 11, 30, 8, 5));
    // A card reader types its track data, then enter.
    ui.cmd(&mut pane, Command::QueueCheckIn);
    ui.type_text(&mut pane, ";10000002?");
    ui.cmd(&mut pane, Command::Select);
    assert_eq!(ui.done(), "Bo Two (10000002) joined the queue at position 2.");
    ui.cmd(&mut pane, Command::QueueCheckIn);
    ui.type_text(&mut pane, "99999999");
    ui.cmd(&mut pane, Command::Select);
    assert!(ui.problem().contains("no client matches"), "{}", ui.problem());
    ui.cmd(&mut pane, Command::Back);
    w.clock.set(at(2026, 11, 30, 8, 12));
    ui.cmd(&mut pane, Command::Refresh);
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Waiting: 2 · Called: 0");
        assert!(line_with(&s, "  1. 10000001").contains("Ada One"));
        assert!(line_with(&s, "  2. 10000002").contains("Bo Two"));
        has(&s, "… waiting");
    }
    assert!(line_with(&large(&mut pane), "  1. 10000001").contains("waited 12 min"));
}

#[test]
fn queue_next_calls_the_first_client_and_done_marks_the_selected_seen() {
    let w = world();
    let desk = Arc::new(w.as_("desk1"));
    desk.queue_add("10000001").unwrap();
    w.clock.set(at(2026, 11, 30, 8, 3));
    desk.queue_add("10000002").unwrap();
    let mut ui = Ui::new(&desk);
    let mut pane = QueuePane::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::QueueNext);
    assert!(ui.done().starts_with("Called Ada One (10000001)"), "{}", ui.done());
    let lines = desk.queue_list().unwrap();
    assert_eq!(lines[0].state, careerdesk::desk::LineState::Called);
    assert_eq!(lines[0].number(), "10000001");
    for s in [small(&mut pane), large(&mut pane)] {
        has(&s, "Waiting: 1 · Called: 1");
        assert!(line_with(&s, " now 10000001").contains("▶ called"));
        assert!(line_with(&s, "  1. 10000002").contains("… waiting"));
        has(&s, "Last called: Ada One (10000001)");
    }
    // The called client is selected: done marks them seen.
    ui.cmd(&mut pane, Command::QueueDone);
    assert_eq!(ui.done(), "Ada One (10000001) marked as seen.");
    let lines = desk.queue_list().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].number(), "10000002");
    ui.cmd(&mut pane, Command::QueueNext);
    ui.cmd(&mut pane, Command::QueueNext);
    assert_eq!(ui.problem(), "nobody is waiting");
    // A click selects a row.
    let s = large(&mut pane);
    let row = s.lines().position(|l| l.contains(" now 10000002")).unwrap() as u16;
    ui.click(&mut pane, 5, row);
    ui.cmd(&mut pane, Command::QueueDone);
    assert_eq!(ui.done(), "Bo Two (10000002) marked as seen.");
}

#[test]
fn triage_marks_several_unresolved_appointments_and_settles_them_at_once() {
    let w = world();
    let a = w.slot_and_book("cons1", "10000005", "guidance", "2026-11-30 09:00");
    let b = w.slot_and_book("cons2", "10000006", "applications", "2026-11-30 10:00");
    w.clock.set(at(2026, 11, 30, 16, 0));
    let desk = Arc::new(w.as_("sup1"));
    let mut ui = Ui::new(&desk);
    let mut pane = TriagePane::new(&desk);
    ui.shown(&mut pane);
    has(&large(&mut pane), "Unresolved outcomes (2)");
    ui.cmd(&mut pane, Command::Mark);
    ui.cmd(&mut pane, Command::Mark);
    let s = large(&mut pane);
    assert_eq!(s.matches("[x]").count(), 2, "{s}");
    ui.cmd(&mut pane, Command::Up);
    ui.cmd(&mut pane, Command::Select);
    has(&large(&mut pane), "the 2 marked appointments");
    assert!(ui.key(&mut pane, KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)));
    assert!(
        ui.done().contains("Recorded attended for the 2 marked appointments"),
        "{}",
        ui.done()
    );
    for x in [&a, &b] {
        assert_eq!(desk.appointment(x.id).unwrap().outcome(), Some(Outcome::Attended));
    }
    has(&large(&mut pane), "Unresolved outcomes (0)");
}
