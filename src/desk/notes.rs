//! Notes through the desk: write, amend, list and read. Desk staff see that notes exist, never
//! their bodies; every body read is audited (SEC-04). The label comes from the setting (APPT-07),
//! and the access level defaults from the label. A read above the reader's level needs a
//! break-glass reason, kept in the read's audit entry and listed for supervisors.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{AppointmentId, ClientId, NoteId, OperatorId};
use crate::domain::limits;
use crate::domain::note::{self, AccessLevel, Confidentiality, Note, NoteRevision, ReadAccess};
use crate::domain::validate::{self, FieldError};
use crate::domain::{EntityKind, RecordRef};
use crate::store::index::NOTE_BY_CLIENT;
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// The longest note body accepted, in characters (the domain's limit).
pub const MAX_NOTE_CHARS: usize = crate::domain::limits::NOTE;

/// What anyone who may look up clients sees of a note: that it exists, never its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NoteSummary {
    /// Note id.
    pub id: NoteId,
    /// The appointment it belongs to.
    pub appointment: Option<AppointmentId>,
    /// Confidentiality label.
    pub confidentiality: Confidentiality,
    /// Who may read the body without a break-glass reason.
    pub level: AccessLevel,
    /// Who wrote the first revision: the author, whom the level always admits.
    pub written_by: Option<OperatorId>,
    /// Who wrote the current revision.
    pub author: Option<OperatorId>,
    /// When the current revision was written.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// How many revisions.
    pub revisions: usize,
}

fn note_ref(id: NoteId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Note,
        id: id.0,
    })
}

fn check_body(body: &str) -> Result<String, FieldError> {
    validate::text("note", body, limits::NOTE)
}

impl Desk {
    /// Writes a note on a client, for one of their appointments or none, at the level its
    /// setting gives it (see [`Desk::write_note_at`]).
    pub fn write_note(
        &self,
        client: ClientId,
        appointment: Option<AppointmentId>,
        body: &str,
    ) -> Result<Note, DeskError> {
        self.write_note_at(client, appointment, body, None)
    }

