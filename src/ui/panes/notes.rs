//! Notes for the selected client: their appointments with notes under each, reading a note
//! (consultants and supervisors only; every read is logged, SEC-04), writing the note for an
//! appointment (labelled by its setting, APPT-07) and recording the outcome. With no client
//! selected it shows the operator's day, so a consultant opens straight into client and notes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;
use ratatui_textarea::TextArea;

use crate::desk::{DayLine, NoteSummary, StaffName};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, Outcome, Slot};
use crate::domain::client::Client;
use crate::domain::ids::{NoteId, OperatorId};
use crate::domain::note::{Confidentiality, Note};
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::pane::{is_movement, move_selection, Cx, Pane, PaneId};
use crate::ui::panes::widgets::{block, list, local};
use crate::ui::screens::centred;
use crate::ui::theme::{SlotState, Theme};

/// One row of the client's history.
enum Row {
    /// An appointment.
    Appointment(Appointment),
    /// A note (without its body), under its appointment or on its own.
    Note(NoteSummary),
}

enum Mode {
    /// Browsing the rows.
    Browse,
    /// Reading a note's body.
    Reading(Note),
    /// Writing a note.
    Writing {
        editor: Box<TextArea<'static>>,
        appointment: Option<Appointment>,
        confirm_discard: bool,
    },
    /// Choosing an outcome for an appointment.
    Outcome { appointment: Appointment, selected: usize },
    /// Offering another slot after a technical failure (APPT-10).
    Rebook { offers: Vec<Slot>, selected: usize },
}

const OUTCOMES: [(Outcome, &str); 4] = [
    (Outcome::Attended, "attended"),
    (Outcome::NoShow, "no-show (did not come, did not cancel)"),
    (Outcome::LateCancel, "late cancellation (cancelled after the start)"),
    (
        Outcome::EndedTechnical,
        "ended: technical failure (consumes nothing, APPT-10)",
    ),
];

/// The notes pane.
pub struct NotesPane {
    client: Option<Client>,
    rows: Vec<Row>,
    today: Vec<DayLine>,
    selected: usize,
    mode: Mode,
    staff: HashMap<OperatorId, StaffName>,
    may_read: bool,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
}

impl NotesPane {
    /// A pane with nothing loaded yet.
    pub fn new(desk: &crate::desk::Desk) -> Self {
        Self {
            client: None,
            rows: Vec::new(),
            today: Vec::new(),
            selected: 0,
            mode: Mode::Browse,
            staff: HashMap::new(),
            may_read: desk.may(Permission::ReadNoteBodies),
            tz: desk.policy().institution.time_zone,
            now: desk.now(),
        }
    }

