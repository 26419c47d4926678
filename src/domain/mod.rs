//! The domain: pure types and rules. No IO, no clock: time is always passed in.

pub mod access;
pub mod appointment;
pub mod audit;
pub mod audit_filter;
pub mod booking_claim;
pub mod bulk_mail;
pub mod change;
pub mod clash;
pub mod client;
pub mod complaint;
pub mod contact_chart;
pub mod employer;
pub mod enquiry;
pub mod event;
pub mod event_places;
pub mod ids;
pub mod liaison;
pub mod limits;
pub mod merge;
pub mod messages;
pub mod note;
pub mod operator;
pub mod outbox;
pub mod place_claim;
pub mod policy;
pub mod queue;
pub mod records;
pub mod roster;
pub mod rules;
pub mod series;
pub mod sign_in;
pub mod student_directory;
pub mod sync;
pub mod text;
pub mod validate;
pub mod wellbeing;

use serde::{Deserialize, Serialize};

/// Every kind of record the store holds; each has its own tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    /// [`client::Client`].
    Client,
    /// [`operator::Operator`].
    Operator,
    /// [`appointment::Slot`].
    Slot,
    /// [`appointment::Appointment`].
    Appointment,
    /// [`note::Note`].
    Note,
    /// [`enquiry::Enquiry`].
    Enquiry,
    /// [`employer::Employer`].
    Employer,
    /// [`employer::Contact`].
    Contact,
    /// [`employer::EngagementNote`].
    Engagement,
    /// [`employer::Vacancy`].
    Vacancy,
    /// [`event::Event`].
    Event,
    /// [`event::EventBooking`].
    EventBooking,
    /// [`records::Consent`].
    Consent,
    /// [`records::Complaint`].
    Complaint,
    /// [`records::Feedback`].
    Feedback,
    /// [`records::Attachment`].
    Attachment,
    /// [`records::AttachmentContent`].
    AttachmentContent,
    /// [`queue::QueueEntry`].
    QueueEntry,
    /// [`outbox::OutboxEntry`].
    Message,
    /// [`wellbeing::Concern`].
    Concern,
}

impl EntityKind {
    /// What a person calls records of the kind, for messages ("may not change employer records").
    pub fn noun(self) -> &'static str {
        match self {
            EntityKind::Client => "client",
            EntityKind::Operator => "staff account",
            EntityKind::Slot => "calendar slot",
            EntityKind::Appointment => "appointment",
            EntityKind::Note => "note",
            EntityKind::Enquiry => "enquiry",
            EntityKind::Employer => "employer",
            EntityKind::Contact => "employer contact",
            EntityKind::Engagement => "engagement note",
            EntityKind::Vacancy => "vacancy",
            EntityKind::Event => "event",
            EntityKind::EventBooking => "event place",
            EntityKind::Consent => "consent",
            EntityKind::Complaint => "complaint",
            EntityKind::Feedback => "feedback",
            EntityKind::Attachment => "attachment",
            EntityKind::AttachmentContent => "attachment content",
            EntityKind::QueueEntry => "queue",
            EntityKind::Message => "message",
            EntityKind::Concern => "wellbeing concern",
        }
    }

    /// The name of the kind's store tree.
    pub fn tree(self) -> &'static str {
        match self {
            EntityKind::Client => "clients",
            EntityKind::Operator => "operators",
            EntityKind::Slot => "slots",
            EntityKind::Appointment => "appointments",
            EntityKind::Note => "notes",
            EntityKind::Enquiry => "enquiries",
            EntityKind::Employer => "employers",
            EntityKind::Contact => "contacts",
            EntityKind::Engagement => "engagements",
            EntityKind::Vacancy => "vacancies",
            EntityKind::Event => "events",
            EntityKind::EventBooking => "event_bookings",
            EntityKind::Consent => "consents",
            EntityKind::Complaint => "complaints",
            EntityKind::Feedback => "feedback",
            EntityKind::Attachment => "attachments",
            EntityKind::AttachmentContent => "attachment_content",
            EntityKind::QueueEntry => "queue",
            EntityKind::Message => "outbox",
            EntityKind::Concern => "wellbeing",
        }
    }
}

/// A reference to one record: its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// Kind.
    pub kind: EntityKind,
    /// Id (the ULID as a number).
    pub id: u128,
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind.tree(), ulid::Ulid(self.id))
    }
}
