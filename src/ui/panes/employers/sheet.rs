//! The employers pane's forms: adding and editing an employer, its tags and a contact (the
//! engagement and liaison forms are in `engagement.rs`, complaints and vacancies in
//! `records.rs`). Each builds the desk's input from what
//! is typed and hands it to the desk, which checks permission and every field; a refusal is
//! shown under the fields, each wrong field on its own line.

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::Frame;

use crate::desk::{Desk, DeskError, EmployerChanges, NewContact, NewEmployer};
use crate::domain::employer::{Employer, Ownership};
use crate::domain::ids::EmployerId;
use crate::domain::operator::Login;
use crate::domain::validate::FieldError;
use crate::ui::command::Command;
use crate::ui::panes::form::{Form, FormField};
use crate::ui::theme::Theme;

use super::engagement::{Engagement, Liaison};
use super::records::{self, VacancyEdit};

pub(super) const NAME: &str = "Name";
const SECTOR: &str = "Sector";
const WEBSITE: &str = "Website";
const TAGS: &str = "Tags";
const OWNER: &str = "Owner";
const ADD_TAGS: &str = "Add tags";
const REMOVE_TAGS: &str = "Remove tags";
const TITLE: &str = "Title";
const EMAIL: &str = "E-mail";
const PHONE: &str = "Phone";
const KEY: &str = "Key contact";
const GUIDANCE: &str = "Guidance";
const VISIBLE: &str = "Visible to students";
pub(super) const KIND: &str = "Kind";
pub(super) const WHEN: &str = "When";
pub(super) const CONTACTS: &str = "Contacts";
pub(super) const TEXT: &str = "Text";
pub(super) const WITH: &str = "With";
pub(super) const AGREED: &str = "Agreed";

/// The word the owner field takes for a multi-owner employer (EMP-05).
const MULTI: &str = "multi-owner";

/// What the pane should do after a form handled a command.
pub(super) enum Outcome {
    /// Keep the form open.
    Stay,
    /// Close it; nothing changed.
    Closed,
    /// Saved: what to say, and the employer to show.
    Saved(String, EmployerId),
    /// Show this form instead (the engagement form again, after its liaison), and say this.
    Next(Box<Sheet>, Option<String>),
    /// Open the liaison form with `owner`, keeping this form to come back to (EMP-04).
    Liaise {
        /// The employer.
        id: EmployerId,
        /// Its name.
        name: String,
        /// The owner's login.
        owner: String,
    },
}

/// Which form this is, with what it needs to submit.
pub(super) enum What {
    /// A new employer.
    Add,
    /// The employer's profile; `owner` is the owner field as it was.
    Edit { id: EmployerId, owner: String },
    /// The employer's tags.
    Tags { id: EmployerId, name: String },
    /// A new contact at the employer.
    Contact { id: EmployerId, name: String },
    /// An engagement note (EMP-01, EMP-04).
    Engagement(Engagement),
    /// A liaison with the key account's owner (EMP-04).
    Liaison(Liaison),
    /// A student's complaint about the employer (CMP-01).
    Complaint { id: EmployerId, name: String },
    /// A new vacancy at the employer (EMP-01).
    Vacancy { id: EmployerId, name: String },
    /// Which of the employer's vacancies to edit.
    PickVacancy {
        vacancies: Vec<crate::domain::employer::Vacancy>,
    },
    /// A vacancy's title, closing date and address (EMP-01).
    EditVacancy(VacancyEdit),
}

/// One of the employers pane's forms.
pub(super) struct Sheet {
    pub(super) form: Form,
    pub(super) what: What,
}

impl Sheet {
    /// An empty form for a new employer.
    pub(super) fn add() -> Sheet {
        Sheet {
            form: Form::new(vec![
                FormField::new(NAME, "", "organisation name"),
                FormField::new(SECTOR, "", "e.g. engineering"),
                FormField::new(WEBSITE, "", "optional, e.g. https://example.com"),
                FormField::new(TAGS, "", "comma-separated, optional"),
                FormField::new(OWNER, "", "a login for a key account, multi-owner, or empty"),
            ]),
            what: What::Add,
        }
    }

