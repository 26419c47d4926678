//! The calendar: one day (time, consultant, type, location, state) or one week (seven day
//! columns of compact cells), for everyone or one consultant. Book a client into a free slot
//! from here; open a booked slot's client and notes; add a series of slots and withdraw a free
//! one (`actions.rs`). Every state is a symbol and a word.

mod actions;
mod view;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{DeskError, DirectoryEntry, StaffName};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, AppointmentState, Slot};
use crate::domain::ids::{OperatorId, SlotId};
use crate::ui::command::Command;
use crate::ui::fuzzy::SharedIndex;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::theme::{SlotState, Theme};

/// How many clients the booking picker lists.
const PICK_LIMIT: usize = 20;

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
            selected: 0,
            selected_slot: None,
            mode: Mode::Browse,
            now: desk.now(),
            hits: Vec::new(),
            page: 10,
            clients,
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

    /// Loads the slots on show, their appointments and states.
    fn load(&mut self, cx: &mut Cx<'_>) {
        if let Err(e) = self.try_load(cx) {
            cx.problem(e.to_string());
        }
    }

    fn try_load(&mut self, cx: &mut Cx<'_>) -> Result<(), DeskError> {
        let desk = cx.desk;
        if self.staff.is_empty() {
            self.staff = desk.staff_names()?;
        }
        self.now = desk.now();
        self.today = desk.today();
        let (from, days) = self.range();
        let mut rows = Vec::new();
        for slot in desk.calendar(from, days, self.consultant)? {
            let appointment = desk.slot_appointment(&slot)?;
            let state = slot_state(&slot, appointment.as_ref(), self.now);
            let client = match (&appointment, self.week) {
                (Some(a), false) => desk
                    .client_label(Some(a))
                    .map(|(name, number)| format!("{name} ({number})")),
                _ => None,
            };
            rows.push(Row {
                login: self.login(slot.consultant),
                day: desk.policy().local_date(slot.start),
                slot,
                appointment,
                state,
                client,
            });
        }
        self.rows = rows;
        self.reselect();
        Ok(())
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

    fn staff_reload(&mut self, cx: &mut Cx<'_>) {
        match cx.desk.staff_names() {
            Ok(s) => self.staff = s,
            Err(e) => cx.problem(e.to_string()),
        }
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

    /// Everyone, then each consultant with slots in the range (by login), then everyone.
    fn cycle_consultant(&mut self, cx: &mut Cx<'_>) {
        let (from, days) = self.range();
        let slots = match cx.desk.calendar(from, days, None) {
            Ok(s) => s,
            Err(e) => return cx.problem(e.to_string()),
        };
        let mut with_slots: Vec<(String, OperatorId)> = Vec::new();
        for s in &slots {
            if !with_slots.iter().any(|(_, id)| *id == s.consultant) {
                with_slots.push((self.login(s.consultant), s.consultant));
            }
        }
        with_slots.sort();
        let next = match self.consultant {
            None => with_slots.first().cloned(),
            Some(current) => {
                let login = self.login(current);
                with_slots.into_iter().find(|(l, id)| *l > login && *id != current)
            }
        };
        let span = if self.week { "this week" } else { "this day" };
        match next {
            Some((login, id)) => {
                self.consultant = Some(id);
                cx.done(format!("Showing {login}'s calendar"));
            }
            None if self.consultant.is_none() => cx.problem(format!("nobody has slots {span}; showing everyone")),
            None => {
                self.consultant = None;
                cx.done("Showing everyone's calendar");
            }
        }
        self.load(cx);
    }

    /// Opens the client picker for the selected slot, if it is free and not over.
    fn start_booking(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.rows.get(self.selected) else {
            return cx.problem("no slot selected: choose a free slot (○ free) first");
        };
        if row.state != SlotState::Free {
            return cx.problem(format!(
                "that slot is {}, not free; choose a slot marked {}",
                row.state.label(),
                SlotState::Free.label()
            ));
        }
        if row.slot.end() <= cx.desk.now() {
            return cx.problem("that slot is over; choose a later one");
        }
        if let Err(e) = cx.desk.require(Permission::Book) {
            return cx.problem(e.to_string());
        }
        self.mode = Mode::Pick {
            slot: Box::new(row.slot.clone()),
            search: Input::new(),
            matches: Vec::new(),
            selected: 0,
        };
    }

    /// Books the chosen client into the picker's slot.
    fn book_chosen(&mut self, cx: &mut Cx<'_>) {
        let Mode::Pick {
            slot,
            matches,
            selected,
            ..
        } = &self.mode
        else {
            return;
        };
        let Some(entry) = matches.get(*selected) else {
            return cx.problem("no client chosen: type part of a name or a student number");
        };
        let desk = cx.desk;
        let result = desk
            .client(entry.id)
            .and_then(|c| desk.book_slot(&c, slot.id, desk.now()).map(|a| (c, a)));
        match result {
            Ok((client, a)) => {
                let setting = match desk.policy().location(&a.location) {
                    Some(l) if l.confidential => "confidential setting",
                    _ => "not a confidential setting",
                };
                cx.done(format!(
                    "Booked {} ({}) into {} {} with {} at {} ({setting}).",
                    client.name,
                    client.student_number,
                    a.appointment_type,
                    desk.local_time(a.start).format("%a %-d %b %H:%M"),
                    self.login(a.consultant),
                    a.location
                ));
                self.selected_slot = Some(a.slot);
                self.mode = Mode::Browse;
                self.load(cx);
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// Opens the selected booked slot's client and notes.
    fn open_client(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.rows.get(self.selected) else {
            return cx.problem("no slot on show to open: go to another day (←/→) or today (t)");
        };
        match &row.appointment {
            Some(a) => {
                *cx.client = Some(a.client);
                *cx.go_to = Some(PaneId::Notes);
            }
            None if row.state == SlotState::Free => self.start_booking(cx),
            None => cx.problem("that slot has no booking to open"),
        }
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

    fn refilter(&mut self, cx: &mut Cx<'_>) {
        if let Mode::Pick {
            search,
            matches,
            selected,
            ..
        } = &mut self.mode
        {
            let q = search.value().trim();
            *matches = if q.is_empty() {
                Vec::new()
            } else {
                let mut shared = self.clients.borrow_mut();
                match shared.as_mut() {
                    Some(index) => index.search(q, PICK_LIMIT),
                    None => match cx.desk.find_clients(q, PICK_LIMIT) {
                        Ok(m) => m,
                        Err(e) => {
                            cx.problem(e.to_string());
                            Vec::new()
                        }
                    },
                }
            };
            *selected = 0;
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

/// A slot's state: withdrawn, free, or from its appointment (unresolved once over without an
/// outcome, never assumed a no-show: APPT-02).
fn slot_state(slot: &Slot, appointment: Option<&Appointment>, now: DateTime<Utc>) -> SlotState {
    if slot.withdrawn {
        return SlotState::Withdrawn;
    }
    let Some(a) = appointment else {
        return if slot.booking.is_some() {
            SlotState::Booked
        } else {
            SlotState::Free
        };
    };
    match a.state {
        AppointmentState::Settled { outcome, .. } => SlotState::Settled(outcome),
        _ if a.is_unresolved(now) => SlotState::Unresolved,
        AppointmentState::CheckedIn { .. } => SlotState::CheckedIn,
        AppointmentState::Booked => SlotState::Booked,
    }
}

/// A typed date: `YYYY-MM-DD`, `DD/MM/YYYY`, `today`, `tomorrow`, `yesterday`, or `+N`/`-N` days.
fn parse_date(text: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let t = text.trim().to_lowercase();
    let relative = |n: i64| today.checked_add_signed(Duration::days(n));
    let parsed = match t.as_str() {
        "" => return Err("type a date as YYYY-MM-DD (e.g. 2026-12-01), or esc to close".into()),
        "today" => Some(today),
        "tomorrow" => relative(1),
        "yesterday" => relative(-1),
        _ if t.starts_with(['+', '-']) => t.parse::<i64>().ok().filter(|n| n.abs() <= 3660).and_then(relative),
        _ => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(&t, "%d/%m/%Y"))
            .ok(),
    };
    parsed.ok_or_else(|| {
        format!(
            "`{}` is not a date: type YYYY-MM-DD (e.g. {}), DD/MM/YYYY, today, tomorrow or +N days",
            text.trim(),
            today.format("%Y-%m-%d")
        )
    })
}

impl Pane for CalendarPane {
    fn id(&self) -> PaneId {
        PaneId::Calendar
    }

    fn typing(&self) -> bool {
        !matches!(self.mode, Mode::Browse)
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.staff_reload(cx);
        self.load(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        // While a field is open, the cursor keys edit it and enter/esc finish it.
        if let Some(field) = self.field() {
            let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
            match cmd {
                Command::CalendarPrev => {
                    field.handle(&key(KeyCode::Left));
                    return true;
                }
                Command::CalendarNext => {
                    field.handle(&key(KeyCode::Right));
                    return true;
                }
                Command::Back => {
                    self.mode = Mode::Browse;
                    return true;
                }
                _ => {}
            }
        }
        if let Some(handled) = self.action_command(cmd, cx) {
            return handled;
        }
        if let Mode::Pick { matches, selected, .. } = &mut self.mode {
            if is_movement(cmd) {
                *selected = move_selection(*selected, matches.len(), cmd, self.page);
                return true;
            }
            if cmd == Command::Select {
                self.book_chosen(cx);
                return true;
            }
            return false;
        }
        if matches!(self.mode, Mode::Goto(_)) {
            if cmd == Command::Select {
                self.submit_goto(cx);
                return true;
            }
            return is_movement(cmd);
        }
        if is_movement(cmd) {
            self.selected = move_selection(self.selected, self.rows.len(), cmd, self.page);
            self.remember();
            return true;
        }
        match cmd {
            Command::Select => self.open_client(cx),
            Command::BookSlot => self.start_booking(cx),
            Command::AddSeries => self.start_series(cx),
            Command::WithdrawSlot => self.start_withdraw(cx),
            Command::CalendarToday => {
                let today = cx.desk.today();
                self.jump(today, cx);
            }
            Command::CalendarPrev => self.step(false, cx),
            Command::CalendarNext => self.step(true, cx),
            Command::CalendarWeek => self.toggle_week(cx),
            Command::CalendarConsultant => self.cycle_consultant(cx),
            Command::CalendarGoto => self.mode = Mode::Goto(Input::new()),
            Command::Refresh => {
                self.staff_reload(cx);
                self.load(cx);
            }
            Command::Back => {}
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        if let Mode::Series(form) = &mut self.mode {
            form.key(key);
            return true;
        }
        let picking = matches!(self.mode, Mode::Pick { .. });
        let Some(field) = self.field() else { return false };
        let changed = field.handle(key);
        if changed && picking {
            self.refilter(cx);
        }
        true
    }

    fn click(&mut self, column: u16, row: u16, _cx: &mut Cx<'_>) {
        let hit = self
            .hits
            .iter()
            .find(|(r, _)| column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height)
            .map(|(_, h)| *h);
        match hit {
            Some(Hit::Slot(i)) if matches!(self.mode, Mode::Browse) => {
                self.selected = i;
                self.remember();
            }
            Some(Hit::Match(i)) => {
                if let Mode::Pick { selected, .. } = &mut self.mode {
                    *selected = i;
                }
            }
            _ => {}
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.hits.clear();
        if self.week {
            self.render_week(frame, area, th);
        } else {
            self.render_day(frame, area, th);
        }
        match &self.mode {
            Mode::Browse => {}
            Mode::Goto(input) => view::render_goto(frame, area, input, th),
            Mode::Pick {
                slot,
                search,
                matches,
                selected,
            } => {
                let what = format!(
                    "Book {} {} with {}",
                    slot.appointment_type,
                    view::local_short(self.tz, slot.start),
                    self.login(slot.consultant)
                );
                let hits = view::render_pick(frame, area, &what, search, matches, *selected, th);
                self.hits.extend(hits.into_iter().map(|(r, i)| (r, Hit::Match(i))));
            }
            Mode::Series(_) | Mode::Withdraw(_) => self.render_action(frame, area, th),
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Select,
            Command::BookSlot,
            Command::CalendarPrev,
            Command::CalendarNext,
            Command::CalendarToday,
            Command::CalendarWeek,
            Command::CalendarConsultant,
            Command::CalendarGoto,
            Command::AddSeries,
            Command::WithdrawSlot,
            Command::Help,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_in_several_forms_and_bad_ones_say_how_to_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(
            parse_date("2026-12-01", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("01/12/2026", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("tomorrow", today),
            Ok(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default())
        );
        assert_eq!(
            parse_date("-1", today),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default())
        );
        let err = parse_date("2026-13-01", today).unwrap_err();
        assert!(err.contains("not a date") && err.contains("YYYY-MM-DD"), "{err}");
    }
}
