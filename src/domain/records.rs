//! Smaller records: consents, complaints, feedback and attachments (DATA-01, DATA-10, DATA-11, CMP-01, CMP-02).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{
    AppointmentId, AttachmentId, ClientId, ComplaintId, ConsentId, EmployerId, EventId, FeedbackId, OperatorId,
};

/// Given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentState {
    /// Opted in.
    Given,
    /// Opted out.
    Withdrawn,
}

/// A client's opt-in to a named third-party service (DATA-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// Record id.
    pub id: ConsentId,
    /// Client.
    pub client: ClientId,
    /// The service, e.g. `cv-scoring`.
    pub service: String,
    /// State.
    pub state: ConsentState,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Recorded by.
    pub recorded_by: OperatorId,
}

/// Escalation stages for complaints about the service (CMP-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EscalationStage {
    /// The service's director.
    Director,
    /// The service's committee.
    Committee,
    /// The university's complaints team.
    University,
}

/// What a complaint is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComplaintSubject {
    /// An employer; taken up with the student's permission (CMP-01).
    Employer {
        /// Employer.
        employer: EmployerId,
        /// Whether the student allowed the service to take it up.
        permission: bool,
    },
    /// The service itself, escalating through stages with dated history (CMP-02).
    Service {
        /// Stages reached, with dates.
        history: Vec<(EscalationStage, DateTime<Utc>)>,
    },
}

/// A complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Record id.
    pub id: ComplaintId,
    /// The complaining client.
    pub client: ClientId,
    /// Subject.
    pub subject: ComplaintSubject,
    /// Summary.
    pub summary: String,
    /// Received.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub received_at: DateTime<Utc>,
}

/// What feedback is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeedbackSubject {
    /// An appointment.
    Appointment(AppointmentId),
    /// An event.
    Event(EventId),
}

/// Feedback, used internally; quoted anonymously only with consent (DATA-10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    /// Record id.
    pub id: FeedbackId,
    /// Subject.
    pub subject: FeedbackSubject,
    /// Rating 1..=5.
    pub rating: u8,
    /// Comment.
    pub comment: String,
    /// May be quoted anonymously in publicity.
    pub may_quote_anonymously: bool,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// Kinds of upload (DATA-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttachmentKind {
    /// A CV.
    Cv,
    /// An application.
    Application,
    /// A feedback form.
    FeedbackForm,
    /// Anything else.
    Other,
}

/// An uploaded file held for a client (DATA-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Record id.
    pub id: AttachmentId,
    /// Client.
    pub client: ClientId,
    /// File name.
    pub name: String,
    /// Kind.
    pub kind: AttachmentKind,
    /// Size in bytes.
    pub size: u64,
    /// BLAKE3 hash of the content, hex.
    pub hash: String,
}
