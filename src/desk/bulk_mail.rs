//! Bulk mail to employer contacts through the desk (EVT-04, SEC-06, EMP-04): only with the
//! bulk-email grant; the events and employers named are looked up, the pure planner in
//! `domain::bulk_mail` chooses the recipients through the liaison gate, a preview shows exactly
//! who gets it and who is left out, and sending queues one outbox message per recipient, an
//! engagement note (kind e-mail) per employer mailed and one audit entry without addresses, in
//! one commit.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::audit::AuditAction;
use crate::domain::bulk_mail::{
    self, CheckRecent, EmployerFacts, LeftOut, LeftOutReason, Letter, PromotedEvent, Recipient,
};
use crate::domain::employer::{Employer, EngagementKind, EngagementNote};
use crate::domain::ids::{EmployerId, EngagementId, MessageId};
use crate::domain::messages::PlannedMessage;
use crate::domain::outbox::OutboxEntry;
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError, EmployerProfile};

/// A bulk mail as staff ask for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkMailRequest {
    /// The events to promote, each by id or title.
    pub events: Vec<String>,
    /// Employers to write to, each by id or unique name.
    pub employers: Vec<String>,
    /// Also every employer carrying all of these tags.
    pub tags: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// The text staff wrote.
    pub body: String,
}

/// A contact left out, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOutLine {
    /// The employer's name.
    pub employer: String,
    /// The contact's name (`*` for a key contact).
    pub contact: String,
    /// Why, and what to do about it.
    pub reason: String,
}

/// Exactly what sending would do: the events, every recipient, every contact left out and why,
/// and the first recipient's message as they would get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkMailPreview {
    /// Subject line.
    pub subject: String,
    /// The events promoted.
    pub events: Vec<PromotedEvent>,
    /// The employers chosen.
    pub employers: usize,
    /// Who gets a message: one each.
    pub recipients: Vec<Recipient>,
    /// Who does not, and why.
    pub left_out: Vec<LeftOutLine>,
    /// Multi-owner employers whose recent notes to read first (EMP-05).
    pub check_recent: Vec<CheckRecent>,
    /// The first recipient's message.
    pub sample: PlannedMessage,
}

/// What sending did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkMailSent {
    /// What was sent, as the preview showed it.
    pub preview: BulkMailPreview,
    /// Messages queued in the outbox (one per recipient).
    pub queued: usize,
    /// Engagement notes written (one per employer mailed).
    pub engagement_notes: usize,
}

struct Planned {
    preview: BulkMailPreview,
    letter: Letter,
    messages: Vec<PlannedMessage>,
}

impl Desk {
    /// What a bulk mail would do, queuing nothing (EVT-04): needs the bulk-email grant (SEC-06).
    pub fn preview_bulk_mail(&self, req: &BulkMailRequest) -> Result<BulkMailPreview, DeskError> {
        self.require(Permission::BulkEmail)?;
        Ok(self.plan_bulk_mail(req)?.preview)
    }

    /// Queues a bulk mail: one message per recipient in the outbox, an engagement note of kind
    /// e-mail per employer mailed, and an audit entry with the counts and the events (never an
    /// address), in one commit (EVT-04, SEC-06).
    pub fn send_bulk_mail(&self, req: &BulkMailRequest) -> Result<BulkMailSent, DeskError> {
        self.require(Permission::BulkEmail)?;
        let Planned {
            preview,
            letter,
            messages,
        } = self.plan_bulk_mail(req)?;
        let now = self.now();
        let mut ws = WriteSet::new();
        for message in messages {
            // An employer contact is not a client: nothing to seal with a client's key.
            let entry = OutboxEntry::pending(MessageId::new_at(now_ms(now)), None, None, message);
            ws.put(&self.store, None, &entry);
        }
        let titles: Vec<String> = letter.events.iter().map(|e| format!("\"{}\"", e.title)).collect();
        let mut employers: Vec<EmployerId> = preview.recipients.iter().map(|r| r.employer).collect();
        employers.dedup();
        for employer in &employers {
            let note = EngagementNote {
                id: EngagementId::new_at(now_ms(now)),
                employer: *employer,
                contacts: preview
                    .recipients
                    .iter()
                    .filter(|r| r.employer == *employer)
                    .map(|r| r.contact)
                    .collect(),
                author: self.operator.id,
                at: now,
                kind: EngagementKind::Email,
                liaised_with: None,
                text: format!("Bulk mail \"{}\" promoting {}", letter.subject, titles.join(", ")),
            };
            note.check().map_err(DeskError::Fields)?;
            ws.put(&self.store, None, &note);
        }
        let event_ids: Vec<String> = letter.events.iter().map(|e| e.id.to_string()).collect();
        ws.audit(self.audit(
            AuditAction::Create,
            None,
            format!(
                "bulk mail to employer contacts queued: {} message(s) to {} employer(s) promoting {} event(s) ({}); \
                 {} contact(s) left out",
                preview.recipients.len(),
                employers.len(),
                event_ids.len(),
                event_ids.join(", "),
                preview.left_out.len()
            ),
        ));
        self.commit(ws)?;
        Ok(BulkMailSent {
            queued: preview.recipients.len(),
            engagement_notes: employers.len(),
            preview,
        })
    }

