//! Which rows a frame draws. A busy day holds thousands of slots and a screen shows a few
//! dozen, so a frame builds only the lines that show: what depends on every row (the day
//! list's column widths, each day's rows for the grid columns) is worked out once per load, in
//! the load job, and each frame asks these functions for the window of rows that fits.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;

use super::Row;

/// The widest login, appointment type and location among the rows: the day list's columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Widths {
    pub login: usize,
    pub kind: usize,
    pub place: usize,
}

/// What a frame needs to know about all the rows loaded, worked out once per load.
#[derive(Debug, Clone, Default)]
pub(super) struct RowIndex {
    /// The day list's column widths.
    pub widths: Widths,
    /// Each day's rows, as indexes into the rows, in order.
    days: BTreeMap<NaiveDate, Vec<usize>>,
}

impl RowIndex {
    /// The index of `rows`.
    pub fn of(rows: &[Row]) -> Self {
        let widest = |f: &dyn Fn(&Row) -> usize| rows.iter().map(f).max().unwrap_or(0);
        let widths = Widths {
            login: widest(&|r| r.login.chars().count()),
            kind: widest(&|r| r.slot.appointment_type.as_str().chars().count()),
            place: widest(&|r| r.slot.location.as_str().chars().count()),
        };
        let mut days: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            days.entry(r.day).or_default().push(i);
        }
        RowIndex { widths, days }
    }

    /// The rows on `day` (none when the rows loaded are of other days), in order.
    pub fn on(&self, day: NaiveDate) -> &[usize] {
        self.days.get(&day).map_or(&[], Vec::as_slice)
    }
}

/// The rows a list `height` rows tall shows of `len`, with `selected` among them. A ratatui
/// `List` drawn with a fresh state each frame scrolls just far enough that the selection is
/// its last row; this is that window, so drawing only these rows looks the same.
pub(super) fn list_window(selected: usize, len: usize, height: usize) -> Range<usize> {
    let selected = selected.min(len.saturating_sub(1));
    let start = (selected + 1).saturating_sub(height).min(len);
    start..(start + height).min(len)
}

/// What a grid column `height` rows tall shows of its `len` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ColumnWindow {
    /// The rows drawn, by position in the column.
    pub shown: Range<usize>,
    /// How many rows the "+N more" line counts (0: no such line).
    pub more: usize,
}

/// A grid column's window: when the rows do not all fit, the last line says how many more
/// there are, and the column scrolls just far enough to show the selection (`selected`, its
/// position in the column, if it is in this column).
pub(super) fn column_window(selected: Option<usize>, len: usize, height: usize) -> ColumnWindow {
    let cap = if len > height { height.saturating_sub(1) } else { height };
    let start = match selected {
        Some(p) if cap > 0 && p >= cap => p + 1 - cap,
        _ => 0,
    };
    let start = start.min(len);
    ColumnWindow {
        shown: start..(start + cap).min(len),
        more: len.saturating_sub(cap),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_window_stays_at_the_top_until_the_selection_passes_the_bottom() {
        assert_eq!(list_window(0, 4000, 40), 0..40);
        assert_eq!(list_window(39, 4000, 40), 0..40);
        // One past the bottom: the list moves by one, the selection on its last row.
        assert_eq!(list_window(40, 4000, 40), 1..41);
        assert_eq!(list_window(2000, 4000, 40), 1961..2001);
        assert_eq!(list_window(3999, 4000, 40), 3960..4000);
        // Back up: drawn afresh each frame, the list keeps the selection on its last row.
        assert_eq!(list_window(1999, 4000, 40), 1960..2000);
    }

    #[test]
    fn a_list_window_never_reaches_past_the_rows() {
        assert_eq!(list_window(0, 0, 40), 0..0);
        assert_eq!(list_window(3, 5, 40), 0..5);
        assert_eq!(list_window(9, 5, 40), 0..5, "a selection past the end is the last row");
        assert_eq!(list_window(10, 20, 0), 11..11, "nothing fits, nothing is drawn");
        for len in 0..30 {
            for height in 0..12 {
                for selected in 0..len {
                    let w = list_window(selected, len, height);
                    assert!(w.len() <= height && w.end <= len, "{selected} {len} {height}: {w:?}");
                    if height > 0 {
                        assert!(w.contains(&selected), "{selected} {len} {height}: {w:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_column_window_keeps_a_line_for_the_rows_that_do_not_fit() {
        // Everything fits: no "+N more" line.
        assert_eq!(column_window(None, 5, 10), ColumnWindow { shown: 0..5, more: 0 });
        assert_eq!(column_window(None, 10, 10), ColumnWindow { shown: 0..10, more: 0 });
        // One too many: nine rows and "+2 more".
        assert_eq!(column_window(None, 11, 10), ColumnWindow { shown: 0..9, more: 2 });
        assert_eq!(column_window(Some(8), 800, 10), ColumnWindow { shown: 0..9, more: 791 });
        // The selection past the cut scrolls the column to it.
        assert_eq!(
            column_window(Some(9), 800, 10),
            ColumnWindow {
                shown: 1..10,
                more: 791
            }
        );
        assert_eq!(
            column_window(Some(400), 800, 10),
            ColumnWindow {
                shown: 392..401,
                more: 791
            }
        );
        assert_eq!(
            column_window(Some(799), 800, 10),
            ColumnWindow {
                shown: 791..800,
                more: 791
            }
        );
        // A column one line tall only says how many there are.
        assert_eq!(column_window(Some(5), 800, 1), ColumnWindow { shown: 0..0, more: 800 });
        assert_eq!(column_window(None, 0, 10), ColumnWindow { shown: 0..0, more: 0 });
    }
}
