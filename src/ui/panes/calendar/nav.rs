//! Moving about the grids and the month: up and down a half hour, left and right a column,
//! and in the month a day or a week at a time; the selected slot follows the selected cell.

use chrono::{Datelike, Duration};

use super::grid::Cell;
use super::{month, CalendarPane, Shape, Span};
use crate::ui::command::Command;
use crate::ui::pane::{move_selection, Cx};

impl CalendarPane {
    /// Keeps the selected cell inside the grid.
    pub(super) fn clamp_cell(&mut self) {
        let cols = self.grid().columns();
        let rows = self.grids.hours.rows;
        self.cell = Cell {
            col: self.cell.col.min(cols.saturating_sub(1)),
            row: self.cell.row.min(rows.saturating_sub(1)),
        };
    }

    /// The first slot of the selected cell, by index into the rows.
    pub(super) fn grid_slot(&self) -> Option<usize> {
        self.grid().cell(self.cell).first().copied()
    }

    /// Makes the selected cell's first slot the selected slot (none when the cell is empty).
    pub(super) fn sync_cell(&mut self) {
        match self.grid_slot() {
            Some(i) => {
                self.selected = i;
                self.selected_slot = self.rows.get(i).map(|r| r.slot.id);
            }
            None => self.selected_slot = None,
        }
    }

    /// Moves the grid's selection for a movement or a left/right command; false when the
    /// command is neither.
    pub(super) fn move_cell(&mut self, cmd: Command) -> bool {
        let rows = self.grids.hours.rows;
        let cols = self.grid().columns();
        let Cell { col, row } = self.cell;
        self.cell = match cmd {
            Command::CalendarPrev => Cell {
                col: col.saturating_sub(1),
                row,
            },
            Command::CalendarNext => Cell {
                col: (col + 1).min(cols.saturating_sub(1)),
                row,
            },
            c if crate::ui::pane::is_movement(c) => Cell {
                col,
                row: move_selection(row, rows, c, self.page),
            },
            _ => return false,
        };
        self.sync_cell();
        true
    }

    /// Moves the month's selected day: a day left or right, a week up or down, the first or
    /// last of the month; into another month loads it. False for any other command.
    pub(super) fn move_day(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        let (first, days) = month::month_of(self.date);
        let last = first + Duration::days(days - 1);
        let to = match cmd {
            Command::CalendarPrev => self.date - Duration::days(1),
            Command::CalendarNext => self.date + Duration::days(1),
            Command::Up => self.date - Duration::days(7),
            Command::Down => self.date + Duration::days(7),
            Command::PageUp => month::add_months(self.date, false),
            Command::PageDown => month::add_months(self.date, true),
            Command::First => first,
            Command::Last => last,
            _ => return false,
        };
        self.date = to;
        if month::month_of(to).0 != first {
            self.load(cx);
        }
        true
    }

    /// Opens the month's selected day in the day view (as a list or a grid, as last shown).
    pub(super) fn open_day(&mut self, cx: &mut Cx<'_>) {
        self.span = Span::Day;
        self.selected_slot = None;
        if self.shape == Shape::Grid {
            self.cell = Cell::default();
        }
        self.load(cx);
    }

    /// The column of the week grid holding `self.date`.
    pub(super) fn weekday_col(&self) -> usize {
        self.date.weekday().num_days_from_monday() as usize
    }
}
