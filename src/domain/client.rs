//! Clients: the students and graduates the service helps.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, OperatorId};
use super::validate::{Email, Phone, StudentNumber};

/// Level of study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Undergraduate.
    Ug,
    /// Postgraduate taught.
    Pgt,
    /// Postgraduate research.
    Pgr,
}

impl Level {
    /// All levels, in display order.
    pub const ALL: [Level; 3] = [Level::Ug, Level::Pgt, Level::Pgr];

    /// The short code used on the command line and in policy files.
    pub fn code(self) -> &'static str {
        match self {
            Level::Ug => "ug",
            Level::Pgt => "pgt",
            Level::Pgr => "pgr",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("{} is not a level of study; use ug, pgt or pgr", super::text::quote(s)))
    }
}

/// Whether the client is a current student or a graduate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Currently enrolled.
    Student,
    /// Has completed their course.
    Graduate,
}

impl Status {
    /// All statuses, in display order.
    pub const ALL: [Status; 2] = [Status::Student, Status::Graduate];

    /// The code used on the command line and in policy files.
    pub fn code(self) -> &'static str {
        match self {
            Status::Student => "student",
            Status::Graduate => "graduate",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("{} is not a status; use student or graduate", super::text::quote(s)))
    }
}

/// A way the service may contact a client (DATA-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContactChannel {
    /// E-mail.
    Email,
    /// Phone calls and text messages.
    Phone,
    /// Letters.
    Post,
}

impl ContactChannel {
    /// All channels, in display order.
    pub const ALL: [ContactChannel; 3] = [ContactChannel::Email, ContactChannel::Phone, ContactChannel::Post];

    /// The code used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            ContactChannel::Email => "email",
            ContactChannel::Phone => "phone",
            ContactChannel::Post => "post",
        }
    }
}

/// How a client agreed to be contacted: an empty set means "none" (DATA-12).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactPreferences(pub Vec<ContactChannel>);

impl ContactPreferences {
    /// Every channel allowed: the default for a current student, who is contacted about their bookings.
    pub fn all() -> Self {
        Self(ContactChannel::ALL.to_vec())
    }

    /// Whether the client may be contacted on `channel`.
    pub fn allows(&self, channel: ContactChannel) -> bool {
        self.0.contains(&channel)
    }

    /// Parses `email,phone`, `post` or `none`.
    pub fn parse(raw: &str) -> Result<Self, super::validate::FieldError> {
        let raw = raw.trim();
        super::limits::check("contact", raw, super::limits::CONTACT)?;
        if raw.eq_ignore_ascii_case("none") {
            return Ok(Self(Vec::new()));
        }
        let mut out = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let ch = ContactChannel::ALL
                .into_iter()
                .find(|c| c.code().eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    super::validate::FieldError::new(
                        "contact",
                        format!(
                            "{} is not a contact channel; use email, phone, post or none",
                            super::text::quote(part)
                        ),
                    )
                })?;
            if !out.contains(&ch) {
                out.push(ch);
            }
        }
        out.sort();
        Ok(Self(out))
    }
}

impl std::fmt::Display for ContactPreferences {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let codes: Vec<&str> = self.0.iter().map(|c| c.code()).collect();
        f.write_str(&codes.join(","))
    }
}

/// Why a client is flagged for staff attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// A wellbeing concern flag from before concerns were their own record (DATA-06): read
    /// from old stores, never raised now; its reason is withheld ([`Flag::shown_reason`]).
    WellbeingConcern,
    /// Repeated no-shows crossed the concern threshold (APPT-04).
    NoShowConcern,
    /// A block was proposed after repeated no-shows and awaits a supervisor (APPT-04).
    BlockProposed,
}

/// A flag on a client: what, who raised it, when, and a short reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// What the flag is about.
    pub kind: FlagKind,
    /// Who raised it; `None` when the rules raised it.
    pub raised_by: Option<OperatorId>,
    /// When it was raised.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// A short reason, never note content.
    pub reason: String,
}

impl Flag {
    /// The reason as staff may see it on the card. A wellbeing flag is a legacy of stores made
    /// before concerns had their own sealed record (DATA-06): nothing raises one now, and its
    /// reason is never shown, since desk staff see the card; `wellbeing show` is the way in.
    pub fn shown_reason(&self) -> &str {
        match self.kind {
            FlagKind::WellbeingConcern => "recorded before concerns were kept apart; see `wellbeing show`",
            FlagKind::NoShowConcern | FlagKind::BlockProposed => &self.reason,
        }
    }
}

/// A suspension pending investigation (SEC-03): who, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// Why.
    pub reason: String,
    /// Who suspended.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// A confirmed booking block after repeated no-shows (APPT-04).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Why.
    pub reason: String,
    /// The supervisor who confirmed it.
    pub by: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The first day the client may book again.
    pub expires: NaiveDate,
}

