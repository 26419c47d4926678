//! Employers, their contacts, tags, engagement notes and vacancies (EMP-01..EMP-05, DATA-13).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ContactId, EmployerId, EngagementId, OperatorId, VacancyId};
use super::limits::{self, check, check_each, check_opt};
use super::validate::{Email, FieldError, Phone};

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

impl Employer {
    /// Checks every text field against its limit, reporting all that are over (EMP-01, EMP-02).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([
            check("name", &self.name, limits::TITLE),
            check("sector", &self.sector, limits::SECTOR),
            check_opt("website", self.website.as_ref(), limits::URL),
            check_each("tags", &self.tags, limits::TAG),
        ])
    }
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

impl Contact {
    /// Checks every text field against its limit, reporting all that are over.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([
            check("name", &self.name, limits::NAME),
            check_opt("title", self.title.as_ref(), limits::TITLE),
            check("guidance", &self.guidance, limits::GUIDANCE),
        ])
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
    /// A careers fair (added after `Other`: stored notes keep their kind).
    Fair,
    /// A visit to or from the employer.
    Visit,
}

impl EngagementKind {
    /// Every kind an operator may log by hand (liaison has its own command).
    pub const LOGGED: [EngagementKind; 7] = [
        EngagementKind::Meeting,
        EngagementKind::Call,
        EngagementKind::Email,
        EngagementKind::Fair,
        EngagementKind::Visit,
        EngagementKind::Event,
        EngagementKind::Other,
    ];

    /// The kind's name, as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            EngagementKind::Meeting => "meeting",
            EngagementKind::Call => "call",
            EngagementKind::Email => "email",
            EngagementKind::Event => "event",
            EngagementKind::Liaison => "liaison",
            EngagementKind::Other => "other",
            EngagementKind::Fair => "fair",
            EngagementKind::Visit => "visit",
        }
    }

    /// Reads a kind a user typed; the error lists the kinds there are.
    pub fn parse(raw: &str) -> Result<EngagementKind, FieldError> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::LOGGED.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| {
            let kinds: Vec<&str> = Self::LOGGED.iter().map(|k| k.as_str()).collect();
            FieldError::new("kind", format!("must be one of {}", kinds.join(", ")))
        })
    }
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

impl EngagementNote {
    /// Checks the note's text against its limit (EMP-01).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([check("text", &self.text, limits::ENGAGEMENT)])
    }
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

impl Vacancy {
    /// Checks every text field against its limit, reporting all that are over (EMP-02).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([
            check("title", &self.title, limits::TITLE),
            check_opt("url", self.url.as_ref(), limits::URL),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn employer() -> Employer {
        Employer {
            id: EmployerId(1),
            name: "Acme Engineering".into(),
            sector: "engineering".into(),
            website: Some("https://acme.example".into()),
            tags: vec!["graduate-scheme".into()],
            ownership: Ownership::Open,
            self_registered: false,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn emp_01_employer_fields_over_their_limits_are_all_named() {
        assert!(employer().check().is_ok());
        let mut e = employer();
        e.name = "n".repeat(limits::TITLE + 1);
        e.tags.push("t".repeat(limits::TAG + 1));
        e.website = Some("w".repeat(limits::URL + 1));
        let fields: Vec<&str> = e.check().unwrap_err().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "website", "tags"]);
    }

    #[test]
    fn contact_engagement_and_vacancy_text_is_limited() {
        let c = Contact {
            id: ContactId(1),
            employer: EmployerId(1),
            name: "Sam Jones".into(),
            title: Some("t".repeat(limits::TITLE + 1)),
            email: None,
            phone: None,
            key_contact: true,
            guidance: "g".repeat(limits::GUIDANCE + 1),
            visible_to_students: false,
        };
        let fields: Vec<&str> = c.check().unwrap_err().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["title", "guidance"]);
        let n = EngagementNote {
            id: EngagementId(1),
            employer: EmployerId(1),
            contacts: Vec::new(),
            author: OperatorId(1),
            at: DateTime::UNIX_EPOCH,
            kind: EngagementKind::Call,
            liaised_with: None,
            text: "x".repeat(limits::ENGAGEMENT + 1),
        };
        assert_eq!(n.check().unwrap_err()[0].field, "text");
        let v = Vacancy {
            id: VacancyId(1),
            employer: EmployerId(1),
            title: "Graduate engineer".into(),
            closes: None,
            url: Some("u".repeat(limits::URL + 1)),
            self_uploaded: true,
        };
        assert_eq!(v.check().unwrap_err()[0].field, "url");
    }
}