    /// A form holding `e`'s profile; `owner` is its owner's login (empty when it has none).
    pub(super) fn edit(e: &Employer, owner: &str) -> Sheet {
        let owner = match e.ownership {
            Ownership::KeyAccount { .. } => owner.to_string(),
            Ownership::MultiOwner => MULTI.to_string(),
            Ownership::Open => String::new(),
        };
        Sheet {
            form: Form::new(vec![
                FormField::new(NAME, &e.name, ""),
                FormField::new(SECTOR, &e.sector, ""),
                FormField::new(WEBSITE, e.website.as_deref().unwrap_or(""), "empty clears it"),
                FormField::new(OWNER, &owner, "a new owner's login hands the key account over"),
            ]),
            what: What::Edit { id: e.id, owner },
        }
    }

    /// A form adding and removing `e`'s tags.
    pub(super) fn tags(e: &Employer) -> Sheet {
        let mut form = Form::new(vec![
            FormField::new(ADD_TAGS, "", "comma-separated"),
            FormField::new(REMOVE_TAGS, "", "comma-separated"),
        ]);
        form.notes.push(match e.tags.is_empty() {
            true => "No tags yet.".to_string(),
            false => format!("Tagged now: {}", super::view::hashtags(&e.tags)),
        });
        Sheet {
            form,
            what: What::Tags {
                id: e.id,
                name: e.name.clone(),
            },
        }
    }

    /// An empty form for a contact at `e`.
    pub(super) fn contact(e: &Employer) -> Sheet {
        Sheet {
            form: Form::new(vec![
                FormField::new(NAME, "", ""),
                FormField::new(TITLE, "", "job title, optional"),
                FormField::new(EMAIL, "", "optional"),
                FormField::new(PHONE, "", "optional"),
                FormField::new(KEY, "no", "yes or no: shown with * (EMP-03)"),
                FormField::new(GUIDANCE, "", "how to contact them, shown beside them"),
                FormField::new(VISIBLE, "no", "yes or no (DATA-13)"),
            ]),
            what: What::Contact {
                id: e.id,
                name: e.name.clone(),
            },
        }
    }

    /// Types into the field with focus; a change forgets an offer made on the last enter.
    pub(super) fn key(&mut self, key: &KeyEvent) {
        if self.form.key(key) {
            if let What::Engagement(g) = &mut self.what {
                g.typed(&mut self.form);
            }
        }
    }

    /// Handles a command while the form is open; `None` when the form does not use it.
    pub(super) fn command(&mut self, cmd: Command, desk: &Desk) -> Option<Outcome> {
        if self.form.movement(cmd) {
            return Some(Outcome::Stay);
        }
        match cmd {
            Command::Back if self.form.back() => Some(Outcome::Closed),
            Command::Back => Some(Outcome::Stay),
            Command::Select => Some(self.submit(desk)),
            _ => None,
        }
    }

    fn submit(&mut self, desk: &Desk) -> Outcome {
        self.form.problems.clear();
        let done = match &mut self.what {
            What::Add => submit_add(&self.form, desk),
            What::Edit { id, owner } => submit_edit(&self.form, desk, *id, owner),
            What::Tags { id, name } => submit_tags(&self.form, desk, *id, name),
            What::Contact { id, name } => submit_contact(&self.form, desk, *id, name),
            What::Engagement(_) | What::Liaison(_) => return self.submit_engagement(desk),
            What::Complaint { .. } | What::Vacancy { .. } | What::PickVacancy { .. } | What::EditVacancy(_) => {
                return self.submit_record(desk)
            }
        };
        match done {
            Ok(outcome) => outcome,
            Err(e) => self.refused(e),
        }
    }

