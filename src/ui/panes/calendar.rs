//! The calendar: one day (a list of time, consultant, type, location, state; or a grid of a
//! column per consultant or room and a row per half hour), one week (seven day columns of
//! compact cells; or a grid of days by half hours with counts), or a month (each day's free
//! slots, bookings and events), for everyone or one consultant, with the employability events
//! on show drawn across the slots with their audience and places (EVT-01). Book a client into
//! a free slot from here; open a booked slot's client and notes; add a series of slots and
//! withdraw a free one (`actions.rs`). Every state is a symbol and a word.
//!
//! A day of everyone's slots is hundreds of records on a large store, a week thousands: the
//! slots on show load as a job (the latest load wins), and so does the client picker's search.
//!
//! Loading the slots on show is in `load.rs`, booking a client into a free slot in
//! `booking.rs`, the commands, keys and job results in `events.rs`, the drawing in `view.rs`,
//! which rows a frame draws in `window.rs` (only those that show: a busy day has thousands),
//! and reading a typed date in `dates.rs`; the grids' layout in `grid.rs`, their drawing in
//! `grid_view.rs` and moving about them in `nav.rs`, the month in `month.rs`, and the events
//! on show in `overlay.rs`.

mod actions;
mod booking;
mod dates;
mod events;
mod grid;
mod grid_view;
mod load;
mod month;
mod nav;
mod overlay;
#[cfg(test)]
mod tests;
mod view;
mod window;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use ratatui::layout::Rect;

use crate::desk::{DirectoryEntry, StaffName};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::ids::{OperatorId, SlotId};
use crate::ui::event::Latest;
use crate::ui::input::Input;
use crate::ui::lookup::SharedIndex;
use crate::ui::pane::{Cx, Notice};
use crate::ui::theme::{BookingMark, SlotState};
use dates::parse_date;
use grid::{Cell, Grid, Hours};
use month::MonthCounts;
use overlay::EventRow;
use window::RowIndex;

/// How many days the calendar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    /// One day.
    Day,
    /// Monday to Sunday.
    Week,
    /// A month, as counts per day.
    Month,
}

/// How a day or a week is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// The day as a list of slots, the week as day columns of compact cells.
    List,
    /// Half-hour rows: the day by consultant or room, the week by day.
    Grid,
}

/// What the day grid's columns are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Columns {
    /// A column per consultant.
    Consultants,
    /// A column per room (location).
    Rooms,
}

/// The grids of what a load brought, worked out in its job.
#[derive(Debug, Clone, Default)]
struct Grids {
    /// The half hours shown.
    hours: Hours,
    /// The day by consultant.
    consultants: Grid,
    /// The day by room.
    rooms: Grid,
    /// The week by day.
    days: Grid,
}

/// One slot as the calendar shows it, with what was loaded for it.
#[derive(Debug, Clone)]
struct Row {
    slot: Slot,
    appointment: Option<Appointment>,
    state: SlotState,
    /// Whether the sync server has yet to decide its booking (worked out with the load).
    mark: Option<BookingMark>,
    /// The consultant's login.
    login: String,
    /// The booked client's name and student number (day view only, for roles that may look
    /// clients up).
    client: Option<String>,
    /// The local day the slot starts on.
    day: NaiveDate,
}

/// What a click on the last drawn frame lands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    /// A slot, by index into the rows.
    Slot(usize),
    /// A grid cell.
    Cell(Cell),
    /// A day of the month.
    Day(NaiveDate),
    /// A client in the booking picker.
    Match(usize),
}

/// A sub-step of the pane.
enum Mode {
    /// Browsing slots.
    Browse,
    /// Typing a date to jump to.
    Goto(Input),
    /// Choosing the client to book into a free slot.
    Pick {
        slot: Box<Slot>,
        search: Input,
        matches: Vec<DirectoryEntry>,
        selected: usize,
    },
    /// Filling in a series of slots.
    Series(Box<crate::ui::panes::series_form::SeriesForm>),
    /// Asking before withdrawing a free slot.
    Withdraw(Box<Slot>),
}

