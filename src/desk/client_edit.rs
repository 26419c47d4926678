//! Editing a client's record through the desk: contact details (e-mail, phone, contact
//! preferences) and, for roles allowed, the study record (programme, school, level, status,
//! course end). Only the given fields change; every edit is audited by field name, never by
//! value, and goes into the op log as a field-level update.

use chrono::NaiveDate;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::client::{Client, ContactPreferences, Level, Status};
use crate::domain::ids::ClientId;
use crate::domain::validate::{self, Email, FieldError, Phone};
use crate::store::WriteSet;

use super::appointments::client_ref;
use super::{Desk, DeskError};

/// Changes as typed: `None` leaves a field alone. An empty phone, school or course end clears
/// it; e-mail, programme, level, status and contact preferences cannot be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientEdit {
    /// New e-mail.
    pub email: Option<String>,
    /// New phone; empty clears it.
    pub phone: Option<String>,
    /// New contact preferences: `email,phone,post` or `none`.
    pub contact: Option<String>,
    /// New programme.
    pub programme: Option<String>,
    /// New school; empty clears it.
    pub school: Option<String>,
    /// New level: `ug`, `pgt` or `pgr`.
    pub level: Option<String>,
    /// New status: `student` or `graduate`.
    pub status: Option<String>,
    /// New course end, YYYY-MM-DD; empty clears it.
    pub course_end: Option<String>,
}

/// Checked changes to a client: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientChanges {
    /// E-mail.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<Option<Phone>>,
    /// Contact preferences (DATA-12).
    pub contact: Option<ContactPreferences>,
    /// Programme.
    pub programme: Option<String>,
    /// School.
    pub school: Option<Option<String>>,
    /// Level of study.
    pub level: Option<Level>,
    /// Student or graduate.
    pub status: Option<Status>,
    /// Course end (DATA-02).
    pub course_end: Option<Option<NaiveDate>>,
}

/// What an edit did: the record as it now is, and the names of the fields that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// The client after the edit.
    pub client: Client,
    /// The fields that changed (empty when every value given was already the client's).
    pub changed: Vec<&'static str>,
}

/// Keeps a value, or records its error.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// Text that is blank after trimming counts as "clear".
fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl ClientEdit {
    /// Checks every given field with the same rules and messages as adding a client, reporting
    /// all that are wrong at once.
    pub fn parse(&self) -> Result<ClientChanges, Vec<FieldError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let email = self.email.as_deref().and_then(|t| keep(e, Email::parse(t)));
        let phone = match self.phone.as_deref() {
            None => None,
            Some(p) if blank(p) => Some(None),
            Some(p) => keep(e, Phone::parse(p)).map(Some),
        };
        let contact = match self.contact.as_deref() {
            None => None,
            Some(c) if blank(c) => keep(
                e,
                Err(FieldError::new(
                    "contact",
                    "give email, phone, post (comma-separated) or none",
                )),
            ),
            Some(c) => keep(e, ContactPreferences::parse(c)),
        };
        let programme = self
            .programme
            .as_deref()
            .and_then(|p| keep(e, validate::person_name("programme", p)));
        let school = self.school.as_deref().map(|s| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        });
        let level = self
            .level
            .as_deref()
            .and_then(|l| keep(e, l.parse::<Level>().map_err(|m| FieldError::new("level", m))));
        let status = self
            .status
            .as_deref()
            .and_then(|l| keep(e, l.parse::<Status>().map_err(|m| FieldError::new("status", m))));
        let course_end = match self.course_end.as_deref() {
            None => None,
            Some(d) if blank(d) => Some(None),
            Some(d) => keep(e, validate::date("course-end", d)).map(Some),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ClientChanges {
            email,
            phone,
            contact,
            programme,
            school,
            level,
            status,
            course_end,
        })
    }
}

impl ClientChanges {
    /// `client` with these changes, and the names of the fields whose values differ.
    pub fn apply(&self, client: &Client) -> (Client, Vec<&'static str>) {
        let mut new = client.clone();
        let mut changed = Vec::new();
        macro_rules! set {
            ($field:ident, $name:literal) => {
                if let Some(v) = &self.$field {
                    if new.$field != *v {
                        new.$field = v.clone();
                        changed.push($name);
                    }
                }
            };
        }
        set!(email, "email");
        set!(phone, "phone");
        set!(contact, "contact");
        set!(programme, "programme");
        set!(school, "school");
        set!(level, "level");
        set!(status, "status");
        set!(course_end, "course-end");
        (new, changed)
    }
}

/// Fields of the study record: changing them needs [`Permission::EditStudyRecord`].
const STUDY_RECORD: [&str; 5] = ["programme", "school", "level", "status", "course-end"];

impl Desk {
    /// Changes the given fields of a client's record. Desk staff may change contact details;
    /// the study record (programme, school, level, status, course end) needs a consultant or
    /// supervisor. The audit entry names the fields, never their values.
    pub fn edit_client(&self, id: ClientId, changes: &ClientChanges) -> Result<Edited, DeskError> {
        self.require(Permission::EditClients)?;
        let (old, version) = self
            .store
            .get_versioned::<Client>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no client with id {id}")))?;
        let (new, changed) = changes.apply(&old);
        if changed.iter().any(|f| STUDY_RECORD.contains(f)) {
            self.require(Permission::EditStudyRecord)?;
        }
        if changed.is_empty() {
            return Ok(Edited { client: old, changed });
        }
        let mut ws = WriteSet::new();
        ws.put(&self.store, Some(&old), &new);
        ws.unchanged_since(
            &old,
            version,
            "the client's record changed while it was being edited; look again",
        );
        ws.audit(self.audit(
            AuditAction::Update,
            client_ref(new.id),
            format!("client edited: {}", changed.join(", ")),
        ));
        self.commit(ws)?;
        self.directory_update(&new);
        Ok(Edited { client: new, changed })
    }
}