    fn reload(&mut self, cx: &mut Cx<'_>) {
        let desk = cx.desk;
        self.now = desk.now();
        if self.staff.is_empty() {
            self.staff = desk.staff_names().unwrap_or_default();
        }
        let Some(id) = *cx.client else {
            self.client = None;
            self.rows.clear();
            match desk.my_day() {
                Ok(day) => self.today = day,
                Err(e) => cx.problem(e.to_string()),
            }
            self.selected = self.selected.min(self.today.len().saturating_sub(1));
            return;
        };
        let loaded = (|| -> Result<(Client, Vec<Row>), crate::desk::DeskError> {
            let client = desk.client(id)?;
            let mut appointments = desk.client_appointments(id)?;
            appointments.reverse();
            let notes = desk.notes_for(id)?;
            let mut rows = Vec::new();
            for a in appointments {
                let id = a.id;
                rows.push(Row::Appointment(a));
                for n in notes.iter().filter(|n| n.appointment == Some(id)) {
                    rows.push(Row::Note(n.clone()));
                }
            }
            for n in notes.iter().filter(|n| n.appointment.is_none()) {
                rows.push(Row::Note(n.clone()));
            }
            Ok((client, rows))
        })();
        match loaded {
            Ok((client, rows)) => {
                self.client = Some(client);
                self.rows = rows;
                self.selected = self.selected.min(self.rows.len().saturating_sub(1));
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn selected_appointment(&self) -> Option<&Appointment> {
        match self.rows.get(self.selected)? {
            Row::Appointment(a) => Some(a),
            Row::Note(_) => None,
        }
    }

    fn who(&self, id: Option<OperatorId>) -> String {
        id.and_then(|i| self.staff.get(&i))
            .map_or_else(|| "?".into(), |s| s.login.clone())
    }

    fn read(&mut self, cx: &mut Cx<'_>) {
        let Some(Row::Note(n)) = self.rows.get(self.selected) else {
            cx.problem("choose a note (the indented rows) to read");
            return;
        };
        match cx.desk.read_note(n.id) {
            Ok(note) => self.mode = Mode::Reading(note),
            Err(e) => cx.problem(e.to_string()),
        }
    }

    fn start_writing(&mut self, cx: &mut Cx<'_>) {
        if self.client.is_none() {
            cx.problem("choose a client first (clients pane, or enter on today's list)");
            return;
        }
        if !cx.desk.may(Permission::WriteNotes) {
            cx.problem("writing notes is for consultants and supervisors");
            return;
        }
        let appointment = self.selected_appointment().cloned();
        let mut editor = TextArea::default();
        editor.set_placeholder_text("Write what was discussed and agreed. ctrl-s saves, esc twice discards.");
        self.mode = Mode::Writing {
            editor: Box::new(editor),
            appointment,
            confirm_discard: false,
        };
    }

    fn save(&mut self, cx: &mut Cx<'_>) {
        let Mode::Writing {
            editor, appointment, ..
        } = &self.mode
        else {
            return;
        };
        let Some(client) = &self.client else { return };
        let body = editor.lines().join("\n");
        match cx.desk.write_note(client.id, appointment.as_ref().map(|a| a.id), &body) {
            Ok(note) => {
                let label = match note.confidentiality {
                    Confidentiality::Confidential => "confidential",
                    Confidentiality::NotConfidential => "not confidential",
                };
                cx.done(format!("Note saved ({label} setting)."));
                self.mode = Mode::Browse;
                self.reload(cx);
            }
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// The note id of the selected row, if it is a note.
    pub fn selected_note(&self) -> Option<NoteId> {
        match self.rows.get(self.selected)? {
            Row::Note(n) => Some(n.id),
            Row::Appointment(_) => None,
        }
    }
}

impl Pane for NotesPane {
    fn id(&self) -> PaneId {
        PaneId::Notes
    }

    fn typing(&self) -> bool {
        matches!(self.mode, Mode::Writing { .. })
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
        let [header, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        match &self.client {
            None => {
                frame.render_widget(
                    Paragraph::new(Line::styled(
                        "Your day: enter opens the client and their notes",
                        th.title,
                    )),
                    header,
                );
                let rows = self
                    .today
                    .iter()
                    .map(|line| {
                        let (s, a) = (&line.slot, &line.appointment);
                        let state = match a {
                            None => SlotState::Free,
                            Some(a) => match a.outcome() {
                                Some(o) => SlotState::Settled(o),
                                None if a.end() <= self.now => SlotState::Unresolved,
                                None => SlotState::Booked,
                            },
                        };
                        let client = line
                            .client
                            .as_ref()
                            .map_or(String::new(), |(name, sn)| format!("  {name} ({sn})"));
                        Line::from(vec![
                            Span::raw(format!("{}  {:<14} ", local(self.tz, s.start), s.appointment_type)),
                            Span::styled(format!("{:<14}", state.label()), state.style(th)),
                            Span::raw(client),
                        ])
                    })
                    .collect::<Vec<_>>();
                let empty = rows.is_empty();
                list(
                    frame,
                    body,
                    rows,
                    (!empty).then_some(self.selected),
                    block("Today", th, true),
                    th,
                );
            }
            Some(c) => {
                let hidden = if self.may_read {
                    ""
                } else {
                    "  · note bodies are for consultants and supervisors"
                };
                frame.render_widget(
                    Paragraph::new(Line::from(vec![
                        Span::styled(c.name.clone(), th.title),
                        Span::raw(format!("  {}  {}{hidden}", c.student_number, c.programme)),
                    ])),
                    header,
                );
                let rows = self
                    .rows
                    .iter()
                    .map(|r| match r {
                        Row::Appointment(a) => {
                            let state = match a.outcome() {
                                Some(o) => SlotState::Settled(o),
                                None if a.end() <= self.now => SlotState::Unresolved,
                                None => SlotState::Booked,
                            };
                            Line::from(vec![
                                Span::raw(format!(
                                    "{}  {:<14} {:<18} ",
                                    local(self.tz, a.start),
                                    a.appointment_type,
                                    a.location
                                )),
                                Span::styled(state.label(), state.style(th)),
                            ])
                        }
                        Row::Note(n) => {
                            let label = match n.confidentiality {
                                Confidentiality::Confidential => "confidential",
                                Confidentiality::NotConfidential => "not confidential",
                            };
                            let when = n.at.map(|t| local(self.tz, t)).unwrap_or_default();
                            let body = if self.may_read {
                                "r to read (logged)"
                            } else {
                                "body hidden for your role"
                            };
                            Line::styled(
                                format!(
                                    "    ✎ note · {label} · {} · {when} · {} rev. · {body}",
                                    self.who(n.author),
                                    n.revisions
                                ),
                                th.dim,
                            )
                        }
                    })
                    .collect::<Vec<_>>();
                let empty = rows.is_empty();
                list(
                    frame,
                    body,
                    rows,
                    (!empty).then_some(self.selected),
                    block("Appointments and notes", th, true),
                    th,
                );
            }
        }
        match &mut self.mode {
            Mode::Browse => {}
            Mode::Reading(note) => {
                let popup = centred(
                    area,
                    area.width.saturating_sub(8).max(20),
                    area.height.saturating_sub(4).max(6),
                );
                let label = match note.confidentiality {
                    Confidentiality::Confidential => "confidential setting",
                    Confidentiality::NotConfidential => "NOT a confidential setting",
                };
                let cur = note.current();
                let mut lines = vec![Line::styled(
                    format!(
                        "{label} · by {} · {} · revision {} of {}",
                        self.staff
                            .get(&cur.map_or(OperatorId(0), |r| r.by))
                            .map_or("?", |s| s.login.as_str()),
                        cur.map(|r| local(self.tz, r.at)).unwrap_or_default(),
                        note.revisions.len(),
                        note.revisions.len()
                    ),
                    th.dim,
                )];
                lines.push(Line::raw(""));
                for l in cur.map(|r| r.body.as_str()).unwrap_or_default().lines() {
                    lines.push(Line::raw(l.to_string()));
                }
                frame.render_widget(Clear, popup);
                frame.render_widget(
                    Paragraph::new(lines)
                        .block(block("Note (this read is logged) · esc closes", th, true))
                        .wrap(Wrap { trim: false }),
                    popup,
                );
            }
            Mode::Writing {
                editor, appointment, ..
            } => {
                let popup = centred(
                    area,
                    area.width.saturating_sub(6).max(20),
                    area.height.saturating_sub(2).max(6),
                );
                let title = match appointment {
                    Some(a) => format!(
                        "Note for {} {} · ctrl-s saves · esc esc discards",
                        a.appointment_type,
                        local(self.tz, a.start)
                    ),
                    None => "Note (no appointment) · ctrl-s saves · esc esc discards".into(),
                };
                editor.set_block(block(&title, th, true));
                frame.render_widget(Clear, popup);
                frame.render_widget(&**editor, popup);
            }
            Mode::Rebook { offers, selected } => {
                let popup = centred(area, 76, (offers.len() as u16 + 2).min(area.height));
                let rows = offers
                    .iter()
                    .map(|s| {
                        let who = self.staff.get(&s.consultant).map_or("?", |n| n.login.as_str());
                        Line::raw(format!(
                            "{}  {}  {}  {}",
                            local(self.tz, s.start),
                            s.appointment_type,
                            who,
                            s.location
                        ))
                    })
                    .collect();
                frame.render_widget(Clear, popup);
                list(
                    frame,
                    popup,
                    rows,
                    Some(*selected),
                    block("Re-book (APPT-10): enter books, esc skips", th, true),
                    th,
                );
            }
            Mode::Outcome { appointment, selected } => {
                let popup = centred(area, 70, 8);
                let rows = OUTCOMES.iter().map(|(_, d)| Line::raw(d.to_string())).collect();
                frame.render_widget(Clear, popup);
                let title = format!(
                    "Outcome of {} {}",
                    appointment.appointment_type,
                    local(self.tz, appointment.start)
                );
                list(frame, popup, rows, Some(*selected), block(&title, th, true), th);
            }
        }
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