    /// Shows why the desk refused, each wrong field on its own line, focus on the first.
    pub(super) fn refused(&mut self, e: DeskError) -> Outcome {
        match e {
            DeskError::Fields(errors) => {
                if let Some(first) = errors.first() {
                    self.form.focus_on(label_of(first.field));
                }
                self.form.problems.extend(errors.iter().map(|e| e.to_string()));
            }
            other => self.form.problems.push(other.to_string()),
        }
        Outcome::Stay
    }

    /// Draws the form in `area`.
    pub(super) fn render(&self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        let (title, help) = match &self.what {
            What::Add => ("Add an employer".to_string(), "↑/↓ field · enter adds · esc cancels"),
            What::Edit { .. } => (
                "Edit the employer".to_string(),
                "↑/↓ field · enter saves the changed fields · esc cancels",
            ),
            What::Tags { name, .. } => (format!("Tags of {name}"), "↑/↓ field · enter saves · esc cancels"),
            What::Contact { name, .. } => (
                format!("Add a contact at {name}"),
                "↑/↓ field · enter adds · esc cancels",
            ),
            What::Engagement(g) => (format!("Log an engagement with {}", g.name), g.help()),
            What::Liaison(l) => (
                format!("Record a liaison about {}", l.name),
                "↑/↓ field · enter records it · esc cancels",
            ),
            What::Complaint { name, .. } => (
                format!("Record a complaint about {name} (CMP-01)"),
                "↑/↓ field · enter records it · esc cancels",
            ),
            What::Vacancy { name, .. } => (
                format!("Add a vacancy at {name}"),
                "↑/↓ field · enter adds · esc cancels",
            ),
            What::PickVacancy { .. } => (
                "Edit a vacancy: which one?".to_string(),
                "type its number · enter opens it · esc cancels",
            ),
            What::EditVacancy(v) => (
                format!("Edit the vacancy {}", v.title),
                "↑/↓ field · enter saves the changed fields · esc cancels",
            ),
        };
        self.form.render(frame, area, &title, help, th);
    }
}

/// Tags typed comma-separated, `#` allowed.
fn tag_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|t| t.trim().trim_start_matches('#').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// A field's value, or `None` when empty.
fn optional(form: &Form, label: &str) -> Option<String> {
    Some(form.value(label).to_string()).filter(|v| !v.is_empty())
}

/// The owner field: a login for a key account, `multi-owner`, or nothing.
fn owner_field(raw: &str) -> Result<(Option<Login>, bool), FieldError> {
    match raw.trim().to_lowercase().as_str() {
        "" | "open" | "none" => Ok((None, false)),
        "multi-owner" | "multi" => Ok((None, true)),
        login => Login::parse(login)
            .map(|l| (Some(l), false))
            .map_err(|e| FieldError::new("owner", e.message)),
    }
}

/// A yes/no field.
pub(super) fn yes_no(form: &Form, label: &str, field: &'static str) -> Result<bool, FieldError> {
    match form.value(label).to_lowercase().as_str() {
        "yes" | "y" => Ok(true),
        "no" | "n" | "" => Ok(false),
        other => Err(FieldError::new(field, format!("{other:?}: type yes or no"))),
    }
}

fn submit_add(form: &Form, desk: &Desk) -> Result<Outcome, DeskError> {
    let (owner, multi_owner) = owner_field(form.value(OWNER)).map_err(|e| DeskError::Fields(vec![e]))?;
    let new = NewEmployer {
        name: form.value(NAME).to_string(),
        sector: form.value(SECTOR).to_string(),
        website: optional(form, WEBSITE),
        tags: tag_list(form.value(TAGS)),
        owner,
        multi_owner,
        self_registered: false,
    };
    let e = desk.add_employer(&new)?;
    Ok(Outcome::Saved(format!("Added {}.", e.name), e.id))
}

