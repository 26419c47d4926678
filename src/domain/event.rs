//! Employability events and their bookings (EVT-01..EVT-03).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ids::{ClientId, EmployerId, EventBookingId, EventId, OperatorId};
use super::limits::{self, check, check_each};
use super::validate::FieldError;

/// A consultation that opened an event to another school (EVT-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceConsultation {
    /// The school the event was opened to.
    pub school: String,
    /// The operator consulted.
    pub consulted: OperatorId,
    /// When.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
}

/// An employability event on the combined calendar (EVT-01).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Record id.
    pub id: EventId,
    /// Title.
    pub title: String,
    /// Organising operator.
    pub organiser: OperatorId,
    /// Employers taking part.
    pub employers: Vec<EmployerId>,
    /// Sector, used by the clash check.
    pub sector: String,
    /// Schools whose students may book (EVT-02).
    pub audience_schools: Vec<String>,
    /// Target programmes or degrees, used by the clash check.
    pub target_programmes: Vec<String>,
    /// Start.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub start: DateTime<Utc>,
    /// End.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub end: DateTime<Utc>,
    /// Where.
    pub location: String,
    /// Places.
    pub capacity: u32,
    /// Consultations that opened it to other schools.
    pub consultations: Vec<AudienceConsultation>,
}

impl Event {
    /// Checks every text field against its limit, reporting all that are over (EVT-01, EVT-02).
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        limits::all([
            check("title", &self.title, limits::TITLE),
            check("sector", &self.sector, limits::SECTOR),
            check_each("audience-schools", &self.audience_schools, limits::SCHOOL),
            check_each("target-programmes", &self.target_programmes, limits::PROGRAMME),
            check("location", &self.location, limits::LOCATION),
        ])
    }
}

/// Where an event booking stands (EVT-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventBookingState {
    /// Has a place.
    Booked,
    /// On the waiting list, promoted in booking order when a place frees.
    Waiting,
    /// Came.
    Attended,
    /// Booked but did not come.
    Absent,
    /// Cancelled.
    Cancelled,
}

/// A client's booking on an event; it cannot be passed to anyone else (SEC-02).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBooking {
    /// Record id.
    pub id: EventBookingId,
    /// Event.
    pub event: EventId,
    /// Client.
    pub client: ClientId,
    /// When booked (orders the waiting list).
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub booked_at: DateTime<Utc>,
    /// State.
    pub state: EventBookingState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evt_01_event_text_over_its_limits_is_all_named() {
        let mut e = Event {
            id: EventId(1),
            title: "Engineering fair".into(),
            organiser: OperatorId(1),
            employers: Vec::new(),
            sector: "engineering".into(),
            audience_schools: vec!["Engineering".into()],
            target_programmes: vec!["MEng Civil".into()],
            start: DateTime::UNIX_EPOCH,
            end: DateTime::UNIX_EPOCH,
            location: "Main hall".into(),
            capacity: 200,
            consultations: Vec::new(),
        };
        assert!(e.check().is_ok());
        e.title = "t".repeat(limits::TITLE + 1);
        e.audience_schools.push("s".repeat(limits::SCHOOL + 1));
        e.location = "l".repeat(limits::LOCATION + 1);
        let fields: Vec<&str> = e.check().unwrap_err().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["title", "audience-schools", "location"]);
    }
}
