//! A frame of a day with thousands of slots builds only the lines that show, and looks the
//! same as the whole day drawn as one list; the week grid's columns likewise. The rows are
//! made in memory, as a load of the demo's busy weekday would give them.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout};
use ratatui::Terminal;

use super::window::{list_window, RowIndex};
use super::*;
use crate::domain::appointment::Slot;
use crate::domain::ids::{AppointmentId, SlotId};
use crate::domain::policy::{AppointmentTypeId, LocationId};
use crate::ui::panes::widgets::{block, list};
use crate::ui::theme::{Theme, ThemeKind};

/// Eight start times a day, as the demo's slot grid.
const TIMES: [(u32, u32); 8] = [
    (9, 0),
    (10, 0),
    (11, 0),
    (12, 0),
    (13, 30),
    (14, 30),
    (15, 30),
    (16, 30),
];

/// Tuesday 17 November 2026, the benchmarks' busy weekday.
fn tuesday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
}

/// `per_day` slots on each of `days` days from `first`: consultants in turn at each of the
/// day's times, every third one booked, in time order as a load gives them.
fn rows(first: NaiveDate, days: i64, per_day: usize) -> Vec<Row> {
    let consultants = per_day.div_ceil(TIMES.len());
    let mut out = Vec::new();
    for d in 0..days {
        let day = first + Duration::days(d);
        for i in 0..per_day {
            let (t, c) = (i / consultants, i % consultants);
            let (h, m) = TIMES[t];
            let n = out.len();
            let start = Utc.from_utc_datetime(&day.and_hms_opt(h, m, 0).unwrap());
            let booked = n % 3 == 0;
            out.push(Row {
                slot: Slot {
                    id: SlotId(n as u128 + 1),
                    consultant: OperatorId(c as u128 + 1),
                    appointment_type: AppointmentTypeId(if c % 2 == 0 { "guidance" } else { "drop-in" }.into()),
                    start,
                    minutes: 45,
                    location: LocationId(format!("room-{}", c % 7)),
                    booking: booked.then_some(AppointmentId(n as u128 + 1)),
                    withdrawn: false,
                    series: None,
                },
                appointment: None,
                state: if booked { SlotState::Booked } else { SlotState::Free },
                mark: None,
                login: format!("consultant{}", c + 1),
                client: booked.then(|| format!("Client {n} ({})", 20_000_000 + n)),
                day,
            });
        }
    }
    out
}

/// A calendar showing `rows` (as a load left them) on `date`, with `selected` chosen.
fn pane(rows: Vec<Row>, date: NaiveDate, week: bool, selected: usize) -> CalendarPane {
    let now = Utc.from_utc_datetime(&date.and_hms_opt(10, 30, 0).unwrap());
    let mut pane = CalendarPane {
        tz: chrono_tz::Europe::London,
        date,
        today: date,
        span: if week { Span::Week } else { Span::Day },
        shape: Shape::List,
        columns: Columns::Consultants,
        consultant: None,
        staff: HashMap::new(),
        index: RowIndex::of(&rows),
        grids: Grids::default(),
        events: Vec::new(),
        month: MonthCounts::default(),
        rows,
        selected,
        cell: Cell::default(),
        selected_slot: None,
        mode: Mode::Browse,
        now,
        hits: Vec::new(),
        page: 10,
        clients: SharedIndex::default(),
        loads: Latest::default(),
        loading: None,
        searches: Latest::default(),
    };
    pane.remember();
    pane
}

fn draw(pane: &mut CalendarPane, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let th = Theme::of(ThemeKind::Normal);
    t.draw(|f| {
        let area = f.area();
        crate::ui::pane::Pane::render(pane, f, area, &th);
    })
    .unwrap();
    t.backend().buffer().clone()
}

