//! The grids' layout: which half hours a grid shows, which half-hour row a time falls in, the
//! columns that fit the screen, and which slots each cell holds. The cells are worked out once
//! per load, in the load job, so a frame only looks up the cells that show.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{NaiveDate, Timelike};

use super::window::list_window;
use super::Row;
use crate::domain::policy::OpeningHours;

/// Minutes in a grid row.
pub(super) const HALF_HOUR: u32 = 30;

/// The half hours a grid shows: from `open` (minutes after midnight, on a half hour) for
/// `rows` half hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hours {
    pub open: u32,
    pub rows: usize,
}

impl Default for Hours {
    /// The policy's default opening hours (09:00 to 17:00), nothing outside them.
    fn default() -> Self {
        Hours::covering(OpeningHours::default(), std::iter::empty())
    }
}

impl Hours {
    /// The policy's opening hours (`[calendar]`) widened to cover every `(start, end)` given,
    /// in minutes after midnight (an end past midnight counts as midnight).
    pub fn covering(opening: OpeningHours, spans: impl Iterator<Item = (u32, u32)>) -> Hours {
        let (mut open, mut close) = (opening.opens.min(24 * 60 - 1), opening.closes.min(24 * 60));
        for (start, end) in spans {
            open = open.min(start);
            close = close.max(end.max(start + 1)).min(24 * 60);
        }
        let open = open / HALF_HOUR * HALF_HOUR;
        let rows = close.saturating_sub(open).div_ceil(HALF_HOUR) as usize;
        Hours { open, rows }
    }

    /// The row of a time `minute` minutes after midnight: the half hour it falls in, the first
    /// or last row for a time before or after the hours shown.
    pub fn row_of(&self, minute: u32) -> usize {
        half_hour_row(minute, self.open).min(self.rows.saturating_sub(1))
    }

    /// "09:30": the start of a row.
    pub fn label(&self, row: usize) -> String {
        let m = self.open as usize + row * HALF_HOUR as usize;
        format!("{:02}:{:02}", m / 60 % 24, m % 60)
    }
}

/// The half-hour row, counted from `open`, that a time `minute` minutes after midnight falls
/// in (row 0 for a time before `open`).
pub(super) fn half_hour_row(minute: u32, open: u32) -> usize {
    (minute.saturating_sub(open) / HALF_HOUR) as usize
}

/// Minutes after midnight of a local time.
pub(super) fn minute_of(t: impl Timelike) -> u32 {
    t.hour() * 60 + t.minute()
}

/// The columns of a grid that fit `width` cells beside nothing else, each at least `min`
/// wide: the window of columns shown around `selected` (as a list scrolls to its selection)
/// and each one's width, the columns sharing the width equally.
pub(super) fn column_fit(selected: usize, columns: usize, width: u16, min: u16) -> (Range<usize>, u16) {
    let fit = (width / min.max(1)).max(1) as usize;
    let shown = list_window(selected, columns, fit);
    let each = match shown.len() {
        0 => width,
        n => width / n as u16,
    };
    (shown, each)
}

/// A grid selection: a column and a half-hour row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Cell {
    pub col: usize,
    pub row: usize,
}

/// A grid's columns and, for each column and half hour, the slots starting in it.
#[derive(Debug, Clone, Default)]
pub(super) struct Grid {
    /// The columns' headings.
    pub labels: Vec<String>,
    /// `cells[col][row]`: indexes into the rows, in time order.
    cells: Vec<Vec<Vec<usize>>>,
    /// Each row's cell, by index into the rows (`None` for a row in no column).
    at: Vec<Option<Cell>>,
}

impl Grid {
    /// A grid with a column for each value of `key` among `rows` (in order of the values),
    /// rows by half hour; `minute` is a row's local start in minutes after midnight.
    pub fn by_key(rows: &[Row], hours: Hours, key: impl Fn(&Row) -> String, minute: impl Fn(&Row) -> u32) -> Grid {
        let mut keys: BTreeMap<String, usize> = rows.iter().map(|r| (key(r), 0)).collect();
        for (i, v) in keys.values_mut().enumerate() {
            *v = i;
        }
        let labels: Vec<String> = keys.keys().cloned().collect();
        Grid::fill(rows, hours, labels, |r| keys.get(&key(r)).copied(), minute)
    }

