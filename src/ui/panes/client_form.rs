//! The clients pane's form for adding a walk-in client and for editing a client's details.
//! Adding checks exactly as `client add` does (`Desk::add_client`); a student number already in
//! the store is refused and that client is offered instead (enter opens their card). Editing
//! sends only the fields that changed (`Desk::edit_client`); fields the operator's role may not
//! change are shown read-only.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{ClientEdit, Desk, DeskError, Edited, NewClient};
use crate::domain::access::Permission;
use crate::domain::client::Client;
use crate::domain::ids::ClientId;
use crate::ui::command::Command;
use crate::ui::input::Input;
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

const STUDENT_NUMBER: &str = "Student number";
const NAME: &str = "Name";
const EMAIL: &str = "E-mail";
const PHONE: &str = "Phone";
const CONTACT: &str = "Contact by";
const PROGRAMME: &str = "Programme";
const SCHOOL: &str = "School";
const LEVEL: &str = "Level";
const STATUS: &str = "Status";
const COURSE_END: &str = "Course end";

/// Why the study record is read-only for desk staff.
const STUDY_LOCK: &str = "a consultant or supervisor changes this";

/// Which form this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Add,
    Edit(ClientId),
}

/// What the pane should do after the form handled a command.
#[derive(Debug)]
pub enum FormResult {
    /// Keep the form open.
    Stay,
    /// Close it; nothing changed.
    Closed,
    /// A client was added.
    Added(Client),
    /// A client was edited.
    Edited(Edited),
    /// Open this existing client's card instead (the student number was theirs).
    OpenExisting(ClientId),
}

/// The add or edit form.
#[derive(Debug)]
pub struct ClientForm {
    kind: Kind,
    form: Form,
    /// After a refused add: the client who has that student number, and their name.
    existing: Option<(ClientId, String)>,
}

impl ClientForm {
    /// An empty form for a walk-in client.
    pub fn add() -> Self {
        let fields = vec![
            FormField::new(STUDENT_NUMBER, "", "e.g. 10234567"),
            FormField::new(NAME, "", ""),
            FormField::new(EMAIL, "", ""),
            FormField::new(PHONE, "", "optional"),
            FormField::new(PROGRAMME, "", "e.g. BSc Physics"),
            FormField::new(SCHOOL, "", "optional"),
            FormField::new(LEVEL, "ug", "ug, pgt or pgr"),
            FormField::new(STATUS, "student", "student or graduate"),
            FormField::new(COURSE_END, "", "YYYY-MM-DD, optional"),
            FormField::new(CONTACT, "", "email,phone,post or none; empty: all"),
        ];
        Self {
            kind: Kind::Add,
            form: Form::new(fields),
            existing: None,
        }
    }

    /// A form holding `client`'s details. Without the right to change the study record, those
    /// fields are read-only.
    pub fn edit(client: &Client, desk: &Desk) -> Self {
        let study = |f: FormField| {
            if desk.may(Permission::EditStudyRecord) {
                f
            } else {
                f.locked(STUDY_LOCK)
            }
        };
        let phone = client.phone.as_ref().map(|p| p.to_string()).unwrap_or_default();
        let fields = vec![
            FormField::new(EMAIL, client.email.as_str(), ""),
            FormField::new(PHONE, &phone, "empty clears it"),
            FormField::new(CONTACT, &client.contact.to_string(), "email,phone,post or none"),
            study(FormField::new(PROGRAMME, &client.programme, "")),
            study(FormField::new(
                SCHOOL,
                client.school.as_deref().unwrap_or(""),
                "empty clears it",
            )),
            study(FormField::new(LEVEL, client.level.code(), "ug, pgt or pgr")),
            study(FormField::new(STATUS, client.status.code(), "student or graduate")),
            study(FormField::new(
                COURSE_END,
                &client.course_end.map(|d| d.to_string()).unwrap_or_default(),
                "YYYY-MM-DD; empty clears it",
            )),
        ];
        Self {
            kind: Kind::Edit(client.id),
            form: Form::new(fields),
            existing: None,
        }
    }

    /// The field with focus, for the pane's cursor keys.
    pub fn focused(&mut self) -> Option<&mut Input> {
        self.form.focused()
    }