    /// Writes a note on a client, for one of their appointments or none. Labelled by the
    /// appointment's location; notes outside an appointment are labelled not confidential. The
    /// level defaults from the label; a stricter one may be asked for, a looser one is refused.
    pub fn write_note_at(
        &self,
        client: ClientId,
        appointment: Option<AppointmentId>,
        body: &str,
        level: Option<AccessLevel>,
    ) -> Result<Note, DeskError> {
        self.require(Permission::WriteNotes)?;
        let body = check_body(body)?;
        self.store
            .get::<Client>(client.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no client with id {client}")))?;
        let confidentiality = match appointment {
            Some(a) => {
                let appt = self
                    .store
                    .get::<Appointment>(a.0)?
                    .ok_or_else(|| DeskError::Invalid(format!("no appointment with id {a}")))?;
                if appt.client != client {
                    return Err(DeskError::Invalid(format!("appointment {a} belongs to another client")));
                }
                match self.policy.location(&appt.location) {
                    Some(l) if l.confidential => Confidentiality::Confidential,
                    _ => Confidentiality::NotConfidential,
                }
            }
            None => Confidentiality::NotConfidential,
        };
        let level = match level {
            Some(l) if !l.allowed_for(confidentiality) => {
                return Err(DeskError::NoteLevel(format!(
                    "SEC-04: a note taken in a confidential setting may not be readable by the whole service; \
                     use --level {} or {}",
                    AccessLevel::Consultants.code(),
                    AccessLevel::AuthorOnly.code()
                )))
            }
            Some(l) => l,
            None => AccessLevel::default_for(confidentiality),
        };
        let now = self.now();
        let note = Note {
            id: NoteId::new_at(now_ms(now)),
            client,
            appointment,
            confidentiality,
            level,
            revisions: vec![NoteRevision {
                by: self.operator.id,
                at: now,
                body,
            }],
            needs_review: false,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &note);
        ws.audit(self.audit(
            AuditAction::Create,
            note_ref(note.id),
            format!("note written ({})", level.code()),
        ));
        self.commit(ws)?;
        Ok(note)
    }

    /// Adds a revision to a note; earlier revisions are kept. Only someone who may read the
    /// note as it stands (SEC-04: within their level, no break-glass) may amend it, since the
    /// amended note, earlier revisions included, comes back to them.
    pub fn amend_note(&self, id: NoteId, body: &str) -> Result<Note, DeskError> {
        self.require(Permission::WriteNotes)?;
        self.require(Permission::ReadNoteBodies)?;
        let body = check_body(body)?;
        let old = self
            .store
            .get::<Note>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no note with id {id}")))?;
        match note::read_access(&self.operator.roles, self.operator.id, old.author(), old.level) {
            ReadAccess::Allowed => {}
            ReadAccess::BreakGlass | ReadAccess::Never => {
                return Err(DeskError::NoteLevel(format!(
                    "SEC-04: note {id} is at level {}, above yours, so you may not amend it; ask its \
                     author, or write a new note",
                    old.level.code()
                )))
            }
        }
        let mut new = old.clone();
        new.revisions.push(NoteRevision {
            by: self.operator.id,
            at: self.now(),
            body,
        });
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, note_ref(id), "note amended".into()),
        )?;
        Ok(new)
    }

    /// The notes on a client, without bodies, newest first.
    pub fn notes_for(&self, client: ClientId) -> Result<Vec<NoteSummary>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out = Vec::new();
        for id in self.store.indexed::<NoteId>(NOTE_BY_CLIENT, &client.key())? {
            if let Some(n) = self.store.get::<Note>(id.0)? {
                let cur = n.current();
                out.push(NoteSummary {
                    id: n.id,
                    appointment: n.appointment,
                    confidentiality: n.confidentiality,
                    level: n.level,
                    written_by: n.author(),
                    author: cur.map(|r| r.by),
                    at: cur.map(|r| r.at),
                    revisions: n.revisions.len(),
                });
            }
        }
        out.sort_by_key(|n| std::cmp::Reverse(n.at));
        Ok(out)
    }

    /// Reads a note's body within the reader's level (SEC-04); see [`Desk::read_note_because`].
    pub fn read_note(&self, id: NoteId) -> Result<Note, DeskError> {
        self.read_note_because(id, None)
    }

    /// Whether the signed-in operator may read this note's body as it stands, needs a
    /// break-glass reason, or never may (for the screen to ask before it reads).
    pub fn note_access(&self, summary: &NoteSummary) -> ReadAccess {
        if !self.may(Permission::ReadNoteBodies) {
            return ReadAccess::Never;
        }
        note::read_access(
            &self.operator.roles,
            self.operator.id,
            summary.written_by,
            summary.level,
        )
    }

    /// Reads a note's body. Within the reader's level no reason is needed; above it, a
    /// break-glass reason is required (exit 3 without one), kept in the read's audit entry and
    /// listed for supervisors. Desk staff never read a body, reason or not. Every read is
    /// audited before the body is returned.
    pub fn read_note_because(&self, id: NoteId, break_glass: Option<&str>) -> Result<Note, DeskError> {
        self.require(Permission::ReadNoteBodies)?;
        let note = self
            .store
            .get::<Note>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no note with id {id}")))?;
        let access = note::read_access(&self.operator.roles, self.operator.id, note.author(), note.level);
        let entry = match (access, break_glass) {
            (ReadAccess::Never, _) => {
                return Err(DeskError::Denied(format!(
                    "{} ({}) may not read notes at level {}, with or without a reason (SEC-04)",
                    self.operator.login,
                    self.operator.roles_text(),
                    note.level.code()
                )))
            }
            (ReadAccess::BreakGlass, None) => {
                return Err(DeskError::NoteLevel(format!(
                    "SEC-04: note {id} is at level {}, above yours; to read it anyway give a break-glass \
                     reason (`note show {id} --break-glass REASON`): the read and the reason are audited \
                     and shown to supervisors",
                    note.level.code()
                )))
            }
            (ReadAccess::BreakGlass, Some(reason)) => {
                let reason = validate::reason(reason, "to read a note above your level (break-glass)")?;
                self.audit_because(
                    AuditAction::ReadNote,
                    note_ref(id),
                    format!("{} note body read by break-glass", note.level.code()),
                    reason,
                )
            }
            (ReadAccess::Allowed, _) => self.audit(AuditAction::ReadNote, note_ref(id), "note body read".into()),
        };
        let mut ws = WriteSet::new();
        ws.audit(entry);
        self.commit(ws)?;
        Ok(note)
    }
}
