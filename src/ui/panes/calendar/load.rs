//! Loading the calendar's slots: what a load asks for, the job that reads the slots on show
//! with their appointments (the latest load wins), each slot's state, the events on show with
//! their tallies, and what the grids and the month need of them, once per load.

use chrono::{DateTime, NaiveDate, Utc};

use super::grid::{minute_of, Grid, Hours};
use super::month::MonthCounts;
use super::overlay::{overlaps, EventRow};
use super::{CalendarData, CalendarPane, Grids, Row, RowIndex, Span};
use crate::desk::DeskError;
use crate::domain::appointment::{Appointment, AppointmentState, Slot};
use crate::domain::ids::OperatorId;
use crate::domain::policy::OpeningHours;
use crate::ui::event::PaneDone;
use crate::ui::pane::{Cx, Notice, PaneId};
use crate::ui::theme::{BookingMark, SlotState};

/// What a calendar load asks for.
#[derive(Debug, Clone, Copy)]
struct Request {
    from: NaiveDate,
    days: i64,
    span: Span,
    consultant: Option<OperatorId>,
    /// Move the consultant filter on to the next consultant with slots in the range first.
    cycle: bool,
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
        let span = match req.span {
            Span::Day => "this day",
            Span::Week => "this week",
            Span::Month => "this month",
        };
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
    let events = events_on_show(desk, req)?;
    let slots = desk.calendar(req.from, req.days, consultant)?;
    if req.span == Span::Month {
        // The month needs only counts: no appointment is read.
        let policy = desk.policy();
        let month = MonthCounts::of(
            slots.iter().map(|s| (policy.local_date(s.start), s)),
            events.iter().map(|e| e.day),
        );
        return Ok(CalendarData {
            staff,
            rows: Vec::new(),
            index: RowIndex::default(),
            grids: Grids::default(),
            events,
            month,
            consultant,
            message,
            now,
            today: desk.today(),
        });
    }
    let mut rows = Vec::new();
    for slot in slots {
        let appointment = desk.slot_appointment(&slot)?;
        let state = slot_state(&slot, appointment.as_ref(), now);
        let client = match (&appointment, req.span) {
            (Some(a), Span::Day) => desk
                .client_label(Some(a))
                .map(|(name, number)| format!("{name} ({number})")),
            _ => None,
        };
        let mark = appointment.as_ref().and_then(BookingMark::of_booking);
        rows.push(Row {
            mark,
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
        index: RowIndex::of(&rows),
        grids: grids(
            &rows,
            &events,
            req.span,
            req.from,
            desk.policy().institution.time_zone,
            desk.policy().calendar,
        ),
        rows,
        events,
        month: MonthCounts::default(),
        consultant,
        message,
        now,
        today: desk.today(),
    })
}

/// The events overlapping the days of a request, each with its tally when it has places.
fn events_on_show(desk: &crate::desk::Desk, req: Request) -> Result<Vec<EventRow>, DeskError> {
    let tz = desk.policy().institution.time_zone;
    let (from, _) = desk.day_bounds(req.from);
    let last = req.from + chrono::Duration::days(req.days.max(1) - 1);
    let (_, to) = desk.day_bounds(last);
    let mut out = Vec::new();
    for e in desk
        .events_overlapping(from, to)?
        .into_iter()
        .filter(|e| overlaps(e, from, to))
    {
        let tally = if e.capacity > 0 {
            Some(desk.event_tally(&e)?)
        } else {
            None
        };
        out.push(EventRow::of(e, tally, tz));
    }
    Ok(out)
}

/// The grids of the rows loaded from `from`: the day by consultant and by room, or the week by
/// day, over the policy's opening hours widened to every slot and event on show.
pub(super) fn grids(
    rows: &[Row],
    events: &[EventRow],
    span: Span,
    from: NaiveDate,
    tz: chrono_tz::Tz,
    opening: OpeningHours,
) -> Grids {
    let minute = |r: &Row| minute_of(r.slot.start.with_timezone(&tz));
    let spans = rows
        .iter()
        .map(|r| {
            let start = minute(r);
            (start, start + u32::from(r.slot.minutes))
        })
        .chain(events.iter().map(|e| (e.start, e.end)));
    let hours = Hours::covering(opening, spans);
    match span {
        Span::Day => Grids {
            hours,
            consultants: Grid::by_key(rows, hours, |r| r.login.clone(), minute),
            rooms: Grid::by_key(rows, hours, |r| r.slot.location.as_str().to_string(), minute),
            days: Grid::default(),
        },
        Span::Week | Span::Month => Grids {
            hours,
            days: Grid::by_day(rows, hours, from, minute),
            ..Grids::default()
        },
    }
}

impl CalendarPane {
    /// Loads the slots on show as a job.
    pub(super) fn load(&mut self, cx: &mut Cx<'_>) {
        self.request(false, cx);
    }

    /// Starts a load; with `cycle`, the consultant filter moves on first.
    pub(super) fn request(&mut self, cycle: bool, cx: &mut Cx<'_>) {
        let (from, days) = self.range();
        let req = Request {
            from,
            days,
            span: self.span,
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