    /// Types into the field with focus; an edit forgets an offered existing client.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        let changed = self.form.key(key);
        if changed && self.existing.take().is_some() {
            self.form.problems.clear();
            self.form.notes.clear();
        }
        changed
    }

    /// Handles a command while the form is open; `None` when the form does not use it.
    pub fn command(&mut self, cmd: Command, desk: &Desk) -> Option<FormResult> {
        if self.form.movement(cmd) {
            return Some(FormResult::Stay);
        }
        match cmd {
            Command::Back if self.form.back() => Some(FormResult::Closed),
            Command::Back => Some(FormResult::Stay),
            Command::Select => Some(match self.existing.take() {
                Some((id, _)) => FormResult::OpenExisting(id),
                None => self.submit(desk),
            }),
            _ => None,
        }
    }

    fn submit(&mut self, desk: &Desk) -> FormResult {
        self.form.problems.clear();
        self.form.notes.clear();
        match self.kind {
            Kind::Add => self.submit_add(desk),
            Kind::Edit(id) => self.submit_edit(id, desk),
        }
    }

    fn submit_add(&mut self, desk: &Desk) -> FormResult {
        let optional = |label| Some(self.form.value(label).to_string()).filter(|v| !v.is_empty());
        let input = NewClient {
            student_number: self.form.value(STUDENT_NUMBER).to_string(),
            name: self.form.value(NAME).to_string(),
            email: self.form.value(EMAIL).to_string(),
            phone: optional(PHONE),
            programme: self.form.value(PROGRAMME).to_string(),
            school: optional(SCHOOL),
            level: self.form.value(LEVEL).to_string(),
            status: self.form.value(STATUS).to_string(),
            course_end: optional(COURSE_END),
            contact: optional(CONTACT),
        };
        let details = match input.parse() {
            Ok(d) => d,
            Err(errors) => return self.refused(DeskError::Fields(errors)),
        };
        match desk.add_client(&details) {
            Ok(c) => FormResult::Added(c),
            Err(DeskError::ClientExists {
                existing,
                student_number,
                name,
            }) => {
                self.form.problems.push(format!(
                    "student number {student_number} is already {name}'s: this walk-in may be them"
                ));
                self.form.notes.push(format!(
                    "enter opens {name}'s card · change the number to add someone else"
                ));
                self.form.focus_on(STUDENT_NUMBER);
                self.existing = Some((existing, name));
                FormResult::Stay
            }
            Err(e) => self.refused(e),
        }
    }

    fn submit_edit(&mut self, id: ClientId, desk: &Desk) -> FormResult {
        let changed = |label: &str| {
            self.form
                .field(label)
                .filter(|f| f.locked.is_none() && f.changed())
                .map(|f| f.value().to_string())
        };
        let edit = ClientEdit {
            email: changed(EMAIL),
            phone: changed(PHONE),
            contact: changed(CONTACT),
            programme: changed(PROGRAMME),
            school: changed(SCHOOL),
            level: changed(LEVEL),
            status: changed(STATUS),
            course_end: changed(COURSE_END),
        };
        if edit == ClientEdit::default() {
            return FormResult::Closed;
        }
        let result = edit
            .parse()
            .map_err(DeskError::Fields)
            .and_then(|changes| desk.edit_client(id, &changes));
        match result {
            Ok(done) => FormResult::Edited(done),
            Err(e) => self.refused(e),
        }
    }

    /// Shows why the desk refused, each wrong field on its own line, focus on the first.
    fn refused(&mut self, e: DeskError) -> FormResult {
        match e {
            DeskError::Fields(errors) => {
                if let Some(first) = errors.first() {
                    self.form.focus_on(label_of(first.field));
                }
                self.form.problems.extend(errors.iter().map(|e| e.to_string()));
            }
            other => self.form.problems.push(other.to_string()),
        }
        FormResult::Stay
    }

    /// Draws the form.
    pub fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let (title, help) = match (self.kind, &self.existing) {
            (Kind::Add, _) => (
                "Add a walk-in client".to_string(),
                "↑/↓ field · enter adds · esc cancels",
            ),
            (Kind::Edit(_), _) => (
                "Edit the client's details".to_string(),
                "↑/↓ field · enter saves the changed fields · esc cancels",
            ),
        };
        self.form.render(frame, area, &title, help, th);
    }
}

/// The form label of a field the desk names in an error.
fn label_of(field: &str) -> &'static str {
    match field {
        "student-number" => STUDENT_NUMBER,
        "name" => NAME,
        "email" => EMAIL,
        "phone" => PHONE,
        "contact" => CONTACT,
        "programme" => PROGRAMME,
        "school" => SCHOOL,
        "level" => LEVEL,
        "status" => STATUS,
        "course-end" => COURSE_END,
        _ => "",
    }
}
