//! The calendar's changes to slots: a series over a term (a form), and withdrawing the
//! selected free slot (after asking). Anything that cannot be done says why.

use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::view::local_short;
use super::{CalendarPane, Mode};
use crate::domain::access::Permission;
use crate::domain::appointment::Slot;
use crate::ui::command::Command;
use crate::ui::pane::{is_movement, Cx};
use crate::ui::panes::series_form::{SeriesForm, SeriesResult};
use crate::ui::panes::widgets::block;
use crate::ui::theme::{SlotState, Theme};

impl CalendarPane {
    /// Opens the series form for the consultant on show (else the operator), from the day on show.
    pub(super) fn start_series(&mut self, cx: &mut Cx<'_>) {
        if let Err(e) = cx.desk.require(Permission::ManageSlots) {
            return cx.problem(e.to_string());
        }
        let login = match self.consultant {
            Some(id) => self.login(id),
            None => cx.desk.operator().login.to_string(),
        };
        self.mode = Mode::Series(Box::new(SeriesForm::new(cx.desk, &login, self.date)));
    }

    /// Asks to confirm withdrawing the selected slot, or says why it cannot be withdrawn.
    pub(super) fn start_withdraw(&mut self, cx: &mut Cx<'_>) {
        let Some(row) = self.current() else {
            return cx.problem("no slot selected: there are no slots on show");
        };
        let why_not = match row.state {
            SlotState::Withdrawn => Some("that slot is already withdrawn".to_string()),
            SlotState::Free if row.slot.end() <= cx.desk.now() => {
                Some("that slot is over; it stays in the calendar as history".to_string())
            }
            SlotState::Free => None,
            SlotState::Booked | SlotState::CheckedIn => Some(format!(
                "that slot is booked{}; cancel the booking first (clients pane, x), then withdraw the slot",
                row.client.as_ref().map_or(String::new(), |c| format!(" by {c}"))
            )),
            _ => Some(format!(
                "that slot was held ({}); it stays in the calendar as history",
                row.state.label()
            )),
        };
        if let Some(why) = why_not {
            return cx.problem(why);
        }
        if let Err(e) = cx.desk.require(Permission::ManageSlots) {
            return cx.problem(e.to_string());
        }
        self.mode = Mode::Withdraw(Box::new(row.slot.clone()));
    }

    /// Handles a command while the series form or the withdrawal question is open; `None`
    /// when neither is.
    pub(super) fn action_command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> Option<bool> {
        match &mut self.mode {
            Mode::Series(form) => {
                let result = form.command(cmd, cx.desk);
                match result {
                    None => Some(false),
                    Some(SeriesResult::Stay) => Some(true),
                    Some(SeriesResult::Closed) => {
                        self.mode = Mode::Browse;
                        Some(true)
                    }
                    Some(SeriesResult::Made(report)) => {
                        self.mode = Mode::Browse;
                        let who = report
                            .made
                            .first()
                            .map_or_else(String::new, |s| self.login(s.consultant));
                        cx.done(format!(
                            "Series made: {} slot(s) for {who}, {} day(s) or time(s) skipped (series {}).",
                            report.made.len(),
                            report.skipped.len(),
                            report.series
                        ));
                        self.load(cx);
                        Some(true)
                    }
                }
            }
            Mode::Withdraw(slot) => {
                let slot = slot.as_ref().clone();
                match cmd {
                    Command::Select => {
                        self.mode = Mode::Browse;
                        match cx.desk.withdraw_slot(slot.id) {
                            Ok(s) => {
                                cx.done(format!("Withdrew the slot {}.", self.describe(&s)));
                                self.load(cx);
                            }
                            Err(e) => cx.problem(e.to_string()),
                        }
                    }
                    Command::Back => {
                        self.mode = Mode::Browse;
                        cx.done("Kept the slot.");
                    }
                    c if is_movement(c) => {}
                    _ => return Some(false),
                }
                Some(true)
            }
            _ => None,
        }
    }

    /// "Tue 1 Dec 10:00 guidance with cons1 at atrium-pod-1".
    fn describe(&self, s: &Slot) -> String {
        format!(
            "{} {} with {} at {}",
            local_short(self.tz, s.start),
            s.appointment_type,
            self.login(s.consultant),
            s.location
        )
    }

    /// Draws the series form or the withdrawal question over the calendar.
    pub(super) fn render_action(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        match &self.mode {
            Mode::Series(form) => form.render(frame, popup(area, 84, 24), th),
            Mode::Withdraw(slot) => {
                let r = popup(area, 72, 6);
                frame.render_widget(Clear, r);
                let text = vec![
                    Line::raw(format!("Withdraw the free slot {}?", self.describe(slot))),
                    Line::styled("It stays as history and can no longer be booked.", th.dim),
                    Line::styled("enter withdraws it · esc keeps it", th.dim),
                ];
                frame.render_widget(
                    Paragraph::new(text)
                        .block(block("Withdraw slot", th, true))
                        .wrap(Wrap { trim: false }),
                    r,
                );
            }
            _ => {}
        }
    }
}

/// A box of `width` x `height` centred in `area`.
fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}
