//! The combined calendar (EVT-01) driven through the `Pane` trait with a real desk (fixed
//! clock, shipped `standard` policy): an event on its day with its audience and places in
//! every view, the day as a grid of consultants (or rooms) by half hours, the week as a grid of
//! days, the month's counts, opening a month day, and selecting a cell with the mouse. Every
//! figure expected is read from the desk, not written into the test.

mod common;

use std::sync::Arc;

use careerdesk::desk::{Desk, NewEvent};
use careerdesk::domain::appointment::Slot;
use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::calendar::CalendarPane;
use chrono::{Duration, NaiveDate, Timelike};

use common::panes::*;
use common::*;

/// Monday 16 November 2026 (London is on UTC).
fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
}

/// The clock at Monday 16 November 2026 08:00. Monday: cons1 guidance at 09:00, 10:00 and
/// 13:30 (Ada One booked), cons2 guidance at 10:00 and 14:00 (Bo Two booked); Tuesday: cons2
/// at 11:00; Wednesday: cons1 at 10:00 and 11:00. A law careers evening on Monday at 12:00 for
/// 90 minutes, 40 places, for Natural Sciences and LLB Law, Cy Three booked on it.
fn world() -> World {
    let w = World::new(
        at(2026, 11, 16, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
            ("er1", Role::EmployerRelations),
        ],
        &[
            ("10000001", "Ada One"),
            ("10000002", "Bo Two"),
            ("10000003", "Cy Three"),
        ],
    );
    for (who, when) in [
        ("cons1", "2026-11-16 09:00"),
        ("cons1", "2026-11-16 10:00"),
        ("cons1", "2026-11-16 13:30"),
        ("cons2", "2026-11-16 10:00"),
        ("cons2", "2026-11-16 14:00"),
        ("cons2", "2026-11-17 11:00"),
        ("cons1", "2026-11-18 10:00"),
        ("cons1", "2026-11-18 11:00"),
    ] {
        w.slot(who, "guidance", when);
    }
    w.book_with(&w.admin, "10000001", "guidance", "2026-11-16 13:30", Some("cons1"))
        .unwrap();
    w.book_with(&w.admin, "10000002", "guidance", "2026-11-16 14:00", Some("cons2"))
        .unwrap();
    let er = w.as_("er1");
    er.add_event(
        &NewEvent {
            title: "Law careers evening".into(),
            sector: "law".into(),
            start: at(2026, 11, 16, 12, 0),
            minutes: 90,
            capacity: 40,
            audience_schools: vec!["Natural Sciences".into()],
            target_programmes: vec!["LLB Law".into()],
            location: "Moot court".into(),
            ..NewEvent::default()
        },
        None,
    )
    .unwrap();
    w.admin.book_event("Law careers evening", &sn("10000003")).unwrap();
    w
}

fn shown(w: &World) -> (Arc<Desk>, CalendarPane) {
    let desk = Arc::new(w.as_("desk1"));
    let pane = CalendarPane::new(&desk, Default::default());
    (desk, pane)
}

/// Where `text` starts on a screen line, in characters.
fn col_of(line: &str, text: &str) -> Option<usize> {
    line.find(text).map(|b| line[..b].chars().count())
}

/// The screen line holding `text`.
fn line_with<'s>(screen: &'s str, text: &str) -> &'s str {
    screen
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line holds `{text}`:\n{screen}"))
}

/// The characters of `line` from character `at` on.
fn from(line: &str, at: usize) -> String {
    line.chars().skip(at).collect()
}

/// Where `text` is on the screen: (column, row).
fn find(screen: &str, text: &str) -> (u16, u16) {
    screen
        .lines()
        .enumerate()
        .find_map(|(y, l)| col_of(l, text).map(|x| (x as u16, y as u16)))
        .unwrap_or_else(|| panic!("`{text}` is not on screen:\n{screen}"))
}

/// The places the event shows, as the desk counts them: "1/40 places".
fn places(desk: &Desk) -> String {
    let e = desk.find_event("Law careers evening").unwrap();
    let t = desk.event_tally(&e).unwrap();
    format!("{}/{} places", t.taken, e.capacity)
}

/// The slots of `day` from the desk.
fn slots_on(desk: &Desk, day: NaiveDate) -> Vec<Slot> {
    desk.calendar(day, 1, None).unwrap()
}

/// "○F ●B": a cell's free and booked slots, as the desk has them.
fn cell_counts(slots: &[&Slot]) -> String {
    let free = slots.iter().filter(|s| !s.withdrawn && s.booking.is_none()).count();
    let booked = slots.iter().filter(|s| !s.withdrawn && s.booking.is_some()).count();
    format!("○{free} ●{booked}")
}

