//! The clients pane's event handling: commands, keys, clicks and the results of its jobs.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{ClientsPane, Mode};
use crate::domain::appointment::Appointment;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::theme::Theme;

impl Pane for ClientsPane {
    fn id(&self) -> PaneId {
        PaneId::Clients
    }

    fn typing(&self) -> bool {
        (self.searching && matches!(self.mode, Mode::Browse))
            || matches!(self.mode, Mode::Form(_) | Mode::Erase { .. } | Mode::Record(_))
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.reload_card(cx);
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if matches!(self.mode, Mode::Form(_)) {
            return self.form_command(cmd, cx);
        }
        if matches!(self.mode, Mode::Erase { .. }) {
            match cmd {
                Command::Select => self.erase_step(cx),
                Command::Back => self.mode = Mode::Browse,
                _ => return false,
            }
            return true;
        }
        if let Some(handled) = self.section_command(cmd, cx) {
            return handled;
        }
        if is_movement(cmd) {
            let page = self.list_area.height.saturating_sub(2) as usize;
            match &mut self.mode {
                Mode::Browse => {
                    self.selected = move_selection(self.selected, self.matches.len(), cmd, page);
                    if !self.searching {
                        self.load_card(cx);
                    }
                }
                Mode::BookType { selected } => {
                    let n = self.card.as_ref().map_or(0, |c| c.eligibility.len());
                    *selected = move_selection(*selected, n, cmd, page);
                }
                Mode::BookSlot { slots, selected, .. } => *selected = move_selection(*selected, slots.len(), cmd, page),
                Mode::FindingSlots { .. } | Mode::Erase { .. } => {}
                Mode::Cancel { bookings, selected } => *selected = move_selection(*selected, bookings.len(), cmd, page),
                Mode::Form(_) | Mode::Section { .. } | Mode::Record(_) | Mode::Attachment { .. } => {}
            }
            return true;
        }
        match cmd {
            Command::Select => self.choose(cx),
            Command::Back => match &self.mode {
                // A step of booking goes back to the one before; choosing a type, to the card.
                Mode::BookSlot { .. } | Mode::FindingSlots { .. } => self.mode = Mode::BookType { selected: 0 },
                Mode::BookType { .. }
                | Mode::Cancel { .. }
                | Mode::Form(_)
                | Mode::Erase { .. }
                | Mode::Section { .. }
                | Mode::Record(_)
                | Mode::Attachment { .. } => self.mode = Mode::Browse,
                // Leave the search box, keeping what was typed: letters work as commands again.
                Mode::Browse if self.searching => self.searching = false,
                Mode::Browse => return false,
            },
            Command::Search => {
                self.mode = Mode::Browse;
                self.searching = true;
            }
            Command::Refresh => {
                cx.spawn(PaneId::Clients, "rebuilding the client lookup", |desk| {
                    PaneDone::Index(desk.rebuild_lookup().map(Box::new).map_err(|e| e.to_string()))
                });
                self.reload_card(cx);
            }
            Command::Book => match &self.card {
                Some(_) => self.mode = Mode::BookType { selected: 0 },
                None => cx.problem("choose a client first: type part of a name, then enter"),
            },
            Command::CancelBooking => {
                let bookings = self.upcoming();
                if self.card.is_none() {
                    cx.problem("choose a client first: type part of a name, then enter");
                } else if bookings.is_empty() {
                    cx.problem("this client has no upcoming bookings to cancel");
                } else {
                    self.mode = Mode::Cancel { bookings, selected: 0 };
                }
            }
            Command::AddClient => self.start_form(true, cx),
            Command::EditClient => self.start_form(false, cx),
            Command::EraseClient => self.start_erase(cx),
            Command::CardSection => self.next_section(cx),
            Command::OpenAttachment => self.attachments_to_open(cx),
            Command::EscalateComplaint => self.complaints_to_escalate(cx),
            Command::GiveConsent | Command::WithdrawConsent | Command::AddEnquiry | Command::AddFeedback => {
                self.start_record(cmd, cx);
            }
            Command::CheckIn if self.card.is_none() => {
                cx.problem("choose a client first: type part of a name, then enter");
            }
            Command::CheckIn => {
                let today = cx.desk.today();
                let due: Vec<Appointment> = self
                    .upcoming()
                    .into_iter()
                    .filter(|a| cx.desk.policy().local_date(a.start) == today)
                    .collect();
                match due.first() {
                    Some(a) => match cx.desk.check_in(a.id) {
                        Ok(_) => {
                            cx.done(format!(
                                "Checked in for {} at {}.",
                                a.appointment_type,
                                cx.desk.local_time(a.start).format("%H:%M")
                            ));
                            self.reload_card(cx);
                        }
                        Err(e) => cx.problem(e.to_string()),
                    },
                    None => cx.problem("no booking today to check in for; `a` adds them to the drop-in queue"),
                }
            }
            Command::QueueAdd => match &self.card {
                Some(card) => match cx.desk.queue_add_client(&card.client) {
                    Ok(_) => cx.done(format!("{} added to the drop-in queue.", card.client.name)),
                    Err(e) => cx.problem(e.to_string()),
                },
                None => cx.problem("choose a client first"),
            },
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        if let Mode::Form(form) = &mut self.mode {
            form.key(key);
            return true;
        }
        if let Mode::Record(form) = &mut self.mode {
            form.key(key);
            return true;
        }
        if let Mode::Erase { step, reason, confirm } = &mut self.mode {
            match step {
                super::EraseStep::Reason => reason.handle(key),
                super::EraseStep::Confirm => confirm.handle(key),
            };
            return true;
        }
        if self.typing() && self.search.handle(key) {
            self.refilter(cx);
            return true;
        }
        false
    }

    fn click(&mut self, column: u16, row: u16, cx: &mut Cx<'_>) {
        let a = self.list_area;
        if column < a.width && row > a.y && row < a.y + a.height.saturating_sub(1) {
            let i = (row - a.y - 1) as usize;
            if i < self.matches.len() && matches!(self.mode, Mode::Browse) {
                self.selected = i;
                self.searching = false;
                self.load_card(cx);
            }
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.draw(frame, area, th);
    }

    fn directory_ready(&mut self, cx: &mut Cx<'_>) {
        self.refilter(cx);
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        match done {
            PaneDone::ClientMatches(ticket, found) => {
                if self.waiting != Some(ticket) {
                    return;
                }
                self.waiting = None;
                self.matches = found.unwrap_or_default();
                let keep = self.keep.take();
                self.selected = keep
                    .and_then(|id| self.matches.iter().position(|m| m.id == id))
                    .unwrap_or(0);
                if std::mem::take(&mut self.open_when_found) {
                    self.choose(cx);
                }
            }
            PaneDone::Index(Ok(index)) => {
                self.index.set(*index);
                self.refilter(cx);
                cx.done("Client lookup rebuilt.");
            }
            PaneDone::Index(Err(e)) => cx.problem(format!("client lookup could not be rebuilt: {e}")),
            PaneDone::FreeSlots(type_id, result) => self.slots_found(type_id, result, cx),
            PaneDone::CardSections(loaded) => self.sections_loaded(*loaded),
            _ => {}
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Search,
            Command::Select,
            Command::Book,
            Command::CancelBooking,
            Command::CheckIn,
            Command::QueueAdd,
            Command::AddClient,
            Command::EditClient,
            Command::CardSection,
            Command::NextPane,
            Command::Quit,
            Command::Help,
        ]
    }
}
