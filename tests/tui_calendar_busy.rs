//! The calendar pane on a busy day, more slots than the screen holds, driven through the `Pane`
//! trait with a real desk (fixed clock, shipped `standard` policy): moving the selection past
//! the bottom scrolls one row at a time, paging moves a screen, a click lands on the row under
//! it, and whole-screen snapshots of the day and week views scrolled to the middle of the day.

mod common;

use std::sync::Arc;

use careerdesk::desk::NewSeries;
use careerdesk::domain::operator::Role;
use careerdesk::ui::command::Command;
use careerdesk::ui::panes::calendar::CalendarPane;
use chrono::{NaiveDate, NaiveTime, Weekday};

use common::panes::*;
use common::*;

/// Slots on the busy day.
const SLOTS: usize = 64;

/// Rows of the day list at 80x24: the pane's 24 lines less the selected slot's box (4) and
/// the list's border (2).
const ROWS_80X24: usize = 18;

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// Monday 30 November 2026 at 08:00 (London is on UTC), with cons1 and cons2 each holding a
/// drop-in every quarter of an hour from 09:00 to 17:00 in the atrium's open area, cons2 five
/// minutes after cons1: 64 slots, each at a time of its own; Ada One booked into the 13:30.
fn busy_day() -> World {
    let w = World::new(
        at(2026, 11, 30, 8, 0),
        &[
            ("cons1", Role::Consultant),
            ("cons2", Role::Consultant),
            ("desk1", Role::Desk),
        ],
        &[("10000001", "Ada One")],
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    for (who, from, to) in [("cons1", time(9, 0), time(17, 0)), ("cons2", time(9, 5), time(17, 5))] {
        let made = w
            .admin
            .add_series(
                &NewSeries {
                    consultant: login(who),
                    appointment_type: "drop-in".into(),
                    days: vec![Weekday::Mon],
                    from,
                    to,
                    every: 15,
                    minutes: None,
                    start: day,
                    until: day,
                    location: Some("atrium-open-area".into()),
                    skip: Vec::new(),
                },
                false,
            )
            .unwrap();
        assert_eq!(made.made.len(), SLOTS / 2, "{who}: {:?}", made.skipped);
    }
    w.book_with(&w.admin, "10000001", "drop-in", "2026-11-30 13:30", Some("cons1"))
        .unwrap();
    w
}

/// Each slot's start, in the calendar's order: 09:00, 09:05, 09:15, 09:20, ...
fn starts() -> Vec<String> {
    (0..SLOTS)
        .map(|i| {
            let minutes = 9 * 60 + (i / 2) * 15 + (i % 2) * 5;
            format!("{:02}:{:02}", minutes / 60, minutes % 60)
        })
        .collect()
}

/// The day list's rows on an 80x24 screen: each row's start and whether it is the selected one.
fn list_rows(screen: &str) -> Vec<(String, bool)> {
    screen
        .lines()
        .skip(1)
        .take(ROWS_80X24)
        .map(|l| {
            let inner: String = l.chars().skip(1).collect();
            let selected = inner.starts_with("> ");
            (inner.chars().skip(2).take(5).collect(), selected)
        })
        .collect()
}

/// What the list shows with the selection on `selected`: it scrolls just far enough that the
/// selection is its last row.
fn expected_rows(selected: usize) -> Vec<(String, bool)> {
    let top = (selected + 1).saturating_sub(ROWS_80X24);
    starts()
        .into_iter()
        .enumerate()
        .skip(top)
        .take(ROWS_80X24)
        .map(|(i, s)| (s, i == selected))
        .collect()
}

fn shown(w: &World) -> (Arc<careerdesk::desk::Desk>, CalendarPane) {
    let desk = Arc::new(w.as_("desk1"));
    let pane = CalendarPane::new(&desk, Default::default());
    (desk, pane)
}

#[test]
fn calendar_moving_past_the_bottom_of_a_busy_day_scrolls_one_row_at_a_time() {
    let w = busy_day();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    // Down through the whole day and past its end, then back up a few rows.
    let mut selected = 0;
    for step in 0..SLOTS + 2 {
        let s = screen(&mut pane, 80, 24);
        assert_eq!(list_rows(&s), expected_rows(selected), "after {step} downs:\n{s}");
        ui.cmd(&mut pane, Command::Down);
        selected = (selected + 1).min(SLOTS - 1);
    }
    for _ in 0..3 {
        ui.cmd(&mut pane, Command::Up);
        selected -= 1;
        let s = screen(&mut pane, 80, 24);
        assert_eq!(list_rows(&s), expected_rows(selected), "{s}");
    }
    // A page is the rows on show; first and last go to the ends.
    for (cmd, to) in [
        (Command::PageUp, selected - ROWS_80X24),
        (Command::PageUp, selected - 2 * ROWS_80X24),
        (Command::First, 0),
        (Command::PageDown, ROWS_80X24),
        (Command::Last, SLOTS - 1),
    ] {
        ui.cmd(&mut pane, cmd);
        let s = screen(&mut pane, 80, 24);
        assert_eq!(list_rows(&s), expected_rows(to), "after {cmd:?}:\n{s}");
    }
}

#[test]
fn calendar_click_on_a_scrolled_busy_day_selects_the_row_under_the_pointer() {
    let w = busy_day();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmds(&mut pane, &[Command::Down; 40]);
    let s = screen(&mut pane, 80, 24);
    let rows = list_rows(&s);
    assert_eq!(rows, expected_rows(40), "{s}");
    // The list's first row (screen line 1) is slot 23; a click there selects it.
    ui.click(&mut pane, 10, 1);
    let s = screen(&mut pane, 80, 24);
    assert_eq!(list_rows(&s), expected_rows(23), "{s}");
    assert!(s.contains(&format!("Mon 30 Nov {}", starts()[23])), "{s}");
}

#[test]
fn calendar_busy_day_scrolled_to_the_middle_looks_the_same_in_day_and_week_view() {
    let w = busy_day();
    let (desk, mut pane) = shown(&w);
    let mut ui = Ui::new(&desk);
    ui.shown(&mut pane);
    ui.cmds(&mut pane, &[Command::Down; 50]);
    insta::assert_snapshot!("busy_day_scrolled_80x24", screen(&mut pane, 80, 24));
    insta::assert_snapshot!("busy_day_scrolled_160x48", screen(&mut pane, 160, 48));
    ui.cmd(&mut pane, Command::CalendarWeek);
    insta::assert_snapshot!("busy_week_scrolled_80x24", screen(&mut pane, 80, 24));
    insta::assert_snapshot!("busy_week_scrolled_160x48", screen(&mut pane, 160, 48));
    // Up to the top of the day: the Monday column scrolls back and says how many more.
    ui.cmd(&mut pane, Command::First);
    let s = screen(&mut pane, 80, 24);
    // Ten columns a cell at 80x24: the compact form. The column's 18 lines are 17 cells and
    // the count of the rest.
    assert!(s.contains(">0900○cons1"), "{s}");
    assert!(s.contains(&format!("+{} more", SLOTS - 17)), "{s}");
}