#[test]
fn evt_01_an_event_shows_on_its_day_with_its_audience_and_places_in_every_view() {
    let w = world();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    let places = places(&desk);
    let band = format!("★ 12:00–13:30 Law careers evening · Natural Sciences, LLB Law · {places} · Moot court");
    // The day list: above the slots, which are all still listed.
    let s = screen(&mut pane, 160, 48);
    has(&s, &band);
    has(&s, "Ada One (10000001)");
    // The day grid: a band across the grid just above the half hour it starts in.
    ui.cmd(&mut pane, Command::CalendarGrid);
    let s = screen(&mut pane, 160, 48);
    insta::assert_snapshot!("day_grid_with_an_event_160x48", s);
    has(&s, &band);
    let lines: Vec<&str> = s.lines().collect();
    let at = lines.iter().position(|l| l.contains(&band)).unwrap();
    assert!(lines[at + 1].starts_with("│12:00"), "{s}");
    // The week grid and the week's columns: in Monday's column.
    ui.cmd(&mut pane, Command::CalendarWeek);
    let s = screen(&mut pane, 160, 48);
    insta::assert_snapshot!("week_grid_with_an_event_160x48", s);
    has(&s, "week grid");
    let mon = col_of(line_with(&s, "Sun 22"), "Mon 16").unwrap();
    let short = format!("★ 12:00 Law careers evening {}", places.trim_end_matches(" places"));
    let line = line_with(&s, "★ 12:00 Law");
    assert!(col_of(line, "★").unwrap() <= mon + 1, "in Monday's column:\n{s}");
    assert!(from(line, col_of(line, "★").unwrap()).starts_with(&short[..20]), "{s}");
    ui.cmd(&mut pane, Command::CalendarGrid);
    let s = screen(&mut pane, 160, 48);
    has(&s, "week view");
    has(&s, "★ 12:00 Law");
    // The next day has no event.
    ui.cmd(&mut pane, Command::CalendarWeek);
    ui.cmd(&mut pane, Command::CalendarNext);
    let s = screen(&mut pane, 160, 48);
    has(&s, "Tue 17 Nov 2026");
    lacks(&s, "Law careers evening");
}

#[test]
fn evt_01_the_day_grid_has_a_column_per_consultant_and_a_booked_slot_in_its_half_hour_row() {
    let w = world();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::CalendarGrid);
    let s = screen(&mut pane, 160, 48);
    has(&s, "Mon 16 Nov 2026 (today) · everyone · day grid by consultant");
    let head = line_with(&s, "cons1");
    let (c1, c2) = (col_of(head, "cons1").unwrap(), col_of(head, "cons2").unwrap());
    assert!(c1 < c2, "{s}");
    // Ada One in cons1's column of the 13:30 row, Bo Two in cons2's of the 14:00 row.
    let row = line_with(&s, "│13:30");
    assert!(
        from(row, c1 - 1)
            .trim_start_matches(['>', ' '])
            .starts_with("● Ada One (10000001)"),
        "{s}"
    );
    let row = line_with(&s, "│14:00");
    assert!(
        from(row, c2 - 1)
            .trim_start_matches(['>', ' '])
            .starts_with("● Bo Two (10000002)"),
        "{s}"
    );
    // A free slot says so with its symbol and word; a half hour with no slot is a dot.
    let row = line_with(&s, "│09:00");
    assert!(
        from(row, c1 - 1).trim_start_matches(['>', ' ']).starts_with("○ free"),
        "{s}"
    );
    assert!(from(row, c2 - 1).trim_start_matches(['>', ' ']).starts_with('·'), "{s}");
    // Every slot of the day is in the grid, each in the half-hour row of its start.
    for slot in slots_on(&desk, monday()) {
        let t = desk.local_time(slot.start);
        let label = format!("│{:02}:{:02}", t.hour(), if t.minute() < 30 { 0 } else { 30 });
        let row = line_with(&s, &label);
        let col = if slot.consultant == w.admin.operator_by_login(&login("cons1")).unwrap().id {
            c1
        } else {
            c2
        };
        let cell = from(row, col - 1);
        assert!(!cell.trim_start_matches(['>', ' ']).starts_with('·'), "{label}: {s}");
    }
    // r: a column per room instead.
    ui.cmd(&mut pane, Command::CalendarRooms);
    assert_eq!(ui.done(), "Day grid: a column per room");
    let s = screen(&mut pane, 160, 48);
    has(&s, "day grid by room");
    for slot in slots_on(&desk, monday()) {
        has(line_with(&s, "Calendar"), "by room");
        has(&s, slot.location.as_str());
    }
    // v again: the day list, unchanged.
    ui.cmd(&mut pane, Command::CalendarGrid);
    has(&screen(&mut pane, 160, 48), "day view");
}

