//! Feedback on appointments and events (DATA-10): used internally; a comment is quoted in
//! publicity only when its author consented, and then never with who they are.

use serde::Serialize;

use crate::domain::access::Permission;
use crate::domain::appointment::Appointment;
use crate::domain::audit::AuditAction;
use crate::domain::event::Event;
use crate::domain::ids::FeedbackId;
use crate::domain::records::{self, Feedback, FeedbackSubject, RATINGS};
use crate::domain::validate::{self, FieldError};
use crate::domain::{EntityKind, RecordRef};
use crate::store::WriteSet;

use super::{now_ms, Desk, DeskError};

/// The longest feedback comment.
pub const COMMENT_CHARS: usize = 2_000;

/// New feedback as given.
#[derive(Debug, Clone)]
pub struct NewFeedback {
    /// The appointment or event it is about.
    pub subject: FeedbackSubject,
    /// 1 to 5.
    pub rating: u8,
    /// The comment.
    pub comment: String,
    /// Whether the author consents to anonymous quotation in publicity.
    pub may_quote: bool,
}

/// A comment that may be quoted: what it is about (an appointment type or an event's title),
/// never who gave it or which appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quotation {
    /// The rating.
    pub rating: u8,
    /// The comment.
    pub comment: String,
    /// What it is about: the appointment type's name, or the event's title.
    pub about: String,
    /// The day it was given.
    pub on: chrono::NaiveDate,
}

impl Desk {
    /// Records feedback on an appointment (desk staff and up) or an event (also employer
    /// relations); audited.
    pub fn add_feedback(&self, input: &NewFeedback) -> Result<Feedback, DeskError> {
        if !(self.may(Permission::EditClients) || self.may(Permission::ManageEmployers)) {
            self.require(Permission::EditClients)?;
        }
        if !RATINGS.contains(&input.rating) {
            return Err(FieldError::new("rating", format!("must be 1 to 5, found {}", input.rating)).into());
        }
        let comment = validate::text("comment", &input.comment, COMMENT_CHARS).map_err(DeskError::from)?;
        let client = match input.subject {
            FeedbackSubject::Appointment(id) => {
                self.require(Permission::EditClients)?;
                let a = self
                    .store
                    .get::<Appointment>(id.0)?
                    .ok_or_else(|| DeskError::Invalid(format!("no appointment has id {id}; nothing was recorded")))?;
                Some(a.client)
            }
            FeedbackSubject::Event(id) => {
                self.store
                    .get::<Event>(id.0)?
                    .ok_or_else(|| DeskError::Invalid(format!("no event has id {id}; `event list` shows them")))?;
                None
            }
        };
        let now = self.now();
        let feedback = Feedback {
            id: FeedbackId::new_at(now_ms(now)),
            subject: input.subject,
            client,
            rating: input.rating,
            comment,
            may_quote_anonymously: input.may_quote,
            at: now,
        };
        let mut ws = WriteSet::new();
        ws.put(&self.store, None, &feedback);
        ws.audit(self.audit(
            AuditAction::Create,
            Some(RecordRef {
                kind: EntityKind::Feedback,
                id: feedback.id.0,
            }),
            format!("feedback recorded, rating {}", feedback.rating),
        ));
        self.commit(ws)?;
        Ok(feedback)
    }

    /// Every piece of feedback, newest first, for internal use (anyone who may look up clients).
    pub fn feedback(&self) -> Result<Vec<Feedback>, DeskError> {
        self.require(Permission::ViewClients)?;
        let mut out: Vec<Feedback> = self.store.scan::<Feedback>()?.filter_map(Result::ok).collect();
        out.sort_by_key(|f| std::cmp::Reverse(f.at));
        Ok(out)
    }

    /// The comments consented for anonymous quotation (DATA-10), each with what it is about and
    /// its day, never who gave it.
    pub fn quotable_feedback(&self) -> Result<Vec<Quotation>, DeskError> {
        let all = self.feedback()?;
        let mut out = Vec::new();
        for f in records::quotable(&all) {
            let about = match f.subject {
                FeedbackSubject::Appointment(id) => self
                    .store
                    .get::<Appointment>(id.0)?
                    .map(|a| {
                        self.policy
                            .appointment_type(&a.appointment_type)
                            .map_or_else(|| a.appointment_type.to_string(), |t| t.name.clone())
                    })
                    .unwrap_or_else(|| "an appointment".into()),
                FeedbackSubject::Event(id) => self
                    .store
                    .get::<Event>(id.0)?
                    .map_or_else(|| "an event".into(), |e| e.title),
            };
            out.push(Quotation {
                rating: f.rating,
                comment: f.comment.clone(),
                about,
                on: self.local_time(f.at).date(),
            });
        }
        Ok(out)
    }
}
