//! Booking from the calendar: the client picker for a free slot and its search, booking the
//! chosen client, and opening a booked slot's client.

use super::{CalendarPane, Mode};
use crate::domain::access::Permission;
use crate::ui::event::PaneDone;
use crate::ui::input::Input;
use crate::ui::pane::{Cx, PaneId};
use crate::ui::theme::SlotState;

/// How many clients the booking picker lists.
const PICK_LIMIT: usize = 20;

impl CalendarPane {
    /// Opens the client picker for the selected slot, if it is free and not over.
    pub(super) fn start_booking(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
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
    pub(super) fn book_chosen(&mut self, cx: &mut Cx<'_>) {
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
    pub(super) fn open_client(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            if self.gridded() && !self.rows.is_empty() {
                return cx.problem("no slot in this cell: move to a cell with a slot (the arrows) or click one");
            }
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

    /// Starts the picker's search for what is typed: in the shared lookup index once it is
    /// built, else through the desk.
    pub(super) fn refilter(&mut self, cx: &mut Cx<'_>) {
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
}