fn submit_edit(form: &Form, desk: &Desk, id: EmployerId, owner: &str) -> Result<Outcome, DeskError> {
    let changed = |label: &str| form.field(label).filter(|f| f.changed()).map(|f| f.value().to_string());
    let changes = EmployerChanges {
        name: changed(NAME),
        sector: changed(SECTOR),
        website: changed(WEBSITE),
    };
    let new_owner = match form.value(OWNER) {
        same if same.eq_ignore_ascii_case(owner) => None,
        typed => match owner_field(typed).map_err(|e| DeskError::Fields(vec![e]))? {
            (Some(login), _) => Some(login),
            _ => {
                return Err(DeskError::Fields(vec![FieldError::new(
                    "owner",
                    "type the new owner's login: the form hands a key account over; it does not make an employer open or multi-owner",
                )]))
            }
        },
    };
    if changes == EmployerChanges::default() && new_owner.is_none() {
        return Ok(Outcome::Closed);
    }
    let mut e = desk.edit_employer(id, &changes)?;
    let mut said = vec![format!("Saved {}", e.name)];
    if let Some(login) = new_owner {
        e = desk.hand_over(id, &login)?;
        said.push(format!("handed over to {login}"));
    }
    Ok(Outcome::Saved(format!("{}.", said.join("; ")), e.id))
}

fn submit_tags(form: &Form, desk: &Desk, id: EmployerId, name: &str) -> Result<Outcome, DeskError> {
    let (add, remove) = (tag_list(form.value(ADD_TAGS)), tag_list(form.value(REMOVE_TAGS)));
    if add.is_empty() && remove.is_empty() {
        return Ok(Outcome::Closed);
    }
    // Removing first: a tag that is not there is refused before anything is written.
    let mut e = desk.untag_employer(id, &remove)?;
    if !add.is_empty() {
        e = desk.tag_employer(id, &add)?;
    }
    let tags = match e.tags.is_empty() {
        true => "no tags".to_string(),
        false => super::view::hashtags(&e.tags),
    };
    Ok(Outcome::Saved(format!("{name} now has {tags}."), id))
}

fn submit_contact(form: &Form, desk: &Desk, id: EmployerId, name: &str) -> Result<Outcome, DeskError> {
    let mut errors = Vec::new();
    let key_contact = yes_no(form, KEY, "key contact").map_err(|e| errors.push(e)).ok();
    let visible = yes_no(form, VISIBLE, "visible to students")
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(key_contact), Some(visible_to_students)) = (key_contact, visible) else {
        return Err(DeskError::Fields(errors));
    };
    let c = desk.add_contact(
        id,
        &NewContact {
            name: form.value(NAME).to_string(),
            title: optional(form, TITLE),
            email: optional(form, EMAIL),
            phone: optional(form, PHONE),
            key_contact,
            visible_to_students,
            guidance: form.value(GUIDANCE).to_string(),
        },
    )?;
    Ok(Outcome::Saved(format!("Added {} at {name}.", c.display_name()), id))
}

/// The form label of a field the desk names in an error.
pub(super) fn label_of(field: &str) -> &'static str {
    match field {
        "name" => NAME,
        "sector" => SECTOR,
        "website" => WEBSITE,
        "tags" => TAGS,
        "owner" | "login" => OWNER,
        "title" => TITLE,
        "email" => EMAIL,
        "phone" => PHONE,
        "key contact" => KEY,
        "guidance" => GUIDANCE,
        "visible to students" => VISIBLE,
        "kind" => KIND,
        "when" => WHEN,
        "text" => TEXT,
        "with" => WITH,
        "note" => AGREED,
        "student-number" => records::STUDENT,
        "permission" => records::PERMISSION,
        "summary" => records::SUMMARY,
        "closes" => records::CLOSES,
        "url" => records::APPLY,
        "vacancy number" => records::WHICH,
        _ => "",
    }
}
