//! The sync conflicts queue: other desks' changes that could not be merged here, and this
//! desk's bookings the server gave away, oldest first. A booking that needs rebooking shows
//! the free slots to offer; `m` (or enter) chooses one and moves the booking there through
//! the desk (every booking rule checked, the old booking cancelled), `x` cancels it after
//! asking. Another desk's change that could not be merged says what stopped it; once that is
//! settled, `a` merges it again. An event booking that lost its place to a full event says
//! where it now waits; `t` records that the client was told. A change made here that the sync
//! server refused is dismissed with `d` and a reason once it has been done again. The queue is read as a job when the pane is shown or refreshed and after a sync,
//! never while drawing; reading it needs the Sync permission, and a refusal is shown.

mod load;
mod view;

pub use load::{ConflictRow, ConflictsData, Offer, Rebooking, OFFERS};

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::Settling;
use crate::domain::access::Permission;
use crate::domain::appointment::Confirmation;
use crate::ui::command::Command;
use crate::ui::event::{Latest, PaneDone};
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::local;
use crate::ui::theme::Theme;

/// A sub-step of the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Browsing the queue.
    Browse,
    /// Choosing the free slot to move the selected booking into.
    Offers {
        /// Index into the booking's offers.
        selected: usize,
    },
    /// Asking before the selected booking is cancelled.
    Cancel,
    /// Typing the reason for dismissing the selected refused change.
    Dismiss,
}

/// The conflicts pane.
pub struct ConflictsPane {
    tz: chrono_tz::Tz,
    /// The queue once read, or the desk's refusal.
    data: Option<Result<ConflictsData, String>>,
    /// A load is under way.
    loading: bool,
    /// Numbers loads so that only the latest is shown.
    loads: Latest,
    /// Index into the rows.
    selected: usize,
    mode: Mode,
    /// Where the list was drawn last, relative to the pane.
    list_area: Rect,
    /// The first row drawn in the list last.
    offset: usize,
    /// The count the last load found, until the status bar takes it.
    count: Option<u64>,
    /// The reason typed for a dismissal.
    reason: Input,
}

