//! Employers, their contacts, tags, engagement notes and vacancies (EMP-01..EMP-05, DATA-13).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ContactId, EmployerId, EngagementId, OperatorId, VacancyId};
use super::validate::{Email, Phone};

/// Who owns the relationship with an employer (EMP-03, EMP-05).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ownership {
    /// No key account: anyone may make contact.
    Open,
    /// A key account with one owning operator: others liaise with them first (EMP-04).
    KeyAccount {
        /// The key account operator.
        owner: OperatorId,
    },
    /// A large organisation with many touch points: no single gate (EMP-05).
    MultiOwner,
}

/// An employer organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employer {
    /// Record id.
    pub id: EmployerId,
    /// Organisation name.
    pub name: String,
    /// Sector, e.g. `engineering`.
    pub sector: String,
    /// Website.
    pub website: Option<String>,
    /// Tags for searching engagement themes (EMP-01), lower-case.
    pub tags: Vec<String>,
    /// Key-account ownership.
    pub ownership: Ownership,
    /// Registered itself through the employer portal (EMP-02).
    pub self_registered: bool,
    /// Created.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

/// A person at an employer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Record id.
    pub id: ContactId,
    /// Employer.
    pub employer: EmployerId,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// E-mail.
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<Phone>,
    /// A key contact of a key account: shown with `*` (EMP-03).
    pub key_contact: bool,
    /// Guidance on contacting them, shown beside them (EMP-03).
    pub guidance: String,
    /// Whether students may see these details (DATA-13).
    pub visible_to_students: bool,
}

impl Contact {
    /// The name as shown in lists: key contacts carry `*` (EMP-03).
    pub fn display_name(&self) -> String {
        if self.key_contact {
            format!("{}*", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// What kind of engagement a note records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngagementKind {
    /// A meeting.
    Meeting,
    /// A call.
    Call,
    /// An e-mail.
    Email,
    /// An event.
    Event,
    /// Liaison with a key account's owner before contacting its key contacts (EMP-04).
    Liaison,
    /// Anything else.
    Other,
}

/// A meaningful engagement with an employer (EMP-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementNote {
    /// Record id.
    pub id: EngagementId,
    /// Employer.
    pub employer: EmployerId,
    /// Contacts involved.
    pub contacts: Vec<ContactId>,
    /// Who.
    pub author: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// Kind.
    pub kind: EngagementKind,
    /// For a liaison: the owner liaised with.
    pub liaised_with: Option<OperatorId>,
    /// Text.
    pub text: String,
}

/// A vacancy an employer advertises (EMP-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vacancy {
    /// Record id.
    pub id: VacancyId,
    /// Employer.
    pub employer: EmployerId,
    /// Title.
    pub title: String,
    /// Closing date.
    pub closes: Option<NaiveDate>,
    /// Where to apply.
    pub url: Option<String>,
    /// Uploaded by the employer itself (EMP-02).
    pub self_uploaded: bool,
}
