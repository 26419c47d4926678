//! Enquiries by e-mail, phone, at the desk or by chat (DATA-03, DATA-04).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, EnquiryId, OperatorId};

/// How the enquiry came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnquiryChannel {
    /// E-mail.
    Email,
    /// Telephone (never recorded).
    Phone,
    /// At the desk.
    Desk,
    /// Webchat: only a summary is kept, never the transcript (DATA-04).
    Chat,
}

/// An enquiry. There is deliberately no transcript field (DATA-04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enquiry {
    /// Record id.
    pub id: EnquiryId,
    /// The client, when known.
    pub client: Option<ClientId>,
    /// Channel.
    pub channel: EnquiryChannel,
    /// A short summary of what was asked.
    pub summary: String,
    /// The query and reply text; purged `enquiry_days` after resolution (DATA-03).
    pub body: Option<String>,
    /// Received.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub received_at: DateTime<Utc>,
    /// Resolved on.
    pub resolved_on: Option<NaiveDate>,
    /// Who handled it.
    pub handled_by: OperatorId,
}
