//! Staff operator accounts (SEC-01, SEC-03, SEC-05).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::client::Suspension;
use super::ids::OperatorId;
use super::validate::FieldError;

/// A staff role; rights vary by role (SEC-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Front-desk staff: find, book, cancel, check in; never note bodies.
    Desk,
    /// Careers consultant: reads and writes notes, records outcomes.
    Consultant,
    /// Employer-relations staff: employers, contacts, events.
    EmployerRelations,
    /// Supervisor: triage, waivers, blocks, reports, audit log.
    Supervisor,
    /// Administrator: operators, policy, imports.
    Admin,
}

impl Role {
    /// All roles.
    pub const ALL: [Role; 5] = [
        Role::Desk,
        Role::Consultant,
        Role::EmployerRelations,
        Role::Supervisor,
        Role::Admin,
    ];

    /// The code used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::Consultant => "consultant",
            Role::EmployerRelations => "employer-relations",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    format!(
                        "{} is not a role; use desk, consultant, employer-relations, supervisor or admin",
                        super::text::quote(s)
                    ),
                )
            })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A sign-in name: 2 to 32 of a-z, 0-9, `.`, `_`, `-`, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    /// Checks and lower-cases a login.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        let ok = (2..=32).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok {
            return Err(FieldError::new(
                "login",
                format!(
                    "{} is not a login; use 2 to 32 letters, digits, dots, dashes or underscores",
                    super::text::quote(raw.trim())
                ),
            ));
        }
        Ok(Self(s))
    }

    /// The login as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

/// A right granted to an operator on top of their roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grant {
    /// May send bulk e-mail to employer contacts (SEC-06); needs training.
    BulkEmail,
}

/// A staff member's account (SEC-01: one per person, never shared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Record id.
    pub id: OperatorId,
    /// Sign-in name.
    pub login: Login,
    /// Display name.
    pub name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Extra grants (SEC-06).
    pub grants: Vec<Grant>,
    /// The day training was completed; write access needs it (SEC-05).
    pub trained_on: Option<NaiveDate>,
    /// Suspension pending investigation (SEC-03).
    pub suspension: Option<Suspension>,
    /// When the account was created.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
}

impl Operator {
    /// Whether the operator holds `role`.
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether training was completed on or before `today`.
    pub fn is_trained(&self, today: NaiveDate) -> bool {
        self.trained_on.is_some_and(|d| d <= today)
    }

    /// The roles as `desk,consultant`.
    pub fn roles_text(&self) -> String {
        let codes: Vec<&str> = self.roles.iter().map(|r| r.code()).collect();
        codes.join(",")
    }
}
