//! Uploaded files held for a client (DATA-01): a CV, an application or a feedback form. The
//! record (name, kind, size, BLAKE3 hash) and the bytes are two records, both sealed with the
//! client's key, so erasure's destroyed key leaves every copy unreadable (DATA-05). The size
//! limit is the policy's `[attachments] max_bytes`; the hash is checked on every read.
//! Desk staff may attach and list; reading the content needs `ReadAttachments` (consultants,
//! supervisors, administrators), and every read is audited.

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::ids::AttachmentId;
use crate::domain::records::{self, Attachment, AttachmentContent, AttachmentKind};
use crate::domain::validate::{self, FieldError, StudentNumber};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// The longest attachment file name.
pub const NAME_CHARS: usize = 200;

fn attachment_ref(id: AttachmentId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Attachment,
        id: id.0,
    })
}

/// Reads a kind as typed, listing the choices when it is none of them.
pub fn parse_attachment_kind(s: &str) -> Result<AttachmentKind, DeskError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "cv" => Ok(AttachmentKind::Cv),
        "application" => Ok(AttachmentKind::Application),
        "feedback-form" => Ok(AttachmentKind::FeedbackForm),
        "other" => Ok(AttachmentKind::Other),
        other => Err(DeskError::Fields(vec![FieldError::new(
            "kind",
            format!("`{other}` is not one of cv, application, feedback-form, other"),
        )])),
    }
}

impl Desk {
    /// The largest attachment the policy allows, in bytes.
    pub fn attachment_limit(&self) -> u64 {
        u64::from(self.policy.attachments.max_bytes)
    }

    /// Refuses a file of `size` bytes before it is read when it is over the policy's limit.
    pub fn check_attachment_size(&self, name: &str, size: u64) -> Result<(), DeskError> {
        let max = self.attachment_limit();
        if size > max {
            return Err(DeskError::Invalid(format!(
                "{name} is {size} bytes, over the policy's limit of {max} bytes ([attachments] max_bytes); nothing was stored"
            )));
        }
        Ok(())
    }

    /// Attaches a file to a client (desk staff and up; audited). The name is the file's own
    /// name, without its folder.
    pub fn attach(
        &self,
        sn: &StudentNumber,
        name: &str,
        kind: AttachmentKind,
        bytes: Vec<u8>,
    ) -> Result<Attachment, DeskError> {
        self.require(Permission::EditClients)?;
        let name = validate::line("name", name, NAME_CHARS).map_err(DeskError::from)?;
        let size = bytes.len() as u64;
        self.check_attachment_size(&name, size)?;
        if bytes.is_empty() {
            return Err(DeskError::Invalid(format!("{name} is empty; nothing was stored")));
        }
        let client = self.client_by_student_number(sn)?;
        let now = self.now();
        let id = AttachmentId::new_at(now_ms(now));
        let attachment = Attachment {
            id,
            client: client.id,
            name,
            kind,
            size,
            hash: records::content_hash(&bytes),
            added_at: now,
            added_by: self.operator.id,
        };
        let content = AttachmentContent {
            id,
            client: client.id,
            bytes,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &attachment);
        ws.put(&self.store, None, &content);
        ws.audit(self.audit(
            AuditAction::Create,
            attachment_ref(id),
            format!(
                "attachment added: {}, {size} bytes",
                records::attachment_kind_code(kind)
            ),
        ));
        self.commit(ws)?;
        Ok(attachment)
    }

    /// A client's attachments, oldest first (metadata only; anyone who may look up clients).
    pub fn attachments(&self, sn: &StudentNumber) -> Result<Vec<Attachment>, DeskError> {
        self.require(Permission::ViewClients)?;
        let client = self.client_by_student_number(sn)?;
        let mut list: Vec<Attachment> = self.store.sealed_for(client.id.0)?;
        list.sort_by_key(|a| (a.added_at, a.id.0));
        Ok(list)
    }

    fn attachment_record(&self, id: AttachmentId) -> Result<Attachment, DeskError> {
        self.store.get::<Attachment>(id.0)?.ok_or_else(|| {
            DeskError::Invalid(format!(
                "no attachment has id {id}; `attachment list STUDENT_NUMBER` shows them"
            ))
        })
    }

    /// An attachment's record and bytes (consultants, supervisors, administrators). The read
    /// is audited before the bytes are returned; bytes whose hash is not the one kept are
    /// refused as damaged.
    pub fn read_attachment(&self, id: AttachmentId) -> Result<(Attachment, Vec<u8>), DeskError> {
        self.require(Permission::ReadAttachments)?;
        let attachment = self.attachment_record(id)?;
        let mut ws = WriteSet::new();
        ws.audit(self.audit(AuditAction::Export, attachment_ref(id), "attachment read".into()));
        self.commit(ws)?;
        let bytes = self.attachment_bytes(&attachment)?;
        Ok((attachment, bytes))
    }

    /// The bytes of an attachment, checked against its hash (no permission check: callers
    /// check theirs).
    pub(super) fn attachment_bytes(&self, a: &Attachment) -> Result<Vec<u8>, DeskError> {
        let content = self.store.get::<AttachmentContent>(a.id.0)?.ok_or_else(|| {
            DeskError::Damaged(format!(
                "attachment {} has no stored content; restore the store from a backup (`store restore`)",
                a.id
            ))
        })?;
        if content.bytes.len() as u64 != a.size || records::content_hash(&content.bytes) != a.hash {
            return Err(DeskError::Damaged(format!(
                "attachment {}'s content does not match the hash kept when it was attached; restore the store from a backup (`store restore`)",
                a.id
            )));
        }
        Ok(content.bytes)
    }

    /// Removes an attachment and its content (desk staff and up; audited).
    pub fn remove_attachment(&self, id: AttachmentId) -> Result<Attachment, DeskError> {
        self.require(Permission::EditClients)?;
        let attachment = self.attachment_record(id)?;
        let mut ws = WriteSet::new();
        ws.remove(&self.store, &attachment);
        if let Some(content) = self.store.get::<AttachmentContent>(id.0)? {
            ws.remove(&self.store, &content);
        }
        ws.audit(self.audit(AuditAction::Delete, attachment_ref(id), "attachment removed".into()));
        self.commit(ws)?;
        Ok(attachment)
    }
}