impl ConflictsPane {
    /// A conflicts pane; nothing is read until it is shown.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            tz: desk.policy().institution.time_zone,
            data: None,
            loading: false,
            loads: Latest::default(),
            selected: 0,
            mode: Mode::Browse,
            list_area: Rect::default(),
            offset: 0,
            count: None,
            reason: Input::new(),
        }
    }

    fn rows(&self) -> &[ConflictRow] {
        match &self.data {
            Some(Ok(d)) => &d.rows,
            _ => &[],
        }
    }

    fn current(&self) -> Option<&ConflictRow> {
        self.rows().get(self.selected)
    }

    /// The selected booking that needs rebooking, if that is what is selected.
    fn rebooking(&self) -> Option<&Rebooking> {
        self.current().and_then(|r| r.rebooking.as_ref())
    }

    /// Reads the queue again as a job (the latest load wins).
    fn load(&mut self, cx: &mut Cx<'_>) {
        let ticket = self.loads.issue();
        self.loading = true;
        let latest = self.loads.clone();
        cx.spawn(PaneId::Conflicts, "reading the conflicts queue", move |desk| {
            let data = if latest.is_current(ticket) {
                load::fetch(desk).map_err(|e| e.to_string())
            } else {
                Err("replaced by a later load".into())
            };
            PaneDone::Conflicts(ticket, Box::new(data))
        });
    }

    /// Takes a load's result, keeping the selected conflict (and offer) when still there.
    fn loaded(&mut self, result: Result<ConflictsData, String>, cx: &mut Cx<'_>) {
        let record = self.current().map(|r| r.view.record.clone());
        let slot = match self.mode {
            Mode::Offers { selected } => self
                .rebooking()
                .and_then(|b| b.offers.as_ref().ok())
                .and_then(|o| o.get(selected))
                .map(|o| o.slot.id),
            _ => None,
        };
        match &result {
            Ok(d) => self.count = Some(d.rows.len() as u64),
            Err(e) => cx.problem(format!("the conflicts queue cannot be shown: {e}")),
        }
        self.data = Some(result);
        let rows = self.rows();
        let found = record.and_then(|rec| rows.iter().position(|r| r.view.record == rec));
        self.selected = found.unwrap_or(self.selected).min(rows.len().saturating_sub(1));
        self.mode = match (self.mode, found) {
            (Mode::Browse, _) | (_, None) => Mode::Browse,
            (Mode::Cancel, Some(_)) if self.rebooking().is_some() => Mode::Cancel,
            (Mode::Offers { .. }, Some(_)) => {
                let offers = self.rebooking().and_then(|b| b.offers.as_ref().ok());
                match offers.and_then(|o| o.iter().position(|o| Some(o.slot.id) == slot)) {
                    Some(selected) => Mode::Offers { selected },
                    None => Mode::Browse,
                }
            }
            _ => Mode::Browse,
        };
    }

    /// `m` or enter on a booking: choose one of its free slots.
    fn open_offers(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            return cx.problem("nothing waits in the conflicts queue");
        };
        let Some(b) = &row.rebooking else {
            return cx.problem(
                "that is another desk's change, which could not be merged here: it says what to do; \
                 only bookings that need rebooking are moved from this pane",
            );
        };
        match &b.offers {
            Err(e) => cx.problem(format!("no slots can be offered: {e}")),
            Ok(o) if o.is_empty() => cx.problem(format!(
                "no free {} slot in the coming weeks: find one in the calendar, or cancel this booking (x)",
                b.appointment.appointment_type
            )),
            Ok(_) => self.mode = Mode::Offers { selected: 0 },
        }
    }

    /// Moves the selected booking into the chosen free slot.
    fn move_into(&mut self, chosen: usize, cx: &mut Cx<'_>) {
        let Some(b) = self.rebooking().cloned() else {
            self.mode = Mode::Browse;
            return;
        };
        let Some(offer) = b.offers.as_ref().ok().and_then(|o| o.get(chosen)).cloned() else {
            self.mode = Mode::Browse;
            return cx.problem("that slot is no longer on offer; choose another");
        };
        self.mode = Mode::Browse;
        match cx.desk.rebook_into(b.appointment.id, offer.slot.id) {
            Ok(new) => {
                let until = match new.confirmation {
                    Confirmation::Provisional { .. } => " (provisional until the next sync)",
                    _ => "",
                };
                cx.done(format!(
                    "Moved {} into {} {} with {}{until}; the booking that lost its slot is cancelled.",
                    b.client,
                    local(self.tz, new.start),
                    new.appointment_type,
                    offer.consultant
                ));
                *cx.messages_queued = true;
            }
            Err(e) => cx.problem(format!("not moved, nothing changed: {e}")),
        }
        self.load(cx);
    }

    /// `x`: asks before cancelling the selected booking.
    fn ask_cancel(&mut self, cx: &mut Cx<'_>) {
        if self.rebooking().is_some() {
            self.mode = Mode::Cancel;
        } else if self.current().is_some() {
            cx.problem("only a booking that needs rebooking can be cancelled from this pane");
        } else {
            cx.problem("nothing waits in the conflicts queue");
        }
    }

    /// Cancels the selected booking, once confirmed.
    fn cancel(&mut self, cx: &mut Cx<'_>) {
        self.mode = Mode::Browse;
        let Some(b) = self.rebooking().cloned() else { return };
        match cx.desk.cancel(b.appointment.id) {
            Ok(_) => {
                cx.done(format!(
                    "Cancelled the booking of {} ({} {}) that needed rebooking; it held no slot.",
                    b.client,
                    b.appointment.appointment_type,
                    local(self.tz, b.appointment.start)
                ));
                *cx.messages_queued = true;
            }
            Err(e) => cx.problem(format!("not cancelled: {e}")),
        }
        self.load(cx);
    }

    /// `a`: merges the selected change from another desk again, through the desk, once what
    /// stopped it is settled; still stopped, it says what stops it now.
    fn merge_again(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            return cx.problem("nothing waits in the conflicts queue");
        };
        if row.rebooking.is_some() {
            return cx.problem("that booking needs rebooking: move it into a free slot (m) or cancel it (x)");
        }
        if row.view.kind == "event_bookings" {
            return cx.problem("that event booking lost its place: tell the client, then record it (t)");
        }
        let change = format!("{}:{}", row.view.device, row.view.seq);
        match cx.desk.retry_conflict(&change) {
            Ok(done) if done.merged => cx.done(format!(
                "Merged the change from another desk ({} record(s) written); it is off the queue.",
                done.records
            )),
            Ok(done) => cx.problem(format!(
                "still not merged: {}",
                done.what.unwrap_or_else(|| "it waits as before".into())
            )),
            Err(e) => cx.problem(format!("not merged: {e}")),
        }
        self.load(cx);
    }

    /// `d`: asks for the reason before the selected refused change leaves the queue.
    fn ask_dismiss(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            return cx.problem("nothing waits in the conflicts queue");
        };
        if row.view.settle != Settling::Dismiss {
            return cx.problem(
                "only a change made here that the sync server refused is dismissed; this one is settled as it says",
            );
        }
        if !cx.desk.may(Permission::DismissRefused) {
            return cx.problem(
                "your role may not dismiss a refused change: once it is done again, ask a supervisor to dismiss it",
            );
        }
        self.reason.clear();
        self.mode = Mode::Dismiss;
    }

    /// Dismisses the selected refused change with the reason typed, through the desk.
    fn dismiss(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            self.mode = Mode::Browse;
            return;
        };
        let change = format!("{}:{}", row.view.device, row.view.seq);
        match cx.desk.dismiss_refused(&change, self.reason.value()) {
            Ok(_) => {
                self.mode = Mode::Browse;
                cx.done("Dismissed the refused change; it is off the queue and the dismissal is in the audit log.");
                self.load(cx);
            }
            // The reason stays to be corrected; esc leaves it.
            Err(e) => cx.problem(format!("not dismissed: {e}")),
        }
    }

    /// `t`: records that the client of the selected event booking that lost its place was
    /// told; it stays on the waiting list and leaves the queue.
    fn client_told(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            return cx.problem("nothing waits in the conflicts queue");
        };
        if row.view.kind != "event_bookings" {
            return cx.problem("only an event booking that lost its place is marked as told");
        }
        let Some(id) = u128::from_str_radix(&row.view.record, 16)
            .ok()
            .map(crate::domain::ids::EventBookingId)
        else {
            return cx.problem("that line names no event booking");
        };
        match cx.desk.place_loss_told(&id.to_string()) {
            Ok(b) => cx.done(format!(
                "Recorded that the client was told; the booking stays {} and is off the queue.",
                crate::domain::event_places::state_word(b.state)
            )),
            Err(e) => cx.problem(format!("not recorded: {e}")),
        }
        self.load(cx);
    }

    fn offer_count(&self) -> usize {
        self.rebooking()
            .and_then(|b| b.offers.as_ref().ok())
            .map_or(0, Vec::len)
    }
}