/// The slots on show with what the calendar needs to draw them, loaded by a job.
#[derive(Debug, Clone)]
pub struct CalendarData {
    staff: HashMap<OperatorId, StaffName>,
    rows: Vec<Row>,
    /// What every frame needs of all the rows, worked out in the job.
    index: RowIndex,
    /// The grids' cells, worked out in the job.
    grids: Grids,
    /// The events on show.
    events: Vec<EventRow>,
    /// The month's counts (month view only).
    month: MonthCounts,
    consultant: Option<OperatorId>,
    message: Option<Notice>,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// The calendar pane.
pub struct CalendarPane {
    tz: chrono_tz::Tz,
    /// The day shown (in week view: a day of the week shown; in month view: the day selected).
    date: NaiveDate,
    /// The desk's today when last loaded.
    today: NaiveDate,
    span: Span,
    shape: Shape,
    columns: Columns,
    consultant: Option<OperatorId>,
    staff: HashMap<OperatorId, StaffName>,
    rows: Vec<Row>,
    /// The rows' column widths and days, from the same load as the rows.
    index: RowIndex,
    /// The grids' cells, from the same load.
    grids: Grids,
    /// The events on show, from the same load.
    events: Vec<EventRow>,
    /// The month's counts, from the same load.
    month: MonthCounts,
    selected: usize,
    /// The grid's selected cell.
    cell: Cell,
    /// The selected slot, kept across reloads.
    selected_slot: Option<SlotId>,
    mode: Mode,
    /// The desk's time when the rows were loaded.
    now: DateTime<Utc>,
    /// Clickable rectangles of the last frame, relative to the pane area.
    hits: Vec<(Rect, Hit)>,
    /// Rows the slot list showed last frame (for paging).
    page: usize,
    /// The client lookup shared with the clients pane, once built.
    clients: SharedIndex,
    /// Numbers the loads; only the latest one's slots are shown.
    loads: Latest,
    /// The load whose slots are awaited.
    loading: Option<u64>,
    /// Numbers the picker's searches.
    searches: Latest,
}

impl CalendarPane {
    /// A calendar opening on the desk's today, day view, everyone; the client picker searches
    /// `clients` once it is built (and the desk until then).
    pub fn new(desk: &crate::desk::Desk, clients: SharedIndex) -> Self {
        let today = desk.today();
        Self {
            tz: desk.policy().institution.time_zone,
            date: today,
            today,
            span: Span::Day,
            shape: Shape::List,
            columns: Columns::Consultants,
            consultant: None,
            staff: HashMap::new(),
            rows: Vec::new(),
            index: RowIndex::default(),
            grids: Grids::default(),
            events: Vec::new(),
            month: MonthCounts::default(),
            selected: 0,
            cell: Cell::default(),
            selected_slot: None,
            mode: Mode::Browse,
            now: desk.now(),
            hits: Vec::new(),
            page: 10,
            clients,
            loads: Latest::default(),
            loading: None,
            searches: Latest::default(),
        }
    }

    /// Monday of the week holding `date`.
    fn monday(date: NaiveDate) -> NaiveDate {
        date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
    }

    /// The first day and the number of days on show.
    fn range(&self) -> (NaiveDate, i64) {
        match self.span {
            Span::Day => (self.date, 1),
            Span::Week => (Self::monday(self.date), 7),
            Span::Month => month::month_of(self.date),
        }
    }

    /// Whether the slots show as a grid of half hours.
    fn gridded(&self) -> bool {
        self.shape == Shape::Grid && self.span != Span::Month
    }

    /// The grid on show: the day's by consultant or room, or the week's.
    fn grid(&self) -> &Grid {
        match (self.span, self.columns) {
            (Span::Week, _) => &self.grids.days,
            (_, Columns::Consultants) => &self.grids.consultants,
            (_, Columns::Rooms) => &self.grids.rooms,
        }
    }

    /// The selected slot: in a grid, the first slot of the selected cell (none when the cell
    /// is empty); in the month, none.
    fn current(&self) -> Option<&Row> {
        match self.span {
            Span::Month => None,
            _ if self.gridded() => self.grid().cell(self.cell).first().and_then(|&i| self.rows.get(i)),
            _ => self.rows.get(self.selected),
        }
    }

    fn login(&self, id: OperatorId) -> String {
        self.staff.get(&id).map_or_else(|| "?".to_string(), |s| s.login.clone())
    }