/// An activity that counts toward eligibility thresholds (APPT-01), e.g. `cv-workshop` x 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// The activity's name as the policy file names it.
    pub activity: String,
    /// How many times the client has done it.
    pub count: u32,
}

/// A student or graduate using the service (DATA-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Record id.
    pub id: ClientId,
    /// The university's student number.
    pub student_number: StudentNumber,
    /// Full name.
    pub name: String,
    /// Programme of study.
    pub programme: String,
    /// School or faculty, when known.
    pub school: Option<String>,
    /// Level of study.
    pub level: Level,
    /// Student or graduate.
    pub status: Status,
    /// When the course ends or ended: retention counts from here (DATA-02).
    pub course_end: Option<NaiveDate>,
    /// E-mail address.
    pub email: Email,
    /// Phone number, when given.
    pub phone: Option<Phone>,
    /// How the client may be contacted (DATA-12).
    pub contact: ContactPreferences,
    /// Flags for staff attention.
    pub flags: Vec<Flag>,
    /// Activities counted toward eligibility thresholds.
    pub activities: Vec<Activity>,
    /// Suspension pending investigation (SEC-03).
    pub suspension: Option<Suspension>,
    /// Booking block after repeated no-shows (APPT-04).
    pub block: Option<Block>,
    /// When the record was created.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

/// A new client's details, each already checked (see `desk::NewClient::parse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientDetails {
    /// The university's student number.
    pub student_number: StudentNumber,
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: Email,
    /// Phone number, when given.
    pub phone: Option<Phone>,
    /// Programme of study.
    pub programme: String,
    /// School or faculty, when known.
    pub school: Option<String>,
    /// Level of study.
    pub level: Level,
    /// Student or graduate.
    pub status: Status,
    /// When the course ends or ended.
    pub course_end: Option<NaiveDate>,
    /// How the client may be contacted (DATA-12).
    pub contact: ContactPreferences,
}

impl Client {
    /// A new client record with these details, no flags, blocks or activities yet.
    pub fn new(id: ClientId, d: ClientDetails, now: DateTime<Utc>) -> Client {
        Client {
            id,
            student_number: d.student_number,
            name: d.name,
            programme: d.programme,
            school: d.school,
            level: d.level,
            status: d.status,
            course_end: d.course_end,
            email: d.email,
            phone: d.phone,
            contact: d.contact,
            flags: Vec::new(),
            activities: Vec::new(),
            suspension: None,
            block: None,
            created_at: now,
        }
    }
}

/// The first stored layout of a client (format 1), before flags, activities and contact
/// preferences existed; kept so records written then still read (see `store::codec`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientV1 {
    /// Record id.
    pub id: ClientId,
    /// Student number.
    pub student_number: StudentNumber,
    /// Full name.
    pub name: String,
    /// Programme of study.
    pub programme: String,
    /// Level of study.
    pub level: Level,
    /// Student or graduate.
    pub status: Status,
    /// Course end.
    pub course_end: Option<NaiveDate>,
    /// E-mail.
    pub email: Email,
    /// Phone.
    pub phone: Option<Phone>,
    /// Creation time.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

impl From<ClientV1> for Client {
    fn from(v1: ClientV1) -> Self {
        Client {
            id: v1.id,
            student_number: v1.student_number,
            name: v1.name,
            programme: v1.programme,
            school: None,
            level: v1.level,
            status: v1.status,
            course_end: v1.course_end,
            email: v1.email,
            phone: v1.phone,
            // Format 1 had no preferences: the service contacted every client by e-mail.
            contact: ContactPreferences(vec![ContactChannel::Email]),
            flags: Vec::new(),
            activities: Vec::new(),
            suspension: None,
            block: None,
            created_at: v1.created_at,
        }
    }
}

impl Client {
    /// Whether a flag of this kind is raised.
    pub fn has_flag(&self, kind: FlagKind) -> bool {
        self.flags.iter().any(|f| f.kind == kind)
    }

    /// The block in force on `today`, if any.
    pub fn block_on(&self, today: NaiveDate) -> Option<&Block> {
        self.block.as_ref().filter(|b| today < b.expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn data_06_an_old_wellbeing_flag_never_shows_its_reason() {
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap();
        let flag = |kind| Flag {
            kind,
            raised_by: None,
            at,
            reason: "private worry".into(),
        };
        assert!(!flag(FlagKind::WellbeingConcern)
            .shown_reason()
            .contains("private worry"));
        assert_eq!(flag(FlagKind::NoShowConcern).shown_reason(), "private worry");
        assert_eq!(flag(FlagKind::BlockProposed).shown_reason(), "private worry");
    }
}
