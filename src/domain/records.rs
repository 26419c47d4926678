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
    /// The appointment's client, for feedback on an appointment: the record is sealed with
    /// their key and goes with their erasure. Never shown with a quotation.
    pub client: Option<ClientId>,
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

/// The lowest and highest ratings.
pub const RATINGS: std::ops::RangeInclusive<u8> = 1..=5;

/// The comments that may be quoted in publicity (DATA-10): only those whose author consented
/// to anonymous quotation, newest first.
pub fn quotable(feedback: &[Feedback]) -> Vec<&Feedback> {
    let mut out: Vec<&Feedback> = feedback.iter().filter(|f| f.may_quote_anonymously).collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.at));
    out
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
    /// When it was attached.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub added_at: DateTime<Utc>,
    /// Who attached it.
    pub added_by: OperatorId,
}

/// An attachment's bytes, in their own record (same id as the [`Attachment`]) so listing
/// never loads them; sealed with the client's key like the record (DATA-01, DATA-05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentContent {
    /// The attachment's id.
    pub id: AttachmentId,
    /// Client.
    pub client: ClientId,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The BLAKE3 hash of an attachment's bytes, hex: kept on upload, checked on every read.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The kind's name as typed and shown (`cv`, `application`, `feedback-form`, `other`).
pub fn attachment_kind_code(k: AttachmentKind) -> &'static str {
    match k {
        AttachmentKind::Cv => "cv",
        AttachmentKind::Application => "application",
        AttachmentKind::FeedbackForm => "feedback-form",
        AttachmentKind::Other => "other",
    }
}

/// The longest service name in the consent register.
pub const SERVICE_CHARS: usize = 40;

/// Reads a third-party service's name as the register keeps it: lower case letters, digits
/// and dashes (`cv-scoring`), so one service is never two rows by spelling.
pub fn service_name(raw: &str) -> Result<String, super::validate::FieldError> {
    use super::validate::FieldError;
    let s = raw.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(FieldError::new("service", "is required, e.g. cv-scoring"));
    }
    if s.chars().count() > SERVICE_CHARS {
        return Err(FieldError::new(
            "service",
            format!("is longer than {SERVICE_CHARS} characters"),
        ));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(FieldError::new(
            "service",
            format!(
                "`{}` may hold only letters, digits and dashes, e.g. cv-scoring",
                raw.trim()
            ),
        ));
    }
    Ok(s)
}

/// The latest consent record per service: the register's current state, by service name.
pub fn current_consents(history: &[Consent]) -> Vec<&Consent> {
    let mut latest: std::collections::BTreeMap<&str, &Consent> = std::collections::BTreeMap::new();
    for c in history {
        let newer = latest
            .get(c.service.as_str())
            .is_none_or(|old| (c.at, c.id.0) >= (old.at, old.id.0));
        if newer {
            latest.insert(c.service.as_str(), c);
        }
    }
    latest.into_values().collect()
}

/// Whether a third-party service may be used for `client` (DATA-11): only while the latest
/// record for that service, among the client's own, says given. No record means no.
pub fn may_use_service(history: &[Consent], client: ClientId, service: &str) -> bool {
    let mine: Vec<Consent> = history.iter().filter(|c| c.client == client).cloned().collect();
    current_consents(&mine)
        .into_iter()
        .any(|c| c.service == service && c.state == ConsentState::Given)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(n: u64, client: u64, service: &str, state: ConsentState) -> Consent {
        Consent {
            id: ConsentId::new_at(n),
            client: ClientId::from(u128::from(client)),
            service: service.into(),
            state,
            at: DateTime::from_timestamp_millis(n as i64).unwrap_or_default(),
            recorded_by: OperatorId::new_at(1),
        }
    }

    #[test]
    fn data_11_a_service_may_be_used_only_while_the_latest_record_says_given() {
        let me = consent(1, 7, "cv-scoring", ConsentState::Given).client;
        assert!(!may_use_service(&[], me, "cv-scoring"), "no record is no consent");
        let mut h = vec![consent(10, 7, "cv-scoring", ConsentState::Given)];
        assert!(may_use_service(&h, me, "cv-scoring"));
        assert!(!may_use_service(&h, me, "interview-bot"), "consent is per service");
        h.push(consent(20, 7, "cv-scoring", ConsentState::Withdrawn));
        assert!(!may_use_service(&h, me, "cv-scoring"));
        h.push(consent(30, 7, "cv-scoring", ConsentState::Given));
        assert!(may_use_service(&h, me, "cv-scoring"));
        // Someone else's consent is not this client's.
        let other = vec![consent(40, 8, "interview-bot", ConsentState::Given)];
        assert!(!may_use_service(&other, me, "interview-bot"));
        assert_eq!(current_consents(&h).len(), 1);
    }

    #[test]
    fn data_11_service_names_are_kept_in_one_spelling() {
        assert_eq!(service_name("  CV-Scoring ").ok().as_deref(), Some("cv-scoring"));
        assert!(service_name("").is_err());
        assert!(service_name("cv scoring").is_err());
        assert!(service_name(&"x".repeat(SERVICE_CHARS + 1)).is_err());
    }
}
