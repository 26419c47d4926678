//! The calendar: one day (time, consultant, type, location, state) or one week (seven day
//! columns of compact cells), for everyone or one consultant. Book a client into a free slot
//! from here; open a booked slot's client and notes; add a series of slots and withdraw a free
//! one (`actions.rs`). Every state is a symbol and a word.
//!
//! A day of everyone's slots is hundreds of records on a large store, a week thousands: the
//! slots on show load as a job (the latest load wins), and so does the client picker's search.
//!
//! Loading the slots on show is in `load.rs`, booking a client into a free slot in
//! `booking.rs`, the commands, keys and job results in `events.rs`, the drawing in `view.rs`,
//! which rows a frame draws in `window.rs` (only those that show: a busy day has thousands),
//! and reading a typed date in `dates.rs`.

mod actions;
mod booking;
mod dates;
mod events;
mod load;
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
use crate::ui::theme::SlotState;
use dates::parse_date;
use window::RowIndex;

/// One slot as the calendar shows it, with what was loaded for it.
#[derive(Debug, Clone)]
struct Row {
    slot: Slot,
    appointment: Option<Appointment>,
    state: SlotState,
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
    consultant: Option<OperatorId>,
    message: Option<Notice>,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// The calendar pane.
pub struct CalendarPane {
    tz: chrono_tz::Tz,
    /// The day shown (in week view: a day of the week shown).
    date: NaiveDate,
    /// The desk's today when last loaded.
    today: NaiveDate,
    week: bool,
    consultant: Option<OperatorId>,
    staff: HashMap<OperatorId, StaffName>,
    rows: Vec<Row>,
    /// The rows' column widths and days, from the same load as the rows.
    index: RowIndex,
    selected: usize,
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
            week: false,
            consultant: None,
            staff: HashMap::new(),
            rows: Vec::new(),
            index: RowIndex::default(),
            selected: 0,
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
        if self.week {
            (Self::monday(self.date), 7)
        } else {
            (self.date, 1)
        }
    }

    fn login(&self, id: OperatorId) -> String {
        self.staff.get(&id).map_or_else(|| "?".to_string(), |s| s.login.clone())
    }

    /// Puts the selection back on the remembered slot, or on the first slot not yet over.
    fn reselect(&mut self) {
        let remembered = self
            .selected_slot
            .and_then(|id| self.rows.iter().position(|r| r.slot.id == id));
        self.selected = match remembered {
            Some(i) => i,
            None => {
                let now = self.now;
                self.rows.iter().position(|r| r.slot.end() > now).unwrap_or(0)
            }
        };
        self.remember();
    }

    fn remember(&mut self) {
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.selected_slot = self.rows.get(self.selected).map(|r| r.slot.id);
    }

    /// Moves the date by whole days (or weeks in week view) and reloads.
    fn step(&mut self, forward: bool, cx: &mut Cx<'_>) {
        let by = if self.week { 7 } else { 1 };
        self.date += Duration::days(if forward { by } else { -by });
        self.selected_slot = None;
        self.load(cx);
    }

    fn jump(&mut self, date: NaiveDate, cx: &mut Cx<'_>) {
        self.date = date;
        self.selected_slot = None;
        self.load(cx);
    }

    fn toggle_week(&mut self, cx: &mut Cx<'_>) {
        if self.week {
            // Back to the day of the selected slot.
            if let Some(r) = self.rows.get(self.selected) {
                self.date = r.day;
            }
        }
        self.week = !self.week;
        self.load(cx);
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