impl Pane for ConflictsPane {
    fn id(&self) -> PaneId {
        PaneId::Conflicts
    }

    fn typing(&self) -> bool {
        self.mode == Mode::Dismiss
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.load(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        match self.mode {
            Mode::Dismiss => match cmd {
                Command::Select => self.dismiss(cx),
                Command::Back => {
                    self.mode = Mode::Browse;
                    cx.done("Not dismissed; the refused change still waits.");
                }
                _ => {}
            },
            Mode::Cancel => match cmd {
                Command::Select => self.cancel(cx),
                Command::Back => {
                    self.mode = Mode::Browse;
                    cx.done("Kept the booking; it still needs rebooking.");
                }
                c if is_movement(c) => {}
                _ => return false,
            },
            Mode::Offers { selected } => match cmd {
                c if is_movement(c) => {
                    let n = self.offer_count();
                    self.mode = Mode::Offers {
                        selected: move_selection(selected, n, c, n),
                    };
                }
                Command::Select | Command::RebookInto => self.move_into(selected, cx),
                Command::CancelRebooking => self.ask_cancel(cx),
                Command::Back => self.mode = Mode::Browse,
                Command::Refresh => self.load(cx),
                _ => return false,
            },
            Mode::Browse => match cmd {
                c if is_movement(c) => {
                    let page = self.list_area.height.saturating_sub(2) as usize;
                    self.selected = move_selection(self.selected, self.rows().len(), c, page);
                }
                Command::Select | Command::RebookInto => self.open_offers(cx),
                Command::CancelRebooking => self.ask_cancel(cx),
                Command::MergeAgain => self.merge_again(cx),
                Command::ClientTold => self.client_told(cx),
                Command::DismissRefused => self.ask_dismiss(cx),
                Command::Refresh => self.load(cx),
                _ => return false,
            },
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> bool {
        self.mode == Mode::Dismiss && self.reason.handle(key)
    }

    fn click(&mut self, column: u16, row: u16, _cx: &mut Cx<'_>) {
        let a = self.list_area;
        if self.mode != Mode::Browse || column < a.x || column >= a.x + a.width || row <= a.y {
            return;
        }
        // The first row sits under the list's top border.
        let line = row - a.y - 1;
        if line >= a.height.saturating_sub(2) {
            return;
        }
        let i = line as usize + self.offset;
        if i < self.rows().len() {
            self.selected = i;
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.draw(frame, area, th);
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::RebookInto,
            Command::CancelRebooking,
            Command::MergeAgain,
            Command::ClientTold,
            Command::DismissRefused,
            Command::Refresh,
            Command::SyncNow,
            Command::Help,
        ]
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        let PaneDone::Conflicts(ticket, result) = done else {
            return;
        };
        if !self.loads.is_current(ticket) {
            return;
        }
        self.loading = false;
        self.loaded(*result, cx);
    }

    fn synced(&mut self, on_show: bool, cx: &mut Cx<'_>) {
        if on_show {
            self.load(cx);
        }
    }

    fn take_conflict_count(&mut self) -> Option<u64> {
        self.count.take()
    }
}

#[cfg(test)]
mod tests;
