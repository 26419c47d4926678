//! Audit entries: who did what, when and why (SEC-01, SEC-04). The audit tree is append-only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{AuditId, OperatorId};
use super::RecordRef;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// A record was created.
    Create,
    /// A record was changed.
    Update,
    /// A record was removed.
    Delete,
    /// A note body was read (SEC-04).
    ReadNote,
    /// An operator signed in.
    SignIn,
    /// A sign-in failed: wrong password, unknown login or suspended account.
    SignInRefused,
    /// Clients were imported from a file.
    Import,
    /// Data left the store in identifying form.
    Export,
    /// A client was erased (DATA-05).
    Erase,
    /// A rule was overridden, e.g. a waiver (APPT-03).
    Override,
    /// Generated demo data was loaded.
    Demo,
    /// The store was created.
    Init,
    /// Store maintenance, such as rebuilding the indexes.
    Maintenance,
    /// A client's wellbeing concerns were read (DATA-06). Last, so older entries decode.
    ReadWellbeing,
}

impl AuditAction {
    /// The code shown in listings.
    pub fn code(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::ReadNote => "read-note",
            AuditAction::SignIn => "sign-in",
            AuditAction::SignInRefused => "sign-in-refused",
            AuditAction::Import => "import",
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
            AuditAction::Override => "override",
            AuditAction::Demo => "demo",
            AuditAction::Init => "init",
            AuditAction::Maintenance => "maintenance",
            AuditAction::ReadWellbeing => "read-wellbeing",
        }
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Entry id (time-ordered).
    pub id: AuditId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Who; `None` when no operator could be identified (an unknown login).
    pub operator: Option<OperatorId>,
    /// The login as typed, for sign-in entries.
    pub login: Option<String>,
    /// What.
    pub action: AuditAction,
    /// Which record, if one.
    pub subject: Option<RecordRef>,
    /// A short description, never note content.
    pub detail: String,
    /// The reason given, where one is required (waivers, break-glass reads, erasure).
    pub reason: Option<String>,
}

impl AuditEntry {
    /// Whether this is a note read above the reader's level, made with a break-glass reason
    /// (SEC-04): the reads supervisors are shown first.
    pub fn is_break_glass(&self) -> bool {
        self.action == AuditAction::ReadNote && self.reason.is_some()
    }
}
