//! Notes for the selected client: their appointments with notes under each, reading a note
//! (consultants and supervisors only; every read is logged, SEC-04), writing the note for an
//! appointment (labelled by its setting, APPT-07) and recording the outcome. With no client
//! selected it shows the operator's day, so a consultant opens straight into client and notes.
//!
//! The commands, keys and job results are in `events.rs`, the drawing in `view.rs`.

mod events;
mod view;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;

use crate::desk::{DayLine, NoteSummary, StaffName};
use crate::domain::access::Permission;
use crate::domain::appointment::{Appointment, Outcome, Slot};
use crate::domain::client::Client;
use crate::domain::ids::{NoteId, OperatorId};
use crate::domain::note::{AccessLevel, Confidentiality, Note, ReadAccess};
use crate::ui::input::Input;
use crate::ui::pane::Cx;

/// One row of the client's history.
enum Row {
    /// An appointment.
    Appointment(Box<Appointment>),
    /// A note (without its body), under its appointment or on its own.
    Note(NoteSummary),
}

enum Mode {
    /// Browsing the rows.
    Browse,
    /// Reading a note's body.
    Reading(Note),
    /// Asking the break-glass reason for a note above the reader's level (SEC-04), instead of
    /// showing its body.
    BreakGlass {
        note: NoteId,
        level: AccessLevel,
        input: Input,
    },
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
                rows.push(Row::Appointment(Box::new(a)));
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
        if cx.desk.note_access(n) == ReadAccess::BreakGlass {
            let mut input = Input::new();
            input.max = crate::domain::limits::REASON;
            self.mode = Mode::BreakGlass {
                note: n.id,
                level: n.level,
                input,
            };
            return;
        }
        match cx.desk.read_note(n.id) {
            Ok(note) => self.mode = Mode::Reading(note),
            Err(e) => cx.problem(e.to_string()),
        }
    }

    /// Reads the note with the reason typed; a blank one keeps asking.
    fn break_glass(&mut self, cx: &mut Cx<'_>) {
        let Mode::BreakGlass { note, input, .. } = &self.mode else {
            return;
        };
        if input.value().trim().is_empty() {
            cx.problem("a reason is required to read a note above your level (SEC-04); type it, or esc to cancel");
            return;
        }
        match cx.desk.read_note_because(*note, Some(input.value())) {
            Ok(note) => {
                cx.done("Read by break-glass: the reason is in the audit log for supervisors.");
                self.mode = Mode::Reading(note);
            }
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
