//! The subject-access export (DATA-05): everything held on one client, machine-readable.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::validate::StudentNumber;
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{Desk, DeskError, Held};

/// What the export writes: when, by whom, every record held and the audit entries about them.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectExport {
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// The operator who made it.
    pub exported_by: String,
    /// Every record held on the client.
    pub held: Held,
    /// Audit entries about any of those records, oldest first.
    pub audit: Vec<AuditEntry>,
    /// Each attachment's file, its bytes in standard base64 (DATA-01).
    pub attachment_files: Vec<ExportedFile>,
}

/// One attachment's file in the export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedFile {
    /// The attachment's id.
    pub id: String,
    /// Its file name.
    pub name: String,
    /// The bytes, standard base64.
    pub base64: String,
}

impl Desk {
    /// Everything held on one client, for a subject-access request (supervisors and
    /// administrators; audited as an export). Note bodies are included: the export is for the
    /// student themselves.
    pub fn subject_access_export(&self, sn: &StudentNumber) -> Result<SubjectExport, DeskError> {
        self.require(Permission::SupervisorReports)?;
        let client = self.client_by_student_number(sn)?;
        let id = client.id;
        let held = self.held_on(client)?;
        let mut attachment_files = Vec::new();
        for a in &held.attachments {
            use base64::Engine as _;
            let bytes = self.attachment_bytes(a)?;
            attachment_files.push(ExportedFile {
                id: a.id.to_string(),
                name: a.name.clone(),
                base64: base64::engine::general_purpose::STANDARD.encode(bytes),
            });
        }
        let ids = held.ids();
        let audit = self
            .store
            .audit_entries()?
            .filter_map(Result::ok)
            .filter(|e| e.subject.is_some_and(|s| ids.contains(&s.id)))
            .collect();
        let mut ws = WriteSet::new();
        ws.audit(self.audit(
            AuditAction::Export,
            Some(RecordRef {
                kind: EntityKind::Client,
                id: id.0,
            }),
            format!("subject-access export: {} record(s)", held.records()),
        ));
        self.commit(ws)?;
        Ok(SubjectExport {
            exported_at: self.now(),
            exported_by: self.operator.login.to_string(),
            held,
            audit,
            attachment_files,
        })
    }
}
