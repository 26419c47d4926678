//! The calendar: one day (time, consultant, type, location, state) or one week (seven day
//! columns of compact cells), for everyone or one consultant. Book a client into a free slot
//! from here; open a booked slot's client and notes; add a series of slots and withdraw a free
//! one (`actions.rs`). Every state is a symbol and a word.
//!
//! A day of everyone's slots is hundreds of records on a large store, a week thousands: the
//! slots on show load as a job (the latest load wins), and so does the client picker's search.

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
use crate::ui::event::{Latest, PaneDone};
use crate::ui::fuzzy::SharedIndex;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Notice, Pane, PaneId};
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

/// What a calendar load asks for.
#[derive(Debug, Clone, Copy)]
struct Request {
    from: NaiveDate,
    days: i64,
    week: bool,
    consultant: Option<OperatorId>,
    /// Move the consultant filter on to the next consultant with slots in the range first.
    cycle: bool,
}

/// The slots on show with what the calendar needs to draw them, loaded by a job.
#[derive(Debug, Clone)]
pub struct CalendarData {
    staff: HashMap<OperatorId, StaffName>,
    rows: Vec<Row>,
    consultant: Option<OperatorId>,
    message: Option<Notice>,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// Loads the slots a request asks for, with their appointments and states.
fn fetch(desk: &crate::desk::Desk, req: Request) -> Result<CalendarData, DeskError> {
    let staff = desk.staff_names()?;
    let login = |id: OperatorId| staff.get(&id).map_or_else(|| "?".to_string(), |s| s.login.clone());
    let mut consultant = req.consultant;
    let mut message = None;
    if req.cycle {
        // Everyone, then each consultant with slots in the range (by login), then everyone.
        let mut with_slots: Vec<(String, OperatorId)> = Vec::new();
        for s in desk.calendar(req.from, req.days, None)? {
            if !with_slots.iter().any(|(_, id)| *id == s.consultant) {
                with_slots.push((login(s.consultant), s.consultant));
            }
        }
        with_slots.sort();
        let next = match req.consultant {
            None => with_slots.first().cloned(),
            Some(current) => {
                let me = login(current);
                with_slots.into_iter().find(|(l, id)| *l > me && *id != current)
            }
        };
        let span = if req.week { "this week" } else { "this day" };
        (consultant, message) = match next {
            Some((who, id)) => (Some(id), Some(Notice::Done(format!("Showing {who}'s calendar")))),
            None if req.consultant.is_none() => (
                None,
                Some(Notice::Problem(format!("nobody has slots {span}; showing everyone"))),
            ),
            None => (None, Some(Notice::Done("Showing everyone's calendar".into()))),
        };
    }
    let now = desk.now();
    let mut rows = Vec::new();
    for slot in desk.calendar(req.from, req.days, consultant)? {
        let appointment = desk.slot_appointment(&slot)?;
        let state = slot_state(&slot, appointment.as_ref(), now);
        let client = match (&appointment, req.week) {
            (Some(a), false) => desk
                .client_label(Some(a))
                .map(|(name, number)| format!("{name} ({number})")),
            _ => None,
        };
        rows.push(Row {
            login: login(slot.consultant),
            day: desk.policy().local_date(slot.start),
            slot,
            appointment,
            state,
            client,
        });
    }
    Ok(CalendarData {
        staff,
        rows,
        consultant,
        message,
        now,
        today: desk.today(),
    })
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

    /// Loads the slots on show as a job.
    fn load(&mut self, cx: &mut Cx<'_>) {
        self.request(false, cx);
    }

    /// Starts a load; with `cycle`, the consultant filter moves on first.
    fn request(&mut self, cycle: bool, cx: &mut Cx<'_>) {
        let (from, days) = self.range();
        let req = Request {
            from,
            days,
            week: self.week,
            consultant: self.consultant,
            cycle,
        };
        let ticket = self.loads.issue();
        self.loading = Some(ticket);
        let latest = self.loads.clone();
        cx.spawn(PaneId::Calendar, "loading the calendar", move |desk| {
            let data = if latest.is_current(ticket) {
                fetch(desk, req).map_err(|e| e.to_string())
            } else {
                Err("replaced by a later load".into())
            };
            PaneDone::Calendar(ticket, Box::new(data))
        });
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
                *cx.messages_queued = true;
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

    /// Starts the picker's search for what is typed: in the shared lookup index once it is
    /// built, else through the desk.
    fn refilter(&mut self, cx: &mut Cx<'_>) {
        let Mode::Pick {
            search,
            matches,
            selected,
            ..
        } = &mut self.mode
        else {
            return;
        };
        let q = search.value().trim().to_string();
        let ticket = self.searches.issue();
        if q.is_empty() {
            matches.clear();
            *selected = 0;
            return;
        }
        let (index, latest) = (self.clients.clone(), self.searches.clone());
        cx.spawn(PaneId::Calendar, "client picker search", move |desk| {
            if !latest.is_current(ticket) {
                return PaneDone::ClientMatches(ticket, None);
            }
            let found = match index.search(&q, PICK_LIMIT) {
                Some(found) => found,
                None => desk.find_clients(&q, PICK_LIMIT).unwrap_or_default(),
            };
            PaneDone::ClientMatches(ticket, Some(found))
        });
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
            Command::CalendarConsultant => self.request(true, cx),
            Command::CalendarGoto => self.mode = Mode::Goto(Input::new()),
            Command::Refresh => self.load(cx),
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

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        match done {
            PaneDone::Calendar(ticket, data) => {
                if self.loading != Some(ticket) {
                    return;
                }
                self.loading = None;
                match *data {
                    Ok(d) => {
                        self.staff = d.staff;
                        self.rows = d.rows;
                        self.consultant = d.consultant;
                        self.now = d.now;
                        self.today = d.today;
                        match d.message {
                            Some(Notice::Done(t)) => cx.done(t),
                            Some(Notice::Problem(t)) => cx.problem(t),
                            None => {}
                        }
                        self.reselect();
                    }
                    Err(e) => cx.problem(e),
                }
            }
            PaneDone::ClientMatches(ticket, Some(found)) if self.searches.is_current(ticket) => {
                if let Mode::Pick { matches, selected, .. } = &mut self.mode {
                    *matches = found;
                    *selected = 0;
                }
            }
            _ => {}
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