/// The day list as it was drawn before only the visible rows were built: every row's line
/// in one ratatui `List`, left to scroll to the selection itself.
fn whole_day_list(pane: &CalendarPane, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let th = Theme::of(ThemeKind::Normal);
    t.draw(|f| {
        let [list_area, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(4)]).areas(f.area());
        let lines = pane
            .rows
            .iter()
            .map(|r| pane.day_line(r, pane.index.widths, &th))
            .collect();
        list(f, list_area, lines, Some(pane.selected), block("", &th, true), &th);
    })
    .unwrap();
    t.backend().buffer().clone()
}

/// The cells inside the list's border.
fn list_cells(buf: &Buffer, w: u16, h: u16) -> Vec<String> {
    let rows = h.saturating_sub(4 + 2);
    (1..=rows)
        .map(|y| (1..w - 1).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

#[test]
fn a_day_of_four_thousand_slots_builds_only_the_lines_that_show() {
    let th = Theme::of(ThemeKind::Normal);
    let day = rows(tuesday(), 1, 4000);
    assert_eq!(day.len(), 4000);
    for (selected, first) in [(0, 0), (41, 0), (42, 1), (2000, 1959), (3999, 3958)] {
        let pane = pane(day.clone(), tuesday(), false, selected);
        // 160x48: 42 rows inside the list's border.
        let shown = pane.day_list(42, &th);
        assert_eq!(shown.lines.len(), 42, "selected {selected}");
        assert_eq!(shown.rows, first..first + 42, "selected {selected}");
        assert_eq!(shown.selected, Some(selected - first));
    }
}

#[test]
fn a_busy_day_drawn_row_by_visible_row_looks_as_the_whole_day_as_one_list() {
    let day = rows(tuesday(), 1, 4000);
    for (w, h) in [(160, 48), (80, 24), (40, 8)] {
        for selected in [0, 1, 17, 18, 19, 41, 42, 43, 1000, 2001, 3998, 3999] {
            let mut p = pane(day.clone(), tuesday(), false, selected);
            let drawn = draw(&mut p, w, h);
            let whole = whole_day_list(&p, w, h);
            assert_eq!(
                list_cells(&drawn, w, h),
                list_cells(&whole, w, h),
                "{w}x{h}, selected {selected}"
            );
            // The styles too: the selection's highlight and each state's colour.
            for y in 1..=h.saturating_sub(6) {
                for x in 1..w - 1 {
                    assert_eq!(drawn[(x, y)].style(), whole[(x, y)].style(), "{w}x{h} at {x},{y}");
                }
            }
            // A click on the list's first row lands on the first row drawn.
            let first = list_window(selected, day.len(), h.saturating_sub(6) as usize).start;
            assert_eq!(
                p.hits.first().map(|(r, hit)| (r.y, *hit)),
                Some((1, Hit::Slot(first))),
                "{w}x{h}, selected {selected}"
            );
        }
    }
}

#[test]
fn a_busy_week_builds_only_the_cells_that_show() {
    let th = Theme::of(ThemeKind::Normal);
    let monday = tuesday() - Duration::days(1);
    let week = rows(monday, 5, 4000);
    assert_eq!(week.len(), 20_000);
    // The selection in the middle of Tuesday.
    let selected = 4000 + 2000;
    let p = pane(week, tuesday(), true, selected);
    let (lines, drawn) = p.week_column(tuesday(), 40, 21, &th);
    assert_eq!(drawn.len(), 39, "39 cells and a line for the rest");
    assert_eq!(lines.len(), 40);
    assert_eq!(
        drawn.last(),
        Some(&selected),
        "scrolled just far enough to show the selection"
    );
    assert!(lines[38].to_string().starts_with('>'), "{}", lines[38]);
    assert_eq!(lines[39].to_string(), " +3961 more");
    // Another day's column starts at its top.
    let (lines, drawn) = p.week_column(monday, 40, 21, &th);
    assert_eq!(drawn, (0..39).collect::<Vec<_>>());
    assert_eq!(lines[0].to_string(), " 09:00 ● consultant1");
    // A day with no slots loaded (Saturday) is an empty column.
    let (lines, drawn) = p.week_column(monday + Duration::days(5), 40, 21, &th);
    assert!(lines.is_empty() && drawn.is_empty());
}

#[test]
fn a_busy_week_frame_marks_where_each_drawn_cell_is() {
    let monday = tuesday() - Duration::days(1);
    let mut p = pane(rows(monday, 5, 4000), tuesday(), true, 4000 + 2000);
    draw(&mut p, 160, 48);
    // 42 lines a column at 160x48 (48 less the border, the day names, the legend and the
    // selected slot's two lines), the last saying how many more: 41 cells on each of the five
    // days, the selection on Tuesday's last cell, on the screen's line 2 + 40.
    assert_eq!(p.hits.len(), 5 * 41);
    let at = p.hits.iter().find(|(_, h)| *h == Hit::Slot(6000)).map(|(r, _)| r.y);
    assert_eq!(at, Some(42));
}

/// The pane showing `rows` as a grid (the day's by consultant, or the week's), the cell on
/// the `selected` row.
fn grid_pane(rows: Vec<Row>, date: NaiveDate, week: bool, selected: usize) -> CalendarPane {
    let mut p = pane(rows, date, week, selected);
    let (span, from) = if week {
        (Span::Week, CalendarPane::monday(date))
    } else {
        (Span::Day, date)
    };
    p.grids = super::load::grids(&p.rows, &[], span, from, p.tz, Default::default());
    p.shape = Shape::Grid;
    p.reselect();
    p
}

#[test]
fn a_busy_day_grid_draws_only_the_columns_and_half_hours_that_show() {
    // 4,000 slots: 500 consultants, eight times a day from 09:00 to 17:15.
    let mut p = grid_pane(rows(tuesday(), 1, 4000), tuesday(), false, 2000);
    assert_eq!(p.grids.consultants.columns(), 500);
    assert_eq!(p.grids.hours.rows, 17);
    p.selected_slot = Some(p.rows[2000].slot.id);
    p.reselect();
    // Slot 2000 is consultant1's 13:30: the first column, the tenth half hour.
    assert_eq!(p.cell, Cell { col: 0, row: 9 });
    draw(&mut p, 160, 48);
    // Nine columns of 16 or more in the 152 cells beside the times, 17 half hours: a hit for
    // each cell drawn and no other.
    assert_eq!(p.hits.len(), 9 * 17);
    assert!(p.hits.iter().all(|(_, h)| matches!(h, Hit::Cell(c) if c.col < 9)));
    // Moving right past the ninth column scrolls the columns by one.
    for _ in 0..9 {
        p.move_cell(crate::ui::command::Command::CalendarNext);
    }
    p.hits.clear();
    draw(&mut p, 160, 48);
    assert_eq!(p.cell.col, 9);
    assert!(p.hits.iter().any(|(_, h)| *h == Hit::Cell(Cell { col: 9, row: 9 })));
    assert!(!p.hits.iter().any(|(_, h)| matches!(h, Hit::Cell(c) if c.col == 0)));
}

#[test]
fn a_busy_week_grid_draws_seven_columns_of_counts() {
    let monday = tuesday() - Duration::days(1);
    let mut p = grid_pane(rows(monday, 5, 4000), tuesday(), true, 6000);
    let buf = draw(&mut p, 160, 48);
    assert_eq!(p.hits.len(), 7 * 17);
    // Each weekday's 09:00 holds 500 slots, every third booked.
    let line: String = (0..160).map(|x| buf[(x, 2)].symbol().to_string()).collect();
    assert!(line.starts_with("│09:00"), "{line}");
    let cell = p.grids.days.cell(Cell { col: 0, row: 0 });
    assert_eq!(cell.len(), 500);
    let free = cell.iter().filter(|&&i| p.rows[i].state == SlotState::Free).count();
    assert!(line.contains(&format!("○{free} ●{}", 500 - free)), "{line}");
}