#[test]
fn evt_01_week_grid_and_month_counts_match_the_slots_and_events_of_the_desk() {
    let w = world();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmds(&mut pane, &[Command::CalendarGrid, Command::CalendarWeek]);
    let s = screen(&mut pane, 160, 48);
    // Monday 10:00 holds two slots (cons1's free, cons2's free): the cell counts them; a cell
    // with one slot shows its symbol and consultant.
    let week = desk.calendar(monday(), 7, None).unwrap();
    let mon = col_of(line_with(&s, "Sun 22"), "Mon 16").unwrap();
    let at = |day: NaiveDate, h: u32| -> Vec<&Slot> {
        week.iter()
            .filter(|s| {
                let t = desk.local_time(s.start);
                t.date() == day && t.hour() == h && t.minute() < 30
            })
            .collect()
    };
    let ten = at(monday(), 10);
    assert_eq!(ten.len(), 2);
    let row = line_with(&s, "│10:00");
    assert!(
        from(row, mon - 1)
            .trim_start_matches(['>', ' '])
            .starts_with(&cell_counts(&ten)),
        "{s}"
    );
    let tue = col_of(line_with(&s, "Sun 22"), "Tue 17").unwrap();
    let row = line_with(&s, "│11:00");
    assert_eq!(at(monday() + Duration::days(1), 11).len(), 1);
    assert!(
        from(row, tue - 1).trim_start_matches(['>', ' ']).starts_with("○ cons2"),
        "{s}"
    );
    // The month: each day's free slots, bookings and events, as the desk counts them.
    ui.cmd(&mut pane, Command::CalendarMonth);
    let s = screen(&mut pane, 160, 48);
    has(&s, "Calendar · November 2026 · everyone · month view");
    let events = desk.events().unwrap();
    for (k, day) in (0..3).map(|d| (d, monday() + Duration::days(d))) {
        let slots = slots_on(&desk, day);
        let free = slots.iter().filter(|s| !s.withdrawn && s.booking.is_none()).count();
        let booked = slots.iter().filter(|s| !s.withdrawn && s.booking.is_some()).count();
        let on = events.iter().filter(|e| desk.local_time(e.start).date() == day).count();
        let s = screen(&mut pane, 160, 48);
        let title = day.format("%a %-d %b %Y").to_string();
        has(
            &s,
            &format!(
                "{title}{}: {free} free slot(s), {booked} booking(s), {on} event(s)",
                if k == 0 { " (today)" } else { "" }
            ),
        );
        // The selected day's cell: its date, then its counts under it.
        let head = format!(">{}", day.format("%a %-d"));
        let (x, y) = find(&s, &head);
        let lines: Vec<&str> = s.lines().collect();
        let x = x as usize;
        assert!(
            from(lines[y as usize + 1], x).starts_with(&format!(" ○ {free} free")),
            "{s}"
        );
        assert!(
            from(lines[y as usize + 2], x).starts_with(&format!(" ● {booked} booked")),
            "{s}"
        );
        assert!(
            from(lines[y as usize + 3], x).starts_with(&format!(" ★ {on} events")),
            "{s}"
        );
        ui.cmd(&mut pane, Command::CalendarNext);
    }
}

#[test]
fn calendar_selecting_a_month_day_opens_that_day() {
    let w = world();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::CalendarMonth);
    // Down a week and back, then two days on: Wednesday 18.
    ui.cmds(
        &mut pane,
        &[Command::Down, Command::Up, Command::CalendarNext, Command::CalendarNext],
    );
    let s = screen(&mut pane, 160, 48);
    has(&s, ">Wed 18");
    ui.cmd(&mut pane, Command::Select);
    let s = screen(&mut pane, 160, 48);
    has(&s, "Calendar · Wed 18 Nov 2026 · everyone · day view");
    for slot in slots_on(&desk, monday() + Duration::days(2)) {
        has(&s, &desk.local_time(slot.start).format("%H:%M").to_string());
    }
    // Past the month's end: December is loaded.
    ui.cmds(
        &mut pane,
        &[Command::CalendarMonth, Command::Last, Command::CalendarNext],
    );
    let s = screen(&mut pane, 160, 48);
    has(&s, "December 2026");
    has(&s, ">Tue 1");
}

#[test]
fn calendar_a_click_on_a_grid_cell_or_a_month_day_selects_it() {
    let w = world();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmd(&mut pane, Command::CalendarGrid);
    let s = screen(&mut pane, 160, 48);
    let (x, y) = find(&s, "● Bo Two");
    ui.click(&mut pane, x + 2, y);
    let s = screen(&mut pane, 160, 48);
    has(&s, ">● Bo Two");
    has(&s, "Mon 16 Nov 14:00–14:45 · guidance · cons2");
    // Booking, opening and withdrawing act on the cell clicked: it is booked.
    ui.cmd(&mut pane, Command::BookSlot);
    assert!(ui.problem().contains("not free"), "{}", ui.problem());
    // A click on an empty cell selects it and says there is no slot there.
    let (_, y) = find(&s, "│09:00");
    let head = line_with(&s, "cons2");
    let c2 = col_of(head, "cons2").unwrap() as u16;
    ui.click(&mut pane, c2, y);
    let s = screen(&mut pane, 160, 48);
    has(&s, "No slot at 09:00 · cons2.");
    // The month: a click on a day selects it.
    ui.cmd(&mut pane, Command::CalendarMonth);
    let s = screen(&mut pane, 160, 48);
    let (x, y) = find(&s, "Wed 18");
    ui.click(&mut pane, x + 1, y + 1);
    let s = screen(&mut pane, 160, 48);
    has(&s, ">Wed 18");
    has(&s, "Wed 18 Nov 2026: ");
}