    /// Puts the selection back on the remembered slot, or on the first slot not yet over; in
    /// a grid, the cell moves to it (or stays where it was when there is no slot to follow).
    fn reselect(&mut self) {
        let remembered = self
            .selected_slot
            .and_then(|id| self.rows.iter().position(|r| r.slot.id == id));
        let grid_keeps_its_cell = self.gridded() && remembered.is_none() && self.selected_slot.is_some();
        self.selected = match remembered {
            Some(i) => i,
            None => {
                let now = self.now;
                self.rows.iter().position(|r| r.slot.end() > now).unwrap_or(0)
            }
        };
        if self.gridded() {
            if !grid_keeps_its_cell {
                if let Some(c) = self.grid().find(self.selected) {
                    self.cell = c;
                }
            }
            self.clamp_cell();
            self.sync_cell();
        } else {
            self.remember();
        }
    }

    fn remember(&mut self) {
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.selected_slot = self.rows.get(self.selected).map(|r| r.slot.id);
    }

    /// Moves the date by whole days (or weeks in week view) and reloads.
    fn step(&mut self, forward: bool, cx: &mut Cx<'_>) {
        self.date = match self.span {
            Span::Day => self.date + Duration::days(if forward { 1 } else { -1 }),
            Span::Week => self.date + Duration::days(if forward { 7 } else { -7 }),
            Span::Month => month::add_months(self.date, forward),
        };
        self.selected_slot = None;
        self.load(cx);
    }

    fn jump(&mut self, date: NaiveDate, cx: &mut Cx<'_>) {
        self.date = date;
        self.selected_slot = None;
        self.load(cx);
    }

    /// Switches between the day and the week (from the month, to the week of its selected day).
    fn toggle_week(&mut self, cx: &mut Cx<'_>) {
        let to = match self.span {
            Span::Week => Span::Day,
            Span::Day | Span::Month => Span::Week,
        };
        self.show_span(to, cx);
    }

    /// Shows the day, week or month holding the selection.
    fn show_span(&mut self, to: Span, cx: &mut Cx<'_>) {
        if to == self.span {
            return;
        }
        if self.span == Span::Week {
            // Back to the day of the selected slot (in a grid: the selected column's day).
            if self.gridded() {
                self.date = Self::monday(self.date) + Duration::days(self.cell.col.min(6) as i64);
            } else if let Some(r) = self.rows.get(self.selected) {
                self.date = r.day;
            }
        }
        self.span = to;
        if to == Span::Week && self.gridded() {
            self.cell.col = self.weekday_col();
        }
        self.load(cx);
    }

    /// Switches the day and the week between list and grid.
    fn toggle_grid(&mut self, cx: &mut Cx<'_>) {
        if self.span == Span::Month {
            return cx.problem("the month has no grid: enter opens the selected day, d the day, w the week");
        }
        self.shape = match self.shape {
            Shape::List => Shape::Grid,
            Shape::Grid => Shape::List,
        };
        if self.gridded() {
            if let Some(c) = self.grid().find(self.selected) {
                self.cell = c;
            }
            self.clamp_cell();
            self.sync_cell();
        } else if let Some(i) = self.grid_slot() {
            self.selected = i;
            self.remember();
        }
    }

    /// Switches the day grid's columns between consultants and rooms.
    fn toggle_columns(&mut self, cx: &mut Cx<'_>) {
        if !(self.gridded() && self.span == Span::Day) {
            return cx.problem("rooms or consultants: only the day grid has them as columns (v shows it)");
        }
        let slot = self.grid_slot();
        self.columns = match self.columns {
            Columns::Consultants => Columns::Rooms,
            Columns::Rooms => Columns::Consultants,
        };
        let row = self.cell.row;
        self.cell = slot.and_then(|i| self.grid().find(i)).unwrap_or(Cell { col: 0, row });
        self.clamp_cell();
        self.sync_cell();
        let what = match self.columns {
            Columns::Consultants => "a column per consultant",
            Columns::Rooms => "a column per room",
        };
        cx.done(format!("Day grid: {what}"));
    }

    fn submit_goto(&mut self, cx: &mut Cx<'_>) {
        let Mode::Goto(input) = &self.mode else { return };
        match parse_date(input.value(), cx.desk.today()) {
            Ok(d) => {
                self.mode = Mode::Browse;
                self.jump(d, cx);
            }
            Err(msg) => cx.problem(msg),
        }
    }

    /// The field with focus, if any.
    fn field(&mut self) -> Option<&mut Input> {
        match &mut self.mode {
            Mode::Browse | Mode::Withdraw(_) => None,
            Mode::Goto(i) => Some(i),
            Mode::Pick { search, .. } => Some(search),
            Mode::Series(form) => form.focused(),
        }
    }
}