    /// A grid with a column for each of the seven days from `monday`, rows by half hour.
    pub fn by_day(rows: &[Row], hours: Hours, monday: NaiveDate, minute: impl Fn(&Row) -> u32) -> Grid {
        let labels = (0..7)
            .map(|d| (monday + chrono::Duration::days(d)).format("%a %-d").to_string())
            .collect();
        let col = |r: &Row| usize::try_from((r.day - monday).num_days()).ok().filter(|d| *d < 7);
        Grid::fill(rows, hours, labels, col, minute)
    }

    fn fill(
        rows: &[Row],
        hours: Hours,
        labels: Vec<String>,
        col: impl Fn(&Row) -> Option<usize>,
        minute: impl Fn(&Row) -> u32,
    ) -> Grid {
        let mut cells = vec![vec![Vec::new(); hours.rows]; labels.len()];
        let mut at = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let cell = col(r).map(|col| Cell {
                col,
                row: hours.row_of(minute(r)),
            });
            if let Some(c) = cell {
                if let Some(list) = cells.get_mut(c.col).and_then(|rows| rows.get_mut(c.row)) {
                    list.push(i);
                }
            }
            at.push(cell);
        }
        Grid { labels, cells, at }
    }

    /// How many columns.
    pub fn columns(&self) -> usize {
        self.labels.len()
    }

    /// The slots in a cell (none outside the grid).
    pub fn cell(&self, c: Cell) -> &[usize] {
        self.cells
            .get(c.col)
            .and_then(|rows| rows.get(c.row))
            .map_or(&[], Vec::as_slice)
    }

    /// The cell a row (by index) is in.
    pub fn find(&self, row: usize) -> Option<Cell> {
        self.at.get(row).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_falls_in_the_half_hour_row_it_starts_in() {
        let open = 9 * 60;
        assert_eq!(half_hour_row(9 * 60, open), 0);
        assert_eq!(half_hour_row(9 * 60 + 29, open), 0);
        assert_eq!(half_hour_row(9 * 60 + 30, open), 1);
        assert_eq!(half_hour_row(13 * 60 + 45, open), 9);
        assert_eq!(half_hour_row(8 * 60, open), 0, "before opening: the first row");
    }

    #[test]
    fn the_hours_are_the_opening_hours_widened_to_what_is_on_show() {
        let h = Hours::default();
        assert_eq!(h, Hours { open: 540, rows: 16 });
        assert_eq!((h.label(0), h.label(15)), ("09:00".into(), "16:30".into()));
        // A slot from 08:15 to 08:45 and an event until 18:10 widen them to 08:00-18:30.
        let h = Hours::covering(
            OpeningHours::default(),
            [(8 * 60 + 15, 8 * 60 + 45), (16 * 60, 18 * 60 + 10)].into_iter(),
        );
        assert_eq!(h, Hours { open: 480, rows: 21 });
        assert_eq!(h.label(20), "18:00");
        assert_eq!(h.row_of(8 * 60 + 20), 0);
        assert_eq!(h.row_of(23 * 60), 20, "past the last row: the last row");
        // The policy's opening hours, 08:00 to 19:30.
        let h = Hours::covering(
            OpeningHours {
                opens: 8 * 60,
                closes: 19 * 60 + 30,
            },
            std::iter::empty(),
        );
        assert_eq!(h, Hours { open: 480, rows: 23 });
        // Never past midnight.
        let h = Hours::covering(OpeningHours::default(), [(23 * 60 + 40, 24 * 60 + 90)].into_iter());
        assert_eq!(h.open + h.rows as u32 * HALF_HOUR, 24 * 60);
    }

    #[test]
    fn columns_share_the_width_and_scroll_to_the_selected_one() {
        // 154 cells, columns at least 16 wide: nine of them, 17 each.
        assert_eq!(column_fit(0, 500, 154, 16), (0..9, 17));
        assert_eq!(column_fit(8, 500, 154, 16), (0..9, 17));
        assert_eq!(column_fit(9, 500, 154, 16), (1..10, 17));
        assert_eq!(column_fit(499, 500, 154, 16), (491..500, 17));
        // Fewer columns than fit: each is wider.
        assert_eq!(column_fit(1, 3, 154, 16), (0..3, 51));
        // Too narrow for one: one anyway, as wide as there is.
        assert_eq!(column_fit(2, 3, 10, 16), (2..3, 10));
        assert_eq!(column_fit(0, 0, 154, 16), (0..0, 154));
    }
}
