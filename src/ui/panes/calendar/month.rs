//! The month overview: each day's free slots, bookings and events, counted in the load job,
//! and drawn as weeks of day cells.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{CalendarPane, Hit};
use crate::domain::appointment::Slot;
use crate::ui::panes::widgets::block;
use crate::ui::theme::Theme;

/// A day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DayCount {
    /// Slots no one has booked (withdrawn ones are not counted).
    pub free: usize,
    /// Slots booked (whatever came of the booking since).
    pub booked: usize,
    /// Events starting that day.
    pub events: usize,
}

/// Whether a slot is free: not withdrawn and not booked.
pub(super) fn is_free(s: &Slot) -> bool {
    !s.withdrawn && s.booking.is_none()
}

/// Whether a slot is booked: not withdrawn and holding a booking.
pub(super) fn is_booked(s: &Slot) -> bool {
    !s.withdrawn && s.booking.is_some()
}

/// Each day's counts for the month on show.
#[derive(Debug, Clone, Default)]
pub(super) struct MonthCounts {
    days: BTreeMap<NaiveDate, DayCount>,
}

impl MonthCounts {
    /// The counts of `slots` (each with its local day) and of events starting on `event_days`.
    pub fn of<'a>(
        slots: impl Iterator<Item = (NaiveDate, &'a Slot)>,
        event_days: impl Iterator<Item = NaiveDate>,
    ) -> MonthCounts {
        let mut days: BTreeMap<NaiveDate, DayCount> = BTreeMap::new();
        for (day, s) in slots {
            let c = days.entry(day).or_default();
            c.free += usize::from(is_free(s));
            c.booked += usize::from(is_booked(s));
        }
        for day in event_days {
            days.entry(day).or_default().events += 1;
        }
        MonthCounts { days }
    }

    /// A day's counts (all zero for a day with nothing).
    pub fn on(&self, day: NaiveDate) -> DayCount {
        self.days.get(&day).copied().unwrap_or_default()
    }
}

/// The first day of the month holding `d` and how many days it has.
pub(super) fn month_of(d: NaiveDate) -> (NaiveDate, i64) {
    let first = d.with_day(1).unwrap_or(d);
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    (first, (next - first).num_days().max(1))
}

/// The same day a month later or earlier (the month's last day when it is shorter).
pub(super) fn add_months(d: NaiveDate, forward: bool) -> NaiveDate {
    let moved = if forward {
        d.checked_add_months(Months::new(1))
    } else {
        d.checked_sub_months(Months::new(1))
    };
    moved.unwrap_or(d)
}

/// The Monday the month's grid starts on and how many weeks it shows (those holding any of
/// its days).
pub(super) fn month_weeks(d: NaiveDate) -> (NaiveDate, usize) {
    let (first, days) = month_of(d);
    let start = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    let last = first + Duration::days(days - 1);
    let weeks = ((last - start).num_days() / 7 + 1) as usize;
    (start, weeks)
}

impl CalendarPane {
    /// A day's cell: its date, then its counts on as many lines as the cell has.
    fn month_cell(&self, day: NaiveDate, height: usize, th: &Theme) -> Vec<Line<'static>> {
        let selected = day == self.date;
        let in_month = day.month() == self.date.month();
        let mark = if selected { ">" } else { " " };
        let today = if day == self.today { " (today)" } else { "" };
        let head = format!("{mark}{}{today}", day.format("%a %-d"));
        let style = if selected {
            th.selected
        } else if in_month {
            th.title
        } else {
            th.dim
        };
        let mut lines = vec![Line::styled(head, style)];
        if !in_month {
            return lines;
        }
        let c = self.month.on(day);
        let counts = [
            (format!(" ○ {} free", c.free), th.good),
            (format!(" ● {} booked", c.booked), th.text),
            (format!(" ★ {} events", c.events), th.warn),
        ];
        if height >= 4 {
            for (text, st) in counts {
                lines.push(Line::styled(text, if selected { th.selected } else { st }));
            }
        } else {
            let text = format!(" ○{} ●{} ★{}", c.free, c.booked, c.events);
            lines.push(Line::styled(text, if selected { th.selected } else { th.text }));
        }
        lines
    }

    /// The month: a row of day cells per week, the selected day marked `>`.
    pub(super) fn render_month(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let title = format!(
            "Calendar · {} · {} · month view{}",
            self.date.format("%B %Y"),
            self.who(),
            self.loading_mark()
        );
        let outer = block(&title, th, matches!(self.mode, super::Mode::Browse));
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let [cells, legend, detail] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1), Constraint::Length(2)]).areas(inner);
        let (start, weeks) = month_weeks(self.date);
        let rows = Layout::vertical(vec![Constraint::Ratio(1, weeks as u32); weeks]).split(cells);
        for (w, row) in rows.iter().enumerate() {
            let cols = Layout::horizontal([Constraint::Ratio(1, 7); 7]).split(*row);
            for (d, col) in cols.iter().enumerate() {
                let day = start + Duration::days((w * 7 + d) as i64);
                let lines = self.month_cell(day, col.height as usize, th);
                frame.render_widget(Paragraph::new(lines), *col);
                if day.month() == self.date.month() {
                    self.hits.push((*col, Hit::Day(day)));
                }
            }
        }
        self.fix_hits(area);
        let keys = "○ free slots  ● bookings  ★ events · arrows move a day or a week · enter opens the day";
        frame.render_widget(Paragraph::new(Line::styled(keys, th.dim)), legend);
        let c = self.month.on(self.date);
        let mut text = vec![Line::raw(format!(
            "{}: {} free slot(s), {} booking(s), {} event(s)",
            self.day_title(self.date),
            c.free,
            c.booked,
            c.events
        ))];
        if let Some(e) = self.events.iter().find(|e| e.day == self.date) {
            text.push(Line::styled(e.band(), th.warn));
        }
        frame.render_widget(Paragraph::new(text), detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_month_grid_starts_on_the_monday_of_its_first_week() {
        assert_eq!(month_of(d(2026, 11, 17)), (d(2026, 11, 1), 30));
        assert_eq!(month_of(d(2028, 2, 29)), (d(2028, 2, 1), 29));
        // November 2026 starts on a Sunday: six weeks from Monday 26 October.
        assert_eq!(month_weeks(d(2026, 11, 17)), (d(2026, 10, 26), 6));
        // February 2027 starts on a Monday and has exactly four weeks.
        assert_eq!(month_weeks(d(2027, 2, 10)), (d(2027, 2, 1), 4));
        assert_eq!(add_months(d(2026, 1, 31), true), d(2026, 2, 28));
        assert_eq!(add_months(d(2026, 3, 15), false), d(2026, 2, 15));
    }
}
