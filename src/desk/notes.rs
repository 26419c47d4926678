//! Notes through the desk: write, amend, list and read. Desk staff see that notes exist, never
//! their bodies; every body read is audited (SEC-04). The label comes from the setting (APPT-07).

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::audit::AuditAction;
use crate::domain::client::Client;
use crate::domain::ids::{AppointmentId, ClientId, NoteId, OperatorId};
use crate::domain::limits;
use crate::domain::note::{Confidentiality, Note, NoteRevision};
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
    /// Writes a note on a client, for one of their appointments or none. Labelled by the
    /// appointment's location; notes outside an appointment are labelled not confidential.
    pub fn write_note(
        &self,
        client: ClientId,
        appointment: Option<AppointmentId>,
        body: &str,
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
        let now = self.now();
        let note = Note {
            id: NoteId::new_at(now_ms(now)),
            client,
            appointment,
            confidentiality,
            revisions: vec![NoteRevision {
                by: self.operator.id,
                at: now,
                body,
            }],
            needs_review: false,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &note);
        ws.audit(self.audit(AuditAction::Create, note_ref(note.id), "note written".into()));
        self.commit(ws)?;
        Ok(note)
    }

    /// Adds a revision to a note; earlier revisions are kept.
    pub fn amend_note(&self, id: NoteId, body: &str) -> Result<Note, DeskError> {
        self.require(Permission::WriteNotes)?;
        let body = check_body(body)?;
        let old = self
            .store
            .get::<Note>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no note with id {id}")))?;
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
                    author: cur.map(|r| r.by),
                    at: cur.map(|r| r.at),
                    revisions: n.revisions.len(),
                });
            }
        }
        out.sort_by_key(|n| std::cmp::Reverse(n.at));
        Ok(out)
    }

    /// Reads a note's body: consultants and supervisors only, and the read is audited first (SEC-04).
    pub fn read_note(&self, id: NoteId) -> Result<Note, DeskError> {
        self.require(Permission::ReadNoteBodies)?;
        let note = self
            .store
            .get::<Note>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no note with id {id}")))?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(AuditAction::ReadNote, note_ref(id), "note body read".into()));
        self.commit(ws)?;
        Ok(note)
    }
}
