//! The notes pane's event handling: commands (writing, recording an outcome, re-booking after
//! a technical failure, reading), keys, clicks and the results of its jobs.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{Mode, NotesPane, OUTCOMES};
use crate::desk::DayLine;
use crate::domain::appointment::Outcome;
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::local;
use crate::ui::theme::Theme;

impl Pane for NotesPane {
    fn id(&self) -> PaneId {
        PaneId::Notes
    }

    fn typing(&self) -> bool {
        matches!(self.mode, Mode::Writing { .. } | Mode::BreakGlass { .. })
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        if matches!(self.mode, Mode::Browse) {
            self.reload(cx);
        }
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        if let Mode::Writing { confirm_discard, .. } = &mut self.mode {
            match cmd {
                Command::SaveNote => self.save(cx),
                Command::Back if *confirm_discard => {
                    self.mode = Mode::Browse;
                    cx.done("Note discarded.");
                }
                Command::Back => {
                    *confirm_discard = true;
                    cx.problem("press esc again to discard this note, or ctrl-s to save it");
                }
                _ => return false,
            }
            return true;
        }
        if let Mode::Outcome { appointment, selected } = &mut self.mode {
            match cmd {
                c if is_movement(c) => *selected = move_selection(*selected, OUTCOMES.len(), c, 4),
                Command::Select => {
                    let (outcome, _) = OUTCOMES[(*selected).min(OUTCOMES.len() - 1)];
                    let id = appointment.id;
                    match cx.desk.record_outcome(id, outcome) {
                        Ok(_) => {
                            cx.done(format!("Outcome recorded: {}.", outcome.code()));
                            self.mode = Mode::Browse;
                            self.reload(cx);
                            if outcome == Outcome::EndedTechnical {
                                // APPT-10: offer the next slots, this consultant's today first
                                // (weeks of everyone's slots are read: a job).
                                cx.spawn(PaneId::Notes, "looking for slots to re-book", move |desk| {
                                    PaneDone::RebookOffers(desk.rebook_offers(id, 8).map_err(|e| e.to_string()))
                                });
                            }
                        }
                        Err(e) => cx.problem(e.to_string()),
                    }
                }
                Command::Back => self.mode = Mode::Browse,
                _ => return false,
            }
            return true;
        }
        if let Mode::Rebook { offers, selected } = &mut self.mode {
            match cmd {
                c if is_movement(c) => *selected = move_selection(*selected, offers.len(), c, 8),
                Command::Select => {
                    let (Some(slot), Some(client)) = (offers.get(*selected).cloned(), self.client.clone()) else {
                        return true;
                    };
                    match cx.desk.book_slot(&client, slot.id, cx.desk.now()) {
                        Ok(a) => {
                            *cx.messages_queued = true;
                            cx.done(format!("Re-booked for {}.", local(self.tz, a.start)));
                            self.mode = Mode::Browse;
                            self.reload(cx);
                        }
                        Err(e) => cx.problem(e.to_string()),
                    }
                }
                Command::Back => self.mode = Mode::Browse,
                _ => return false,
            }
            return true;
        }
        if matches!(self.mode, Mode::BreakGlass { .. }) {
            match cmd {
                Command::Select => self.break_glass(cx),
                Command::Back => self.mode = Mode::Browse,
                _ => return false,
            }
            return true;
        }
        if matches!(self.mode, Mode::Reading(_)) {
            if matches!(cmd, Command::Back | Command::Select | Command::ReadNote) {
                self.mode = Mode::Browse;
                return true;
            }
            return false;
        }
        let len = if self.client.is_some() {
            self.rows.len()
        } else {
            self.today.len()
        };
        if is_movement(cmd) {
            self.selected = move_selection(self.selected, len, cmd, 10);
            return true;
        }
        match cmd {
            Command::Select if self.client.is_none() => match self.today.get(self.selected) {
                Some(DayLine {
                    appointment: Some(a), ..
                }) => {
                    *cx.client = Some(a.client);
                    self.selected = 0;
                    self.reload(cx);
                }
                Some(_) => cx.problem("that slot is free: nobody to open"),
                None => cx.problem("you have no slots today: nothing to open"),
            },
            Command::Select | Command::ReadNote => self.read(cx),
            Command::Back if self.client.is_some() => {
                *cx.client = None;
                self.selected = 0;
                self.reload(cx);
            }
            Command::WriteNote => self.start_writing(cx),
            Command::RecordOutcome => match self.selected_appointment() {
                Some(a) => {
                    self.mode = Mode::Outcome {
                        appointment: a.clone(),
                        selected: 0,
                    }
                }
                None => cx.problem("choose an appointment row to record its outcome"),
            },
            Command::Refresh => self.reload(cx),
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, _cx: &mut Cx<'_>) -> bool {
        if let Mode::BreakGlass { input, .. } = &mut self.mode {
            return input.handle(key);
        }
        if let Mode::Writing {
            editor,
            confirm_discard,
            ..
        } = &mut self.mode
        {
            *confirm_discard = false;
            editor.input(*key);
            return true;
        }
        false
    }

    fn click(&mut self, _column: u16, row: u16, _cx: &mut Cx<'_>) {
        if matches!(self.mode, Mode::Browse) && row >= 2 {
            let len = if self.client.is_some() {
                self.rows.len()
            } else {
                self.today.len()
            };
            let i = (row - 2) as usize;
            if i < len {
                self.selected = i;
            }
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.draw(frame, area, th);
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        let PaneDone::RebookOffers(result) = done else { return };
        // Offered only if nothing else was started meanwhile.
        if !matches!(self.mode, Mode::Browse) {
            return;
        }
        match result {
            Ok(offers) if !offers.is_empty() => self.mode = Mode::Rebook { offers, selected: 0 },
            Ok(_) => cx.problem("no free slot of that type soon: refer the client to the enquiries team"),
            Err(e) => cx.problem(e),
        }
    }

    fn featured(&self) -> &'static [Command] {
        match self.mode {
            Mode::Writing { .. } => &[Command::SaveNote, Command::Back],
            _ => &[
                Command::Select,
                Command::ReadNote,
                Command::WriteNote,
                Command::RecordOutcome,
                Command::Back,
                Command::NextPane,
                Command::Help,
            ],
        }
    }
}