    fn plan_bulk_mail(&self, req: &BulkMailRequest) -> Result<Planned, DeskError> {
        let tz = self.policy.institution.time_zone;
        let mut events = Vec::new();
        for e in &req.events {
            events.push(PromotedEvent::of(&self.find_event(e)?, tz));
        }
        let letter = Letter::new(&req.subject, &req.body, events, &self.policy.institution.name).map_err(invalid)?;
        let chosen = self.chosen_employers(req)?;
        let mut profiles: Vec<EmployerProfile> = Vec::new();
        for e in &chosen {
            profiles.push(self.employer_profile(e.id)?);
        }
        let facts: Vec<EmployerFacts<'_>> = profiles
            .iter()
            .map(|p| EmployerFacts {
                employer: &p.employer,
                contacts: &p.contacts,
                notes: &p.engagement,
            })
            .collect();
        let plan = bulk_mail::plan(self.operator.id, &letter, &facts, self.now(), |l| {
            self.left_out_reason(l)
        })
        .map_err(invalid)?;
        let left_out = plan
            .recipients
            .left_out
            .iter()
            .map(|l| LeftOutLine {
                employer: l.employer_name.clone(),
                contact: l.contact_name.clone(),
                reason: self.left_out_reason(l),
            })
            .collect();
        let sample = plan
            .messages
            .first()
            .cloned()
            .ok_or_else(|| DeskError::Invalid("nobody to send to".into()))?;
        let preview = BulkMailPreview {
            subject: letter.subject.clone(),
            events: letter.events.clone(),
            employers: chosen.len(),
            recipients: plan.recipients.to,
            left_out,
            check_recent: plan.recipients.check_recent,
            sample,
        };
        Ok(Planned {
            preview,
            letter,
            messages: plan.messages,
        })
    }

    /// The employers named, and those carrying every tag given, each once.
    fn chosen_employers(&self, req: &BulkMailRequest) -> Result<Vec<Employer>, DeskError> {
        let tags: Vec<String> = req.tags.iter().filter(|t| !t.trim().is_empty()).cloned().collect();
        if req.employers.is_empty() && tags.is_empty() {
            return Err(DeskError::Invalid(
                "say who to write to: --employer NAME and/or --tag TAG (see `employer find`)".into(),
            ));
        }
        let mut out: Vec<Employer> = Vec::new();
        for name in &req.employers {
            let e = self.resolve_employer(name)?;
            if !out.iter().any(|o| o.id == e.id) {
                out.push(e);
            }
        }
        if !tags.is_empty() {
            let tagged = self.find_employers("", &tags)?;
            if tagged.is_empty() {
                return Err(DeskError::Invalid(format!(
                    "no employer carries every tag given ({}); `employer find --tag TAG` lists those that do",
                    tags.join(", ")
                )));
            }
            for e in tagged {
                if !out.iter().any(|o| o.id == e.id) {
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    fn left_out_reason(&self, left: &LeftOut) -> String {
        match &left.reason {
            LeftOutReason::NoEmail => "no e-mail address; add one with `employer contact add`".into(),
            LeftOutReason::LiaiseFirst { owner } => {
                let login = self.operator_login(*owner);
                format!(
                    "key contact of {login}'s key account: liaise with {login} first (EMP-04) and record it with \
                     `employer liaise {:?} --with {login} --note WHAT-WAS-AGREED`",
                    left.employer_name
                )
            }
            LeftOutReason::SameAddress { as_contact } => {
                format!("same address as {as_contact}, who gets the message")
            }
        }
    }
}

fn invalid(e: bulk_mail::BulkMailError) -> DeskError {
    DeskError::Invalid(e.to_string())
}
