//! Enquiries by e-mail, phone, at the desk or by chat (DATA-03, DATA-04): a summary always, the
//! e-mail correspondence only for e-mail enquiries (purged the policy's days after the matter is
//! resolved), never a chat transcript.

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::enquiry::{Enquiry, EnquiryChannel};
use crate::domain::ids::EnquiryId;
use crate::domain::validate::{self, FieldError, StudentNumber};
use crate::domain::{limits, EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// The longest enquiry summary.
pub const SUMMARY_CHARS: usize = 1_000;

/// A new enquiry as typed.
#[derive(Debug, Clone)]
pub struct NewEnquiry {
    /// How it came in.
    pub channel: EnquiryChannel,
    /// The client it is from, when known.
    pub client: Option<StudentNumber>,
    /// What was asked, in brief.
    pub summary: String,
    /// For an e-mail enquiry: the query and reply (DATA-03). Refused for the other channels.
    pub body: Option<String>,
}

fn enquiry_ref(id: EnquiryId) -> Option<RecordRef> {
    Some(RecordRef {
        kind: EntityKind::Enquiry,
        id: id.0,
    })
}

impl Desk {
    /// Records an enquiry (desk staff and up; audited).
    pub fn add_enquiry(&self, input: &NewEnquiry) -> Result<Enquiry, DeskError> {
        self.require(Permission::EditClients)?;
        let summary = validate::line("summary", &input.summary, SUMMARY_CHARS).map_err(DeskError::from)?;
        let body = match (&input.body, input.channel) {
            (None, _) => None,
            (Some(b), EnquiryChannel::Email) => Some(validate::text("body", b, limits::NOTE).map_err(DeskError::from)?),
            (Some(_), channel) => {
                return Err(DeskError::Fields(vec![FieldError::new(
                    "body",
                    format!(
                    "is kept for e-mail enquiries only; a {} enquiry keeps its summary, never a transcript (DATA-04)",
                    channel_code(channel)
                ),
                )]))
            }
        };
        let client = match &input.client {
            Some(sn) => Some(self.client_by_student_number(sn)?.id),
            None => None,
        };
        let now = self.now();
        let enquiry = Enquiry {
            id: EnquiryId::new_at(now_ms(now)),
            client,
            channel: input.channel,
            summary,
            body,
            received_at: now,
            resolved_on: None,
            handled_by: self.operator.id,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &enquiry);
        ws.audit(self.audit(AuditAction::Create, enquiry_ref(enquiry.id), "enquiry recorded".into()));
        self.commit(ws)?;
        Ok(enquiry)
    }

    /// Marks an enquiry resolved today; its correspondence goes the policy's days later.
    pub fn resolve_enquiry(&self, id: EnquiryId) -> Result<Enquiry, DeskError> {
        self.require(Permission::EditClients)?;
        let old = self
            .store
            .get::<Enquiry>(id.0)?
            .ok_or_else(|| DeskError::Invalid(format!("no enquiry has id {id}; `enquiry list` shows them")))?;
        if old.resolved_on.is_some() {
            return Ok(old);
        }
        let mut new = old.clone();
        new.resolved_on = Some(self.today());
        self.update(
            &old,
            &new,
            self.audit(AuditAction::Update, enquiry_ref(id), "enquiry resolved".into()),
        )?;
        Ok(new)
    }

    /// Every enquiry, newest first; only the unresolved ones with `open_only`.
    pub fn enquiries(&self, open_only: bool) -> Result<Vec<Enquiry>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out: Vec<Enquiry> = self
            .store
            .scan::<Enquiry>()?
            .filter_map(Result::ok)
            .filter(|e| !open_only || e.resolved_on.is_none())
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.received_at));
        Ok(out)
    }

    /// Removes the correspondence of enquiries resolved more than the policy's
    /// `enquiry_days` ago (DATA-03), keeping their summaries; returns how many. Part of the purge.
    pub(super) fn purge_enquiry_bodies(&self, dry_run: bool) -> Result<usize, DeskError> {
        let today = self.today();
        let due: Vec<Enquiry> = self
            .store
            .scan::<Enquiry>()?
            .filter_map(Result::ok)
            .filter(|e| {
                e.body.is_some()
                    && e.resolved_on
                        .is_some_and(|r| self.policy.enquiry_body_expired(r, today))
            })
            .collect();
        if dry_run || due.is_empty() {
            return Ok(due.len());
        }
        let mut ws = WriteSet::new();
        for old in &due {
            let mut new = old.clone();
            new.body = None;
            ws.put(&self.store, Some(old), &new);
        }
        ws.audit_kept(self.audit(
            AuditAction::Delete,
            None,
            format!(
                "retention purge: the correspondence of {} resolved enquiry(ies) removed",
                due.len()
            ),
        ));
        self.commit(ws)?;
        Ok(due.len())
    }
}

/// The channel's name as typed (`email`, `phone`, `desk`, `chat`).
pub fn channel_code(c: EnquiryChannel) -> &'static str {
    match c {
        EnquiryChannel::Email => "email",
        EnquiryChannel::Phone => "phone",
        EnquiryChannel::Desk => "desk",
        EnquiryChannel::Chat => "chat",
    }
}

/// Reads a channel name, listing the choices when it is none of them.
pub fn parse_channel(s: &str) -> Result<EnquiryChannel, DeskError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "email" | "e-mail" => Ok(EnquiryChannel::Email),
        "phone" => Ok(EnquiryChannel::Phone),
        "desk" => Ok(EnquiryChannel::Desk),
        "chat" => Ok(EnquiryChannel::Chat),
        other => Err(DeskError::Fields(vec![FieldError::new(
            "channel",
            format!("`{other}` is not one of email, phone, desk, chat"),
        )])),
    }
}
