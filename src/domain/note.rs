//! Notes on clients and appointments, with revisions (SEC-04, APPT-07).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AppointmentId, ClientId, NoteId, OperatorId};

/// Whether a note was taken in a confidential setting (APPT-07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidentiality {
    /// Taken in a private room or pod.
    Confidential,
    /// Taken in an open area (drop-in, desk, applications advice): labelled so.
    NotConfidential,
}

/// One version of a note's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRevision {
    /// Who wrote this version.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The text.
    pub body: String,
}

/// A note: every revision is kept, the last is current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Record id.
    pub id: NoteId,
    /// The client it is about.
    pub client: ClientId,
    /// The appointment it was written for, if any.
    pub appointment: Option<AppointmentId>,
    /// Confidentiality label from the setting.
    pub confidentiality: Confidentiality,
    /// Revisions, oldest first; never empty.
    pub revisions: Vec<NoteRevision>,
    /// Set when concurrent edits from two devices were both kept and need a person to look.
    pub needs_review: bool,
}

impl Note {
    /// The current revision.
    pub fn current(&self) -> Option<&NoteRevision> {
        self.revisions.last()
    }
}
